import { encodeBase64 } from '@assent/tlog';
import type Database from 'better-sqlite3';
import type { Equivocation, RegistryLogger } from './types.js';

/** One side of an equivocation: a verified checkpoint and its signed note. */
export interface SeenCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
}

/** Evidence records kept per origin: the first proves the log equivocated; more only fill the disk. */
const MAX_PER_ORIGIN = 32;

/**
 * Evidence that a log signed two inconsistent checkpoints (docs/witnessing.md), kept in `index.sqlite`
 * (`log_equivocations`): it is not derived from anything this node could fetch again (the log may stop
 * serving either checkpoint), so it lives beside the log, survives restarts and `reindex`, and is
 * backed up with it. One record per pair of (size, root); at most 32 per origin.
 */
export class EquivocationStore {
  readonly #stmt: {
    insert: Database.Statement;
    count: Database.Statement;
    countOrigin: Database.Statement;
    all: Database.Statement;
  };
  readonly #logger: RegistryLogger | undefined;
  readonly #now: () => Date;

  constructor(db: Database.Database, options: { logger: RegistryLogger | undefined; now: () => Date }) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS log_equivocations (
        id INTEGER PRIMARY KEY,
        origin TEXT NOT NULL,
        pair TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        note1 TEXT NOT NULL,
        note2 TEXT NOT NULL,
        proof TEXT,
        source TEXT NOT NULL,
        detected_at TEXT NOT NULL
      );
    `);
    this.#stmt = {
      insert: db.prepare(
        'INSERT OR IGNORE INTO log_equivocations (origin, pair, kind, note1, note2, proof, source, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      count: db.prepare('SELECT count(*) FROM log_equivocations').pluck(),
      countOrigin: db.prepare('SELECT count(*) FROM log_equivocations WHERE origin = ?').pluck(),
      all: db.prepare(
        'SELECT origin, kind, note1, note2, proof, source, detected_at FROM log_equivocations ORDER BY id',
      ),
    };
    this.#logger = options.logger;
    this.#now = options.now;
  }

  /**
   * Keeps the evidence that `origin`'s log signed both `a` and `b` (`a.size ≤ b.size`); for
   * `inconsistent`, `proof` is the consistency proof from a.size to b.size under b's root and the old
   * root it leads to. True when it is new.
   */
  record(
    origin: string,
    a: SeenCheckpoint,
    b: SeenCheckpoint,
    source: string,
    proof?: { readonly hashes: readonly Uint8Array[]; readonly root: Uint8Array },
  ): boolean {
    if (a.size > b.size) throw new RangeError('the smaller checkpoint comes first');
    // One spelling of a same-size pair, whichever side was seen first.
    if (a.size === b.size && encodeBase64(a.root) > encodeBase64(b.root)) [a, b] = [b, a];
    const kind = proof === undefined ? 'same-size' : 'inconsistent';
    const pair = [origin, a.size, encodeBase64(a.root), b.size, encodeBase64(b.root)].join(' ');
    if ((this.#stmt.countOrigin.get(origin) as number) >= MAX_PER_ORIGIN) return false;
    const written =
      proof === undefined
        ? undefined
        : JSON.stringify({ hashes: proof.hashes.map(encodeBase64), root: encodeBase64(proof.root) });
    const detectedAt = this.#now().toISOString();
    const { changes } = this.#stmt.insert.run(
      origin,
      pair,
      kind,
      a.note,
      b.note,
      written ?? null,
      source,
      detectedAt,
    );
    if (changes === 0) return false;
    this.#logger?.error(
      { origin, kind, sizes: [a.size, b.size], source },
      'a log signed two checkpoints no append-only log can have both of: kept as evidence (GET /v1/equivocations)',
    );
    return true;
  }

  count(): number {
    return this.#stmt.count.get() as number;
  }

  all(): Equivocation[] {
    const rows = this.#stmt.all.all() as {
      origin: string;
      kind: 'same-size' | 'inconsistent';
      note1: string;
      note2: string;
      proof: string | null;
      source: string;
      detected_at: string;
    }[];
    return rows.map((row) => ({
      origin: row.origin,
      kind: row.kind,
      notes: [row.note1, row.note2] as const,
      ...(row.proof === null ? {} : { proof: JSON.parse(row.proof) as Equivocation['proof'] & object }),
      source: row.source,
      detectedAt: row.detected_at,
    }));
  }
}
