import { createHash } from 'node:crypto';
import {
  EMPTY_ROOT,
  equalBytes,
  formatSignatureLine,
  type NoteSigner,
  type NoteVerifier,
  parseAddCheckpoint,
  parseCheckpoint,
  parseNote,
  SIGNATURE_TYPE_ED25519,
  verifyCheckpoint,
  verifyConsistency,
} from '@assent/tlog';
import type Database from 'better-sqlite3';
import type { EquivocationStore, SeenCheckpoint } from './equivocations.js';
import type { AddCheckpointAnswer, AddCheckpointRefusal } from './types.js';

/** The latest checkpoint this witness cosigned for one origin. */
interface WitnessedRow {
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
}

/** What a {@link Witness} needs. */
export interface WitnessDeps {
  readonly db: Database.Database;
  /** The node's witness key (`cosignature/v1`). */
  readonly cosigner: NoteSigner;
  /** The log key of a witnessed origin, or undefined when this node does not witness it. */
  readonly logKey: (origin: string) => NoteVerifier | undefined;
  readonly evidence: EquivocationStore;
  /** Called with every checkpoint whose log signature verified, cosigned or not (the split-view monitor). */
  readonly observed: (origin: string, note: string) => void;
  readonly now: () => Date;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function refuse(code: AddCheckpointRefusal, message: string, size?: number): AddCheckpointAnswer {
  return size === undefined ? { ok: false, code, message } : { ok: false, code, message, size };
}

/** The lowercase hex SHA-256 of an origin: the tlog-witness monitoring path names a log by it. */
export function originHash(origin: string): string {
  return createHash('sha256').update(origin, 'utf8').digest('hex');
}

/**
 * A C2SP tlog-witness (v1.0.0, `add-checkpoint`) for the logs of this node's log peers.
 *
 * Its state, the latest checkpoint cosigned per origin (size, root and the note: the log's verified
 * signature and this witness's cosignature), is in `index.sqlite` (`witness_checkpoints`), beside the
 * node's own log and for the same reason: it is the memory that stops a log rolling back or forking
 * past this witness, so it is not derived data and not disposable (`state.sqlite` is). `reindex`
 * keeps it; losing it would let a log restart its history with this witness's blessing.
 *
 * tlog-witness §add-checkpoint: "checking the old size against the latest checkpoint and persisting
 * the new checkpoint must be performed atomically". Signatures are checked first (asynchronously);
 * then the comparison with the stored checkpoint, the consistency proof and the write run in one
 * synchronous SQLite transaction, which no other request can interleave with, so concurrent requests
 * never lower the stored size.
 */
export class Witness {
  readonly #deps: WitnessDeps;
  readonly #stmt: { get: Database.Statement; byHash: Database.Statement; put: Database.Statement };
  readonly #commit: (
    origin: string,
    check: () => AddCheckpointAnswer | undefined,
    row: WitnessedRow,
  ) => AddCheckpointAnswer | undefined;
  cosignedCount = 0;
  refusedCount = 0;

  constructor(deps: WitnessDeps) {
    this.#deps = deps;
    deps.db.exec(`
      CREATE TABLE IF NOT EXISTS witness_checkpoints (
        origin TEXT PRIMARY KEY,
        origin_hash TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        root BLOB NOT NULL,
        note TEXT NOT NULL,
        cosigned_at TEXT NOT NULL
      );
    `);
    this.#stmt = {
      get: deps.db.prepare('SELECT size, root, note FROM witness_checkpoints WHERE origin = ?'),
      byHash: deps.db.prepare('SELECT note FROM witness_checkpoints WHERE origin_hash = ?').pluck(),
      put: deps.db.prepare(
        'INSERT OR REPLACE INTO witness_checkpoints (origin, origin_hash, size, root, note, cosigned_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
    this.#commit = deps.db.transaction(
      (origin: string, check: () => AddCheckpointAnswer | undefined, row: WitnessedRow) => {
        const refused = check();
        if (refused !== undefined) return refused;
        this.#stmt.put.run(
          origin,
          originHash(origin),
          row.size,
          row.root,
          row.note,
          deps.now().toISOString(),
        );
        return undefined;
      },
    );
  }

  /** The latest checkpoint cosigned for `origin`. */
  witnessed(origin: string): WitnessedRow | undefined {
    const row = this.#stmt.get.get(origin) as { size: number; root: Uint8Array; note: string } | undefined;
    return row === undefined ? undefined : { size: row.size, root: new Uint8Array(row.root), note: row.note };
  }

  /** The note of the latest checkpoint cosigned for the origin of this hash (tlog-witness monitoring). */
  cosigned(hash: string): string | undefined {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    return this.#stmt.byHash.get(hash) as string | undefined;
  }

  /** Answers an add-checkpoint request body (tlog-witness §add-checkpoint, status codes in docs/witnessing.md). */
  async addCheckpoint(body: Uint8Array | string): Promise<AddCheckpointAnswer> {
    const answer = await this.#answer(body);
    if (answer.ok) this.cosignedCount++;
    else this.refusedCount++;
    return answer;
  }

  async #answer(body: Uint8Array | string): Promise<AddCheckpointAnswer> {
    let text: string;
    try {
      text = typeof body === 'string' ? body : utf8.decode(body);
    } catch {
      return refuse('ADD_CHECKPOINT_MALFORMED', 'the body is not UTF-8');
    }
    const request = parseAddCheckpoint(text);
    if (!request.ok) return refuse(request.code as AddCheckpointRefusal, request.message);
    const { oldSize, proof, checkpoint } = request.value;
    const note = parseNote(checkpoint);
    if (!note.ok) return refuse(note.code as AddCheckpointRefusal, note.message);
    const parsed = parseCheckpoint(note.value.text);
    if (!parsed.ok) return refuse(parsed.code as AddCheckpointRefusal, parsed.message);
    const { origin, size, root } = parsed.value;
    // §add-checkpoint: "If the checkpoint origin is unknown, the witness MUST respond with 404".
    const logKey = this.#deps.logKey(origin);
    if (logKey === undefined)
      return refuse('WITNESS_LOG_UNKNOWN', `this node does not witness the log ${origin}`);
    // 403 when no trusted signature verifies, or a trusted key's line does not (signed-note: malformed).
    const verified = await verifyCheckpoint(note.value, { log: [logKey] });
    if (!verified.ok) return refuse('WITNESS_SIGNATURE_REJECTED', `${verified.code}: ${verified.message}`);
    if (oldSize > size)
      return refuse('ADD_CHECKPOINT_MALFORMED', `the old size ${oldSize} is above the checkpoint's ${size}`);
    // The note kept and served: the log's verified signature lines, then this witness's cosignature.
    const logLines = verified.value.note.verified
      .filter((sig) => sig.type === SIGNATURE_TYPE_ED25519)
      .map((sig) => sig.line);
    const { cosigner } = this.#deps;
    const cosignature = formatSignatureLine(
      cosigner.name,
      cosigner.keyId,
      await cosigner.sign(new TextEncoder().encode(note.value.text)),
    );
    const kept = `${note.value.text}\n${[...logLines, cosignature].join('\n')}\n`;
    this.#deps.observed(origin, checkpoint);
    const submitted: SeenCheckpoint = { size, root, note: checkpoint };
    // The check and the write, as one synchronous transaction (the race of §add-checkpoint).
    const refused = this.#commit(
      origin,
      () => {
        const stored = this.witnessed(origin);
        const storedSize = stored?.size ?? 0;
        // §add-checkpoint: the old size must be the size of the latest checkpoint cosigned (0: none).
        if (oldSize !== storedSize)
          return refuse(
            'WITNESS_CONFLICT',
            `this witness last cosigned size ${storedSize}, not ${oldSize}`,
            storedSize,
          );
        // 422 after the 409 (the spec's order: a client learns the size first). The empty tree is
        // consistent with any tree, so no proof is sent from size 0, and size 0 has the empty root.
        if (size === 0 && !equalBytes(root, EMPTY_ROOT))
          return refuse('TLOG_CONSISTENCY_INVALID', 'a checkpoint of size 0 must have the empty tree’s root');
        if (oldSize === 0 && proof.length > 0)
          return refuse('TLOG_CONSISTENCY_INVALID', 'no consistency proof is sent from size 0');
        if (stored !== undefined && oldSize === size) {
          // v1.0.0: same size, another root → 409. Both notes carry the log's valid signature: evidence.
          if (!equalBytes(root, stored.root)) {
            this.#deps.evidence.record(origin, stored, submitted, 'add-checkpoint');
            return refuse(
              'WITNESS_CONFLICT',
              `this witness cosigned size ${size} with another root`,
              storedSize,
            );
          }
          if (proof.length > 0)
            return refuse('TLOG_CONSISTENCY_INVALID', 'a proof between equal sizes is empty');
          return undefined;
        }
        if (oldSize > 0) {
          const consistent = verifyConsistency({
            size1: oldSize,
            size2: size,
            root1: (stored as WitnessedRow).root,
            root2: root,
            proof,
          });
          if (!consistent.ok) return refuse('TLOG_CONSISTENCY_INVALID', consistent.message);
        }
        return undefined;
      },
      { size, root, note: kept },
    );
    if (refused !== undefined) return refused;
    return { ok: true, signatures: `${cosignature}\n`, origin, size };
  }
}
