import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/support/fuzz.js';
import { hasSharedVectors, sharedVectorJson, skipReason } from '../../../test/support/shared-vectors.js';
import { verifyProof } from '../src/data-integrity/index.js';
import { identityFromSecretKey } from '../src/did-key.js';
import {
  cheapKeyProblem,
  checkPublicKey,
  isCanonicalScalar,
  keyProblemWithoutCurve,
  publicKeyOf,
  publicKeyProblem,
  signEd25519,
  signEd25519Reference,
  verifyEd25519With,
} from '../src/ed25519.js';

const PATHS = ['reference', 'native'] as const;

/** Every verify path on one case; the test then asserts they agree and, where known, the verdict. */
async function verdicts(sig: string, msg: string, pk: string): Promise<boolean[]> {
  const s = hexToBytes(sig);
  const m = hexToBytes(msg);
  const k = hexToBytes(pk);
  return Promise.all(PATHS.map((path) => verifyEd25519With(path, s, m, k)));
}

interface WycheproofFile {
  numberOfTests: number;
  testGroups: {
    publicKey: { pk: string };
    tests: { tcId: number; msg: string; sig: string; result: string; comment: string }[];
  }[];
}

describe.skipIf(!hasSharedVectors)(`Ed25519 public vectors${skipReason}`, () => {
  it('Wycheproof: all 151 cases give the expected verdict on every path', async () => {
    const file = sharedVectorJson<WycheproofFile>('ed25519/wycheproof_ed25519_test.json');
    let count = 0;
    for (const group of file.testGroups) {
      // Public keys that are not strict-valid would be rejected for every signature: none in this file.
      for (const t of group.tests) {
        const got = await verdicts(t.sig, t.msg, group.publicKey.pk);
        expect(got, `tcId ${t.tcId} ${t.comment}`).toEqual(PATHS.map(() => t.result === 'valid'));
        count++;
      }
    }
    expect(count).toBe(151);
    expect(file.numberOfTests).toBe(151);
  });

  it('RFC 8032 §7.1: signatures reproduce byte-exact and verify on every path', async () => {
    const cases = sharedVectorJson<{ priv: string; pub: string; msg: string; sig: string }[]>(
      'ed25519/rfc8032-ed25519.json',
    );
    expect(cases.length).toBe(4);
    for (const c of cases) {
      const secretKey = hexToBytes(c.priv);
      expect(await publicKeyOf(secretKey)).toEqual(hexToBytes(c.pub));
      expect(await signEd25519(hexToBytes(c.msg), secretKey)).toEqual(hexToBytes(c.sig));
      expect(await signEd25519Reference(hexToBytes(c.msg), secretKey)).toEqual(hexToBytes(c.sig));
      expect(await verdicts(c.sig, c.msg, c.pub)).toEqual([true, true]);
    }
  });

  it('ZIP-215: all 196 cases are rejected under strict verification, on every path', async () => {
    const cases = sharedVectorJson<{ vk_bytes: string; sig_bytes: string }[]>('ed25519/zip215.json');
    expect(cases.length).toBe(196);
    // ZIP-215 cases sign the message "Zcash" (0x5a63617368).
    const msg = '5a63617368';
    for (const [i, c] of cases.entries()) {
      expect(await verdicts(c.sig_bytes, msg, c.vk_bytes), `case ${i}`).toEqual([false, false]);
    }
  });

  it('speccheck edge cases: paths agree, and the strict rejections of noble’s suite hold', async () => {
    const cases =
      sharedVectorJson<{ message: string; pub_key: string; signature: string }[]>('ed25519/edge-cases.json');
    expect(cases.length).toBe(12);
    const mustReject = new Set([0, 1, 6, 7, 8, 9, 10, 11]);
    for (const [i, c] of cases.entries()) {
      const [reference, native] = await verdicts(c.signature, c.message, c.pub_key);
      expect(native, `case ${i}: native path disagrees with the reference`).toBe(reference);
      if (mustReject.has(i)) expect(reference, `case ${i}`).toBe(false);
    }
  });

  it('OpenSSL alone would accept some ZIP-215 cases that the strict verdict rejects', async () => {
    // Why the fast path needs its pre-checks: node:crypto's bare verdict differs on these vectors.
    const cases = sharedVectorJson<{ vk_bytes: string; sig_bytes: string }[]>('ed25519/zip215.json');
    let accepted = 0;
    for (const c of cases) {
      try {
        const der = Buffer.concat([
          Buffer.from('302a300506032b6570032100', 'hex'),
          Buffer.from(c.vk_bytes, 'hex'),
        ]);
        const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
        if (nodeVerify(null, Buffer.from('Zcash'), key, Buffer.from(c.sig_bytes, 'hex'))) accepted++;
      } catch {
        // OpenSSL refuses some encodings outright.
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });
});

describe('Ed25519 strict rules', () => {
  it('rejects S ≥ L (malleability) even when S − L would verify', async () => {
    const secretKey = new Uint8Array(32).fill(7);
    const publicKey = await publicKeyOf(secretKey);
    const message = new TextEncoder().encode('consent');
    const signature = await signEd25519(message, secretKey);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] as number);
    const malleated = signature.slice();
    let sl = s + L;
    for (let i = 32; i < 64; i++) {
      malleated[i] = Number(sl & 0xffn);
      sl >>= 8n;
    }
    expect(isCanonicalScalar(signature)).toBe(true);
    expect(isCanonicalScalar(malleated)).toBe(false);
    for (const path of PATHS) {
      expect(await verifyEd25519With(path, signature, message, publicKey)).toBe(true);
      expect(await verifyEd25519With(path, malleated, message, publicKey)).toBe(false);
    }
  });

  it('rejects small-order and non-canonical public keys with their codes', () => {
    const identity = new Uint8Array(32);
    identity[0] = 1; // the neutral element (0, 1): small order
    expect(checkPublicKey(identity)).toMatchObject({ ok: false, code: 'KEY_SMALL_ORDER' });
    const nonCanonical = new Uint8Array(32).fill(0xff);
    nonCanonical[31] = 0x7f; // y = 2^255 − 1 ≥ p
    expect(checkPublicKey(nonCanonical)).toMatchObject({ ok: false, code: 'KEY_NOT_CANONICAL' });
    expect(checkPublicKey(new Uint8Array(31))).toMatchObject({ ok: false, code: 'KEY_NOT_CANONICAL' });
  });

  it('checks a key without curve arithmetic as in full, except that a point off the curve passes', () => {
    // The eight small-order points, generated again from one of order 8.
    const order8 = ed.Point.fromBytes(
      hexToBytes('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'),
      false,
    );
    expect(order8.multiply(4n).equals(ed.Point.ZERO)).toBe(false);
    const torsion: Uint8Array[] = [];
    for (let q = order8, i = 0; i < 8; i++, q = q.add(order8)) torsion.push(q.toBytes());
    expect(new Set(torsion.map((k) => Buffer.from(k).toString('hex'))).size).toBe(8);
    const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
    const P = 2n ** 255n - 19n;
    const signed = (k: Uint8Array) => Uint8Array.from(k, (b, i) => (i === 31 ? b | 0x80 : b));
    const special = [
      ...torsion,
      ...torsion.map(signed), // negative zeros among them
      le(P),
      le(P + 1n),
      le(2n ** 255n - 1n),
      le(P - 1n),
      le(2n),
      new Uint8Array(31),
    ];
    const agree = (key: Uint8Array) => {
      const cheap = keyProblemWithoutCurve(key);
      const full = publicKeyProblem(key);
      if (cheap === full) return;
      // Only a key that is not a curve point may pass the cheap check; the signature check tells.
      expect([cheap, full]).toEqual([null, 'KEY_NOT_CANONICAL']);
      // Off the curve: even ZIP-215's lenient decoding (any y, negative zero) finds no x.
      expect(() => ed.Point.fromBytes(key, true)).toThrow();
    };
    for (const key of special) agree(key);
    for (const key of torsion) expect(keyProblemWithoutCurve(key)).toBe('KEY_SMALL_ORDER');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => agree(key)),
      fuzzParams(1000),
    );
  });

  it('reports a key off the curve at the verification method, whatever else is wrong with the proof', async () => {
    const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
    const onCurve = (key: Uint8Array) => {
      try {
        ed.Point.fromBytes(key, false);
        return true;
      } catch {
        return false;
      }
    };
    // Keys with no x, from y = 1000 up: ones no other test has checked, so none is known yet (a full
    // check is remembered per key), and each case below meets its key for the first time.
    const offCurve: Uint8Array[] = [];
    for (let y = 1000n; offCurve.length < 3; y++) if (!onCurve(le(y))) offCurve.push(le(y));
    const signer = await identityFromSecretKey(new Uint8Array(32).fill(9));
    const message = new TextEncoder().encode('consent');
    const signature = await signEd25519(message, signer.secretKey);
    const proofValues = [
      base58btc.encode(signature), // well formed: the signature check fails
      'not base58', // malformed: fails before any signature check
      base58btc.encode(new Uint8Array(64).fill(0xff)), // S ≥ L
    ];
    for (const [i, key] of offCurve.entries()) {
      expect(cheapKeyProblem(key)).toBe(null);
      const did = `did:key:${base58btc.encode(new Uint8Array([0xed, 0x01, ...key]))}`;
      const result = await verifyProof({
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        issuer: did,
        proof: {
          type: 'DataIntegrityProof',
          cryptosuite: 'eddsa-jcs-2022',
          proofPurpose: 'assertionMethod',
          verificationMethod: `${did}#${did.slice('did:key:'.length)}`,
          proofValue: proofValues[i] as string,
        },
      });
      expect(result).toMatchObject({
        ok: false,
        code: 'KEY_NOT_CANONICAL',
        path: '/proof/verificationMethod',
      });
    }
    for (const path of PATHS)
      expect(await verifyEd25519With(path, signature, message, offCurve[0] as Uint8Array)).toBe(false);
  });

  it('property: sign → verify holds and any flipped bit fails, with both paths agreeing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 256 }),
        fc.nat(),
        async (secretKey, message, flip) => {
          const publicKey = await publicKeyOf(secretKey);
          const signature = await signEd25519(message, secretKey);
          expect(await signEd25519Reference(message, secretKey)).toEqual(signature);
          for (const path of PATHS)
            expect(await verifyEd25519With(path, signature, message, publicKey)).toBe(true);
          const bad = signature.slice();
          const bit = flip % (64 * 8);
          bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
          const results = await Promise.all(
            PATHS.map((path) => verifyEd25519With(path, bad, message, publicKey)),
          );
          expect(results).toEqual([false, false]);
        },
      ),
      fuzzParams(),
    );
  });
});
