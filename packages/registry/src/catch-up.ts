import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { isBlockCid } from './block-store.js';
import type { FetchOutcome } from './fetch-queue.js';
import type { NodeState } from './node-state.js';

/** The catch-up protocol: "what did you index after position N of your log?" */
export const SYNC_PROTOCOL = '/assent/sync/1.0.0';
/** Log entries per sync response. */
export const SYNC_PAGE = 256;

const MAX_SYNC_REQUEST = 1024;
const MAX_SYNC_RESPONSE = 64 * 1024;
const MAX_EPOCH_LENGTH = 64;
/** The longest CID text accepted from a peer. */
export const MAX_CID_LENGTH = 128;
const SYNC_TIMEOUT_MS = 10_000;

/** A node's ingest log, as it serves it to peers. */
export interface IngestLog {
  /** Identifies the log; a new one after `reindex`, so peers restart their cursors. */
  readonly epoch: string;
  /** Entries after position `seq`, at most `limit`. */
  after(seq: number, limit: number): [number, string][];
}

/** One page of a peer's log. */
export interface LogPage {
  readonly epoch: string;
  readonly entries: [number, string][];
  readonly more: boolean;
}

/** Answers one catch-up request on `stream` from `log`. */
export async function serveSync(stream: Stream, log: IngestLog, stop: AbortSignal): Promise<void> {
  const signal = AbortSignal.any([stop, AbortSignal.timeout(SYNC_TIMEOUT_MS)]);
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_SYNC_REQUEST });
    const request = parseLogRequest((await lp.read({ signal })).subarray());
    if (request === undefined) {
      stream.abort(new Error('bad sync request'));
      return;
    }
    const epoch = log.epoch;
    const after = request.epoch === epoch ? request.after : 0;
    const entries = log.after(after, request.limit + 1);
    const more = entries.length > request.limit;
    const body: LogPage = { epoch, entries: entries.slice(0, request.limit), more };
    await lp.write(new TextEncoder().encode(JSON.stringify(body)), { signal });
    await stream.close({ signal });
  } catch {
    stream.abort(new Error('sync failed'));
  }
}

/**
 * Asks `peerId` for its log after `after` (in `epoch`); undefined when the exchange fails. `protocol`:
 * which of its logs, the manifests' (default) or another served the same way (attestations).
 */
export async function requestLog(
  libp2p: Libp2p,
  peerId: PeerId,
  epoch: string | null,
  after: number,
  stop: AbortSignal,
  protocol: string = SYNC_PROTOCOL,
): Promise<LogPage | undefined> {
  const signal = AbortSignal.any([stop, AbortSignal.timeout(SYNC_TIMEOUT_MS)]);
  let stream: Stream;
  try {
    stream = await libp2p.dialProtocol(peerId, protocol, { signal });
  } catch {
    return undefined;
  }
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

/** What a catch-up needs from the replicator. */
export interface CatchUpDeps {
  readonly state: NodeState;
  has(cid: string): boolean;
  request(epoch: string | null, after: number): Promise<LogPage | undefined>;
  /** Fetches and ingests one entry of the peer's log. */
  fetch(cid: string): Promise<FetchOutcome>;
  readonly stop: AbortSignal;
}

/** How a catch-up ended. */
export interface CatchUpResult {
  /** The peer's whole log was read and every entry is indexed, held durably or known invalid. */
  readonly complete: boolean;
  /** An entry was dropped for lack of room: ask again soon. */
  readonly dropped: boolean;
}

/**
 * Catches up with one peer from the stored cursor, a page at a time. The cursor moves past an entry
 * only once it is indexed, held durably (its previous version missing) or known invalid; at the first
 * entry that could not be fetched or had no room, the cursor stops before it and the next catch-up
 * asks for it again. So neither a crash nor a failed fetch loses an entry.
 */
export async function catchUp(peer: string, deps: CatchUpDeps): Promise<CatchUpResult> {
  for (let round = 0; round < 10_000 && !deps.stop.aborted; round++) {
    const cursor = deps.state.cursor(peer);
    const page = await deps.request(cursor?.epoch ?? null, cursor?.seq ?? 0);
    if (page === undefined) return { complete: false, dropped: false };
    const sameEpoch = cursor !== undefined && page.epoch === cursor.epoch;
    let last = sameEpoch ? cursor.seq : 0;
    const wanted = page.entries.filter(([, cid]) => !deps.has(cid));
    const outcomes = await Promise.all(wanted.map(([, cid]) => deps.fetch(cid)));
    const failedAt = outcomes.findIndex((o) => o === 'unavailable' || o === 'dropped');
    const stopSeq = failedAt === -1 ? undefined : (wanted[failedAt] as [number, string])[0];
    for (const [seq] of page.entries) {
      if (stopSeq !== undefined && seq >= stopSeq) break;
      last = seq;
    }
    deps.state.setCursor(peer, page.epoch, last);
    if (stopSeq !== undefined) return { complete: false, dropped: outcomes[failedAt] === 'dropped' };
    if (!page.more) return { complete: true, dropped: false };
  }
  return { complete: false, dropped: false };
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
function parseLogResponse(bytes: Uint8Array): LogPage | undefined {
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
