import { signManifest, TERM_LABELS, type UseTerm } from '@assent/manifest';
import { describeStatement, draftOf, FORM_TERMS, formOf, withUseDenied } from './consent-form.js';
import type { CreatorSession } from './creator-session.js';
import { h, replace } from './element.js';
import { showError, showStatus } from './feedback.js';
import { publishManifest } from './gateway-client.js';
import { manifestLink } from './manifest-link.js';

/** The published panel: the current version's answers, one-action revocation and the version history. */
export interface PublishedPanel {
  readonly element: HTMLElement;
  /** Shows the head; `forked` when the registry holds two heads of the same version. */
  render(forked?: boolean): void;
  /** Shows a message (progress or an error) in place of the head. */
  readonly region: HTMLElement;
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function publishedPanel(session: CreatorSession): PublishedPanel {
  const { state, status } = session;
  const currentRegion = h('div', { id: 'current-region' });
  const element = h(
    'section',
    { 'aria-labelledby': 'current-heading', id: 'current-section', hidden: true },
    h('h2', { id: 'current-heading' }, 'What you have published'),
    currentRegion,
  );

  function renderCurrent(forked = false): void {
    const head = state.head;
    if (head === undefined) {
      replace(
        currentRegion,
        h(
          'p',
          { id: 'no-manifest' },
          'Nothing yet. Add your works below, choose what you allow, and publish.',
        ),
      );
      return;
    }
    const subject = head.manifest.credentialSubject;
    const defaults = subject.default ?? {};
    const granted = FORM_TERMS.filter((t) => {
      const s = defaults[t];
      return s !== undefined && s !== 'deny' && !(typeof s === 'object' && s.decision === 'deny');
    });
    const rows = FORM_TERMS.map((term) => {
      const s = defaults[term];
      const revocable = granted.includes(term);
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, TERM_LABELS[term]),
        h('td', { 'data-term': term }, describeStatement(s)),
        h(
          'td',
          {},
          revocable &&
            h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'data-revoke': term,
                'aria-label': `Stop allowing: ${TERM_LABELS[term]}`,
                onclick: () => void revoke([term]),
              },
              'Stop allowing',
            ),
        ),
      );
    });
    replace(
      currentRegion,
      forked &&
        h(
          'p',
          { class: 'warning', role: 'alert' },
          'Two different versions with the same number were published with your key. Publishing a new version resolves it.',
        ),
      h(
        'p',
        { id: 'current-version' },
        `Version ${head.version}, signed ${formatDate(head.manifest.proof?.created ?? head.manifest.validFrom)}, covering ${subject.works.length} ${subject.works.length === 1 ? 'work' : 'works'}. `,
        manifestLink(head.cid, 'View the signed manifest'),
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { id: 'current-table' },
          h('caption', {}, 'Your current answers (apply to every work listed)'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Use'),
              h('th', { scope: 'col' }, 'Your answer'),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Action')),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
      ),
      h(
        'p',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            id: 'withdraw-all',
            onclick: () => void revoke(FORM_TERMS),
          },
          'Withdraw every permission',
        ),
        ' ',
        h('span', { class: 'hint' }, 'Publishes a new version that denies every use for all your works.'),
      ),
      h('h3', {}, 'Version history'),
      h(
        'ol',
        { class: 'history', id: 'history', reversed: true },
        ...state.history.map((m) =>
          h(
            'li',
            { value: m.version },
            h('strong', {}, `Version ${m.version}`),
            ` · signed ${formatDate(m.manifest.proof?.created ?? m.manifest.validFrom)} · `,
            manifestLink(m.cid, `${m.cid.slice(0, 16)}…`),
          ),
        ),
      ),
    );
  }

  /** One action: publish the next version with these uses denied for every work. */
  async function revoke(terms: readonly UseTerm[]): Promise<void> {
    const identity = state.identity;
    const head = state.head;
    if (identity === undefined || head === undefined || state.busy) return;
    state.busy = true;
    try {
      showStatus(status, 'Publishing a new version…');
      if (!(await session.headUnchanged())) {
        await session.loadHead();
        throw new Error('A newer version was published meanwhile. It is loaded now: try again.');
      }
      const form = withUseDenied(formOf(head.manifest), terms);
      state.pending = await signManifest(draftOf(form), {
        identity,
        head: { cid: head.cid, version: head.version },
      });
      const signed = state.pending;
      const result = await publishManifest(signed.bytes as Uint8Array<ArrayBuffer>);
      state.pending = undefined;
      const what =
        terms.length === 1
          ? `“${TERM_LABELS[terms[0] as UseTerm]}” is no longer allowed`
          : 'Every permission is withdrawn';
      showStatus(status, `${what}: version ${result.version} is published.`, 'success');
      await session.loadHead();
    } catch (error) {
      state.pending = undefined;
      showError(status, error);
    } finally {
      state.busy = false;
    }
  }

  return { element, render: renderCurrent, region: currentRegion };
}
