import { fail, ok } from '@assent/manifest';
import { decodeBase64, encodeBase64 } from './base64.js';
import { parseCosignature } from './cosignature.js';
import { parseDecimal } from './decimal.js';
import type { TlogResult } from './errors.js';
import { HASH_SIZE } from './merkle.js';
import { type Note, type NoteVerifier, type VerifiedNote, verifyNote } from './note.js';
import { formatKeyId, SIGNATURE_TYPE_COSIGNATURE_V1, SIGNATURE_TYPE_ED25519 } from './vkey.js';

/** A checkpoint's note text (C2SP tlog-checkpoint §"Note text"). */
export interface Checkpoint {
  /** The log's identity, first line. */
  readonly origin: string;
  /** The number of leaves. */
  readonly size: number;
  /** The RFC 6962 root hash at `size`. */
  readonly root: Uint8Array;
  /** Optional non-empty extension lines (NOT RECOMMENDED by the spec; opaque here). */
  readonly extensions: readonly string[];
}

function malformed(message: string) {
  return fail('CHECKPOINT_MALFORMED' as const, message);
}

/**
 * Parses a checkpoint's note text (tlog-checkpoint §"Note text"): at least three newline-terminated
 * lines — a non-empty origin, the size in decimal with no leading zeros, the base64 of a 32-byte root —
 * then non-empty extension lines. Sizes above 2^53 − 1 (so every size ≥ 2^63) are refused, and the
 * root must be canonical base64 of exactly 32 bytes: 31 or 33 bytes is no SHA-256 root.
 */
export function parseCheckpoint(text: string): TlogResult<Checkpoint> {
  if (typeof text !== 'string') throw new TypeError('a checkpoint text is a string');
  if (!text.endsWith('\n')) return malformed('the checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return malformed('a checkpoint has at least three lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) return malformed('the origin is empty');
  const size = parseDecimal(sizeText);
  if (size === undefined) return malformed('the size is not a decimal below 2^53 with no leading zeros');
  const root = decodeBase64(rootText);
  if (root === undefined || root.length !== HASH_SIZE) return malformed('the root is not base64 of 32 bytes');
  if (extensions.some((line) => line.length === 0)) return malformed('an extension line is empty');
  return ok({ origin, size, root, extensions });
}

/** Formats a checkpoint's note text (the part that is signed). */
export function formatCheckpoint(checkpoint: {
  origin: string;
  size: number;
  root: Uint8Array;
  extensions?: readonly string[];
}): string {
  const { origin, size, root, extensions = [] } = checkpoint;
  if (origin.length === 0 || origin.includes('\n')) throw new TypeError('the origin is one non-empty line');
  if (!Number.isSafeInteger(size) || size < 0)
    throw new RangeError('the size is a safe non-negative integer');
  if (root.length !== HASH_SIZE) throw new TypeError('the root is 32 bytes');
  if (extensions.some((line) => line.length === 0 || line.includes('\n'))) {
    throw new TypeError('extension lines are non-empty single lines');
  }
  return [origin, String(size), encodeBase64(root), ...extensions].map((line) => `${line}\n`).join('');
}

/** A cosignature that verified, with the time the cosigner vouched for. */
export interface VerifiedCosignature {
  /** The cosigner's key name. */
  readonly name: string;
  /** The cosigner's key ID. */
  readonly keyId: number;
  /** POSIX seconds from the cosignature. */
  readonly timestamp: number;
}

/** A checkpoint whose log signature (and any known cosignatures) verified. */
export interface VerifiedCheckpoint extends Checkpoint {
  /** The note, with every known signature verified and unknown ones listed. */
  readonly note: VerifiedNote;
  /** The verified cosignatures by witnesses among the verifiers. */
  readonly cosignatures: readonly VerifiedCosignature[];
}

/** The keys {@link verifyCheckpoint} trusts. */
export interface CheckpointKeys {
  /** The log's key(s): type 0x01 verifiers. At least one must have signed, with name = origin. */
  readonly log: readonly NoteVerifier[];
  /** Witness cosigner keys (type 0x04); their cosignatures are checked when present. */
  readonly witnesses?: readonly NoteVerifier[];
}

/**
 * Verifies a signed checkpoint:
 * 1. the note under the log and witness keys (signed-note §Signatures: unknown lines ignored, a known
 *    key's bad signature rejects, `NOTE_*` codes);
 * 2. the text as a checkpoint (`CHECKPOINT_MALFORMED`);
 * 3. a log key must have signed, and its name must equal the origin (`CHECKPOINT_ORIGIN_MISMATCH`):
 *    tlog-checkpoint §Signatures says the key name SHOULD match the origin, and tlog-policy, which an
 *    offline verifier applies, accepts a checkpoint only under a log key named as its origin. A log
 *    that signs another origin could otherwise pass one log's tree off as another's.
 * Quorum over witnesses is the caller's policy; `cosignatures` lists those that verified.
 */
export async function verifyCheckpoint(
  input: string | Uint8Array | Note,
  keys: CheckpointKeys,
): Promise<TlogResult<VerifiedCheckpoint>> {
  const witnesses = keys.witnesses ?? [];
  if (keys.log.some((v) => v.type !== SIGNATURE_TYPE_ED25519)) throw new TypeError('log keys are type 0x01');
  if (witnesses.some((v) => v.type !== SIGNATURE_TYPE_COSIGNATURE_V1))
    throw new TypeError('witness keys are type 0x04');
  const note = await verifyNote(input, [...keys.log, ...witnesses]);
  if (!note.ok) return note;
  const checkpoint = parseCheckpoint(note.value.text);
  if (!checkpoint.ok) return checkpoint;
  const logKeys = new Set(keys.log.map((v) => `${v.name}+${formatKeyId(v.keyId)}`));
  const byLog = note.value.verified.filter((sig) => logKeys.has(`${sig.name}+${formatKeyId(sig.keyId)}`));
  if (byLog.length === 0) return fail('NOTE_UNVERIFIED', 'no signature by a log key');
  if (!byLog.some((sig) => sig.name === checkpoint.value.origin)) {
    return fail(
      'CHECKPOINT_ORIGIN_MISMATCH',
      `the origin "${checkpoint.value.origin}" is not the name of a log key that signed`,
    );
  }
  const cosignatures: VerifiedCosignature[] = [];
  for (const sig of note.value.verified) {
    if (sig.type !== SIGNATURE_TYPE_COSIGNATURE_V1) continue;
    const parsed = parseCosignature(sig.signature);
    if (parsed.ok) cosignatures.push({ name: sig.name, keyId: sig.keyId, timestamp: parsed.value.timestamp });
  }
  return ok({ ...checkpoint.value, note: note.value, cosignatures });
}
