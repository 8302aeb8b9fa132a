/**
 * robots.txt path patterns (RFC 9309 §2.2.2, §2.2.3), which AIPREF Content-Usage rules
 * (draft-ietf-aipref-attach §4.1) and TDMRep `location` rules (TDMRep §"Use of regular expressions")
 * share: a pattern matches a prefix of the URL's path and query, `*` matches any run of characters,
 * and a final `$` anchors the end. Specificity is the pattern's length in octets.
 */

/** A pattern ready to match. */
export interface PathPattern {
  /** The pattern as normalized for comparison. */
  readonly source: string;
  /** Its length in octets: the longest matching rule wins. */
  readonly length: number;
  /** The literal runs between `*`s. */
  readonly parts: readonly string[];
  /** True when the pattern ends in `$`. */
  readonly anchored: boolean;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const utf8 = new TextEncoder();

/**
 * RFC 9309 §2.2.2: octets outside ASCII (and controls, and space) are percent-encoded; a
 * percent-encoded unreserved character is decoded; hex digits are upper-cased. With `literal`,
 * `*` and `$` (which a pattern would read as special) are encoded too, so that a pattern writes
 * them as `%2A` and `%24` to match them verbatim (RFC 9309 §2.2.3).
 */
function normalize(text: string, literal: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const code = text.charCodeAt(i);
    if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      const byte = Number.parseInt(text.slice(i + 1, i + 3), 16);
      const decoded = String.fromCharCode(byte);
      out += byte < 0x80 && UNRESERVED.test(decoded) ? decoded : `%${text.slice(i + 1, i + 3).toUpperCase()}`;
      i += 2;
    } else if (code <= 0x20 || code >= 0x7f) {
      const point = text.codePointAt(i) ?? code;
      // A lone surrogate is written as U+FFFD, as a UTF-8 encoder would.
      for (const byte of utf8.encode(String.fromCodePoint(point))) {
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      }
      if (point > 0xffff) i++;
    } else if (literal && (c === '*' || c === '$')) {
      out += c === '*' ? '%2A' : '%24';
    } else out += c;
  }
  return out;
}

/**
 * Compiles a robots.txt or TDMRep path pattern. `undefined` when it is not one: a pattern starts
 * with `/` (RFC 9309 §2.2.2) or, as common parsers accept, `*`.
 */
export function compilePathPattern(raw: string): PathPattern | undefined {
  if (!raw.startsWith('/') && !raw.startsWith('*')) return undefined;
  const anchored = raw.endsWith('$');
  const body = anchored ? raw.slice(0, -1) : raw;
  // A `$` before the end has no special meaning; normalize it like the target's `$`.
  const source = body
    .split('*')
    .map((part) => normalize(part, true))
    .join('*');
  return Object.freeze({
    source: anchored ? `${source}$` : source,
    length: source.length + (anchored ? 1 : 0),
    parts: Object.freeze(source.split('*')),
    anchored,
  });
}

/** The path and query of a URL (or a path) normalized for matching, `undefined` if not a URL. */
export function matchTarget(urlOrPath: string): string | undefined {
  let path: string;
  if (urlOrPath.startsWith('/')) path = urlOrPath;
  else {
    let url: URL;
    try {
      url = new URL(urlOrPath);
    } catch {
      return undefined;
    }
    path = `${url.pathname}${url.search}`;
  }
  const hash = path.indexOf('#');
  return normalize(hash === -1 ? path : path.slice(0, hash), true);
}

/**
 * True when `pattern` matches the start of `target` (or all of it, when anchored). Greedy
 * left-most placement of each literal run is exact for `*`-only patterns, and linear in practice.
 */
export function matchesPath(pattern: PathPattern, target: string): boolean {
  const { parts, anchored } = pattern;
  const first = parts[0] ?? '';
  if (!target.startsWith(first)) return false;
  let at = first.length;
  const last = parts.length - 1;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (i === last && anchored) {
      return target.length - part.length >= at && target.endsWith(part);
    }
    const found = target.indexOf(part, at);
    if (found === -1) return false;
    at = found + part.length;
  }
  return !anchored || at === target.length;
}

/**
 * The robots.txt / TDMRep pattern for a normalized `url:` or `url-prefix:` id: a prefix's path
 * (`/the-flight/`), or a single URL's path and query anchored with `$`. `*` and `$` in the URL are
 * written `%2A` and `%24` so that they match verbatim (RFC 9309 §2.2.3).
 */
export function patternForWorkId(id: string): { origin: string; pattern: string } {
  const prefix = id.startsWith('url-prefix:');
  if (!prefix && !id.startsWith('url:')) {
    throw new TypeError(
      `a robots.txt or TDMRep rule needs a url: or url-prefix: work id, got ${id.slice(0, 80)}`,
    );
  }
  const url = new URL(id.slice(prefix ? 'url-prefix:'.length : 'url:'.length));
  const path = normalize(`${url.pathname}${url.search}`, true);
  return { origin: url.origin, pattern: prefix ? path : `${path}$` };
}
