/**
 * Work identifiers (DESIGN §2 "Works and how they are matched"): one normalizer per kind, used
 * before signing and before every lookup, so that two spellings of one work meet in the index.
 *
 * | kind         | normal form                                                        |
 * |--------------|--------------------------------------------------------------------|
 * | `sha256`     | `sha256:` + 64 lower-case hex digits of SHA-256 over the file bytes |
 * | `cid`        | `cid:` + CIDv1, sha2-256, base32 lower (`bafy…`, `bafk…`)           |
 * | `isrc`       | `isrc:` + 12 upper-case characters, no separators                   |
 * | `iswc`       | `iswc:T-123.456.789-C`, check digit verified                        |
 * | `url`        | `url:` + WHATWG-normalized http(s) URL, no fragment, no credentials |
 * | `url-prefix` | `url-prefix:` + normalized http(s) URL ending in `/`, no query,     |
 * |              | at most 16 path segments ({@link MAX_URL_PREFIX_SEGMENTS})          |
 *
 * Also the standalone CID parser {@link parseCidString}, shared with manifest and catalog-page
 * references. Runs in browsers: no `node:*`, bytes are `Uint8Array`.
 */
import { base16, base16upper } from 'multiformats/bases/base16';
import { base32, base32upper } from 'multiformats/bases/base32';
import { base36, base36upper } from 'multiformats/bases/base36';
import { base58btc } from 'multiformats/bases/base58';
import { base64, base64url } from 'multiformats/bases/base64';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { type ErrorCode, fail, ok, type Result, unwrap } from './errors.js';

/** The kinds of work identifier, as written before the first `:`. */
export const WORK_ID_KINDS = ['sha256', 'cid', 'isrc', 'iswc', 'url', 'url-prefix'] as const;

/** A kind of work identifier. */
export type WorkIdKind = (typeof WORK_ID_KINDS)[number];

/** True when `value` is one of the {@link WORK_ID_KINDS} (lower case, as in a normalized id). */
export function isWorkIdKind(value: unknown): value is WorkIdKind {
  return typeof value === 'string' && (WORK_ID_KINDS as readonly string[]).includes(value);
}

declare const workIdBrand: unique symbol;

/**
 * A work identifier in normal form. Only {@link normalizeWorkId}, {@link parseNormalizedWorkId},
 * {@link assertWorkId}, {@link isWorkId} and {@link sha256WorkId} produce one, so holding a
 * `WorkId` means the string is the single spelling every index uses.
 */
export type WorkId = string & { readonly [workIdBrand]: true };

/** The error codes a work identifier can fail with. */
export type WorkIdErrorCode = Extract<ErrorCode, `WORK_ID_${string}`>;

/** The error codes {@link parseCidString} can fail with. */
export type CidErrorCode =
  | 'CID_MALFORMED'
  | 'CID_IDENTITY_HASH'
  | 'CID_UNSUPPORTED_HASH'
  | 'CID_UNSUPPORTED_CODEC';

/**
 * Longest accepted URL (after normalization) in a `url:` or `url-prefix:` id. 2048 is the
 * de-facto interoperable URL length; longer ones are refused rather than truncated.
 */
export const MAX_URL_LENGTH = 2048;

/**
 * Longest accepted work id, input or output: the longest kind prefix (`url-prefix:`) plus
 * {@link MAX_URL_LENGTH}, rounded up. Checked first, so hostile input costs bounded work.
 */
export const MAX_WORK_ID_LENGTH = 2064;

/**
 * Deepest accepted `url-prefix:` id, in path segments below the origin: `https://a.com/` has 0,
 * `https://a.com/the-flight/sets/` has 2 (`%2F` is not a separator). Catalogs are shallow: an
 * artist's, a label's or a platform's works sit a few directories deep (`/the-flight/sets/album/`),
 * and 16 leaves room for deep CMS and file-server trees; anything deeper is still covered by its
 * 16-deep ancestor or named by a `url:` id. The bound caps {@link urlPrefixesOf} at 17 keys, so
 * looking up a hostile URL of a thousand segments costs 17 index probes, not a thousand (spec §6).
 */
export const MAX_URL_PREFIX_SEGMENTS = 16;

/** Longest CID string accepted (a sha2-256 CIDv1 is under 120 characters in every base we read). */
const MAX_CID_STRING_LENGTH = 256;
/**
 * The canonical CID string syntax: multibase `b`, RFC 4648 base32 lower case, no `=` padding.
 * With multiformats' strict decoder (non-zero trailing bits rejected) and canonical bytes, a
 * string of this syntax is the only spelling of its CID, so it needs no re-encoding to compare.
 */
const BASE32_LOWER = /^b[a-z2-7]+$/;

const IDENTITY_HASH = 0x00;
const SHA2_256 = 0x12 as const;
const SHA2_256_LENGTH = 32;
const DAG_PB = 0x70;

const MALFORMED: Readonly<Record<WorkIdKind, WorkIdErrorCode>> = {
  sha256: 'WORK_ID_SHA256_MALFORMED',
  cid: 'WORK_ID_CID_MALFORMED',
  isrc: 'WORK_ID_ISRC_MALFORMED',
  iswc: 'WORK_ID_ISWC_MALFORMED',
  url: 'WORK_ID_URL_MALFORMED',
  'url-prefix': 'WORK_ID_URL_MALFORMED',
};

/**
 * Control (Cc), format (Cf: bidi overrides, zero-width joiners, BOM), lone surrogates (Cs) and
 * line/paragraph separators: never part of an id. Rejected rather than stripped, because an id
 * that renders differently from its bytes invites spoofing (Unicode TR36 §2, "Trojan Source").
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
/** Space separators (U+0020, NBSP, …); only `isrc:` allows U+0020, as a printed-form separator. */
const SPACE = /\p{Zs}/u;
const KIND_SYNTAX = /^[A-Za-z0-9-]{1,16}$/;

/**
 * Ids already in normal form, of the kinds whose normal form this pattern alone decides: an ISRC
 * (12 upper-case characters) or a SHA-256 (64 lower-case hex digits). Answered as given, without the
 * general path's slices and case changes: most ids in a batch check come this way, and the string
 * given (flat, as JSON parsed it) is also cheaper to look up than a freshly concatenated one.
 */
const NORMAL_FAST = /^(?:isrc:[A-Z]{2}[A-Z0-9]{3}[0-9]{7}|sha256:[0-9a-f]{64})$/;

/** A short, escaped excerpt of untrusted input for error messages (never echo it whole). */
function preview(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * Normalizes a work identifier to its one canonical spelling, or says precisely why it is not
 * one. Never throws on a string; the kind prefix is case-insensitive, everything else per kind
 * (see the module table and `docs/vocabulary.md`).
 *
 * @example
 * normalizeWorkId('isrc:US-RC1-76-07839') // { ok: true, value: 'isrc:USRC17607839' }
 * normalizeWorkId('url:HTTPS://SoundCloud.com:443/the-flight/./track#t=1')
 * // { ok: true, value: 'url:https://soundcloud.com/the-flight/track' }
 * normalizeWorkId('url:javascript:alert(1)') // { ok: false, code: 'WORK_ID_URL_SCHEME', … }
 */
export function normalizeWorkId(input: string): Result<WorkId, WorkIdErrorCode> {
  if (typeof input !== 'string') throw new TypeError(`normalizeWorkId expects a string, got ${typeof input}`);
  // 71: `sha256:` and 64 digits, the longest id the pattern matches (so a long input costs no regex).
  if (input.length <= 71 && NORMAL_FAST.test(input)) return ok(input as WorkId);
  const colon = input.slice(0, 17).indexOf(':');
  const rawKind = colon > 0 ? input.slice(0, colon) : '';
  const kind = KIND_SYNTAX.test(rawKind) ? rawKind.toLowerCase() : '';
  if (!isWorkIdKind(kind)) {
    return fail(
      'WORK_ID_UNKNOWN_KIND',
      `work id must start with one of ${WORK_ID_KINDS.map((k) => `${k}:`).join(', ')}; got ${preview(input)}`,
    );
  }
  const code = MALFORMED[kind];
  if (input.length > MAX_WORK_ID_LENGTH) {
    return fail(code, `work id is ${input.length} characters; the limit is ${MAX_WORK_ID_LENGTH}`);
  }
  const forbidden = FORBIDDEN.exec(input);
  if (forbidden !== null) {
    return fail(
      code,
      `work id contains a control, format or line-break character at index ${forbidden.index}`,
    );
  }
  if (kind !== 'isrc') {
    const space = SPACE.exec(input);
    if (space !== null) return fail(code, `work id contains whitespace at index ${space.index}`);
  }
  const body = input.slice(colon + 1);
  const normalized = normalizeBody(kind, body);
  return normalized.ok ? ok(`${kind}:${normalized.value}` as WorkId) : normalized;
}

function normalizeBody(kind: WorkIdKind, body: string): Result<string, WorkIdErrorCode> {
  switch (kind) {
    case 'sha256':
      return normalizeSha256(body);
    case 'cid':
      return normalizeCid(body);
    case 'isrc':
      return normalizeIsrc(body);
    case 'iswc':
      return normalizeIswc(body);
    case 'url':
    case 'url-prefix':
      return normalizeUrl(kind, body);
  }
}

const HEX_64 = /^[0-9A-Fa-f]{64}$/;

function normalizeSha256(body: string): Result<string, WorkIdErrorCode> {
  if (!HEX_64.test(body)) {
    return fail('WORK_ID_SHA256_MALFORMED', 'sha256: expects 64 hex digits (the SHA-256 of the file bytes)');
  }
  return ok(body.toLowerCase());
}

function normalizeCid(body: string): Result<string, WorkIdErrorCode> {
  const decoded = decodeCid(body, { allowV0: true, anyBase: true });
  if (!decoded.ok) return fail('WORK_ID_CID_MALFORMED', `cid: ${decoded.message} (${decoded.code})`);
  // Canonical base32 input is already the normal form (see decodeCid); skip re-encoding it.
  if (decoded.value.version === 1 && BASE32_LOWER.test(body)) return ok(body);
  // CIDv0 is dag-pb + sha2-256 by definition, so its v1 form names the same block (CID spec
  // "CIDv0"); one spelling per block lets `Qm…` and `bafy…` ids meet in the index.
  const cid = decoded.value.version === 0 ? CID.createV1(DAG_PB, decoded.value.multihash) : decoded.value;
  return ok(cid.toString(base32));
}

const ISRC_INPUT = /^[A-Za-z0-9 -]+$/;
/** ISO 3901: country code (2 letters), registrant (3 alphanumerics), year (2 digits), designation (5 digits). */
const ISRC = /^[A-Z]{2}[A-Z0-9]{3}[0-9]{2}[0-9]{5}$/;

function normalizeIsrc(body: string): Result<string, WorkIdErrorCode> {
  const compact = ISRC_INPUT.test(body) ? body.replace(/[ -]/g, '').toUpperCase() : '';
  if (!ISRC.test(compact)) {
    return fail(
      'WORK_ID_ISRC_MALFORMED',
      'isrc: expects 12 characters CC-XXX-YY-NNNNN (2 letters, 3 letters or digits, 2 digits, 5 digits); ' +
        'hyphens and spaces are ignored',
    );
  }
  return ok(compact);
}

/** `T-123.456.789-C` or `T1234567890`; the separators are optional, the letter T case-insensitive. */
const ISWC = /^[Tt]-?([0-9]{3})\.?([0-9]{3})\.?([0-9]{3})-?([0-9])$/;

function normalizeIswc(body: string): Result<string, WorkIdErrorCode> {
  const match = ISWC.exec(body);
  if (match === null) {
    return fail('WORK_ID_ISWC_MALFORMED', 'iswc: expects T-DDD.DDD.DDD-C or TDDDDDDDDDC');
  }
  const [, a = '', b = '', c = '', check = ''] = match;
  const digits = a + b + c;
  // ISO 15707 check digit: 1 + Σ i·dᵢ (i = 1…9), then (10 − sum mod 10) mod 10.
  let sum = 1;
  for (let i = 0; i < 9; i++) sum += (i + 1) * Number(digits[i]);
  const expected = (10 - (sum % 10)) % 10;
  if (Number(check) !== expected) {
    return fail('WORK_ID_ISWC_MALFORMED', `iswc: check digit is ${check}, expected ${expected} (ISO 15707)`);
  }
  return ok(`T-${a}.${b}.${c}-${check}`);
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const PERCENT_TRIPLET = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /^[A-Za-z0-9._~-]$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * RFC 3986 §6.2.2.1–2: upper-case the hex of percent-encodings and decode those of unreserved
 * characters. Safe only once every `%` starts a valid triplet (checked before), so decoding
 * cannot form a new triplet and the result is stable.
 */
function normalizePercentEncoding(text: string): string {
  return text.replace(PERCENT_TRIPLET, (_triplet, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

function normalizeUrl(kind: 'url' | 'url-prefix', body: string): Result<string, WorkIdErrorCode> {
  const scheme = SCHEME.exec(body);
  if (scheme === null) {
    return fail('WORK_ID_URL_MALFORMED', `${kind}: expects an absolute http:// or https:// URL`);
  }
  const schemeName = (scheme[1] ?? '').toLowerCase();
  // Only web locations name works; javascript:, data:, file: and the rest would let an id
  // smuggle script or local paths into UIs and crawlers (WHATWG URL "special schemes").
  if (schemeName !== 'http' && schemeName !== 'https') {
    return fail(
      'WORK_ID_URL_SCHEME',
      `${kind}: scheme ${preview(`${schemeName}:`, 20)} is not allowed; use http or https`,
    );
  }
  let url: URL;
  try {
    url = new URL(body);
  } catch {
    return fail('WORK_ID_URL_MALFORMED', `${kind}: not a valid URL (WHATWG URL parser)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail('WORK_ID_URL_SCHEME', `${kind}: only http and https URLs are allowed`);
  }
  // Credentials in an id would publish secrets in a signed, replicated document and make
  // `https://a@b/` spellings of one location (RFC 3986 §3.2.1 deprecates user:password).
  if (url.username !== '' || url.password !== '') {
    return fail('WORK_ID_URL_MALFORMED', `${kind}: credentials (user:password@) are not allowed`);
  }
  if (BAD_PERCENT.test(url.pathname) || BAD_PERCENT.test(url.search)) {
    return fail('WORK_ID_URL_MALFORMED', `${kind}: '%' must start a percent-encoding %XX (RFC 3986 §2.1)`);
  }
  let host = url.host;
  // A fully qualified `example.com.` is the same host as `example.com` (RFC 1034 §3.1).
  if (url.hostname.endsWith('.')) {
    const hostname = url.hostname.slice(0, -1);
    if (hostname === '' || hostname.endsWith('.')) {
      return fail('WORK_ID_URL_MALFORMED', `${kind}: host has an empty label`);
    }
    host = url.port === '' ? hostname : `${hostname}:${url.port}`;
  }
  const path = normalizePercentEncoding(url.pathname);
  // An empty query (`?`) and the fragment are dropped: a fragment is never sent to the server
  // (RFC 9110 §4.2.4), so it does not name a different work.
  const query = normalizePercentEncoding(url.search);
  let normalized = `${url.protocol}//${host}${path}${query}`;
  if (kind === 'url-prefix') {
    // A prefix covers a path and everything below it; a query has no "below".
    if (query !== '') return fail('WORK_ID_URL_MALFORMED', 'url-prefix: must not have a query');
    // Prefixes match whole path segments: `…/the-flight` becomes `…/the-flight/`, so it never
    // covers `…/the-flight-2/`.
    if (!path.endsWith('/')) normalized += '/';
    // Bounded depth keeps urlPrefixesOf, and so every lookup, at most 17 keys (spec §6).
    const segments = countSlashes(path) - (path.endsWith('/') ? 1 : 0);
    if (segments > MAX_URL_PREFIX_SEGMENTS) {
      return fail(
        'WORK_ID_URL_MALFORMED',
        `url-prefix: has ${segments} path segments; at most ${MAX_URL_PREFIX_SEGMENTS} are allowed ` +
          '(name a shallower prefix, or the URL itself as a url: id)',
      );
    }
  }
  if (normalized.length > MAX_URL_LENGTH) {
    return fail(
      'WORK_ID_URL_MALFORMED',
      `${kind}: URL is longer than ${MAX_URL_LENGTH} characters once normalized`,
    );
  }
  // Defence in depth: the normal form must be printable ASCII and a fixed point of the parser.
  if (!PRINTABLE_ASCII.test(normalized) || reparse(normalized) !== normalized) {
    return fail('WORK_ID_URL_MALFORMED', `${kind}: URL has no stable normal form`);
  }
  return ok(normalized);
}

function countSlashes(text: string): number {
  let count = 0;
  for (let i = text.indexOf('/'); i !== -1; i = text.indexOf('/', i + 1)) count++;
  return count;
}

function reparse(href: string): string | undefined {
  try {
    return new URL(href).href;
  } catch {
    return undefined;
  }
}

/**
 * Accepts only a work id already in normal form, as signed documents must carry (DESIGN §2:
 * ids are normalized before signing). A valid id in another spelling fails with
 * `WORK_ID_NOT_NORMALIZED`, naming the normal form.
 */
export function parseNormalizedWorkId(input: string): Result<WorkId, WorkIdErrorCode> {
  const normalized = normalizeWorkId(input);
  if (!normalized.ok || normalized.value === input) return normalized;
  return fail(
    'WORK_ID_NOT_NORMALIZED',
    `work id is not in normal form; expected ${preview(normalized.value, 200)}`,
  );
}

/** True when `input` is a string already in normal form (`normalizeWorkId(input)` returns it unchanged). */
export function isNormalizedWorkId(input: string): boolean {
  return typeof input === 'string' && parseNormalizedWorkId(input).ok;
}

/** Type guard: `value` is a {@link WorkId}, a string in normal form. Pair of {@link assertWorkId}. */
export function isWorkId(value: unknown): value is WorkId {
  return typeof value === 'string' && parseNormalizedWorkId(value).ok;
}

/**
 * Asserts `value` is a {@link WorkId} in normal form. Throws `TypeError` when it is not a string
 * (misuse), and an `AssentError` with the `WORK_ID_*` code when the string is not a normalized id.
 */
export function assertWorkId(value: unknown): asserts value is WorkId {
  if (typeof value !== 'string') throw new TypeError(`expected a work id string, got ${typeof value}`);
  unwrap(parseNormalizedWorkId(value));
}

/**
 * The kind of a normalized work id.
 *
 * @example workIdKind(id) // 'url-prefix'
 */
export function workIdKind(id: WorkId): WorkIdKind {
  const kind = id.slice(0, id.indexOf(':'));
  if (!isWorkIdKind(kind)) throw new TypeError(`not a normalized work id: ${preview(id)}`);
  return kind;
}

/**
 * Every `url-prefix:` id that could cover `id`, shortest first: the origin's `/`, then each
 * enclosing directory of the path (a path ending in `/` is its own last prefix), down to
 * {@link MAX_URL_PREFIX_SEGMENTS} directories. A prefix covers a URL when the URL's path starts
 * with the prefix's path, whatever the query. For a `url-prefix:` id the result includes the id
 * itself; for other kinds it is empty. The index looks these up instead of scanning all prefixes.
 * The list is complete yet never longer than 17, however deep the URL: no deeper prefix is a
 * valid id (spec §6).
 *
 * @example
 * urlPrefixesOf('url:https://soundcloud.com/the-flight/track?x=1' as WorkId)
 * // ['url-prefix:https://soundcloud.com/', 'url-prefix:https://soundcloud.com/the-flight/']
 */
export function urlPrefixesOf(id: WorkId): WorkId[] {
  let url: string;
  if (id.startsWith('url:')) url = id.slice('url:'.length);
  else if (id.startsWith('url-prefix:')) url = id.slice('url-prefix:'.length);
  else return [];
  const schemeEnd = url.indexOf('//');
  const pathStart = schemeEnd === -1 ? -1 : url.indexOf('/', schemeEnd + 2);
  if (pathStart === -1) throw new TypeError(`not a normalized URL work id: ${preview(id)}`);
  const queryStart = url.indexOf('?');
  const pathEnd = queryStart === -1 ? url.length : queryStart;
  const prefixes: WorkId[] = [];
  for (
    let slash = pathStart;
    slash !== -1 && slash < pathEnd && prefixes.length <= MAX_URL_PREFIX_SEGMENTS;
    slash = url.indexOf('/', slash + 1)
  ) {
    prefixes.push(`url-prefix:${url.slice(0, slash + 1)}` as WorkId);
  }
  return prefixes;
}

/**
 * The `sha256:` work id of a file from its SHA-256 digest. Throws `TypeError`/`RangeError` when
 * `digest` is not 32 bytes (misuse: the caller hashed with something else).
 *
 * @example sha256WorkId(sha256(bytes)) // 'sha256:9f86d081…'
 */
export function sha256WorkId(digest: Uint8Array): WorkId {
  if (!(digest instanceof Uint8Array)) throw new TypeError('sha256WorkId expects a Uint8Array digest');
  if (digest.length !== SHA2_256_LENGTH) {
    throw new RangeError(`a SHA-256 digest is ${SHA2_256_LENGTH} bytes, got ${digest.length}`);
  }
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return `sha256:${hex}` as WorkId;
}

/** A CIDv1 whose multihash is sha2-256, as {@link parseCidString} returns. */
export type Sha256CidV1 = CID<unknown, number, typeof SHA2_256, 1>;

/** Options of {@link parseCidString}. */
export interface ParseCidOptions {
  /** Require this multicodec (e.g. `0x0200` json for manifests and catalog pages). */
  readonly codec?: number;
  /**
   * Also accept other multibase encodings of the CID (`z` base58btc, `k` base36, `f` base16,
   * `m`/`u` base64, upper-case variants). Default: only the canonical base32 lower form (`b…`)
   * that Assent writes everywhere, so a signed document has one spelling per CID.
   */
  readonly anyBase?: boolean;
}

/** Multibase decoders accepted with `anyBase`: the common encodings of the multibase table. */
const ANY_BASE = base32.decoder
  .or(base32upper.decoder)
  .or(base58btc.decoder)
  .or(base36.decoder)
  .or(base36upper.decoder)
  .or(base16.decoder)
  .or(base16upper.decoder)
  .or(base64.decoder)
  .or(base64url.decoder);

/**
 * Parses a CID string and enforces what Assent's security rests on (DESIGN §2 "Strict input"):
 * CIDv1 only, a sha2-256 multihash with a 32-byte digest, never the identity multihash (which
 * inlines data instead of committing to it), minimal varints, and by default the canonical
 * base32 lower string. Fails with `CID_MALFORMED`, `CID_IDENTITY_HASH`, `CID_UNSUPPORTED_HASH`
 * or, with `options.codec`, `CID_UNSUPPORTED_CODEC`.
 *
 * @example
 * parseCidString(text, { codec: 0x0200 }) // manifest and catalog-page references (json codec)
 */
export function parseCidString(
  text: string,
  options: ParseCidOptions = {},
): Result<Sha256CidV1, CidErrorCode> {
  if (typeof text !== 'string') throw new TypeError(`parseCidString expects a string, got ${typeof text}`);
  const anyBase = options.anyBase === true;
  const decoded = decodeCid(text, { allowV0: false, anyBase });
  if (!decoded.ok) return decoded;
  const cid = decoded.value as Sha256CidV1;
  if (options.codec !== undefined && cid.code !== options.codec) {
    return fail(
      'CID_UNSUPPORTED_CODEC',
      `CID codec is 0x${cid.code.toString(16)}; expected 0x${options.codec.toString(16)}`,
    );
  }
  return ok(cid);
}

/**
 * Shared CID decoding. Builds a fresh CID from the checked parts rather than keeping
 * multiformats' parse result, whose `toString()` echoes the input string.
 */
function decodeCid(
  text: string,
  options: { readonly allowV0: boolean; readonly anyBase: boolean },
): Result<CID<unknown, number, typeof SHA2_256, 0 | 1>, CidErrorCode> {
  if (text.length === 0) return fail('CID_MALFORMED', 'CID is empty');
  if (text.length > MAX_CID_STRING_LENGTH) {
    return fail('CID_MALFORMED', `CID string is longer than ${MAX_CID_STRING_LENGTH} characters`);
  }
  const isV0String = text.startsWith('Q');
  if (isV0String && !options.allowV0) {
    return fail('CID_MALFORMED', 'CIDv0 (Qm…) is not allowed; use the CIDv1 base32 form (b…)');
  }
  // Without anyBase only the canonical syntax passes (the base32 decoder alone would strip `=`).
  if (!isV0String && !options.anyBase && !BASE32_LOWER.test(text)) {
    return fail('CID_MALFORMED', 'not a canonical base32 (b…) CID string');
  }
  let bytes: Uint8Array;
  try {
    // CIDv0 strings are bare base58btc without a multibase prefix (CID spec "CIDv0").
    bytes = isV0String
      ? base58btc.decode(`z${text}`)
      : options.anyBase
        ? ANY_BASE.decode(text)
        : base32.decode(text);
  } catch {
    return fail(
      'CID_MALFORMED',
      options.anyBase ? 'not a multibase-encoded CID' : 'not a base32 (b…) CID string',
    );
  }
  let parsed: CID;
  try {
    parsed = CID.decode(bytes);
  } catch {
    return fail('CID_MALFORMED', 'not a valid CID');
  }
  // A v0 binary form inside a multibase string, or a Q… string that is not v0, is not a CID.
  if ((parsed.version === 0) !== isV0String) return fail('CID_MALFORMED', 'not a valid CID');
  // The identity "hash" carries the data itself, so it commits to nothing (multihash spec).
  if (parsed.multihash.code === IDENTITY_HASH) {
    return fail('CID_IDENTITY_HASH', 'identity multihash CIDs are not allowed');
  }
  if (parsed.multihash.code !== SHA2_256) {
    return fail(
      'CID_UNSUPPORTED_HASH',
      `multihash 0x${parsed.multihash.code.toString(16)} is not allowed; only sha2-256 (0x12)`,
    );
  }
  // A truncated sha2-256 digest is legal multihash but weakens the commitment below 256 bits.
  if (parsed.multihash.digest.length !== SHA2_256_LENGTH) {
    return fail('CID_MALFORMED', `sha2-256 digest must be ${SHA2_256_LENGTH} bytes`);
  }
  const digest = Digest.create(SHA2_256, parsed.multihash.digest);
  const cid = parsed.version === 0 ? CID.createV0(digest) : CID.createV1(parsed.code, digest);
  // Non-minimal varints would give one CID several byte strings. multiformats 14 already
  // rejects them; checked again so that a dependency change cannot reopen it.
  if (!sameBytes(cid.bytes, bytes)) return fail('CID_MALFORMED', 'CID uses non-minimal varint encoding');
  return ok(cid);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
