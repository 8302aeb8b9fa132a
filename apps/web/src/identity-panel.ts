import {
  createIdentityBackup,
  identityBackupText,
  MIN_PASSPHRASE_LENGTH,
  openIdentityBackupKeys,
  parseIdentityBackup,
  unwrap,
} from '@assent/manifest';
import type { CreatorSession } from './creator-session.js';
import { h, replace, uid } from './element.js';
import { showError, showStatus } from './feedback.js';
import { type CreatorIdentity, creatorIdentity, saveIdentity } from './identity-store.js';
import { confirmRecoveryWords } from './recovery-words.js';

/**
 * The identity panel: create a key in this browser (with its recovery sheet), restore it from a
 * backup, back it up, remove it.
 */
export interface IdentityPanel {
  readonly element: HTMLElement;
  render(): void;
}

/**
 * Opens a backup file of any version (docs/spec/identity-backup.md): one this app downloaded, or one
 * from `assent id export`, with the creator, commitment and next key it carries. Throws an
 * AssentError whose message and code the page shows.
 */
async function openBackupFile(text: string, passphrase: string): Promise<CreatorIdentity> {
  const backup = unwrap(parseIdentityBackup(text));
  const { identity, nextKey } = unwrap(await openIdentityBackupKeys(backup, passphrase));
  return creatorIdentity(identity, {
    creator: backup.creator,
    nextKeyHashes: backup.nextKeyHashes,
    nextKey,
  });
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * `parts.recovery`: the "Recover with my 24 words" panel, under the key or the ways to get one;
 * `parts.links`: the identity links panel, shown under the key (it hides itself without one).
 */
export function identityPanel(
  session: CreatorSession,
  parts: { recovery?: HTMLElement; links?: HTMLElement } = {},
): IdentityPanel {
  const { state, status } = session;
  const region = h('div', { id: 'identity-region' });
  const element = h(
    'section',
    { 'aria-labelledby': 'identity-heading' },
    h('h2', { id: 'identity-heading' }, '1. Your identity'),
    region,
    parts.recovery,
    parts.links,
  );

  function render(): void {
    const identity = state.identity;
    if (identity === undefined) {
      const restoreFile = uid('restore-file');
      const restorePass = uid('restore-pass');
      const restoreError = h('div', { id: 'restore-error' });
      replace(
        region,
        h(
          'p',
          {},
          'An identity is a signing key made in this browser. It never leaves this device; you can download an encrypted backup of it. You also get a recovery sheet: 24 words that take your consent back if the key is ever lost or stolen.',
        ),
        h('button', { type: 'button', id: 'create-identity', onclick: onCreate }, 'Create my identity'),
        h(
          'details',
          { class: 'restore' },
          h('summary', {}, 'Restore an identity from a backup file'),
          h(
            'form',
            { id: 'restore-form', onsubmit: (e: Event) => onRestore(e, restoreError) },
            h('label', { for: restoreFile }, 'Backup file'),
            h('input', {
              type: 'file',
              id: restoreFile,
              name: 'file',
              accept: '.json,application/json',
              required: true,
            }),
            h('label', { for: restorePass }, 'Passphrase'),
            h('input', {
              type: 'password',
              id: restorePass,
              name: 'passphrase',
              autocomplete: 'current-password',
              required: true,
            }),
            h('button', { type: 'submit', id: 'restore-button' }, 'Restore'),
            restoreError,
          ),
        ),
      );
      return;
    }
    const pass = uid('backup-pass');
    const confirm = uid('backup-confirm');
    const backupError = h('div', { id: 'backup-error' });
    const forgetConfirm = h(
      'div',
      { class: 'confirm', id: 'forget-confirm', hidden: true },
      h(
        'p',
        {},
        'Without a backup, nobody can recover this key: you could never change or withdraw what you published with it. Remove it from this browser?',
      ),
      h(
        'button',
        { type: 'button', class: 'danger', id: 'forget-yes', onclick: () => void onForget() },
        'Yes, remove it',
      ),
      ' ',
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            forgetConfirm.hidden = true;
          },
        },
        'Keep it',
      ),
    );
    replace(
      region,
      h('p', {}, 'You sign as:'),
      h('p', { class: 'did' }, h('code', { id: 'my-did' }, identity.did)),
      identity.creator !== identity.did &&
        h(
          'p',
          {},
          'for the creator ',
          h('code', { class: 'did', id: 'my-creator' }, identity.creator),
          ' (this key took over from an earlier one).',
        ),
      h(
        'p',
        { class: 'hint', id: 'recovery-state' },
        identity.nextKeyHashes === undefined
          ? 'This browser knows of no recovery sheet for this identity: keep an encrypted backup, since without the key your consent could never be changed.'
          : 'Your recovery sheet protects this identity: keep it offline. If this key is lost or stolen, recover with its 24 words.',
      ),
      h(
        'details',
        { class: 'backup' },
        h('summary', {}, 'Download an encrypted backup'),
        h(
          'form',
          { id: 'backup-form', onsubmit: (e: Event) => onBackup(e, backupError) },
          h(
            'p',
            { id: `${pass}-hint`, class: 'hint' },
            `Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters. Without it the file cannot be opened, by you or anyone.`,
          ),
          h('label', { for: pass }, 'Passphrase'),
          h('input', {
            type: 'password',
            id: pass,
            name: 'passphrase',
            autocomplete: 'new-password',
            minlength: MIN_PASSPHRASE_LENGTH,
            required: true,
            'aria-describedby': `${pass}-hint`,
          }),
          h('label', { for: confirm }, 'Passphrase again'),
          h('input', {
            type: 'password',
            id: confirm,
            name: 'confirm',
            autocomplete: 'new-password',
            required: true,
          }),
          h('button', { type: 'submit', id: 'backup-button' }, 'Download backup'),
          backupError,
        ),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          id: 'forget-identity',
          onclick: () => {
            forgetConfirm.hidden = false;
            (forgetConfirm.querySelector('#forget-yes') as HTMLButtonElement).focus();
          },
        },
        'Remove from this browser…',
      ),
      forgetConfirm,
    );
  }

  /**
   * Makes the key, its next key and its recovery key, shows the recovery sheet and keeps the identity
   * only once two of its words are typed back. The recovery key itself is never kept: only its hash,
   * which version 1 commits to beside the next key's (spec §5.5).
   */
  async function onCreate(): Promise<void> {
    if (state.busy) return;
    state.busy = true;
    const recoverPanel = parts.recovery;
    try {
      // Loaded on first use: BIP39 and its word list stay out of the page's first bundle.
      const made = await (await import('./new-identity.js')).newIdentity();
      replace(status);
      if (recoverPanel !== undefined) recoverPanel.hidden = true;
      const confirmed = await confirmRecoveryWords(region, {
        creator: made.key.did,
        created: new Date().toISOString(),
        phrase: made.recovery.phrase,
        intro:
          'Your identity is made, but not kept yet. First write down its recovery words: if this browser ever loses its key, they are the only way back to your consent.',
        cancel: 'Cancel: do not create this identity',
      });
      if (!confirmed) {
        render();
        showStatus(status, 'No identity was created.');
        return;
      }
      const identity = creatorIdentity(made.key, {
        nextKeyHashes: made.nextKeyHashes,
        nextKey: made.nextKey,
      });
      await saveIdentity(identity);
      await session.useIdentity(identity);
      showStatus(status, 'Your identity is ready. Download a backup before you publish.', 'success');
    } catch (error) {
      render();
      showError(status, error);
    } finally {
      if (recoverPanel !== undefined) recoverPanel.hidden = false;
      state.busy = false;
    }
  }

  async function onRestore(event: Event, errorRegion: HTMLElement): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    if (state.busy) return;
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    const passphrase = (form.elements.namedItem('passphrase') as HTMLInputElement).value;
    if (file === undefined) return showError(errorRegion, new Error('Choose your backup file.'));
    showStatus(errorRegion, 'Opening the backup…');
    try {
      const identity = await openBackupFile(await file.text(), passphrase);
      await saveIdentity(identity);
      await session.useIdentity(identity);
      showStatus(status, 'Your identity is restored in this browser.', 'success');
    } catch (error) {
      showError(errorRegion, error);
      (form.elements.namedItem('passphrase') as HTMLInputElement).focus();
    }
  }

  async function onBackup(event: Event, errorRegion: HTMLElement): Promise<void> {
    event.preventDefault();
    const identity = state.identity;
    if (identity === undefined) return;
    const form = event.target as HTMLFormElement;
    const passphrase = (form.elements.namedItem('passphrase') as HTMLInputElement).value;
    const confirm = (form.elements.namedItem('confirm') as HTMLInputElement).value;
    if (passphrase.length < MIN_PASSPHRASE_LENGTH)
      return showError(
        errorRegion,
        new Error(`Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`),
      );
    if (passphrase !== confirm) return showError(errorRegion, new Error('The two passphrases differ.'));
    showStatus(errorRegion, 'Encrypting…');
    try {
      const text = identityBackupText(
        await createIdentityBackup(identity, passphrase, {
          ...(identity.creator === identity.did ? {} : { creator: identity.creator }),
          ...(identity.nextKeyHashes === undefined ? {} : { nextKeyHashes: identity.nextKeyHashes }),
          ...(identity.nextKey === undefined ? {} : { nextKey: identity.nextKey }),
        }),
      );
      download(`assent-identity-${identity.did.slice(-8)}.json`, text);
      showStatus(
        errorRegion,
        'Backup downloaded. Keep the file and the passphrase somewhere safe.',
        'success',
      );
      form.reset();
    } catch (error) {
      showError(errorRegion, error);
    }
  }

  async function onForget(): Promise<void> {
    try {
      await session.forgetIdentity();
      showStatus(status, 'The identity was removed from this browser.');
      (region.querySelector('#create-identity') as HTMLButtonElement | null)?.focus();
    } catch (error) {
      showError(status, error);
    }
  }

  return { element, render };
}
