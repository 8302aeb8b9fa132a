import type { Result } from '@assent/manifest';

/**
 * Stable error codes of `@assent/tlog`. They are public API: each is listed once in `docs/errors.md`
 * ("Transparency log") with its HTTP status and CLI exit code. Never rename one; add new ones.
 */
export const TLOG_ERROR_CODES = [
  // RFC 9162 §2.1.3.2 / §2.1.4.2
  'TLOG_INCLUSION_INVALID',
  'TLOG_CONSISTENCY_INVALID',
  // C2SP signed-note
  'NOTE_MALFORMED',
  'NOTE_TOO_LARGE',
  'NOTE_SIGNATURE_INVALID',
  'NOTE_UNVERIFIED',
  // C2SP signed-note §"Verifier keys"
  'VKEY_MALFORMED',
  'VKEY_ID_MISMATCH',
  'VKEY_UNSUPPORTED_TYPE',
  'VKEY_KEY_REJECTED',
  // C2SP tlog-checkpoint
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_ORIGIN_MISMATCH',
  // C2SP tlog-cosignature
  'COSIGNATURE_MALFORMED',
  // C2SP tlog-tiles
  'TILE_PATH_MALFORMED',
  'ENTRY_BUNDLE_MALFORMED',
  // C2SP tlog-proof
  'TLOG_PROOF_MALFORMED',
  // C2SP tlog-witness
  'ADD_CHECKPOINT_MALFORMED',
  // C2SP tlog-policy
  'POLICY_MALFORMED',
  'POLICY_QUORUM_NOT_MET',
] as const;

/** A stable, machine-readable error code of `@assent/tlog`. */
export type TlogErrorCode = (typeof TLOG_ERROR_CODES)[number];

/** The outcome of parsing or verifying untrusted log material: a value, or `{ ok: false, code, message }`. */
export type TlogResult<T> = Result<T, TlogErrorCode>;
