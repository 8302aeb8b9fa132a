import { isAssentError, parseDidKey, type SignedManifest } from '@assent/manifest';
import type { CreatorSession } from './creator-session.js';
import { h, replace, uid } from './element.js';
import { showError, showProgress, showStatus } from './feedback.js';
import { creatorHeads } from './gateway-client.js';
import { saveIdentity } from './identity-store.js';
import type { RecoveryPlan } from './key-recovery.js';
import { manifestLink } from './manifest-link.js';
import { PUBLISH_STEPS, signVersion, uploadVersion } from './publish-version.js';
import { confirmRecoveryWords } from './recovery-words.js';

/**
 * "Recover with my 24 words" (issue 20): for a creator whose key is lost or stolen. The words and the
 * creator id → the chain's commitment checked here → a new recovery sheet, confirmed → the rotation
 * signed with the words' key and published → that key kept in this browser for the creator. The new
 * words are confirmed before anything is published, so the chain never commits to a recovery key the
 * creator does not hold; the words typed in live only in the form, which is cleared.
 */
export interface RecoveryPanel {
  readonly element: HTMLElement;
  /** Prefills the creator id from the identity kept here, if any. */
  render(): void;
}

export function recoveryPanel(session: CreatorSession): RecoveryPanel {
  const { state, status } = session;
  const phraseId = uid('recover-phrase');
  const creatorId = uid('recover-creator');
  const result = h('div', { id: 'recover-result', 'aria-live': 'polite' });
  const step = h('div', { id: 'recover-step' });
  const phrase = h('textarea', {
    id: phraseId,
    name: 'phrase',
    rows: 4,
    autocomplete: 'off',
    autocapitalize: 'none',
    autocorrect: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': `${phraseId}-hint`,
  });
  const creator = h('input', {
    type: 'text',
    id: creatorId,
    name: 'creator',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    required: true,
    'aria-describedby': `${creatorId}-hint`,
  });
  const form = h(
    'form',
    { id: 'recover-form', onsubmit: (e: Event) => void onRecover(e) },
    h(
      'p',
      { class: 'hint' },
      'If the key in this browser is lost or stolen, your recovery sheet takes your consent back: a new version, signed with the key your words hold, moves it to that key and commits to a new recovery key.',
    ),
    h('label', { for: phraseId }, 'Your 24 recovery words, in order'),
    h('p', { class: 'hint', id: `${phraseId}-hint` }, 'Separated by spaces or new lines.'),
    phrase,
    h('label', { for: creatorId }, 'Your creator id'),
    h(
      'p',
      { class: 'hint', id: `${creatorId}-hint` },
      'The did:key printed on your recovery sheet under “Creator”.',
    ),
    creator,
    h('button', { type: 'submit', id: 'recover-button' }, 'Recover'),
    result,
  );
  const element = h(
    'details',
    { class: 'recover', id: 'recover-details' },
    h('summary', {}, 'Recover with my 24 words'),
    form,
    step,
  );

  function render(): void {
    if (creator.value === '') creator.value = state.identity?.creator ?? '';
  }

  async function onRecover(event: Event): Promise<void> {
    event.preventDefault();
    if (state.busy) return;
    const did = creator.value.trim();
    const kept = state.identity;
    if (kept !== undefined && parseDidKey(did).ok && kept.creator !== did) {
      showError(
        result,
        new Error(
          `This browser keeps the key of another creator (${kept.creator}). Download its backup and remove it from this browser first.`,
        ),
      );
      return;
    }
    state.busy = true;
    try {
      let plan: RecoveryPlan;
      try {
        // Loaded on first use: BIP39 and its word list stay out of the page's first bundle.
        const { planRecovery } = await import('./key-recovery.js');
        plan = await planRecovery(phrase.value, did, (text) => showStatus(result, text));
      } catch (error) {
        showError(result, error);
        if (isAssentError(error, 'DID_MALFORMED')) creator.focus();
        else phrase.focus();
        return;
      }
      // The words did their job; the form forgets them before the new sheet shows.
      phrase.value = '';
      form.hidden = true;
      replace(result);
      const confirmed = await confirmRecoveryWords(step, {
        creator: plan.creator,
        created: new Date().toISOString(),
        phrase: plan.nextRecovery.phrase,
        intro:
          'Your words are right: they are the recovery key your current version commits to. Before anything is published, write down your new recovery words: the change commits to them, and your old sheet will be spent.',
        cancel: 'Cancel: do not recover now',
      });
      form.hidden = false;
      if (!confirmed) {
        showStatus(result, 'Nothing was published. Your recovery sheet still works.');
        return;
      }
      await publishRecovery(plan);
    } finally {
      state.busy = false;
    }
  }

  /**
   * Signs the rotation on the head the plan checked (if it is still the newest), publishes it and
   * keeps the key. `signed`: a rotation signed before, published again as the same bytes.
   */
  async function publishRecovery(plan: RecoveryPlan, signed?: SignedManifest): Promise<void> {
    const progress = (text: string, done: number, total: number) => showProgress(result, text, done, total);
    let rotation = signed;
    try {
      const { assertFollows, recoveredIdentity } = await import('./key-recovery.js');
      const identity = recoveredIdentity(plan);
      if (rotation === undefined) {
        progress('Checking your current version…', 0, PUBLISH_STEPS);
        const heads = await creatorHeads(plan.creator);
        if (heads?.heads[0]?.cid !== plan.head.cid)
          throw new Error(
            'A newer version was published meanwhile, so nothing was published. Recover again, with your new recovery sheet.',
          );
        const fresh = await signVersion(plan.draft, { identity, head: plan.head, rotation: true }, progress);
        assertFollows(plan, fresh);
        rotation = fresh;
      }
      const published = await uploadVersion(rotation, progress);
      await saveIdentity(identity);
      await session.useIdentity(identity);
      showStatus(
        status,
        `Recovered: version ${published.version} moves your consent to the key your words held, now kept in this browser. Keep your new recovery sheet and destroy the old one.`,
        'success',
      );
      replace(
        result,
        h(
          'p',
          { class: 'success', id: 'recovered', role: 'status' },
          `Recovered with version ${published.version}. `,
          manifestLink(published.cid, 'View the signed manifest'),
        ),
      );
    } catch (error) {
      const again = rotation;
      showError(
        result,
        error,
        h(
          'button',
          { type: 'button', id: 'retry-recover', onclick: () => void retry(plan, again) },
          'Try publishing again',
        ),
      );
    }
  }

  async function retry(plan: RecoveryPlan, signed: SignedManifest | undefined): Promise<void> {
    if (state.busy) return;
    state.busy = true;
    try {
      await publishRecovery(plan, signed);
    } finally {
      state.busy = false;
    }
  }

  return { element, render };
}
