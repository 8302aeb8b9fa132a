import { AssentError } from '@assent/manifest';
import { replace } from './element.js';

/** A message for a person from anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof AssentError) {
    if (error.code === 'SOURCE_UNAVAILABLE' || error.code === 'SOURCE_TIMEOUT') {
      return 'Cannot reach the Assent registry. Check your connection and try again.';
    }
    return `${error.message} (${error.code})`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Shows an error in a region; `role="alert"` makes screen readers announce it at once. */
export function showError(region: Element, error: unknown, ...extra: (Node | string)[]): void {
  const p = document.createElement('p');
  p.className = 'error';
  p.setAttribute('role', 'alert');
  p.textContent = messageOf(error);
  replace(region, p, ...extra);
}

/** Shows a status message in a polite live region. */
export function showStatus(region: Element, text: string, kind: 'info' | 'success' = 'info'): void {
  const p = document.createElement('p');
  p.className = kind;
  p.textContent = text;
  replace(region, p);
}

/** Shows a step of a long task (signing, paging, uploading): its text and a progress bar. */
export function showProgress(region: Element, text: string, done: number, total: number): void {
  const p = document.createElement('p');
  p.className = 'info';
  p.textContent = text;
  const bar = document.createElement('progress');
  bar.max = total;
  bar.value = done;
  bar.setAttribute('aria-label', text);
  replace(region, p, bar);
}

/** Lets the browser paint a message before a long synchronous step (signing a big catalog). */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
