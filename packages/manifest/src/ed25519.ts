import * as ed from '@noble/ed25519';
import { bytesToHex } from '@noble/hashes/utils.js';
import { fail, ok, type Result } from './errors.js';

/**
 * Ed25519 with one verdict everywhere. The reference is @noble/ed25519 in strict RFC 8032 mode
 * (`zip215: false`): canonical encodings of A and R (y < p), S < L (RFC 8032 §5.1.7), and small-order
 * public keys rejected. WebCrypto's Ed25519 (OpenSSL in Node, BoringSSL in Chromium) is used as a fast
 * path only where it cannot disagree with the reference: see {@link verifyEd25519}.
 */

/** The group order L (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** Which implementation answered; exposed so tests can run every vector through every path. */
export type VerifyPath = 'reference' | 'native';

/** L as 32 little-endian bytes, to compare S without big-integer arithmetic. */
const L_BYTES = Uint8Array.from({ length: 32 }, (_, i) => Number((L >> BigInt(8 * i)) & 0xffn));

/** True when the S half of a 64-byte signature is below L (RFC 8032 §5.1.7 step 1: malleability). */
export function isCanonicalScalar(signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i] as number;
    const l = L_BYTES[i] as number;
    if (s !== l) return s < l;
  }
  return false; // S = L
}

/** Why a public key is not acceptable, or null. */
export type PublicKeyProblem = 'KEY_NOT_CANONICAL' | 'KEY_SMALL_ORDER' | null;

const keyProblemCache = new Map<string, PublicKeyProblem>();
const KEY_CACHE_LIMIT = 4096;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= KEY_CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(key, value);
  return value;
}

/**
 * Checks a 32-byte Ed25519 public key: it must be the canonical encoding of a curve point (y < p and
 * no negative zero, RFC 8032 §5.1.3) and not of small order (a small-order key lets one signature verify
 * for many messages). Results are cached per key: creators sign many manifests with one key.
 */
export function publicKeyProblem(publicKey: Uint8Array): PublicKeyProblem {
  if (publicKey.length !== 32) return 'KEY_NOT_CANONICAL';
  const hex = bytesToHex(publicKey);
  const known = keyProblemCache.get(hex);
  if (known !== undefined) return known;
  let problem: PublicKeyProblem = null;
  try {
    const point = ed.Point.fromBytes(publicKey, false);
    if (point.isSmallOrder()) problem = 'KEY_SMALL_ORDER';
  } catch {
    problem = 'KEY_NOT_CANONICAL';
  }
  return remember(keyProblemCache, hex, problem);
}

/** p = 2^255 − 19 as 32 little-endian bytes, to compare y without big-integer arithmetic. */
const P_BYTES = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xed : i === 31 ? 0x7f : 0xff));

/**
 * The canonical encodings of the eight points of small order (the 8-torsion subgroup, generated from
 * one of order 8; `test/ed25519.test.ts` derives them again with @noble/ed25519).
 */
const SMALL_ORDER_KEYS: ReadonlySet<string> = new Set([
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
]);
/** y = 1 and y = p − 1 with the sign bit set: x = 0 there, so the bit makes a "negative zero". */
const NEGATIVE_ZEROS: ReadonlySet<string> = new Set([
  '0100000000000000000000000000000000000000000000000000000000000080',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
]);

/**
 * {@link publicKeyProblem} without curve arithmetic: y < p, no negative zero, not one of the eight
 * small-order points. It answers as `publicKeyProblem` does for every key that is a curve point, and
 * null for one that is not: whether y is on the curve at all takes a square root (most of the cost
 * of a new creator's first manifest, CPU profile of ingest), and is left to the signature check. A
 * key already checked in full is answered from that check.
 */
export function cheapKeyProblem(publicKey: Uint8Array): PublicKeyProblem {
  if (publicKey.length !== 32) return 'KEY_NOT_CANONICAL';
  return keyProblemCache.get(bytesToHex(publicKey)) ?? keyProblemWithoutCurve(publicKey);
}

/** The checks of {@link cheapKeyProblem} themselves, never from a remembered answer (for tests). */
export function keyProblemWithoutCurve(publicKey: Uint8Array): PublicKeyProblem {
  if (publicKey.length !== 32) return 'KEY_NOT_CANONICAL';
  // y is the key with the sign bit cleared; y ≥ p is not canonical.
  for (let i = 31; i >= 0; i--) {
    const y = i === 31 ? (publicKey[31] as number) & 0x7f : (publicKey[i] as number);
    const p = P_BYTES[i] as number;
    if (y !== p) {
      if (y > p) return 'KEY_NOT_CANONICAL';
      break;
    }
    if (i === 0) return 'KEY_NOT_CANONICAL'; // y = p
  }
  const hex = bytesToHex(publicKey);
  if (NEGATIVE_ZEROS.has(hex)) return 'KEY_NOT_CANONICAL';
  if (SMALL_ORDER_KEYS.has(hex)) return 'KEY_SMALL_ORDER';
  return null;
}

/** Checks a public key, as a result with a stable code. */
export function checkPublicKey(publicKey: Uint8Array): Result<Uint8Array> {
  const problem = publicKeyProblem(publicKey);
  if (problem === 'KEY_SMALL_ORDER') return fail(problem, 'the Ed25519 public key has small order');
  if (problem === 'KEY_NOT_CANONICAL')
    return fail(problem, 'the Ed25519 public key is not a canonical curve point');
  return ok(publicKey);
}

/**
 * The checks every path makes before any curve arithmetic: lengths, S < L and an acceptable key. noble
 * makes them too in strict mode; making them here keeps the verdict independent of its defaults and is
 * what lets the native path answer only where it agrees with the reference. The native path checks
 * the key without curve arithmetic (`cheap`): see {@link verifyEd25519}.
 */
function passesPrechecks(signature: Uint8Array, publicKey: Uint8Array, cheap = false): boolean {
  return (
    signature.length === 64 &&
    publicKey.length === 32 &&
    isCanonicalScalar(signature) &&
    (cheap ? cheapKeyProblem(publicKey) : publicKeyProblem(publicKey)) === null
  );
}

/** The strict reference verifier: @noble/ed25519 with RFC 8032 decoding, S < L and no small-order keys. */
export async function verifyEd25519Reference(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  if (!passesPrechecks(signature, publicKey)) return false;
  try {
    return await ed.verifyAsync(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

type NativeState = { kind: 'unknown' } | { kind: 'available'; subtle: SubtleCrypto } | { kind: 'absent' };
let native: NativeState = { kind: 'unknown' };
const nativeKeyCache = new Map<string, Promise<CryptoKey>>();

function nativeSubtle(): SubtleCrypto | undefined {
  if (native.kind === 'available') return native.subtle;
  if (native.kind === 'absent') return undefined;
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (subtle === undefined) native = { kind: 'absent' };
  else native = { kind: 'available', subtle };
  return subtle;
}

function nativeKey(subtle: SubtleCrypto, publicKey: Uint8Array, hex: string): Promise<CryptoKey> {
  const cached = nativeKeyCache.get(hex);
  if (cached !== undefined) return cached;
  const imported = subtle.importKey('raw', new Uint8Array(publicKey), { name: 'Ed25519' }, false, ['verify']);
  imported.catch(() => nativeKeyCache.delete(hex));
  return remember(nativeKeyCache, hex, imported);
}

/**
 * Verifies an Ed25519 signature with the same verdict as {@link verifyEd25519Reference}, using
 * WebCrypto when the platform has Ed25519.
 *
 * Why the verdicts agree: WebCrypto implementations check the cofactorless equation by comparing
 * encode([S]B − [k]A) with the R bytes, so a `true` from them means R is canonical and the cofactored
 * equation of the reference holds too; the remaining differences (non-canonical or small-order A,
 * S ≥ L) are excluded before the call. A `false` from them is re-checked with the reference, which
 * may accept mixed-order points that the cofactorless check rejects. Honest signatures never take
 * that slow path.
 *
 * Before the native call the key is checked without curve arithmetic ({@link cheapKeyProblem}): a
 * `true` also means the implementation decoded A to a curve point (OpenSSL and BoringSSL return false
 * when y has no x), so A was a canonical point of large order, as the reference requires, and is
 * remembered as one. Anything else goes to the reference, which checks the key in full.
 */
export async function verifyEd25519(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  const subtle = nativeSubtle();
  if (subtle !== undefined && passesPrechecks(signature, publicKey, true)) {
    try {
      const hex = bytesToHex(publicKey);
      const key = await nativeKey(subtle, publicKey, hex);
      if (await subtle.verify('Ed25519', key, new Uint8Array(signature), new Uint8Array(message))) {
        if (!keyProblemCache.has(hex)) remember(keyProblemCache, hex, null);
        return true;
      }
    } catch {
      // Ed25519 missing from this platform's WebCrypto (use the reference from now on), or an
      // implementation that refuses a key that is not a curve point when importing it.
      if (publicKeyProblem(publicKey) === null) native = { kind: 'absent' };
    }
  }
  return verifyEd25519Reference(signature, message, publicKey);
}

/** Verifies through one named path; for conformance tests that compare every path on every vector. */
export function verifyEd25519With(
  path: VerifyPath,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  return path === 'reference'
    ? verifyEd25519Reference(signature, message, publicKey)
    : verifyEd25519(signature, message, publicKey);
}

/** PKCS #8 (RFC 8410 §7) wrapping of a 32-byte Ed25519 seed, the form WebCrypto imports. */
const PKCS8_ED25519_PREFIX = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/** The pure-JavaScript signer: @noble/ed25519, deterministic (RFC 8032 §5.1.6). */
export function signEd25519Reference(message: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array> {
  if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  return ed.signAsync(message, secretKey);
}

/**
 * Signs with a 32-byte Ed25519 secret key (seed). Ed25519 signatures are deterministic, so WebCrypto
 * (when the platform has Ed25519) and the reference produce the same bytes; the imported key is not
 * cached, so secret material does not outlive the call in our memory.
 */
export async function signEd25519(message: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array> {
  if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  const subtle = nativeSubtle();
  if (subtle !== undefined) {
    const pkcs8 = new Uint8Array(48);
    pkcs8.set(PKCS8_ED25519_PREFIX, 0);
    pkcs8.set(secretKey, 16);
    try {
      const key = await subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
      return new Uint8Array(await subtle.sign('Ed25519', key, new Uint8Array(message)));
    } catch {
      native = { kind: 'absent' };
    } finally {
      pkcs8.fill(0);
    }
  }
  return ed.signAsync(message, secretKey);
}

/** Derives the 32-byte public key of a secret key. */
export function publicKeyOf(secretKey: Uint8Array): Promise<Uint8Array> {
  if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  return ed.getPublicKeyAsync(secretKey);
}

/** 32 random bytes from the platform's CSPRNG, as a new secret key. */
export function randomSecretKey(): Uint8Array {
  return ed.utils.randomSecretKey();
}
