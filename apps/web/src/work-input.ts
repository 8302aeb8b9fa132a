import {
  isWorkIdKind,
  normalizeWorkId,
  type Result,
  type WorkId,
  type WorkIdErrorCode,
} from '@assent/manifest';

const ISRC = /^[A-Za-z]{2}-?[A-Za-z0-9]{3}-?\d{2}-?\d{5}$/;
const ISWC = /^T-?\d{3}\.?\d{3}\.?\d{3}-?\d$/i;
const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * Turns what a person types into a work id: a work id as is (`isrc:…`, `url:…`), a bare ISRC or ISWC,
 * a link (`https://…`), or a SHA-256 in hex. With `prefix`, a link means everything under it.
 * @example
 * workIdFromText('US-RC1-76-07839') // { ok: true, value: 'isrc:USRC17607839' }
 * workIdFromText('https://soundcloud.com/the-flight/', { prefix: true }) // url-prefix:…
 */
export function workIdFromText(
  text: string,
  options: { prefix?: boolean } = {},
): Result<WorkId, WorkIdErrorCode> {
  const value = text.trim();
  if (options.prefix === true) {
    const url = value.replace(/^url(-prefix)?:/i, '');
    return normalizeWorkId(`url-prefix:${/^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `https://${url}`}`);
  }
  const colon = value.indexOf(':');
  if (colon > 0 && isWorkIdKind(value.slice(0, colon).toLowerCase())) return normalizeWorkId(value);
  if (/^https?:\/\//i.test(value)) return normalizeWorkId(`url:${value}`);
  if (ISRC.test(value)) return normalizeWorkId(`isrc:${value}`);
  if (ISWC.test(value)) return normalizeWorkId(`iswc:${value}`);
  if (SHA256_HEX.test(value)) return normalizeWorkId(`sha256:${value.toLowerCase()}`);
  return {
    ok: false,
    code: 'WORK_ID_UNKNOWN_KIND',
    message: `“${value.slice(0, 80)}” is not an ISRC, a link (https://…) or a work id (isrc:…, url:…)`,
  };
}

/** Splits a text area's content into non-empty lines. */
export function linesOf(text: string): string[] {
  return text
    .split(/[\r\n]+/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

const KIND_LABELS: Readonly<Record<string, string>> = {
  sha256: 'File fingerprint',
  cid: 'IPFS CID',
  isrc: 'ISRC',
  iswc: 'ISWC',
  url: 'Link',
  'url-prefix': 'Everything under',
};

/** A work id split for display: a plain-language kind and the value. */
export function describeWorkId(id: string): { kind: string; value: string } {
  const colon = id.indexOf(':');
  const kind = id.slice(0, colon);
  return { kind: KIND_LABELS[kind] ?? kind, value: id.slice(colon + 1) };
}
