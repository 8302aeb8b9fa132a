import type { Page } from 'playwright-core';

/** What a recovery sheet in the page said. */
export interface ReadSheet {
  /** The creator id printed on the sheet. */
  readonly creator: string;
  /** Its date, `YYYY-MM-DD`. */
  readonly date: string;
  /** The words, in order, joined by single spaces. */
  readonly phrase: string;
}

/** Reads the recovery sheet the page shows, as a creator would copy it down. */
export async function readSheet(page: Page): Promise<ReadSheet> {
  const sheet = page.locator('#recovery-sheet');
  await sheet.waitFor({ timeout: 30_000 });
  const words = await sheet.locator('#recovery-words li .word').allTextContents();
  return {
    creator: (await sheet.locator('#recovery-sheet-creator').textContent()) ?? '',
    date: (await sheet.locator('#recovery-sheet-date').textContent()) ?? '',
    phrase: words.join(' '),
  };
}

/**
 * Types the words the confirmation asks for from `phrase` (after "I have written them down"), as
 * the page numbers them. `wrong`: types a word that is not the sheet's instead.
 */
export async function typeConfirmation(page: Page, phrase: string, wrong = false): Promise<void> {
  const words = phrase.split(' ');
  const form = page.locator('#confirm-words-form');
  await form.waitFor();
  for (const input of await form.locator('input[data-position]').all()) {
    const at = Number(await input.getAttribute('data-position'));
    const word = words[at - 1] ?? '';
    await input.fill(wrong ? `${word}x` : word);
  }
  await form.getByRole('button', { name: 'Confirm' }).click();
}

/**
 * The whole step as a creator does it: reads the sheet, says it is written down, and confirms two
 * words. Answers what the sheet said.
 */
export async function confirmSheet(page: Page): Promise<ReadSheet> {
  const sheet = await readSheet(page);
  await page.getByRole('button', { name: 'I have written them down' }).click();
  await typeConfirmation(page, sheet.phrase);
  return sheet;
}
