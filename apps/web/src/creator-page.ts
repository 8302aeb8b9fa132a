import { snapshotOf } from '@assent/manifest';
import { emptyForm, formOf } from './consent-form.js';
import { consentPanel } from './consent-panel.js';
import type { CreatorSession, CreatorState } from './creator-session.js';
import { h } from './element.js';
import { showError, showProgress, showStatus } from './feedback.js';
import { creatorHeads, creatorHistory, fetchCatalogPages, GatewayError } from './gateway-client.js';
import { identityLinksPanel } from './identity-links-panel.js';
import { identityPanel } from './identity-panel.js';
import { type CreatorIdentity, forgetIdentity, loadIdentity } from './identity-store.js';
import { publishPanel } from './publish-panel.js';
import { publishedPanel } from './published-panel.js';
import { recoveryPanel } from './recovery-panel.js';
import { worksPanel } from './works-panel.js';

/**
 * The creator page: identity (and its recovery), works, consent per use, review, sign, publish,
 * history, revoke. It holds the state the panels share and loads the creator's head; each panel
 * lives in its own module.
 */
export function creatorPage(): HTMLElement {
  const state: CreatorState = {
    identity: undefined,
    form: emptyForm(),
    head: undefined,
    snapshot: undefined,
    history: [],
    links: undefined,
    reviewed: undefined,
    pending: undefined,
    busy: false,
  };
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'creator-status' });

  const session: CreatorSession = {
    state,
    status,
    formChanged() {
      state.reviewed = undefined;
      publish.clear();
    },
    loadHead,
    useIdentity,
    async forgetIdentity() {
      await forgetIdentity();
      Object.assign(state, {
        identity: undefined,
        head: undefined,
        snapshot: undefined,
        history: [],
        links: undefined,
        form: emptyForm(),
      });
      state.reviewed = undefined;
      state.pending = undefined;
      renderAll();
    },
    async headUnchanged() {
      const identity = state.identity;
      if (identity === undefined) return false;
      const heads = await creatorHeads(identity.did);
      return heads?.heads[0]?.cid === state.head?.cid;
    },
  };

  const links = identityLinksPanel(session);
  const recovery = recoveryPanel(session);
  const identity = identityPanel(session, { recovery: recovery.element, links: links.element });
  const published = publishedPanel(session);
  const works = worksPanel(session);
  const consent = consentPanel(session);
  const publish = publishPanel(session);

  const editSections = h(
    'div',
    { id: 'edit-sections', hidden: true },
    works.element,
    consent.element,
    publish.element,
  );

  const page = h(
    'div',
    { class: 'page' },
    h('h1', {}, 'Publish your AI-use consent'),
    h(
      'p',
      { class: 'lead' },
      'Say, for each of your works and each kind of AI use, yes, no, or yes with conditions. What you publish is signed with a key only you hold, so nobody can forge it or quietly roll it back.',
    ),
    status,
    identity.element,
    published.element,
    editSections,
  );

  async function useIdentity(next: CreatorIdentity): Promise<void> {
    state.identity = next;
    state.head = undefined;
    state.snapshot = undefined;
    state.history = [];
    state.links = undefined;
    state.form = emptyForm();
    state.reviewed = undefined;
    state.pending = undefined;
    renderAll();
    await loadHead();
  }

  async function loadHead(): Promise<void> {
    const me = state.identity;
    if (me === undefined) return;
    showStatus(published.region, 'Asking the registry for what you have published…');
    try {
      const heads = await creatorHeads(me.did);
      if (heads === undefined) {
        state.head = undefined;
        state.snapshot = undefined;
        state.history = [];
        state.links = undefined;
      } else {
        const newest = heads.heads[0];
        if (newest === undefined) throw new GatewayError('GATEWAY_BAD_RESPONSE', 'no head');
        const history = await creatorHistory(newest.cid, me.creator);
        const head = history[0];
        if (head === undefined) throw new GatewayError('GATEWAY_BAD_RESPONSE', 'no head');
        // The next version must carry every work the head claims, its catalog pages' too (spec §6).
        const pages = await fetchCatalogPages(head, (done, total) =>
          showProgress(published.region, `Loading your catalog: page ${done} of ${total}…`, done, total),
        );
        const snapshot = snapshotOf(head.manifest, pages);
        state.history = history;
        state.head = head;
        state.snapshot = snapshot;
        state.links = heads.links;
        state.form = formOf(snapshot);
      }
      published.render(heads !== undefined && heads.heads.length > 1);
      links.render();
      works.render();
      consent.render();
    } catch (error) {
      showError(
        published.region,
        error,
        h('button', { type: 'button', id: 'retry-head', onclick: () => void loadHead() }, 'Try again'),
      );
    }
  }

  function renderAll(): void {
    identity.render();
    recovery.render();
    links.render();
    const signedIn = state.identity !== undefined;
    published.element.hidden = !signedIn;
    editSections.hidden = !signedIn;
    if (signedIn) {
      published.render();
      works.render();
      consent.render();
    }
  }

  renderAll();
  void (async () => {
    try {
      const stored = await loadIdentity();
      if (stored !== undefined) await useIdentity(stored);
    } catch (error) {
      showError(status, error);
    }
  })();
  return page;
}
