import { randomUUID } from 'node:crypto';
import type { KeyState } from '@assent/manifest';
import type Database from 'better-sqlite3';

/** A manifest as the index knows it. */
export interface IndexedManifest {
  /** Position in this node's ingest log (changes on `reindex`). */
  readonly seq: number;
  readonly cid: string;
  readonly issuer: string;
  readonly version: number;
  readonly previous: string | undefined;
  /** True when no manifest this node holds names it as `previous`: a branch head. */
  readonly tip: boolean;
  /** The creator (spec §5.5): version 1's issuer, whatever key signed this version. */
  readonly creator: string;
  /** The key commitment it carries, if any. */
  readonly keyState: KeyState | undefined;
  /** On a rotation: the key it replaces. */
  readonly rotatedFrom: string | undefined;
  /**
   * When this node first logged it (epoch ms): the time a version became known here, which the
   * 72-hour rules of spec §5.5 will read. Undefined for manifests indexed before schema 2.
   */
  readonly loggedAt: number | undefined;
}

/** The work identifiers a manifest names, inline and per catalog page. */
export interface ManifestWorks {
  readonly inline: readonly string[];
  readonly pages: readonly { readonly cid: string; readonly ids: readonly string[] }[];
}

/** A manifest and the pages (by CID) in which requested works were found; `inline` for the manifest itself. */
export interface IndexHit {
  readonly manifest: string;
  readonly issuer: string;
  /** Its creator: branches are counted per creator, across the keys it rotated through. */
  readonly creator: string;
  /** When this node first logged it (epoch ms), if known. */
  readonly loggedAt: number | undefined;
  /** The version before it. */
  readonly previous: string | undefined;
  readonly inline: boolean;
  readonly pages: readonly string[];
}

/**
 * 2: manifests carry their creator, key commitment and rotation (spec §5.5), and heads are counted per
 * creator. An index at 1 is brought to 2 in place: before rotations existed every creator was its
 * issuer and no manifest could carry a commitment, so nothing needs the blocks.
 */
const SCHEMA_VERSION = '2';
/** Rows of the lookup are fetched this many keys at a time, to bound memory per statement. */
const LOOKUP_CHUNK = 20_000;
/**
 * Up to this many keys are looked up one by one (an indexed equality, joined to the CIDs) rather than
 * through `json_each`: a single `GET /v1/check` asks for one id, or an URL and its few prefixes, and
 * the one-key statement is about 3× cheaper than a one-element `json_each` plus the CID queries.
 */
const FEW_KEYS = 8;

type ManifestRow = [
  number,
  string,
  string,
  number,
  string | null,
  number,
  string,
  string | null,
  string | null,
  number | null,
];

function toManifest(row: ManifestRow): IndexedManifest {
  const [seq, cid, issuer, version, previous, tip, creator, keyState, rotatedFrom, loggedAt] = row;
  return {
    seq,
    cid,
    issuer,
    version,
    previous: previous ?? undefined,
    tip: tip === 1,
    creator,
    // Written by `add` from a verified manifest's keyState: JSON this class wrote.
    keyState: keyState === null ? undefined : (JSON.parse(keyState) as KeyState),
    rotatedFrom: rotatedFrom ?? undefined,
    loggedAt: loggedAt ?? undefined,
  };
}

/**
 * The SQLite index of a node (better-sqlite3, WAL). Derived data: `reindex` rebuilds it from the
 * blockstore (the node's log shares the database but not this class, and is kept). Only branch heads have rows in `works`: a manifest is a snapshot (spec §2), so a
 * superseded version's works no longer decide anything.
 */
export class ManifestIndex {
  readonly #db: Database.Database;
  readonly #stmt: ReturnType<ManifestIndex['prepare']>;
  #epoch: string;
  /**
   * Creators with more than one branch head (forked). Rare, and never fewer once forked, so lookups
   * consult this set instead of asking SQLite for every creator's heads.
   */
  readonly #forkedCreators = new Set<string>();
  #revision = 0;

  /** Over the index database (openIndexDatabase), which the caller opens and closes. */
  constructor(db: Database.Database) {
    this.#db = db;
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS manifests (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        cid TEXT NOT NULL UNIQUE,
        issuer TEXT NOT NULL,
        version INTEGER NOT NULL,
        previous TEXT,
        tip INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS manifests_by_issuer ON manifests (issuer, version);
      CREATE TABLE IF NOT EXISTS pages (id INTEGER PRIMARY KEY, cid TEXT NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS works (
        work TEXT NOT NULL,
        manifest INTEGER NOT NULL,
        page INTEGER NOT NULL,
        PRIMARY KEY (work, manifest, page)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS works_by_manifest ON works (manifest);
      CREATE TABLE IF NOT EXISTS journal (cid TEXT PRIMARY KEY);
      DROP TABLE IF EXISTS peers;
    `);
    const version = (
      this.#db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined
    )?.value;
    if (version === '1') this.#upgradeFrom1();
    else if (version !== undefined && version !== SCHEMA_VERSION)
      throw new Error(`index schema ${version} is not ${SCHEMA_VERSION}; run reindex`);
    else this.#addKeyColumns();
    this.#stmt = this.prepare();
    if (version === undefined) this.#stmt.setMeta.run('schema', SCHEMA_VERSION);
    const epoch = this.#stmt.getMeta.get('epoch') as { value: string } | undefined;
    this.#epoch = epoch?.value ?? this.#newEpoch();
    for (const creator of this.#stmt.multiTip.all() as string[]) this.#forkedCreators.add(creator);
  }

  /** The columns and indexes of schema 2 (spec §5.5), on a new table or one at 2 already. */
  #addKeyColumns(): void {
    const columns = new Set(
      (this.#db.prepare('PRAGMA table_info(manifests)').all() as { name: string }[]).map((c) => c.name),
    );
    if (!columns.has('creator'))
      this.#db.exec("ALTER TABLE manifests ADD COLUMN creator TEXT NOT NULL DEFAULT ''");
    if (!columns.has('key_state')) this.#db.exec('ALTER TABLE manifests ADD COLUMN key_state TEXT');
    if (!columns.has('rotated_from')) this.#db.exec('ALTER TABLE manifests ADD COLUMN rotated_from TEXT');
    if (!columns.has('logged_at')) this.#db.exec('ALTER TABLE manifests ADD COLUMN logged_at INTEGER');
    this.#db.exec(`
      DROP INDEX IF EXISTS manifests_tips;
      CREATE INDEX IF NOT EXISTS manifests_by_creator ON manifests (creator, version);
      CREATE INDEX IF NOT EXISTS manifests_creator_tips ON manifests (creator) WHERE tip = 1;
    `);
  }

  /** Schema 1 → 2 in one transaction: every manifest's creator was its issuer (see SCHEMA_VERSION). */
  #upgradeFrom1(): void {
    this.#db.transaction(() => {
      this.#addKeyColumns();
      this.#db.exec(
        "UPDATE manifests SET creator = issuer; UPDATE meta SET value = '2' WHERE key = 'schema';",
      );
    })();
  }

  private prepare() {
    const db = this.#db;
    const manifestColumns =
      'seq, cid, issuer, version, previous, tip, creator, key_state, rotated_from, logged_at';
    return {
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      byCid: db.prepare(`SELECT ${manifestColumns} FROM manifests WHERE cid = ?`).raw(),
      bySeq: db
        .prepare('SELECT cid, issuer, creator, logged_at, previous FROM manifests WHERE seq = ?')
        .raw(),
      // Heads are read through the partial index of tips: per-ingest and per-lookup cost depends on the
      // creator's branches (bounded by maxBranches), not on the length of their history.
      tipCount: db
        .prepare(
          'SELECT count(*) FROM manifests INDEXED BY manifests_creator_tips WHERE creator = ? AND tip = 1',
        )
        .pluck(),
      multiTip: db
        .prepare('SELECT creator FROM manifests WHERE tip = 1 GROUP BY creator HAVING count(*) > 1')
        .pluck(),
      creatorOfKey: db.prepare('SELECT creator FROM manifests WHERE issuer = ? ORDER BY seq LIMIT 1').pluck(),
      has: db.prepare('SELECT 1 FROM manifests WHERE cid = ?').pluck(),
      insert: db.prepare(
        'INSERT INTO manifests (cid, issuer, version, previous, tip, creator, key_state, rotated_from, logged_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING seq',
      ),
      untip: db.prepare('UPDATE manifests SET tip = 0 WHERE seq = ?'),
      deleteWorks: db.prepare('DELETE FROM works WHERE manifest = ?'),
      insertWork: db.prepare('INSERT OR IGNORE INTO works (work, manifest, page) VALUES (?, ?, ?)'),
      insertPage: db.prepare('INSERT OR IGNORE INTO pages (cid) VALUES (?)'),
      pageId: db.prepare('SELECT id FROM pages WHERE cid = ?').pluck(),
      pageCid: db.prepare('SELECT cid FROM pages WHERE id = ?').pluck(),
      heads: db
        .prepare(
          `SELECT ${manifestColumns} FROM manifests INDEXED BY manifests_creator_tips WHERE creator = ? AND tip = 1 ORDER BY version DESC, cid`,
        )
        .raw(),
      history: db
        .prepare(
          `SELECT ${manifestColumns} FROM manifests WHERE creator = ? AND version > ? ORDER BY version, cid LIMIT ?`,
        )
        .raw(),
      // The keys drive the loop, each one probe of the primary key, in the order given (CROSS JOIN
      // keeps SQLite from reordering). `work IN (SELECT value FROM json_each(?))` first sorted the
      // keys into a temporary index: about 40% slower for 10,000 keys against a million works.
      lookup: db
        .prepare(
          'SELECT DISTINCT w.manifest, w.page FROM json_each(?) AS k CROSS JOIN works AS w ON w.work = k.value',
        )
        .raw(),
      lookupOne: db
        .prepare(
          'SELECT m.cid, m.issuer, m.creator, m.logged_at, m.previous, p.cid FROM works w JOIN manifests m ON m.seq = w.manifest LEFT JOIN pages p ON p.id = w.page WHERE w.work = ?',
        )
        .raw(),
      logAfter: db.prepare('SELECT seq, cid FROM manifests WHERE seq > ? ORDER BY seq LIMIT ?').raw(),
      counts: db.prepare(
        'SELECT (SELECT count(*) FROM manifests) AS manifests, (SELECT count(*) FROM works) AS works',
      ),
      journalAdd: db.prepare('INSERT OR IGNORE INTO journal (cid) VALUES (?)'),
      journalRemove: db.prepare('DELETE FROM journal WHERE cid = ?'),
      journal: db.prepare('SELECT cid FROM journal').pluck(),
    };
  }

  #newEpoch(): string {
    const epoch = randomUUID();
    this.#stmt.setMeta.run('epoch', epoch);
    return epoch;
  }

  /** Identifies this node's ingest log; a new one after `clear`, so peers restart their cursors. */
  get epoch(): string {
    return this.#epoch;
  }

  get(cid: string): IndexedManifest | undefined {
    const row = this.#stmt.byCid.get(cid) as ManifestRow | undefined;
    return row === undefined ? undefined : toManifest(row);
  }

  has(cid: string): boolean {
    return this.#stmt.has.get(cid) !== undefined;
  }

  /**
   * Adds a verified manifest whose chain was checked, in one transaction: the manifest, its works, its
   * predecessor no longer a head, and the journal entry cleared.
   */
  add(
    record: Pick<
      IndexedManifest,
      'cid' | 'issuer' | 'version' | 'previous' | 'creator' | 'keyState' | 'rotatedFrom'
    >,
    works: ManifestWorks,
    loggedAt: number | null = Date.now(),
  ): IndexedManifest {
    this.#revision++;
    return this.#db.transaction(() => {
      const { seq } = this.#stmt.insert.get(
        record.cid,
        record.issuer,
        record.version,
        record.previous ?? null,
        record.creator,
        record.keyState === undefined ? null : JSON.stringify(record.keyState),
        record.rotatedFrom ?? null,
        loggedAt,
      ) as { seq: number };
      if (record.previous !== undefined) {
        const previous = this.get(record.previous);
        if (previous?.tip === true) {
          this.#stmt.untip.run(previous.seq);
          this.#stmt.deleteWorks.run(previous.seq);
        }
      }
      for (const id of works.inline) this.#stmt.insertWork.run(id, seq, 0);
      for (const page of works.pages) {
        this.#stmt.insertPage.run(page.cid);
        const pageId = this.#stmt.pageId.get(page.cid) as number;
        for (const id of page.ids) this.#stmt.insertWork.run(id, seq, pageId);
      }
      this.#stmt.journalRemove.run(record.cid);
      if (this.headCount(record.creator) > 1) this.#forkedCreators.add(record.creator);
      const { cid, issuer, version, previous, creator, keyState, rotatedFrom } = record;
      return {
        seq,
        cid,
        issuer,
        version,
        previous,
        tip: true,
        creator,
        keyState,
        rotatedFrom,
        loggedAt: loggedAt ?? undefined,
      };
    })();
  }

  /** Grows whenever a lookup's answer may change: a manifest added (a head replaced), the index cleared. */
  get revision(): number {
    return this.#revision;
  }

  /** Branch heads of a creator, newest version first (more than one when the creator forked). */
  heads(creator: string): IndexedManifest[] {
    return (this.#stmt.heads.all(creator) as ManifestRow[]).map(toManifest);
  }

  /** Branch heads of a creator, counted through the index of tips. */
  headCount(creator: string): number {
    return this.#stmt.tipCount.get(creator) as number;
  }

  /** A creator's manifests after version `after`, oldest first, at most `limit`. */
  history(creator: string, after: number, limit: number): IndexedManifest[] {
    return (this.#stmt.history.all(creator, after, limit) as ManifestRow[]).map(toManifest);
  }

  /**
   * True when two manifests of the creator share a version (spec §5.3). Every version names one
   * previous, so that happens exactly when the creator has more than one branch head.
   */
  forked(creator: string): boolean {
    return this.#forkedCreators.has(creator);
  }

  /** The creator a key has signed for (spec §5.5: the did:key of its version 1), if it signed any. */
  creatorOfKey(did: string): string | undefined {
    return (this.#stmt.creatorOfKey.get(did) as string | undefined) ?? undefined;
  }

  /** Head manifests naming any of `keys` (normalized ids and url-prefixes), with where they name them. */
  lookup(keys: readonly string[]): IndexHit[] {
    if (keys.length <= FEW_KEYS) return this.#lookupFew(keys);
    const found = new Map<number, { inline: boolean; pages: Set<number> }>();
    for (let start = 0; start < keys.length; start += LOOKUP_CHUNK) {
      const chunk = JSON.stringify(keys.slice(start, start + LOOKUP_CHUNK));
      // all(), not iterate(): one native call per chunk instead of one per row (a tenth of a batch).
      for (const [manifest, page] of this.#stmt.lookup.all(chunk) as [number, number][]) {
        let hit = found.get(manifest);
        if (hit === undefined) {
          hit = { inline: false, pages: new Set() };
          found.set(manifest, hit);
        }
        if (page === 0) hit.inline = true;
        else hit.pages.add(page);
      }
    }
    const hits: IndexHit[] = [];
    for (const [seq, hit] of found) {
      const row = this.#stmt.bySeq.get(seq) as
        | [string, string, string, number | null, string | null]
        | undefined;
      if (row === undefined) continue;
      const pages = [...hit.pages].map((id) => this.#stmt.pageCid.get(id) as string);
      hits.push({
        manifest: row[0],
        issuer: row[1],
        creator: row[2],
        loggedAt: row[3] ?? undefined,
        previous: row[4] ?? undefined,
        inline: hit.inline,
        pages,
      });
    }
    return hits;
  }

  #lookupFew(keys: readonly string[]): IndexHit[] {
    const found = new Map<
      string,
      Omit<IndexHit, 'manifest' | 'pages' | 'inline'> & { inline: boolean; pages: string[] }
    >();
    for (const key of keys) {
      for (const [manifest, issuer, creator, loggedAt, previous, page] of this.#stmt.lookupOne.all(key) as [
        string,
        string,
        string,
        number | null,
        string | null,
        string | null,
      ][]) {
        let hit = found.get(manifest);
        if (hit === undefined) {
          hit = {
            issuer,
            creator,
            loggedAt: loggedAt ?? undefined,
            previous: previous ?? undefined,
            inline: false,
            pages: [],
          };
          found.set(manifest, hit);
        }
        if (page === null) hit.inline = true;
        else if (!hit.pages.includes(page)) hit.pages.push(page);
      }
    }
    const hits: IndexHit[] = [];
    for (const [manifest, hit] of found) hits.push({ manifest, ...hit });
    return hits;
  }

  /** This node's ingest log after `seq`: what a peer catching up asks for. */
  logAfter(seq: number, limit: number): [number, string][] {
    return this.#stmt.logAfter.all(seq, limit) as [number, string][];
  }

  counts(): { manifests: number; works: number } {
    return this.#stmt.counts.get() as { manifests: number; works: number };
  }

  /** Records that blocks of `cid` are about to be written (reconciled on restart). */
  journalAdd(cid: string): void {
    this.#stmt.journalAdd.run(cid);
  }

  journalRemove(cid: string): void {
    this.#stmt.journalRemove.run(cid);
  }

  journal(): string[] {
    return this.#stmt.journal.all() as string[];
  }

  /** Empties the derived tables (for `reindex`) and starts a new log epoch. */
  clear(): void {
    this.#revision++;
    this.#db.transaction(() => {
      this.#db.exec('DELETE FROM works; DELETE FROM pages; DELETE FROM manifests; DELETE FROM journal;');
      this.#forkedCreators.clear();
      this.#epoch = this.#newEpoch();
    })();
  }

  /** Runs `fn` in one transaction (used by `reindex` to batch inserts). */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }
}
