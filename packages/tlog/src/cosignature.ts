import { fail, ok, verifyEd25519 } from '@assent/manifest';
import * as ed from '@noble/ed25519';
import type { TlogResult } from './errors.js';
import type { NoteSigner, NoteVerifier } from './note.js';
import { computeKeyId, formatVkey, SIGNATURE_TYPE_COSIGNATURE_V1, type Vkey } from './vkey.js';

/**
 * C2SP tlog-cosignature, Ed25519 (`cosignature/v1`, signature type 0x04). A cosignature is a note
 * signature over `cosignature/v1\ntime <ts>\n` followed by the checkpoint text, and its bytes are a
 * big-endian u64 timestamp followed by the 64-byte Ed25519 signature (§Format, §"Ed25519 signed
 * message"). The ML-DSA-44 type (0x06) is not implemented.
 */

/** A cosignature's bytes after the key ID: 8-byte timestamp and 64-byte signature. */
export const COSIGNATURE_V1_LENGTH = 72;

/** The message a cosigner signs: header line, time line, then the checkpoint text verbatim. */
export function cosignatureMessage(timestamp: number, checkpointText: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new RangeError('a timestamp is a safe non-negative integer');
  const header = new TextEncoder().encode(`cosignature/v1\ntime ${timestamp}\n`);
  const message = new Uint8Array(header.length + checkpointText.length);
  message.set(header, 0);
  message.set(checkpointText, header.length);
  return message;
}

/** A decoded `timestamped_signature`. */
export interface Cosignature {
  /** POSIX seconds at which the cosigner observed the checkpoint. */
  readonly timestamp: number;
  /** The 64-byte Ed25519 signature. */
  readonly signature: Uint8Array;
}

/**
 * Decodes a cosignature's bytes after the key ID. Refused as `COSIGNATURE_MALFORMED`: a length other
 * than 72, or a timestamp beyond 2^53 − 1 (tlog-cosignature §Format caps it at 2^63 − 1; anything above
 * 2^53 is ~285 million years out, and verifiers MAY reject timestamps in the future).
 */
export function parseCosignature(bytes: Uint8Array): TlogResult<Cosignature> {
  if (bytes.length !== COSIGNATURE_V1_LENGTH) {
    return fail(
      'COSIGNATURE_MALFORMED',
      `a cosignature is ${COSIGNATURE_V1_LENGTH} bytes after the key ID, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const timestamp = view.getUint32(0, false) * 2 ** 32 + view.getUint32(4, false);
  if (!Number.isSafeInteger(timestamp))
    return fail('COSIGNATURE_MALFORMED', 'the timestamp is beyond 2^53 − 1');
  return ok({ timestamp, signature: bytes.slice(8) });
}

/** A verifier for cosignatures by a type-0x04 vkey (used by `createNoteVerifier`). */
export function cosignatureVerifier(vkey: Vkey): NoteVerifier {
  if (vkey.type !== SIGNATURE_TYPE_COSIGNATURE_V1) throw new TypeError('not a cosignature (type 0x04) vkey');
  return {
    name: vkey.name,
    keyId: vkey.keyId,
    type: vkey.type,
    async verify(text, signature) {
      const parsed = parseCosignature(signature);
      if (!parsed.ok) return false;
      return verifyEd25519(
        parsed.value.signature,
        cosignatureMessage(parsed.value.timestamp, text),
        vkey.publicKey,
      );
    },
  };
}

/** The options of {@link createCosigner}. */
export interface CosignerOptions {
  /** The clock, in POSIX seconds; defaults to the system clock. */
  readonly now?: () => number;
}

/**
 * A cosigner: signs checkpoint texts as `cosignature/v1` with a 32-byte Ed25519 seed. Each cosigner
 * needs its own key: the message does not commit to the cosigner name (tlog-cosignature §"Ed25519
 * signed message"). `vkey` is its verifier key (type 0x04).
 */
export async function createCosigner(
  name: string,
  secretKey: Uint8Array,
  options: CosignerOptions = {},
): Promise<NoteSigner & { readonly vkey: string }> {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32)
    throw new TypeError('an Ed25519 seed is 32 bytes');
  const seed = Uint8Array.from(secretKey);
  const publicKey = await ed.getPublicKeyAsync(seed);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    name,
    keyId: computeKeyId(name, SIGNATURE_TYPE_COSIGNATURE_V1, publicKey),
    vkey: formatVkey({ name, type: SIGNATURE_TYPE_COSIGNATURE_V1, publicKey }),
    async sign(text) {
      const timestamp = now();
      const signature = await ed.signAsync(cosignatureMessage(timestamp, text), seed);
      const out = new Uint8Array(COSIGNATURE_V1_LENGTH);
      const view = new DataView(out.buffer);
      view.setUint32(0, Math.floor(timestamp / 2 ** 32), false);
      view.setUint32(4, timestamp >>> 0, false);
      out.set(signature, 8);
      return out;
    },
  };
}
