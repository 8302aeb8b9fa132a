/**
 * A counting semaphore: at most `limit` holders at once, waiters served in order, and at most
 * `maxQueued` waiters (default unbounded): check {@link full} before {@link run} to refuse instead of
 * queueing without end.
 */
export class Semaphore {
  readonly #limit: number;
  readonly #maxQueued: number;
  #held = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(limit: number, maxQueued = Number.POSITIVE_INFINITY) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(maxQueued >= 0)) throw new RangeError('maxQueued must be a non-negative number');
    this.#limit = limit;
    this.#maxQueued = maxQueued;
  }

  /** True when a call to {@link run} now would wait beyond the room for waiters. */
  get full(): boolean {
    return this.#held >= this.#limit && this.#waiters.length >= this.#maxQueued;
  }

  /**
   * Runs `fn` once a slot is free, and frees it when `fn` settles. An abort while waiting rejects with
   * the signal's reason and gives up the place in the queue.
   */
  async run<T>(fn: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    if (this.#held >= this.#limit) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const waiter = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const at = this.#waiters.indexOf(waiter);
          if (at !== -1) this.#waiters.splice(at, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#waiters.push(waiter);
      });
    } else this.#held++;
    try {
      return await fn();
    } finally {
      const next = this.#waiters.shift();
      if (next === undefined) this.#held--;
      else next();
    }
  }
}
