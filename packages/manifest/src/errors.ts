/**
 * Stable error codes of `@assent/manifest`. They are public API: each is listed once in
 * `docs/errors.md` with its HTTP status and CLI exit code. Never rename one; add new ones.
 */
export const ERROR_CODES = [
  // Strict JSON (RFC 8259 plus the I-JSON limits of RFC 7493)
  'JSON_SYNTAX',
  'JSON_INVALID_UTF8',
  'JSON_DUPLICATE_KEY',
  'JSON_LONE_SURROGATE',
  'JSON_UNSAFE_INTEGER',
  'JSON_FLOAT_NOT_ALLOWED',
  'JSON_TOO_DEEP',
  'JSON_TOO_LARGE',
  // Canonical form (RFC 8785)
  'NOT_CANONICAL',
  // Work identifiers
  'WORK_ID_UNKNOWN_KIND',
  'WORK_ID_SHA256_MALFORMED',
  'WORK_ID_CID_MALFORMED',
  'WORK_ID_ISRC_MALFORMED',
  'WORK_ID_ISWC_MALFORMED',
  'WORK_ID_URL_MALFORMED',
  'WORK_ID_URL_SCHEME',
  'WORK_ID_NOT_NORMALIZED',
  // CIDs
  'CID_MALFORMED',
  'CID_IDENTITY_HASH',
  'CID_UNSUPPORTED_HASH',
  'CID_UNSUPPORTED_CODEC',
  'CID_MISMATCH',
  // Identity (did:key, Ed25519 keys)
  'DID_MALFORMED',
  'DID_UNSUPPORTED_KEY_TYPE',
  'KEY_NOT_CANONICAL',
  'KEY_SMALL_ORDER',
  // Manifest schema
  'MANIFEST_SCHEMA',
  'MANIFEST_UNKNOWN_FIELD',
  'MANIFEST_UNKNOWN_TERM',
  'MANIFEST_TOO_LARGE',
  'CATALOG_PAGE_MISSING',
  'CATALOG_PAGE_INVALID',
  'CATALOG_TOO_LARGE',
  // Data Integrity proof (eddsa-jcs-2022)
  'PROOF_MISSING',
  'PROOF_MALFORMED',
  'PROOF_UNSUPPORTED_CRYPTOSUITE',
  'PROOF_PURPOSE_MISMATCH',
  'PROOF_CONTEXT_MISMATCH',
  'PROOF_ISSUER_MISMATCH',
  'SIGNATURE_MALFORMED',
  'SIGNATURE_NOT_CANONICAL',
  'SIGNATURE_INVALID',
  // Version chain
  'CHAIN_ISSUER_MISMATCH',
  'CHAIN_VERSION_GAP',
  'CHAIN_PREVIOUS_MISMATCH',
  // Key rotation and recovery (docs/spec/manifest.md §5.5)
  'KEY_COMMITMENT_CHANGED',
  'NEXT_KEY_NOT_COMMITTED',
  'ROTATION_CREATOR_MISMATCH',
  'EMPTY_NEXT_KEYS',
  'RECOVERY_PHRASE_INVALID',
  // Identity backup (docs/spec/identity-backup.md)
  'KEYSTORE_INVALID',
  'KEYSTORE_KDF_OUT_OF_BOUNDS',
  'WRONG_PASSPHRASE',
  // Identity links (docs/spec/manifest.md §3.5)
  'IDENTITY_UNKNOWN_TYPE',
  'IDENTITY_DOMAIN_MALFORMED',
  'IDENTITY_PROFILE_MALFORMED',
  'IDENTITY_NOT_NORMALIZED',
  'IDENTITY_DUPLICATE',
  // Attestations (docs/spec/attestation.md)
  'ATTESTATION_SCHEMA',
  'ATTESTATION_TOO_LARGE',
  'ATTESTATION_ISRC_PREFIX_MALFORMED',
  'ATTESTATION_NOT_YET_VALID',
  'ATTESTATION_EXPIRED',
  // Link observations (docs/spec/observation.md)
  'OBSERVATION_SCHEMA',
] as const;

/** A stable, machine-readable error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An expected failure, returned rather than thrown (STYLE §5). `path` points into the input. */
export interface Failure<C extends string = ErrorCode> {
  readonly ok: false;
  readonly code: C;
  readonly message: string;
  readonly path?: string;
}

/** A success carrying its value. */
export interface Success<T> {
  readonly ok: true;
  readonly value: T;
}

/** The outcome of parsing or checking untrusted input. */
export type Result<T, C extends string = ErrorCode> = Success<T> | Failure<C>;

/** Builds a {@link Success}. */
export function ok<T>(value: T): Success<T> {
  return { ok: true, value };
}

/** Builds a {@link Failure}; `path` is omitted when not given (exactOptionalPropertyTypes). */
export function fail<C extends string = ErrorCode>(code: C, message: string, path?: string): Failure<C> {
  return path === undefined ? { ok: false, code, message } : { ok: false, code, message, path };
}

/**
 * An operational fault or a failure the caller asked to be thrown, with a stable `code` and the
 * underlying `cause`.
 */
export class AssentError<C extends string = ErrorCode> extends Error {
  override readonly name = 'AssentError';
  readonly code: C;
  readonly path: string | undefined;

  constructor(code: C, message: string, options?: { cause?: unknown; path?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options?.path;
  }
}

/** Returns the value of a result, or throws its failure as an {@link AssentError}. */
export function unwrap<T, C extends string>(result: Result<T, C>): T {
  if (result.ok) return result.value;
  throw new AssentError(result.code, result.message, result.path === undefined ? {} : { path: result.path });
}

/** True when `value` is an {@link AssentError}, optionally with the given code. */
export function isAssentError(value: unknown, code?: string): value is AssentError<string> {
  return value instanceof AssentError && (code === undefined || value.code === code);
}
