import { bytesToHex } from '@noble/hashes/utils.js';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { hasSharedVectors, sharedVectorText, skipReason } from '../../../test/support/shared-vectors.js';
import { verifySecuredDocument } from '../src/data-integrity/eddsa-jcs-2022.js';
import { createProof, proofInputs, verifyProof } from '../src/data-integrity/index.js';
import { identityFromSecretKey, parseSecretKeyMultibase, publicKeyMultibase } from '../src/did-key.js';
import { unwrap } from '../src/errors.js';
import { canonicalize } from '../src/jcs.js';
import { type JsonObject, parseJson } from '../src/strict-json.js';

const dir = 'eddsa-jcs-2022';
const text = (name: string) => sharedVectorText(`${dir}/${name}`).trim();
const json = (name: string) => unwrap(parseJson(sharedVectorText(`${dir}/${name}`))) as JsonObject;

describe.skipIf(!hasSharedVectors)(`W3C eddsa-jcs-2022 test vectors${skipReason}`, () => {
  it('reproduces the canonical document, the hashes and the proofValue byte-exact', async () => {
    const keyPair = json('keyPair.json');
    const secretKey = unwrap(parseSecretKeyMultibase(keyPair.privateKeyMultibase as string));
    const me = await identityFromSecretKey(secretKey);
    expect(publicKeyMultibase(me.publicKey)).toBe(keyPair.publicKeyMultibase);

    const unsigned = json('unsigned.json');
    const proofConfig = json('proofConfigJCS.json');
    const inputs = proofInputs(unsigned, proofConfig);
    expect(new TextDecoder().decode(inputs.canonicalDocument)).toBe(text('canonDocJCS.txt'));
    expect(new TextDecoder().decode(inputs.canonicalProofConfig)).toBe(text('proofCanonJCS.txt'));
    expect(bytesToHex(inputs.hashData.subarray(32))).toBe(text('docHashJCS.txt'));
    expect(bytesToHex(inputs.hashData.subarray(0, 32))).toBe(text('proofHashJCS.txt'));
    expect(bytesToHex(inputs.hashData)).toBe(text('combinedHashJCS.txt'));

    const signed = await createProof(unsigned, {
      secretKey,
      verificationMethod: proofConfig.verificationMethod as string,
      created: proofConfig.created as string,
    });
    const proof = signed.proof as JsonObject;
    expect(proof.proofValue).toBe(text('sigBTC58JCS.txt'));
    expect(bytesToHex(base58btc.decode(proof.proofValue as string))).toBe(text('sigHexJCS.txt'));
    expect(signed).toEqual(json('signedJCS.json'));
  });

  it('verifies the signed vector, from an object, text and bytes', async () => {
    const raw = sharedVectorText(`${dir}/signedJCS.json`);
    for (const input of [json('signedJCS.json'), raw, new TextEncoder().encode(raw)]) {
      const result = await verifyProof(input);
      expect(result).toMatchObject({ ok: true, value: { proofPurpose: 'assertionMethod' } });
    }
  });

  it('fails when any value of the signed vector changes', async () => {
    const signed = json('signedJCS.json');
    const mutations: [string, (d: JsonObject) => void, string][] = [
      ['issuer', (d) => (d.issuer = 'https://vc.example/issuers/5679'), 'SIGNATURE_INVALID'],
      [
        'subject',
        (d) => ((d.credentialSubject as JsonObject).alumniOf = 'The School of Examples!'),
        'SIGNATURE_INVALID',
      ],
      ['added field', (d) => (d.extra = true), 'SIGNATURE_INVALID'],
      ['created', (d) => ((d.proof as JsonObject).created = '2023-02-24T23:36:39Z'), 'SIGNATURE_INVALID'],
      [
        'proof context',
        (d) => ((d.proof as JsonObject)['@context'] = ['https://www.w3.org/ns/credentials/v2']),
        'SIGNATURE_INVALID',
      ],
      [
        'document context',
        (d) => (d['@context'] = ['https://www.w3.org/ns/credentials/v2']),
        'PROOF_CONTEXT_MISMATCH',
      ],
      ['purpose', (d) => ((d.proof as JsonObject).proofPurpose = 'authentication'), 'PROOF_PURPOSE_MISMATCH'],
      [
        'cryptosuite',
        (d) => ((d.proof as JsonObject).cryptosuite = 'eddsa-rdfc-2022'),
        'PROOF_UNSUPPORTED_CRYPTOSUITE',
      ],
      ['proofValue', (d) => ((d.proof as JsonObject).proofValue = 'z3'), 'SIGNATURE_MALFORMED'],
      ['no proof', (d) => delete d.proof, 'PROOF_MISSING'],
      ['proof array', (d) => (d.proof = [d.proof as JsonObject]), 'PROOF_MALFORMED'],
      [
        'method',
        (d) =>
          ((d.proof as JsonObject).verificationMethod =
            'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2'),
        'DID_MALFORMED',
      ],
    ];
    for (const [name, mutate, code] of mutations) {
      const copy = structuredClone(signed);
      mutate(copy);
      expect(await verifyProof(copy), name).toMatchObject({ ok: false, code });
    }
  });

  it('rejects a proofValue whose S is pushed to S + L', async () => {
    const signed = json('signedJCS.json');
    const proof = signed.proof as JsonObject;
    const sig = base58btc.decode(proof.proofValue as string);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i] as number);
    s += L;
    for (let i = 32; i < 64; i++) {
      sig[i] = Number(s & 0xffn);
      s >>= 8n;
    }
    const result = await verifyProof({ ...signed, proof: { ...proof, proofValue: base58btc.encode(sig) } });
    expect(result).toMatchObject({ ok: false, code: 'SIGNATURE_NOT_CANONICAL' });
  });
});

describe('createProof / verifyProof', () => {
  it('round-trips a document without @context and refuses to sign twice', async () => {
    const me = await identityFromSecretKey(new Uint8Array(32).fill(1));
    const signed = await createProof(
      { hello: 'world' },
      { secretKey: me.secretKey, verificationMethod: me.verificationMethod },
    );
    expect(await verifyProof(signed)).toMatchObject({ ok: true, value: { controller: me.did } });
    await expect(
      createProof(signed, { secretKey: me.secretKey, verificationMethod: me.verificationMethod }),
    ).rejects.toThrow(TypeError);
  });

  it('never throws on hostile input', async () => {
    for (const input of ['', '[]', 'null', '{"proof":{}}', '{"a":1,"a":2}', new Uint8Array([0xff, 0xfe])]) {
      const result = await verifyProof(input);
      expect(result.ok).toBe(false);
    }
  });
});

describe('verifySecuredDocument with the canonical form of the whole document (internal fast path)', () => {
  it('cuts the top-level proof only; a nested copy of the proof text cannot pass for it', async () => {
    const me = await identityFromSecretKey(new Uint8Array(32).fill(2));
    const signed = await createProof(
      { a: 1, type: ['X'], zz: { b: 2 } },
      { secretKey: me.secretKey, verificationMethod: me.verificationMethod },
    );
    expect(await verifySecuredDocument(signed, 'assertionMethod', canonicalize(signed))).toMatchObject({
      ok: true,
    });
    // The same proof text planted inside a later member: the cut must not take it for the real one.
    const planted = { ...signed, zz: { b: 2, proof: signed.proof as JsonObject } };
    const result = await verifySecuredDocument(planted, 'assertionMethod', canonicalize(planted));
    expect(result).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
  });
});
