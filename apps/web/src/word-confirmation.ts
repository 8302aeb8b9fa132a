import { h, uid } from './element.js';
import { showError } from './feedback.js';

/**
 * The check that the creator has the recovery words (issue 20: "confirm two words"): two positions
 * chosen at random, typed back from the sheet while it is hidden, so a sheet nobody wrote down never
 * guards a key.
 */

/** How many words the creator types back. */
export const CONFIRMED_WORDS = 2;

/** A uniform random integer in [0, n), from the platform's CSPRNG. */
function randomIndex(n: number): number {
  // Rejection sampling: values at or above the largest multiple of n would favour small results.
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const value = crypto.getRandomValues(new Uint32Array(1))[0] as number;
    if (value < limit) return value % n;
  }
}

/**
 * {@link CONFIRMED_WORDS} distinct positions (1-based) of a phrase of `count` words, in ascending order.
 * @throws RangeError when the phrase has fewer words than that.
 */
export function confirmationPositions(count: number, random: (n: number) => number = randomIndex): number[] {
  if (!Number.isSafeInteger(count) || count < CONFIRMED_WORDS)
    throw new RangeError(`a phrase to confirm has at least ${CONFIRMED_WORDS} words`);
  const chosen = new Set<number>();
  while (chosen.size < CONFIRMED_WORDS) chosen.add(random(count) + 1);
  return [...chosen].sort((a, b) => a - b);
}

/**
 * The positions whose typed word is not the phrase's word there, in the order asked. Forgiving about
 * case and surrounding spaces, as the recovery form is.
 */
export function mismatchedPositions(phrase: string, typed: ReadonlyMap<number, string>): number[] {
  const words = phrase.split(' ');
  return [...typed].filter(([at, word]) => words[at - 1] !== word.trim().toLowerCase()).map(([at]) => at);
}

/** The form asking for two words of `phrase`; `onConfirmed` once both match, `onBack` to see the sheet. */
export function wordConfirmation(options: {
  readonly phrase: string;
  readonly onConfirmed: () => void;
  readonly onBack: () => void;
}): HTMLElement {
  const positions = confirmationPositions(options.phrase.split(' ').length);
  const error = h('div', { id: 'confirm-words-error' });
  const inputs = new Map(
    positions.map((at) => {
      const id = uid(`confirm-word-${at}`);
      const input = h('input', {
        type: 'text',
        id,
        name: `word-${at}`,
        'data-position': at,
        autocomplete: 'off',
        autocapitalize: 'none',
        spellcheck: 'false',
        required: true,
      });
      return [at, { id, input }] as const;
    }),
  );

  function onSubmit(event: Event): void {
    event.preventDefault();
    const typed = new Map([...inputs].map(([at, { input }]) => [at, input.value]));
    const wrong = mismatchedPositions(options.phrase, typed);
    for (const [at, { input }] of inputs) {
      if (wrong.includes(at)) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    if (wrong.length > 0) {
      const names = wrong.map((at) => `word ${at}`).join(' and ');
      showError(
        error,
        new Error(`That is not ${names} of your sheet. Check what you wrote down, or show the sheet again.`),
      );
      inputs.get(wrong[0] as number)?.input.focus();
      return;
    }
    options.onConfirmed();
  }

  return h(
    'form',
    { id: 'confirm-words-form', 'aria-labelledby': 'confirm-words-heading', onsubmit: onSubmit },
    h('h3', { id: 'confirm-words-heading', tabindex: -1 }, 'Confirm your recovery words'),
    h(
      'p',
      { class: 'hint', id: 'confirm-words-hint' },
      'To be sure you have them, type these two words from your sheet. Until you do, nothing is kept.',
    ),
    ...[...inputs].flatMap(([at, { id, input }]) => [h('label', { for: id }, `Word ${at}`), input]),
    h(
      'p',
      {},
      h('button', { type: 'submit', id: 'confirm-words' }, 'Confirm'),
      ' ',
      h(
        'button',
        { type: 'button', class: 'secondary', id: 'show-sheet-again', onclick: options.onBack },
        'Show the sheet again',
      ),
    ),
    error,
  );
}
