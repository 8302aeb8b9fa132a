import type { Result } from '@assent/manifest';

/**
 * Stable error codes of `@assent/tlog`. They are public API: each is listed once in `docs/errors.md`
 * ("Transparency log") with its HTTP status and CLI exit code. Never rename one; add new ones.
 */
export const TLOG_ERROR_CODES = [
  // RFC 9162 §2.1.3.2 / §2.1.4.2
  'TLOG_INCLUSION_INVALID',
  'TLOG_CONSISTENCY_INVALID',
] as const;

/** A stable, machine-readable error code of `@assent/tlog`. */
export type TlogErrorCode = (typeof TLOG_ERROR_CODES)[number];

/** The outcome of parsing or verifying untrusted log material: a value, or `{ ok: false, code, message }`. */
export type TlogResult<T> = Result<T, TlogErrorCode>;
