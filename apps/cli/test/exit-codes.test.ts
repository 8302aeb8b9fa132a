import { CLI_ERROR_CODES, exitCodeOf } from '@assent/cli';
import { describe, expect, it } from 'vitest';
import { errorsDocSections } from '../../../test/support/errors-doc.js';

/**
 * The CLI's exit code for every documented code is the one docs/errors.md gives it (its "CLI" column),
 * for every section: the packages the CLI drives, the gateway it talks to, and its own codes.
 */
describe('exitCodeOf', () => {
  const rows: [string, number][] = [...errorsDocSections().values()]
    .flat()
    .map((cells) => [(cells[0] as string).replaceAll('`', ''), Number(cells[2])]);

  it('matches the CLI column of docs/errors.md for every code', () => {
    expect(rows.length).toBeGreaterThan(70);
    for (const [code, exit] of rows) expect(exitCodeOf(code), code).toBe(exit);
    for (const code of CLI_ERROR_CODES)
      expect(
        rows.some(([c]) => c === code),
        code,
      ).toBe(true);
  });

  it('treats a code it does not know as an operational fault', () => {
    expect(exitCodeOf('SOMETHING_NEW')).toBe(6);
  });
});
