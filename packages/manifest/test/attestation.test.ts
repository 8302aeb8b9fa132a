import { describe, expect, it } from 'vitest';
import {
  MAX_ATTESTED_ISRCS,
  normalizeIsrcPrefix,
  parseAttestation,
  signAttestation,
  verifyAttestation,
} from '../src/attestation.js';
import { createProof } from '../src/data-integrity/index.js';
import { identityFromSecretKey } from '../src/did-key.js';
import { isAssentError } from '../src/errors.js';
import { canonicalize } from '../src/jcs.js';
import type { JsonObject } from '../src/strict-json.js';

const created = '2026-11-26T10:00:00Z';
const during = new Date('2027-01-01T00:00:00Z');
const identity = (byte: number) => identityFromSecretKey(new Uint8Array(32).fill(byte));

/** `count` distinct ISRCs of one registrant, in printed form. */
function isrcs(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `US-RC1-26-${String(i).padStart(5, '0')}`);
}

async function sample() {
  const label = await identity(7);
  const artist = await identity(8);
  const signed = await signAttestation(
    {
      subject: artist.did,
      isrcs: ['isrc:us-rc1-76-07839', 'ISRC GB-AAA-01-00001', 'USRC17607839'],
      isrcPrefixes: ['usrc1', 'GB-AAA'],
      urlPrefixes: ['https://SoundCloud.com/the-flight'],
      role: 'artist',
      validUntil: '2028-01-01T00:00:00Z',
    },
    { identity: label, created },
  );
  return { label, artist, signed };
}

describe('signAttestation / verifyAttestation', () => {
  it('normalizes, de-duplicates and sorts each scope, and verifies offline', async () => {
    const { label, artist, signed } = await sample();
    expect(signed.issuer).toBe(label.did);
    expect(signed.subject).toBe(artist.did);
    expect(signed.isrcs).toEqual(['GBAAA0100001', 'USRC17607839']);
    expect(signed.isrcPrefixes).toEqual(['GB-AAA', 'US-RC1']);
    expect(signed.urlPrefixes).toEqual(['https://soundcloud.com/the-flight/']);
    expect(signed.attestation.type).toEqual(['VerifiableCredential', 'AssentAttestation']);
    expect(signed.attestation.validFrom).toBe(created);
    const again = await verifyAttestation(signed.bytes, { at: during });
    expect(again).toMatchObject({ ok: true, value: { cid: signed.cid, role: 'artist' } });
  });

  it('holds 10,000 ISRCs in one credential; one more is refused', async () => {
    const label = await identity(7);
    const artist = await identity(8);
    const big = await signAttestation(
      { subject: artist.did, isrcs: isrcs(MAX_ATTESTED_ISRCS) },
      { identity: label, created },
    );
    expect(big.isrcs).toHaveLength(MAX_ATTESTED_ISRCS);
    expect((await verifyAttestation(big.bytes, { at: during })).ok).toBe(true);
    await expect(
      signAttestation(
        { subject: artist.did, isrcs: isrcs(MAX_ATTESTED_ISRCS + 1) },
        { identity: label, created },
      ),
    ).rejects.toSatisfy((e) => isAssentError(e, 'ATTESTATION_SCHEMA'));
  });

  it('refuses at signing: no scope, a malformed ISRC or prefix, a bad role, reversed dates', async () => {
    const label = await identity(7);
    const artist = await identity(8);
    const cases: [Parameters<typeof signAttestation>[0], string][] = [
      [{ subject: artist.did }, 'ATTESTATION_SCHEMA'],
      [{ subject: artist.did, isrcs: ['US-RC1-76-0783'] }, 'WORK_ID_ISRC_MALFORMED'],
      [{ subject: artist.did, isrcPrefixes: ['U1-RC1'] }, 'ATTESTATION_ISRC_PREFIX_MALFORMED'],
      [{ subject: artist.did, urlPrefixes: ['javascript:alert(1)'] }, 'WORK_ID_URL_SCHEME'],
      [{ subject: artist.did, isrcPrefixes: ['US-RC1'], role: 'Artist!' }, 'ATTESTATION_SCHEMA'],
      [{ subject: 'did:web:example.com', isrcPrefixes: ['US-RC1'] }, 'DID_MALFORMED'],
      [
        { subject: artist.did, isrcPrefixes: ['US-RC1'], validFrom: created, validUntil: created },
        'ATTESTATION_SCHEMA',
      ],
    ];
    for (const [draft, code] of cases) {
      await expect(signAttestation(draft, { identity: label, created }), code).rejects.toSatisfy((e) =>
        isAssentError(e, code),
      );
    }
  });

  it('is valid from validFrom up to, not including, validUntil', async () => {
    const { signed } = await sample();
    expect(await verifyAttestation(signed.bytes, { at: new Date('2026-11-26T09:59:59Z') })).toMatchObject({
      ok: false,
      code: 'ATTESTATION_NOT_YET_VALID',
    });
    expect((await verifyAttestation(signed.bytes, { at: new Date(created) })).ok).toBe(true);
    expect(await verifyAttestation(signed.bytes, { at: new Date('2028-01-01T00:00:00Z') })).toMatchObject({
      ok: false,
      code: 'ATTESTATION_EXPIRED',
    });
  });
});

describe('an altered attestation fails with its code', () => {
  type Mutable = { [key: string]: unknown };
  const alterations: [string, (a: Mutable) => void, string, string?][] = [
    [
      'another subject',
      (a) =>
        ((a.credentialSubject as Mutable).id = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'),
      'SIGNATURE_INVALID',
    ],
    [
      'an added ISRC',
      (a) => ((a.credentialSubject as Mutable).isrcs as string[]).push('USRC17600001'),
      'SIGNATURE_INVALID',
    ],
    [
      'a widened prefix',
      (a) => ((a.credentialSubject as Mutable).isrcPrefixes = ['GB-AAA', 'US-RC1', 'US-AAA']),
      'SIGNATURE_INVALID',
    ],
    ['a later validUntil', (a) => (a.validUntil = '2099-01-01T00:00:00Z'), 'SIGNATURE_INVALID'],
    ['another role', (a) => ((a.credentialSubject as Mutable).role = 'label'), 'SIGNATURE_INVALID'],
    [
      'an unknown subject member',
      (a) => ((a.credentialSubject as Mutable).verified = true),
      'ATTESTATION_SCHEMA',
      '/credentialSubject',
    ],
    ['an unknown top-level member', (a) => (a.evidence = []), 'ATTESTATION_SCHEMA'],
    [
      'another type',
      (a) => (a.type = ['VerifiableCredential', 'ConsentManifest']),
      'ATTESTATION_SCHEMA',
      '/type/1',
    ],
    [
      'an ISRC not in normal form',
      (a) => ((a.credentialSubject as Mutable).isrcs = ['GB-AAA-01-00001']),
      'WORK_ID_NOT_NORMALIZED',
      '/credentialSubject/isrcs/0',
    ],
    [
      'a prefix not in normal form',
      (a) => ((a.credentialSubject as Mutable).isrcPrefixes = ['USRC1']),
      'WORK_ID_NOT_NORMALIZED',
      '/credentialSubject/isrcPrefixes/0',
    ],
    [
      'a malformed prefix',
      (a) => ((a.credentialSubject as Mutable).isrcPrefixes = ['U1-RC1']),
      'ATTESTATION_ISRC_PREFIX_MALFORMED',
    ],
    [
      'a URL prefix without its slash',
      (a) => ((a.credentialSubject as Mutable).urlPrefixes = ['https://soundcloud.com/the-flight']),
      'WORK_ID_NOT_NORMALIZED',
    ],
    [
      'an ISRC named twice',
      (a) => ((a.credentialSubject as Mutable).isrcs = ['USRC17607839', 'USRC17607839']),
      'ATTESTATION_SCHEMA',
    ],
    [
      'no scope',
      (a) => {
        const s = a.credentialSubject as Mutable;
        delete s.isrcs;
        delete s.isrcPrefixes;
        delete s.urlPrefixes;
      },
      'ATTESTATION_SCHEMA',
    ],
    ['no proof', (a) => delete a.proof, 'PROOF_MISSING'],
    [
      'a flipped signature',
      (a) => {
        const proof = a.proof as Mutable;
        const value = proof.proofValue as string;
        proof.proofValue = `${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`;
      },
      'SIGNATURE_INVALID',
    ],
    [
      'another cryptosuite',
      (a) => ((a.proof as Mutable).cryptosuite = 'eddsa-rdfc-2022'),
      'PROOF_UNSUPPORTED_CRYPTOSUITE',
    ],
  ];

  for (const [what, alter, code, path] of alterations) {
    it(`${what}: ${code}`, async () => {
      const { signed } = await sample();
      const altered = structuredClone(signed.attestation) as unknown as Mutable;
      alter(altered);
      const result = await verifyAttestation(canonicalize(altered as JsonObject), { at: during });
      expect(result).toMatchObject({ ok: false, code });
      if (path !== undefined) expect(result).toMatchObject({ path });
    });
  }

  it('a valid signature by another key than the issuer: PROOF_ISSUER_MISMATCH', async () => {
    const { signed } = await sample();
    const other = await identity(9);
    const { proof: _, ...unsigned } = signed.attestation as unknown as JsonObject;
    const resigned = await createProof(unsigned, {
      secretKey: other.secretKey,
      verificationMethod: other.verificationMethod,
      created,
    });
    expect(await verifyAttestation(resigned, { at: during })).toMatchObject({
      ok: false,
      code: 'PROOF_ISSUER_MISMATCH',
    });
  });

  it('strict JSON first: a duplicate member is JSON_DUPLICATE_KEY, not a silent last-wins', async () => {
    const { signed } = await sample();
    const text = new TextDecoder().decode(signed.bytes).replace('{"@context"', '{"role":"x","@context"');
    const twice = text.replace('"issuer":', '"issuer":"did:key:z6Mkx","issuer":');
    expect(await verifyAttestation(twice, { at: during })).toMatchObject({
      ok: false,
      code: 'JSON_DUPLICATE_KEY',
    });
  });

  it('parseAttestation checks the form without the signature', async () => {
    const { signed } = await sample();
    expect(parseAttestation(signed.bytes).ok).toBe(true);
    expect(parseAttestation('"just a string"')).toMatchObject({ ok: false, code: 'ATTESTATION_SCHEMA' });
    expect(parseAttestation('[1,2]')).toMatchObject({ ok: false, code: 'ATTESTATION_SCHEMA' });
  });
});

describe('normalizeIsrcPrefix', () => {
  it.each([
    ['US-RC1', 'US-RC1'],
    ['usrc1', 'US-RC1'],
    ['US RC1', 'US-RC1'],
    ['gb-a1a', 'GB-A1A'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeIsrcPrefix(input)).toEqual({ ok: true, value: expected });
  });

  it.each(['', 'US', 'US-RC', 'US-RC12', '1S-RC1', 'US_RC1', 'USRC17607839'])('refuses %j', (input) => {
    expect(normalizeIsrcPrefix(input)).toMatchObject({
      ok: false,
      code: 'ATTESTATION_ISRC_PREFIX_MALFORMED',
    });
  });
});
