import { canonicalize } from '@assent/manifest';
import {
  encodeEntryBundle,
  hashLeaf,
  type MerkleTree,
  nodesCompletedBy,
  storedMerkleTree,
  TILE_WIDTH,
} from '@assent/tlog';
import type Database from 'better-sqlite3';

/**
 * The node's transparency log (docs/spec/log.md): an append-only RFC 6962 tree of small JCS records,
 * one per manifest this node acknowledged and one per link observation it signed, kept in the index
 * database so that a leaf is appended in the very transaction that indexes its manifest or stores its
 * observation (a `kill -9` never loses an acknowledged leaf). Its tables are not derived data: `reindex`
 * keeps them. The tree is kept as stored subtree hashes (`@assent/tlog` stored-tree), so roots, proofs
 * and tlog-tiles read a few rows.
 */

/** A leaf: the manifest a node acknowledged (DESIGN-TRUST §1.3 item 3). */
export interface ManifestLeaf {
  readonly t: 'manifest';
  readonly cid: string;
  /** The creator's inception DID (the issuer, until key rotation exists). */
  readonly creator: string;
  readonly issuer: string;
  readonly version: number;
  readonly previous?: string;
}

/** A leaf: a link observation this node signed (docs/spec/observation.md), keyed by the observation's CID. */
export interface LinkLeaf {
  readonly t: 'link';
  /** The observation credential's CID (`GET /v1/observations/{cid}` serves its bytes). */
  readonly cid: string;
  /** The creator whose link was checked. */
  readonly creator: string;
  /** The node that signed the observation (this node's DID). */
  readonly observer: string;
  readonly identity: { readonly type: string; readonly id: string };
  readonly result: 'ok' | 'temp_failure' | 'perm_failure';
  readonly observedAt: string;
}

/** A leaf this version writes; readers ignore a `t` they do not know (docs/spec/log.md §1). */
export type NodeLogLeaf = ManifestLeaf | LinkLeaf;

/** The latest signed checkpoint, as stored. */
export interface StoredCheckpoint {
  readonly size: number;
  /** The signed note: checkpoint text, a blank line, signature lines (the log's, then cosignatures). */
  readonly note: string;
  /** When this node signed it (its own clock, ISO 8601). */
  readonly signedAt: string;
}

/** The JCS bytes of a manifest leaf. */
export function manifestLeafBytes(manifest: {
  cid: string;
  issuer: string;
  version: number;
  previous?: string | undefined;
}): Uint8Array {
  const leaf: ManifestLeaf = {
    t: 'manifest',
    cid: manifest.cid,
    creator: manifest.issuer,
    issuer: manifest.issuer,
    version: manifest.version,
    ...(manifest.previous === undefined ? {} : { previous: manifest.previous }),
  };
  return new TextEncoder().encode(canonicalize(leaf as unknown as Parameters<typeof canonicalize>[0]));
}

/** The JCS bytes of the leaf of a signed link observation. */
export function linkLeafBytes(signed: {
  cid: string;
  observer: string;
  observation: {
    creator: string;
    identity: { type: string; id: string };
    result: LinkLeaf['result'];
    observedAt: string;
  };
}): Uint8Array {
  const { observation } = signed;
  const leaf: LinkLeaf = {
    t: 'link',
    cid: signed.cid,
    creator: observation.creator,
    observer: signed.observer,
    identity: { type: observation.identity.type, id: observation.identity.id },
    result: observation.result,
    observedAt: observation.observedAt,
  };
  return new TextEncoder().encode(canonicalize(leaf as unknown as Parameters<typeof canonicalize>[0]));
}

export class NodeLog {
  readonly #db: Database.Database;
  readonly #stmt: ReturnType<NodeLog['prepare']>;
  readonly #read = (level: number, index: number): Uint8Array => {
    const hash = this.#stmt.hash.get(level, index) as Uint8Array | undefined;
    if (hash === undefined) throw new Error(`the log has no stored hash (${level}, ${index})`);
    return hash;
  };

  constructor(db: Database.Database) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS log_leaves (idx INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, leaf BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS log_hashes (
        level INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (level, idx)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS log_checkpoint (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        size INTEGER NOT NULL,
        note TEXT NOT NULL,
        signed_at TEXT NOT NULL
      );
    `);
    this.#stmt = this.prepare();
  }

  private prepare() {
    const db = this.#db;
    return {
      size: db.prepare('SELECT coalesce(max(idx) + 1, 0) FROM log_leaves').pluck(),
      indexOf: db.prepare('SELECT idx FROM log_leaves WHERE key = ?').pluck(),
      leaf: db.prepare('SELECT leaf FROM log_leaves WHERE idx = ?').pluck(),
      leaves: db.prepare('SELECT leaf FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx').pluck(),
      insertLeaf: db.prepare(
        'INSERT INTO log_leaves (idx, key, leaf) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
      ),
      hash: db.prepare('SELECT hash FROM log_hashes WHERE level = ? AND idx = ?').pluck(),
      hashes: db
        .prepare('SELECT hash FROM log_hashes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx')
        .pluck(),
      insertHash: db.prepare('INSERT INTO log_hashes (level, idx, hash) VALUES (?, ?, ?)'),
      checkpoint: db.prepare('SELECT size, note, signed_at FROM log_checkpoint WHERE id = 1'),
      saveCheckpoint: db.prepare(
        'INSERT INTO log_checkpoint (id, size, note, signed_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size, note = excluded.note, signed_at = excluded.signed_at WHERE excluded.size >= log_checkpoint.size',
      ),
    };
  }

  /** The number of leaves committed (or appended in the caller's open transaction). */
  size(): number {
    return this.#stmt.size.get() as number;
  }

  /**
   * Appends leaves keyed by `key` (a manifest's or an observation's CID), in order, skipping a key the
   * log has; answers each one's index. Call inside the transaction that makes the leaves' facts true
   * (the manifests' index rows, the stored observation), so that both commit or neither does. The size
   * is read once per call: a group commit appends its manifests together.
   */
  append(entries: readonly { readonly key: string; readonly leaf: Uint8Array }[]): number[] {
    let size = this.size();
    return entries.map(({ key, leaf }) => {
      if (this.#stmt.insertLeaf.run(size, key, leaf).changes === 0) return this.indexOf(key) as number;
      for (const node of nodesCompletedBy(size, hashLeaf(leaf), this.#read))
        this.#stmt.insertHash.run(node.level, node.index, node.hash);
      return size++;
    });
  }

  /** The index of the leaf keyed by `key`, if the log has it. */
  indexOf(key: string): number | undefined {
    return this.#stmt.indexOf.get(key) as number | undefined;
  }

  /** The leaf bytes at `index`. */
  leaf(index: number): Uint8Array | undefined {
    return this.#stmt.leaf.get(index) as Uint8Array | undefined;
  }

  /** The tree of the first `size` leaves (default: all): roots and proofs from the stored hashes. */
  tree(size = this.size()): MerkleTree {
    return storedMerkleTree(size, this.#read);
  }

  /**
   * The hashes of tlog-tiles tile (level, index) of width `width`, concatenated; undefined when the
   * log does not hold that many yet.
   */
  hashTile(level: number, index: number, width = TILE_WIDTH): Uint8Array | undefined {
    const start = index * TILE_WIDTH;
    const rows = this.#stmt.hashes.all(level * 8, start, start + width) as Uint8Array[];
    if (rows.length !== width) return undefined;
    const out = new Uint8Array(32 * width);
    rows.forEach((hash, i) => {
      out.set(hash, 32 * i);
    });
    return out;
  }

  /** The entry bundle of tile `index` of width `width` (tlog-tiles), undefined when not that many yet. */
  entryBundle(index: number, width = TILE_WIDTH): Uint8Array | undefined {
    const start = index * TILE_WIDTH;
    const rows = this.#stmt.leaves.all(start, start + width) as Uint8Array[];
    if (rows.length !== width) return undefined;
    return encodeEntryBundle(rows);
  }

  /** The latest signed checkpoint, if one was signed. */
  checkpoint(): StoredCheckpoint | undefined {
    const row = this.#stmt.checkpoint.get() as { size: number; note: string; signed_at: string } | undefined;
    return row === undefined ? undefined : { size: row.size, note: row.note, signedAt: row.signed_at };
  }

  /** Stores a signed checkpoint unless a larger one is stored already. */
  saveCheckpoint(checkpoint: StoredCheckpoint): void {
    this.#stmt.saveCheckpoint.run(checkpoint.size, checkpoint.note, checkpoint.signedAt);
  }
}
