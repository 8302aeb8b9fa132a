import { fail, ok } from '@assent/manifest';
import { decodeBase64, encodeBase64 } from './base64.js';
import { parseDecimal } from './decimal.js';
import type { TlogResult } from './errors.js';
import { HASH_SIZE } from './merkle.js';

/**
 * The request body of C2SP tlog-witness `add-checkpoint`: an `old <size>` line, at most 63 consistency
 * proof lines (base64 hashes), an empty line, then the signed checkpoint. Only the body format lives
 * here; the witness's checks and state (404/403/400/409/422) belong to the node that runs it.
 */

/** The most consistency-proof lines a client may send (tlog-witness §add-checkpoint). */
export const MAX_CONSISTENCY_LINES = 63;

/** A parsed add-checkpoint request body. */
export interface AddCheckpointRequest {
  /** The size of the checkpoint the client believes the witness last cosigned (0 if none). */
  readonly oldSize: number;
  /** The consistency proof from `oldSize` to the checkpoint's size. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpoint: string;
}

function malformed(message: string) {
  return fail('ADD_CHECKPOINT_MALFORMED' as const, message);
}

/**
 * Parses an add-checkpoint body (tlog-witness §add-checkpoint). Refused as `ADD_CHECKPOINT_MALFORMED`:
 * no `old <size>` first line, a size with leading zeros or beyond 2^53 − 1, a proof line that is not
 * base64 of 32 bytes, more than 63 proof lines, no empty line, or no checkpoint. The checkpoint itself
 * is checked by `verifyCheckpoint`.
 */
export function parseAddCheckpoint(body: string): TlogResult<AddCheckpointRequest> {
  if (typeof body !== 'string') throw new TypeError('an add-checkpoint body is a string');
  const lines = body.split('\n');
  const first = lines[0] ?? '';
  if (!first.startsWith('old ')) return malformed('the first line is not "old <size>"');
  const oldSize = parseDecimal(first.slice('old '.length));
  if (oldSize === undefined)
    return malformed('the old size is not a decimal below 2^53 with no leading zeros');
  const proof: Uint8Array[] = [];
  let at = 1;
  for (;;) {
    const line = lines[at++];
    if (line === undefined) return malformed('no empty line before the checkpoint');
    if (line === '') break;
    const hash = decodeBase64(line);
    if (hash === undefined || hash.length !== HASH_SIZE)
      return malformed('a proof line is not base64 of 32 bytes');
    if (proof.length === MAX_CONSISTENCY_LINES)
      return malformed(`more than ${MAX_CONSISTENCY_LINES} proof lines`);
    proof.push(hash);
  }
  const checkpoint = lines.slice(at).join('\n');
  if (checkpoint.length === 0 || !checkpoint.endsWith('\n'))
    return malformed('no checkpoint, or it lacks its final newline');
  return ok({ oldSize, proof, checkpoint });
}

/** Formats an add-checkpoint body; `checkpoint` is the signed checkpoint note, verbatim. */
export function formatAddCheckpoint(request: AddCheckpointRequest): string {
  const { oldSize, proof, checkpoint } = request;
  if (!Number.isSafeInteger(oldSize) || oldSize < 0)
    throw new RangeError('the old size is a safe non-negative integer');
  if (proof.length > MAX_CONSISTENCY_LINES)
    throw new RangeError(`at most ${MAX_CONSISTENCY_LINES} proof lines`);
  if (proof.some((h) => h.length !== HASH_SIZE)) throw new TypeError('proof hashes are 32 bytes');
  if (!checkpoint.endsWith('\n')) throw new TypeError('a signed checkpoint ends with a newline');
  return `old ${oldSize}\n${proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${checkpoint}`;
}
