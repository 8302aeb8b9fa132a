/**
 * The node's transparency log over a real registry (SQLite in a temp directory, no network): one leaf
 * per acknowledged manifest, checkpoints signed by the node's log key, kept across reindex and
 * restarts. Oracles: hand-written JCS of the leaf records, the in-memory RFC 6962 tree of
 * `@assent/tlog` (checked against transparency-dev's vectors) and its note verifier (checked against
 * Go's sumdb/note vectors).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type SignedManifest, signManifest } from '@assent/manifest';
import {
  createMerkleTree,
  createNoteVerifier,
  encodeBase64,
  hashLeaf,
  parseEntryBundle,
  parseVkey,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '@assent/tlog';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRegistry, type Registry } from '../src/index.js';

const dirs: string[] = [];
const open: Registry[] = [];

afterEach(async () => {
  for (const r of open.splice(0)) await r.stop();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-node-log-'));
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string, extra: { logOrigin?: string } = {}): Promise<Registry> {
  const registry = await createRegistry({ dataDir, network: false, ...extra });
  open.push(registry);
  return registry;
}

async function stopped(registry: Registry): Promise<void> {
  open.splice(open.indexOf(registry), 1);
  await registry.stop();
}

/** `count` manifests over one creator's chain. */
async function chain(count: number): Promise<SignedManifest[]> {
  const identity = await generateIdentity();
  const out: SignedManifest[] = [];
  for (let i = 0; i < count; i++) {
    const head = out.at(-1);
    out.push(
      await signManifest(
        { works: [{ ids: [`isrc:QZLOG26${String(i).padStart(5, '0')}`], policy: { 'train-ai': 'deny' } }] },
        { identity, ...(head === undefined ? {} : { head }) },
      ),
    );
  }
  return out;
}

async function verifiedCheckpoint(registry: Registry, note: string) {
  const vkey = parseVkey(registry.log.vkey);
  if (!vkey.ok) throw new Error(vkey.message);
  const verified = await verifyCheckpoint(note, { log: [createNoteVerifier(vkey.value)] });
  if (!verified.ok) throw new Error(`${verified.code}: ${verified.message}`);
  return verified.value;
}

describe('node log', () => {
  it('appends one JCS leaf per acknowledged manifest, in the order acknowledged, and none for a duplicate', async () => {
    const registry = await start(tempDir());
    const [v1, v2] = await chain(2);
    expect(registry.log.size()).toBe(0);
    for (const m of [v1, v2, v1] as SignedManifest[]) expect((await registry.ingest(m.bytes)).ok).toBe(true);
    expect(registry.log.size()).toBe(2);
    const m1 = v1 as SignedManifest;
    const m2 = v2 as SignedManifest;
    expect(registry.log.indexOf(m1.cid)).toBe(0);
    expect(registry.log.indexOf(m2.cid)).toBe(1);
    // RFC 8785 by hand: keys sorted, no spaces; `previous` absent for a first version.
    expect(new TextDecoder().decode(registry.log.leaf(0))).toBe(
      `{"cid":"${m1.cid}","creator":"${m1.issuer}","issuer":"${m1.issuer}","t":"manifest","version":1}`,
    );
    expect(new TextDecoder().decode(registry.log.leaf(1))).toBe(
      `{"cid":"${m2.cid}","creator":"${m2.issuer}","issuer":"${m2.issuer}","previous":"${m1.cid}","t":"manifest","version":2}`,
    );
  });

  it('signs checkpoints with its log key; every leaf proves inclusion under them', async () => {
    const registry = await start(tempDir());
    const manifests = await chain(5);
    const checkpoints = [registry.log.checkpoint()];
    for (const m of manifests) {
      expect((await registry.ingest(m.bytes)).ok).toBe(true);
      checkpoints.push(await registry.log.checkpointCovering(registry.log.size()));
    }
    expect(checkpoints.map((c) => c.size)).toEqual([0, 1, 2, 3, 4, 5]);
    const leaves = manifests.map(
      (m) => registry.log.leaf(registry.log.indexOf(m.cid) as number) as Uint8Array,
    );
    const memory = createMerkleTree(leaves.map(hashLeaf));
    for (const c of checkpoints) {
      const verified = await verifiedCheckpoint(registry, c.note);
      expect(verified.origin).toBe(registry.log.origin);
      expect(verified.size).toBe(c.size);
      expect(encodeBase64(verified.root)).toBe(encodeBase64(memory.root(c.size)));
      for (let index = 0; index < c.size; index++) {
        const proof = registry.log.inclusionProof(index, c.size);
        const leafHash = hashLeaf(leaves[index] as Uint8Array);
        expect(verifyInclusion({ index, size: c.size, leafHash, proof, root: verified.root }).ok).toBe(true);
      }
      if (c.size > 0) {
        const proof = registry.log.consistencyProof(c.size, 5);
        expect(
          verifyConsistency({ size1: c.size, size2: 5, root1: verified.root, root2: memory.root(), proof })
            .ok,
        ).toBe(true);
      }
    }
  });

  it('signs a checkpoint by itself within the interval while the log grows', async () => {
    const dataDir = tempDir();
    const registry = await createRegistry({ dataDir, network: false, checkpointIntervalMs: 50 });
    open.push(registry);
    for (const m of await chain(3)) await registry.ingest(m.bytes);
    const deadline = Date.now() + 10_000;
    while (registry.log.checkpoint().size < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(registry.log.checkpoint().size).toBe(3);
  });

  it('keeps the log, keys and latest checkpoint across reindex and restart', async () => {
    const dataDir = tempDir();
    let registry = await start(dataDir);
    const manifests = await chain(4);
    for (const m of manifests) await registry.ingest(m.bytes);
    const checkpoint = await registry.log.checkpointCovering(4);
    const root = registry.log.root(4);
    const { origin, vkey, witnessVkey } = registry.log;
    const did = registry.identity.did;

    await registry.reindex();
    expect(registry.log.size()).toBe(4);
    expect(registry.log.root(4)).toEqual(root);

    await stopped(registry);
    registry = await start(dataDir);
    expect([registry.log.origin, registry.log.vkey, registry.log.witnessVkey, registry.identity.did]).toEqual(
      [origin, vkey, witnessVkey, did],
    );
    expect(registry.log.checkpoint()).toEqual(checkpoint);
    expect(registry.log.size()).toBe(4);
    // The node's keys are readable by its owner only.
    expect(statSync(join(dataDir, 'node-key.json')).mode & 0o777).toBe(0o600);
    await stopped(registry);
    await expect(start(dataDir, { logOrigin: 'example.org/assent/log' })).rejects.toMatchObject({
      code: 'REGISTRY_LOG_ORIGIN_FIXED',
    });
  });

  it('logs the manifests of a data directory from before the log when it opens it', async () => {
    const dataDir = tempDir();
    let registry = await start(dataDir);
    const manifests = await chain(3);
    for (const m of manifests) await registry.ingest(m.bytes);
    await stopped(registry);
    // A data directory written before nodes kept a log: the same index with empty log tables (made
    // here by emptying them, since no older node can be run).
    const db = new Database(join(dataDir, 'index.sqlite'));
    db.exec('DELETE FROM log_leaves; DELETE FROM log_hashes; DELETE FROM log_checkpoint;');
    db.close();
    registry = await start(dataDir);
    expect(registry.log.size()).toBe(3);
    for (const m of manifests) expect(registry.log.indexOf(m.cid)).toBeDefined();
    const checkpoint = await verifiedCheckpoint(registry, registry.log.checkpoint().note);
    expect(checkpoint.size).toBe(3);
  });

  it('takes its origin from the first start and names its keys after it', async () => {
    const registry = await start(tempDir(), { logOrigin: 'example.org/assent/log' });
    expect(registry.log.origin).toBe('example.org/assent/log');
    expect(registry.log.vkey.startsWith('example.org/assent/log+')).toBe(true);
    expect(registry.log.witnessVkey.startsWith('example.org/assent/log/witness+')).toBe(true);
    const verified = await verifiedCheckpoint(registry, registry.log.checkpoint().note);
    expect(verified.origin).toBe('example.org/assent/log');
  });

  it('serves tlog-tiles: full and partial hash tiles and entry bundles', async () => {
    const registry = await start(tempDir());
    const manifests = await chain(300);
    for (const m of manifests) expect((await registry.ingest(m.bytes)).ok).toBe(true);
    const leaves = Array.from({ length: 300 }, (_, i) => registry.log.leaf(i) as Uint8Array);
    const full = registry.log.hashTile(0, 0) as Uint8Array;
    expect(full.length).toBe(256 * 32);
    expect(full.subarray(32 * 255)).toEqual(hashLeaf(leaves[255] as Uint8Array));
    const partial = registry.log.hashTile(0, 1, 44) as Uint8Array;
    expect(partial.length).toBe(44 * 32);
    expect(partial.subarray(0, 32)).toEqual(hashLeaf(leaves[256] as Uint8Array));
    expect(registry.log.hashTile(0, 1, 45)).toBeUndefined();
    expect(registry.log.hashTile(1, 0)).toBeUndefined();
    const bundle = parseEntryBundle(registry.log.entryBundle(1, 44) as Uint8Array, 44);
    expect(bundle.ok && bundle.value.map((e) => new TextDecoder().decode(e))).toEqual(
      leaves.slice(256).map((e) => new TextDecoder().decode(e)),
    );
  });
});
