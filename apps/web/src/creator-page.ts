import {
  generateIdentity,
  type Identity,
  type JsonObject,
  MANIFEST_CONTEXT,
  type ManifestDraft,
  parseDraft,
  type SignedManifest,
  signManifest,
  TERM_LABELS,
  type UseTerm,
  type VerifiedManifest,
} from '@assent/manifest';
import { readAudioFile } from './audio-file.js';
import {
  CHOICE_LABELS,
  type Choice,
  type ConsentForm,
  describeStatement,
  draftOf,
  emptyForm,
  FORM_TERMS,
  FormError,
  type FormWork,
  formOf,
  statementOf,
  withUseDenied,
} from './consent-form.js';
import { h, replace, uid } from './element.js';
import { messageOf, showError, showStatus } from './feedback.js';
import { creatorHeads, creatorHistory, GatewayError, publishManifest } from './gateway-client.js';
import { createBackup, MIN_PASSPHRASE_LENGTH, openBackup } from './identity-backup.js';
import { forgetIdentity, loadIdentity, saveIdentity } from './identity-store.js';
import { describeWorkId, linesOf, workIdFromText } from './work-input.js';

/** The creator page: identity, works, consent per use, review, sign, publish, history, revoke. */

interface Reviewed {
  readonly draft: ManifestDraft;
  readonly created: string;
}

interface State {
  identity: Identity | undefined;
  form: ConsentForm;
  head: VerifiedManifest | undefined;
  history: VerifiedManifest[];
  reviewed: Reviewed | undefined;
  /** Signed but not yet accepted by the gateway: kept so "try again" publishes the same bytes. */
  pending: SignedManifest | undefined;
  busy: boolean;
}

function nowToTheSecond(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function manifestLink(cid: string, text: string = cid): HTMLAnchorElement {
  return h('a', { href: `v1/manifests/${cid}`, class: 'cid' }, text);
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function creatorPage(): HTMLElement {
  const state: State = {
    identity: undefined,
    form: emptyForm(),
    head: undefined,
    history: [],
    reviewed: undefined,
    pending: undefined,
    busy: false,
  };

  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'creator-status' });
  const identityRegion = h('div', { id: 'identity-region' });
  const currentRegion = h('div', { id: 'current-region' });
  const worksList = h('ul', { class: 'works', id: 'works-list', 'aria-live': 'polite' });
  const worksError = h('div', { id: 'works-error' });
  const usesRegion = h('div', { id: 'uses-region' });
  const reviewRegion = h('div', { id: 'review-region' });

  const editSections = h(
    'div',
    { id: 'edit-sections', hidden: true },
    worksSection(),
    usesSection(),
    h(
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
    ),
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
    h(
      'section',
      { 'aria-labelledby': 'identity-heading' },
      h('h2', { id: 'identity-heading' }, '1. Your identity'),
      identityRegion,
    ),
    h(
      'section',
      { 'aria-labelledby': 'current-heading', id: 'current-section', hidden: true },
      h('h2', { id: 'current-heading' }, 'What you have published'),
      currentRegion,
    ),
    editSections,
  );

  // ---------- identity ----------

  function renderIdentity(): void {
    const identity = state.identity;
    const current = page.querySelector('#current-section') as HTMLElement;
    current.hidden = identity === undefined;
    editSections.hidden = identity === undefined;
    if (identity === undefined) {
      const restoreFile = uid('restore-file');
      const restorePass = uid('restore-pass');
      const restoreError = h('div', { id: 'restore-error' });
      replace(
        identityRegion,
        h(
          'p',
          {},
          'An identity is a signing key made in this browser. It never leaves this device; you can download an encrypted backup of it.',
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
      h('button', { type: 'button', class: 'danger', id: 'forget-yes', onclick: onForget }, 'Yes, remove it'),
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
      identityRegion,
      h('p', {}, 'You sign as:'),
      h('p', { class: 'did' }, h('code', { id: 'my-did' }, identity.did)),
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

  async function onCreate(): Promise<void> {
    try {
      const identity = await generateIdentity();
      await saveIdentity(identity);
      await useIdentity(identity);
      showStatus(status, 'Your identity is ready. Download a backup before you publish.', 'success');
    } catch (error) {
      showError(status, error);
    }
  }

  async function onRestore(event: Event, errorRegion: HTMLElement): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    const passphrase = (form.elements.namedItem('passphrase') as HTMLInputElement).value;
    if (file === undefined) return showError(errorRegion, new Error('Choose your backup file.'));
    showStatus(errorRegion, 'Opening the backup…');
    try {
      const identity = await openBackup(await file.text(), passphrase);
      await saveIdentity(identity);
      await useIdentity(identity);
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
    if (passphrase !== confirm) return showError(errorRegion, new Error('The two passphrases differ.'));
    showStatus(errorRegion, 'Encrypting…');
    try {
      const text = await createBackup(identity, passphrase);
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
      await forgetIdentity();
      Object.assign(state, { identity: undefined, head: undefined, history: [], form: emptyForm() });
      state.reviewed = undefined;
      state.pending = undefined;
      renderAll();
      showStatus(status, 'The identity was removed from this browser.');
      (page.querySelector('#create-identity') as HTMLButtonElement | null)?.focus();
    } catch (error) {
      showError(status, error);
    }
  }

  async function useIdentity(identity: Identity): Promise<void> {
    state.identity = identity;
    state.head = undefined;
    state.history = [];
    state.form = emptyForm();
    state.reviewed = undefined;
    state.pending = undefined;
    renderAll();
    await loadHead();
  }

  // ---------- current state and history ----------

  async function loadHead(): Promise<void> {
    const identity = state.identity;
    if (identity === undefined) return;
    showStatus(currentRegion, 'Asking the registry for what you have published…');
    try {
      const heads = await creatorHeads(identity.did);
      if (heads === undefined) {
        state.head = undefined;
        state.history = [];
      } else {
        const newest = heads.heads[0];
        if (newest === undefined) throw new GatewayError('GATEWAY_BAD_RESPONSE', 'no head');
        state.history = await creatorHistory(newest.cid, identity.did);
        state.head = state.history[0];
        if (state.head !== undefined) state.form = formOf(state.head.manifest);
      }
      renderCurrent(heads !== undefined && heads.heads.length > 1);
      renderWorks();
      renderUses();
    } catch (error) {
      showError(
        currentRegion,
        error,
        h('button', { type: 'button', id: 'retry-head', onclick: () => void loadHead() }, 'Try again'),
      );
    }
  }

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

  // ---------- works ----------

  function worksSection(): HTMLElement {
    const filesId = 'audio-files';
    const idsId = uid('ids');
    const prefixId = uid('prefix');
    const dropzone = h(
      'div',
      { class: 'dropzone', id: 'dropzone' },
      h('p', {}, 'Drop audio files here, or'),
      h('label', { for: filesId, class: 'button-like' }, 'Choose audio files'),
      h('input', {
        type: 'file',
        id: filesId,
        multiple: true,
        accept: 'audio/*,.mp3,.wav,.flac,.ogg,.opus,.m4a,.aac,.aif,.aiff',
        class: 'file-input',
        onchange: (e: Event) => {
          const input = e.target as HTMLInputElement;
          void addFiles([...(input.files ?? [])]).finally(() => {
            input.value = '';
          });
        },
      }),
      h(
        'p',
        { class: 'hint' },
        'Files are read in this browser to compute a fingerprint (SHA-256) and to find the ISRC in their tags. They are never uploaded.',
      ),
    );
    dropzone.addEventListener('dragover', (e) => {
      e.preventDefault();
      dropzone.classList.add('over');
    });
    dropzone.addEventListener('dragleave', () => dropzone.classList.remove('over'));
    dropzone.addEventListener('drop', (e) => {
      e.preventDefault();
      dropzone.classList.remove('over');
      void addFiles([...(e.dataTransfer?.files ?? [])]);
    });
    return h(
      'section',
      { 'aria-labelledby': 'works-heading' },
      h('h2', { id: 'works-heading' }, '2. Your works'),
      dropzone,
      h(
        'form',
        { id: 'ids-form', onsubmit: onAddIds },
        h('label', { for: idsId }, 'Or enter ISRCs or links to your works, one per line'),
        h('textarea', {
          id: idsId,
          name: 'ids',
          rows: 3,
          placeholder: 'USRC17607839\nhttps://soundcloud.com/you/track',
          'aria-describedby': 'works-error',
        }),
        h('button', { type: 'submit', id: 'add-ids' }, 'Add'),
      ),
      h(
        'form',
        { id: 'prefix-form', onsubmit: onAddPrefix },
        h('label', { for: prefixId }, 'Or a profile address: everything under it counts as your work'),
        h('input', {
          type: 'url',
          id: prefixId,
          name: 'prefix',
          placeholder: 'https://soundcloud.com/you/',
          inputmode: 'url',
          'aria-describedby': 'works-error',
        }),
        h('button', { type: 'submit', id: 'add-prefix' }, 'Add profile'),
      ),
      worksError,
      h('h3', {}, 'Works in your manifest'),
      worksList,
    );
  }

  function knownIds(): Set<string> {
    return new Set(state.form.works.flatMap((w) => w.ids));
  }

  function addWork(work: FormWork): boolean {
    const known = knownIds();
    const ids = work.ids.filter((id) => !known.has(id));
    if (ids.length === 0) return false;
    state.form.works.push({ ...work, ids });
    return true;
  }

  async function addFiles(files: File[]): Promise<void> {
    if (files.length === 0) return;
    const problems: string[] = [];
    let added = 0;
    showStatus(worksError, `Reading ${files.length} ${files.length === 1 ? 'file' : 'files'}…`);
    for (const file of files) {
      try {
        const audio = await readAudioFile(file);
        const ids = audio.isrc === undefined ? [audio.sha256] : [audio.sha256, audio.isrc];
        if (addWork({ ids, title: audio.title })) added += 1;
        else problems.push(`“${file.name}” is already in your list.`);
        if (audio.badIsrc !== undefined) {
          problems.push(
            `“${file.name}” has an ISRC tag that is not a valid ISRC (“${audio.badIsrc}”); it was left out.`,
          );
        }
      } catch (error) {
        problems.push(messageOf(error));
      }
    }
    afterAdd(added, problems);
  }

  function onAddIds(event: Event): void {
    event.preventDefault();
    const field = (event.target as HTMLFormElement).elements.namedItem('ids') as HTMLTextAreaElement;
    const problems: string[] = [];
    let added = 0;
    const rest: string[] = [];
    for (const line of linesOf(field.value)) {
      const id = workIdFromText(line);
      if (!id.ok) {
        problems.push(id.message);
        rest.push(line);
      } else if (addWork({ ids: [id.value] })) added += 1;
      else problems.push(`${id.value} is already in your list.`);
    }
    field.value = rest.join('\n');
    afterAdd(added, problems);
  }

  function onAddPrefix(event: Event): void {
    event.preventDefault();
    const field = (event.target as HTMLFormElement).elements.namedItem('prefix') as HTMLInputElement;
    if (field.value.trim() === '') return;
    const id = workIdFromText(field.value, { prefix: true });
    if (!id.ok) {
      afterAdd(0, [id.message]);
      return;
    }
    field.value = '';
    afterAdd(
      addWork({ ids: [id.value], title: `Everything under ${id.value.slice('url-prefix:'.length)}` }) ? 1 : 0,
      [],
    );
  }

  function afterAdd(added: number, problems: string[]): void {
    state.reviewed = undefined;
    replace(reviewRegion);
    renderWorks();
    if (problems.length > 0) {
      replace(
        worksError,
        h(
          'div',
          { class: 'error', role: 'alert' },
          h('p', {}, added > 0 ? `Added ${added}. Some could not be added:` : 'Nothing was added:'),
          h('ul', {}, ...problems.map((p) => h('li', {}, p))),
        ),
      );
    } else {
      showStatus(worksError, `Added ${added} ${added === 1 ? 'work' : 'works'}.`, 'success');
    }
  }

  function renderWorks(): void {
    if (state.form.works.length === 0) {
      replace(worksList, h('li', { class: 'empty' }, 'No works yet.'));
      return;
    }
    replace(
      worksList,
      ...state.form.works.map((work, index) =>
        h(
          'li',
          {},
          h('span', { class: 'work-title' }, work.title ?? describeWorkId(work.ids[0] ?? '').value),
          h(
            'ul',
            { class: 'ids' },
            ...work.ids.map((id) => {
              const { kind, value } = describeWorkId(id);
              return h(
                'li',
                {},
                h('span', { class: 'kind' }, `${kind}: `),
                h('code', { 'data-id': id }, value),
              );
            }),
          ),
          workPolicyEditor(work, index),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary small',
              'aria-label': `Remove ${work.title ?? work.ids[0] ?? 'work'}`,
              onclick: () => {
                state.form.works.splice(index, 1);
                state.reviewed = undefined;
                replace(reviewRegion);
                renderWorks();
                showStatus(worksError, 'Removed.');
              },
            },
            'Remove',
          ),
        ),
      ),
    );
  }

  /** Per-work answers that override the answers for all works (Allow / Don't allow per use). */
  function workPolicyEditor(work: FormWork, index: number): HTMLElement {
    const policy = work.policy ?? {};
    const count = FORM_TERMS.filter((t) => policy[t] !== undefined).length;
    return h(
      'details',
      { class: 'work-policy' },
      h(
        'summary',
        {},
        count === 0 ? 'Different answers for this work…' : `Different answers for this work (${count})`,
      ),
      h('p', { class: 'hint' }, 'Only what you change here differs from your answers for all works.'),
      ...FORM_TERMS.map((term) => {
        const id = `work-${index}-${term}`;
        const statement = policy[term];
        const value =
          statement === undefined ? 'same' : typeof statement === 'string' ? statement : statement.decision;
        const options: [string, string][] = [
          ['same', 'Same as for all works'],
          ['allow', 'Allow'],
          ['deny', 'Don’t allow'],
        ];
        if (value === 'conditional') {
          options.push([
            'conditional',
            `Allow if: ${describeStatement(statement).replace(/^Allowed only if: /, '')}`,
          ]);
        }
        return h(
          'div',
          { class: 'field' },
          h('label', { for: id }, TERM_LABELS[term]),
          h(
            'select',
            {
              id,
              'data-work-term': term,
              onchange: (e: Event) => {
                const choice = (e.target as HTMLSelectElement).value;
                const next = { ...(state.form.works[index]?.policy ?? {}) };
                if (choice === 'allow' || choice === 'deny') next[term] = choice;
                else if (choice === 'same') delete next[term];
                const { policy: _, ...rest } = state.form.works[index] ?? work;
                state.form.works[index] = Object.keys(next).length === 0 ? rest : { ...rest, policy: next };
                state.reviewed = undefined;
                replace(reviewRegion);
              },
            },
            ...options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
          ),
        );
      }),
    );
  }

  // ---------- uses ----------

  function usesSection(): HTMLElement {
    return h(
      'section',
      { 'aria-labelledby': 'uses-heading' },
      h('h2', { id: 'uses-heading' }, '3. What you allow'),
      h(
        'p',
        {},
        'For each kind of use, choose an answer. It applies to every work above. “No answer” leaves it to your answer for “Any automated processing”.',
      ),
      usesRegion,
    );
  }

  function renderUses(): void {
    replace(usesRegion, ...FORM_TERMS.map(useFieldset));
  }

  function useFieldset(term: UseTerm): HTMLElement {
    const c = state.form.uses[term];
    const name = `use-${term}`;
    const conditionsId = `${name}-conditions`;
    const field = (
      key: 'attribution' | 'compensationTerms' | 'compensationContact',
      label: string,
      hint?: string,
    ) => {
      const id = `${name}-${key}`;
      return h(
        'div',
        { class: 'field' },
        h('label', { for: id }, label),
        hint !== undefined && h('p', { class: 'hint', id: `${id}-hint` }, hint),
        h('input', {
          type: 'text',
          id,
          value: c[key],
          'aria-describedby': hint === undefined ? undefined : `${id}-hint`,
          oninput: (e: Event) => {
            c[key] = (e.target as HTMLInputElement).value;
            state.reviewed = undefined;
          },
        }),
      );
    };
    const licenseesId = `${name}-licensees`;
    const conditions = h(
      'div',
      { class: 'conditions', id: conditionsId, hidden: c.choice !== 'conditional' },
      h('p', { class: 'hint' }, 'Allowed only if every condition you fill in is met. Fill in at least one.'),
      field('attribution', 'Credit to show', 'For example: “The Flight”'),
      field('compensationTerms', 'Compensation terms (a link)', 'A page with your licence or price terms'),
      field('compensationContact', 'Contact for compensation', 'An email address or link'),
      h(
        'div',
        { class: 'field' },
        h('label', { for: licenseesId }, 'Only these organisations (optional)'),
        h(
          'p',
          { class: 'hint', id: `${licenseesId}-hint` },
          'Domains or DIDs, one per line: example.ai, did:web:example.ai',
        ),
        h(
          'textarea',
          {
            id: licenseesId,
            rows: 2,
            'aria-describedby': `${licenseesId}-hint`,
            oninput: (e: Event) => {
              c.licensees = (e.target as HTMLTextAreaElement).value;
              state.reviewed = undefined;
            },
          },
          c.licensees,
        ),
      ),
    );
    const radios = (Object.keys(CHOICE_LABELS) as Choice[]).map((choice) => {
      const id = `${name}-${choice}`;
      return h(
        'span',
        { class: 'choice' },
        h('input', {
          type: 'radio',
          id,
          name,
          value: choice,
          checked: c.choice === choice,
          onchange: () => {
            c.choice = choice;
            conditions.hidden = choice !== 'conditional';
            state.reviewed = undefined;
            replace(reviewRegion);
          },
        }),
        h('label', { for: id }, CHOICE_LABELS[choice]),
      );
    });
    return h(
      'fieldset',
      { class: 'use', id: `fieldset-${term}` },
      h(
        'legend',
        {},
        term === 'all' ? `${TERM_LABELS.all} (everything left without an answer)` : TERM_LABELS[term],
      ),
      h('div', { class: 'choices' }, ...radios),
      conditions,
    );
  }

  // ---------- review, sign, publish ----------

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
        (page.querySelector(`#use-${error.term}-attribution`) as HTMLElement | null)?.focus();
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

  /** True when the gateway's head is still the one the new version will name. */
  async function headUnchanged(identity: Identity): Promise<boolean> {
    const heads = await creatorHeads(identity.did);
    const newest = heads?.heads[0]?.cid;
    return newest === state.head?.cid;
  }

  async function signAndPublish(): Promise<void> {
    const identity = state.identity;
    const reviewed = state.reviewed;
    if (identity === undefined || reviewed === undefined || state.busy) return;
    state.busy = true;
    const out = publishResult();
    try {
      showStatus(out, 'Checking your current version…');
      if (!(await headUnchanged(identity))) {
        await loadHead();
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
      await loadHead();
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

  /** One action: publish the next version with these uses denied for every work. */
  async function revoke(terms: readonly UseTerm[]): Promise<void> {
    const identity = state.identity;
    const head = state.head;
    if (identity === undefined || head === undefined || state.busy) return;
    state.busy = true;
    try {
      showStatus(status, 'Publishing a new version…');
      if (!(await headUnchanged(identity))) {
        await loadHead();
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
      await loadHead();
    } catch (error) {
      state.pending = undefined;
      showError(status, error);
    } finally {
      state.busy = false;
    }
  }

  function renderAll(): void {
    renderIdentity();
    if (state.identity !== undefined) {
      renderCurrent();
      renderWorks();
      renderUses();
    }
  }

  renderAll();
  void (async () => {
    try {
      const identity = await loadIdentity();
      if (identity !== undefined) await useIdentity(identity);
    } catch (error) {
      showError(status, error);
    }
  })();
  return page;
}
