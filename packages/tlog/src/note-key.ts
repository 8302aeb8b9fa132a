import { verifyEd25519 } from '@assent/manifest';
import * as ed from '@noble/ed25519';
import { cosignatureVerifier } from './cosignature.js';
import type { NoteSigner, NoteVerifier } from './note.js';
import { computeKeyId, formatVkey, SIGNATURE_TYPE_ED25519, type Vkey } from './vkey.js';

/**
 * Verifier and signer objects for note keys. Ed25519 verification goes through `@assent/manifest`'s
 * `verifyEd25519`, the one strict RFC 8032 verifier of the project (S < L, canonical points, no
 * small-order keys), so notes and manifests get one verdict on every platform.
 */

/**
 * A verifier for a parsed vkey: type 0x01 checks Ed25519 over the note text (signed-note §"Ed25519
 * signatures"); type 0x04 checks a timestamped cosignature (tlog-cosignature).
 * @example
 * const key = parseVkey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
 * if (key.ok) await verifyNote(noteText, [createNoteVerifier(key.value)]);
 */
export function createNoteVerifier(vkey: Vkey): NoteVerifier {
  if (vkey.type !== SIGNATURE_TYPE_ED25519) return cosignatureVerifier(vkey);
  return {
    name: vkey.name,
    keyId: vkey.keyId,
    type: vkey.type,
    verify: (text, signature) =>
      signature.length === 64 ? verifyEd25519(signature, text, vkey.publicKey) : Promise.resolve(false),
  };
}

/**
 * A note signer (type 0x01) from a name and a 32-byte Ed25519 seed. Ed25519 is deterministic
 * (RFC 8032 §5.1.6), so one seed and text give one signature line. `vkey` is its verifier key.
 */
export async function createNoteSigner(
  name: string,
  secretKey: Uint8Array,
): Promise<NoteSigner & { readonly vkey: string }> {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32)
    throw new TypeError('an Ed25519 seed is 32 bytes');
  const seed = Uint8Array.from(secretKey);
  const publicKey = await ed.getPublicKeyAsync(seed);
  return {
    name,
    keyId: computeKeyId(name, SIGNATURE_TYPE_ED25519, publicKey),
    vkey: formatVkey({ name, type: SIGNATURE_TYPE_ED25519, publicKey }),
    sign: (text) => ed.signAsync(text, seed),
  };
}
