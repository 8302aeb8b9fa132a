import { assentToken, type IdentityLink } from '@assent/manifest';
import { h } from './element.js';

/**
 * What a creator publishes, and where, so that an identity names its DID back (docs/spec/manifest.md
 * §3.5.3): the same places `assent id link` names and `@assent/links` reads — a domain by DNS TXT
 * `_assent.DOMAIN` (`did=<DID>`) or `https://DOMAIN/.well-known/assent-did`, a profile page by the
 * text `assent:<DID>` in its public bio. The app shows the two simplest ways for a domain; the CLI
 * also names the DIF DID Configuration.
 */

/** The DNS record and the file that prove a domain. */
export function domainProof(did: string, domain: string) {
  return {
    dnsName: `_assent.${domain}`,
    dnsValue: `did=${did}`,
    wellKnownUrl: `https://${domain}/.well-known/assent-did`,
  } as const;
}

/** The instructions for one identity, as elements (every value in a `<code>` to copy as is). */
export function linkInstructions(did: string, link: IdentityLink): HTMLElement {
  if (link.type === 'domain') {
    const proof = domainProof(did, link.id);
    return h(
      'div',
      { class: 'link-instructions', 'data-type': 'domain' },
      h('p', {}, `To show that ${link.id} is yours, publish one of these (checked in this order):`),
      h(
        'ol',
        {},
        h(
          'li',
          { class: 'dns-txt' },
          'A DNS TXT record named ',
          h('code', { class: 'dns-name' }, proof.dnsName),
          ' with the value ',
          h('code', { class: 'dns-value' }, proof.dnsValue),
          '. Exactly one such record at that name.',
        ),
        h(
          'li',
          { class: 'well-known' },
          'Or a plain-text file at ',
          h('code', { class: 'well-known-url' }, proof.wellKnownUrl),
          ' holding your DID on one line: ',
          h('code', { class: 'well-known-content' }, did),
          '. It must be served at that address itself, over https: a redirect does not count.',
        ),
      ),
    );
  }
  return h(
    'div',
    { class: 'link-instructions', 'data-type': 'profile' },
    h('p', {}, 'Put this text in the public bio of that profile (its description, not a post or a comment):'),
    h('p', {}, h('code', { class: 'token' }, assentToken(did))),
    h(
      'p',
      { class: 'hint' },
      'The whole DID, exactly: a longer or shorter one names another key. The registry reads the page as its server sends it, so text added by scripts does not count.',
    ),
  );
}
