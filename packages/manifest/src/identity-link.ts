/**
 * Identity links (docs/spec/manifest.md §3.5): the domains and profile pages a creator claims in its
 * signed manifest (`credentialSubject.identities`), the creator's side of a link (DID → identity). The
 * other side (identity → DID) is checked by `@assent/links`; what a checked link covers is
 * `binding-scope.ts`. One normalizer per kind, as for work ids, so that two spellings of one domain or
 * profile meet. Runs in browsers: the WHATWG URL parser does the IDNA work (UTS #46 ToASCII).
 */
import { type ErrorCode, fail, ok, type Result } from './errors.js';
import { MAX_URL_PREFIX_SEGMENTS, normalizeWorkId } from './work-id.js';

/** The kinds of identity a creator can claim. */
export const IDENTITY_TYPES = ['domain', 'profile'] as const;

/** A kind of identity: a registrable domain name, or an https profile page. */
export type IdentityType = (typeof IDENTITY_TYPES)[number];

/** One identity a creator claims: `{ type: 'domain', id: 'theflight.com' }`. */
export interface IdentityLink {
  readonly type: IdentityType;
  readonly id: string;
}

/** The most identities one manifest may claim. */
export const MAX_IDENTITIES = 32;
/** The longest domain name (RFC 1035 §2.3.4, in its A-label form, without the trailing dot). */
export const MAX_DOMAIN_LENGTH = 253;
/** The longest profile URL, once normalized. Profile URLs are short; a long one is refused, not cut. */
export const MAX_PROFILE_URL_LENGTH = 1024;

/** The codes an identity can fail with. */
export type IdentityErrorCode = Extract<ErrorCode, `IDENTITY_${string}`>;

/** The proof text a profile page carries: `assent:` and the creator's full did:key (no short codes). */
export function assentToken(did: string): string {
  return `assent:${did}`;
}

/** True when `value` is one of the {@link IDENTITY_TYPES}. */
export function isIdentityType(value: unknown): value is IdentityType {
  return typeof value === 'string' && (IDENTITY_TYPES as readonly string[]).includes(value);
}

/** Characters never part of a host or a URL we accept: controls, format characters, separators, space. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Zs}]/u;
/** Characters that would make the URL parser read something other than a host (port, path, user). */
const NOT_HOST = /[:/\\@?#[\]%]/;
/** A letter-digit-hyphen label (RFC 1035 §2.3.1, RFC 1123 §2.1), lower case. */
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ALL_DIGITS = /^[0-9]+$/;

function preview(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/**
 * Normalizes a domain name to its one spelling: lower-case A-labels (RFC 5890), no trailing dot. A
 * Unicode name is converted with UTS #46 (the WHATWG URL host parser), so `Bücher.de` becomes
 * `xn--bcher-kva.de`; an `xn--` label that is not valid Punycode is refused. IP addresses, single-label
 * names, `_` and other non-LDH characters are refused. Whether the name is a registrable domain (not a
 * public suffix, not a shared host) is a policy question for `@assent/links`, not syntax.
 *
 * @example normalizeDomain('TheFlight.COM.') // { ok: true, value: 'theflight.com' }
 */
export function normalizeDomain(input: string): Result<string, IdentityErrorCode> {
  if (typeof input !== 'string') throw new TypeError(`normalizeDomain expects a string, got ${typeof input}`);
  const code = 'IDENTITY_DOMAIN_MALFORMED';
  // 4 bytes a character bounds any Unicode spelling of a 253-octet name; longer input costs no parsing.
  if (input.length === 0 || input.length > 4 * MAX_DOMAIN_LENGTH)
    return fail(code, `a domain is 1 to ${MAX_DOMAIN_LENGTH} characters`);
  if (FORBIDDEN.test(input) || NOT_HOST.test(input))
    return fail(code, `not a domain name: ${preview(input)} (a bare name such as theflight.com)`);
  let hostname: string;
  try {
    hostname = new URL(`https://${input}/`).hostname;
  } catch {
    return fail(code, `not a domain name: ${preview(input)} (not valid IDNA)`);
  }
  // A fully qualified `theflight.com.` names the same domain (RFC 1034 §3.1).
  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  const domain = domainSyntaxProblem(hostname);
  if (domain !== undefined) return fail(code, `${preview(input)} ${domain}`);
  return ok(hostname);
}

/** Why an ASCII host name is not an LDH domain of two or more labels, or undefined when it is one. */
function domainSyntaxProblem(hostname: string): string | undefined {
  if (hostname.length > MAX_DOMAIN_LENGTH) return `is longer than ${MAX_DOMAIN_LENGTH} characters`;
  const labels = hostname.split('.');
  if (labels.length < 2) return 'is a single label; a domain has at least two (theflight.com)';
  for (const label of labels) {
    if (!LDH_LABEL.test(label)) return 'has a label that is not letters, digits and inner hyphens';
    // RFC 5891 §4.2.3.1: hyphens in positions 3 and 4 are reserved for A-labels (`xn--`).
    if (label.slice(2, 4) === '--' && !label.startsWith('xn--')) return `has a reserved label ${label}`;
  }
  // WHATWG URL: a host whose last label is numeric is an IPv4 address, never a domain.
  if (ALL_DIGITS.test(labels[labels.length - 1] as string)) return 'is an IP address, not a domain';
  return undefined;
}

/**
 * Normalizes a profile URL: an `https://` URL with a domain host (no IP address, no port, no
 * credentials), no query and no fragment, at most 16 path segments, in the WHATWG and RFC 3986 normal
 * form that `url:` work ids use (lower-case host, `.` and `..` resolved, percent-encodings normalized),
 * at most {@link MAX_PROFILE_URL_LENGTH} characters. The path is kept as given (no `/` added), since it
 * is the page fetched; what it covers is decided by whole path segments (`binding-scope.ts`).
 *
 * @example normalizeProfileUrl('https://SoundCloud.com/the-flight') // 'https://soundcloud.com/the-flight'
 */
export function normalizeProfileUrl(input: string): Result<string, IdentityErrorCode> {
  if (typeof input !== 'string')
    throw new TypeError(`normalizeProfileUrl expects a string, got ${typeof input}`);
  const code = 'IDENTITY_PROFILE_MALFORMED';
  if (input.length === 0 || input.length > MAX_PROFILE_URL_LENGTH)
    return fail(code, `a profile URL is 1 to ${MAX_PROFILE_URL_LENGTH} characters`);
  const normalized = normalizeWorkId(`url:${input}`);
  if (!normalized.ok) return fail(code, `not a profile URL: ${normalized.message}`);
  const href = normalized.value.slice('url:'.length);
  const url = new URL(href);
  // Profiles are fetched over https only (docs/spec/manifest.md §3.5): a plain-http page proves nothing.
  if (url.protocol !== 'https:') return fail(code, 'a profile URL is https://');
  if (url.port !== '') return fail(code, 'a profile URL has no port');
  if (url.search !== '') return fail(code, 'a profile URL has no query');
  const host = domainSyntaxProblem(url.hostname);
  if (host !== undefined) return fail(code, `the profile's host ${host}`);
  const segments = url.pathname.split('/').length - (url.pathname.endsWith('/') ? 2 : 1);
  if (segments > MAX_URL_PREFIX_SEGMENTS)
    return fail(code, `a profile URL has at most ${MAX_URL_PREFIX_SEGMENTS} path segments`);
  if (href.length > MAX_PROFILE_URL_LENGTH)
    return fail(code, `a profile URL is at most ${MAX_PROFILE_URL_LENGTH} characters once normalized`);
  return ok(href);
}

/**
 * Normalizes an identity of either type. An unknown type is `IDENTITY_UNKNOWN_TYPE`.
 *
 * @example normalizeIdentity({ type: 'domain', id: 'Bücher.de' }) // { type: 'domain', id: 'xn--bcher-kva.de' }
 */
export function normalizeIdentity(input: {
  readonly type: string;
  readonly id: string;
}): Result<IdentityLink, IdentityErrorCode> {
  if (!isIdentityType(input.type)) {
    return fail(
      'IDENTITY_UNKNOWN_TYPE',
      `an identity's type is one of ${IDENTITY_TYPES.join(', ')}; got ${preview(String(input.type), 20)}`,
    );
  }
  if (typeof input.id !== 'string') throw new TypeError('an identity id is a string');
  const id = input.type === 'domain' ? normalizeDomain(input.id) : normalizeProfileUrl(input.id);
  return id.ok ? ok({ type: input.type, id: id.value }) : id;
}

/**
 * Accepts only an identity already in normal form, as a signed manifest must carry it. A valid identity
 * in another spelling is `IDENTITY_NOT_NORMALIZED`, naming the normal form.
 */
export function parseNormalizedIdentity(input: {
  readonly type: string;
  readonly id: string;
}): Result<IdentityLink, IdentityErrorCode> {
  const normalized = normalizeIdentity(input);
  if (!normalized.ok || normalized.value.id === input.id) return normalized;
  return fail(
    'IDENTITY_NOT_NORMALIZED',
    `identity is not in normal form; expected ${preview(normalized.value.id, 200)}`,
  );
}

/** The key two identities are compared by: equal keys are the same identity. */
export function identityKey(link: IdentityLink): string {
  return `${link.type}:${link.id}`;
}
