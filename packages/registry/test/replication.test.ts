import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity, type SignedManifest, signManifest } from '@assent/manifest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreatorHeads } from '../src/index.js';
import { type ChildRegistry, killAllChildren, spawnRegistry, waitFor } from './child-registry.js';

// Every node here runs in its own process: real Helia, libp2p over TCP on 127.0.0.1, SQLite on disk.

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
});
