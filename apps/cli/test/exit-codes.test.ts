import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_ERROR_CODES, exitCodeOf } from '@assent/cli';
import { describe, expect, it } from 'vitest';

/**
 * The CLI's exit code for every documented code is the one docs/errors.md gives it (its "CLI" column),
 * for the packages the CLI drives, the gateway it talks to, and its own codes.
 */
const doc = readFileSync(join(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
const SECTIONS = [
  'Strict JSON',
  'Work identifiers',
  'CIDs',
  'Identity',
  'Manifest schema',
  'Proof and signature',
  'Version chain',
  'Verifier',
  'Registry',
  'Signals',
  'CLI',
  'Gateway',
];

describe('exitCodeOf', () => {
  const rows: [string, number][] = [];
  for (const part of doc.split('\n## ').slice(1)) {
    if (!SECTIONS.some((s) => part.startsWith(s))) continue;
    for (const line of part.split('\n').filter((l) => l.startsWith('| `'))) {
      const cells = line.split('|').map((c) => c.trim());
      rows.push([(cells[1] as string).replaceAll('`', ''), Number(cells[3])]);
    }
  }

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
