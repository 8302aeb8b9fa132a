import { describe, expect, it } from 'vitest';
import { relativeDay, relativeFuture } from '../src/relative-time.js';

/** Noon local time, `offset` days from a fixed day, so the cases hold in any time zone. */
function day(offset: number, hour = 12): Date {
  return new Date(2026, 5, 1 + offset, hour);
}

describe('relativeDay', () => {
  const now = day(0);
  it('counts calendar days in the reader’s time zone', () => {
    expect(relativeDay(day(0, 1).toISOString(), now)).toBe('today');
    expect(relativeDay(day(-1, 23).toISOString(), now)).toBe('yesterday');
    expect(relativeDay(day(-3).toISOString(), now)).toBe('3 days ago');
    expect(relativeDay(day(1, 0).toISOString(), now)).toBe('tomorrow');
    expect(relativeDay(day(2).toISOString(), now)).toBe('in 2 days');
  });

  it('goes to months and years for old dates', () => {
    expect(relativeDay(day(-90).toISOString(), now)).toBe('3 months ago');
    expect(relativeDay(day(-800).toISOString(), now)).toBe('2 years ago');
  });

  it('answers undefined for text that is not a date', () => {
    expect(relativeDay('not a date', now)).toBeUndefined();
    expect(relativeDay('', now)).toBeUndefined();
  });
});

describe('relativeFuture', () => {
  const now = new Date('2026-06-01T22:00:00Z');
  const later = (hours: number) => new Date(now.getTime() + hours * 3_600_000).toISOString();
  it('counts hours within two days, so 26 hours is not "in 2 days"', () => {
    expect(relativeFuture(later(26), now)).toBe('in 26 hours');
    expect(relativeFuture(later(1), now)).toBe('in 1 hour');
    expect(relativeFuture(later(0.5), now)).toBe('within the hour');
  });
  it('says now once the time has passed, and days further off', () => {
    expect(relativeFuture(later(-3), now)).toBe('now');
    expect(relativeFuture(later(24 * 5), now)).toBe('in 5 days');
    expect(relativeFuture('soon', now)).toBeUndefined();
  });
});
