import type { Equivocation, ReceiptErrorCode } from '@assent/verifier';
import type { Context } from './context.js';
import { exitCodeOf } from './errors.js';

/**
 * Exit codes of `verifyReceipt`'s codes, by docs/errors.md's CLI conventions: a receipt that cannot be
 * read is a format error (3); one whose signature, checkpoint, proofs, results or decisions fail is a
 * rejected proof (4); a log that signed two histories is a conflict, as a forked creator is (5); a
 * receipt older than the verifier's `maxAge` is `1`, as `STALE` is (valid, but not relied on).
 * Kept here until errors.ts lists them (issue 18); `exitCodeOf` answers every other code.
 */
const RECEIPT_EXIT: Readonly<Record<ReceiptErrorCode, number>> = {
  RECEIPT_MALFORMED: 3,
  RECEIPT_NODE_UNTRUSTED: 4,
  RECEIPT_CHECKPOINT_INVALID: 4,
  RECEIPT_INCLUSION_INVALID: 4,
  RECEIPT_RESULTS_INVALID: 4,
  RECEIPT_SIGNATURE_INVALID: 4,
  RECEIPT_DECISION_MISMATCH: 4,
  RECEIPT_STALE: 1,
  EQUIVOCATION: 5,
};

/** The exit code for a receipt's failure code (or any other code, as `exitCodeOf` gives it). */
export function receiptExitCodeOf(code: string): number {
  return (RECEIPT_EXIT as Readonly<Record<string, number>>)[code] ?? exitCodeOf(code);
}

/** Why a receipt was refused: verifyReceipt's verdict, or an answer to another question than asked. */
export interface ReceiptFailure {
  readonly code: ReceiptErrorCode;
  readonly message: string;
  /** With `EQUIVOCATION`: the log's two signed checkpoints, portable evidence. */
  readonly equivocation?: Equivocation;
}

/**
 * A receipt that did not verify stops a scan. Not an `AssentError`: an expected outcome, reported by
 * the command with its own exit code ({@link reportReceiptFailure}), not an operational fault.
 */
export class ReceiptRejected extends Error {
  constructor(readonly failure: ReceiptFailure) {
    super(failure.message);
    this.name = 'ReceiptRejected';
  }
}

/**
 * Prints a refused receipt as `main` prints an error (`{"error":{code,message}}` on stdout with
 * `--json`, else `error CODE: message` on stderr) and answers its exit code.
 */
export function reportReceiptFailure(ctx: Context, failure: ReceiptFailure): number {
  const error = {
    code: failure.code,
    message: failure.message,
    ...(failure.equivocation === undefined ? {} : { equivocation: failure.equivocation }),
  };
  if (ctx.json) ctx.write(`${JSON.stringify({ error }, null, 2)}\n`);
  else {
    ctx.note(`${ctx.style.bad(`error ${failure.code}`)}: ${failure.message}`);
    for (const note of failure.equivocation?.notes ?? []) ctx.note(ctx.style.dim(note.trimEnd()));
  }
  return receiptExitCodeOf(failure.code);
}
