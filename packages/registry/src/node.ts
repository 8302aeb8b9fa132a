import { MAX_BLOCK_BYTES } from '@assent/manifest';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { withBitswap } from '@helia/bitswap';
import type { Helia } from '@helia/interface';
import { withLibp2pLight } from '@helia/libp2p';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { createTopicScoreParams } from '@libp2p/gossipsub/score';
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
  /** True for a peer to refuse (banned for wasting fetches, or not on the allowlist); default none. */
  readonly refused?: (peer: string) => boolean;
  /** The gossipsub application-specific score of a peer (peer-ledger.ts); default 0. */
  readonly score?: (peer: string) => number;
}

/** The announcement topic, named here too so that node.ts depends on nothing of replication. */
const TOPIC = '/assent/manifests/1';

/**
 * Starts Helia on an explicit libp2p: TCP on the given addresses, noise, yamux, identify, gossipsub and
 * bitswap. No bootstrap list, peer discovery, delegated routers or HTTP gateways: peers are only the
 * ones the operator names (SETUP-NOTES: the defaults dial public services that fail or hang here).
 */
export async function startNode(options: StartNodeOptions): Promise<EmbeddedNode> {
  const datastore = new FsDatastore(options.datastorePath);
  await datastore.open();
  const light = createHeliaLight({ blockstore: options.blocks.forNetwork(), datastore });
  const refused = (peer: { toString(): string }) => options.refused?.(peer.toString()) ?? false;
  const withNet = withLibp2pLight(light, {
    addresses: { listen: [...options.listen] },
    // Banned and unlisted peers are refused both ways, before any stream is opened.
    connectionGater: {
      denyDialPeer: async (peer) => refused(peer),
      denyInboundEncryptedConnection: async (peer) => refused(peer),
      denyOutboundEncryptedConnection: async (peer) => refused(peer),
    },
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
        // Peer scoring (docs/operations.md, "Replication"): a peer's application score is minus the
        // fetches its announcements wasted; invalid announcements (Reject) count on the topic. Mesh
        // delivery rates are not scored: announcements are rare, and an idle honest peer is normal.
        // All nodes may share one host, so IP colocation is not scored either.
        scoreParams: {
          appSpecificScore: (peer: string) => options.score?.(peer) ?? 0,
          appSpecificWeight: 1,
          IPColocationFactorWeight: 0,
          topics: {
            [TOPIC]: createTopicScoreParams({
              topicWeight: 1,
              timeInMeshWeight: 0,
              firstMessageDeliveriesWeight: 0,
              meshMessageDeliveriesWeight: 0,
              meshFailurePenaltyWeight: 0,
              invalidMessageDeliveriesWeight: -10,
              invalidMessageDeliveriesDecay: 0.5,
            }),
          },
        },
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
