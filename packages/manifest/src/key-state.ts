import { base58btc } from 'multiformats/bases/base58';
import { parseDidKey } from './did-key.js';
import { sha256 } from './sha256.js';

/**
 * Pre-rotation (docs/spec/manifest.md §5.5): a manifest commits to the keys that may sign the
 * creator's next rotation by their hashes, as did:webvh v1.0 `nextKeyHashes` does, and a creator is
 * known by the key of its version 1 for the life of its chain.
 */

/** The `credentialSubject.keyState` of a manifest: the hashes of the keys that may rotate it next. */
export interface KeyState {
  /** {@link nextKeyHash} of each committed key, at least one. */
  readonly nextKeyHashes: readonly string[];
}

/**
 * W, the waiting window of spec §5.5 (72 hours, as did:plc's recovery window): a version that loosens
 * any (work, use) takes effect W after it was first logged, while restrictions apply at once. Long
 * enough for a creator alerted to a version they did not make (`assent id watch`) to recover with the
 * recovery key before a thief's grant counts; short enough that a creator's own grant is not held
 * back for long.
 */
export const PENDING_WINDOW_MS = 72 * 60 * 60 * 1000;

/** What a manifest may commit to at most: a recovery key and a few spares. */
export const MAX_NEXT_KEYS = 8;

/** A {@link nextKeyHash}: the base58btc of a 34-byte sha2-256 multihash is 46 characters, `Qm…`. */
export const NEXT_KEY_HASH_PATTERN = /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/;

/** Multihash prefix of a 32-byte sha2-256 digest (code 0x12, length 0x20). */
const SHA2_256_MULTIHASH = [0x12, 0x20] as const;

/**
 * The commitment to a key, in did:webvh v1.0's format (§"Pre-Rotation Key Hash Generation and
 * Verification"): SHA-256 over the UTF-8 bytes of the multikey string (`z6Mk…`, not the key bytes),
 * as a sha2-256 multihash, in bare base58btc (no multibase `z`): 46 characters starting `Qm`.
 * @example
 * nextKeyHash('z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf'); // 'Qmf2V5jB2UwPcFL5bvmKed7VvY3CSQ1RXyDdtip7ufpQ3R'
 */
export function nextKeyHash(multikey: string): string {
  const digest = sha256(new TextEncoder().encode(multikey));
  const multihash = new Uint8Array(SHA2_256_MULTIHASH.length + digest.length);
  multihash.set(SHA2_256_MULTIHASH, 0);
  multihash.set(digest, SHA2_256_MULTIHASH.length);
  return base58btc.baseEncode(multihash);
}

/**
 * The commitment to the key of a did:key (its multikey is the part after `did:key:`).
 * @throws TypeError when `did` is not an Ed25519 did:key.
 */
export function nextKeyHashOfDid(did: string): string {
  const parsed = parseDidKey(did);
  if (!parsed.ok) throw new TypeError(`not an Ed25519 did:key: ${parsed.message}`);
  return nextKeyHash(parsed.value.multibase);
}
