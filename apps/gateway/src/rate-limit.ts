/** Options of the per-client write rate limit. */
export interface RateLimitOptions {
  /** Writes a client may burst (default 120). */
  readonly burst?: number;
  /** Writes per second a client may sustain (default 20). */
  readonly perSecond?: number;
  /** Clients tracked at once; the least recently seen are forgotten beyond it (default 10,000). */
  readonly maxClients?: number;
}

/**
 * A token bucket per client key. `take(key)` answers 0 when the write may go ahead, else the whole
 * seconds to wait (for `Retry-After`). Memory is bounded by `maxClients`.
 */
export class RateLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxClients: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: RateLimitOptions = {}) {
    this.#burst = options.burst ?? 120;
    this.#perMs = (options.perSecond ?? 20) / 1000;
    this.#maxClients = options.maxClients ?? 10_000;
    if (!(this.#burst >= 1) || !(this.#perMs > 0) || !(this.#maxClients >= 1)) {
      throw new RangeError('rate limit burst, perSecond and maxClients must be positive');
    }
  }

  take(key: string, nowMs: number): number {
    const held = this.#buckets.get(key);
    let bucket = held ?? { tokens: this.#burst, at: nowMs };
    if (held !== undefined) {
      this.#buckets.delete(key); // re-inserted below: the map stays in least-recently-seen order
      bucket = { tokens: Math.min(this.#burst, held.tokens + (nowMs - held.at) * this.#perMs), at: nowMs };
    }
    let wait = 0;
    if (bucket.tokens >= 1) bucket.tokens -= 1;
    else wait = Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000));
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxClients) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    return wait;
  }
}
