import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { namesFor, type UseTerm } from '@assent/manifest';
import { describe, expect, it } from 'vitest';
import {
  AIPREF_LABELS,
  CAWG_ENTRIES,
  NOAI_TERMS,
  TDMREP_READ_TERMS,
  TDMREP_WRITE_TERMS,
} from '../src/index.js';

const DOC = readFileSync(
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'vocabulary.md'),
  'utf8',
);

/** Rows of the table between the signals markers, as cells. */
function rows(): string[][] {
  const start = DOC.indexOf('<!-- signals:start -->');
  const end = DOC.indexOf('<!-- signals:end -->');
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  return DOC.slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-{3,}/.test(line))
    .slice(1)
    .map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

/** "`a`, `b`" → ['a', 'b']. */
const names = (cell: string): string[] => cell.split(', ').map((part) => part.replace(/^`|`$/g, ''));

describe('docs/vocabulary.md §"How signals are written and read"', () => {
  const table = rows().map(([signal = '', name = '', written = '', read = '']) => ({
    signal,
    names: names(name),
    written: names(written),
    read: names(read),
  }));

  it('restates the AIPREF labels, their scope and MAPPINGS', () => {
    const aipref = table.filter((row) => row.signal.startsWith('AIPREF'));
    expect(aipref.map((row) => row.names)).toEqual(AIPREF_LABELS.map((label) => [label.name]));
    for (const [i, label] of AIPREF_LABELS.entries()) {
      expect(namesFor(label.term, 'aipref')).toContain(label.name);
      const written = label.scope === label.term ? [label.term] : [label.scope, label.term];
      expect(aipref[i]?.written).toEqual(written);
      expect(aipref[i]?.read).toEqual([label.scope]);
    }
  });

  it('restates the CAWG entries and MAPPINGS', () => {
    const cawg = table.filter((row) => row.signal.startsWith('CAWG'));
    expect(cawg.map((row) => [row.names, row.written, row.read])).toEqual(
      CAWG_ENTRIES.map((entry) => [[entry.name], [entry.term], [entry.scope]]),
    );
    for (const entry of CAWG_ENTRIES) expect(namesFor(entry.term, 'cawg')).toEqual([entry.name]);
  });

  it('restates TDMRep and X-Robots-Tag', () => {
    const tdm = table.find((row) => row.signal === 'TDMRep');
    expect(tdm?.names).toEqual(['tdm-reservation']);
    expect(tdm?.written).toEqual([...TDMREP_WRITE_TERMS]);
    expect(tdm?.read).toEqual([...TDMREP_READ_TERMS]);
    for (const term of TDMREP_READ_TERMS)
      expect(namesFor(term as UseTerm, 'tdmrep')).toContain('tdm-reservation');
    const noai = table.find((row) => row.signal === '`X-Robots-Tag`');
    expect(noai?.names).toEqual(['noai', 'noimageai']);
    expect(noai?.written).toEqual([...NOAI_TERMS]);
    expect(noai?.read).toEqual([...NOAI_TERMS]);
    expect(table).toHaveLength(AIPREF_LABELS.length + CAWG_ENTRIES.length + 2);
  });
});
