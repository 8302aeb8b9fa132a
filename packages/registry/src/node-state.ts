import Database from 'better-sqlite3';

/** A manifest held until its previous version is indexed. */
export interface HeldManifest {
  readonly cid: string;
  readonly previous: string;
  readonly issuer: string;
  /** The peer it came from (asked again for the gap). */
  readonly peer: string;
  readonly bytes: Uint8Array;
  /** When it is dropped if still held (ms since the epoch). */
  readonly expires: number;
}

/** Bounds of the held manifests. */
export interface HeldBounds {
  readonly maxHeld: number;
  readonly maxHeldBytes: number;
  readonly maxHeldPerCreator: number;
}

type HeldRow = [string, string, string, string, Uint8Array, number];

function toHeld([cid, previous, issuer, peer, bytes, expires]: HeldRow): HeldManifest {
  return { cid, previous, issuer, peer, bytes: new Uint8Array(bytes), expires };
}

/**
 * What a node remembers about the network, apart from the index: peers' catch-up cursors, when each
 * peer was last caught up with, and the manifests held for their previous version. Not derived from
 * the blockstore, so it lives in its own SQLite file (`state.sqlite`) and `reindex` does not rebuild
 * it: `reindex` resets the cursors instead, since the restored blocks may be older than what they
 * pointed past. Writes are synchronous and committed before the caller goes on, so a held manifest
 * survives `kill -9` and a cursor never passes something that was only in memory.
 */
export class NodeState {
  readonly #db: Database.Database;
  readonly #stmt: ReturnType<NodeState['prepare']>;
  /** CIDs held, mirrored in memory: checked for every announcement. */
  readonly #heldCids = new Set<string>();
  #heldBytes = 0;

  constructor(file: string, options: { fsync: boolean }) {
    this.#db = new Database(file);
    this.#db.pragma('locking_mode = EXCLUSIVE');
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.fsync ? 'FULL' : 'NORMAL'}`);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS cursors (peer TEXT PRIMARY KEY, epoch TEXT NOT NULL, seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS synced (peer TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS held (
        cid TEXT PRIMARY KEY,
        previous TEXT NOT NULL,
        issuer TEXT NOT NULL,
        peer TEXT NOT NULL,
        bytes BLOB NOT NULL,
        expires INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS held_by_previous ON held (previous);
      CREATE INDEX IF NOT EXISTS held_by_issuer ON held (issuer);
      CREATE INDEX IF NOT EXISTS held_by_expiry ON held (expires);
    `);
    this.#stmt = this.prepare();
    for (const [cid, size] of this.#stmt.heldSizes.all() as [string, number][]) {
      this.#heldCids.add(cid);
      this.#heldBytes += size;
    }
  }

  private prepare() {
    const db = this.#db;
    const heldColumns = 'cid, previous, issuer, peer, bytes, expires';
    return {
      cursor: db.prepare('SELECT epoch, seq FROM cursors WHERE peer = ?'),
      setCursor: db.prepare('INSERT OR REPLACE INTO cursors (peer, epoch, seq) VALUES (?, ?, ?)'),
      resetCursors: db.prepare('DELETE FROM cursors'),
      synced: db.prepare('SELECT at FROM synced WHERE peer = ?').pluck(),
      setSynced: db.prepare('INSERT OR REPLACE INTO synced (peer, at) VALUES (?, ?)'),
      heldSizes: db.prepare('SELECT cid, length(bytes) FROM held').raw(),
      hold: db.prepare(`INSERT OR IGNORE INTO held (${heldColumns}) VALUES (?, ?, ?, ?, ?, ?)`),
      heldFor: db.prepare(`SELECT ${heldColumns} FROM held WHERE previous = ?`).raw(),
      heldAll: db.prepare(`SELECT ${heldColumns} FROM held ORDER BY expires`).raw(),
      heldByIssuer: db.prepare('SELECT count(*) FROM held WHERE issuer = ?').pluck(),
      expired: db.prepare('SELECT cid, length(bytes) FROM held WHERE expires <= ?').raw(),
      release: db.prepare('DELETE FROM held WHERE cid = ? RETURNING length(bytes)').pluck(),
    };
  }

  /** The position in `peer`'s log up to which everything was indexed, held durably or found invalid. */
  cursor(peer: string): { epoch: string; seq: number } | undefined {
    return this.#stmt.cursor.get(peer) as { epoch: string; seq: number } | undefined;
  }

  setCursor(peer: string, epoch: string, seq: number): void {
    this.#stmt.setCursor.run(peer, epoch, seq);
  }

  /** Forgets every cursor: the next catch-up with each peer reads its whole log (known CIDs are skipped). */
  resetCursors(): void {
    this.#stmt.resetCursors.run();
  }

  /** When a catch-up with `peer` last read its log to the end (ms since the epoch). */
  lastSync(peer: string): number | undefined {
    return this.#stmt.synced.get(peer) as number | undefined;
  }

  setLastSync(peer: string, at: number): void {
    this.#stmt.setSynced.run(peer, at);
  }

  isHeld(cid: string): boolean {
    return this.#heldCids.has(cid);
  }

  get heldCount(): number {
    return this.#heldCids.size;
  }

  /**
   * Holds a manifest, durably, unless a bound is reached (expired entries are dropped first).
   * @returns false when it could not be held.
   */
  hold(entry: HeldManifest, bounds: HeldBounds, now: number): boolean {
    if (this.#heldCids.has(entry.cid)) return true;
    const full = () =>
      this.#heldCids.size >= bounds.maxHeld ||
      this.#heldBytes + entry.bytes.byteLength > bounds.maxHeldBytes ||
      (this.#stmt.heldByIssuer.get(entry.issuer) as number) >= bounds.maxHeldPerCreator;
    if (full()) {
      this.expire(now);
      if (full()) return false;
    }
    const { cid, previous, issuer, peer, bytes, expires } = entry;
    this.#stmt.hold.run(cid, previous, issuer, peer, bytes, expires);
    this.#heldCids.add(cid);
    this.#heldBytes += bytes.byteLength;
    return true;
  }

  /** The manifests waiting for `previous`. */
  heldFor(previous: string): HeldManifest[] {
    return (this.#stmt.heldFor.all(previous) as HeldRow[]).map(toHeld);
  }

  /** Every held manifest, soonest to expire first. */
  held(): HeldManifest[] {
    return (this.#stmt.heldAll.all() as HeldRow[]).map(toHeld);
  }

  /** Stops holding `cid` (indexed, or found invalid). */
  release(cid: string): void {
    const size = this.#stmt.release.get(cid) as number | undefined;
    if (size === undefined) return;
    this.#heldCids.delete(cid);
    this.#heldBytes -= size;
  }

  /** Drops the held manifests whose time is up; returns how many. */
  expire(now: number): number {
    const rows = this.#stmt.expired.all(now) as [string, number][];
    for (const [cid] of rows) this.release(cid);
    return rows.length;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
