import { fail, MAX_BLOCK_BYTES, ok, type Result } from '@assent/manifest';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { CID } from 'multiformats/cid';
import { isBlockCid } from './block-store.js';
import type { IngestErrorCode, RegistryErrorCode } from './errors.js';
import type { ManifestIndex } from './manifest-index.js';
import type { EmbeddedNode } from './node.js';
import type { IngestResult } from './registry.js';

/** The pubsub topic on which nodes announce the CIDs of manifests they indexed. */
export const ANNOUNCE_TOPIC = '/assent/manifests/1';
/** The catch-up protocol: "what did you index after position N of your log?" */
export const SYNC_PROTOCOL = '/assent/sync/1.0.0';
/** Log entries per sync response. */
export const SYNC_PAGE = 256;

const MAX_SYNC_REQUEST = 1024;
const MAX_SYNC_RESPONSE = 64 * 1024;
const MAX_EPOCH_LENGTH = 64;
const MAX_CID_LENGTH = 128;
const SYNC_TIMEOUT_MS = 10_000;
const MAX_QUEUED_PER_PEER = 256;
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
const FOLLOW_UP_SYNC_MS = [1_000, 5_000];
/**
 * gossipsub keeps a received message for 5 heartbeats (5 s) and forwards it on Accept only while it
 * holds it. A manifest whose check took longer than this is announced by this node instead.
 */
const FORWARD_WINDOW_MS = 2_000;
/** Least time between two catch-ups with one peer prompted by a chain gap or a dropped announcement. */
const PROMPT_SYNC_INTERVAL_MS = 1_000;
/** Peers whose last prompted catch-up is remembered, at most (beyond, further prompts wait for the timer). */
const MAX_PROMPTED_PEERS = 256;

/** How one fetch ended. */
type FetchOutcome = 'indexed' | 'invalid' | 'unavailable' | 'pending' | 'dropped';

/** Counters of replication, for operators and tests. */
export interface ReplicatorStats {
  /** Peers this node has a connection to. */
  readonly connections: number;
  /** Announcements received over pubsub. */
  readonly announcements: number;
  /** Manifests fetched from peers and indexed. */
  readonly replicated: number;
  /** Blocks from peers rejected as invalid (bad CID, oversize, not a valid manifest). */
  readonly rejected: number;
  /** Fetches that timed out or failed on the network. */
  readonly unavailable: number;
  /** Announcements dropped because a queue was full. */
  readonly dropped: number;
  /** Manifests waiting for their previous version. */
  readonly pending: number;
  /** Catch-up exchanges completed. */
  readonly syncs: number;
}

/** What the replicator needs from the registry. */
export interface ReplicatorHost {
  readonly index: ManifestIndex;
  /** Ingests a block fetched from a peer (canonical bytes required; must hash to `cid`). */
  ingest(bytes: Uint8Array, cid: string, signal: AbortSignal): Promise<IngestResult>;
  readonly fetchTimeoutMs: number;
  readonly maxFetchesPerPeer: number;
  readonly maxConcurrentFetches: number;
  readonly maxQueuedFetches: number;
  readonly maxPending: number;
  readonly syncIntervalMs: number;
  readonly redialIntervalMs: number;
}

interface Job {
  readonly cid: string;
  readonly peer: string;
  readonly promise: Promise<FetchOutcome>;
  readonly resolve: (outcome: FetchOutcome) => void;
}

interface Pending {
  readonly cid: string;
  readonly bytes: Uint8Array;
  readonly peer: string;
  readonly previous: string;
}

function peerOf(connectionOrId: PeerId | Connection): string {
  return 'remotePeer' in connectionOrId ? connectionOrId.remotePeer.toString() : connectionOrId.toString();
}

/**
 * Replication between nodes. New manifests are announced by CID on a gossipsub topic; a receiver
 * fetches the block over bitswap, verifies and indexes it, and only then lets gossipsub forward the
 * announcement (async validation), so invalid ones die at the first honest node. Catch-up: on every
 * connection, and every `syncIntervalMs`, a node asks each peer for the part of its ingest log it has
 * not seen yet (a cursor per peer), in pages of {@link SYNC_PAGE}. Everything pulled from the network is
 * bounded: queue sizes, fetches per peer, block size, fetch time and held manifests.
 */
export class Replicator {
  readonly #node: EmbeddedNode;
  readonly #host: ReplicatorHost;
  readonly #stop = new AbortController();
  readonly #jobs = new Map<string, Job>();
  readonly #queue: Job[] = [];
  readonly #running = new Map<string, number>();
  readonly #queuedPerPeer = new Map<string, number>();
  #active = 0;
  /** Manifests waiting for their previous version, by the CID of that version. */
  readonly #pending = new Map<string, Pending[]>();
  #pendingCount = 0;
  #pendingBytes = 0;
  /**
   * Held manifests by their own CID: those waiting in `#pending`, and those released and being ingested.
   * This node has their bytes, so they are never fetched again (bitswap would not deliver a block it
   * has just delivered: the sender does not resend it for a while, and the fetch would hang).
   */
  readonly #held = new Map<string, Pending>();
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
    };
  }

  stats(): ReplicatorStats {
    return {
      ...this.#counters,
      connections: new Set(this.#node.libp2p.getConnections().map(peerOf)).size,
      pending: this.#pendingCount,
    };
  }

  async start(peers: readonly string[]): Promise<void> {
    const { libp2p } = this.#node;
    await libp2p.handle(SYNC_PROTOCOL, (stream) => this.#serveSync(stream), { maxInboundStreams: 8 });
    const pubsub = libp2p.services.pubsub;
    pubsub.addEventListener('gossipsub:message', (event) => {
      const { msg, msgId, propagationSource } = event.detail;
      if (msg.topic !== ANNOUNCE_TOPIC) return;
      this.#onAnnouncement(msg.data, msgId, propagationSource.toString());
    });
    pubsub.subscribe(ANNOUNCE_TOPIC);
    libp2p.addEventListener('peer:identify', (event) => {
      const { peerId, protocols } = event.detail;
      if (!protocols.includes(SYNC_PROTOCOL)) return;
      void this.sync(peerId);
      // Announcements published before both sides learned each other's topic subscription are lost;
      // two early follow-ups close that window without waiting for the periodic catch-up.
      for (const delay of FOLLOW_UP_SYNC_MS) {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          if (libp2p.getConnections(peerId).length > 0) void this.sync(peerId);
        }, delay).unref();
        this.#timers.add(timer);
      }
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
        for (const connection of libp2p.getConnections()) void this.sync(connection.remotePeer);
      }, this.#host.syncIntervalMs).unref(),
    );
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const job of this.#queue.splice(0)) job.resolve('dropped');
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

  #release(cid: string): void {
    const waiting = this.#pending.get(cid);
    if (waiting === undefined) return;
    this.#pending.delete(cid);
    for (const entry of waiting) {
      this.#pendingCount--;
      this.#pendingBytes -= entry.bytes.byteLength;
      // Not inside the caller's write: the ingest takes the write lock itself. The entry stays in #held
      // until the ingest is over, so that nothing fetches it meanwhile.
      setImmediate(() => {
        void this.#ingestFetched(entry.cid, entry.bytes, entry.peer).finally(() => {
          if (this.#held.get(entry.cid) === entry) this.#held.delete(entry.cid);
        });
      });
    }
  }

  #redial(): void {
    const { libp2p } = this.#node;
    const connected = new Set(libp2p.getConnections().map(peerOf));
    for (const { peer, address } of this.#peers) {
      if ((peer !== undefined && connected.has(peer)) || this.#dialing.has(address)) continue;
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
    const cid =
      data.byteLength <= MAX_CID_LENGTH ? new TextDecoder('utf-8', { fatal: false }).decode(data) : '';
    if (!isBlockCid(cid)) {
      this.#counters.rejected++;
      this.#report(msgId, source, TopicValidatorResult.Reject);
      return;
    }
    if (this.#host.index.has(cid)) {
      this.#report(msgId, source, TopicValidatorResult.Accept);
      return;
    }
    const received = Date.now();
    this.#validating.add(cid);
    void this.#fetch(cid, source).then((outcome) => {
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
   * Queues a fetch of `cid`, attributed to `peer` for the per-peer bounds; joins a fetch in progress.
   * A held manifest is not fetched: it is `pending` until its previous version is indexed.
   */
  #fetch(cid: string, peer: string): Promise<FetchOutcome> {
    if (this.#held.has(cid)) return Promise.resolve('pending');
    const existing = this.#jobs.get(cid);
    if (existing !== undefined) return existing.promise;
    if (this.#stop.signal.aborted) return Promise.resolve('dropped');
    const queuedForPeer = this.#queuedPerPeer.get(peer) ?? 0;
    if (this.#queue.length >= this.#host.maxQueuedFetches || queuedForPeer >= MAX_QUEUED_PER_PEER) {
      this.#counters.dropped++;
      return Promise.resolve('dropped');
    }
    let resolve!: (outcome: FetchOutcome) => void;
    const promise = new Promise<FetchOutcome>((r) => {
      resolve = r;
    });
    const job: Job = { cid, peer, promise, resolve };
    this.#jobs.set(cid, job);
    this.#queue.push(job);
    this.#queuedPerPeer.set(peer, queuedForPeer + 1);
    void promise.then(() => this.#jobs.delete(cid));
    this.#pump();
    return promise;
  }

  #pump(): void {
    while (this.#active < this.#host.maxConcurrentFetches) {
      const index = this.#queue.findIndex(
        (job) => (this.#running.get(job.peer) ?? 0) < this.#host.maxFetchesPerPeer,
      );
      if (index === -1) return;
      const [job] = this.#queue.splice(index, 1) as [Job];
      this.#queuedPerPeer.set(job.peer, (this.#queuedPerPeer.get(job.peer) ?? 1) - 1);
      this.#active++;
      this.#running.set(job.peer, (this.#running.get(job.peer) ?? 0) + 1);
      void this.#run(job).then((outcome) => {
        this.#active--;
        this.#running.set(job.peer, (this.#running.get(job.peer) ?? 1) - 1);
        job.resolve(outcome);
        this.#pump();
      });
    }
  }

  async #run(job: Job): Promise<FetchOutcome> {
    if (this.#host.index.has(job.cid)) return 'indexed';
    const fetched = await this.fetchBlock(job.cid);
    if (!fetched.ok) {
      if (fetched.code === 'BLOCK_TOO_LARGE') {
        this.#counters.rejected++;
        return 'invalid';
      }
      this.#counters.unavailable++;
      return 'unavailable';
    }
    return this.#ingestFetched(job.cid, fetched.value, job.peer);
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
      if (result.value.status === 'added') this.#counters.replicated++;
      return 'indexed';
    }
    switch (result.code) {
      case 'CHAIN_PREVIOUS_UNKNOWN':
        return this.#hold(cid, bytes, peer);
      case 'CATALOG_PAGE_MISSING':
      case 'REGISTRY_STOPPED':
        this.#counters.unavailable++;
        return 'unavailable';
      default:
        this.#counters.rejected++;
        return 'invalid';
    }
  }

  /**
   * Holds a valid manifest whose previous version this node lacks, fetches that version from the peer
   * (unless it is held itself: then its own previous version is being fetched) and asks the peer for its
   * log soon, which names the rest of the gap; the manifest is ingested when its previous version is
   * indexed (see {@link added}). Bounded in count and bytes: beyond, the manifest is dropped and a
   * catch-up brings it back later.
   */
  #hold(cid: string, bytes: Uint8Array, peer: string): FetchOutcome {
    const previous = this.#previousOf(bytes);
    if (previous === undefined) {
      this.#counters.rejected++;
      return 'invalid';
    }
    const held = this.#held.get(cid);
    if (held === undefined || !(this.#pending.get(held.previous)?.includes(held) ?? false)) {
      if (
        this.#pendingCount >= this.#host.maxPending ||
        this.#pendingBytes + bytes.byteLength > MAX_PENDING_BYTES
      ) {
        this.#counters.dropped++;
        return 'dropped';
      }
      const entry: Pending = { cid, bytes, peer, previous };
      const waiting = this.#pending.get(previous) ?? [];
      waiting.push(entry);
      this.#pending.set(previous, waiting);
      this.#held.set(cid, entry);
      this.#pendingCount++;
      this.#pendingBytes += bytes.byteLength;
    }
    if (this.#host.index.has(previous)) this.#release(previous);
    else if (!this.#held.has(previous)) {
      void this.#fetch(previous, peer);
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

  /** The `previous` CID of a manifest that already verified (only its shape is read here). */
  #previousOf(bytes: Uint8Array): string | undefined {
    try {
      const document = JSON.parse(new TextDecoder().decode(bytes)) as {
        credentialSubject?: { previous?: unknown };
      };
      const previous = document.credentialSubject?.previous;
      return typeof previous === 'string' && isBlockCid(previous) ? previous : undefined;
    } catch {
      return undefined;
    }
  }

  /** Catches up with one peer: pages through its log from the stored cursor. One exchange per peer at a time. */
  sync(peerId: PeerId): Promise<void> {
    const peer = peerId.toString();
    const running = this.#syncing.get(peer);
    if (running !== undefined) return running;
    const task = this.#syncWith(peerId)
      .catch(() => undefined)
      .finally(() => this.#syncing.delete(peer));
    this.#syncing.set(peer, task);
    return task;
  }

  async #syncWith(peerId: PeerId): Promise<void> {
    const peer = peerId.toString();
    const index = this.#host.index;
    for (let round = 0; round < 10_000 && !this.#stop.signal.aborted; round++) {
      const cursor = index.cursor(peer);
      const response = await this.#requestLog(peerId, cursor?.epoch ?? null, cursor?.seq ?? 0);
      if (response === undefined) return;
      const sameEpoch = cursor !== undefined && response.epoch === cursor.epoch;
      let last = sameEpoch ? cursor.seq : 0;
      const wanted = response.entries.filter(([, cid]) => !index.has(cid));
      const outcomes = await Promise.all(wanted.map(([, cid]) => this.#fetch(cid, peer)));
      const failedAt = wanted.findIndex((_, i) => outcomes[i] === 'unavailable' || outcomes[i] === 'dropped');
      const stopSeq = failedAt === -1 ? undefined : (wanted[failedAt] as [number, string])[0];
      for (const [seq] of response.entries) {
        if (stopSeq !== undefined && seq >= stopSeq) break;
        last = seq;
      }
      index.setCursor(peer, response.epoch, last);
      // Entries dropped for lack of room are asked for again soon, not at the next periodic catch-up.
      if (failedAt !== -1 && outcomes[failedAt] === 'dropped') this.#promptSync(peer);
      if (stopSeq !== undefined || !response.more) break;
    }
    this.#counters.syncs++;
  }

  async #requestLog(
    peerId: PeerId,
    epoch: string | null,
    after: number,
  ): Promise<{ epoch: string; entries: [number, string][]; more: boolean } | undefined> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(SYNC_TIMEOUT_MS)]);
    const stream = await this.#node.libp2p.dialProtocol(peerId, SYNC_PROTOCOL, { signal });
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_SYNC_RESPONSE });
      await lp.write(new TextEncoder().encode(JSON.stringify({ epoch, after, limit: SYNC_PAGE })), {
        signal,
      });
      const raw = await lp.read({ signal });
      await stream.close({ signal }).catch(() => undefined);
      return parseLogResponse(raw.subarray());
    } catch {
      stream.abort(new Error('sync failed'));
      return undefined;
    }
  }

  async #serveSync(stream: Stream): Promise<void> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(SYNC_TIMEOUT_MS)]);
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_SYNC_REQUEST });
      const request = parseLogRequest((await lp.read({ signal })).subarray());
      if (request === undefined) {
        stream.abort(new Error('bad sync request'));
        return;
      }
      const index = this.#host.index;
      const after = request.epoch === index.epoch ? request.after : 0;
      const entries = index.logAfter(after, request.limit + 1);
      const more = entries.length > request.limit;
      const body = { epoch: index.epoch, entries: entries.slice(0, request.limit), more };
      await lp.write(new TextEncoder().encode(JSON.stringify(body)), { signal });
      await stream.close({ signal });
    } catch {
      stream.abort(new Error('sync failed'));
    }
  }
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function parseLogRequest(
  bytes: Uint8Array,
): { epoch: string | null; after: number; limit: number } | undefined {
  const value = parseJsonObject(bytes);
  if (value === undefined) return undefined;
  const { epoch, after, limit } = value;
  if (epoch !== null && (typeof epoch !== 'string' || epoch.length > MAX_EPOCH_LENGTH)) return undefined;
  if (!Number.isSafeInteger(after) || (after as number) < 0) return undefined;
  if (!Number.isSafeInteger(limit) || (limit as number) < 1) return undefined;
  return { epoch, after: after as number, limit: Math.min(limit as number, SYNC_PAGE) };
}

/** Checks a peer's log page: bounded, CIDs well formed, positions increasing. */
function parseLogResponse(
  bytes: Uint8Array,
): { epoch: string; entries: [number, string][]; more: boolean } | undefined {
  const value = parseJsonObject(bytes);
  if (value === undefined) return undefined;
  const { epoch, entries, more } = value;
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > MAX_EPOCH_LENGTH) return undefined;
  if (typeof more !== 'boolean' || !Array.isArray(entries) || entries.length > SYNC_PAGE) return undefined;
  const checked: [number, string][] = [];
  let last = -1;
  for (const entry of entries as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) return undefined;
    const [seq, cid] = entry as [unknown, unknown];
    if (!Number.isSafeInteger(seq) || (seq as number) <= last) return undefined;
    if (typeof cid !== 'string' || cid.length > MAX_CID_LENGTH || !isBlockCid(cid)) return undefined;
    last = seq as number;
    checked.push([seq as number, cid]);
  }
  return { epoch, entries: checked, more };
}
