import { h } from './element.js';

/** A date-time in the reader's locale; the text as given when it is not a date. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A `<time>` showing the date in the reader's locale, the exact value in `datetime`. */
export function timeOf(iso: string): HTMLElement {
  return h('time', { datetime: iso }, formatDate(iso));
}
