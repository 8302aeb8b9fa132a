import { type IdentityLink, identityKey } from '@assent/manifest';
import { identityChanges } from './consent-form.js';
import type { CreatorSession } from './creator-session.js';
import { h, replace, uid } from './element.js';
import { showError, showStatus } from './feedback.js';
import { type CreatorLinkState, creatorHeads } from './gateway-client.js';
import { identityFromText, identityKind, identityLabel } from './identity-input.js';
import { linkInstructions } from './link-instructions.js';
import { relativeDay, relativeFuture } from './relative-time.js';

/**
 * The creator's identity links (docs/decisions.md §7): the domains and profile pages its next version
 * claims, added and removed here as `link`/`unlink` changes of that version (`deriveNextDraft`), with
 * what to publish where for each, and each published link's state as the node reports it
 * (`GET /v1/creators/{did}` `links`; a node that does not report them is tolerated).
 */
export interface IdentityLinksPanel {
  readonly element: HTMLElement;
  render(): void;
}

/** Why a check failed, in words, for the `LINK_*` codes a creator can act on; others show the code. */
const REASONS: Readonly<Record<string, string>> = {
  LINK_NOT_NAMED: 'your key is not there',
  LINK_OTHER_DID: 'it names another key',
  LINK_AMBIGUOUS: 'it names more than one key',
  LINK_DNS_NOT_FOUND: 'there is no such DNS record',
  LINK_HTTP_NOT_FOUND: 'the page was not found',
  LINK_REDIRECT_REFUSED: 'the address redirects, and a redirect does not count',
  LINK_TIMEOUT: 'it did not answer in time',
  LINK_DNS_FAILED: 'the DNS lookup failed',
  LINK_CONNECT_FAILED: 'the site could not be reached',
  LINK_TLS_FAILED: 'its https certificate was refused',
  LINK_HTTP_UNAVAILABLE: 'the site answered with an error',
  LINK_BODY_TOO_LARGE: 'the page is too large to read',
  LINK_DOMAIN_SHARED_HOST: 'it is a shared host, which never shows who you are',
  LINK_DOMAIN_PUBLIC_SUFFIX: 'it is a public suffix, which never shows who you are',
};

function reasonText(reason: string | undefined): string {
  if (reason === undefined) return '';
  return ` (${REASONS[reason] ?? reason})`;
}

function when(iso: string | undefined, now: Date): string {
  return (iso === undefined ? undefined : relativeDay(iso, now)) ?? 'at an unknown time';
}

/** A published link's state as the node reports it, in words. */
function nodeStatus(link: CreatorLinkState | undefined, reported: boolean, now: Date): string {
  if (!reported) return 'This registry does not report its link checks.';
  if (link === undefined) return 'Not checked yet.';
  const at = when(link.observedAt, now);
  const upcoming = link.nextCheckAt === undefined ? undefined : relativeFuture(link.nextCheckAt, now);
  const next = upcoming === undefined ? '' : ` Next check ${upcoming}.`;
  switch (link.state) {
    case 'looking':
      return 'Being checked…';
    case 'ok':
      return link.bound
        ? `✓ Confirmed, checked ${at}.${next}`
        : `Confirmed ${when(link.lastOkAt ?? link.observedAt, now)}, too long ago to count: waiting for a newer check.${next}`;
    case 'temp_failure':
      return link.bound
        ? `✓ Confirmed. The last check, ${at}, could not reach it${reasonText(link.reason)}; it still counts for a few days.${next}`
        : `Not confirmed: the last check, ${at}, could not reach it${reasonText(link.reason)}.${next}`;
    case 'perm_failure':
      return `Not confirmed${reasonText(link.reason)}, checked ${at}.${next}`;
    default:
      return `${link.state}${reasonText(link.reason)}.${next}`;
  }
}

type Change = 'kept' | 'added' | 'removed';

export function identityLinksPanel(session: CreatorSession): IdentityLinksPanel {
  const { state } = session;
  const list = h('ul', { id: 'link-list', class: 'link-list' });
  const pending = h('p', { id: 'link-pending', class: 'notice', hidden: true });
  const refreshResult = h('div', { id: 'link-refresh-result', 'aria-live': 'polite' });
  const inputId = uid('link-input');
  const error = h('div', { id: 'link-error' });
  const form = h(
    'form',
    { id: 'link-form', onsubmit: (e: Event) => onAdd(e) },
    h('label', { for: inputId }, 'Your website (a bare name) or a profile page (a full link)'),
    h(
      'p',
      { class: 'hint', id: `${inputId}-hint` },
      'For example theflight.com or https://soundcloud.com/the-flight',
    ),
    h(
      'div',
      { class: 'inline' },
      h('input', {
        type: 'text',
        id: inputId,
        name: 'identity',
        autocomplete: 'url',
        spellcheck: 'false',
        'aria-describedby': `${inputId}-hint`,
      }),
      h('button', { type: 'submit', id: 'link-add' }, 'Add link'),
    ),
    error,
  );
  const element = h(
    'div',
    { id: 'identity-links', hidden: true },
    h('h3', { id: 'identity-links-heading' }, 'Show who you are'),
    h(
      'p',
      {},
      'Link a website you own or your profile page (SoundCloud, Bandcamp, YouTube, Mastodon, Bluesky or any page). Each link is checked both ways: your manifest names it, and it names your key. Until a link covering a work is confirmed, your permissions for that work count as “no answer” (a refusal always counts).',
    ),
    list,
    pending,
    h(
      'p',
      {},
      h(
        'button',
        { type: 'button', class: 'secondary', id: 'link-refresh', onclick: () => void refresh() },
        'Ask the registry again',
      ),
      refreshResult,
    ),
    form,
  );

  function entries(): { link: IdentityLink; change: Change }[] {
    const published = state.snapshot?.identities ?? [];
    const publishedKeys = new Set(published.map(identityKey));
    const nextKeys = new Set(state.form.identities.map(identityKey));
    return [
      ...state.form.identities.map((link) => ({
        link,
        change: (publishedKeys.has(identityKey(link)) ? 'kept' : 'added') as Change,
      })),
      ...published
        .filter((link) => !nextKeys.has(identityKey(link)))
        .map((link) => ({ link, change: 'removed' as Change })),
    ];
  }

  function entryItem(link: IdentityLink, change: Change, did: string, now: Date): HTMLElement {
    const reported = state.links !== undefined;
    const node = state.links?.find((l) => l.identity.type === link.type && l.identity.id === link.id);
    const bound = change === 'kept' && node?.bound === true;
    const label = identityLabel(link);
    const status =
      change === 'added'
        ? 'Not published yet: it goes into your next version, and the registry checks it once you publish.'
        : change === 'removed'
          ? 'Removed: it leaves with your next version.'
          : nodeStatus(node, reported, now);
    return h(
      'li',
      {
        'data-identity': `${link.type}:${link.id}`,
        'data-change': change,
        'data-state': change === 'kept' ? (node?.state ?? 'unchecked') : change,
        'data-bound': String(bound),
      },
      h('p', {}, h('strong', { class: 'identity-label' }, label), ` (${identityKind(link.type)})`),
      h('p', { class: bound ? 'link-state success' : 'link-state' }, status),
      change !== 'removed' &&
        h(
          'details',
          { class: 'link-how', open: !bound },
          h('summary', {}, 'What to publish, and where'),
          linkInstructions(did, link),
        ),
      change === 'removed'
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'aria-label': `Keep the link ${label}`,
              onclick: () => setLinks([...state.form.identities, link]),
            },
            'Keep it',
          )
        : h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'aria-label': `Remove the link ${label}`,
              onclick: () =>
                setLinks(state.form.identities.filter((l) => identityKey(l) !== identityKey(link))),
            },
            'Remove',
          ),
    );
  }

  function render(): void {
    const identity = state.identity;
    element.hidden = identity === undefined;
    if (identity === undefined) return;
    const now = new Date();
    const shown = entries();
    replace(
      list,
      ...(shown.length === 0
        ? [h('li', { id: 'no-links' }, 'No links yet: nothing shows who signs with this key.')]
        : shown.map((e) => entryItem(e.link, e.change, identity.creator, now))),
    );
    const changed = identityChanges(state.snapshot ?? { works: [] }, state.form).length > 0;
    pending.hidden = !changed;
    replace(
      pending,
      changed &&
        (state.form.works.length === 0
          ? 'Your link changes go into your next version. Add your works below, then review, sign and publish it (step 4).'
          : 'Your link changes go into your next version: review, sign and publish it (step 4).'),
    );
  }

  function setLinks(next: IdentityLink[]): void {
    state.form.identities = next;
    session.formChanged();
    replace(error);
    render();
  }

  function onAdd(event: Event): void {
    event.preventDefault();
    const input = form.elements.namedItem('identity') as HTMLInputElement;
    const text = input.value.trim();
    if (text === '') {
      showError(error, new Error('Enter your website’s name or a profile link.'));
      return;
    }
    const link = identityFromText(text);
    if (!link.ok) {
      showError(error, new Error(link.message));
      input.focus();
      return;
    }
    const key = identityKey(link.value);
    if (state.form.identities.some((l) => identityKey(l) === key)) {
      showError(error, new Error(`${identityLabel(link.value)} is linked already.`));
      return;
    }
    input.value = '';
    setLinks([...state.form.identities, link.value]);
    (
      list.querySelector(
        `li[data-identity="${CSS.escape(`${link.value.type}:${link.value.id}`)}"] summary`,
      ) as HTMLElement | null
    )?.focus();
  }

  /** Reads the links' states again without touching the next version's draft. */
  async function refresh(): Promise<void> {
    const identity = state.identity;
    if (identity === undefined) return;
    showStatus(refreshResult, 'Asking the registry…');
    try {
      const heads = await creatorHeads(identity.did);
      state.links = heads?.links;
      render();
      replace(refreshResult);
    } catch (err) {
      showError(refreshResult, err);
    }
  }

  return { element, render };
}
