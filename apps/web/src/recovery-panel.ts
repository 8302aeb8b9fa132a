import {
  isAssentError,
  parseDidKey,
  type SignedManifest,
  TERM_LABELS,
  type VerifiedManifest,
} from '@assent/manifest';
import { describeStatement, FORM_TERMS } from './consent-form.js';
import type { CreatorSession } from './creator-session.js';
import { h, replace, uid } from './element.js';
import { showError, showProgress, showStatus } from './feedback.js';
import { formatDate } from './format-date.js';
import { creatorHeads } from './gateway-client.js';
import { saveIdentity } from './identity-store.js';
import type { RecoveryBranchesError, RecoveryPlan } from './key-recovery.js';
import { manifestLink } from './manifest-link.js';
import { signVersion, uploadVersion } from './publish-version.js';
import { confirmRecoveryWords } from './recovery-words.js';

/**
 * "Recover with my 24 words" (issue 20): for a creator whose key is lost or stolen. The words, the
 * creator id and, optionally, an earlier version to keep → the chain's commitment checked here → a
 * new recovery sheet, confirmed → the recovery signed with the words' key and published → a second
 * rotation to a key this browser keeps. The new words are confirmed before anything is published, so
 * the chain never commits to a recovery key the creator does not hold; the words typed in live only
 * in the form, which is cleared.
 */
export interface RecoveryPanel {
  readonly element: HTMLElement;
  /** Prefills the creator id from the identity kept here, if any. */
  render(): void;
}

/** How far a recovery got: what was signed and published, so "try again" goes on from there. */
interface RecoveryProgress {
  recovery?: SignedManifest;
  recoveryPublished?: boolean;
  handover?: SignedManifest;
}

/** A fork to choose from: checked by name, since key-recovery.ts is loaded only on first use. */
function isBranchesError(error: unknown): error is RecoveryBranchesError {
  return error instanceof Error && error.name === 'RecoveryBranchesError';
}

/** A branch's answers in a line, so the creator can tell their own from a thief's. */
function whatItSays(m: VerifiedManifest): string {
  const subject = m.manifest.credentialSubject;
  const answers = FORM_TERMS.flatMap((term) => {
    const statement = subject.default?.[term];
    return statement === undefined ? [] : [`${TERM_LABELS[term]}: ${describeStatement(statement)}`];
  });
  const works = subject.works.length + (subject.catalog?.length ?? 0) > 0 ? '' : ' It names no works.';
  return `${answers.length === 0 ? 'No answers for every work.' : `${answers.join(' · ')}.`}${works}`;
}

function textInput(id: string, name: string, hint: string, required: boolean): HTMLInputElement {
  return h('input', {
    type: 'text',
    id,
    name,
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    required,
    'aria-describedby': hint,
  });
}

export function recoveryPanel(session: CreatorSession): RecoveryPanel {
  const { state, status } = session;
  const phraseId = uid('recover-phrase');
  const creatorId = uid('recover-creator');
  const fromId = uid('recover-from');
  const result = h('div', { id: 'recover-result', 'aria-live': 'polite' });
  const step = h('div', { id: 'recover-step' });
  const branches = h('div', { id: 'recover-branches' });
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
  const creator = textInput(creatorId, 'creator', `${creatorId}-hint`, true);
  const from = textInput(fromId, 'from', `${fromId}-hint`, false);
  const form = h(
    'form',
    { id: 'recover-form', onsubmit: (e: Event) => void onRecover(e) },
    h(
      'p',
      { class: 'hint' },
      'If the key in this browser is lost or stolen, your recovery sheet takes your consent back: a new version, signed with the key your words hold, moves it to a new key kept in this browser and commits to a new recovery sheet.',
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
    h(
      'details',
      { class: 'recover-from', id: 'recover-from-details' },
      h('summary', {}, 'Keep an earlier version (if someone published with your stolen key)'),
      h('label', { for: fromId }, 'The version to keep: its number or CID'),
      h(
        'p',
        { class: 'hint', id: `${fromId}-hint` },
        'Your consent is carried from that version, and the versions after it are left behind: verifiers weigh both branches, the most restrictive deciding, and anything a version allows counts only 72 hours after it was published. Leave it empty to keep your newest version.',
      ),
      from,
    ),
    branches,
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

  /** The branch chosen among those a fork offered, else the version typed, else none (the newest). */
  function chosenBase(): string | undefined {
    const chosen = branches.querySelector<HTMLInputElement>('input[name="branch"]:checked');
    const typed = from.value.trim();
    return chosen?.value ?? (typed === '' ? undefined : typed);
  }

  /** Asks which branch of a forked version to keep, one radio button each, with who signed it and when. */
  function showBranches(forked: readonly VerifiedManifest[]): void {
    replace(
      branches,
      h(
        'fieldset',
        { class: 'use' },
        h('legend', {}, `Which version ${forked[0]?.version} is yours?`),
        ...forked.map((m) => {
          const id = uid('recover-branch');
          return h(
            'div',
            { class: 'branch' },
            h('input', {
              type: 'radio',
              name: 'branch',
              id,
              value: m.cid,
              required: true,
              'aria-describedby': `${id}-says`,
            }),
            h(
              'label',
              { for: id },
              `Signed ${formatDate(m.manifest.proof?.created ?? m.manifest.validFrom)} by ${m.issuer.slice(0, 20)}…`,
            ),
            ' ',
            manifestLink(m.cid, `${m.cid.slice(0, 16)}…`),
            h('p', { class: 'hint', id: `${id}-says` }, whatItSays(m)),
          );
        }),
      ),
    );
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
        plan = await planRecovery({ phrase: phrase.value, creator: did, from: chosenBase() }, (text) =>
          showStatus(result, text),
        );
      } catch (error) {
        showError(result, error);
        if (isBranchesError(error)) showBranches(error.branches);
        else if (isAssentError(error, 'DID_MALFORMED')) creator.focus();
        else phrase.focus();
        return;
      }
      // The words did their job; the form forgets them before the new sheet shows.
      phrase.value = '';
      replace(branches);
      form.hidden = true;
      replace(result);
      const confirmed = await confirmRecoveryWords(step, {
        creator: plan.creator,
        created: new Date().toISOString(),
        phrase: plan.nextRecovery.phrase,
        intro: `Your words are right: your version ${plan.base.version} commits to them. Before anything is published, write down your new recovery words: the recovery commits to them, and your old sheet will be spent.`,
        cancel: 'Cancel: do not recover now',
      });
      form.hidden = false;
      if (!confirmed) {
        showStatus(result, 'Nothing was published. Your recovery sheet still works.');
        return;
      }
      await publishRecovery(plan, {});
    } finally {
      state.busy = false;
    }
  }

  /**
   * Signs and publishes the recovery on the plan's base (if the newest is still the newest), keeps
   * the words' key meanwhile, then signs and publishes the second rotation and keeps its key. Goes on
   * from `done`, so "try again" publishes the same bytes and never signs a step twice.
   */
  async function publishRecovery(plan: RecoveryPlan, done: RecoveryProgress): Promise<void> {
    const progress = (text: string, n: number, total: number) => showProgress(result, text, n, total);
    try {
      const { assertFollows } = await import('./key-recovery.js');
      if (done.recovery === undefined) {
        if (plan.newest) {
          progress('Checking your current version…', 0, 1);
          const heads = await creatorHeads(plan.creator);
          if (!heads?.heads.some((head) => head.cid === plan.base.cid))
            throw new Error(
              'A newer version was published meanwhile, so nothing was published. Recover again, with your new recovery sheet.',
            );
        }
        const signed = await signVersion(
          plan.draft,
          { identity: plan.recovered, head: plan.base, rotation: true },
          progress,
        );
        assertFollows(plan.base, signed);
        done.recovery = signed;
      }
      if (done.recoveryPublished !== true) {
        await uploadVersion(done.recovery, progress);
        // The creator's key from now on, until the handover below is published: never without one.
        await saveIdentity(plan.recovered);
        done.recoveryPublished = true;
        await session.useIdentity(plan.recovered);
      }
      if (done.handover === undefined) {
        const signed = await signVersion(
          plan.draft,
          { identity: plan.replacement, head: done.recovery, rotation: true },
          progress,
        );
        assertFollows(done.recovery, signed);
        done.handover = signed;
      }
      const published = await uploadVersion(done.handover, progress);
      await saveIdentity(plan.replacement);
      await session.useIdentity(plan.replacement);
      showStatus(
        status,
        `Recovered: version ${done.recovery.version} takes your consent back with your words, and version ${published.version} hands it to a new key kept in this browser. Keep your new recovery sheet; the old one is spent.`,
        'success',
      );
      replace(
        result,
        h(
          'p',
          { class: 'success', id: 'recovered', role: 'status' },
          `Recovered with versions ${done.recovery.version} and ${published.version}. `,
          manifestLink(published.cid, 'View the signed manifest'),
        ),
      );
    } catch (error) {
      showError(
        result,
        error,
        done.recoveryPublished === true
          ? 'Your consent is back with the key of your words, kept in this browser; handing it to a new key failed. '
          : '',
        h(
          'button',
          { type: 'button', id: 'retry-recover', onclick: () => void retry(plan, done) },
          'Try publishing again',
        ),
      );
    }
  }

  async function retry(plan: RecoveryPlan, done: RecoveryProgress): Promise<void> {
    if (state.busy) return;
    state.busy = true;
    try {
      await publishRecovery(plan, done);
    } finally {
      state.busy = false;
    }
  }

  return { element, render };
}
