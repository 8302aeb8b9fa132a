import { h, replace } from './element.js';
import { type RecoverySheetOptions, recoverySheet } from './recovery-sheet.js';
import { wordConfirmation } from './word-confirmation.js';

/**
 * A new recovery key's one showing (issue 20): its sheet, then two of its words typed back with the
 * sheet hidden. Creating an identity and recovering one both pass through it before anything is kept
 * or published, so no chain commits to a recovery key its creator does not hold.
 */

/** What the step shows besides the sheet. */
export interface RecoveryWordsOptions extends RecoverySheetOptions {
  /** A line above the sheet: why it is shown now. */
  readonly intro: string;
  /** The cancel button's text: what cancelling gives up. */
  readonly cancel: string;
}

/**
 * Shows the sheet in `region`, then the confirmation. Resolves true once two words match, false when
 * the creator cancels; either way the region is emptied, so the words leave the page.
 */
export function confirmRecoveryWords(region: HTMLElement, options: RecoveryWordsOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (confirmed: boolean) => {
      replace(region);
      resolve(confirmed);
    };
    const cancel = () =>
      h(
        'button',
        { type: 'button', class: 'secondary', id: 'cancel-recovery-words', onclick: () => finish(false) },
        options.cancel,
      );

    function showSheet(): void {
      replace(
        region,
        h('p', { class: 'notice no-print', id: 'recovery-words-intro' }, options.intro),
        recoverySheet(options),
        h(
          'p',
          { class: 'no-print' },
          h(
            'button',
            { type: 'button', id: 'words-written', onclick: showConfirmation },
            'I have written them down',
          ),
          ' ',
          cancel(),
        ),
      );
      (region.querySelector('#recovery-sheet-heading') as HTMLElement).focus();
    }

    function showConfirmation(): void {
      replace(
        region,
        wordConfirmation({ phrase: options.phrase, onConfirmed: () => finish(true), onBack: showSheet }),
        h('p', {}, cancel()),
      );
      (region.querySelector('#confirm-words-heading') as HTMLElement).focus();
    }

    showSheet();
  });
}
