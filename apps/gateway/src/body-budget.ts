import { GatewayError } from './errors.js';

/**
 * A cap on the request body bytes all requests hold in memory at once. Each request takes bytes as
 * they arrive (or its declared `content-length` at once) and gives them all back when it is answered.
 * Without it, 1,024 connections could each hold a 32 MiB CAR. Beyond the cap a request is refused with
 * `GATEWAY_BUSY` (503, `Retry-After`), or `BODY_TOO_LARGE` (413) when its body alone is larger than
 * the cap and could never fit.
 */
export class BodyBudget {
  readonly capacity: number;
  #used = 0;
  readonly #held = new WeakMap<object, number>();

  constructor(capacity: number) {
    if (!(capacity >= 1) || !Number.isSafeInteger(capacity))
      throw new RangeError('the in-flight body byte cap must be a positive integer');
    this.capacity = capacity;
  }

  /** Bytes held by requests now. */
  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` for `request` (any object that lives as long as it), or throws the refusal. */
  take(request: object, bytes: number): void {
    if (bytes > this.capacity) {
      throw new GatewayError('BODY_TOO_LARGE', `the request body is larger than ${this.capacity} bytes`);
    }
    if (this.#used + bytes > this.capacity) {
      throw new GatewayError(
        'GATEWAY_BUSY',
        'the gateway is receiving as many request bodies as it holds at once; retry shortly',
        undefined,
        1,
      );
    }
    this.#used += bytes;
    this.#held.set(request, (this.#held.get(request) ?? 0) + bytes);
  }

  /** Gives back everything `request` took. Idempotent. */
  release(request: object): void {
    const bytes = this.#held.get(request);
    if (bytes === undefined) return;
    this.#held.delete(request);
    this.#used -= bytes;
  }
}
