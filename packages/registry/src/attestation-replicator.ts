import type { Result } from '@assent/manifest';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { isBlockCid } from './block-store.js';
import { catchUp, type IngestLog, MAX_CID_LENGTH, requestLog, serveSync } from './catch-up.js';
import type { IngestErrorCode } from './errors.js';
import { type FetchJob, type FetchOutcome, FetchQueue } from './fetch-queue.js';
import type { EmbeddedNode } from './node.js';
import type { NodeState } from './node-state.js';
import type { PeerLedger } from './peer-ledger.js';
import { followTopic } from './topic-sync.js';
import type { AttestationReceipt, RegistryLogger } from './types.js';

/** The pubsub topic on which nodes announce the CIDs of attestations they stored. */
export const ATTESTATION_TOPIC = '/assent/attestations/1';
/** The catch-up protocol of the attestation log: "what did you store after position N?" (catch-up.ts). */
export const ATTESTATION_SYNC_PROTOCOL = '/assent/attestations/sync/1.0.0';

/** Fetches running at once per lane, and waiting in all, per peer: attestations are few and small. */
const ANNOUNCE_FETCHES = 8;
const CATCH_UP_FETCHES = 4;
const MAX_QUEUED = 1024;
const MAX_QUEUED_PER_PEER = 64;
const FETCHES_PER_PEER = 4;
/** As for manifests (replicator.ts): past this, gossipsub may no longer hold the message to forward. */
const FORWARD_WINDOW_MS = 2_000;

/** What attestation replication needs from the node. */
export interface AttestationReplicatorHost {
  /** True when the node stores the attestation. */
  has(cid: string): boolean;
  /** Verifies and stores an attestation fetched from a peer, which must hash to `cid`. */
  add(bytes: Uint8Array, cid: string): Promise<Result<AttestationReceipt, IngestErrorCode>>;
  /** Fetches one block from peers over bitswap, bounded in size and time (Replicator#fetchBlock). */
  fetchBlock(cid: string): Promise<Result<Uint8Array, IngestErrorCode>>;
  /** This node's attestation log, served to peers catching up. */
  readonly log: IngestLog;
  /** Where the cursors into peers' attestation logs are kept (beside the manifest cursors). */
  readonly state: NodeState;
  readonly ledger: PeerLedger;
  readonly logger: RegistryLogger | undefined;
  /** How often to catch up with connected peers besides on connect. */
  readonly syncIntervalMs: number;
}

/** The key of a peer's attestation-log cursor in NodeState, apart from its manifest-log cursor. */
function cursorKey(peer: string): string {
  return `${peer}/attestations`;
}

/**
 * Replication of attestations between nodes, the way manifests replicate (replicator.ts), on a topic
 * and a catch-up protocol of their own: a node that stores one announces its CID; a receiver fetches
 * the block over bitswap (the attestation's bytes are in the block store), verifies and stores it, and
 * only then lets gossipsub forward the announcement. On every connection, and every `syncIntervalMs`,
 * a node reads each peer's attestation log from a durable cursor. Fetches are bounded, and booked to
 * the peer that caused them in the node's one PeerLedger, so a peer wasting fetches on attestations is
 * penalized as one wasting them on manifests.
 */
export class AttestationReplicator {
  readonly #node: EmbeddedNode;
  readonly #host: AttestationReplicatorHost;
  readonly #stop = new AbortController();
  readonly #fetches: FetchQueue;
  readonly #syncing = new Map<string, Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** CIDs of announcements being validated (fetch, verify, store): gossipsub forwards those. */
  readonly #validating = new Set<string>();

  constructor(node: EmbeddedNode, host: AttestationReplicatorHost) {
    this.#node = node;
    this.#host = host;
    this.#fetches = new FetchQueue({
      maxConcurrent: { announce: ANNOUNCE_FETCHES, 'catch-up': CATCH_UP_FETCHES },
      maxQueued: MAX_QUEUED,
      maxQueuedPerPeer: MAX_QUEUED_PER_PEER,
      slotsFor: (peer) => host.ledger.slotsFor(peer, FETCHES_PER_PEER),
      run: (job) => this.#run(job),
    });
  }

  async start(): Promise<void> {
    const { libp2p } = this.#node;
    await libp2p.handle(
      ATTESTATION_SYNC_PROTOCOL,
      (stream) => serveSync(stream, this.#host.log, this.#stop.signal),
      { maxInboundStreams: 8 },
    );
    followTopic(this.#node, {
      topic: ATTESTATION_TOPIC,
      protocol: ATTESTATION_SYNC_PROTOCOL,
      onAnnouncement: (data, msgId, from) => this.#onAnnouncement(data, msgId, from),
      sync: (peer) => this.sync(peer),
      timers: this.#timers,
    });
    this.#timers.add(
      setInterval(() => {
        for (const connection of libp2p.getConnections()) void this.sync(connection.remotePeer);
      }, this.#host.syncIntervalMs).unref(),
    );
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#fetches.stop();
    await Promise.allSettled([...this.#syncing.values()]);
  }

  /**
   * Called once an attestation is stored, however it came: announced, unless it came in an
   * announcement being validated now (gossipsub forwards that one on Accept).
   */
  added(cid: string): void {
    if (!this.#validating.has(cid)) this.#announce(cid);
  }

  #announce(cid: string): void {
    if (this.#stop.signal.aborted) return;
    this.#node.libp2p.services.pubsub
      .publish(ATTESTATION_TOPIC, new TextEncoder().encode(cid))
      .catch(() => undefined);
  }

  #report(msgId: string, source: string, result: TopicValidatorResult): void {
    const pubsub = this.#node.libp2p.services.pubsub as unknown as {
      reportMessageValidationResult(msgId: string, source: string, result: TopicValidatorResult): void;
    };
    try {
      pubsub.reportMessageValidationResult(msgId, source, result);
    } catch {
      // The message left gossipsub's cache (or the node is stopping): nothing to forward.
    }
  }

  #onAnnouncement(data: Uint8Array, msgId: string, source: string): void {
    if (this.#host.ledger.refused(source)) {
      this.#report(msgId, source, TopicValidatorResult.Ignore);
      return;
    }
    const cid =
      data.byteLength <= MAX_CID_LENGTH ? new TextDecoder('utf-8', { fatal: false }).decode(data) : '';
    if (!isBlockCid(cid)) {
      this.#book(source, 'invalid');
      this.#report(msgId, source, TopicValidatorResult.Reject);
      return;
    }
    if (this.#host.has(cid)) {
      this.#report(msgId, source, TopicValidatorResult.Accept);
      return;
    }
    const received = Date.now();
    this.#validating.add(cid);
    void this.#fetches.fetch(cid, source, 'announce').then((outcome) => {
      this.#validating.delete(cid);
      const result =
        outcome === 'indexed'
          ? TopicValidatorResult.Accept
          : outcome === 'invalid'
            ? TopicValidatorResult.Reject
            : TopicValidatorResult.Ignore;
      this.#report(msgId, source, result);
      if (outcome === 'indexed' && Date.now() - received > FORWARD_WINDOW_MS) this.#announce(cid);
    });
  }

  /** Books a fetch's outcome to the peer that caused it; a waster is disconnected (peer-ledger.ts). */
  #book(peer: string, outcome: FetchOutcome): void {
    if (outcome === 'dropped') return;
    const verdict = outcome === 'indexed' ? 'useful' : 'wasted';
    if (!this.#host.ledger.record(peer, verdict)) return;
    this.#host.logger?.warn({ peer }, 'peer disconnected: its attestation announcements only wasted fetches');
    this.#fetches.dropPeer(peer);
    for (const connection of this.#node.libp2p.getConnections()) {
      if (connection.remotePeer.toString() === peer) {
        void this.#node.libp2p.hangUp(connection.remotePeer).catch(() => undefined);
        break;
      }
    }
  }

  async #run(job: FetchJob): Promise<FetchOutcome> {
    if (this.#host.has(job.cid)) return 'indexed';
    const fetched = await this.#host.fetchBlock(job.cid);
    let outcome: FetchOutcome;
    if (!fetched.ok) outcome = fetched.code === 'BLOCK_TOO_LARGE' ? 'invalid' : 'unavailable';
    else outcome = await this.#store(job.cid, fetched.value, job.peer);
    this.#book(job.peer, outcome);
    return outcome;
  }

  async #store(cid: string, bytes: Uint8Array, peer: string): Promise<FetchOutcome> {
    let result: Result<AttestationReceipt, IngestErrorCode>;
    try {
      result = await this.#host.add(bytes, cid);
    } catch {
      return 'unavailable';
    }
    if (result.ok) {
      if (result.value.status === 'new') this.#host.logger?.debug({ cid, peer }, 'replicated an attestation');
      return 'indexed';
    }
    switch (result.code) {
      // Valid later (the peer's clock is ahead of this one's), or a fault here: asked for again.
      case 'ATTESTATION_NOT_YET_VALID':
      case 'REGISTRY_STOPPED':
      case 'REGISTRY_STORAGE_FAILED':
        return 'unavailable';
      default:
        this.#host.logger?.info({ cid, peer, code: result.code }, 'rejected an attestation from a peer');
        return 'invalid';
    }
  }

  /** Catches up with one peer's attestation log (catch-up.ts). One exchange per peer at a time. */
  sync(peerId: PeerId): Promise<void> {
    const peer = peerId.toString();
    const running = this.#syncing.get(peer);
    if (running !== undefined) return running;
    if (this.#host.ledger.refused(peer)) return Promise.resolve();
    const task = catchUp(cursorKey(peer), {
      state: this.#host.state,
      has: (cid) => this.#host.has(cid),
      request: (epoch, after) =>
        requestLog(this.#node.libp2p, peerId, epoch, after, this.#stop.signal, ATTESTATION_SYNC_PROTOCOL),
      fetch: (cid) => this.#fetches.fetch(cid, peer, 'catch-up'),
      stop: this.#stop.signal,
    })
      .then(() => undefined)
      .catch((error: unknown) => {
        this.#host.logger?.warn({ peer, error: String(error) }, 'attestation catch-up failed');
      })
      .finally(() => this.#syncing.delete(peer));
    this.#syncing.set(peer, task);
    return task;
  }
}
