/**
 * When something happened, or will, in days as a reader counts them ("today", "3 days ago", "in 2
 * days"), by calendar days in the reader's time zone. Link checks run about daily, so days are the
 * grain that matters; a check made 20 hours ago yesterday evening is "yesterday", not "today".
 */

const DAY_MS = 86_400_000;
const words = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** Days since a fixed origin of the local calendar day of `date` (DST shifts round away). */
function localDay(date: Date): number {
  return Math.round(new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime() / DAY_MS);
}

/**
 * `iso` relative to `now`: "today", "yesterday", "3 days ago", "tomorrow", "in 2 days"; beyond 45 days
 * in months, beyond 18 months in years. Undefined for text that is not a date.
 * @example relativeDay('2026-05-29T10:00:00Z', new Date('2026-06-01T09:00:00Z')) // '3 days ago'
 */
export function relativeDay(iso: string, now: Date = new Date()): string | undefined {
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) return undefined;
  const days = localDay(then) - localDay(now);
  if (Math.abs(days) <= 45) return words.format(days, 'day');
  const months = Math.round(days / 30.44);
  if (Math.abs(months) <= 18) return words.format(months, 'month');
  return words.format(Math.round(days / 365.25), 'year');
}

/**
 * A time to come, for schedules ("next check"): "in 23 hours" within two days, where calendar days
 * would turn 25 hours into "in 2 days"; further off as {@link relativeDay}; "now" once passed.
 * @example relativeFuture('2026-06-02T09:00:00Z', new Date('2026-06-01T10:00:00Z')) // 'in 23 hours'
 */
export function relativeFuture(iso: string, now: Date = new Date()): string | undefined {
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) return undefined;
  const ms = then.getTime() - now.getTime();
  if (ms <= 0) return 'now';
  if (ms < 3_600_000) return 'within the hour';
  if (ms < 2 * DAY_MS) return words.format(Math.round(ms / 3_600_000), 'hour');
  return relativeDay(iso, now);
}
