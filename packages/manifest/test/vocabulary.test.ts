import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ancestorsOf,
  CONDITION_NAMES,
  childrenOf,
  DECISIONS,
  isConditionName,
  isDecision,
  isStandard,
  isUseTerm,
  MAPPINGS,
  namesFor,
  PARENT,
  STANDARD_INFO,
  STANDARDS,
  type Standard,
  TERM_LABELS,
  TERM_MEANINGS,
  termsFor,
  USE_TERMS,
  type UseTerm,
} from '../src/vocabulary.js';
import { normalizeWorkId } from '../src/work-id.js';

describe('terms', () => {
  it('are the six v1 terms, unique', () => {
    expect(USE_TERMS).toEqual(['all', 'tdm', 'train-ai', 'train-genai', 'ai-input', 'search']);
    expect(new Set(USE_TERMS).size).toBe(USE_TERMS.length);
  });

  it('isUseTerm is exact and case-sensitive', () => {
    for (const term of USE_TERMS) expect(isUseTerm(term)).toBe(true);
    for (const other of [
      'ALL',
      'train-AI',
      'ai-use',
      'genai',
      '',
      ' search',
      'toString',
      'constructor',
      1,
      null,
    ]) {
      expect(isUseTerm(other)).toBe(false);
    }
  });

  it('decisions and conditions are the v1 sets', () => {
    expect(DECISIONS).toEqual(['allow', 'deny', 'conditional', 'unknown']);
    expect(CONDITION_NAMES).toEqual(['attribution', 'compensation', 'licensees', 'until']);
    expect(isDecision('conditional')).toBe(true);
    expect(isDecision('Allow')).toBe(false);
    expect(isConditionName('licensees')).toBe(true);
    expect(isConditionName('royalty')).toBe(false);
  });

  it('every term has a UI label and a meaning', () => {
    for (const term of USE_TERMS) {
      expect(TERM_LABELS[term].length).toBeGreaterThan(5);
      expect(TERM_MEANINGS[term].length).toBeGreaterThan(5);
    }
    expect(TERM_LABELS['train-genai']).toBe('Train AI that generates content (music, voice, text, images)');
  });
});

describe('hierarchy', () => {
  it('is a tree rooted at all', () => {
    expect(Object.keys(PARENT).sort()).toEqual([...USE_TERMS].sort());
    const roots = USE_TERMS.filter((term) => PARENT[term] === null);
    expect(roots).toEqual(['all']);
    for (const term of USE_TERMS) {
      const seen = new Set<UseTerm>([term]);
      let node: UseTerm | null = PARENT[term];
      while (node !== null) {
        expect(seen.has(node)).toBe(false); // no cycle
        seen.add(node);
        node = PARENT[node];
      }
      expect(term === 'all' || seen.has('all')).toBe(true);
    }
  });

  it('matches DESIGN §2: all ⊃ {tdm, train-ai ⊃ train-genai, ai-input, search}', () => {
    expect(PARENT).toEqual({
      all: null,
      tdm: 'all',
      'train-ai': 'all',
      'train-genai': 'train-ai',
      'ai-input': 'all',
      search: 'all',
    });
    expect(childrenOf('all')).toEqual(['tdm', 'train-ai', 'ai-input', 'search']);
    expect(childrenOf('train-ai')).toEqual(['train-genai']);
    expect(childrenOf('search')).toEqual([]);
  });

  it('ancestorsOf lists ancestors nearest first', () => {
    expect(ancestorsOf('train-genai')).toEqual(['train-ai', 'all']);
    expect(ancestorsOf('search')).toEqual(['all']);
    expect(ancestorsOf('all')).toEqual([]);
    for (const term of USE_TERMS) {
      const chain = ancestorsOf(term);
      expect(chain[0] ?? null).toBe(PARENT[term]);
      if (term !== 'all') expect(chain.at(-1)).toBe('all');
    }
  });

  it('the shared tables cannot be edited', () => {
    expect(Object.isFrozen(PARENT)).toBe(true);
    expect(Object.isFrozen(MAPPINGS)).toBe(true);
    expect(Object.isFrozen(MAPPINGS.search)).toBe(true);
    expect(Object.isFrozen(MAPPINGS.search.rsl)).toBe(true);
    expect(Object.isFrozen(termsFor('tdmrep', 'tdm-reservation'))).toBe(true);
  });
});

/** DESIGN §2 table, with AIPREF names split into the current draft (-08) and older drafts. */
const DESIGN_TABLE: Record<UseTerm, Record<Standard, string[]>> = {
  all: {
    aipref: [],
    'aipref-legacy': ['bots', 'all'],
    cawg: [],
    rsl: ['all'],
    'content-signal': [],
    tdmrep: ['tdm-reservation'],
  },
  tdm: {
    aipref: [],
    'aipref-legacy': [],
    cawg: ['cawg.data_mining'],
    rsl: [],
    'content-signal': [],
    tdmrep: ['tdm-reservation'],
  },
  'train-ai': {
    aipref: ['train-ai'],
    'aipref-legacy': [],
    cawg: ['cawg.ai_training'],
    rsl: ['ai-train'],
    'content-signal': ['ai-train'],
    tdmrep: [],
  },
  'train-genai': {
    aipref: [],
    'aipref-legacy': ['train-genai'],
    cawg: ['cawg.ai_generative_training'],
    rsl: [],
    'content-signal': [],
    tdmrep: [],
  },
  'ai-input': {
    aipref: ['ai-use'],
    'aipref-legacy': [],
    cawg: ['cawg.ai_inference'],
    rsl: ['ai-input'],
    'content-signal': ['ai-input'],
    tdmrep: [],
  },
  search: {
    aipref: ['search'],
    'aipref-legacy': [],
    cawg: [],
    rsl: ['search', 'ai-index'],
    'content-signal': ['search'],
    tdmrep: [],
  },
};

describe('mappings', () => {
  it('every term has an entry for every standard (absent mapping = empty array)', () => {
    expect(Object.keys(MAPPINGS).sort()).toEqual([...USE_TERMS].sort());
    for (const term of USE_TERMS) {
      expect(Object.keys(MAPPINGS[term]).sort()).toEqual([...STANDARDS].sort());
      for (const standard of STANDARDS) expect(Array.isArray(MAPPINGS[term][standard])).toBe(true);
    }
  });

  it('is exactly the DESIGN §2 table', () => {
    expect(MAPPINGS).toEqual(DESIGN_TABLE);
  });

  it('every standard is described', () => {
    for (const standard of STANDARDS) {
      expect(isStandard(standard)).toBe(true);
      expect(STANDARD_INFO[standard].version.length).toBeGreaterThan(0);
      expect(STANDARD_INFO[standard].reference).toMatch(/^https:\/\//);
    }
    expect(isStandard('robots')).toBe(false);
  });

  it('reverse lookups round-trip', () => {
    for (const standard of STANDARDS) {
      for (const term of USE_TERMS) {
        for (const name of namesFor(term, standard)) expect(termsFor(standard, name)).toContain(term);
      }
      const names = new Set(USE_TERMS.flatMap((term) => namesFor(term, standard)));
      for (const name of names) {
        const terms = termsFor(standard, name);
        expect(terms.length).toBeGreaterThan(0);
        for (const term of terms) expect(namesFor(term, standard)).toContain(name);
        // In USE_TERMS order, no duplicates.
        expect([...terms]).toEqual(USE_TERMS.filter((term) => terms.includes(term)));
      }
    }
  });

  it('reverse lookups answer the questions a signals reader asks', () => {
    expect(termsFor('aipref', 'ai-use')).toEqual(['ai-input']);
    expect(termsFor('aipref', 'train-ai')).toEqual(['train-ai']);
    expect(termsFor('aipref', 'train-genai')).toEqual([]);
    expect(termsFor('aipref-legacy', 'train-genai')).toEqual(['train-genai']);
    expect(termsFor('aipref-legacy', 'bots')).toEqual(['all']);
    expect(termsFor('aipref', 'Train-AI')).toEqual([]);
    expect(termsFor('tdmrep', 'tdm-reservation')).toEqual(['all', 'tdm']);
    expect(termsFor('rsl', 'ai-index')).toEqual(['search']);
    expect(termsFor('cawg', 'cawg.ai_inference')).toEqual(['ai-input']);
    expect(termsFor('content-signal', 'ai-train')).toEqual(['train-ai']);
    expect(termsFor('rsl', 'toString')).toEqual([]);
    expect(termsFor('rsl', '__proto__')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// docs/vocabulary.md restates this module; these tests keep it honest.
// ---------------------------------------------------------------------------------------------

const DOC_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'vocabulary.md');
const doc = readFileSync(DOC_PATH, 'utf8');

/** The cells of a markdown table row. */
function cellsOf(line: string): string[] {
  return line
    .trim()
    .slice(1, -1)
    .split('|')
    .map((cell) => cell.trim());
}

const TABLE_SEPARATOR = /^\|\s*:?-{3,}/;

/** The rows of the markdown table between `<!-- name:start -->` and `<!-- name:end -->`, as cells. */
function tableRows(name: string): string[][] {
  const start = doc.indexOf(`<!-- ${name}:start -->`);
  const end = doc.indexOf(`<!-- ${name}:end -->`);
  expect(start, `marker ${name}:start`).toBeGreaterThan(-1);
  expect(end, `marker ${name}:end`).toBeGreaterThan(start);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|') && !TABLE_SEPARATOR.test(line))
    .slice(1) // header
    .map(cellsOf);
}

/** "`a`, `b`" → ['a', 'b']; "—" → []. */
function names(cell: string): string[] {
  if (cell === '—') return [];
  return cell.split(', ').map((part) => {
    expect(part, `cell ${cell}`).toMatch(/^`[^`]+`$/);
    return part.slice(1, -1);
  });
}

describe('docs/vocabulary.md', () => {
  it('names every term, decision, condition and mapped name', () => {
    const words = [
      ...USE_TERMS,
      ...DECISIONS,
      ...CONDITION_NAMES,
      ...USE_TERMS.flatMap((term) => STANDARDS.flatMap((standard) => namesFor(term, standard))),
    ];
    for (const word of words) expect(doc, word).toContain(`\`${word}\``);
    for (const term of USE_TERMS) {
      expect(doc).toContain(TERM_LABELS[term]);
      expect(doc).toContain(TERM_MEANINGS[term].replace('train-ai', '`train-ai`'));
    }
  });

  it('its mapping table is the MAPPINGS data, row by row', () => {
    const rows = tableRows('mappings');
    expect(rows.map((row) => row[0])).toEqual(USE_TERMS.map((term) => `\`${term}\``));
    for (const row of rows) {
      const term = (row[0] ?? '').slice(1, -1) as UseTerm;
      const cells = row.slice(1);
      expect(cells.length).toBe(STANDARDS.length);
      STANDARDS.forEach((standard, i) => {
        expect(names(cells[i] ?? ''), `${term} / ${standard}`).toEqual([...namesFor(term, standard)]);
      });
    }
  });

  it('states the parent of each term', () => {
    const rows = doc
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .map(cellsOf);
    for (const term of USE_TERMS) {
      const row = rows.find((cells) => cells[0] === `\`${term}\`` && cells[1] === TERM_LABELS[term]);
      expect(row, term).toBeDefined();
      const parent = PARENT[term];
      expect(row?.[3]).toBe(parent === null ? '— (root)' : `\`${parent}\``);
    }
  });

  it('names the AIPREF draft the current names come from', () => {
    expect(doc).toContain('draft-ietf-aipref-vocab-08');
    expect(STANDARD_INFO.aipref.version).toContain('draft-ietf-aipref-vocab-08');
  });

  it('its work-id examples are what normalizeWorkId returns', () => {
    const rows = tableRows('work-id-examples');
    expect(rows.length).toBeGreaterThan(10);
    for (const [inputCell = '', expectedCell = ''] of rows) {
      const input = inputCell.slice(1, -1);
      const expected = expectedCell.slice(1, -1);
      const result = normalizeWorkId(input);
      if (/^WORK_ID_[A-Z0-9_]+$/.test(expected))
        expect(result, input).toMatchObject({ ok: false, code: expected });
      else expect(result, input).toEqual({ ok: true, value: expected });
    }
  });
});
