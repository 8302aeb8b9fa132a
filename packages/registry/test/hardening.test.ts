import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  blockCid,
  generateIdentity,
  type Identity,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import type { Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { NextToLast } from 'blockstore-fs/sharding';
import { CID } from 'multiformats/cid';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BlockStore } from '../src/block-store.js';
import { createRegistry, type IngestResult, type Registry, SYNC_PROTOCOL } from '../src/index.js';
import { type EmbeddedNode, startNode } from '../src/node.js';
import { NodeState } from '../src/node-state.js';
import { killAllChildren, spawnRegistry, waitFor } from './child-registry.js';
import { startHostilePeer } from './support/hostile-peer.js';

/**
 * A node under attack and faults (issue 17): each test fails on the code before the node was
 * hardened. Real parts throughout: registries in this process and in child processes (SIGKILL is a
 * real kill), Helia nodes on 127.0.0.1, SQLite files and blocks in temp directories. The one fault
 * made by hand is a disk that refuses a write: a file where a shard directory must go (a real
 * failing mkdir, not a mock).
 */
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-registry-hardening-'));
  dirs.push(dir);
  return dir;
}
const open: (Registry | EmbeddedNode)[] = [];
afterEach(async () => {
  for (const node of open.splice(0)) await node.stop();
  await killAllChildren();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function registryAt(options: Parameters<typeof createRegistry>[0]): Promise<Registry> {
  const registry = await createRegistry(options);
  open.push(registry);
  return registry;
}

/** A manifest whose works are all in catalog pages: `pages` are its blocks, which only we hold. */
async function catalogManifest(identity: Identity, works = 40): Promise<SignedManifest> {
  const list = Array.from({ length: works }, (_, i) => ({
    ids: [`url:https://label.example/${identity.did.slice(-8)}/${i}`],
  }));
  return signManifest({ works: list }, { identity, inlineBudgetBytes: 0 });
}

const pagesOf = (m: SignedManifest) => m.pages.map((p) => p.bytes);

describe('ingest cannot be jammed', () => {
  it('an honest catalog publish answers and replicates while 20 posts wait for pages nobody has', async () => {
    const a = await registryAt({ dataDir: tempDir(), fetchTimeoutMs: 4_000 });
    const b = await spawnRegistry({ dataDir: tempDir(), peers: a.multiaddrs() });
    const jammers = await Promise.all(
      Array.from({ length: 20 }, async () => catalogManifest(await generateIdentity(), 5)),
    );
    let settled = 0;
    const jamming = jammers.map((m) =>
      a.ingest(m.bytes).then((result) => {
        settled++;
        return result;
      }),
    );
    const honest = await catalogManifest(await generateIdentity());
    const result = await a.ingest(honest.bytes, { pages: pagesOf(honest) });
    expect(result).toMatchObject({ ok: true, value: { status: 'added' } });
    // Answered before the jammers' fetches ran out: it did not wait behind them.
    const stillJamming = 20 - settled;
    expect(stillJamming).toBeGreaterThan(0);
    await waitFor(
      async () =>
        (await b.request<{ issuer: string } | null>('head', { did: honest.issuer })) ? true : undefined,
      'B to index the honest catalog',
    );
    expect(20 - settled).toBeGreaterThan(0);
    const results: IngestResult[] = await Promise.all(jamming);
    // Two fetch at a time and eight wait; the rest are turned away at once.
    expect(results.filter((r) => !r.ok && r.code === 'REGISTRY_BUSY').length).toBeGreaterThanOrEqual(10);
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(results.filter((r) => !r.ok && r.code === 'CATALOG_PAGE_MISSING').length).toBeGreaterThan(0);
  }, 90_000);
});

describe('a peer that floods announcements', () => {
  it('is penalized and disconnected, and honest replication goes on', async () => {
    const a = await registryAt({ dataDir: tempDir(), fetchTimeoutMs: 500 });
    const b = await spawnRegistry({ dataDir: tempDir(), peers: a.multiaddrs() });
    const hostile = await startHostilePeer(tempDir());
    try {
      await hostile.connect(a.multiaddrs()[0] as string);
      const flood = (async () => {
        for (let i = 0; i < 10_000; i++) {
          const random = crypto.getRandomValues(new Uint8Array(32));
          const sent = await hostile.announce(blockCid(random)).catch(() => []);
          if (sent.length === 0 && i > 100) break;
        }
      })();
      // Honest manifests published on B during the flood reach A.
      await b.request('stream', { count: 5, creators: 5 });
      await waitFor(
        () => (a.stats().manifests >= 5 ? true : undefined),
        'A to replicate B’s manifests',
        60_000,
      );
      await waitFor(() => (a.stats().penalized >= 1 ? true : undefined), 'A to penalize the flooder', 60_000);
      await flood;
      const stats = a.stats();
      expect(stats.penalized).toBe(1);
      // Disconnected, and refused when it dials again.
      await expect(hostile.connect(a.multiaddrs()[0] as string)).rejects.toThrow();
      expect(stats.connections).toBe(1);
    } finally {
      await hostile.stop();
    }
  }, 120_000);
});

describe('peerAllow', () => {
  it('admits only the listed peers, either way', async () => {
    const listed = await spawnRegistry({ dataDir: tempDir() });
    const other = await spawnRegistry({ dataDir: tempDir() });
    const node = await registryAt({
      dataDir: tempDir(),
      peers: [...listed.multiaddrs, ...other.multiaddrs],
      peerAllow: [listed.peerId],
    });
    await waitFor(
      () => (node.freshness().peers.find((p) => p.peer === listed.peerId)?.connected ? true : undefined),
      'the listed peer',
    );
    // A configured peer off the list is never dialed, and a stranger dialing in is refused.
    const stranger = await startHostilePeer(tempDir());
    try {
      await expect(stranger.connect(node.multiaddrs()[0] as string)).rejects.toThrow();
    } finally {
      await stranger.stop();
    }
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(node.freshness().peers.find((p) => p.peer === other.peerId)?.connected).toBe(false);
    expect(node.stats().connections).toBe(1);
  }, 60_000);
});

describe('forks and long histories', () => {
  it('bounds a creator’s branches and pages its history', async () => {
    const registry = await registryAt({ dataDir: tempDir(), network: false, maxBranches: 3 });
    const me = await generateIdentity();
    const v1 = await signManifest({ works: [{ ids: ['isrc:USRC17607839'] }] }, { identity: me });
    expect((await registry.ingest(v1.bytes)).ok).toBe(true);
    const branches: IngestResult[] = [];
    for (const n of [1, 2, 3, 4]) {
      const v2 = await signManifest(
        { works: [{ ids: [`isrc:USRC1760784${n}`] }] },
        { identity: me, head: v1 },
      );
      branches.push(await registry.ingest(v2.bytes));
    }
    expect(branches.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'ok', 'ok', 'FORK_LIMIT']);
    expect(registry.head(me.did)).toMatchObject({ forked: true });
    expect(registry.head(me.did)?.heads).toHaveLength(3);

    const long = await generateIdentity();
    let head: SignedManifest | undefined;
    for (let v = 1; v <= 25; v++) {
      head = await signManifest({ works: [] }, { identity: long, ...(head === undefined ? {} : { head }) });
      expect((await registry.ingest(head.bytes)).ok).toBe(true);
    }
    expect(registry.history(long.did, { after: 10, limit: 5 }).map((r) => r.version)).toEqual([
      11, 12, 13, 14, 15,
    ]);
    expect(registry.history(long.did)).toHaveLength(25);
    expect(() => registry.history(long.did, { limit: 1001 })).toThrow(RangeError);
  });
});

/** A peer whose catch-up log is what the test says it is, and who serves only the blocks it is given. */
async function logPeer(dir: string) {
  const blocks = new BlockStore(join(dir, 'blocks'), { fsync: false });
  await blocks.open();
  const node = await startNode({
    datastorePath: join(dir, 'datastore'),
    blocks,
    listen: ['/ip4/127.0.0.1/tcp/0'],
  });
  const log: string[] = [];
  await node.libp2p.handle(SYNC_PROTOCOL, async (stream: Stream) => {
    const lp = lpStream(stream);
    const request = JSON.parse(new TextDecoder().decode((await lp.read()).subarray())) as { after: number };
    const entries = log.map((cid, i) => [i + 1, cid] as const).filter(([seq]) => seq > request.after);
    await lp.write(new TextEncoder().encode(JSON.stringify({ epoch: 'log-peer', entries, more: false })));
    await stream.close();
  });
  return {
    node,
    address: node.libp2p.getMultiaddrs()[0]?.toString() as string,
    async add(manifest: SignedManifest) {
      await blocks.put(manifest.cid, manifest.bytes);
    },
    log,
  };
}

describe('catch-up loses nothing', () => {
  it('a manifest held for its previous version survives SIGKILL, though the cursor moved past it', async () => {
    const peer = await logPeer(tempDir());
    open.push(peer.node);
    const me = await generateIdentity();
    const v1 = await signManifest({ works: [{ ids: ['isrc:USRC17607839'] }] }, { identity: me });
    const v2 = await signManifest(
      { works: [{ ids: ['isrc:USRC17607839'] }], default: { all: 'deny' } },
      { identity: me, head: v1 },
    );
    // The peer logs v2 and serves it, but not v1 (yet).
    await peer.add(v2);
    peer.log.push(v2.cid);
    const dataDir = tempDir();
    const options = { dataDir, peers: [peer.address], fetchTimeoutMs: 1_000 };
    const first = await spawnRegistry(options);
    await waitFor(
      async () => ((await first.request<{ pending: number }>('stats')).pending === 1 ? true : undefined),
      'v2 to be held',
    );
    first.kill('SIGKILL');
    await first.exited;
    // Now the peer has v1 too, after v2 in its log: a node whose cursor passed v2 asks only for v1.
    await peer.add(v1);
    peer.log.push(v1.cid);
    const second = await spawnRegistry(options);
    const head = await waitFor(
      async () =>
        (await second.request<{ heads: { cid: string }[] } | null>('head', { did: me.did })) ?? undefined,
      'the node to index the chain',
    );
    await waitFor(
      async () =>
        (await second.request<{ heads: { cid: string }[] } | null>('head', { did: me.did }))?.heads[0]
          ?.cid === v2.cid
          ? true
          : undefined,
      'the held v2 to be indexed',
    );
    expect(head.heads.length).toBe(1);
    expect((await second.request<{ pending: number }>('stats')).pending).toBe(0);
  }, 90_000);

  it('held manifests are bounded per creator and expire', () => {
    const state = new NodeState(join(tempDir(), 'state.sqlite'), { fsync: false });
    try {
      const bounds = { maxHeld: 4, maxHeldBytes: 1_000_000, maxHeldPerCreator: 2 };
      const entry = (n: number, issuer: string, expires: number) => ({
        cid: `cid-${n}`,
        previous: `prev-${n}`,
        issuer,
        peer: 'p',
        bytes: new Uint8Array(10),
        expires,
      });
      expect(state.hold(entry(1, 'a', 100), bounds, 0)).toBe(true);
      expect(state.hold(entry(2, 'a', 100), bounds, 0)).toBe(true);
      expect(state.hold(entry(3, 'a', 100), bounds, 0)).toBe(false);
      expect(state.hold(entry(4, 'b', 100), bounds, 0)).toBe(true);
      expect(state.hold(entry(5, 'c', 100), bounds, 0)).toBe(true);
      expect(state.hold(entry(6, 'd', 200), bounds, 50)).toBe(false);
      // Once their time is up, room is made for new ones.
      expect(state.hold(entry(6, 'd', 300), bounds, 150)).toBe(true);
      expect(state.heldCount).toBe(1);
      expect(state.heldFor('prev-6').map((h) => h.cid)).toEqual(['cid-6']);
    } finally {
      state.close();
    }
  });

  it('after restoring an older blocks/ backup and a reindex, the node catches up with its peers', async () => {
    const source = await spawnRegistry({ dataDir: tempDir() });
    const dataDir = tempDir();
    const options = { dataDir, peers: source.multiaddrs };
    const me = await generateIdentity();
    const v1 = await signManifest({ works: [{ ids: ['isrc:USRC17607839'] }] }, { identity: me });
    const v2 = await signManifest(
      { works: [{ ids: ['isrc:USRC17607839'] }], default: { all: 'deny' } },
      { identity: me, head: v1 },
    );
    const base64 = (m: SignedManifest) => Buffer.from(m.bytes).toString('base64');
    await source.request('ingest', { bytes: base64(v1) });
    let node = await createRegistry(options);
    await waitFor(() => (node.head(me.did) !== undefined ? true : undefined), 'v1 to replicate');
    await node.stop();
    const backup = join(tempDir(), 'blocks');
    cpSync(join(dataDir, 'blocks'), backup, { recursive: true });
    await source.request('ingest', { bytes: base64(v2) });
    node = await createRegistry(options);
    await waitFor(() => (node.head(me.did)?.heads[0]?.cid === v2.cid ? true : undefined), 'v2 to replicate');
    await node.stop();
    rmSync(join(dataDir, 'blocks'), { recursive: true });
    cpSync(backup, join(dataDir, 'blocks'), { recursive: true });
    node = await createRegistry(options);
    open.push(node);
    expect(await node.reindex()).toMatchObject({ manifests: 1 });
    expect(node.head(me.did)?.heads[0]?.cid).toBe(v1.cid);
    await waitFor(() => (node.head(me.did)?.heads[0]?.cid === v2.cid ? true : undefined), 'v2 again');
  }, 90_000);
});

describe('what the node stores and serves', () => {
  it('never serves a block file that does not hash to its CID', async () => {
    const dataDir = tempDir();
    let registry = await createRegistry({ dataDir, network: false });
    const me = await generateIdentity();
    const v1 = await signManifest({ works: [{ ids: ['isrc:USRC17607839'] }] }, { identity: me });
    await registry.ingest(v1.bytes);
    await registry.stop();
    const { dir, file } = new NextToLast().encode(CID.parse(v1.cid));
    const path = join(dataDir, 'blocks', dir, file);
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    registry = await registryAt({ dataDir, network: false });
    expect(await registry.getBlock(v1.cid)).toBeUndefined();
    expect(await registry.lookupWorks(['isrc:USRC17607839'])).toEqual([]);
  });

  it('answers each manifest of a group commit for itself when some blocks cannot be written', async () => {
    const dataDir = tempDir();
    let registry = await createRegistry({ dataDir, network: false });
    const blocked = new Set<string>();
    const outcomes: { cid: string; issuer: string; code: string }[] = [];
    for (let round = 0; round < 6; round++) {
      let refused: SignedManifest | undefined;
      let stored: SignedManifest | undefined;
      // Two manifests whose blocks go to different shard directories; one directory cannot be made.
      while (refused === undefined || stored === undefined) {
        const m = await signManifest(
          {
            works: [
              {
                ids: [`url:https://store.example/${round}/${crypto.randomUUID()}`],
              },
            ],
          },
          { identity: await generateIdentity() },
        );
        const shard = new NextToLast().encode(CID.parse(m.cid)).dir;
        // A shard an earlier round already stored a block in exists as a directory: not one to block.
        const used = existsSync(join(dataDir, 'blocks', shard));
        if (refused === undefined && !blocked.has(shard) && !used) {
          blocked.add(shard);
          mkdirSync(join(dataDir, 'blocks'), { recursive: true });
          writeFileSync(join(dataDir, 'blocks', shard), 'not a directory');
          refused = m;
        } else if (!blocked.has(shard)) stored = m;
      }
      const results = await Promise.all([registry.ingest(refused.bytes), registry.ingest(stored.bytes)]);
      outcomes.push({
        cid: refused.cid,
        issuer: refused.issuer,
        code: results[0].ok ? 'ok' : results[0].code,
      });
      outcomes.push({ cid: stored.cid, issuer: stored.issuer, code: results[1].ok ? 'ok' : results[1].code });
    }
    expect(outcomes.filter((_, i) => i % 2 === 0).every((o) => o.code === 'REGISTRY_STORAGE_FAILED')).toBe(
      true,
    );
    expect(outcomes.filter((_, i) => i % 2 === 1).every((o) => o.code === 'ok')).toBe(true);
    // After a restart (which reconciles the journal) and a reindex, the answers still hold.
    await registry.stop();
    registry = await registryAt({ dataDir, network: false });
    await registry.reindex();
    for (const o of outcomes) expect(registry.head(o.issuer) !== undefined, o.code).toBe(o.code === 'ok');
  });
});

describe('freshness', () => {
  it('a node cut off from its configured peer stops moving asOf forward', async () => {
    const peer = await spawnRegistry({ dataDir: tempDir() });
    const alone = await registryAt({ dataDir: tempDir(), network: false });
    expect(Date.now() - Date.parse(alone.freshness().asOf)).toBeLessThan(60_000);
    const node = await registryAt({ dataDir: tempDir(), peers: peer.multiaddrs });
    const synced = await waitFor(
      () => node.freshness().peers.find((p) => p.lastSync !== null && p.connected),
      'a catch-up with the peer',
    );
    expect(synced.address).toBe(peer.multiaddrs[0]);
    peer.kill('SIGKILL');
    await peer.exited;
    await waitFor(
      () => (node.freshness().peers[0]?.connected === false ? true : undefined),
      'the disconnect',
    );
    const asOf = node.freshness().asOf;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(node.freshness().asOf).toBe(asOf);
    expect(asOf).toBe(node.freshness().peers[0]?.lastSync);
    expect(
      multiaddr(peer.multiaddrs[0] as string)
        .getComponents()
        .at(-1)?.value,
    ).toBe(node.freshness().peers[0]?.peer);
  }, 60_000);
});
