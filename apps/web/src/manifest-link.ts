import { h } from './element.js';

/** A link to a manifest's signed bytes on the gateway that serves the page (`v1/manifests/{cid}`). */
export function manifestLink(cid: string, text: string = cid): HTMLAnchorElement {
  return h('a', { href: `v1/manifests/${cid}`, class: 'cid' }, text);
}
