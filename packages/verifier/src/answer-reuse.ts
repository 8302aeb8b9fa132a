/**
 * Answer reuse: keeps answers of `check` and hands one out again for the same question while nothing
 * it was decided from can have changed — the source's and the state store's `revision()`, the
 * manifest cache's generation, and no instant of a manifest weighed passed (`VerifierOptions.reuse`).
 */
import type { CheckResult } from './check-result.js';
import type { Circumstances } from './decide.js';
import { type ManifestCache, nextChange } from './manifest-cache.js';
import type { CreatorPlan } from './rollback-plan.js';

/** Collects, during one batch, until when its answers hold. */
export interface Horizon {
  untilMs: number;
  /** False when the answers depend on the clock otherwise (evidence that may go stale). */
  reusable: boolean;
}

/**
 * Lowers `horizon.untilMs` to the first instant after `atMs` at which a manifest that can decide or
 * hint in `plans` may say something else: what they say changes only at their own instants.
 */
export function noteHorizon(horizon: Horizon, plans: readonly CreatorPlan[], atMs: number): void {
  for (const p of plans) {
    for (const entry of p.hints) horizon.untilMs = Math.min(horizon.untilMs, nextChange(entry, atMs));
    for (const b of p.branches)
      if (b.kind !== 'unavailable') horizon.untilMs = Math.min(horizon.untilMs, nextChange(b.entry, atMs));
  }
}

/** What an answer being decided is decided from (see {@link AnswerReuse.begin}). */
export interface PendingAnswer {
  readonly source: number;
  readonly cache: number;
  readonly state: number;
  /** For the batch to lower (see {@link noteHorizon}). */
  readonly horizon: Horizon;
}

/** An answer of `check` kept for reuse, and what it was decided from. */
interface Kept {
  readonly result: CheckResult;
  readonly source: number;
  readonly cache: number;
  readonly state: number;
  /** When it was decided: a clock set back since then may have crossed an instant. */
  readonly fromMs: number;
  /** The first instant at which a manifest weighed may say something else. */
  readonly untilMs: number;
}

/** Freezes an answer and everything in it, so kept answers can be shared by the copies handed out. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** The answers of `check` by use, organisation and work, oldest first, at most `capacity`. */
export class AnswerReuse {
  readonly #kept = new Map<string, Kept>();
  readonly #capacity: number;
  readonly #cache: ManifestCache;
  readonly #sourceRevision: () => number;
  readonly #stateRevision: () => number;
  // The last time of use as a date-time: checks in the same millisecond share it.
  #isoMs = Number.NaN;
  #iso = '';

  /**
   * `capacity` answers at most (positive); `sourceRevision` and `stateRevision` are the source's and
   * the state store's `revision()`, `cache` the verifier's manifest cache.
   */
  constructor(
    capacity: number,
    cache: ManifestCache,
    sourceRevision: () => number,
    stateRevision: () => number,
  ) {
    this.#capacity = capacity;
    this.#cache = cache;
    this.#sourceRevision = sourceRevision;
    this.#stateRevision = stateRevision;
  }

  /** The key of a question: `use` and `org` are normal and hold no line break; the work comes last, as given. */
  static keyOf(c: Circumstances, work: string): string {
    return `${c.use}\n${c.org ?? ''}\n${work}`;
  }

  /**
   * A kept answer to the same question, if nothing it was decided from has changed, with `at` set to
   * this check's time. Reads the revisions again on every call: they are cheap.
   */
  reused(key: string, c: Circumstances): CheckResult | undefined {
    const k = this.#kept.get(key);
    if (
      k === undefined ||
      !(c.atMs >= k.fromMs && c.atMs < k.untilMs) ||
      k.cache !== this.#cache.generation ||
      k.source !== this.#sourceRevision() ||
      k.state !== this.#stateRevision()
    )
      return undefined;
    // A copy: the kept answer's own `at` stays, and its frozen parts are shared.
    return { ...k.result, at: this.#isoOf(c.atMs) };
  }

  /**
   * Starts deciding an answer to keep: notes the revisions it is decided from, and a horizon for the
   * batch to lower. Then decide, and hand the answer to {@link AnswerReuse.keep}.
   */
  begin(): PendingAnswer {
    return {
      source: this.#sourceRevision(),
      cache: this.#cache.generation,
      state: this.#stateRevision(),
      horizon: { untilMs: Number.POSITIVE_INFINITY, reusable: true },
    };
  }

  /**
   * Keeps `result`, decided since {@link AnswerReuse.begin} answered `pending`, under `key`, if
   * nothing changed while it was decided (this check's own verifying and recording included: the next
   * check then decides again, and keeps that answer). Answers the result to hand out.
   */
  keep(key: string, c: Circumstances, pending: PendingAnswer, result: CheckResult): CheckResult {
    const map = this.#kept;
    const { source, cache, state, horizon } = pending;
    if (
      horizon.reusable &&
      source === this.#sourceRevision() &&
      cache === this.#cache.generation &&
      state === this.#stateRevision()
    ) {
      map.delete(key);
      if (map.size >= this.#capacity) map.delete(map.keys().next().value as string);
      map.set(key, {
        result: deepFreeze(result),
        source,
        cache,
        state,
        fromMs: c.atMs,
        untilMs: horizon.untilMs,
      });
      return { ...result };
    }
    return result;
  }

  #isoOf(ms: number): string {
    if (ms !== this.#isoMs) {
      this.#isoMs = ms;
      this.#iso = new Date(ms).toISOString();
    }
    return this.#iso;
  }
}
