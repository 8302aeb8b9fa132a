import type { ErrorCode } from '@assent/manifest';

/**
 * Stable codes of `@assent/verifier`. They are public API, listed once each in `docs/errors.md`
 * ("Verifier") with their HTTP status and CLI exit code. Never rename one; add new ones.
 *
 * Warnings (`ROLLBACK_DETECTED`, `HEAD_MISSING`, `FORKED`, `STALE`, `MANIFEST_REJECTED`,
 * `CATALOG_PAGE_REJECTED`, `SIGNALS_UNAVAILABLE`, `SIGNALS_URL_REFUSED`, `SIGNALS_ADDRESS_REFUSED`,
 * `INSUFFICIENT_BINDING`)
 * travel in a result's `warnings`; the others are thrown as `AssentError` (operational faults).
 */
export const VERIFIER_ERROR_CODES = [
  // Warnings carried by check results
  'ROLLBACK_DETECTED',
  'HEAD_MISSING',
  'FORKED',
  'STALE',
  'MANIFEST_REJECTED',
  'CATALOG_PAGE_REJECTED',
  'SIGNALS_UNAVAILABLE',
  // A signal's URL (or a redirect's) refused by signalsSource's fetch policy, before any request.
  'SIGNALS_URL_REFUSED',
  'SIGNALS_ADDRESS_REFUSED',
  'INSUFFICIENT_BINDING',
  // A manifest signed by a rotated key whose chain the source could not show (spec §5.5).
  'KEY_CHAIN_UNPROVEN',
  // Operational faults, thrown
  'SOURCE_UNAVAILABLE',
  'SOURCE_TIMEOUT',
  'SOURCE_INVALID_RESPONSE',
  'STATE_UNAVAILABLE',
  'STATE_CORRUPT',
] as const;

/** A stable code of `@assent/verifier`. */
export type VerifierErrorCode = (typeof VERIFIER_ERROR_CODES)[number];

/** A code a check result may carry in `warnings`: the verifier's own, or a manifest code for a bad work id. */
export type WarningCode =
  | Extract<
      VerifierErrorCode,
      | 'ROLLBACK_DETECTED'
      | 'HEAD_MISSING'
      | 'FORKED'
      | 'STALE'
      | 'MANIFEST_REJECTED'
      | 'CATALOG_PAGE_REJECTED'
      | 'SIGNALS_UNAVAILABLE'
      | 'SIGNALS_URL_REFUSED'
      | 'SIGNALS_ADDRESS_REFUSED'
      | 'INSUFFICIENT_BINDING'
      | 'KEY_CHAIN_UNPROVEN'
    >
  | Extract<ErrorCode, `WORK_ID_${string}`>;

/** Something the caller should know about a result; the decision already takes it into account. */
export interface Warning {
  readonly code: WarningCode;
  readonly message: string;
  /** The creator the warning concerns, when it concerns one. */
  readonly issuer?: string;
  /** The manifest or catalog page the warning concerns, when it concerns one. */
  readonly cid?: string;
}
