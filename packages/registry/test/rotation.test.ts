/**
 * A node holds a creator across its keys (docs/spec/manifest.md §5.5): rotated chains are ingested by
 * the chain's key rules, heads and history are the creator's whichever of its keys is asked, a
 * recovery that forks from an earlier version is kept beside the branch it leaves, and an index
 * written before creators existed is brought up to date when the node opens.
 * Real registries: blocks on disk and SQLite in temp directories, no network.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateIdentity,
  type Identity,
  nextKeyHashOfDid,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, type Registry } from '../src/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-registry-rotation-'));
  dirs.push(dir);
  return dir;
}

let registry: Registry;
let creator: Identity;
let recovery: Identity;
let spare: Identity;
let thief: Identity;
let v1: SignedManifest;
let v2: SignedManifest;

beforeAll(async () => {
  registry = await createRegistry({ dataDir: tempDir(), network: false, links: false });
  [creator, recovery, spare, thief] = await Promise.all([
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
  ]);
  v1 = await signManifest(
    { default: { 'train-genai': 'deny' }, works: [{ ids: ['isrc:USRC17607839'] }] },
    { identity: creator, nextKeyHashes: [nextKeyHashOfDid(recovery.did)] },
  );
  v2 = await signManifest(
    { default: { 'train-genai': 'deny', search: 'allow' }, works: [{ ids: ['isrc:USRC17607839'] }] },
    { identity: creator, head: v1 },
  );
  for (const m of [v1, v2]) expect(await registry.ingest(m.bytes)).toMatchObject({ ok: true });
});

afterAll(async () => {
  await registry?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('a rotated chain on a node', () => {
  it('refuses a rotation to a key the chain did not commit to, and an ordinary version by another key', async () => {
    const uncommitted = await signManifest(
      { default: { all: 'allow' } },
      { identity: thief, head: v2, rotation: true, nextKeyHashes: [nextKeyHashOfDid(thief.did)] },
    );
    expect(await registry.ingest(uncommitted.bytes)).toMatchObject({
      ok: false,
      code: 'NEXT_KEY_NOT_COMMITTED',
    });
    const hijack = await signManifest({ default: { all: 'allow' } }, { identity: recovery, head: v2 });
    expect(await registry.ingest(hijack.bytes)).toMatchObject({ ok: false, code: 'CHAIN_ISSUER_MISMATCH' });
    expect(registry.head(creator.did)?.heads.map((h) => h.cid)).toEqual([v2.cid]);
  });

  it('ingests a rotation and the rotated key’s versions; any key of the creator answers for it', async () => {
    const v3 = await signManifest(
      { default: { 'train-genai': 'deny' }, works: [{ ids: ['isrc:USRC17607839'] }] },
      { identity: recovery, head: v2, rotation: true, nextKeyHashes: [nextKeyHashOfDid(spare.did)] },
    );
    const v4 = await signManifest(
      { default: { 'train-genai': 'deny', search: 'deny' }, works: [{ ids: ['isrc:USRC17607839'] }] },
      { identity: recovery, head: v3 },
    );
    for (const m of [v3, v4]) expect(await registry.ingest(m.bytes)).toMatchObject({ ok: true });
    for (const key of [creator.did, recovery.did]) {
      const heads = registry.head(key);
      expect(heads).toMatchObject({ issuer: key, creator: creator.did, forked: false });
      expect(heads?.heads.map((h) => [h.cid, h.issuer])).toEqual([[v4.cid, recovery.did]]);
      expect(registry.history(key).map((r) => r.version)).toEqual([1, 2, 3, 4]);
    }
    // The lookup offers the rotated head, which names the work now; the creator's old head is superseded.
    const found = await registry.lookupWorks(['isrc:USRC17607839']);
    expect(found.map((c) => c.cid)).toEqual([v4.cid]);
  });

  it('keeps a recovery that forks from an earlier version beside the branch it leaves, as one creator', async () => {
    const owner = await generateIdentity();
    const backup = await generateIdentity();
    const o1 = await signManifest(
      { default: { 'train-genai': 'deny' }, works: [{ ids: ['isrc:GBAYE0601498'] }] },
      { identity: owner, nextKeyHashes: [nextKeyHashOfDid(backup.did)] },
    );
    // The thief, holding the owner's key, grants everything…
    const stolen = await signManifest(
      { default: { all: 'allow' }, works: [{ ids: ['isrc:GBAYE0601498'] }] },
      { identity: owner, head: o1 },
    );
    // …and the owner recovers from version 1 with the recovery key.
    const recovered = await signManifest(
      { default: { all: 'deny' }, works: [{ ids: ['isrc:GBAYE0601498'] }] },
      { identity: backup, head: o1, rotation: true, nextKeyHashes: [nextKeyHashOfDid(spare.did)] },
    );
    for (const m of [o1, stolen, recovered])
      expect(await registry.ingest(m.bytes)).toMatchObject({ ok: true });
    const heads = registry.head(backup.did);
    expect(heads).toMatchObject({ creator: owner.did, forked: true });
    expect(new Set(heads?.heads.map((h) => h.cid))).toEqual(new Set([stolen.cid, recovered.cid]));
    // A check is offered both branches, to weigh them (the verifier's rule).
    const found = await registry.lookupWorks(['isrc:GBAYE0601498']);
    expect(new Set(found.map((c) => c.cid))).toEqual(new Set([stolen.cid, recovered.cid]));
  });
});

describe('a rotated chain between two nodes', () => {
  /** Polls `probe` until it returns true (replication is asynchronous). */
  async function waitFor(probe: () => boolean, what: string, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('reaches the peer whole: the rotation, the rotated key’s versions, and the creator behind every key', async () => {
    // Two nodes in this process, Helia and libp2p on 127.0.0.1.
    const a = await createRegistry({ dataDir: tempDir(), links: false });
    const b = await createRegistry({ dataDir: tempDir(), links: false, peers: a.multiaddrs() });
    try {
      await waitFor(() => a.stats().connections > 0 && b.stats().connections > 0, 'A and B connected');
      const owner = await generateIdentity();
      const backup = await generateIdentity();
      const work = 'isrc:QZRPL2600001';
      const o1 = await signManifest(
        { works: [{ ids: [work], policy: { 'train-genai': 'deny' } }] },
        { identity: owner, nextKeyHashes: [nextKeyHashOfDid(backup.did)] },
      );
      const o2 = await signManifest(
        { works: [{ ids: [work], policy: { 'train-genai': 'deny' } }] },
        { identity: backup, head: o1, rotation: true, nextKeyHashes: [nextKeyHashOfDid(spare.did)] },
      );
      const o3 = await signManifest(
        { works: [{ ids: [work], policy: { 'train-genai': 'allow' } }] },
        { identity: backup, head: o2 },
      );
      for (const m of [o1, o2, o3]) expect(await a.ingest(m.bytes)).toMatchObject({ ok: true });
      await waitFor(() => b.head(owner.did)?.heads[0]?.cid === o3.cid, 'the rotated head on B');
      expect(b.head(backup.did)).toMatchObject({ creator: owner.did, forked: false });
      expect(b.history(backup.did).map((r) => r.cid)).toEqual([o1.cid, o2.cid, o3.cid]);
      // B logged the versions itself, just now: the head's window is open, and B offers what it weighs.
      const found = await b.lookupWorks([work]);
      expect(found.map((c) => c.cid)).toEqual([o3.cid]);
      expect((await b.predecessorsOf(found, [work])).map((c) => c.cid)).toEqual([o2.cid, o1.cid]);
      // A forged rotation sent to A is refused there and never reaches B.
      const forged = await signManifest(
        { works: [{ ids: [work], policy: { all: 'allow' } }] },
        { identity: thief, head: o3, rotation: true, nextKeyHashes: [nextKeyHashOfDid(thief.did)] },
      );
      expect(await a.ingest(forged.bytes)).toMatchObject({ ok: false, code: 'NEXT_KEY_NOT_COMMITTED' });
      expect(await b.getBlock(forged.cid)).toBeUndefined();
    } finally {
      await b.stop();
      await a.stop();
    }
  }, 60_000);
});

describe('an index written before creators existed (schema 1)', () => {
  it('is brought to schema 2 when the node opens: every creator was its issuer, nothing is lost', async () => {
    const dataDir = tempDir();
    const first = await createRegistry({ dataDir, network: false, links: false });
    const a = await signManifest({ works: [{ ids: ['isrc:FRZ039800212'] }] }, { identity: creator });
    const b = await signManifest({ works: [{ ids: ['isrc:FRZ039800212'] }] }, { identity: creator, head: a });
    for (const m of [a, b]) expect(await first.ingest(m.bytes)).toMatchObject({ ok: true });
    await first.stop();
    // The previous release's table, rebuilt by hand (that release is not at hand to write it): no key
    // columns, the tips indexed by issuer, schema 1.
    const db = new Database(join(dataDir, 'index.sqlite'));
    db.exec(`
      DROP INDEX manifests_by_creator;
      DROP INDEX manifests_creator_tips;
      ALTER TABLE manifests DROP COLUMN creator;
      ALTER TABLE manifests DROP COLUMN key_state;
      ALTER TABLE manifests DROP COLUMN rotated_from;
      ALTER TABLE manifests DROP COLUMN logged_at;
      CREATE INDEX manifests_tips ON manifests (issuer) WHERE tip = 1;
      UPDATE meta SET value = '1' WHERE key = 'schema';
    `);
    db.close();
    const reopened = await createRegistry({ dataDir, network: false, links: false });
    try {
      expect(reopened.head(creator.did)).toMatchObject({ creator: creator.did, forked: false });
      expect(reopened.head(creator.did)?.heads.map((h) => h.cid)).toEqual([b.cid]);
      expect((await reopened.lookupWorks(['isrc:FRZ039800212'])).map((c) => c.cid)).toEqual([b.cid]);
      const c = await signManifest({ works: [] }, { identity: creator, head: b });
      expect(await reopened.ingest(c.bytes)).toMatchObject({ ok: true });
    } finally {
      await reopened.stop();
    }
    const check = new Database(join(dataDir, 'index.sqlite'), { readonly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get()).toBe('2');
    // When the old manifests were first logged is unknown; the one ingested since has its time.
    const times = check.prepare('SELECT cid, logged_at FROM manifests ORDER BY version').raw().all();
    expect(times.slice(0, 2)).toEqual([
      [a.cid, null],
      [b.cid, null],
    ]);
    expect(typeof (times[2] as unknown[])[1]).toBe('number');
    check.close();
  });
});
