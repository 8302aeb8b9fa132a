import {
  type Identity,
  type JsonObject,
  MANIFEST_CONTEXT,
  type ManifestDraft,
  parseDraft,
  signManifest,
  TERM_LABELS,
} from '@assent/manifest';
import { describeStatement, draftOf, FORM_TERMS, FormError, statementOf } from './consent-form.js';
import type { CreatorSession } from './creator-session.js';
import { h, replace } from './element.js';
import { showError, showStatus } from './feedback.js';
import { publishManifest } from './gateway-client.js';
import { manifestLink } from './manifest-link.js';
import { describeWorkId } from './work-input.js';

/** The review panel: a plain-language summary and the exact JSON, then sign in the page and publish. */
export interface PublishPanel {
  readonly element: HTMLElement;
  /** Drops a review that no longer holds. */
  clear(): void;
}

function nowToTheSecond(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

export function publishPanel(session: CreatorSession): PublishPanel {
  const { state, status } = session;
  const reviewRegion = h('div', { id: 'review-region' });
  const element = h(
    'section',
    { 'aria-labelledby': 'review-heading' },
    h('h2', { id: 'review-heading' }, '4. Review, sign and publish'),
    h(
      'p',
      {},
      'Check what you are about to say. Signing happens in this browser with your key; publishing sends only the signed manifest.',
    ),
    h('button', { type: 'button', id: 'review-button', onclick: review }, 'Review'),
    reviewRegion,
  );

  function preview(draft: ManifestDraft, created: string, identity: Identity): JsonObject {
    const normalized = parseDraft(draft as JsonObject);
    if (!normalized.ok) throw new FormError(normalized.message);
    const head = state.head;
    return {
      '@context': [...MANIFEST_CONTEXT],
      type: ['VerifiableCredential', 'ConsentManifest'],
      issuer: identity.did,
      validFrom: created,
      credentialSubject: {
        version: head === undefined ? 1 : head.version + 1,
        ...(head === undefined ? {} : { previous: head.cid }),
        ...(normalized.value.default === undefined ? {} : { default: normalized.value.default }),
        works: normalized.value.works ?? [],
      },
    } as JsonObject;
  }

  function review(): void {
    const identity = state.identity;
    if (identity === undefined) return;
    let draft: ManifestDraft;
    let json: JsonObject;
    const created = nowToTheSecond();
    try {
      draft = draftOf(state.form);
      json = preview(draft, created, identity);
    } catch (error) {
      showError(reviewRegion, error);
      if (error instanceof FormError && error.term !== undefined) {
        (document.querySelector(`#use-${error.term}-attribution`) as HTMLElement | null)?.focus();
      }
      return;
    }
    state.reviewed = { draft, created };
    const works = state.form.works;
    replace(
      reviewRegion,
      h('h3', { id: 'summary-heading', tabindex: -1 }, 'Summary'),
      h(
        'p',
        {},
        `Version ${state.head === undefined ? 1 : state.head.version + 1} of your consent, for ${works.length} ${works.length === 1 ? 'work' : 'works'}:`,
      ),
      h(
        'ul',
        { id: 'summary-works' },
        ...works.map((w) => {
          const exceptions = FORM_TERMS.filter((t) => w.policy?.[t] !== undefined);
          return h(
            'li',
            {},
            w.title ?? describeWorkId(w.ids[0] ?? '').value,
            exceptions.length > 0 &&
              h(
                'ul',
                { class: 'exceptions' },
                ...exceptions.map((t) =>
                  h(
                    'li',
                    { 'data-term': t },
                    `${TERM_LABELS[t]}: ${describeStatement(w.policy?.[t])} (this work only)`,
                  ),
                ),
              ),
          );
        }),
      ),
      h(
        'dl',
        { class: 'summary', id: 'summary-uses' },
        ...FORM_TERMS.flatMap((term) => [
          h('dt', {}, TERM_LABELS[term]),
          h('dd', { 'data-term': term }, describeStatement(statementOf(term, state.form.uses[term]))),
        ]),
      ),
      h(
        'details',
        { id: 'manifest-json' },
        h('summary', {}, 'The exact manifest you will sign (JSON)'),
        h(
          'p',
          { class: 'hint' },
          'Signing adds a proof to it; the registry stores its canonical form (RFC 8785).',
        ),
        h('pre', { tabindex: 0 }, h('code', {}, JSON.stringify(json, null, 2))),
      ),
      h(
        'button',
        { type: 'button', id: 'publish-button', onclick: () => void signAndPublish() },
        'Sign and publish',
      ),
      h('div', { id: 'publish-result', 'aria-live': 'polite' }),
    );
    (reviewRegion.querySelector('#summary-heading') as HTMLElement).focus();
  }

  function publishResult(): HTMLElement {
    return (reviewRegion.querySelector('#publish-result') as HTMLElement | null) ?? reviewRegion;
  }

  async function signAndPublish(): Promise<void> {
    const identity = state.identity;
    const reviewed = state.reviewed;
    if (identity === undefined || reviewed === undefined || state.busy) return;
    state.busy = true;
    const out = publishResult();
    try {
      showStatus(out, 'Checking your current version…');
      if (!(await session.headUnchanged())) {
        await session.loadHead();
        throw new Error(
          'A newer version was published meanwhile (perhaps from another device). It is loaded now: review again.',
        );
      }
      showStatus(out, 'Signing in this browser…');
      state.pending = await signManifest(reviewed.draft, {
        identity,
        head: state.head === undefined ? undefined : { cid: state.head.cid, version: state.head.version },
        created: reviewed.created,
      });
      await publishPending(out);
    } catch (error) {
      showError(out, error);
    } finally {
      state.busy = false;
    }
  }

  async function publishPending(out: HTMLElement): Promise<void> {
    const signed = state.pending;
    if (signed === undefined) return;
    if (signed.pages.length > 0) {
      throw new Error('This catalog is too large to publish from the web app; use the assent CLI.');
    }
    showStatus(out, `Signed version ${signed.version}. Publishing…`);
    try {
      const result = await publishManifest(signed.bytes as Uint8Array<ArrayBuffer>);
      state.pending = undefined;
      state.reviewed = undefined;
      replace(
        reviewRegion,
        h(
          'p',
          { class: 'success', id: 'published', role: 'status' },
          `Published version ${result.version}. `,
          manifestLink(result.cid, 'View the signed manifest'),
        ),
      );
      showStatus(status, `Published version ${result.version}.`, 'success');
      await session.loadHead();
    } catch (error) {
      showError(
        out,
        error,
        h(
          'p',
          {},
          'Your manifest is signed and kept here. ',
          h(
            'button',
            {
              type: 'button',
              id: 'retry-publish',
              onclick: () => void publishPending(out).catch((e: unknown) => showError(out, e)),
            },
            'Try publishing again',
          ),
        ),
      );
    }
  }

  return { element, clear: () => replace(reviewRegion) };
}
