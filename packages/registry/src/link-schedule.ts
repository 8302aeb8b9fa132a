import { type LinkHoldsOptions, type LinkObservation, type LinkResult, linkHolds } from '@assent/manifest';
import type { LinkState } from './types.js';

/**
 * When a node checks an identity link again, and what state the link is in (DESIGN-TRUST §3.3 item 7,
 * docs/spec/observation.md §4): the Keybase proof states `looking → ok → temp_failure → perm_failure`,
 * a re-check about once a day with jitter, backoff on temporary failures. Pure: the clock and the random
 * source are arguments, so a fake clock drives it in tests.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Options of the schedule; every field has the default of {@link DEFAULT_LINK_SCHEDULE}. */
export interface LinkScheduleOptions {
  /** The delay before checking a link again after `ok` or `perm_failure` (one day: Keybase's cadence). */
  readonly recheckMs: number;
  /**
   * Spread of every delay, as a fraction of it added on top (0.2: up to 20% longer), so that links
   * checked together drift apart. Only ever longer: a link is checked again at most once a day.
   */
  readonly jitter: number;
  /** The delay after a first temporary failure (one hour); it doubles with each one after. */
  readonly backoffMs: number;
  /** The longest delay after temporary failures (one day). */
  readonly maxBackoffMs: number;
}

/** The schedule a node uses unless told otherwise. */
export const DEFAULT_LINK_SCHEDULE: LinkScheduleOptions = Object.freeze({
  recheckMs: DAY_MS,
  jitter: 0.2,
  backoffMs: HOUR_MS,
  maxBackoffMs: DAY_MS,
});

/** What a node keeps of one link between checks. */
export interface LinkStatus {
  readonly state: LinkState;
  /**
   * The last time this node saw the link `ok` with no `perm_failure` since (the proof was removed after
   * it): what a temporary failure is signed with, so that verifiers apply the grace ({@link linkHolds}).
   */
  readonly lastOkAt: string | undefined;
  /** Temporary failures in a row since the last other result. */
  readonly tempFailures: number;
  /** When the link is due to be checked again, in milliseconds since the epoch. */
  readonly nextCheckAt: number;
}

/** A link just claimed: `looking`, due at once. */
export function newLinkStatus(nowMs: number): LinkStatus {
  return { state: 'looking', lastOkAt: undefined, tempFailures: 0, nextCheckAt: nowMs };
}

/** `delayMs` lengthened by up to `jitter` of it, with `random()` in [0, 1). */
function jittered(delayMs: number, jitter: number, random: () => number): number {
  const r = random();
  const unit = r >= 0 && r < 1 ? r : 0.5;
  return Math.round(delayMs * (1 + jitter * unit));
}

/**
 * The `lastOkAt` to sign into an observation with this result (none for `ok`, which is its own, nor for
 * `perm_failure`, which never binds), given the link's status before it.
 */
export function lastOkAtToSign(
  before: LinkStatus,
  result: LinkResult,
  observedAt: string,
): string | undefined {
  if (result !== 'temp_failure' || before.lastOkAt === undefined) return undefined;
  // An observation's lastOkAt is never after its own time (a clock set back between checks).
  return Date.parse(before.lastOkAt) <= Date.parse(observedAt) ? before.lastOkAt : undefined;
}

/**
 * The status after a check ended with `result` at `observedAt`:
 * - `ok`: lastOkAt is now; next check in `recheckMs` + jitter;
 * - `temp_failure`: lastOkAt kept; next check after `backoffMs`, doubled for each temporary failure in a
 *   row, at most `maxBackoffMs`, + jitter;
 * - `perm_failure` (the proof is gone): lastOkAt forgotten, so a later temporary failure gets no grace
 *   from before the removal; next check in `recheckMs` + jitter, in case the proof comes back.
 */
export function nextLinkStatus(
  before: LinkStatus,
  result: LinkResult,
  observedAt: string,
  random: () => number,
  options: LinkScheduleOptions = DEFAULT_LINK_SCHEDULE,
): LinkStatus {
  const at = Date.parse(observedAt);
  if (!Number.isFinite(at)) throw new RangeError(`observedAt is not a date-time: ${observedAt}`);
  switch (result) {
    case 'ok':
      return {
        state: 'ok',
        lastOkAt: observedAt,
        tempFailures: 0,
        nextCheckAt: at + jittered(options.recheckMs, options.jitter, random),
      };
    case 'temp_failure': {
      const tempFailures = before.tempFailures + 1;
      const backoff = Math.min(options.backoffMs * 2 ** Math.min(tempFailures - 1, 40), options.maxBackoffMs);
      return {
        state: 'temp_failure',
        lastOkAt: lastOkAtToSign(before, result, observedAt),
        tempFailures,
        nextCheckAt: at + jittered(backoff, options.jitter, random),
      };
    }
    case 'perm_failure':
      return {
        state: 'perm_failure',
        lastOkAt: undefined,
        tempFailures: 0,
        nextCheckAt: at + jittered(options.recheckMs, options.jitter, random),
      };
  }
}

/**
 * Whether a link is bound at `nowMs`, by its latest observation and the lastOkAt signed into it: the rule
 * verifiers apply ({@link linkHolds}: no older than `maxAgeMs`; `ok`, or `temp_failure` within
 * `graceMs` of the last `ok`). A link still `looking` is not bound.
 */
export function linkBound(
  latest: { readonly observation: LinkObservation; readonly lastOkAt: string | undefined } | undefined,
  nowMs: number,
  options: LinkHoldsOptions = {},
): boolean {
  if (latest === undefined) return false;
  const lastOkAt = latest.observation.result === 'ok' ? latest.observation.observedAt : latest.lastOkAt;
  return linkHolds({ observation: latest.observation, lastOkAt }, nowMs, options);
}
