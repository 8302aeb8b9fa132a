import type { PeerId } from '@libp2p/interface';
import type { EmbeddedNode } from './node.js';

/** Follow-up syncs after a peer is identified (see {@link followTopic}). */
const FOLLOW_UP_SYNC_MS = [1_000, 5_000];

/** What {@link followTopic} wires for one kind of replicated record (manifests, attestations). */
export interface TopicFollow {
  /** The gossipsub topic its announcements travel on. */
  readonly topic: string;
  /** The sync protocol a peer must speak to be caught up with. */
  readonly protocol: string;
  /** An announcement on the topic: its data, message id and the peer that passed it on. */
  onAnnouncement(data: Uint8Array, msgId: string, from: string): void;
  /** Catches up with a peer over the sync protocol. */
  sync(peer: PeerId): Promise<unknown>;
  /** Where the follow-up timers go, so that stopping clears them. */
  readonly timers: Set<NodeJS.Timeout>;
}

/**
 * Subscribes to a record kind's topic and catches up with every peer that speaks its sync protocol
 * once identified. Announcements published before both sides saw each other's subscription are lost,
 * so two early follow-up syncs close that window without waiting for the periodic catch-up.
 */
export function followTopic(node: EmbeddedNode, follow: TopicFollow): void {
  const { libp2p } = node;
  const pubsub = libp2p.services.pubsub;
  pubsub.addEventListener('gossipsub:message', (event) => {
    const { msg, msgId, propagationSource } = event.detail;
    if (msg.topic !== follow.topic) return;
    follow.onAnnouncement(msg.data, msgId, propagationSource.toString());
  });
  pubsub.subscribe(follow.topic);
  libp2p.addEventListener('peer:identify', (event) => {
    const { peerId, protocols } = event.detail;
    if (!protocols.includes(follow.protocol)) return;
    void follow.sync(peerId);
    for (const delay of FOLLOW_UP_SYNC_MS) {
      const timer = setTimeout(() => {
        follow.timers.delete(timer);
        if (libp2p.getConnections(peerId).length > 0) void follow.sync(peerId);
      }, delay).unref();
      follow.timers.add(timer);
    }
  });
}
