import { TERM_LABELS } from '@assent/manifest';
import { readAudioFile } from './audio-file.js';
import { describeStatement, FORM_TERMS, type FormWork } from './consent-form.js';
import type { CreatorSession } from './creator-session.js';
import { h, replace, uid } from './element.js';
import { messageOf, showStatus } from './feedback.js';
import { describeWorkId, linesOf, workIdFromText } from './work-input.js';
import { readWorkList } from './work-list.js';

/** The works panel: audio files, typed ids and profile addresses in; the list with per-work answers. */
export interface WorksPanel {
  readonly element: HTMLElement;
  render(): void;
}

/** Works listed one by one, with their own answers; a catalog beyond them is counted. */
const SHOWN_WORKS = 100;
/** Problems of an import listed one by one. */
const SHOWN_PROBLEMS = 20;

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

export function worksPanel(session: CreatorSession): WorksPanel {
  const { state } = session;
  const worksList = h('ul', { class: 'works', id: 'works-list', 'aria-live': 'polite' });
  const worksError = h('div', { id: 'works-error' });

  function section(): HTMLElement {
    const filesId = 'audio-files';
    const idsId = uid('ids');
    const prefixId = uid('prefix');
    const listId = 'work-list-file';
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
        'div',
        { class: 'field', id: 'work-list-import' },
        h('label', { for: listId }, 'Or import a list of ISRCs or links (.txt, one a line, or .csv)'),
        h(
          'p',
          { class: 'hint', id: `${listId}-hint` },
          'A catalog of any size: a CSV may name several ids of one work in a row, and a “title” column.',
        ),
        h('input', {
          type: 'file',
          id: listId,
          accept: '.txt,.csv,text/plain,text/csv',
          'aria-describedby': `${listId}-hint works-error`,
          onchange: (e: Event) => {
            const input = e.target as HTMLInputElement;
            void importList(input.files?.[0]).finally(() => {
              input.value = '';
            });
          },
        }),
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

  /** Adds a work unless every id of it is listed already; `known` (the listed ids) is kept up to date. */
  function addWork(work: FormWork, known: Set<string>): boolean {
    const ids = work.ids.filter((id) => !known.has(id));
    if (ids.length === 0) return false;
    for (const id of ids) known.add(id);
    state.form.works.push({ ...work, ids });
    return true;
  }

  async function importList(file: File | undefined): Promise<void> {
    if (file === undefined) return;
    showStatus(worksError, `Reading “${file.name}”…`);
    const list = readWorkList(await file.text(), file.name);
    const known = knownIds();
    const problems = [...list.problems];
    let added = 0;
    let repeated = 0;
    for (const work of list.works) {
      if (addWork(work, known)) added += 1;
      else repeated += 1;
    }
    if (repeated > 0) problems.push(`${plural(repeated, 'work was', 'works were')} already in your list.`);
    afterAdd(added, problems);
  }

  async function addFiles(files: File[]): Promise<void> {
    if (files.length === 0) return;
    const problems: string[] = [];
    let added = 0;
    const known = knownIds();
    showStatus(worksError, `Reading ${files.length} ${files.length === 1 ? 'file' : 'files'}…`);
    for (const file of files) {
      try {
        const audio = await readAudioFile(file);
        const ids = audio.isrc === undefined ? [audio.sha256] : [audio.sha256, audio.isrc];
        if (addWork({ ids, title: audio.title }, known)) added += 1;
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
    const known = knownIds();
    for (const line of linesOf(field.value)) {
      const id = workIdFromText(line);
      if (!id.ok) {
        problems.push(id.message);
        rest.push(line);
      } else if (addWork({ ids: [id.value] }, known)) added += 1;
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
      addWork(
        { ids: [id.value], title: `Everything under ${id.value.slice('url-prefix:'.length)}` },
        knownIds(),
      )
        ? 1
        : 0,
      [],
    );
  }

  function afterAdd(added: number, problems: string[]): void {
    session.formChanged();
    renderWorks();
    if (problems.length > 0) {
      replace(
        worksError,
        h(
          'div',
          { class: 'error', role: 'alert' },
          h(
            'p',
            {},
            added > 0
              ? `Added ${plural(added, 'work', 'works')}. Some could not be added:`
              : 'Nothing was added:',
          ),
          h(
            'ul',
            {},
            ...problems.slice(0, SHOWN_PROBLEMS).map((p) => h('li', {}, p)),
            problems.length > SHOWN_PROBLEMS &&
              h('li', {}, `…and ${plural(problems.length - SHOWN_PROBLEMS, 'more', 'more')}.`),
          ),
        ),
      );
    } else {
      showStatus(worksError, `Added ${plural(added, 'work', 'works')}.`, 'success');
    }
  }

  function renderWorks(): void {
    if (state.form.works.length === 0) {
      replace(worksList, h('li', { class: 'empty' }, 'No works yet.'));
      return;
    }
    const hidden = state.form.works.length - SHOWN_WORKS;
    replace(
      worksList,
      ...state.form.works.slice(0, SHOWN_WORKS).map((work, index) =>
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
                session.formChanged();
                renderWorks();
                showStatus(worksError, 'Removed.');
              },
            },
            'Remove',
          ),
        ),
      ),
      hidden > 0 &&
        h(
          'li',
          { class: 'more', id: 'works-more' },
          `…and ${plural(hidden, 'more work', 'more works')}: ${plural(state.form.works.length, 'work', 'works')} in all.`,
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
                session.formChanged();
              },
            },
            ...options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
          ),
        );
      }),
    );
  }

  return { element: section(), render: renderWorks };
}
