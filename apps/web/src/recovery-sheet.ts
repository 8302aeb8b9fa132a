import { h } from './element.js';

/**
 * The printable recovery sheet (DESIGN-TRUST §2.3 item 5; docs/spec/manifest.md §5.5): the creator
 * id, the date, the 24 words numbered, and what they are for — the page's twin of the sheet
 * `assent id create` prints. The words exist only in this element: nothing stores them, and the
 * caller removes the element once the creator has confirmed them.
 */

/** What the sheet shows. */
export interface RecoverySheetOptions {
  /** The creator id the words recover (the did:key of version 1). */
  readonly creator: string;
  /** When the recovery key was made, ISO 8601; its date is printed. */
  readonly created: string;
  /** The 24 words, separated by single spaces. */
  readonly phrase: string;
}

/**
 * The sheet as an element with a print button. The page's print style (style.css) prints only the
 * sheet, so the words go to paper without the rest of the page.
 */
export function recoverySheet(options: RecoverySheetOptions): HTMLElement {
  const words = options.phrase.split(' ');
  return h(
    'section',
    { class: 'recovery-sheet', id: 'recovery-sheet', 'aria-labelledby': 'recovery-sheet-heading' },
    h('h3', { id: 'recovery-sheet-heading', tabindex: -1 }, 'Assent recovery sheet'),
    h(
      'dl',
      { class: 'summary' },
      h('dt', {}, 'Creator'),
      h('dd', {}, h('code', { class: 'did', id: 'recovery-sheet-creator' }, options.creator)),
      h('dt', {}, 'Date'),
      h('dd', { id: 'recovery-sheet-date' }, options.created.slice(0, 10)),
    ),
    h('h4', { id: 'recovery-words-heading' }, `Recovery words (${words.length})`),
    h(
      'ol',
      { class: 'recovery-words', id: 'recovery-words', 'aria-labelledby': 'recovery-words-heading' },
      ...words.map((word, i) =>
        h(
          'li',
          { 'data-position': i + 1 },
          h('span', { class: 'position' }, `${i + 1}.`),
          ' ',
          h('span', { class: 'word' }, word),
        ),
      ),
    ),
    h('h4', {}, 'What it is for'),
    h(
      'p',
      {},
      'These words are the recovery key of the creator above. Your manifests commit to it as a key that may take over from the key in your browser. If that key is lost or stolen, open Assent, choose “Recover with my 24 words” and type them in: your consent moves to a new key, and you get a new sheet. This sheet is then spent.',
    ),
    h('h4', {}, 'Keep it offline'),
    h(
      'p',
      {},
      'Write the words down or print this sheet, and keep it somewhere safe, away from this computer. Never photograph them or store them online: anyone who has them can take over your consent. They are shown only this once and are not stored anywhere, not even in this browser.',
    ),
    h(
      'p',
      { class: 'no-print' },
      h('button', { type: 'button', id: 'print-sheet', onclick: () => window.print() }, 'Print this sheet'),
    ),
  );
}
