/**
 * The re-check state machine of identity links (link-schedule.ts; DESIGN-TRUST §3.3 item 7, §3.4 "Re-check
 * state machine") driven by a fake clock and a fixed random source: when a node checks a link again, and
 * whether its latest observation keeps the link bound (`linkHolds` of @assent/manifest, the rule verifiers
 * apply to the same signed fields).
 */
import {
  DEFAULT_OBSERVATION_MAX_AGE_MS,
  generateIdentity,
  LINK_GRACE_MS,
  type LinkObservation,
  type LinkResult,
  linkHolds,
  signObservation,
  verifyObservation,
} from '@assent/manifest';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LINK_SCHEDULE,
  type LinkStatus,
  lastOkAtToSign,
  linkBound,
  newLinkStatus,
  nextLinkStatus,
} from '../src/link-schedule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-01T12:00:00Z');
const creator = (await generateIdentity()).did;
const identity = { type: 'profile', id: 'https://soundcloud.com/the-flight' } as const;

/** A fake clock: `now` moves only when told. */
function fakeClock(start: number) {
  let at = start;
  return {
    now: () => at,
    iso: () => new Date(at).toISOString(),
    advance: (ms: number) => {
      at += ms;
    },
    set: (ms: number) => {
      at = ms;
    },
  };
}

function observation(result: LinkResult, observedAt: string): LinkObservation {
  return {
    creator,
    identity,
    method: 'profile-text',
    result,
    observedAt,
    evidenceHash: null,
    ...(result === 'ok' ? {} : { reason: result === 'perm_failure' ? 'LINK_NOT_NAMED' : 'LINK_TIMEOUT' }),
  };
}

/** One link as a node keeps it: its status and latest observation, checked with `random()`. */
/** `random` 0 by default: no spread, so delays are exact. */
function link(clock: ReturnType<typeof fakeClock>, random: () => number = () => 0) {
  let status: LinkStatus = newLinkStatus(clock.now());
  let latest: { observation: LinkObservation; lastOkAt: string | undefined } | undefined;
  return {
    get status() {
      return status;
    },
    get latest() {
      return latest;
    },
    /** A check ends now with `result`. */
    observe(result: LinkResult) {
      const at = clock.iso();
      const signedLastOkAt = lastOkAtToSign(status, result, at);
      status = nextLinkStatus(status, result, at, random);
      latest = { observation: observation(result, at), lastOkAt: signedLastOkAt };
    },
    bound: () => linkBound(latest, clock.now()),
  };
}

describe('link schedule: states', () => {
  it('a new link is looking, due at once, and not bound', () => {
    const clock = fakeClock(T0);
    const l = link(clock);
    expect(l.status).toEqual({ state: 'looking', lastOkAt: undefined, tempFailures: 0, nextCheckAt: T0 });
    expect(l.bound()).toBe(false);
  });

  it('ok → temp_failure inside the grace stays bound; past the grace it is not', () => {
    const clock = fakeClock(T0);
    const l = link(clock);
    l.observe('ok');
    expect(l.status.state).toBe('ok');
    expect(l.status.lastOkAt).toBe(new Date(T0).toISOString());
    expect(l.bound()).toBe(true);

    clock.advance(DAY);
    l.observe('temp_failure');
    expect(l.status.state).toBe('temp_failure');
    expect(l.latest?.lastOkAt).toBe(new Date(T0).toISOString());
    expect(l.bound()).toBe(true);

    // Still failing 6 days 23 hours after the last ok: inside the 7-day grace.
    clock.set(T0 + LINK_GRACE_MS - HOUR);
    l.observe('temp_failure');
    expect(l.bound()).toBe(true);

    // Failing past the grace: the observation made then no longer binds.
    clock.set(T0 + LINK_GRACE_MS + HOUR);
    l.observe('temp_failure');
    expect(l.status.state).toBe('temp_failure');
    expect(l.bound()).toBe(false);
  });

  it('the proof restored → ok and bound again, the failures forgotten', () => {
    const clock = fakeClock(T0);
    const l = link(clock);
    l.observe('ok');
    clock.advance(8 * DAY);
    l.observe('temp_failure');
    expect(l.bound()).toBe(false);
    clock.advance(HOUR);
    l.observe('ok');
    expect(l.status).toMatchObject({ state: 'ok', tempFailures: 0, lastOkAt: clock.iso() });
    expect(l.bound()).toBe(true);
  });

  it('perm_failure (the proof removed) unbinds at once, and gives no grace to a later temp_failure', () => {
    const clock = fakeClock(T0);
    const l = link(clock);
    l.observe('ok');
    clock.advance(HOUR);
    l.observe('perm_failure');
    expect(l.status).toMatchObject({ state: 'perm_failure', lastOkAt: undefined });
    expect(l.bound()).toBe(false);
    clock.advance(HOUR);
    l.observe('temp_failure');
    expect(l.latest?.lastOkAt).toBeUndefined();
    expect(l.bound()).toBe(false);
  });

  it('a temp_failure with no ok before it does not bind', () => {
    const clock = fakeClock(T0);
    const l = link(clock);
    l.observe('temp_failure');
    expect(l.bound()).toBe(false);
  });

  it('an observation older than maxAge does not bind (the node stopped checking)', () => {
    const clock = fakeClock(T0);
    const l = link(clock);
    l.observe('ok');
    clock.advance(DEFAULT_OBSERVATION_MAX_AGE_MS);
    expect(l.bound()).toBe(true);
    clock.advance(1);
    expect(l.bound()).toBe(false);
    // A shorter maxAge of the verifier's own.
    clock.set(T0 + 2 * DAY);
    expect(linkBound(l.latest, clock.now(), { maxAgeMs: DAY })).toBe(false);
    // An observation from the future binds nothing either.
    clock.set(T0 - 1);
    expect(l.bound()).toBe(false);
  });
});

describe('link schedule: when to check again', () => {
  it('ok and perm_failure: a day later and up to 20% more, never sooner (at most once a day)', () => {
    const clock = fakeClock(T0);
    const low = link(clock, () => 0);
    low.observe('ok');
    expect(low.status.nextCheckAt).toBe(T0 + DAY);
    const high = link(clock, () => 0.999999);
    high.observe('perm_failure');
    expect(high.status.nextCheckAt - T0).toBeGreaterThan(1.1999 * DAY);
    expect(high.status.nextCheckAt - T0).toBeLessThan(1.2 * DAY);
    const mid = link(clock, () => 0.5);
    mid.observe('ok');
    expect(mid.status.nextCheckAt).toBe(T0 + 1.1 * DAY);
  });

  it('temp_failure: 1 h, doubling, at most a day; an ok resets it', () => {
    const clock = fakeClock(T0);
    const l = link(clock);
    l.observe('ok');
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      clock.set(l.status.nextCheckAt);
      l.observe('temp_failure');
      delays.push((l.status.nextCheckAt - clock.now()) / HOUR);
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 24, 24, 24]);
    expect(l.status.tempFailures).toBe(8);
    clock.set(l.status.nextCheckAt);
    l.observe('ok');
    expect(l.status.tempFailures).toBe(0);
    clock.set(l.status.nextCheckAt);
    l.observe('temp_failure');
    expect(l.status.nextCheckAt - clock.now()).toBe(HOUR);
  });

  it('jitter spreads links checked at the same moment', () => {
    const clock = fakeClock(T0);
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    const times = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const l = link(clock, random);
      l.observe('ok');
      times.add(l.status.nextCheckAt);
      expect(l.status.nextCheckAt - T0).toBeGreaterThanOrEqual(DAY);
      expect(l.status.nextCheckAt - T0).toBeLessThanOrEqual(1.2 * DAY);
    }
    expect(times.size).toBeGreaterThan(40);
  });

  it('never signs a lastOkAt after the observation (a clock set back)', () => {
    const before = { ...newLinkStatus(T0), state: 'ok' as const, lastOkAt: new Date(T0).toISOString() };
    expect(lastOkAtToSign(before, 'temp_failure', new Date(T0 - HOUR).toISOString())).toBeUndefined();
    expect(lastOkAtToSign(before, 'temp_failure', new Date(T0 + HOUR).toISOString())).toBe(before.lastOkAt);
    expect(lastOkAtToSign(before, 'ok', new Date(T0 + HOUR).toISOString())).toBeUndefined();
    expect(lastOkAtToSign(before, 'perm_failure', new Date(T0 + HOUR).toISOString())).toBeUndefined();
  });

  it('the default schedule is the documented one', () => {
    expect(DEFAULT_LINK_SCHEDULE).toEqual({
      recheckMs: DAY,
      jitter: 0.2,
      backoffMs: HOUR,
      maxBackoffMs: DAY,
    });
  });
});

describe('link schedule: the signed observation carries what verifiers need', () => {
  it('a temp_failure signed inside the grace verifies and holds for a verifier; past the grace it does not', async () => {
    const node = await generateIdentity();
    const clock = fakeClock(T0);
    const l = link(clock);
    l.observe('ok');
    clock.advance(3 * DAY);
    l.observe('temp_failure');
    const signed = await signObservation(l.latest?.observation as LinkObservation, {
      identity: node,
      lastOkAt: l.latest?.lastOkAt as string,
    });
    const seen = await verifyObservation(signed.bytes);
    expect(seen.ok).toBe(true);
    if (!seen.ok) return;
    expect(seen.value.lastOkAt).toBe(new Date(T0).toISOString());
    expect(linkHolds(seen.value, clock.now())).toBe(true);
    expect(
      linkBound({ observation: seen.value.observation, lastOkAt: seen.value.lastOkAt }, clock.now()),
    ).toBe(true);

    clock.set(T0 + 8 * DAY);
    l.observe('temp_failure');
    const late = await signObservation(l.latest?.observation as LinkObservation, {
      identity: node,
      lastOkAt: l.latest?.lastOkAt as string,
    });
    const lateSeen = await verifyObservation(late.bytes);
    expect(lateSeen.ok && linkHolds(lateSeen.value, clock.now())).toBe(false);
  });
});
