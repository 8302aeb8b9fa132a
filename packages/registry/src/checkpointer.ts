import { formatCheckpoint, signNote } from '@assent/tlog';
import type { NodeKeys } from './node-keys.js';
import type { NodeLog, StoredCheckpoint } from './node-log.js';

/**
 * Signs the log's checkpoints (C2SP tlog-checkpoint): at most once a second while the tree grows, and
 * at once when a caller needs one covering a leaf the latest does not (a receipt). A checkpoint is
 * stored before it is served, so a restarted node never serves a smaller one; signing is serialized,
 * so a slow signature cannot overwrite a larger checkpoint with a smaller one.
 */
export class Checkpointer {
  readonly #log: NodeLog;
  readonly #keys: NodeKeys;
  readonly #now: () => Date;
  #signing: Promise<StoredCheckpoint> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #latest: StoredCheckpoint | undefined;
  /** Called after each new checkpoint is stored (witnessing asks for its cosignatures); must not throw. */
  onSigned: ((checkpoint: StoredCheckpoint) => void) | undefined;

  constructor(log: NodeLog, keys: NodeKeys, now: () => Date = () => new Date()) {
    this.#log = log;
    this.#keys = keys;
    this.#now = now;
    this.#latest = log.checkpoint();
  }

  /** Signs a first checkpoint if there is none, then every `intervalMs` while the tree grows. */
  async start(intervalMs = 1000): Promise<void> {
    await this.covering(this.#log.size());
    this.#timer = setInterval(() => {
      if (this.#log.size() > (this.#latest?.size ?? -1)) this.sign().catch(() => {});
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The latest signed checkpoint (undefined only before `start`). */
  latest(): StoredCheckpoint | undefined {
    return this.#latest;
  }

  /** The latest checkpoint if it covers `size` leaves, else a new one signed now. */
  async covering(size: number): Promise<StoredCheckpoint> {
    const latest = this.#latest;
    if (latest !== undefined && latest.size >= size) return latest;
    return this.sign();
  }

  /** Signs a checkpoint of the tree as it is now (after any signing under way). */
  sign(): Promise<StoredCheckpoint> {
    const previous = this.#signing ?? Promise.resolve(undefined);
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const size = this.#log.size();
        const latest = this.#latest;
        if (latest !== undefined && latest.size >= size) return latest;
        const text = formatCheckpoint({ origin: this.#keys.origin, size, root: this.#log.tree(size).root() });
        const note = await signNote(text, [this.#keys.log]);
        const signed = { size, note, signedAt: this.#now().toISOString() };
        this.#log.saveCheckpoint(signed);
        this.#latest = signed;
        this.onSigned?.(signed);
        return signed;
      });
    this.#signing = next;
    return next;
  }

  /** Replaces the latest checkpoint's note by one carrying more signatures (witness cosignatures). */
  addSignatures(size: number, note: string): void {
    const latest = this.#latest;
    if (latest === undefined || latest.size !== size) return;
    const updated = { ...latest, note };
    this.#log.saveCheckpoint(updated);
    this.#latest = updated;
  }
}
