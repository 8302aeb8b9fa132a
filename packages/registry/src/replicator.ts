import { fail, MAX_BLOCK_BYTES, ok, type Result } from '@assent/manifest';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { Connection, PeerId } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { CID } from 'multiformats/cid';
import { isBlockCid } from './block-store.js';
import { catchUp, type IngestLog, MAX_CID_LENGTH, requestLog, SYNC_PROTOCOL, serveSync } from './catch-up.js';
import type { IngestErrorCode, RegistryErrorCode } from './errors.js';
import { type FetchJob, type FetchLane, type FetchOutcome, FetchQueue } from './fetch-queue.js';
import type { EmbeddedNode } from './node.js';
import type { NodeState } from './node-state.js';
import type { PeerLedger } from './peer-ledger.js';
import { followTopic } from './topic-sync.js';
import type { IngestResult, PeerFreshness, RegistryLogger, ReplicatorStats } from './types.js';

/** The pubsub topic on which nodes announce the CIDs of manifests they indexed. */
export const ANNOUNCE_TOPIC = '/assent/manifests/1';

const MAX_QUEUED_PER_PEER = 256;
const MAX_HELD_BYTES = 64 * 1024 * 1024;
const MAX_HELD_PER_CREATOR = 16;
/** Catch-up fetches running at once, apart from announcements (so a flood of those cannot stall it). */
const CATCH_UP_FETCHES = 8;
/**
 * gossipsub keeps a received message for 5 heartbeats (5 s) and forwards it on Accept only while it
 * holds it. A manifest whose check took longer than this is announced by this node instead.
 */
const FORWARD_WINDOW_MS = 2_000;
/** Least time between two catch-ups with one peer prompted by a chain gap or a dropped announcement. */
const PROMPT_SYNC_INTERVAL_MS = 1_000;
/** Peers whose last prompted catch-up is remembered, at most (beyond, further prompts wait for the timer). */
const MAX_PROMPTED_PEERS = 256;

/** What the replicator needs from the node: nothing of the index but these. */
export interface ReplicatorHost {
  /** True when the node indexed `cid`. */
  has(cid: string): boolean;
  /** Ingests a block fetched from a peer (canonical bytes required; must hash to `cid`). */
  ingest(bytes: Uint8Array, cid: string, signal: AbortSignal): Promise<IngestResult>;
  /** This node's ingest log, served to peers catching up. */
  readonly log: IngestLog;
  readonly state: NodeState;
  readonly ledger: PeerLedger;
  readonly logger: RegistryLogger | undefined;
  readonly fetchTimeoutMs: number;
  readonly maxFetchesPerPeer: number;
  readonly maxConcurrentFetches: number;
  readonly maxQueuedFetches: number;
  readonly maxPending: number;
  readonly heldTtlMs: number;
  readonly syncIntervalMs: number;
  readonly redialIntervalMs: number;
}

function peerOf(connectionOrId: PeerId | Connection): string {
  return 'remotePeer' in connectionOrId ? connectionOrId.remotePeer.toString() : connectionOrId.toString();
}

/** The issuer and `previous` CID of a manifest that already verified (only its shape is read here). */
function chainFieldsOf(bytes: Uint8Array): { issuer: string; previous: string } | undefined {
  try {
    const document = JSON.parse(new TextDecoder().decode(bytes)) as {
      issuer?: unknown;
      credentialSubject?: { previous?: unknown };
    };
    const previous = document.credentialSubject?.previous;
    const issuer = document.issuer;
    return typeof previous === 'string' && isBlockCid(previous) && typeof issuer === 'string'
      ? { issuer, previous }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Replication between nodes. New manifests are announced by CID on a gossipsub topic; a receiver
 * fetches the block over bitswap, verifies and indexes it, and only then lets gossipsub forward the
 * announcement (async validation), so invalid ones die at the first honest node. Catch-up
 * (catch-up.ts): on every connection, and every `syncIntervalMs`, a node reads each peer's ingest log
 * from a durable cursor. Everything pulled from the network is bounded and booked to the peer that
 * caused it (peer-ledger.ts): queues, fetches per peer, block size, fetch time, held manifests.
 */
export class Replicator {
  readonly #node: EmbeddedNode;
  readonly #host: ReplicatorHost;
  readonly #stop = new AbortController();
  readonly #fetches: FetchQueue;
  /** Held manifests being ingested now (released by their previous version). */
  readonly #releasing = new Set<string>();
  /** Catch-ups prompted by chain gaps and dropped announcements, per peer: last start, and one scheduled. */
  readonly #prompted = new Map<string, { at: number; scheduled: boolean }>();
  readonly #syncing = new Map<string, Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #dialing = new Set<string>();
  /** CIDs of announcements whose validation (fetch, verify, index) is in progress. */
  readonly #validating = new Set<string>();
  #peers: { peer: string | undefined; address: string }[] = [];
  readonly #counters = {
    announcements: 0,
    replicated: 0,
    rejected: 0,
    unavailable: 0,
    dropped: 0,
    syncs: 0,
  };

  constructor(node: EmbeddedNode, host: ReplicatorHost) {
    this.#node = node;
    this.#host = host;
    this.#fetches = new FetchQueue({
      maxConcurrent: { announce: host.maxConcurrentFetches, 'catch-up': CATCH_UP_FETCHES },
      maxQueued: host.maxQueuedFetches,
      maxQueuedPerPeer: MAX_QUEUED_PER_PEER,
      slotsFor: (peer) => host.ledger.slotsFor(peer, host.maxFetchesPerPeer),
      run: (job) => this.#run(job),
    });
  }

  static emptyStats(): ReplicatorStats {
    return {
      connections: 0,
      announcements: 0,
      replicated: 0,
      rejected: 0,
      unavailable: 0,
      dropped: 0,
      pending: 0,
      syncs: 0,
      penalized: 0,
    };
  }

  stats(): ReplicatorStats {
    return {
      ...this.#counters,
      connections: new Set(this.#node.libp2p.getConnections().map(peerOf)).size,
      pending: this.#host.state.heldCount,
      penalized: this.#host.ledger.penalized,
    };
  }

  /** Catches up with every connected peer now (after a reindex reset the cursors). */
  syncAll(): void {
    for (const connection of this.#node.libp2p.getConnections()) void this.sync(connection.remotePeer);
  }

  /** What this node last heard from each configured peer (and from connected ones). */
  peers(): PeerFreshness[] {
    const connected = new Set(this.#node.libp2p.getConnections().map(peerOf));
    const out: PeerFreshness[] = [];
    const seen = new Set<string>();
    const at = (peer: string | undefined) => {
      const ms = peer === undefined ? undefined : this.#host.state.lastSync(peer);
      return ms === undefined ? null : new Date(ms).toISOString();
    };
    for (const { peer, address } of this.#peers) {
      if (peer !== undefined) seen.add(peer);
      out.push({ peer, address, connected: peer !== undefined && connected.has(peer), lastSync: at(peer) });
    }
    for (const peer of connected) {
      if (!seen.has(peer)) out.push({ peer, address: undefined, connected: true, lastSync: at(peer) });
    }
    return out;
  }

  /** The configured peers' ids (from their multiaddrs). */
  configuredPeers(): (string | undefined)[] {
    return this.#peers.map((p) => p.peer);
  }

  async start(peers: readonly string[]): Promise<void> {
    const { libp2p } = this.#node;
    await libp2p.handle(SYNC_PROTOCOL, (stream) => serveSync(stream, this.#host.log, this.#stop.signal), {
      maxInboundStreams: 8,
    });
    followTopic(this.#node, {
      topic: ANNOUNCE_TOPIC,
      protocol: SYNC_PROTOCOL,
      onAnnouncement: (data, msgId, from) => this.#onAnnouncement(data, msgId, from),
      sync: (peer) => this.sync(peer),
      timers: this.#timers,
    });
    this.#peers = peers.map((address) => {
      const ma = multiaddr(address);
      const peer = ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
      return { peer, address };
    });
    this.#redial();
    this.#timers.add(setInterval(() => this.#redial(), this.#host.redialIntervalMs).unref());
    this.#timers.add(
      setInterval(() => {
        this.#retryHeld();
        for (const connection of libp2p.getConnections()) void this.sync(connection.remotePeer);
      }, this.#host.syncIntervalMs).unref(),
    );
    // Manifests held across a restart whose previous version is here by now.
    this.#retryHeld();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#fetches.stop();
    await Promise.allSettled([...this.#syncing.values()]);
  }

  /** Announces a manifest this node indexed. */
  #announce(cid: string): void {
    if (this.#stop.signal.aborted) return;
    this.#node.libp2p.services.pubsub
      .publish(ANNOUNCE_TOPIC, new TextEncoder().encode(cid))
      .catch(() => undefined);
  }

  /**
   * Called once a manifest is indexed, however it came. It is announced unless it came in an
   * announcement being validated now (gossipsub forwards that one on Accept, or, when the check outlasted
   * gossipsub's cache, it is announced then: see #onAnnouncement); one that waited for its previous
   * version, or came by catch-up, was never forwarded. Manifests waiting for it are ingested now.
   */
  added(cid: string): void {
    if (!this.#validating.has(cid)) this.#announce(cid);
    this.#release(cid);
  }

  /**
   * Ingests the manifests held for `previous`. Each stays held (durably) until its ingest says indexed
   * or invalid: one that fails for want of a page is tried again on the next timer, until it expires.
   */
  #release(previous: string): void {
    for (const entry of this.#host.state.heldFor(previous)) {
      if (this.#releasing.has(entry.cid)) continue;
      this.#releasing.add(entry.cid);
      // Not inside the caller's write: the ingest takes the write lock itself.
      setImmediate(() => {
        void this.#ingestFetched(entry.cid, entry.bytes, entry.peer)
          .then((outcome) => {
            if (outcome === 'indexed' || outcome === 'invalid') this.#host.state.release(entry.cid);
          })
          .finally(() => this.#releasing.delete(entry.cid));
      });
    }
  }

  /** Drops expired held manifests and releases those whose previous version was indexed meanwhile. */
  #retryHeld(): void {
    if (this.#stop.signal.aborted) return;
    const expired = this.#host.state.expire(Date.now());
    if (expired > 0) this.#host.logger?.info({ expired }, 'held manifests expired');
    const previous = new Set(this.#host.state.held().map((h) => h.previous));
    for (const cid of previous) if (this.#host.has(cid)) this.#release(cid);
  }

  #redial(): void {
    const { libp2p } = this.#node;
    const connected = new Set(libp2p.getConnections().map(peerOf));
    for (const { peer, address } of this.#peers) {
      if ((peer !== undefined && connected.has(peer)) || this.#dialing.has(address)) continue;
      if (peer !== undefined && this.#host.ledger.refused(peer)) continue;
      if (this.#stop.signal.aborted) return;
      this.#dialing.add(address);
      libp2p
        .dial(multiaddr(address), {
          signal: AbortSignal.any([this.#stop.signal, AbortSignal.timeout(5_000)]),
        })
        .catch(() => undefined)
        .finally(() => this.#dialing.delete(address));
    }
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
    this.#counters.announcements++;
    if (this.#host.ledger.refused(source)) {
      this.#report(msgId, source, TopicValidatorResult.Ignore);
      return;
    }
    const cid =
      data.byteLength <= MAX_CID_LENGTH ? new TextDecoder('utf-8', { fatal: false }).decode(data) : '';
    if (!isBlockCid(cid)) {
      this.#counters.rejected++;
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
    void this.#fetch(cid, source, 'announce').then((outcome) => {
      this.#validating.delete(cid);
      const result =
        outcome === 'indexed'
          ? TopicValidatorResult.Accept
          : outcome === 'invalid'
            ? TopicValidatorResult.Reject
            : TopicValidatorResult.Ignore;
      this.#report(msgId, source, result);
      // Accept forwards the message only if gossipsub still holds it (it says nothing when it does not):
      // after a long check (e.g. the announcer died before serving the block), announce it from here.
      if (outcome === 'indexed' && Date.now() - received > FORWARD_WINDOW_MS) this.#announce(cid);
      // Not fetched for lack of room: the peer's log has it, ask for it as soon as allowed.
      else if (outcome === 'dropped') this.#promptSync(source);
    });
  }

  /**
   * Books a fetch's outcome to the peer that caused it; a peer that only wastes fetches is
   * disconnected, its queued fetches dropped, and refused for a while (peer-ledger.ts).
   */
  #book(peer: string, outcome: FetchOutcome): void {
    if (outcome === 'dropped') return;
    const verdict = outcome === 'indexed' || outcome === 'pending' ? 'useful' : 'wasted';
    if (!this.#host.ledger.record(peer, verdict)) return;
    this.#host.logger?.warn(
      { peer, penalized: this.#host.ledger.penalized },
      'peer disconnected: its announcements only wasted fetches',
    );
    this.#fetches.dropPeer(peer);
    for (const connection of this.#node.libp2p.getConnections()) {
      if (peerOf(connection) === peer) {
        void this.#node.libp2p.hangUp(connection.remotePeer).catch(() => undefined);
        break;
      }
    }
  }

  /** Fetches one block from the network, bounded in size and time. */
  async fetchBlock(cid: string, signal?: AbortSignal): Promise<Result<Uint8Array, IngestErrorCode>> {
    const signals = [this.#stop.signal, AbortSignal.timeout(this.#host.fetchTimeoutMs)];
    if (signal !== undefined) signals.push(signal);
    const combined = AbortSignal.any(signals);
    try {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of this.#node.helia.blockstore.get(CID.parse(cid), { signal: combined })) {
        size += chunk.byteLength;
        if (size > MAX_BLOCK_BYTES)
          return fail<RegistryErrorCode>('BLOCK_TOO_LARGE', `block ${cid} is over ${MAX_BLOCK_BYTES} bytes`);
        chunks.push(chunk);
      }
      if (chunks.length === 1) return ok(chunks[0] as Uint8Array);
      const bytes = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.byteLength;
      }
      return ok(bytes);
    } catch (error) {
      return fail<RegistryErrorCode>(
        'BLOCK_NOT_FOUND',
        `block ${cid} could not be fetched: ${String(error)}`,
      );
    }
  }

  /**
   * Fetches `cid` in a lane, booked to `peer`; joins a fetch in progress. A held manifest is not
   * fetched: it is `pending` until its previous version is indexed.
   */
  #fetch(cid: string, peer: string, lane: FetchLane): Promise<FetchOutcome> {
    if (this.#host.state.isHeld(cid)) return Promise.resolve('pending');
    return this.#fetches.fetch(cid, peer, lane).then((outcome) => {
      if (outcome === 'dropped') this.#counters.dropped++;
      return outcome;
    });
  }

  async #run(job: FetchJob): Promise<FetchOutcome> {
    if (this.#host.has(job.cid)) return 'indexed';
    const fetched = await this.fetchBlock(job.cid);
    let outcome: FetchOutcome;
    if (!fetched.ok) {
      if (fetched.code === 'BLOCK_TOO_LARGE') {
        this.#counters.rejected++;
        outcome = 'invalid';
      } else {
        this.#counters.unavailable++;
        outcome = 'unavailable';
      }
    } else {
      outcome = await this.#ingestFetched(job.cid, fetched.value, job.peer);
    }
    this.#book(job.peer, outcome);
    return outcome;
  }

  async #ingestFetched(cid: string, bytes: Uint8Array, peer: string): Promise<FetchOutcome> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#host.fetchTimeoutMs * 4)]);
    let result: IngestResult;
    try {
      result = await this.#host.ingest(bytes, cid, signal);
    } catch {
      this.#counters.unavailable++;
      return 'unavailable';
    }
    if (result.ok) {
      if (result.value.status === 'added') {
        this.#counters.replicated++;
        this.#host.logger?.debug({ cid, peer, version: result.value.version }, 'replicated');
      }
      return 'indexed';
    }
    switch (result.code) {
      case 'CHAIN_PREVIOUS_UNKNOWN':
        return this.#hold(cid, bytes, peer);
      case 'CATALOG_PAGE_MISSING':
      case 'REGISTRY_STOPPED':
      case 'REGISTRY_BUSY':
      case 'REGISTRY_STORAGE_FAILED':
        this.#counters.unavailable++;
        return 'unavailable';
      default:
        this.#counters.rejected++;
        this.#host.logger?.info({ cid, peer, code: result.code }, 'rejected a manifest from a peer');
        return 'invalid';
    }
  }

  /**
   * Holds a valid manifest whose previous version this node lacks, durably (node-state.ts), fetches
   * that version from the peer (unless it is held itself: then its own previous version is being
   * fetched) and asks the peer for its log soon, which names the rest of the gap; the manifest is
   * ingested when its previous version is indexed (see {@link added}). Bounded in count, bytes and per
   * creator, and each expires after `heldTtlMs`: beyond, it is dropped and a catch-up brings it back.
   */
  #hold(cid: string, bytes: Uint8Array, peer: string): FetchOutcome {
    const fields = chainFieldsOf(bytes);
    if (fields === undefined) {
      this.#counters.rejected++;
      return 'invalid';
    }
    const now = Date.now();
    const held = this.#host.state.hold(
      {
        cid,
        previous: fields.previous,
        issuer: fields.issuer,
        peer,
        bytes,
        expires: now + this.#host.heldTtlMs,
      },
      {
        maxHeld: this.#host.maxPending,
        maxHeldBytes: MAX_HELD_BYTES,
        maxHeldPerCreator: MAX_HELD_PER_CREATOR,
      },
      now,
    );
    if (!held) {
      this.#counters.dropped++;
      return 'dropped';
    }
    if (this.#host.has(fields.previous)) this.#release(fields.previous);
    else if (!this.#host.state.isHeld(fields.previous)) {
      void this.#fetch(fields.previous, peer, 'catch-up');
      this.#promptSync(peer);
    }
    return 'pending';
  }

  /**
   * Catches up with `peer` soon, after the catch-up running now if any (it may have asked before the
   * peer logged what is missing): at once the first time, then at most once per
   * {@link PROMPT_SYNC_INTERVAL_MS}, so that a peer cannot make this node loop or flood it.
   */
  #promptSync(peer: string): void {
    if (this.#stop.signal.aborted) return;
    const state = this.#prompted.get(peer);
    if (state?.scheduled === true) return;
    if (state === undefined && this.#prompted.size >= MAX_PROMPTED_PEERS) {
      // Forget the peers whose last prompted catch-up is long enough ago not to limit the next one.
      const before = Date.now() - PROMPT_SYNC_INTERVAL_MS;
      for (const [key, value] of this.#prompted) {
        if (!value.scheduled && value.at <= before) this.#prompted.delete(key);
      }
      if (this.#prompted.size >= MAX_PROMPTED_PEERS) return;
    }
    const at = state?.at ?? 0;
    this.#prompted.set(peer, { at, scheduled: true });
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        this.#prompted.set(peer, { at: Date.now(), scheduled: false });
        const connection = this.#node.libp2p.getConnections().find((c) => peerOf(c) === peer);
        if (connection === undefined || this.#stop.signal.aborted) return;
        const running = this.#syncing.get(peer) ?? Promise.resolve();
        void running.then(() => this.sync(connection.remotePeer));
      },
      Math.max(0, at + PROMPT_SYNC_INTERVAL_MS - Date.now()),
    ).unref();
    this.#timers.add(timer);
  }

  /** Catches up with one peer (catch-up.ts). One exchange per peer at a time. */
  sync(peerId: PeerId): Promise<void> {
    const peer = peerId.toString();
    const running = this.#syncing.get(peer);
    if (running !== undefined) return running;
    if (this.#host.ledger.refused(peer)) return Promise.resolve();
    const task = catchUp(peer, {
      state: this.#host.state,
      has: (cid) => this.#host.has(cid),
      request: (epoch, after) => requestLog(this.#node.libp2p, peerId, epoch, after, this.#stop.signal),
      fetch: (cid) => this.#fetch(cid, peer, 'catch-up'),
      stop: this.#stop.signal,
    })
      .then((result) => {
        this.#counters.syncs++;
        if (result.complete) this.#host.state.setLastSync(peer, Date.now());
        // Entries dropped for lack of room are asked for again soon, not at the next periodic catch-up.
        if (result.dropped) this.#promptSync(peer);
      })
      .catch((error: unknown) => {
        this.#host.logger?.warn({ peer, error: String(error) }, 'catch-up failed');
      })
      .finally(() => this.#syncing.delete(peer));
    this.#syncing.set(peer, task);
    return task;
  }
}
