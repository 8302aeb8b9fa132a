import { fail, ok } from '@assent/manifest';
import { decodeBase64, encodeBase64 } from './base64.js';
import { type CheckpointKeys, type VerifiedCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { parseDecimal } from './decimal.js';
import type { TlogResult } from './errors.js';
import { HASH_SIZE, verifyInclusion } from './merkle.js';
import { type TlogPolicy, verifyCheckpointWithPolicy } from './policy.js';

/**
 * C2SP tlog-proof (`c2sp.org/tlog-proof@v1`): an offline-verifiable proof that an entry is in a log,
 * as text — header, optional `extra`, `index`, the inclusion proof one base64 hash per line, a blank
 * line, then the checkpoint verbatim with its signatures. Files use the extension `.tlog-proof`.
 */

/** The first line of every tlog-proof. */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** The most proof hashes: a tree below 2^63 leaves has audit paths of at most 63 hashes. */
export const MAX_PROOF_HASHES = 63;

/** A parsed tlog-proof. */
export interface TlogProof {
  /** Unauthenticated extra data; tlog-proof §Format: applications MUST NOT implicitly trust it. */
  readonly extra?: Uint8Array;
  /** The zero-based index of the entry. */
  readonly index: number;
  /** The inclusion proof, leaf's sibling first. */
  readonly proof: readonly Uint8Array[];
  /** The checkpoint note, verbatim (text, blank line, signatures). */
  readonly checkpoint: string;
}

function malformed(message: string) {
  return fail('TLOG_PROOF_MALFORMED' as const, message);
}

/**
 * Parses a tlog-proof (tlog-proof §Format). Refused as `TLOG_PROOF_MALFORMED`: a wrong header, `extra`
 * not canonical base64, an index with leading zeros or beyond 2^53 − 1, a hash line that is not base64
 * of 32 bytes, more than 63 hashes, no blank line, or an empty checkpoint. The checkpoint is not
 * verified here; see {@link verifyTlogProof}.
 */
export function parseTlogProof(text: string): TlogResult<TlogProof> {
  if (typeof text !== 'string') throw new TypeError('a tlog-proof is a string');
  const lines = text.split('\n');
  let at = 0;
  if (lines[at++] !== TLOG_PROOF_HEADER) return malformed(`the first line is not ${TLOG_PROOF_HEADER}`);
  let extra: Uint8Array | undefined;
  if (lines[at]?.startsWith('extra ')) {
    extra = decodeBase64((lines[at] as string).slice('extra '.length));
    if (extra === undefined) return malformed('the extra data is not canonical base64');
    at++;
  }
  const indexLine = lines[at++];
  if (indexLine === undefined || !indexLine.startsWith('index ')) return malformed('no index line');
  const index = parseDecimal(indexLine.slice('index '.length));
  if (index === undefined) return malformed('the index is not a decimal below 2^53 with no leading zeros');
  const proof: Uint8Array[] = [];
  for (;;) {
    const line = lines[at++];
    if (line === undefined) return malformed('no blank line before the checkpoint');
    if (line === '') break;
    const hash = decodeBase64(line);
    if (hash === undefined || hash.length !== HASH_SIZE)
      return malformed('a proof line is not base64 of a 32-byte hash');
    if (proof.length === MAX_PROOF_HASHES) return malformed(`more than ${MAX_PROOF_HASHES} proof hashes`);
    proof.push(hash);
  }
  const checkpoint = lines.slice(at).join('\n');
  if (checkpoint.length === 0) return malformed('the checkpoint is missing');
  return ok(extra === undefined ? { index, proof, checkpoint } : { extra, index, proof, checkpoint });
}

/** Formats a tlog-proof; `checkpoint` is the signed checkpoint note, verbatim. */
export function formatTlogProof(proof: TlogProof): string {
  if (!Number.isSafeInteger(proof.index) || proof.index < 0)
    throw new RangeError('the index is a safe non-negative integer');
  if (proof.proof.some((h) => h.length !== HASH_SIZE)) throw new TypeError('proof hashes are 32 bytes');
  if (!proof.checkpoint.endsWith('\n')) throw new TypeError('a signed checkpoint ends with a newline');
  const lines = [TLOG_PROOF_HEADER];
  if (proof.extra !== undefined) lines.push(`extra ${encodeBase64(proof.extra)}`);
  lines.push(`index ${proof.index}`, ...proof.proof.map(encodeBase64), '');
  return `${lines.join('\n')}\n${proof.checkpoint}`;
}

/** A tlog-proof whose checkpoint and inclusion verified. */
export interface VerifiedTlogProof {
  /** The entry's index. */
  readonly index: number;
  /** Unauthenticated extra data, if any. */
  readonly extra?: Uint8Array;
  /** The verified checkpoint, with its verified cosignatures. */
  readonly checkpoint: VerifiedCheckpoint;
}

/** How {@link verifyTlogProof} trusts a checkpoint: explicit log and witness keys, or a tlog-policy. */
export type TlogProofTrust = CheckpointKeys | { readonly policy: TlogPolicy };

/**
 * Verifies a tlog-proof for an entry whose leaf hash the caller computed (tlog-proof §"Verifying a
 * tlog proof", steps 2–4): the checkpoint — under explicit keys (see `verifyCheckpoint`; whether enough
 * witnesses cosigned is then the caller's policy, read `checkpoint.cosignatures`) or under a
 * tlog-policy (see `verifyCheckpointWithPolicy`, which enforces its quorum) — then the inclusion of
 * `leafHash` at `index` in the checkpoint's tree (RFC 9162 §2.1.3.2).
 */
export async function verifyTlogProof(
  text: string,
  options: TlogProofTrust & { readonly leafHash: Uint8Array },
): Promise<TlogResult<VerifiedTlogProof>> {
  const parsed = parseTlogProof(text);
  if (!parsed.ok) return parsed;
  const checkpoint =
    'policy' in options
      ? await verifyCheckpointWithPolicy(parsed.value.checkpoint, options.policy)
      : await verifyCheckpoint(parsed.value.checkpoint, options);
  if (!checkpoint.ok) return checkpoint;
  const { index, proof, extra } = parsed.value;
  const included = verifyInclusion({
    index,
    size: checkpoint.value.size,
    leafHash: options.leafHash,
    proof,
    root: checkpoint.value.root,
  });
  if (!included.ok) return included;
  return ok(
    extra === undefined
      ? { index, checkpoint: checkpoint.value }
      : { index, extra, checkpoint: checkpoint.value },
  );
}
