import { base58btc } from 'multiformats/bases/base58';
import { cheapKeyProblem, checkPublicKey, publicKeyOf, randomSecretKey } from './ed25519.js';
import { fail, ok, type Result } from './errors.js';

/**
 * `did:key` for Ed25519 (W3C did:key v0.7 §3.1.1): `did:key:` + multibase base58btc (`z`) of the
 * multicodec `ed25519-pub` (0xed, varint bytes 0xed 0x01) followed by the 32 key bytes.
 */

const ED25519_PUB_PREFIX = [0xed, 0x01] as const;
/** Multicodec `ed25519-priv` (0x1300) as varint bytes, used by `privateKeyMultibase` (Multikey). */
const ED25519_PRIV_PREFIX = [0x80, 0x26] as const;
const DID_KEY_PREFIX = 'did:key:';
/** Longest did:key we consider: the Ed25519 form is 56 characters; anything far longer is hostile. */
const MAX_DID_LENGTH = 128;

/** A creator's signing identity. `secretKey` never leaves the creator's device. */
export interface Identity {
  /** `did:key:z6Mk…` */
  readonly did: string;
  /** `did:key:z6Mk…#z6Mk…`, the verification method named in proofs. */
  readonly verificationMethod: string;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** A parsed did:key. */
export interface DidKey {
  readonly did: string;
  /** The multibase part after `did:key:`, also the fragment of its verification method. */
  readonly multibase: string;
  readonly publicKey: Uint8Array;
}

function withPrefix(prefix: readonly number[], key: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(prefix.length + key.length);
  bytes.set(prefix, 0);
  bytes.set(key, prefix.length);
  return bytes;
}

/** The multibase `publicKeyMultibase` form (`z6Mk…`) of a 32-byte Ed25519 public key. */
export function publicKeyMultibase(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return base58btc.encode(withPrefix(ED25519_PUB_PREFIX, publicKey));
}

/** The did:key of a 32-byte Ed25519 public key. */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  return DID_KEY_PREFIX + publicKeyMultibase(publicKey);
}

/** The verification method id of a did:key: `did:key:X#X`. */
export function verificationMethodOf(did: string): string {
  return `${did}#${did.slice(DID_KEY_PREFIX.length)}`;
}

/**
 * Parses a `did:key` naming an Ed25519 key. Rejects other key types, non-canonical multibase text,
 * and keys that are not canonical curve points or have small order.
 */
export function parseDidKey(did: string): Result<DidKey> {
  return parseDidKeyWith(did, checkPublicKey);
}

/** `checkPublicKey` without curve arithmetic (see `cheapKeyProblem`): whether y is on the curve stays open. */
function checkPublicKeyCheaply(publicKey: Uint8Array): Result<Uint8Array> {
  const problem = cheapKeyProblem(publicKey);
  return problem === null ? ok(publicKey) : checkPublicKey(publicKey);
}

function parseDidKeyWith(did: string, check: (publicKey: Uint8Array) => Result<Uint8Array>): Result<DidKey> {
  if (typeof did !== 'string' || did.length > MAX_DID_LENGTH || !did.startsWith(DID_KEY_PREFIX)) {
    return fail('DID_MALFORMED', 'expected a did:key');
  }
  const multibase = did.slice(DID_KEY_PREFIX.length);
  if (!multibase.startsWith('z')) return fail('DID_MALFORMED', 'a did:key must use multibase base58btc (z…)');
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(multibase);
  } catch {
    return fail('DID_MALFORMED', 'the did:key is not valid base58btc');
  }
  if (bytes[0] !== ED25519_PUB_PREFIX[0] || bytes[1] !== ED25519_PUB_PREFIX[1]) {
    return fail('DID_UNSUPPORTED_KEY_TYPE', 'only Ed25519 did:key identifiers (z6Mk…) are supported');
  }
  if (bytes.length !== 34) return fail('DID_MALFORMED', 'an Ed25519 did:key holds exactly 32 key bytes');
  const publicKey = bytes.slice(2);
  // One text per key: base58 has a single encoding, but re-encoding guards against decoder leniency.
  if (publicKeyMultibase(publicKey) !== multibase)
    return fail('DID_MALFORMED', 'the did:key is not canonical');
  const checked = check(publicKey);
  if (!checked.ok) return checked;
  return ok({ did, multibase, publicKey });
}

/**
 * Parses a verification method id of the form `did:key:X#X` (did:key §3.1.2: the fragment is the
 * multibase key) and returns its DID and key.
 */
export function parseVerificationMethod(id: string): Result<DidKey> {
  return parseMethod(id, methodCache, checkPublicKey);
}

/**
 * {@link parseVerificationMethod} for a verifier that checks the signature next: the key is checked
 * without curve arithmetic, since the signature check tells whether it is a curve point (see
 * `verifyEd25519`). A verifier using this must report `checkPublicKey`'s failure when the signature
 * does not verify, as `verifyProof` does. Internal.
 */
export function parseVerificationMethodForSignature(id: string): Result<DidKey> {
  return parseMethod(id, signatureMethodCache, checkPublicKeyCheaply);
}

function parseMethod(
  id: string,
  cache: Map<string, Result<DidKey>>,
  check: (publicKey: Uint8Array) => Result<Uint8Array>,
): Result<DidKey> {
  if (typeof id !== 'string') return fail('DID_MALFORMED', 'expected a verification method id');
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  const parsed = parseUncachedVerificationMethod(id, check);
  // Creators sign many manifests with one key: decoding it once saves base58 work on every verify.
  if (cache.size >= METHOD_CACHE_LIMIT) cache.clear();
  cache.set(id, parsed);
  return parsed;
}

const methodCache = new Map<string, Result<DidKey>>();
const signatureMethodCache = new Map<string, Result<DidKey>>();
const METHOD_CACHE_LIMIT = 4096;

function parseUncachedVerificationMethod(
  id: string,
  check: (publicKey: Uint8Array) => Result<Uint8Array>,
): Result<DidKey> {
  const hash = id.indexOf('#');
  if (hash < 0) return fail('DID_MALFORMED', 'a did:key verification method is did:key:X#X');
  const parsed = parseDidKeyWith(id.slice(0, hash), check);
  if (!parsed.ok) return parsed;
  if (id.slice(hash + 1) !== parsed.value.multibase) {
    return fail('DID_MALFORMED', 'the verification method fragment must repeat the did:key multibase value');
  }
  return parsed;
}

/** The identity of a 32-byte Ed25519 secret key. */
export async function identityFromSecretKey(secretKey: Uint8Array): Promise<Identity> {
  const publicKey = await publicKeyOf(secretKey);
  const did = didKeyFromPublicKey(publicKey);
  return { did, verificationMethod: verificationMethodOf(did), publicKey, secretKey: secretKey.slice() };
}

/**
 * Creates a new creator identity: a fresh Ed25519 key from the platform's CSPRNG and its did:key.
 * @example
 * const me = await generateIdentity();
 * me.did; // 'did:key:z6Mk…'
 */
export function generateIdentity(): Promise<Identity> {
  return identityFromSecretKey(randomSecretKey());
}

/** Encodes a secret key as Multikey `secretKeyMultibase` (`z3u2…`, multicodec ed25519-priv). */
export function secretKeyMultibase(secretKey: Uint8Array): string {
  if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  return base58btc.encode(withPrefix(ED25519_PRIV_PREFIX, secretKey));
}

/** Decodes a Multikey `secretKeyMultibase` / `privateKeyMultibase` value (`z3u2…`). */
export function parseSecretKeyMultibase(text: string): Result<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(text);
  } catch {
    return fail('DID_MALFORMED', 'the secret key is not multibase base58btc');
  }
  if (bytes.length !== 34 || bytes[0] !== ED25519_PRIV_PREFIX[0] || bytes[1] !== ED25519_PRIV_PREFIX[1]) {
    return fail('DID_UNSUPPORTED_KEY_TYPE', 'expected an Ed25519 secret key (multicodec ed25519-priv)');
  }
  return ok(bytes.slice(2));
}
