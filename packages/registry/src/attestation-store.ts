import { randomUUID } from 'node:crypto';
import { fail, ok, type Result, verifyAttestation } from '@assent/manifest';
import type Database from 'better-sqlite3';
import type { BlockStore } from './block-store.js';
import { ByteCache } from './byte-cache.js';
import type { IngestLog } from './catch-up.js';
import type { IngestErrorCode, RegistryErrorCode } from './errors.js';
import type { AttestationReceipt, AttestationSummary, StoredAttestation } from './types.js';

/** The most summaries one `list` answers. */
export const MAX_ATTESTATION_LIST = 1000;
/** Bytes of attestations kept in memory for `ofSubjects` and `get` (the rest are read from SQLite). */
const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;
const EPOCH_KEY = 'attestation-epoch';

/** What `ofSubjects` needs of an attestation that is valid now, held in memory per subject. */
interface Offer {
  readonly cid: string;
  readonly issuer: string;
  readonly fromMs: number;
  /** `Infinity` without a `validUntil`. */
  readonly untilMs: number;
}

type SummaryRow = [string, string, string, string | null, string, string | null, number, number, number];

function toSummary(row: SummaryRow): AttestationSummary {
  const [cid, issuer, subject, role, validFrom, validUntil, isrcs, isrcPrefixes, urlPrefixes] = row;
  return {
    cid,
    issuer,
    subject,
    role: role ?? undefined,
    validFrom,
    validUntil: validUntil ?? undefined,
    isrcs,
    isrcPrefixes,
    urlPrefixes,
  };
}

/** A SQLite BLOB (a Buffer) as a plain Uint8Array over the same memory. */
function plainBytes(blob: Uint8Array): Uint8Array {
  return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** Options of {@link AttestationStore}. */
export interface AttestationStoreOptions {
  /** Told of every attestation stored for the first time (to announce it to peers). */
  readonly onAdded?: (cid: string) => void;
  /** True once the node is stopping: nothing more is written. */
  readonly stopped: () => boolean;
  /** The clock (ms since the epoch); default `Date.now`. */
  readonly now?: () => number;
  /** Bytes of attestations cached in memory (default 16 MiB). */
  readonly cacheBytes?: number;
}

/**
 * The attestations a node holds (docs/spec/attestation.md): third parties' signed statements that a
 * creator's DID speaks for ISRCs, ISRC prefixes or URL prefixes. Each is verified completely before
 * anything of it is written; whether its issuer is trusted is for verifiers, not the node.
 *
 * Storage: the `attestations` table of `index.sqlite` holds each one's canonical bytes and what the
 * answers need (subject, issuer, dates, counts), and its canonical bytes are also written to the node's
 * block store under their CID, like a manifest. The bytes are kept twice on purpose:
 * - in the table, because `get` and `ofSubjects` answer synchronously on the check path (an indexed
 *   read or a cache hit, no file I/O and no await);
 * - in the block store, because that is what bitswap serves: peers fetch an attestation exactly as
 *   they fetch a manifest (attestation-replicator.ts), and `GET /ipfs/{cid}` serves it.
 * An attestation is at most 1 MiB and a node holds few next to its manifests. The block is written
 * first, so every row has its block for peers. The table is not derived from the blocks (`reindex`
 * neither reads nor clears it), like the node's log beside it.
 *
 * The attestations valid now are also kept in memory by subject (CIDs, issuers and dates, not bytes),
 * so that a check about creators nobody attested costs one map lookup. Expired ones are dropped from
 * it as they expire, which changes {@link revision}.
 */
export class AttestationStore {
  readonly #db: Database.Database;
  readonly #blocks: BlockStore;
  readonly #stmt: ReturnType<AttestationStore['prepare']>;
  readonly #options: AttestationStoreOptions;
  readonly #now: () => number;
  readonly #cache: ByteCache;
  readonly #bySubject = new Map<string, Offer[]>();
  /** The earliest `validUntil` among the offers in memory (`Infinity`: none expires). */
  #nextExpiry = Number.POSITIVE_INFINITY;
  #revision = 0;

  /** Over the index database (openIndexDatabase), which the caller opens and closes. */
  constructor(db: Database.Database, blocks: BlockStore, options: AttestationStoreOptions) {
    this.#db = db;
    this.#blocks = blocks;
    this.#options = options;
    this.#now = options.now ?? (() => Date.now());
    this.#cache = new ByteCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS attestations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        cid TEXT NOT NULL UNIQUE,
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        role TEXT,
        valid_from TEXT NOT NULL,
        valid_until TEXT,
        valid_from_ms INTEGER NOT NULL,
        valid_until_ms INTEGER,
        isrcs INTEGER NOT NULL,
        isrc_prefixes INTEGER NOT NULL,
        url_prefixes INTEGER NOT NULL,
        bytes BLOB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS attestations_by_subject ON attestations (subject, seq);
    `);
    this.#stmt = this.prepare();
    // The log's epoch is made with the table: a new table (index.sqlite lost) restarts peers' cursors.
    let epoch = this.#stmt.getMeta.get(EPOCH_KEY) as string | undefined;
    if (epoch === undefined) {
      epoch = randomUUID();
      this.#stmt.setMeta.run(EPOCH_KEY, epoch);
    }
    this.log = {
      epoch,
      after: (seq, limit) => this.#stmt.logAfter.all(seq, this.#now(), limit) as [number, string][],
    };
    const now = this.#now();
    for (const [cid, issuer, subject, fromMs, untilMs] of this.#stmt.current.all(now) as [
      string,
      string,
      string,
      number,
      number | null,
    ][]) {
      this.#offer(subject, { cid, issuer, fromMs, untilMs: untilMs ?? Number.POSITIVE_INFINITY });
    }
  }

  private prepare() {
    const db = this.#db;
    return {
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      has: db.prepare('SELECT 1 FROM attestations WHERE cid = ?').pluck(),
      bytes: db.prepare('SELECT bytes FROM attestations WHERE cid = ?').pluck(),
      insert: db.prepare(
        `INSERT OR IGNORE INTO attestations
          (cid, issuer, subject, role, valid_from, valid_until, valid_from_ms, valid_until_ms, isrcs, isrc_prefixes, url_prefixes, bytes)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      current: db
        .prepare(
          'SELECT cid, issuer, subject, valid_from_ms, valid_until_ms FROM attestations WHERE valid_until_ms IS NULL OR valid_until_ms > ?',
        )
        .raw(),
      list: db
        .prepare(
          `SELECT cid, issuer, subject, role, valid_from, valid_until, isrcs, isrc_prefixes, url_prefixes
            FROM attestations WHERE subject = ? ORDER BY seq DESC LIMIT ?`,
        )
        .raw(),
      // Expired ones are not offered to peers: they would refuse them, and book the fetch as wasted.
      logAfter: db
        .prepare(
          'SELECT seq, cid FROM attestations WHERE seq > ? AND (valid_until_ms IS NULL OR valid_until_ms > ?) ORDER BY seq LIMIT ?',
        )
        .raw(),
      count: db.prepare('SELECT count(*) FROM attestations').pluck(),
    };
  }

  #offer(subject: string, offer: Offer): void {
    const offers = this.#bySubject.get(subject);
    if (offers === undefined) this.#bySubject.set(subject, [offer]);
    else offers.push(offer);
    if (offer.untilMs < this.#nextExpiry) this.#nextExpiry = offer.untilMs;
  }

  /** Drops the offers that expired by `now` from memory; the revision changes when one did. */
  #expireDue(now: number): void {
    if (now < this.#nextExpiry) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [subject, offers] of this.#bySubject) {
      const kept = offers.filter((o) => o.untilMs > now);
      if (kept.length === 0) this.#bySubject.delete(subject);
      else if (kept.length !== offers.length) this.#bySubject.set(subject, kept);
      for (const o of kept) if (o.untilMs < next) next = o.untilMs;
    }
    this.#nextExpiry = next;
    this.#revision++;
  }

  /**
   * Grows whenever what `ofSubjects` answers may change: an attestation stored, one expiring. Checked
   * against the clock on each read (one comparison).
   */
  get revision(): number {
    this.#expireDue(this.#now());
    return this.#revision;
  }

  /** The attestation log as peers read it: the CIDs of the unexpired ones, in the order stored. */
  readonly log: IngestLog;

  /** Attestations stored (expired ones included). */
  count(): number {
    return this.#stmt.count.get() as number;
  }

  has(cid: string): boolean {
    return this.#stmt.has.get(cid) !== undefined;
  }

  /**
   * Verifies an attestation completely (strict JSON, schema, size, signature by its issuer, valid now)
   * and stores its canonical bytes. Nothing is written for one that fails. `expectedCid`: the CID a
   * peer announced it under, which its canonical bytes must hash to (`CID_MISMATCH`).
   */
  async add(
    bytes: Uint8Array,
    options: { expectedCid?: string } = {},
  ): Promise<Result<AttestationReceipt, IngestErrorCode>> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('add expects the attestation as bytes');
    if (this.#options.stopped()) return stopped();
    const verified = await verifyAttestation(bytes, { at: new Date(this.#now()) });
    if (!verified.ok) return verified;
    const attestation = verified.value;
    const { cid } = attestation;
    if (options.expectedCid !== undefined && cid !== options.expectedCid)
      return fail('CID_MISMATCH', `the attestation does not hash to ${options.expectedCid}`);
    if (this.#options.stopped()) return stopped();
    if (this.has(cid)) return ok({ cid, status: 'exists', attestation });
    try {
      if (!(await this.#blocks.has(cid))) await this.#blocks.put(cid, attestation.bytes);
    } catch (cause) {
      return fail<RegistryErrorCode>(
        'REGISTRY_STORAGE_FAILED',
        `the node could not store the attestation: ${String(cause)}`,
      );
    }
    // The database closes as the node stops, possibly while the block was written.
    if (this.#options.stopped() || !this.#db.open) return stopped();
    const { issuer, subject, role, validFrom, validUntil } = attestation;
    const fromMs = Date.parse(validFrom);
    const untilMs = validUntil === undefined ? null : Date.parse(validUntil);
    let changes: number;
    try {
      changes = this.#stmt.insert.run(
        cid,
        issuer,
        subject,
        role ?? null,
        validFrom,
        validUntil ?? null,
        fromMs,
        untilMs,
        attestation.isrcs.length,
        attestation.isrcPrefixes.length,
        attestation.urlPrefixes.length,
        attestation.bytes,
      ).changes;
    } catch (cause) {
      return fail<RegistryErrorCode>(
        'REGISTRY_STORAGE_FAILED',
        `the node could not index the attestation: ${String(cause)}`,
      );
    }
    // Another add of the same attestation got there first while this one was verified.
    if (changes === 0) return ok({ cid, status: 'exists', attestation });
    this.#offer(subject, { cid, issuer, fromMs, untilMs: untilMs ?? Number.POSITIVE_INFINITY });
    this.#revision++;
    this.#options.onAdded?.(cid);
    return ok({ cid, status: 'new', attestation });
  }

  /**
   * The attestations naming any of `subjects` that are valid now, each once: from memory, then their
   * bytes from the cache or one indexed read. With `issuers`, only those by these attesters.
   */
  ofSubjects(
    subjects: readonly string[],
    options: { issuers?: ReadonlySet<string> } = {},
  ): StoredAttestation[] {
    if (!Array.isArray(subjects)) throw new TypeError('ofSubjects expects an array of DIDs');
    const now = this.#now();
    this.#expireDue(now);
    const issuers = options.issuers;
    const out: StoredAttestation[] = [];
    let seen: Set<string> | undefined;
    for (const subject of subjects) {
      if (typeof subject !== 'string') throw new TypeError('subjects must be strings');
      const offers = this.#bySubject.get(subject);
      if (offers === undefined) continue;
      for (const offer of offers) {
        if (offer.fromMs > now || offer.untilMs <= now) continue;
        if (issuers !== undefined && !issuers.has(offer.issuer)) continue;
        if (subjects.length > 1) {
          seen ??= new Set();
          if (seen.has(offer.cid)) continue;
          seen.add(offer.cid);
        }
        const bytes = this.get(offer.cid);
        if (bytes !== undefined) out.push({ cid: offer.cid, bytes });
      }
    }
    return out;
  }

  /** The canonical bytes of an attestation this node holds (expired ones too), or undefined. */
  get(cid: string): Uint8Array | undefined {
    if (typeof cid !== 'string') return undefined;
    const cached = this.#cache.get(cid);
    if (cached !== undefined) return cached;
    const blob = this.#stmt.bytes.get(cid) as Uint8Array | undefined;
    if (blob === undefined) return undefined;
    const bytes = plainBytes(blob);
    this.#cache.set(cid, bytes);
    return bytes;
  }

  /** The attestations naming `subject` (expired ones too), newest stored first, at most `limit`. */
  list(subject: string, limit: number): AttestationSummary[] {
    return (this.#stmt.list.all(subject, limit) as SummaryRow[]).map(toSummary);
  }
}

function stopped() {
  return fail<RegistryErrorCode>('REGISTRY_STOPPED', 'the registry is stopped');
}
