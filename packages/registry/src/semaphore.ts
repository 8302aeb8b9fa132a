/** A counting semaphore: at most `limit` holders at once, waiters served in order. */
export class Semaphore {
  readonly #limit: number;
  #held = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    this.#limit = limit;
  }

  /** Runs `fn` once a slot is free, and frees it when `fn` settles. */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.#held >= this.#limit) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    else this.#held++;
    try {
      return await fn();
    } finally {
      const next = this.#waiters.shift();
      if (next === undefined) this.#held--;
      else next();
    }
  }
}
