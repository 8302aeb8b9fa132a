import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockCid, canonicalBytes, generateIdentity, signManifest } from '@assent/manifest';
import type { Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockStore } from '../src/block-store.js';
import { ANNOUNCE_TOPIC, createRegistry, type Registry, SYNC_PROTOCOL } from '../src/index.js';
import { type EmbeddedNode, startNode } from '../src/node.js';
import { type ChildRegistry, killAllChildren, spawnRegistry, waitFor } from './child-registry.js';

// The hostile peer is a real libp2p + Helia node (gossipsub, bitswap) that serves whatever blocks it
// likes and answers the catch-up protocol with lies. R is a registry in this process; H, an honest
// registry in its own process, peers only with R and must never hear of the hostile announcements.

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-registry-hostile-'));
  dirs.push(dir);
  return dir;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

let registry: Registry | undefined;
let hostile: EmbeddedNode | undefined;
let honest: ChildRegistry | undefined;

afterAll(async () => {
  await hostile?.stop();
  await registry?.stop();
  await killAllChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('a hostile peer', () => {
  it('announcing garbage, oversize blocks and invalid manifests changes nothing, and nothing is passed on', async () => {
    const rDir = tempDir();
    registry = await createRegistry({ dataDir: rDir, fetchTimeoutMs: 1_000 });
    honest = await spawnRegistry({ dataDir: tempDir(), peers: registry.multiaddrs() });

    const hostileBlocks = new BlockStore(tempDir(), { fsync: false });
    await hostileBlocks.open();
    hostile = await startNode({
      datastorePath: tempDir(),
      blocks: hostileBlocks,
      listen: ['/ip4/127.0.0.1/tcp/0'],
    });
    const me = await generateIdentity();
    const good1 = await signManifest({ works: [{ ids: ['isrc:USRC17607839'] }] }, { identity: me });
    const good2 = await signManifest({ default: { all: 'allow' }, works: [] }, { identity: me, head: good1 });

    // Blocks the hostile node serves over bitswap.
    const oversize = canonicalBytes({ junk: 'x'.repeat(1_100_000) });
    const notCanonical = new TextEncoder().encode(
      JSON.stringify(JSON.parse(new TextDecoder().decode(good1.bytes)), null, 2),
    );
    const forged = new TextEncoder().encode(
      new TextDecoder().decode(good1.bytes).replace('USRC17607839', 'USRC17607840'),
    );
    const notAManifest = canonicalBytes({ hello: 'world' });
    const served = [oversize, notCanonical, forged, notAManifest, good2.bytes];
    for (const bytes of served) await hostileBlocks.put(blockCid(bytes), bytes);
    const rawCid = CID.createV1(raw.code, await sha256.digest(new Uint8Array([1, 2, 3]))).toString();
    const nobodyHasIt = blockCid(canonicalBytes({ nobody: 'has it' }));
    const lies = [...served.map(blockCid), nobodyHasIt];

    // The catch-up protocol, answered with lies.
    await hostile.libp2p.handle(SYNC_PROTOCOL, async (stream: Stream) => {
      const lp = lpStream(stream);
      await lp.read();
      const entries = lies.map((cid, i) => [i + 1, cid]);
      await lp.write(new TextEncoder().encode(JSON.stringify({ epoch: 'evil', entries, more: false })));
      await stream.close();
    });
    hostile.libp2p.services.pubsub.subscribe(ANNOUNCE_TOPIC);
    await hostile.libp2p.dial(multiaddr(registry.multiaddrs()[0] as string));
    await waitFor(
      () => (hostile?.libp2p.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).length ? true : undefined),
      'R subscribed, as seen by the hostile peer',
    );

    const announce = (text: string) =>
      hostile?.libp2p.services.pubsub.publish(ANNOUNCE_TOPIC, new TextEncoder().encode(text));
    for (const text of ['garbage', '', rawCid, 'x'.repeat(5000), ...lies]) await announce(text);

    // R fetched and refused each served block (the missing one times out; good2 waits for good1).
    await waitFor(() => {
      const stats = registry?.stats();
      return stats !== undefined && stats.rejected >= 8 && stats.unavailable >= 1 && stats.pending === 1
        ? stats
        : undefined;
    }, 'R to refuse every hostile block');
    const stats = registry.stats();
    expect(stats.manifests).toBe(0);
    expect(stats.replicated).toBe(0);
    expect(filesUnder(join(rDir, 'blocks'))).toEqual([]);
    expect(registry.head(me.did)).toBeUndefined();

    // H heard nothing: R passed none of it on. A valid manifest still flows R → H, so H was listening.
    expect((await honest.request<{ announcements: number; manifests: number }>('stats')).manifests).toBe(0);
    expect(await registry.ingest(good1.bytes)).toMatchObject({ ok: true, value: { status: 'added' } });
    await waitFor(
      async () =>
        (await honest?.request<{ manifests: number }>('stats'))?.manifests === 2 ? true : undefined,
      'good1, then the held good2, on H',
    );
    const seenByHonest = await honest.request<{ announcements: number; rejected: number }>('stats');
    expect(seenByHonest.rejected).toBe(0);
    // R held good2 (valid, but its previous was missing) and indexed it once good1 arrived.
    expect(registry.head(me.did)?.heads[0]?.cid).toBe(good2.cid);
  }, 90_000);
});
