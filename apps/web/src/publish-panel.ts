import { type CompleteDraft, type JsonObject, MANIFEST_CONTEXT, TERM_LABELS } from '@assent/manifest';
import { describeStatement, draftOf, FORM_TERMS, FormError } from './consent-form.js';
import type { CreatorSession } from './creator-session.js';
import { h, replace } from './element.js';
import { showError, showProgress, showStatus } from './feedback.js';
import { identityKind, identityLabel } from './identity-input.js';
import type { CreatorIdentity } from './identity-store.js';
import { manifestLink } from './manifest-link.js';
import { PUBLISH_STEPS, signVersion, uploadVersion } from './publish-version.js';
import { describeWorkId } from './work-input.js';
/** The review panel: a plain-language summary and the exact JSON, then sign in the page and publish. */
export interface PublishPanel {
  readonly element: HTMLElement;
  /** Drops a review that no longer holds. */
  clear(): void;
}

/** Works listed by name in the review; a catalog beyond them is counted. */
const SHOWN_WORKS = 100;

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
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

  /** The manifest the review shows: the draft as it will be signed, its works cut to the first few. */
  function preview(draft: CompleteDraft, created: string, identity: CreatorIdentity): JsonObject {
    const head = state.head;
    // As signVersion commits (spec §5.5): the head's keyState, else the recovery key's.
    const keyState =
      head?.keyState ??
      (identity.nextKeyHashes === undefined ? undefined : { nextKeyHashes: identity.nextKeyHashes });
    return {
      '@context': [...MANIFEST_CONTEXT],
      type: ['VerifiableCredential', 'ConsentManifest'],
      issuer: identity.did,
      validFrom: draft.validFrom ?? created,
      ...(draft.validUntil === undefined ? {} : { validUntil: draft.validUntil }),
      credentialSubject: {
        version: head === undefined ? 1 : head.version + 1,
        ...(head === undefined ? {} : { previous: head.cid }),
        ...(identity.creator === identity.did ? {} : { creator: identity.creator }),
        ...(keyState === undefined ? {} : { keyState: { nextKeyHashes: [...keyState.nextKeyHashes] } }),
        ...(draft.default === undefined ? {} : { default: draft.default }),
        ...(draft.identities === undefined ? {} : { identities: draft.identities }),
        works: draft.works.slice(0, SHOWN_WORKS),
      },
    } as JsonObject;
  }

  function review(): void {
    const identity = state.identity;
    if (identity === undefined) return;
    let draft: CompleteDraft;
    let json: JsonObject;
    const created = nowToTheSecond();
    try {
      draft = draftOf(state.form, state.snapshot, new Date(created));
      json = preview(draft, created, identity);
    } catch (error) {
      showError(reviewRegion, error);
      if (error instanceof FormError && error.term !== undefined) {
        (document.querySelector(`#use-${error.term}-attribution`) as HTMLElement | null)?.focus();
      }
      return;
    }
    state.reviewed = { draft, created };
    const works = draft.works;
    const hidden = works.length - SHOWN_WORKS;
    replace(
      reviewRegion,
      h('h3', { id: 'summary-heading', tabindex: -1 }, 'Summary'),
      h(
        'p',
        {},
        `Version ${state.head === undefined ? 1 : state.head.version + 1} of your consent, for ${plural(works.length, 'work', 'works')}:`,
      ),
      h(
        'ul',
        { id: 'summary-works' },
        ...works.slice(0, SHOWN_WORKS).map((w) => {
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
        hidden > 0 && h('li', { class: 'more' }, `…and ${plural(hidden, 'more work', 'more works')}.`),
      ),
      h(
        'dl',
        { class: 'summary', id: 'summary-uses' },
        ...FORM_TERMS.flatMap((term) => [
          h('dt', {}, TERM_LABELS[term]),
          h('dd', { 'data-term': term }, describeStatement(draft.default?.[term])),
        ]),
        h('dt', {}, 'Ends'),
        h(
          'dd',
          { id: 'summary-valid-until' },
          draft.validUntil === undefined ? 'Never (until you change it)' : draft.validUntil,
        ),
        h('dt', {}, 'Identity links'),
        h(
          'dd',
          { id: 'summary-identities' },
          draft.identities === undefined || draft.identities.length === 0
            ? 'None'
            : draft.identities.map((l) => `${identityLabel(l)} (${identityKind(l.type)})`).join(', '),
        ),
      ),
      h(
        'details',
        { id: 'manifest-json' },
        h('summary', {}, 'The exact manifest you will sign (JSON)'),
        h(
          'p',
          { class: 'hint' },
          hidden > 0
            ? `The first ${SHOWN_WORKS} works are shown. All ${works.length.toLocaleString('en')} are signed: those that do not fit in the manifest go into catalog pages it names by hash. Signing adds a proof; the registry stores the canonical form (RFC 8785).`
            : 'Signing adds a proof to it; the registry stores its canonical form (RFC 8785).',
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
      showProgress(out, 'Checking your current version…', 0, PUBLISH_STEPS);
      if (!(await session.headUnchanged())) {
        await session.loadHead();
        throw new Error(
          'A newer version was published meanwhile (perhaps from another device). It is loaded now: review again.',
        );
      }
      state.pending = await signVersion(
        reviewed.draft,
        { identity, head: state.head, created: reviewed.created },
        (text, done, total) => showProgress(out, text, done, total),
      );
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
    try {
      const result = await uploadVersion(signed, (text, done, total) => showProgress(out, text, done, total));
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
