import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity, type SignedManifest, signManifest } from '@assent/manifest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreatorHeads } from '../src/index.js';
import { type ChildRegistry, killAllChildren, spawnRegistry, waitFor } from './child-registry.js';
import { startHostilePeer } from './support/hostile-peer.js';

// Every node here runs in its own process: real Helia, libp2p over TCP on 127.0.0.1, SQLite on disk.
// The scripted peer P of the last tests (support/hostile-peer.ts) is a real libp2p + Helia node in this
// process that serves the blocks it is given, announces what it is told and answers catch-ups with a
// given log.

/**
 * The periodic catch-up of the nodes in the tests of prompt replication: far beyond their deadline, so
 * that reaching the newest version in time shows that the prompt paths did it, not the timer.
 */
const NEVER_MS = 60_000;
const PROMPTLY_MS = 15_000;

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-registry-repl-'));
  dirs.push(dir);
  return dir;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

async function headVersion(node: ChildRegistry, did: string): Promise<number | undefined> {
  const head = await node.request<CreatorHeads | null>('head', { did });
  return head?.heads[0]?.version;
}

let me: Identity;
let v1: SignedManifest;
let v2: SignedManifest;
let v3: SignedManifest;

beforeAll(async () => {
  me = await generateIdentity();
  v1 = await signManifest({ works: [{ ids: ['isrc:USRC17607839'] }] }, { identity: me });
  // v2 carries a catalog page, so replication also fetches pages over bitswap.
  v2 = await signManifest(
    {
      default: { 'train-genai': 'deny' },
      works: Array.from({ length: 200 }, (_, i) => ({
        ids: [`url:https://music.example/the-flight/track-${i}`],
        title: `Track ${i} ${'x'.repeat(200)}`,
      })),
    },
    { identity: me, head: v1, inlineBudgetBytes: 1024 },
  );
  v3 = await signManifest({ default: { all: 'deny' }, works: [] }, { identity: me, head: v2 });
  expect(v2.pages.length).toBeGreaterThan(0);
});

afterEach(async () => {
  await killAllChildren();
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('replication between processes', () => {
  it('a manifest ingested on A is indexed on B, and on C which only peers with B; pages included', async () => {
    const a = await spawnRegistry({ dataDir: tempDir() });
    const b = await spawnRegistry({ dataDir: tempDir(), peers: a.multiaddrs });
    const c = await spawnRegistry({ dataDir: tempDir(), peers: b.multiaddrs });
    await waitFor(
      async () => ((await b.request<{ connections: number }>('stats')).connections >= 2 ? true : undefined),
      'B connected to A and C',
    );

    expect(await a.request('ingest', { bytes: b64(v1.bytes) })).toMatchObject({
      ok: true,
      value: { status: 'added', version: 1 },
    });
    await waitFor(async () => ((await headVersion(b, me.did)) === 1 ? true : undefined), 'v1 on B');
    await waitFor(async () => ((await headVersion(c, me.did)) === 1 ? true : undefined), 'v1 on C');

    expect(
      await a.request('ingest', { bytes: b64(v2.bytes), pages: v2.pages.map((p) => b64(p.bytes)) }),
    ).toMatchObject({ ok: true, value: { status: 'added', version: 2 } });
    await waitFor(async () => ((await headVersion(c, me.did)) === 2 ? true : undefined), 'v2 on C');

    // C answers lookups from the replicated catalog page, byte-exact.
    const found = await c.request<{ cid: string; bytes: string; pages: string[] }[]>('lookup', {
      ids: ['url:https://music.example/the-flight/track-150'],
    });
    expect(found).toHaveLength(1);
    expect(found[0]?.cid).toBe(v2.cid);
    expect(found[0]?.bytes).toBe(b64(v2.bytes));
    expect(found[0]?.pages.length).toBe(1);
    expect(v2.pages.map((p) => p.cid)).toContain(found[0]?.pages[0]);
    const history = await c.request<{ cid: string }[]>('history', { did: me.did });
    expect(history.map((m) => m.cid)).toEqual([v1.cid, v2.cid]);
  }, 90_000);

  it('a node offline during a publish catches up when it comes back', async () => {
    const a = await spawnRegistry({ dataDir: tempDir() });
    const bDir = tempDir();
    let b = await spawnRegistry({ dataDir: bDir, peers: a.multiaddrs });
    await a.request('ingest', { bytes: b64(v1.bytes) });
    await waitFor(async () => ((await headVersion(b, me.did)) === 1 ? true : undefined), 'v1 on B');

    await b.stop();
    await a.request('ingest', { bytes: b64(v2.bytes), pages: v2.pages.map((p) => b64(p.bytes)) });
    await a.request('ingest', { bytes: b64(v3.bytes) });

    b = await spawnRegistry({ dataDir: bDir, peers: a.multiaddrs });
    await waitFor(async () => ((await headVersion(b, me.did)) === 3 ? true : undefined), 'v3 on B');
    const history = await b.request<{ cid: string }[]>('history', { did: me.did });
    expect(history.map((m) => m.cid)).toEqual([v1.cid, v2.cid, v3.cid]);
    // v3 is a snapshot with no works: the catalog of v2 no longer names anything.
    expect(await b.request('lookup', { ids: ['url:https://music.example/the-flight/track-1'] })).toEqual([]);
  }, 90_000);

  it('a node told of only the newest versions of a chain gets the older ones at once, not at the next catch-up', async () => {
    // Four versions; the one peer that has them (P) lists only v3 and v4 in its log (the others come
    // before B's cursor, say) and announces nothing. B fetches one block at a time from it, so that a
    // fetch that hangs stops everything (as 8 did in the e2e scenario, where B waited 10 s).
    const label = await generateIdentity();
    const chain: SignedManifest[] = [];
    for (let v = 1; v <= 4; v++) {
      const head = chain[chain.length - 1];
      chain.push(
        await signManifest(
          { works: [{ ids: [`isrc:QZL00260000${v}`] }] },
          { identity: label, ...(head === undefined ? {} : { head }) },
        ),
      );
    }
    const p = await startHostilePeer(tempDir());
    try {
      await p.serve(chain.map((m) => m.bytes));
      p.lieInSync(chain.slice(2).map((m) => m.cid));
      const b = await spawnRegistry({
        dataDir: tempDir(),
        syncIntervalMs: NEVER_MS,
        fetchTimeoutMs: NEVER_MS,
        maxFetchesPerPeer: 1,
      });
      await p.connect(b.multiaddrs[0] as string);
      // B holds v3 and v4 while it walks back to v1. v3 is held when v4 names it: fetching v3 again would
      // hang (bitswap does not send a block it has just sent) and v1 would wait behind it.
      await waitFor(
        async () => ((await headVersion(b, label.did)) === 4 ? true : undefined),
        'the whole chain on B',
        PROMPTLY_MS,
      );
      const history = await b.request<{ cid: string }[]>('history', { did: label.did });
      expect(history.map((m) => m.cid)).toEqual(chain.map((m) => m.cid));
      expect(await b.request('stats')).toMatchObject({ pending: 0, manifests: 4 });
    } finally {
      await p.stop();
    }
  }, 60_000);

  it('a relay whose check of an announcement outlasted gossipsub’s cache announces the manifest itself', async () => {
    // P — A — B. P announces v2 before it can serve it: A's fetch waits, and when the block comes (from
    // Q, a peer that connects later) gossipsub no longer holds P's message, so accepting it forwards
    // nothing. B never heard of v2 and catches up only every minute: A must announce it.
    const a = await spawnRegistry({ dataDir: tempDir(), syncIntervalMs: NEVER_MS, fetchTimeoutMs: NEVER_MS });
    const b = await spawnRegistry({ dataDir: tempDir(), peers: a.multiaddrs, syncIntervalMs: NEVER_MS });
    const p = await startHostilePeer(tempDir());
    const q = await startHostilePeer(tempDir());
    try {
      await p.connect(a.multiaddrs[0] as string);
      await p.serve([v1.bytes]);
      await p.announce(v1.cid);
      await waitFor(async () => ((await headVersion(b, me.did)) === 1 ? true : undefined), 'v1 on B');

      const announced = (await a.request<{ announcements: number }>('stats')).announcements;
      await p.announce(v2.cid);
      await waitFor(
        async () =>
          (await a.request<{ announcements: number }>('stats')).announcements > announced ? true : undefined,
        'the announcement of v2 on A',
      );
      // gossipsub keeps a message for 5 heartbeats of 1 s.
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      expect(await headVersion(a, me.did)).toBe(1);

      await q.serve([v2.bytes, ...v2.pages.map((page) => page.bytes)]);
      await q.connect(a.multiaddrs[0] as string);
      await waitFor(async () => ((await headVersion(a, me.did)) === 2 ? true : undefined), 'v2 on A');
      await waitFor(
        async () => ((await headVersion(b, me.did)) === 2 ? true : undefined),
        'v2 on B',
        PROMPTLY_MS,
      );
    } finally {
      await Promise.all([p.stop(), q.stop()]);
    }
  }, 60_000);
});
