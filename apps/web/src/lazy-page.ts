import { h } from './element.js';
import { showError, showStatus } from './feedback.js';

/**
 * A page whose code is a chunk of its own, loaded when it is first shown: what one page alone needs
 * (the receipt page's log proofs) stays out of the bundle every visitor loads.
 */
export function lazyPage(load: () => Promise<HTMLElement>): HTMLElement {
  const holder = h('div', { class: 'lazy-page' });
  showStatus(holder, 'Loading…');
  load().then(
    (page) => holder.replaceChildren(page),
    (error: unknown) => showError(holder, error),
  );
  return holder;
}
