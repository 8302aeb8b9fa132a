import {
  encodeBase64,
  equalBytes,
  MAX_NOTE_BYTES,
  type NoteVerifier,
  TILE_WIDTH,
  tilePath,
  verifyCheckpoint,
} from '@assent/tlog';
import type Database from 'better-sqlite3';
import type { EquivocationStore, SeenCheckpoint } from './equivocations.js';
import type { LogPeers, ResolvedLogPeer } from './log-peers.js';
import type { NodeLog, StoredCheckpoint } from './node-log.js';
import { fetchPeer, textOf } from './peer-fetch.js';
import { type HashTile, withTileTree } from './tile-tree.js';
import type { RegistryLogger } from './types.js';
import { originHash } from './witness.js';

/** What a {@link SplitViewMonitor} needs. */
export interface SplitViewMonitorDeps {
  readonly db: Database.Database;
  /** This node's own log: its origin, key, tree, and a checkpoint covering a size. */
  readonly own: {
    readonly origin: string;
    readonly key: NoteVerifier;
    readonly log: NodeLog;
    readonly covering: (size: number) => Promise<StoredCheckpoint>;
  };
  readonly peers: LogPeers;
  /** The note this node's witness last cosigned for an origin. */
  readonly cosigned: (origin: string) => string | undefined;
  readonly evidence: EquivocationStore;
  readonly timeoutMs: number;
  readonly logger: RegistryLogger | undefined;
  readonly now: () => Date;
  /** Aborted when the node stops. */
  readonly signal: AbortSignal;
}

/** Notes already compared, remembered so that a replayed checkpoint costs no second look. */
const MAX_CHECKED = 4096;
/** Full tiles never change: kept (8 KiB each) so that a poll reads mostly the partial ones. */
const MAX_CACHED_TILES = 512;

/**
 * Split-view detection (docs/witnessing.md). The node polls each log peer over HTTP for the checkpoint
 * its log serves (`GET /log/checkpoint`) and for the checkpoint it last cosigned of every other log
 * this node knows (`GET /witness/<origin hash>/checkpoint`, tlog-witness §"Monitor Retrieval
 * Mechanism"), and hears of every checkpoint its own witness is asked to cosign. Each checkpoint whose
 * log signature verifies is compared with the highest this node holds for that origin
 * (`log_views` in `index.sqlite`):
 * - one size, two roots: evidence at once (`same-size`), from the two notes alone;
 * - two sizes: both are checked against the log's current checkpoint and its tlog-tiles (the tiles
 *   must rebuild that checkpoint's root, or nothing is concluded); a checkpoint whose root is not the
 *   root the log's own tree has at its size is evidence (`inconsistent`), with the consistency proof
 *   from the tiles, which anyone can check offline. For this node's own origin, its own tree decides.
 * Evidence goes to the {@link EquivocationStore}. Observations of one origin are handled one at a time.
 */
export class SplitViewMonitor {
  readonly #deps: SplitViewMonitorDeps;
  readonly #stmt: { get: Database.Statement; put: Database.Statement };
  readonly #queues = new Map<string, Promise<void>>();
  readonly #checked = new Set<string>();
  readonly #tiles = new Map<string, Uint8Array>();

  constructor(deps: SplitViewMonitorDeps) {
    this.#deps = deps;
    deps.db.exec(`
      CREATE TABLE IF NOT EXISTS log_views (
        origin TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        root BLOB NOT NULL,
        note TEXT NOT NULL,
        source TEXT NOT NULL,
        seen_at TEXT NOT NULL
      );
    `);
    this.#stmt = {
      get: deps.db.prepare('SELECT size, root, note FROM log_views WHERE origin = ?'),
      put: deps.db.prepare(
        'INSERT OR REPLACE INTO log_views (origin, size, root, note, source, seen_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /** The highest checkpoint held for a peer's origin. */
  view(origin: string): SeenCheckpoint | undefined {
    const row = this.#stmt.get.get(origin) as { size: number; root: Uint8Array; note: string } | undefined;
    return row === undefined ? undefined : { size: row.size, root: new Uint8Array(row.root), note: row.note };
  }

  /**
   * Compares a signed checkpoint of `origin`, seen at `source`, with what this node holds. `current`:
   * it is what the log itself serves now (its `/log/checkpoint`). Never rejects.
   */
  observe(origin: string, note: string, source: string, current = false): Promise<void> {
    const previous = this.#queues.get(origin) ?? Promise.resolve();
    const next = previous.then(() =>
      this.#observe(origin, note, source, current).catch((error: unknown) => {
        if (!this.#deps.signal.aborted)
          this.#deps.logger?.warn({ origin, source, err: error }, 'a checkpoint could not be compared');
      }),
    );
    this.#queues.set(origin, next);
    void next.then(() => {
      if (this.#queues.get(origin) === next) this.#queues.delete(origin);
    });
    return next;
  }

  /**
   * One round over the log peers (whose keys are known): what this node cosigned of each (compared
   * again, in case the log's own checkpoint was too small to judge it when it came), their logs, and
   * what they cosigned.
   */
  async poll(): Promise<void> {
    const { peers, own, signal } = this.#deps;
    const resolved = peers.resolved();
    const origins = [own.origin, ...resolved.map((p) => p.origin)];
    for (const peer of resolved) {
      const mine = this.#deps.cosigned(peer.origin);
      if (mine !== undefined) void this.observe(peer.origin, mine, 'witness');
    }
    await Promise.all(
      resolved.map(async (peer) => {
        try {
          const current = await this.#get(`${peer.url}/log/checkpoint`);
          if (current !== undefined)
            await this.observe(peer.origin, current, `${peer.url}/log/checkpoint`, true);
          for (const origin of origins) {
            if (origin === peer.origin || signal.aborted) continue;
            const url = `${peer.url}/witness/${originHash(origin)}/checkpoint`;
            const cosigned = await this.#get(url);
            if (cosigned !== undefined) await this.observe(origin, cosigned, url);
          }
          peers.setError(peer.url, null);
        } catch (error) {
          peers.setError(peer.url, (error as Error).message);
          this.#deps.logger?.debug({ peer: peer.url, err: error }, 'a log peer could not be polled');
        }
      }),
    );
  }

  /** A note at `url`, or undefined on 404; throws on anything else. */
  async #get(url: string): Promise<string | undefined> {
    const response = await fetchPeer(url, {
      timeoutMs: this.#deps.timeoutMs,
      maxBytes: MAX_NOTE_BYTES,
      signal: this.#deps.signal,
    });
    if (response.status === 404) return undefined;
    const text = textOf(response);
    if (response.status !== 200 || text === undefined) throw new Error(`${url}: HTTP ${response.status}`);
    return text;
  }

  async #observe(origin: string, note: string, source: string, current: boolean): Promise<void> {
    const { own, peers } = this.#deps;
    const peer = origin === own.origin ? undefined : peers.byOrigin(origin);
    const key = origin === own.origin ? own.key : peer?.log;
    if (key === undefined) return;
    const verified = await verifyCheckpoint(note, { log: [key] });
    // A note the log did not sign says nothing about the log.
    if (!verified.ok) {
      this.#deps.logger?.debug(
        { origin, source, code: verified.code },
        'a checkpoint that does not verify was ignored',
      );
      return;
    }
    const seen: SeenCheckpoint = { size: verified.value.size, root: verified.value.root, note };
    const id = `${origin} ${seen.size} ${encodeBase64(seen.root)}`;
    if (this.#checked.has(id) || this.#deps.signal.aborted) return;
    const settled =
      peer === undefined
        ? await this.#checkOwn(seen, source)
        : await this.#checkPeer(peer, seen, source, current);
    this.#deps.logger?.debug(
      { origin, size: seen.size, source, settled, held: this.view(origin)?.size },
      'a checkpoint was compared',
    );
    if (!settled) return;
    if (this.#checked.size >= MAX_CHECKED) this.#checked.clear();
    this.#checked.add(id);
  }

  /** A checkpoint of this node's own origin: its own tree is the judge. */
  async #checkOwn(seen: SeenCheckpoint, source: string): Promise<boolean> {
    const { own, evidence, logger } = this.#deps;
    const size = own.log.size();
    if (seen.size === 0) return true;
    if (seen.size > size) {
      logger?.error(
        { origin: own.origin, size: seen.size, logSize: size, source },
        'a checkpoint of this node’s log is larger than the log: the log was rolled back (restored from an old backup?) or its key signed another history',
      );
      return true;
    }
    const tree = own.log.tree(size);
    if (equalBytes(tree.root(seen.size), seen.root)) return true;
    logger?.error(
      { origin: own.origin, size: seen.size, source },
      'this node’s log key signed a checkpoint its log never had: the key may be compromised',
    );
    const ours = await own.covering(seen.size);
    const oursSeen: SeenCheckpoint = { size: ours.size, root: tree.root(ours.size), note: ours.note };
    if (ours.size === seen.size) evidence.record(own.origin, seen, oursSeen, source);
    else
      evidence.record(own.origin, seen, oursSeen, source, {
        hashes: tree.consistencyProof(seen.size, ours.size),
        root: tree.root(seen.size),
      });
    return true;
  }

  /** A checkpoint of a peer's log, against the highest held and, when the sizes differ, the log's tiles. */
  async #checkPeer(
    peer: ResolvedLogPeer,
    seen: SeenCheckpoint,
    source: string,
    current: boolean,
  ): Promise<boolean> {
    const { evidence, logger } = this.#deps;
    const held = this.view(peer.origin);
    if (held === undefined) {
      this.#hold(peer.origin, seen, source);
      return true;
    }
    if (held.size === seen.size) {
      if (!equalBytes(held.root, seen.root)) evidence.record(peer.origin, held, seen, source);
      return true;
    }
    const authority = current ? seen : await this.#current(peer);
    if (authority === undefined) return false;
    const candidates = [held, seen].filter((c) => c.size > 0 && c.size <= authority.size);
    const rebuilt = await withTileTree(
      authority.size,
      (tile) => this.#tile(peer, tile),
      (tree) => ({
        root: tree.root(),
        roots: candidates.map((c) => tree.root(c.size)),
        proofs: candidates.map((c) =>
          c.size < authority.size ? tree.consistencyProof(c.size, authority.size) : [],
        ),
      }),
    );
    if (rebuilt === undefined || !equalBytes(rebuilt.root, authority.root)) {
      // A bad full tile must not stay cached and spoil every later comparison.
      this.#tiles.clear();
      logger?.warn(
        { origin: peer.origin, peer: peer.url, size: authority.size },
        rebuilt === undefined
          ? 'a log peer’s tiles could not be read; the comparison waits for the next poll'
          : 'a log peer’s tiles do not rebuild its own checkpoint; nothing is concluded from them',
      );
      return false;
    }
    let highest = authority;
    candidates.forEach((c, i) => {
      const root = rebuilt.roots[i] as Uint8Array;
      if (equalBytes(root, c.root)) {
        if (c.size > highest.size) highest = c;
      } else if (c.size === authority.size) {
        evidence.record(peer.origin, c, authority, source);
      } else {
        evidence.record(peer.origin, c, authority, source, {
          hashes: rebuilt.proofs[i] as Uint8Array[],
          root,
        });
      }
    });
    if (held.size > authority.size)
      logger?.warn(
        { origin: peer.origin, peer: peer.url, signed: held.size, served: authority.size },
        'a log peer serves a checkpoint smaller than one it signed before (rolled back?)',
      );
    if (highest.size >= held.size) this.#hold(peer.origin, highest, source);
    // A checkpoint beyond what the log serves now is checked again when it is seen again.
    return seen.size <= authority.size;
  }

  #hold(origin: string, seen: SeenCheckpoint, source: string): void {
    if (this.#deps.signal.aborted) return;
    this.#stmt.put.run(origin, seen.size, seen.root, seen.note, source, this.#deps.now().toISOString());
  }

  /** The checkpoint the peer's log serves now, verified, or undefined. */
  async #current(peer: ResolvedLogPeer): Promise<SeenCheckpoint | undefined> {
    const note = await this.#get(`${peer.url}/log/checkpoint`);
    if (note === undefined) return undefined;
    const verified = await verifyCheckpoint(note, { log: [peer.log] });
    return verified.ok ? { size: verified.value.size, root: verified.value.root, note } : undefined;
  }

  /** A hash tile of a peer's log; a partial one not served any more is cut from the full tile. */
  async #tile(peer: ResolvedLogPeer, tile: HashTile): Promise<Uint8Array | undefined> {
    const full = `${peer.url}/log/${tilePath({ level: tile.level, index: tile.index, width: TILE_WIDTH })}`;
    const cached = this.#tiles.get(full);
    if (cached !== undefined) return cached.subarray(0, 32 * tile.width);
    const read = async (url: string) => {
      const response = await fetchPeer(url, {
        timeoutMs: this.#deps.timeoutMs,
        maxBytes: 32 * TILE_WIDTH,
        signal: this.#deps.signal,
      });
      return response.status === 200 ? response.body : undefined;
    };
    if (tile.width < TILE_WIDTH) {
      const partial = await read(`${peer.url}/log/${tilePath(tile)}`);
      if (partial !== undefined) return partial;
    }
    const bytes = await read(full);
    if (bytes === undefined || bytes.length !== 32 * TILE_WIDTH) return undefined;
    if (this.#tiles.size >= MAX_CACHED_TILES) this.#tiles.clear();
    this.#tiles.set(full, bytes);
    return bytes.subarray(0, 32 * tile.width);
  }
}
