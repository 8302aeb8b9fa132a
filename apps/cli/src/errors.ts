import { AssentError } from '@assent/manifest';

/**
 * Stable error codes of `@assent/cli`, beyond those of the packages it drives. Public API: each is
 * listed once in docs/errors.md ("CLI — @assent/cli") with its exit code. Never rename one.
 */
export const CLI_ERROR_CODES = [
  'USAGE',
  'PASSPHRASE_REQUIRED',
  'IDENTITY_MISSING',
  'IDENTITY_EXISTS',
  'IDENTITY_NOT_LINKABLE',
  'NEXT_KEY_MISSING',
  'ROTATION_PENDING',
  'FOREIGN_VERSIONS',
  'LINKS_BROKEN',
  'LINKS_UNCONFIRMED',
  'FILE_UNREADABLE',
  'FILE_UNWRITABLE',
  'CSV_SYNTAX',
  'MANIFEST_NOT_FOUND',
  'GATEWAY_UNREACHABLE',
  'GATEWAY_ERROR',
  'PORT_IN_USE',
  'INTERNAL',
] as const;

/** A code of {@link CLI_ERROR_CODES}. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/** Thrown inside the CLI for a failure with a stable code; `main` prints it and exits with its code. */
export function cliError(code: string, message: string, cause?: unknown): AssentError<string> {
  return new AssentError(code, message, cause === undefined ? {} : { cause });
}

const CLI_EXIT: Readonly<Record<CliErrorCode, number>> = {
  USAGE: 2,
  PASSPHRASE_REQUIRED: 2,
  IDENTITY_MISSING: 2,
  IDENTITY_EXISTS: 2,
  IDENTITY_NOT_LINKABLE: 3,
  // assent id rotate with a keystore that seals no next key: recover with the 24 words instead.
  NEXT_KEY_MISSING: 2,
  // A rotation signed but not confirmed (assent id rotate finishes it): the outcome is not known yet.
  ROTATION_PENDING: 6,
  // assent id watch: versions of the creator this device did not make; a report, like LINKS_BROKEN.
  FOREIGN_VERSIONS: 1,
  // assent id links: a report, like --fail-on (1); a link that could not be told is an operational fault (6).
  LINKS_BROKEN: 1,
  LINKS_UNCONFIRMED: 6,
  FILE_UNREADABLE: 2,
  FILE_UNWRITABLE: 6,
  CSV_SYNTAX: 3,
  MANIFEST_NOT_FOUND: 3,
  GATEWAY_UNREACHABLE: 6,
  GATEWAY_ERROR: 6,
  PORT_IN_USE: 6,
  INTERNAL: 6,
};

/** Codes of the packages whose exit code is not the family default below (docs/errors.md). */
const SPECIAL: Readonly<Record<string, number>> = {
  KEY_NOT_CANONICAL: 4,
  KEY_SMALL_ORDER: 4,
  // @assent/manifest's identity backup (KEYSTORE_* are 3 by family).
  WRONG_PASSPHRASE: 4,
  ROLLBACK_DETECTED: 5,
  HEAD_MISSING: 5,
  FORKED: 5,
  STALE: 1,
  MANIFEST_REJECTED: 4,
  CATALOG_PAGE_REJECTED: 3,
  SIGNALS_UNAVAILABLE: 6,
  INSUFFICIENT_BINDING: 1,
  KEY_CHAIN_UNPROVEN: 5,
  CHAIN_PREVIOUS_UNKNOWN: 5,
  // Key rotation (docs/spec/manifest.md §5.5): a broken commitment is a chain conflict; a rotation
  // without a new commitment is a rejected document; a recovery phrase that does not read, bad input.
  KEY_COMMITMENT_CHANGED: 5,
  NEXT_KEY_NOT_COMMITTED: 5,
  ROTATION_CREATOR_MISMATCH: 5,
  EMPTY_NEXT_KEYS: 3,
  RECOVERY_PHRASE_INVALID: 3,
  FORK_LIMIT: 5,
  BLOCK_TOO_LARGE: 3,
  BLOCK_NOT_FOUND: 3,
  // The registry as a tlog-witness: an unknown log, a rejected signature, a conflict of sizes.
  WITNESS_LOG_UNKNOWN: 3,
  WITNESS_SIGNATURE_REJECTED: 4,
  WITNESS_CONFLICT: 5,
  // @assent/tlog: a proof or signature that fails is a rejected proof; the rest are format errors.
  TLOG_INCLUSION_INVALID: 4,
  TLOG_CONSISTENCY_INVALID: 4,
  NOTE_SIGNATURE_INVALID: 4,
  NOTE_UNVERIFIED: 4,
  VKEY_KEY_REJECTED: 4,
  CHECKPOINT_ORIGIN_MISMATCH: 4,
  COSIGNATURE_MALFORMED: 4,
  POLICY_QUORUM_NOT_MET: 4,
  // @assent/verifier's receipts: unreadable 3, a failed proof 4, stale 1 (as STALE), two histories 5.
  RECEIPT_MALFORMED: 3,
  RECEIPT_NODE_UNTRUSTED: 4,
  RECEIPT_CHECKPOINT_INVALID: 4,
  RECEIPT_INCLUSION_INVALID: 4,
  RECEIPT_RESULTS_INVALID: 4,
  RECEIPT_SIGNATURE_INVALID: 4,
  RECEIPT_DECISION_MISMATCH: 4,
  RECEIPT_STALE: 1,
  EQUIVOCATION: 5,
  // @assent/gateway's own codes, as a publish may meet them.
  BAD_REQUEST: 2,
  NOT_FOUND: 3,
  METHOD_NOT_ALLOWED: 2,
  BODY_TOO_LARGE: 3,
  BATCH_TOO_LARGE: 2,
  UNSUPPORTED_MEDIA_TYPE: 2,
  NOT_ACCEPTABLE: 2,
  USE_TERM_UNKNOWN: 2,
  ORG_MALFORMED: 2,
  CAR_MALFORMED: 3,
  CAR_CONTENT_INVALID: 3,
  HEADERS_TOO_LARGE: 2,
};

/**
 * The exit code for an error code, as docs/errors.md lists it: `2` usage, `3` input rejected, `4` proof
 * or signature rejected, `5` chain conflict, `6` operational fault (also for codes this CLI does not know).
 */
export function exitCodeOf(code: string): number {
  const cli = (CLI_EXIT as Record<string, number>)[code];
  if (cli !== undefined) return cli;
  const special = SPECIAL[code];
  if (special !== undefined) return special;
  if (/^(PROOF|SIGNATURE)_/.test(code)) return 4;
  if (code.startsWith('CHAIN_')) return 5;
  if (/^(SOURCE|STATE|REGISTRY)_/.test(code)) return 6;
  if (
    /^(JSON|NOT_CANONICAL|WORK_ID|CID|DID|MANIFEST|CATALOG|SIGNAL|KEYSTORE|IDENTITY|ATTESTATION|OBSERVATION)_?/.test(
      code,
    )
  )
    return 3;
  if (/^(TLOG|NOTE|VKEY|CHECKPOINT|TILE_PATH|ENTRY_BUNDLE|ADD_CHECKPOINT|POLICY)_/.test(code)) return 3;
  return 6;
}
