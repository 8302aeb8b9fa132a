import type { Equivocation, ReceiptErrorCode } from '@assent/verifier/receipt';
import type { Context } from './context.js';
import { exitCodeOf } from './errors.js';

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
  return exitCodeOf(failure.code);
}
