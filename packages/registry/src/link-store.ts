import {
  type IdentityLink,
  identityKey,
  type LinkMethod,
  type LinkObservation,
  type LinkResult,
  type ProfileAdapter,
  type VerifiedObservation,
} from '@assent/manifest';
import type Database from 'better-sqlite3';
import type { LinkStatus } from './link-schedule.js';
import { linkLeafBytes, type NodeLog } from './node-log.js';
import type { LinkState } from './types.js';

/**
 * The identity links a node checks, and the observations it signed, in `index.sqlite` beside the log
 * (docs/spec/observation.md §4). Not derived data: `reindex` keeps these tables, as it keeps the log
 * whose `link` leaves name the observations. Two tables:
 * - `links`: one row per (creator, identity) the creator's current heads claim: its schedule state and
 *   what its latest signed observation said;
 * - `link_observations`: every observation this node signed and logged, by CID, so that any `link` leaf
 *   of the log resolves to its credential (`GET /v1/observations/{cid}`).
 * An observation is stored, its link's row updated and its leaf appended in one transaction.
 */

/** A link as the store holds it. */
export interface StoredLink {
  readonly creator: string;
  readonly identity: IdentityLink;
  readonly status: LinkStatus;
  /** The latest signed observation, once the first check ended. */
  readonly latest: { readonly cid: string; readonly observation: LinkObservation } | undefined;
}

interface LinkRow {
  creator: string;
  type: string;
  id: string;
  state: string;
  last_ok_at: string | null;
  temp_failures: number;
  next_check_at: number;
  observation: string | null;
  observed_at: string | null;
  method: string | null;
  reason: string | null;
  adapter: string | null;
  evidence_hash: string | null;
}

const COLUMNS =
  'creator, type, id, state, last_ok_at, temp_failures, next_check_at, observation, observed_at, method, reason, adapter, evidence_hash';

function toLink(row: LinkRow): StoredLink {
  const identity = { type: row.type, id: row.id } as IdentityLink;
  const state = row.state as LinkState;
  let latest: StoredLink['latest'];
  if (row.observation !== null && row.observed_at !== null && row.method !== null && state !== 'looking') {
    latest = {
      cid: row.observation,
      observation: {
        creator: row.creator,
        identity,
        method: row.method as LinkMethod,
        result: state as LinkResult,
        observedAt: row.observed_at,
        evidenceHash: row.evidence_hash,
        ...(row.adapter === null ? {} : { adapter: row.adapter as ProfileAdapter }),
        ...(row.reason === null ? {} : { reason: row.reason }),
      },
    };
  }
  return {
    creator: row.creator,
    identity,
    status: {
      state,
      lastOkAt: row.last_ok_at ?? undefined,
      tempFailures: row.temp_failures,
      nextCheckAt: row.next_check_at,
    },
    latest,
  };
}

/** The SQLite store of links and observations. */
export class LinkStore {
  readonly #db: Database.Database;
  readonly #log: NodeLog;
  readonly #stmt: ReturnType<LinkStore['prepare']>;
  #revision = 0;
  /** Whether any link has an observation, as of {@link #observedAt} (a node without links skips SQL). */
  #observed = false;
  #observedAt = -1;

  /** Over the index database (openIndexDatabase), which the caller opens and closes. */
  constructor(db: Database.Database, log: NodeLog) {
    this.#db = db;
    this.#log = log;
    db.exec(`
      CREATE TABLE IF NOT EXISTS link_observations (cid TEXT PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS links (
        creator TEXT NOT NULL,
        type TEXT NOT NULL,
        id TEXT NOT NULL,
        state TEXT NOT NULL,
        last_ok_at TEXT,
        temp_failures INTEGER NOT NULL,
        next_check_at INTEGER NOT NULL,
        observation TEXT,
        observed_at TEXT,
        method TEXT,
        reason TEXT,
        adapter TEXT,
        evidence_hash TEXT,
        PRIMARY KEY (creator, type, id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS links_due ON links (next_check_at);
    `);
    this.#stmt = this.prepare();
  }

  private prepare() {
    const db = this.#db;
    return {
      ofCreator: db.prepare(`SELECT ${COLUMNS} FROM links WHERE creator = ? ORDER BY type, id`),
      one: db.prepare(`SELECT ${COLUMNS} FROM links WHERE creator = ? AND type = ? AND id = ?`),
      due: db.prepare(`SELECT ${COLUMNS} FROM links WHERE next_check_at <= ? ORDER BY next_check_at LIMIT ?`),
      nextDue: db.prepare('SELECT min(next_check_at) FROM links').pluck(),
      insert: db.prepare(
        'INSERT INTO links (creator, type, id, state, temp_failures, next_check_at) VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING',
      ),
      remove: db.prepare('DELETE FROM links WHERE creator = ? AND type = ? AND id = ?'),
      update: db.prepare(
        `UPDATE links SET state = ?, last_ok_at = ?, temp_failures = ?, next_check_at = ?, observation = ?,
           observed_at = ?, method = ?, reason = ?, adapter = ?, evidence_hash = ?
         WHERE creator = ? AND type = ? AND id = ?`,
      ),
      postpone: db.prepare('UPDATE links SET next_check_at = ? WHERE creator = ? AND type = ? AND id = ?'),
      putObservation: db.prepare(
        'INSERT INTO link_observations (cid, bytes) VALUES (?, ?) ON CONFLICT (cid) DO NOTHING',
      ),
      observation: db.prepare('SELECT bytes FROM link_observations WHERE cid = ?').pluck(),
      observationCount: db.prepare('SELECT count(*) FROM link_observations').pluck(),
      anyObserved: db.prepare('SELECT EXISTS (SELECT 1 FROM links WHERE observation IS NOT NULL)').pluck(),
      // One statement for a batch of creators (the check path): the latest observation of each link.
      latestOfOne: db
        .prepare(
          'SELECT o.bytes FROM links AS l JOIN link_observations AS o ON o.cid = l.observation WHERE l.creator = ? ORDER BY l.type, l.id',
        )
        .pluck(),
      latestOfMany: db
        .prepare(
          'SELECT o.bytes FROM json_each(?) AS c CROSS JOIN links AS l ON l.creator = c.value JOIN link_observations AS o ON o.cid = l.observation ORDER BY l.creator, l.type, l.id',
        )
        .pluck(),
    };
  }

  /** Grows whenever what {@link observationsOf} answers may change. */
  get revision(): number {
    return this.#revision;
  }

  /** The links of a creator, in (type, id) order. */
  linksOf(creator: string): StoredLink[] {
    return (this.#stmt.ofCreator.all(creator) as LinkRow[]).map(toLink);
  }

  /** One link, if the creator claims it. */
  get(creator: string, identity: IdentityLink): StoredLink | undefined {
    const row = this.#stmt.one.get(creator, identity.type, identity.id) as LinkRow | undefined;
    return row === undefined ? undefined : toLink(row);
  }

  /**
   * Makes the creator's links exactly `claimed`: a new identity starts `looking`, due at `nowMs`; one no
   * longer claimed is dropped (its observations stay, as its log leaves do). Answers the new ones.
   */
  setClaims(creator: string, claimed: readonly IdentityLink[], nowMs: number): IdentityLink[] {
    return this.#db.transaction(() => {
      const wanted = new Map(claimed.map((identity) => [identityKey(identity), identity]));
      let changed = false;
      for (const link of this.linksOf(creator)) {
        const key = identityKey(link.identity);
        if (wanted.has(key)) wanted.delete(key);
        else {
          this.#stmt.remove.run(creator, link.identity.type, link.identity.id);
          changed = true;
        }
      }
      const added = [...wanted.values()];
      for (const identity of added)
        this.#stmt.insert.run(creator, identity.type, identity.id, 'looking', nowMs);
      if (changed) this.#revision++;
      return added;
    })();
  }

  /** Links due by `nowMs`, the most overdue first, at most `limit`. */
  due(nowMs: number, limit: number): StoredLink[] {
    return (this.#stmt.due.all(nowMs, limit) as LinkRow[]).map(toLink);
  }

  /** When the next link is due (milliseconds since the epoch), or undefined without links. */
  nextDue(): number | undefined {
    return (this.#stmt.nextDue.get() as number | null) ?? undefined;
  }

  /** Moves a link's next check (after a check that could not be made at all). */
  postpone(creator: string, identity: IdentityLink, nextCheckAt: number): void {
    this.#stmt.postpone.run(nextCheckAt, creator, identity.type, identity.id);
  }

  /**
   * Stores a signed observation of a link with the link's status after it, and appends its `link` leaf
   * to the log, in one transaction. Nothing is stored, and false answered, when the creator no longer
   * claims the identity, or when the link holds a later observation already.
   */
  record(signed: VerifiedObservation, status: LinkStatus): boolean {
    const o = signed.observation;
    return this.#db.transaction(() => {
      const row = this.#stmt.one.get(o.creator, o.identity.type, o.identity.id) as LinkRow | undefined;
      if (row === undefined) return false;
      if (row.observed_at !== null && Date.parse(row.observed_at) > Date.parse(o.observedAt)) return false;
      this.#stmt.putObservation.run(signed.cid, signed.bytes);
      this.#stmt.update.run(
        status.state,
        status.lastOkAt ?? null,
        status.tempFailures,
        status.nextCheckAt,
        signed.cid,
        o.observedAt,
        o.method,
        o.reason ?? null,
        o.adapter ?? null,
        o.evidenceHash,
        o.creator,
        o.identity.type,
        o.identity.id,
      );
      this.#log.append([{ key: signed.cid, leaf: linkLeafBytes(signed) }]);
      this.#revision++;
      return true;
    })();
  }

  /**
   * The latest signed observation of every link of these creators, as stored (one statement for the
   * whole batch; nothing is verified again: this node signed them).
   */
  observationsOf(creators: readonly string[]): Uint8Array[] {
    if (this.#observedAt !== this.#revision) {
      this.#observed = this.#stmt.anyObserved.get() === 1;
      this.#observedAt = this.#revision;
    }
    if (!this.#observed || creators.length === 0) return [];
    if (creators.length === 1) return this.#stmt.latestOfOne.all(creators[0]) as Uint8Array[];
    return this.#stmt.latestOfMany.all(JSON.stringify([...new Set(creators)])) as Uint8Array[];
  }

  /** The bytes of an observation this node signed and logged. */
  observation(cid: string): Uint8Array | undefined {
    return this.#stmt.observation.get(cid) as Uint8Array | undefined;
  }

  /** How many observations the log holds leaves of (every stored one). */
  observationCount(): number {
    return this.#stmt.observationCount.get() as number;
  }
}
