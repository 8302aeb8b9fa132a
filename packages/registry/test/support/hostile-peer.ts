import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { blockCid } from '@assent/manifest';
import { ANNOUNCE_TOPIC, SYNC_PROTOCOL } from '@assent/registry';
// The hostile peer is a real Helia node built the way a registry node builds its own (startNode, the
// same libp2p stack), with none of the registry's checks in front of it. It lives with the registry's
// tests because startNode and BlockStore are the package's internals and libp2p its dependencies;
// test/e2e imports it from here.
import type { Connection, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { BlockStore } from '../../src/block-store.js';
import { type EmbeddedNode, startNode } from '../../src/node.js';

/** A libp2p + Helia peer that serves whatever blocks it is given and answers the catch-up protocol with lies. */
export interface HostilePeer {
  /** Dials a node and waits until announcements published here are sent to it. */
  connect(address: string): Promise<void>;
  /** Stores blocks it will serve over bitswap (under their CID, whatever they hold). */
  serve(blocks: readonly Uint8Array[]): Promise<string[]>;
  /** Publishes an announcement (any text) on the manifest topic; resolves with the peers it was sent to. */
  announce(data: string): Promise<string[]>;
  /** What every catch-up request gets back: these CIDs as the peer's log. */
  lieInSync(cids: readonly string[]): void;
  /** How many times bitswap read each block from this peer's store (one read per block sent). */
  readonly served: ReadonlyMap<string, number>;
  /** Catch-up requests received, by the requesting peer id. */
  readonly syncRequests: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/**
 * Starts a hostile peer listening on loopback, its store in a new directory under `parent` (removed
 * by the caller: libp2p may still write to its peer store just after stopping).
 */
export async function startHostilePeer(parent: string): Promise<HostilePeer> {
  const served = new Map<string, number>();
  const syncRequests = new Map<string, number>();
  // Counts the reads bitswap makes to send a block: the receiving node fetched it.
  class CountingBlockStore extends BlockStore {
    override forNetwork() {
      const store = super.forNetwork();
      const get = store.get.bind(store);
      store.get = ((cid, options) => {
        const key = cid.toString();
        served.set(key, (served.get(key) ?? 0) + 1);
        return get(cid, options);
      }) as typeof store.get;
      return store;
    }
  }
  const dir = mkdtempSync(join(parent, 'hostile-'));
  const blocks = new CountingBlockStore(join(dir, 'blocks'), { fsync: false });
  await blocks.open();
  const node: EmbeddedNode = await startNode({
    datastorePath: join(dir, 'datastore'),
    blocks,
    listen: ['/ip4/127.0.0.1/tcp/0'],
  });
  const { libp2p } = node;
  let lies: readonly string[] = [];
  await libp2p.handle(SYNC_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const peer = connection.remotePeer.toString();
    syncRequests.set(peer, (syncRequests.get(peer) ?? 0) + 1);
    const lp = lpStream(stream);
    await lp.read();
    const entries = lies.map((cid, i) => [i + 1, cid]);
    await lp.write(new TextEncoder().encode(JSON.stringify({ epoch: 'hostile', entries, more: false })));
    await stream.close();
  });
  libp2p.services.pubsub.subscribe(ANNOUNCE_TOPIC);

  return {
    served,
    syncRequests,
    async connect(address) {
      const peer = address.slice(address.lastIndexOf('/p2p/') + 5);
      await libp2p.dial(multiaddr(address));
      const deadline = Date.now() + 20_000;
      // Subscribed as seen from here, and gossipsub's stream to it open: a publish would reach it.
      // (Until that stream opens, gossipsub drops what it publishes to the peer.) The probe is garbage.
      for (;;) {
        if (libp2p.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).some((p) => p.toString() === peer)) {
          const { recipients } = await libp2p.services.pubsub.publish(
            ANNOUNCE_TOPIC,
            new TextEncoder().encode('probe'),
          );
          if (recipients.some((p) => p.toString() === peer)) return;
        }
        if (Date.now() > deadline) throw new Error(`${address} never subscribed to ${ANNOUNCE_TOPIC}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async serve(list) {
      const cids: string[] = [];
      for (const bytes of list) {
        const cid = blockCid(bytes);
        await blocks.put(cid, bytes);
        cids.push(cid);
      }
      return cids;
    },
    async announce(data) {
      const { recipients } = await libp2p.services.pubsub.publish(
        ANNOUNCE_TOPIC,
        new TextEncoder().encode(data),
      );
      return recipients.map(String);
    },
    lieInSync(cids) {
      lies = [...cids];
    },
    stop: () => node.stop(),
  };
}
