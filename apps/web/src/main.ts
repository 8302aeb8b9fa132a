import { creatorPage } from './creator-page.js';
import { lazyPage } from './lazy-page.js';
import { lookupPage } from './lookup-page.js';

/**
 * Hash routing: `#/publish` (the creator page, default), `#/lookup` and `#/receipt`. No framework, no
 * server routes.
 */
type Route = 'publish' | 'lookup' | 'receipt';

const ROUTES: Readonly<Record<Route, { readonly build: () => HTMLElement; readonly title: string }>> = {
  publish: { build: creatorPage, title: 'Publish your AI-use consent · Assent' },
  lookup: { build: lookupPage, title: 'Look up a work · Assent' },
  receipt: {
    build: () => lazyPage(async () => (await import('./receipt-page.js')).receiptPage()),
    title: 'Check a receipt · Assent',
  },
};

const pages: Partial<Record<Route, HTMLElement>> = {};

function routeOf(hash: string): Route {
  if (hash.startsWith('#/lookup')) return 'lookup';
  if (hash.startsWith('#/receipt')) return 'receipt';
  return 'publish';
}

function show(route: Route, moveFocus: boolean): void {
  const main = document.getElementById('main');
  if (main === null) return;
  // Pages are built once and kept, so switching tabs keeps what was typed.
  const page = pages[route] ?? ROUTES[route].build();
  pages[route] = page;
  main.replaceChildren(page);
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-route]')) {
    if (link.dataset.route === route) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = ROUTES[route].title;
  if (moveFocus) main.focus();
}

window.addEventListener('hashchange', () => {
  // In-page anchors (the skip link's #main) are not routes.
  if (location.hash === '' || location.hash.startsWith('#/')) show(routeOf(location.hash), true);
});
show(routeOf(location.hash), false);
