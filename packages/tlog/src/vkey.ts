import { fail, ok, publicKeyProblem } from '@assent/manifest';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import type { TlogResult } from './errors.js';
import { isValidKeyName } from './note-characters.js';

/**
 * Verifier keys of C2SP signed-note §"Verifier keys": `<name>+<hex key ID>+<base64(type ‖ key)>`.
 * Two types are supported, both Ed25519: 0x01 note signatures (signed-note §"Ed25519 signatures") and
 * 0x04 timestamped cosignatures (tlog-cosignature §Format). signed-note §"Signature types" asks
 * implementations to select only the types their design needs; everything else is refused.
 */

/** Signature type 0x01: Ed25519 over the note text (C2SP signed-note). */
export const SIGNATURE_TYPE_ED25519 = 0x01;
/** Signature type 0x04: timestamped Ed25519 checkpoint cosignature (C2SP tlog-cosignature). */
export const SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04;

/** A supported signature type byte. */
export type SignatureType = typeof SIGNATURE_TYPE_ED25519 | typeof SIGNATURE_TYPE_COSIGNATURE_V1;

/** A parsed verifier key. */
export interface Vkey {
  /** The key name, as it appears in signature lines. */
  readonly name: string;
  /** The 32-bit key ID (unsigned). */
  readonly keyId: number;
  /** The signature type byte. */
  readonly type: SignatureType;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/**
 * The key ID SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] as an unsigned 32-bit integer (C2SP
 * signed-note §Signatures, the form required for Ed25519 by §"Ed25519 signatures" and for cosignatures
 * by tlog-cosignature §Format).
 */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  if (!isValidKeyName(name)) throw new TypeError(`not a valid note key name: ${JSON.stringify(name)}`);
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes, 0);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = type;
  input.set(publicKey, nameBytes.length + 2);
  const hash = sha256(input);
  return new DataView(hash.buffer, hash.byteOffset, 4).getUint32(0, false);
}

/** The key ID as 8 lowercase hex digits, as vkeys write it. */
export function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

/**
 * Formats a verifier key. Throws TypeError for a bad name, an unsupported type or a key that is not
 * 32 bytes.
 * @example formatVkey({ name: 'example.com/log', type: SIGNATURE_TYPE_ED25519, publicKey }) // 'example.com/log+1a2b3c4d+A…'
 */
export function formatVkey(key: { name: string; type: SignatureType; publicKey: Uint8Array }): string {
  if (key.type !== SIGNATURE_TYPE_ED25519 && key.type !== SIGNATURE_TYPE_COSIGNATURE_V1) {
    throw new TypeError(`unsupported signature type ${String(key.type)}`);
  }
  if (key.publicKey.length !== 32) throw new TypeError('an Ed25519 public key is 32 bytes');
  const material = new Uint8Array(33);
  material[0] = key.type;
  material.set(key.publicKey, 1);
  return `${key.name}+${formatKeyId(computeKeyId(key.name, key.type, key.publicKey))}+${encodeBase64(material)}`;
}

/**
 * Parses a verifier key. Refused: a wrong shape, a bad name, key ID or base64 (`VKEY_MALFORMED`), a
 * type other than 0x01 and 0x04 (`VKEY_UNSUPPORTED_TYPE`), a key ID that is not the one the name and
 * key give (`VKEY_ID_MISMATCH`, signed-note §"Verifier keys": "The key name and ID MUST match"), and an
 * Ed25519 key that is not a canonical point or has small order (`VKEY_KEY_REJECTED`: a small-order key
 * lets one signature verify for many messages; RFC 8032 §5.1.3 decoding).
 */
export function parseVkey(text: string): TlogResult<Vkey> {
  if (typeof text !== 'string') throw new TypeError('a vkey is a string');
  // The name holds no '+', so the first two '+' delimit; the base64 itself may contain '+'.
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) return fail('VKEY_MALFORMED', 'a vkey is name+keyid+key');
  const name = text.slice(0, first);
  const hex = text.slice(first + 1, second);
  const b64 = text.slice(second + 1);
  if (!isValidKeyName(name)) {
    return fail('VKEY_MALFORMED', 'the key name is empty or holds a space or control character');
  }
  if (!/^[0-9a-f]{8}$/.test(hex)) return fail('VKEY_MALFORMED', 'the key ID is not 8 lowercase hex digits');
  const material = decodeBase64(b64);
  if (material === undefined || material.length === 0) {
    return fail('VKEY_MALFORMED', 'the key material is not canonical base64');
  }
  const type = material[0] as number;
  if (type !== SIGNATURE_TYPE_ED25519 && type !== SIGNATURE_TYPE_COSIGNATURE_V1) {
    return fail(
      'VKEY_UNSUPPORTED_TYPE',
      `signature type 0x${type.toString(16).padStart(2, '0')} is not supported`,
    );
  }
  const publicKey = material.slice(1);
  if (publicKey.length !== 32) return fail('VKEY_MALFORMED', 'an Ed25519 public key is 32 bytes');
  const keyId = Number.parseInt(hex, 16);
  if (computeKeyId(name, type, publicKey) !== keyId) {
    return fail('VKEY_ID_MISMATCH', 'the key ID is not SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]');
  }
  const problem = publicKeyProblem(publicKey);
  if (problem !== null) {
    return fail(
      'VKEY_KEY_REJECTED',
      problem === 'KEY_SMALL_ORDER'
        ? 'the Ed25519 key has small order'
        : 'the Ed25519 key is not a canonical point',
    );
  }
  return ok({ name, keyId, type, publicKey });
}
