import {
  ancestorsOf,
  type ConsentSnapshot,
  deriveNextDraft,
  type Policy,
  type Statement,
  TERM_LABELS,
  type UseTerm,
} from '@assent/manifest';
import { describeStatement, FORM_TERMS } from './consent-form.js';
import type { CreatorSession } from './creator-session.js';
import { h, replace } from './element.js';
import { showError, showProgress, showStatus } from './feedback.js';
import { formatDate } from './format-date.js';
import { manifestLink } from './manifest-link.js';
import { type Progress, PUBLISH_STEPS, signVersion, uploadVersion } from './publish-version.js';
/** The published panel: the current version's answers, one-action revocation and the version history. */
export interface PublishedPanel {
  readonly element: HTMLElement;
  /** Shows the head; `forked` when the registry holds two heads of the same version. */
  render(forked?: boolean): void;
  /** Shows a message (progress or an error) in place of the head. */
  readonly region: HTMLElement;
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** The statement a policy makes for a use: its own, else its nearest ancestor's (spec §3.2). */
function resolved(policy: Policy | undefined, term: UseTerm): Statement | undefined {
  if (policy === undefined) return undefined;
  for (const t of [term, ...ancestorsOf(term)]) {
    const statement = policy[t];
    if (statement !== undefined) return statement;
  }
  return undefined;
}

function isGrant(statement: Statement | undefined): boolean {
  if (statement === undefined) return false;
  return (typeof statement === 'string' ? statement : statement.decision) !== 'deny';
}

/**
 * How a use stands across the creator's works: `granted` when the default or any work's own answer
 * allows it (so "Stop allowing" has something to stop), and how many works answer it themselves.
 */
function standing(snapshot: ConsentSnapshot, term: UseTerm): { granted: boolean; own: number } {
  const byDefault = resolved(snapshot.default, term);
  let granted = isGrant(byDefault);
  let own = 0;
  for (const work of snapshot.works) {
    const statement = resolved(work.policy, term);
    if (statement !== undefined) own += 1;
    if (isGrant(statement ?? byDefault)) granted = true;
  }
  return { granted, own };
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
    const snapshot = state.snapshot ?? { works: [] };
    const defaults = snapshot.default ?? {};
    const rows = FORM_TERMS.map((term) => {
      const { granted, own } = standing(snapshot, term);
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, TERM_LABELS[term]),
        h('td', { 'data-term': term }, describeStatement(defaults[term])),
        h(
          'td',
          {},
          own > 0 &&
            h(
              'p',
              { class: 'hint', 'data-own': term },
              `${plural(own, 'work has', 'works have')} an answer of its own.`,
            ),
          granted &&
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
    const signer = state.identity?.did;
    replace(
      currentRegion,
      signer !== undefined &&
        head.issuer !== signer &&
        h(
          'p',
          { class: 'warning', role: 'alert', id: 'key-replaced' },
          `Version ${head.version} was signed by another key (${head.issuer}) that took over from the key in this browser, so this key can publish nothing more. If you did not make that change, recover with your 24 words now.`,
        ),
      forked &&
        h(
          'p',
          { class: 'warning', role: 'alert' },
          'Two different versions with the same number were published with your key, and the version shown is one of them. If one is not yours, your key may be stolen: recover with your 24 words and choose your own branch.',
        ),
      h(
        'p',
        { id: 'current-version' },
        `Version ${head.version}, signed ${formatDate(head.manifest.proof?.created ?? head.manifest.validFrom)}, covering ${plural(snapshot.works.length, 'work', 'works')}${snapshot.validUntil === undefined ? '' : `, ending ${formatDate(snapshot.validUntil)}`}. `,
        manifestLink(head.cid, 'View the signed manifest'),
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { id: 'current-table' },
          h('caption', {}, 'Your current answers (apply to every work without an answer of its own)'),
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
    const snapshot = state.snapshot;
    if (identity === undefined || head === undefined || snapshot === undefined || state.busy) return;
    state.busy = true;
    const progress: Progress = (text, done, total) => showProgress(status, text, done, total);
    try {
      progress('Checking your current version…', 0, PUBLISH_STEPS);
      if (!(await session.headUnchanged())) {
        await session.loadHead();
        throw new Error('A newer version was published meanwhile. It is loaded now: try again.');
      }
      // An explicit deny, written wherever a broader grant (a work's own or the default) would reach it.
      const next = deriveNextDraft(snapshot, [{ op: 'deny', uses: terms }]);
      if (!next.ok) throw new Error(`The next version cannot be made: ${next.message}`);
      state.pending = await signVersion(next.value, { identity, head }, progress);
      const result = await uploadVersion(state.pending, progress);
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
