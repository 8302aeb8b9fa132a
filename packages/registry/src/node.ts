import { MAX_BLOCK_BYTES } from '@assent/manifest';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { withBitswap } from '@helia/bitswap';
import type { Helia } from '@helia/interface';
import { withLibp2pLight } from '@helia/libp2p';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { type Identify, identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { FsDatastore } from 'datastore-fs';
import { createHeliaLight } from 'helia';
import type { BlockStore } from './block-store.js';

/** The libp2p services of a registry node. */
export type NodeServices = {
  identify: Identify;
  pubsub: GossipSub;
};

/** An embedded Helia node with the libp2p it runs on. */
export interface EmbeddedNode {
  readonly helia: Helia;
  readonly libp2p: Libp2p<NodeServices>;
  stop(): Promise<void>;
}

/** Options of {@link startNode}. */
export interface StartNodeOptions {
  readonly datastorePath: string;
  readonly blocks: BlockStore;
  readonly listen: readonly string[];
}

/**
 * Starts Helia on an explicit libp2p: TCP on the given addresses, noise, yamux, identify, gossipsub and
 * bitswap. No bootstrap list, peer discovery, delegated routers or HTTP gateways: peers are only the
 * ones the operator names (SETUP-NOTES: the defaults dial public services that fail or hang here).
 */
export async function startNode(options: StartNodeOptions): Promise<EmbeddedNode> {
  const datastore = new FsDatastore(options.datastorePath);
  await datastore.open();
  const light = createHeliaLight({ blockstore: options.blocks.forNetwork(), datastore });
  const withNet = withLibp2pLight(light, {
    addresses: { listen: [...options.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        // Announcements are forwarded only once this node has fetched, verified and indexed the manifest
        // (reportMessageValidationResult): an invalid announcement is never passed on.
        asyncValidation: true,
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        maxInboundDataLength: 256 * 1024,
      }),
    },
  });
  const helia = withBitswap(withNet, {
    // A block is at most 1 MiB; a bitswap message carrying a bigger one is dropped on the wire.
    maxIncomingMessageSize: MAX_BLOCK_BYTES + 64 * 1024,
    maxOutgoingMessageSize: MAX_BLOCK_BYTES + 64 * 1024,
  });
  await helia.start();
  const libp2p = helia.libp2p as unknown as Libp2p<NodeServices>;
  return {
    helia,
    libp2p,
    async stop() {
      await helia.stop();
      await datastore.close();
    },
  };
}
