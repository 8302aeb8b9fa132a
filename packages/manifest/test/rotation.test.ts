/**
 * Pre-rotation in the manifest chain (docs/spec/manifest.md §5.5): the fields a version carries, and
 * the rule of each step (`checkChain`) for the threat scenarios of DESIGN-TRUST §2.4 that one step
 * decides (3–6; the scenarios that weigh time and branches are the verifier's).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createProof } from '../src/data-integrity/index.js';
import {
  checkChain,
  generateIdentity,
  type Identity,
  type JsonObject,
  nextKeyHashOfDid,
  type SignedManifest,
  signManifest,
  type VerifiedManifest,
  verifyManifest,
} from '../src/index.js';

let creator: Identity;
let recovery: Identity;
let spare: Identity;
let thief: Identity;
let v1: SignedManifest;
let v2: SignedManifest;

beforeAll(async () => {
  [creator, recovery, spare, thief] = await Promise.all([
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
  ]);
  v1 = await signManifest(
    { default: { 'train-genai': 'deny' } },
    { identity: creator, nextKeyHashes: [nextKeyHashOfDid(recovery.did)] },
  );
  v2 = await signManifest(
    { default: { 'train-genai': 'deny', search: 'allow' } },
    { identity: creator, head: v1 },
  );
});

/** Signs a manifest object as it is, so a test can write what signManifest never would. */
async function signRaw(unsigned: JsonObject, by: Identity): Promise<VerifiedManifest> {
  const signed = await createProof(unsigned, {
    secretKey: by.secretKey,
    verificationMethod: by.verificationMethod,
    created: '2026-12-01T00:00:00Z',
  });
  const verified = await verifyManifest(signed);
  if (!verified.ok) throw new Error(`${verified.code}: ${verified.message}`);
  return verified.value;
}

function unsignedOf(m: VerifiedManifest): JsonObject {
  const { proof: _proof, ...rest } = JSON.parse(JSON.stringify(m.manifest)) as JsonObject & {
    proof: unknown;
  };
  return rest;
}

describe('the key fields of a chain', () => {
  it('version 1 is its own creator and commits to the recovery key', () => {
    expect(v1.creator).toBe(creator.did);
    expect(v1.keyState).toEqual({ nextKeyHashes: [nextKeyHashOfDid(recovery.did)] });
    expect(v1.rotatedFrom).toBeUndefined();
    expect(v1.manifest.credentialSubject.creator).toBeUndefined();
  });

  it('an ordinary version carries the commitment byte for byte and follows by the rule', () => {
    expect(v2.keyState).toEqual(v1.keyState);
    expect(checkChain(v1, v2)).toEqual({ ok: true, value: true });
  });

  it('a rotation is signed by the committed key, names the creator and the key it replaces, and commits anew', async () => {
    const rotation = await signManifest(
      { default: { 'train-genai': 'deny' } },
      { identity: recovery, head: v2, rotation: true, nextKeyHashes: [nextKeyHashOfDid(spare.did)] },
    );
    expect(rotation.issuer).toBe(recovery.did);
    expect(rotation.creator).toBe(creator.did);
    expect(rotation.manifest.credentialSubject.creator).toBe(creator.did);
    expect(rotation.rotatedFrom).toBe(creator.did);
    expect(rotation.keyState).toEqual({ nextKeyHashes: [nextKeyHashOfDid(spare.did)] });
    expect(checkChain(v2, rotation)).toEqual({ ok: true, value: true });

    // The rotated key's ordinary versions keep naming the creator and the new commitment.
    const after = await signManifest(
      { default: { 'train-genai': 'allow' } },
      { identity: recovery, head: rotation },
    );
    expect(after.creator).toBe(creator.did);
    expect(after.rotatedFrom).toBeUndefined();
    expect(after.keyState).toEqual(rotation.keyState);
    expect(checkChain(rotation, after)).toEqual({ ok: true, value: true });
  });

  it('a recovery is a rotation whose previous is an earlier version: the step alone is valid', async () => {
    const recovered = await signManifest(
      { default: { all: 'deny' } },
      { identity: recovery, head: v1, rotation: true, nextKeyHashes: [nextKeyHashOfDid(spare.did)] },
    );
    expect(recovered.version).toBe(2);
    expect(checkChain(v1, recovered)).toMatchObject({ ok: true });
  });

  it('an ordinary version may make the first commitment of a chain that had none, and keep it after', async () => {
    const legacy = await signManifest({ default: { 'train-genai': 'deny' } }, { identity: thief });
    const upgraded = await signManifest(
      { default: { 'train-genai': 'deny' } },
      { identity: thief, head: legacy, nextKeyHashes: [nextKeyHashOfDid(spare.did)] },
    );
    expect(checkChain(legacy, upgraded)).toMatchObject({ ok: true });
    expect(upgraded.keyState?.nextKeyHashes).toEqual([nextKeyHashOfDid(spare.did)]);
  });
});

describe('the threat scenarios one step decides (DESIGN-TRUST §2.4)', () => {
  it('3. the thief swaps the commitment in an ordinary version: KEY_COMMITMENT_CHANGED', async () => {
    // signManifest refuses to write it…
    await expect(
      signManifest(
        { default: { all: 'allow' } },
        { identity: creator, head: v2, nextKeyHashes: [nextKeyHashOfDid(thief.did)] },
      ),
    ).rejects.toMatchObject({ code: 'KEY_COMMITMENT_CHANGED' });
    // …and a thief who writes it by hand is refused by the chain rule, swapped or dropped.
    const swapped = unsignedOf(v2) as { credentialSubject: Record<string, unknown> } & JsonObject;
    swapped.credentialSubject.version = 3;
    swapped.credentialSubject.previous = v2.cid;
    swapped.credentialSubject.keyState = { nextKeyHashes: [nextKeyHashOfDid(thief.did)] };
    expect(checkChain(v2, await signRaw(swapped, creator))).toMatchObject({
      ok: false,
      code: 'KEY_COMMITMENT_CHANGED',
    });
    delete swapped.credentialSubject.keyState;
    expect(checkChain(v2, await signRaw(swapped, creator))).toMatchObject({
      ok: false,
      code: 'KEY_COMMITMENT_CHANGED',
    });
  });

  it('4. the thief rotates to a key nobody committed to: NEXT_KEY_NOT_COMMITTED', async () => {
    const rotation = await signManifest(
      { default: { all: 'allow' } },
      { identity: thief, head: v2, rotation: true, nextKeyHashes: [nextKeyHashOfDid(thief.did)] },
    );
    expect(checkChain(v2, rotation)).toMatchObject({ ok: false, code: 'NEXT_KEY_NOT_COMMITTED' });
    // A chain that never committed cannot be rotated at all.
    const legacy = await signManifest({ works: [] }, { identity: spare });
    const onto = await signManifest(
      { works: [] },
      { identity: thief, head: legacy, rotation: true, nextKeyHashes: [nextKeyHashOfDid(thief.did)] },
    );
    expect(checkChain(legacy, onto)).toMatchObject({ ok: false, code: 'NEXT_KEY_NOT_COMMITTED' });
  });

  it('5. a rotation that commits to no next key: EMPTY_NEXT_KEYS, in the schema and in signManifest', async () => {
    await expect(
      signManifest({ works: [] }, { identity: recovery, head: v2, rotation: true }),
    ).rejects.toMatchObject({ code: 'EMPTY_NEXT_KEYS' });
    const rotation = await signManifest(
      { works: [] },
      { identity: recovery, head: v2, rotation: true, nextKeyHashes: [nextKeyHashOfDid(spare.did)] },
    );
    const empty = unsignedOf(rotation) as { credentialSubject: Record<string, unknown> } & JsonObject;
    empty.credentialSubject.keyState = { nextKeyHashes: [] };
    const signed = await createProof(empty, {
      secretKey: recovery.secretKey,
      verificationMethod: recovery.verificationMethod,
    });
    expect(await verifyManifest(signed)).toMatchObject({ ok: false, code: 'EMPTY_NEXT_KEYS' });
    delete empty.credentialSubject.keyState;
    const none = await createProof(empty, {
      secretKey: recovery.secretKey,
      verificationMethod: recovery.verificationMethod,
    });
    expect(await verifyManifest(none)).toMatchObject({ ok: false, code: 'EMPTY_NEXT_KEYS' });
  });

  it('6. a rotation replayed under another creator: ROTATION_CREATOR_MISMATCH', async () => {
    const rotation = await signManifest(
      { works: [] },
      { identity: recovery, head: v2, rotation: true, nextKeyHashes: [nextKeyHashOfDid(spare.did)] },
    );
    // Another creator whose chain committed to the same key (a shared or leaked recovery key).
    const other = await generateIdentity();
    const o1 = await signManifest(
      { works: [] },
      { identity: other, nextKeyHashes: [nextKeyHashOfDid(recovery.did)] },
    );
    const o2 = await signManifest({ works: [] }, { identity: other, head: o1 });
    const replayed = { ...rotation, previous: o2.cid };
    expect(checkChain(o2, replayed)).toMatchObject({ ok: false, code: 'ROTATION_CREATOR_MISMATCH' });
    // A rotation that says it replaces a key that did not sign its predecessor.
    const wrongFrom = await signManifest(
      { works: [] },
      {
        identity: recovery,
        head: { ...v2, issuer: other.did },
        rotation: true,
        nextKeyHashes: [nextKeyHashOfDid(spare.did)],
      },
    );
    expect(checkChain(v2, wrongFrom)).toMatchObject({ ok: false, code: 'ROTATION_CREATOR_MISMATCH' });
  });

  it('another key signing an ordinary version is still CHAIN_ISSUER_MISMATCH', async () => {
    const hijack = await signManifest({ default: { all: 'allow' } }, { identity: thief, head: v2 });
    expect(checkChain(v2, hijack)).toMatchObject({ ok: false, code: 'CHAIN_ISSUER_MISMATCH' });
  });
});

describe('the schema of the key fields', () => {
  async function withSubject(change: (s: Record<string, unknown>) => void, by = creator) {
    const doc = unsignedOf(v2) as { credentialSubject: Record<string, unknown> } & JsonObject;
    change(doc.credentialSubject);
    return verifyManifest(
      await createProof(doc, { secretKey: by.secretKey, verificationMethod: by.verificationMethod }),
    );
  }

  it('refuses a version 1 that names a creator or rotates', async () => {
    const doc = unsignedOf(v1) as { credentialSubject: Record<string, unknown> } & JsonObject;
    doc.credentialSubject.creator = recovery.did;
    const signed = await createProof(doc, {
      secretKey: creator.secretKey,
      verificationMethod: creator.verificationMethod,
    });
    expect(await verifyManifest(signed)).toMatchObject({ ok: false, code: 'MANIFEST_SCHEMA' });
  });

  it('refuses creator equal to the issuer, a rotation from its own key, bad or repeated hashes', async () => {
    expect(await withSubject((s) => (s.creator = creator.did))).toMatchObject({ code: 'MANIFEST_SCHEMA' });
    expect(
      await withSubject((s) => {
        s.rotation = { from: creator.did };
      }),
    ).toMatchObject({ ok: false, code: 'MANIFEST_SCHEMA' });
    expect(await withSubject((s) => (s.keyState = { nextKeyHashes: ['zQmNotAHash'] }))).toMatchObject({
      ok: false,
      code: 'MANIFEST_SCHEMA',
    });
    const hash = nextKeyHashOfDid(spare.did);
    expect(await withSubject((s) => (s.keyState = { nextKeyHashes: [hash, hash] }))).toMatchObject({
      ok: false,
      code: 'MANIFEST_SCHEMA',
    });
    expect(await withSubject((s) => (s.keyState = { nextKeyHashes: [hash], extra: true }))).toMatchObject({
      ok: false,
      code: 'MANIFEST_UNKNOWN_FIELD',
    });
  });
});
