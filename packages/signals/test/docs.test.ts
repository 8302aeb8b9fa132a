import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { namesFor } from '@assent/manifest';
import { describe, expect, it } from 'vitest';
import {
  AIPREF_LABELS,
  CAWG_ENTRIES,
  CONTENT_SIGNAL_NAMES,
  NOAI_TERMS,
  type SignalName,
  TDMREP_READ_TERMS,
  TDMREP_UNRESERVED_TERMS,
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

/** "`a`, `b`" → ['a', 'b']; "—" → []. */
const names = (cell: string): string[] =>
  cell === '—' ? [] : cell.split(', ').map((part) => part.replace(/^`|`$/g, ''));

describe('docs/vocabulary.md §"How signals are written and read"', () => {
  const table = rows().map(
    ([signal = '', name = '', allowWhen = '', denyWhen = '', grants = '', restricts = '']) => ({
      signal,
      names: names(name),
      allowWhen: names(allowWhen),
      denyWhen: names(denyWhen),
      grants: names(grants),
      restricts: names(restricts),
    }),
  );
  const row = (entry: SignalName) => ({
    names: [entry.name],
    allowWhen: [...entry.allowWhen],
    denyWhen: [...entry.denyWhen],
    grants: [...entry.grants],
    restricts: [...entry.restricts],
  });
  const rowsOf = (prefix: string) =>
    table.filter((r) => r.signal.startsWith(prefix)).map(({ signal: _, ...rest }) => rest);

  it('restates the AIPREF labels, Content-Signal names and CAWG entries, each paired as in MAPPINGS', () => {
    expect(rowsOf('AIPREF')).toEqual(AIPREF_LABELS.map(row));
    expect(rowsOf('Cloudflare')).toEqual(CONTENT_SIGNAL_NAMES.map(row));
    expect(rowsOf('CAWG')).toEqual(CAWG_ENTRIES.map(row));
    for (const entry of AIPREF_LABELS) expect(namesFor(entry.term, 'aipref')).toContain(entry.name);
    for (const entry of CONTENT_SIGNAL_NAMES)
      expect(namesFor(entry.term, 'content-signal')).toContain(entry.name);
    for (const entry of CAWG_ENTRIES) expect(namesFor(entry.term, 'cawg')).toEqual([entry.name]);
  });

  it('restates TDMRep and X-Robots-Tag', () => {
    const tdm = table.find((r) => r.signal === 'TDMRep');
    expect(tdm).toEqual({
      signal: 'TDMRep',
      names: ['tdm-reservation'],
      allowWhen: [...TDMREP_WRITE_TERMS],
      denyWhen: [...TDMREP_WRITE_TERMS],
      grants: [...TDMREP_UNRESERVED_TERMS],
      restricts: [...TDMREP_READ_TERMS],
    });
    const noai = table.find((r) => r.signal === '`X-Robots-Tag`');
    expect(noai).toEqual({
      signal: '`X-Robots-Tag`',
      names: ['noai', 'noimageai'],
      allowWhen: [],
      denyWhen: [...NOAI_TERMS],
      grants: [],
      restricts: [...NOAI_TERMS],
    });
    expect(table).toHaveLength(AIPREF_LABELS.length + CONTENT_SIGNAL_NAMES.length + CAWG_ENTRIES.length + 2);
  });
});
