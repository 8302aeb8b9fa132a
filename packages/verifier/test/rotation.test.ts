/**
 * The verifier and rotated keys (docs/spec/manifest.md §5.5): a manifest signed by a rotated key
 * speaks for the creator it names only once its chain back to version 1 is proven through the
 * source's blocks; rollback memory, claimants and ranking are the creator's across its keys; a forged
 * rotation counts for nothing; a chain the source cannot show leaves the manifest speaking for its
 * own key (`KEY_CHAIN_UNPROVEN`), and is tried again.
 * Bindings are docs/decisions.md §7's subject, not this file's: checks here set `requireBinding: false`
 * except where a test says otherwise.
 */
import {
  generateIdentity,
  type Identity,
  nextKeyHashOfDid,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CandidateSet,
  createVerifier,
  type ManifestSource,
  memorySource,
  memoryState,
} from '../src/index.js';

const WORK = 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const UNBOUND = { requireBinding: false } as const;

let creator: Identity;
let recovery: Identity;
let spare: Identity;
let thief: Identity;
/** Version 1 by the creator's key (deny), committing to the recovery key. */
let v1: SignedManifest;
/** Version 2: the recovery key rotates the creator (still deny). */
let v2: SignedManifest;
/** Version 3 by the rotated key: allow. */
let v3: SignedManifest;

beforeAll(async () => {
  [creator, recovery, spare, thief] = await Promise.all([
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
  ]);
  v1 = await signManifest(
    { works: [{ ids: [WORK], policy: { 'train-genai': 'deny' } }] },
    { identity: creator, nextKeyHashes: [nextKeyHashOfDid(recovery.did)] },
  );
  v2 = await signManifest(
    { works: [{ ids: [WORK], policy: { 'train-genai': 'deny' } }] },
    { identity: recovery, head: v1, rotation: true, nextKeyHashes: [nextKeyHashOfDid(spare.did)] },
  );
  v3 = await signManifest(
    { works: [{ ids: [WORK], policy: { 'train-genai': 'allow' } }] },
    { identity: recovery, head: v2 },
  );
});

/** A source offering exactly `heads` for the work, and `blocks` by CID (none: no `block` at all). */
function sourceOf(
  heads: readonly SignedManifest[],
  blocks?: (cid: string) => Uint8Array | undefined,
): ManifestSource {
  const answer: CandidateSet = { manifests: heads.map((m) => ({ cid: m.cid, bytes: m.bytes })) };
  const source: ManifestSource = { candidates: async () => answer };
  return blocks === undefined ? source : { ...source, block: async (cid) => blocks(cid) };
}

const byCid = (...manifests: SignedManifest[]) => {
  const map = new Map(manifests.map((m) => [m.cid, m.bytes]));
  return (cid: string) => map.get(cid);
};

describe('a rotated creator', () => {
  it('decides by the rotated key’s newest version, as one creator with evidence naming both keys', async () => {
    const verifier = createVerifier({ source: memorySource([v1, v2, v3]), identity: UNBOUND });
    const result = await verifier.check({ work: WORK, use: 'train-genai' });
    expect(result.decision).toBe('allow');
    expect(result.disputed).toBe(false);
    expect(result.evidence).toEqual([
      expect.objectContaining({ cid: v3.cid, issuer: recovery.did, creator: creator.did, version: 3 }),
    ]);
    expect(result.claimants.map((c) => c.issuer)).toEqual([creator.did]);
    expect(result.warnings).toEqual([]);
  });

  it('9. remembers the creator across its keys: an older version by the first key is a rollback', async () => {
    const state = memoryState();
    const first = createVerifier({ source: memorySource([v1, v2, v3]), state, identity: UNBOUND });
    expect((await first.check({ work: WORK, use: 'train-genai' })).decision).toBe('allow');
    // A source that shows only version 1 (by the creator's first key): version 3 was seen, and decides.
    const second = createVerifier({ source: sourceOf([v1], byCid(v1, v2, v3)), state, identity: UNBOUND });
    const result = await second.check({ work: WORK, use: 'train-genai' });
    expect(result.warnings.map((w) => [w.code, w.issuer])).toEqual([['ROLLBACK_DETECTED', creator.did]]);
    // The remembered head is not in this verifier's cache: it decides as unavailable (deny).
    expect(result.decision).toBe('deny');
    expect(result.evidence[0]).toMatchObject({ cid: v3.cid, rule: 'content-unavailable' });
  });

  it('ranks the creator’s claim once, whichever keys signed its branches', async () => {
    // A recovery that forks from version 1 beside version 2: two branches of one creator, not two creators.
    const recovered = await signManifest(
      { works: [{ ids: [WORK], policy: { 'train-genai': 'allow' } }] },
      { identity: recovery, head: v1, rotation: true, nextKeyHashes: [nextKeyHashOfDid(thief.did)] },
    );
    const stolen = await signManifest(
      { works: [{ ids: [WORK], policy: { all: 'deny' } }] },
      { identity: creator, head: v1 },
    );
    const verifier = createVerifier({
      source: sourceOf([stolen, recovered], byCid(v1, stolen, recovered)),
      identity: UNBOUND,
    });
    const result = await verifier.check({ work: WORK, use: 'train-genai' });
    expect(result.claimants.map((c) => c.issuer)).toEqual([creator.did]);
    expect(result.warnings.map((w) => w.code)).toEqual(['FORKED']);
    expect(result.decision).toBe('deny');
    expect(result.disputed).toBe(true);
  });
});

describe('rotations that do not hold', () => {
  it('a forged rotation (a key nobody committed to) is rejected and counts for nothing', async () => {
    const forged = await signManifest(
      { works: [{ ids: [WORK], policy: { all: 'allow' } }] },
      { identity: thief, head: v1, rotation: true, nextKeyHashes: [nextKeyHashOfDid(thief.did)] },
    );
    const verifier = createVerifier({ source: sourceOf([forged], byCid(v1, forged)), identity: UNBOUND });
    const result = await verifier.check({ work: WORK, use: 'train-genai' });
    expect(result.decision).toBe('unknown');
    expect(result.rule).toBe('no-claimant');
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: 'MANIFEST_REJECTED',
        cid: forged.cid,
        message: expect.stringContaining('NEXT_KEY_NOT_COMMITTED'),
      }),
    ]);
    // Refused from then on, without walking its chain again.
    const again = await verifier.check({ work: WORK, use: 'train-genai' });
    expect(again.warnings.map((w) => w.code)).toEqual(['MANIFEST_REJECTED']);
  });

  it('a manifest naming a creator whose version 1 is another key’s is rejected (ROTATION_CREATOR_MISMATCH)', async () => {
    // The thief's own chain, committed to the thief's second key, whose rotation names the creator.
    const t1 = await signManifest(
      { works: [] },
      { identity: thief, nextKeyHashes: [nextKeyHashOfDid(spare.did)] },
    );
    const claim = await signManifest(
      { works: [{ ids: [WORK], policy: { all: 'allow' } }] },
      {
        identity: spare,
        head: { ...t1, creator: creator.did },
        rotation: true,
        nextKeyHashes: [nextKeyHashOfDid(thief.did)],
      },
    );
    const verifier = createVerifier({ source: sourceOf([claim], byCid(t1, claim)), identity: UNBOUND });
    const result = await verifier.check({ work: WORK, use: 'train-genai' });
    expect(result.decision).toBe('unknown');
    expect(result.warnings[0]).toMatchObject({
      code: 'MANIFEST_REJECTED',
      message: expect.stringContaining('ROTATION_CREATOR_MISMATCH'),
    });
  });

  it('a chain the source cannot show leaves the manifest speaking for its own key, and is tried again', async () => {
    let shown = false;
    const blocks = byCid(v1, v2, v3);
    const verifier = createVerifier({
      source: sourceOf([v3], (cid) => (shown ? blocks(cid) : undefined)),
      // Bindings required (the default): a key no binding names cannot grant.
      identity: {},
    });
    const unproven = await verifier.check({ work: WORK, use: 'train-genai' });
    expect(unproven.warnings.map((w) => w.code).sort()).toEqual([
      'INSUFFICIENT_BINDING',
      'KEY_CHAIN_UNPROVEN',
    ]);
    expect(unproven.claimants.map((c) => c.issuer)).toEqual([recovery.did]);
    expect(unproven.evidence[0]).not.toHaveProperty('creator');
    expect(unproven.decision).toBe('unknown');
    shown = true;
    const proven = await verifier.check({ work: WORK, use: 'train-genai' });
    expect(proven.claimants.map((c) => c.issuer)).toEqual([creator.did]);
    expect(proven.evidence[0]).toMatchObject({ issuer: recovery.did, creator: creator.did });
    expect(proven.warnings.map((w) => w.code)).not.toContain('KEY_CHAIN_UNPROVEN');
  });

  it('a source answering a block with other bytes leaves the chain unproven, not the manifest refused', async () => {
    let honest = false;
    const blocks = byCid(v1, v2, v3);
    const verifier = createVerifier({
      source: sourceOf([v3], (cid) => (honest ? blocks(cid) : v1.bytes)),
      identity: UNBOUND,
    });
    const lied = await verifier.check({ work: WORK, use: 'train-genai' });
    expect(lied.warnings.map((w) => [w.code, w.message.includes('hash to another CID')])).toEqual([
      ['KEY_CHAIN_UNPROVEN', true],
    ]);
    honest = true;
    const proven = await verifier.check({ work: WORK, use: 'train-genai' });
    expect(proven.warnings).toEqual([]);
    expect(proven.claimants.map((c) => c.issuer)).toEqual([creator.did]);
  });

  it('a source without blocks at all: KEY_CHAIN_UNPROVEN, and the deny of the rotated key still counts', async () => {
    const verifier = createVerifier({ source: sourceOf([v2]), identity: UNBOUND });
    const result = await verifier.check({ work: WORK, use: 'train-genai' });
    expect(result.decision).toBe('deny');
    expect(result.claimants.map((c) => c.issuer)).toEqual([recovery.did]);
    expect(result.warnings.map((w) => w.code)).toEqual(['KEY_CHAIN_UNPROVEN']);
  });
});
