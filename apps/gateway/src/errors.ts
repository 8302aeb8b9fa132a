import type { ERROR_CODES } from '@assent/manifest';
import type { REGISTRY_ERROR_CODES } from '@assent/registry';
import type { TLOG_ERROR_CODES } from '@assent/tlog';
import type { VERIFIER_ERROR_CODES } from '@assent/verifier';

/**
 * Stable error codes added by `@assent/gateway`. Public API: each is listed once in `docs/errors.md`
 * (section "Gateway — @assent/gateway") with its HTTP status and CLI exit code.
 */
export const GATEWAY_ERROR_CODES = [
  // The request is malformed in a way no more specific code names (a missing or extra parameter).
  'BAD_REQUEST',
  // No route, manifest, creator or block answers to this path.
  'NOT_FOUND',
  // The route exists but not for this method.
  'METHOD_NOT_ALLOWED',
  // The body is larger than the route accepts (1 MiB for manifests), chunked bodies included.
  'BODY_TOO_LARGE',
  // A check names more works than one request may (10,000).
  'BATCH_TOO_LARGE',
  // The content type is not one the route accepts.
  'UNSUPPORTED_MEDIA_TYPE',
  // The Accept header or `format` asks for a representation the route cannot give.
  'NOT_ACCEPTABLE',
  // The client sent too many requests; retry after the `Retry-After` seconds.
  'RATE_LIMITED',
  // `use` is not a v1 term of the vocabulary.
  'USE_TERM_UNKNOWN',
  // `org` is neither a DID nor a domain name.
  'ORG_MALFORMED',
  // A CAR upload is not a well-formed CARv1 with one root, or a block does not match its CID.
  'CAR_MALFORMED',
  // A CAR upload's root is missing from it, or carries blocks the manifest does not name.
  'CAR_CONTENT_INVALID',
  // The request (headers and body) did not arrive within the server's time limit.
  'REQUEST_TIMEOUT',
  // The request headers are larger than the server accepts.
  'HEADERS_TOO_LARGE',
  // The gateway failed unexpectedly; nothing was stored. Retry later.
  'GATEWAY_UNAVAILABLE',
  // The gateway holds as many request body bytes as it may at once; retry after `Retry-After` seconds.
  'GATEWAY_BUSY',
] as const;

/** An error code of the gateway itself. */
export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

/**
 * Every code a gateway may answer with: the format's, the transparency log's (the witness endpoint
 * refuses malformed notes and proofs with them), the verifier's, the registry's and its own.
 */
export type AnyErrorCode =
  | (typeof ERROR_CODES)[number]
  | (typeof TLOG_ERROR_CODES)[number]
  | (typeof VERIFIER_ERROR_CODES)[number]
  | (typeof REGISTRY_ERROR_CODES)[number]
  | GatewayErrorCode;

/** An HTTP status the gateway answers errors with. Never 500 (docs/errors.md). */
export type ErrorStatus =
  | 400
  | 401
  | 403
  | 404
  | 405
  | 406
  | 408
  | 409
  | 413
  | 415
  | 422
  | 429
  | 431
  | 502
  | 503
  | 504;

/**
 * The one map from error code to HTTP status (STYLE §6). It mirrors docs/errors.md; a test checks
 * that each row there agrees with this table.
 */
export const HTTP_STATUS: Readonly<Record<AnyErrorCode, ErrorStatus>> = Object.freeze({
  // Strict JSON
  JSON_SYNTAX: 400,
  JSON_INVALID_UTF8: 400,
  JSON_DUPLICATE_KEY: 400,
  JSON_LONE_SURROGATE: 400,
  JSON_UNSAFE_INTEGER: 400,
  JSON_FLOAT_NOT_ALLOWED: 400,
  JSON_TOO_DEEP: 400,
  JSON_TOO_LARGE: 413,
  NOT_CANONICAL: 422,
  // Work identifiers
  WORK_ID_UNKNOWN_KIND: 400,
  WORK_ID_SHA256_MALFORMED: 400,
  WORK_ID_CID_MALFORMED: 400,
  WORK_ID_ISRC_MALFORMED: 400,
  WORK_ID_ISWC_MALFORMED: 400,
  WORK_ID_URL_MALFORMED: 400,
  WORK_ID_URL_SCHEME: 400,
  WORK_ID_NOT_NORMALIZED: 422,
  // CIDs
  CID_MALFORMED: 400,
  CID_IDENTITY_HASH: 400,
  IDENTITY_UNKNOWN_TYPE: 422,
  IDENTITY_DOMAIN_MALFORMED: 422,
  IDENTITY_PROFILE_MALFORMED: 422,
  IDENTITY_NOT_NORMALIZED: 422,
  IDENTITY_DUPLICATE: 422,
  ATTESTATION_SCHEMA: 422,
  ATTESTATION_TOO_LARGE: 413,
  ATTESTATION_ISRC_PREFIX_MALFORMED: 422,
  ATTESTATION_NOT_YET_VALID: 422,
  ATTESTATION_EXPIRED: 422,
  OBSERVATION_SCHEMA: 422,
  CID_UNSUPPORTED_HASH: 400,
  CID_UNSUPPORTED_CODEC: 400,
  CID_MISMATCH: 422,
  // Identity
  DID_MALFORMED: 400,
  DID_UNSUPPORTED_KEY_TYPE: 422,
  KEY_NOT_CANONICAL: 422,
  KEY_SMALL_ORDER: 422,
  // Manifest schema
  MANIFEST_SCHEMA: 422,
  MANIFEST_UNKNOWN_FIELD: 422,
  MANIFEST_UNKNOWN_TERM: 422,
  MANIFEST_TOO_LARGE: 413,
  CATALOG_PAGE_MISSING: 422,
  CATALOG_PAGE_INVALID: 422,
  CATALOG_TOO_LARGE: 413,
  // Proof and signature
  PROOF_MISSING: 422,
  PROOF_MALFORMED: 422,
  PROOF_UNSUPPORTED_CRYPTOSUITE: 422,
  PROOF_PURPOSE_MISMATCH: 422,
  PROOF_CONTEXT_MISMATCH: 422,
  PROOF_ISSUER_MISMATCH: 422,
  SIGNATURE_MALFORMED: 422,
  SIGNATURE_NOT_CANONICAL: 422,
  SIGNATURE_INVALID: 422,
  // Version chain
  CHAIN_ISSUER_MISMATCH: 409,
  CHAIN_VERSION_GAP: 409,
  CHAIN_PREVIOUS_MISMATCH: 409,
  // Key rotation (a version that breaks its predecessor's key commitment is a chain conflict)
  KEY_COMMITMENT_CHANGED: 409,
  NEXT_KEY_NOT_COMMITTED: 409,
  ROTATION_CREATOR_MISMATCH: 409,
  EMPTY_NEXT_KEYS: 422,
  // Recovery phrases never reach a gateway; listed for completeness.
  RECOVERY_PHRASE_INVALID: 400,
  // Identity backup: no route answers with these (keys never reach a gateway); listed for completeness.
  WRONG_PASSPHRASE: 401,
  KEYSTORE_INVALID: 422,
  KEYSTORE_KDF_OUT_OF_BOUNDS: 422,
  // Transparency log
  TLOG_INCLUSION_INVALID: 422,
  TLOG_CONSISTENCY_INVALID: 422,
  NOTE_MALFORMED: 400,
  NOTE_TOO_LARGE: 413,
  NOTE_SIGNATURE_INVALID: 422,
  NOTE_UNVERIFIED: 422,
  VKEY_MALFORMED: 400,
  VKEY_ID_MISMATCH: 422,
  VKEY_UNSUPPORTED_TYPE: 422,
  VKEY_KEY_REJECTED: 422,
  CHECKPOINT_MALFORMED: 400,
  CHECKPOINT_ORIGIN_MISMATCH: 422,
  COSIGNATURE_MALFORMED: 422,
  TILE_PATH_MALFORMED: 400,
  ENTRY_BUNDLE_MALFORMED: 422,
  TLOG_PROOF_MALFORMED: 400,
  ADD_CHECKPOINT_MALFORMED: 400,
  POLICY_MALFORMED: 400,
  POLICY_QUORUM_NOT_MET: 422,
  // Verifier
  ROLLBACK_DETECTED: 409,
  HEAD_MISSING: 409,
  FORKED: 409,
  STALE: 503,
  MANIFEST_REJECTED: 422,
  CATALOG_PAGE_REJECTED: 422,
  SIGNALS_UNAVAILABLE: 502,
  SIGNALS_URL_REFUSED: 422,
  SIGNALS_ADDRESS_REFUSED: 422,
  INSUFFICIENT_BINDING: 403,
  KEY_CHAIN_UNPROVEN: 409,
  SOURCE_UNAVAILABLE: 502,
  SOURCE_TIMEOUT: 504,
  SOURCE_INVALID_RESPONSE: 502,
  STATE_UNAVAILABLE: 503,
  STATE_CORRUPT: 503,
  // Registry
  CHAIN_PREVIOUS_UNKNOWN: 409,
  BLOCK_TOO_LARGE: 413,
  BLOCK_NOT_FOUND: 404,
  REGISTRY_DATA_DIR_LOCKED: 409,
  REGISTRY_STOPPED: 503,
  REGISTRY_LOG_ORIGIN_FIXED: 409,
  REGISTRY_BUSY: 503,
  FORK_LIMIT: 409,
  REGISTRY_STORAGE_FAILED: 503,
  // Registry witness (C2SP tlog-witness)
  WITNESS_LOG_UNKNOWN: 404,
  WITNESS_SIGNATURE_REJECTED: 403,
  WITNESS_CONFLICT: 409,
  // Gateway
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  BATCH_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_ACCEPTABLE: 406,
  RATE_LIMITED: 429,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  USE_TERM_UNKNOWN: 400,
  ORG_MALFORMED: 400,
  CAR_MALFORMED: 400,
  CAR_CONTENT_INVALID: 422,
  GATEWAY_UNAVAILABLE: 503,
  GATEWAY_BUSY: 503,
});

/** The HTTP status for an error code; a code this table does not know is an operational fault (503). */
export function httpStatusOf(code: string): ErrorStatus {
  return (HTTP_STATUS as Readonly<Record<string, ErrorStatus>>)[code] ?? 503;
}

/** The common error body, `{"error":{"code","message"}}` (DESIGN §4). */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly path?: string };
}

/** An error a route raises to answer with its code (mapped to HTTP by {@link httpStatusOf}). */
export class GatewayError extends Error {
  readonly code: string;
  readonly path: string | undefined;
  /** Seconds the client should wait before retrying (`Retry-After`), when the refusal is for now only. */
  readonly retryAfter: number | undefined;
  constructor(code: string, message: string, path?: string, retryAfter?: number) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.path = path;
    this.retryAfter = retryAfter;
  }
}
