import { creatorPage } from './creator-page.js';
import { lookupPage } from './lookup-page.js';

/** Hash routing: `#/publish` (the creator page, default) and `#/lookup`. No framework, no server routes. */
type Route = 'publish' | 'lookup';

const pages: Partial<Record<Route, HTMLElement>> = {};

function routeOf(hash: string): Route {
  return hash.startsWith('#/lookup') ? 'lookup' : 'publish';
}

function show(route: Route, moveFocus: boolean): void {
  const main = document.getElementById('main');
  if (main === null) return;
  // Pages are built once and kept, so switching tabs keeps what was typed.
  const page = pages[route] ?? (route === 'lookup' ? lookupPage() : creatorPage());
  pages[route] = page;
  main.replaceChildren(page);
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-route]')) {
    if (link.dataset.route === route) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = route === 'lookup' ? 'Look up a work · Assent' : 'Publish your AI-use consent · Assent';
  if (moveFocus) main.focus();
}

window.addEventListener('hashchange', () => {
  // In-page anchors (the skip link's #main) are not routes.
  if (location.hash === '' || location.hash.startsWith('#/')) show(routeOf(location.hash), true);
});
show(routeOf(location.hash), false);
