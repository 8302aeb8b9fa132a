import { type Decision, type Policy, type Statement, USE_TERMS, type UseTerm } from '@assent/manifest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/support/fuzz.js';
import {
  contentUsageFor,
  isRestrictive,
  parseCawgTrainingMining,
  parseContentUsage,
  parseRobotsTxt,
  parseTdmRep,
  parseTdmRepFile,
  parseXRobotsTag,
  type ResolvedPolicy,
  resolvePolicy,
  type SignalReading,
  toCawgTrainingMining,
  toContentUsage,
  toRobotsTxt,
  toTdmRep,
  toXRobotsTag,
} from '../src/index.js';
import { parseDictionary } from '../src/structured-field.js';

const RUNS = fuzzParams(1000);
const DECISIONS = new Set<string>(['allow', 'deny', 'conditional', 'unknown']);

/** A reading is well formed: a valid decision for every term, issues with codes. */
function wellFormed(reading: SignalReading): void {
  for (const term of USE_TERMS) expect(DECISIONS.has(reading.decisions[term])).toBe(true);
  expect(reading.signed).toBe(false);
  for (const issue of reading.issues) expect(issue.code).toMatch(/^SIGNAL_[A-Z_]+$/);
}

// Text made of the characters and words these formats are built from, so that generated input
// reaches deep into the parsers rather than failing on the first character.
const pieces = fc.constantFrom(
  'train-ai',
  'ai-use',
  'search',
  'bots',
  '=',
  'y',
  'n',
  ',',
  ', ',
  ';',
  ' ',
  '\t',
  '"',
  '\\',
  '(',
  ')',
  ':',
  '?1',
  '@',
  '%"',
  '%ff',
  '*',
  '$',
  '/',
  '-',
  '.',
  '12345678901234567',
  '1.5',
  'é',
  '\u0000',
  '\uD800',
  '#',
  '\n',
  '\r',
  'User-Agent:',
  'Content-Usage:',
  'Allow:',
  'Disallow:',
  ' /a/',
  ' /',
  'ExampleBot',
);
const soup = fc
  .array(fc.oneof(pieces, fc.string({ maxLength: 4 })), { maxLength: 40 })
  .map((parts) => parts.join(''));
const anyText = fc.oneof(soup, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }));

describe('readers never throw on malformed input', () => {
  it('parseContentUsage', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.array(anyText, { maxLength: 4 })), (value) => {
        wellFormed(parseContentUsage(value));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.anything(), (value) => wellFormed(parseContentUsage(value as never))),
      RUNS,
    );
  });

  it('the RFC 9651 dictionary parser returns a result, never an exception', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const result = parseDictionary(value);
        expect(typeof result.ok).toBe('boolean');
      }),
      RUNS,
    );
  });

  it('parseRobotsTxt and contentUsageFor', () => {
    const line = fc.tuple(
      fc.constantFrom('User-Agent', 'Content-Usage', 'Allow', 'Disallow', 'Sitemap', 'x'),
      soup,
    );
    const file = fc.oneof(
      anyText,
      fc.array(line, { maxLength: 30 }).map((lines) => lines.map(([k, v]) => `${k}:${v}`).join('\n')),
    );
    const url = fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), anyText);
    fc.assert(
      fc.property(file, fc.oneof(soup, fc.constantFrom('*', 'ExampleBot')), url, (text, agent, target) => {
        const robots = parseRobotsTxt(text);
        const reading = contentUsageFor(robots, { userAgent: agent, url: target });
        wellFormed(reading);
        if (!reading.crawlAllowed)
          expect(Object.values(reading.decisions).every((d) => d === 'unknown')).toBe(true);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        wellFormed(contentUsageFor(parseRobotsTxt(bytes), { userAgent: 'x', url: '/' }));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (text, query) => {
        wellFormed(contentUsageFor(parseRobotsTxt(text as never), query as never));
      }),
      RUNS,
    );
  });

  it('parseTdmRep and parseTdmRepFile', () => {
    const jsonish = fc.oneof(
      anyText,
      fc.json(),
      fc
        .array(
          fc.record(
            {
              location: fc.oneof(soup, fc.constant('/'), fc.anything()),
              'tdm-reservation': fc.oneof(fc.constantFrom(0, 1, '1', 2), fc.anything()),
              'tdm-policy': fc.oneof(fc.webUrl(), fc.anything()),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 8 },
        )
        .map((rules) => JSON.stringify(rules) ?? ''),
    );
    const headers = fc.dictionary(
      fc.constantFrom('tdm-reservation', 'TDM-Reservation', 'tdm-policy', 'x'),
      fc.oneof(anyText, fc.array(anyText, { maxLength: 3 }), fc.anything()),
    );
    fc.assert(
      fc.property(jsonish, headers, fc.oneof(fc.webUrl(), anyText), (file, head, url) => {
        parseTdmRepFile(file);
        wellFormed(parseTdmRep({ file, headers: head as never, url }));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.anything(), (input) => wellFormed(parseTdmRep(input as never))),
      RUNS,
    );
  });

  it('parseCawgTrainingMining', () => {
    const use = fc.oneof(fc.constantFrom('allowed', 'notAllowed', 'constrained'), fc.anything());
    const entry = fc.record(
      { use, constraint_info: fc.anything(), constraints_info: fc.anything() },
      { requiredKeys: [] },
    );
    const entries = fc.dictionary(
      fc.oneof(
        fc.constantFrom('cawg.ai_training', 'cawg.ai_inference', 'c2pa.data_mining', '__proto__'),
        fc.string(),
      ),
      fc.oneof(entry, fc.anything()),
    );
    const assertion = fc.oneof(
      entries.map((e) => ({ entries: e })),
      entries.map((e) => ({ label: 'cawg.training-mining', data: { entries: e } })),
      fc.array(fc.anything()),
      fc.anything(),
    );
    fc.assert(
      fc.property(assertion, (value) => {
        wellFormed(parseCawgTrainingMining(value));
        wellFormed(parseCawgTrainingMining(JSON.stringify(value) ?? ''));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(anyText, (text) => wellFormed(parseCawgTrainingMining(text))),
      RUNS,
    );
  });

  it('parseXRobotsTag', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyText, fc.array(anyText), fc.anything()),
        fc.oneof(soup, fc.anything()),
        (value, ua) => {
          wellFormed(parseXRobotsTag(value as never, ua as never));
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Round trip: manifest policy → signals → read back gives the same decision for every term each
// signal can express (docs/vocabulary.md §"How signals are written and read").
// ---------------------------------------------------------------------------------------------

const statement: fc.Arbitrary<Statement> = fc.oneof(
  fc.constantFrom<Statement>('allow', 'deny', { decision: 'allow' }, { decision: 'deny' }),
  fc
    .record(
      {
        attribution: fc.string({ minLength: 1, maxLength: 20 }),
        licensees: fc.constantFrom<string[]>(['did:web:example.ai'], ['example.org', 'did:key:z6Mkexample']),
        until: fc.constantFrom('2020-01-01T00:00:00Z', '2099-01-01T00:00:00Z'),
        compensation: fc.constant({ terms: 'https://flight.example/terms' }),
        royalty: fc.constant('5%'),
      },
      { requiredKeys: [] },
    )
    .filter((conditions) => Object.keys(conditions).length > 0)
    .map((conditions) => ({ decision: 'conditional' as const, conditions })),
);
const policy: fc.Arbitrary<Policy> = fc
  .subarray([...USE_TERMS])
  .chain((terms) =>
    fc.tuple(...terms.map(() => statement)).map((s) => Object.fromEntries(terms.map((t, i) => [t, s[i]]))),
  );
const resolved: fc.Arbitrary<ResolvedPolicy> = fc
  .tuple(policy, fc.option(policy, { nil: undefined }))
  .map(([own, defaults]) => resolvePolicy(own, defaults, { at: new Date('2027-01-01T00:00:00Z') }));

const restrictiveOr = (d: Decision): Decision => (isRestrictive(d) ? 'deny' : d);

/** What each signal can carry of a policy, as docs/vocabulary.md states it. */
function expressible(p: ResolvedPolicy): Record<string, Partial<Record<UseTerm, Decision>>> {
  const d = p.decisions;
  const genai: Decision =
    isRestrictive(d['train-genai']) || isRestrictive(d['train-ai'])
      ? 'deny'
      : d['train-genai'] === 'allow'
        ? 'allow'
        : 'unknown';
  const tdmReserved = ['all', 'tdm', 'train-ai', 'train-genai', 'ai-input'].some((t) =>
    isRestrictive(d[t as UseTerm]),
  );
  const noai = isRestrictive(d['train-ai']) || isRestrictive(d['train-genai']);
  return {
    aipref: {
      'train-genai': genai,
      'ai-input': restrictiveOr(d['ai-input']),
      search: restrictiveOr(d.search),
    },
    cawg: {
      tdm: d.tdm,
      'train-ai': d['train-ai'],
      'train-genai': d['train-genai'],
      'ai-input': d['ai-input'],
    },
    tdmrep: Object.fromEntries(USE_TERMS.map((t) => [t, tdmReserved ? 'deny' : 'unknown'])),
    xrobots: noai ? { 'train-ai': 'deny', 'train-genai': 'deny' } : {},
  };
}

function full(partial: Partial<Record<UseTerm, Decision>>): Record<UseTerm, Decision> {
  return Object.fromEntries(USE_TERMS.map((t) => [t, partial[t] ?? 'unknown'])) as Record<UseTerm, Decision>;
}

describe('round trip', () => {
  it('every signal reads back what it can express', () => {
    fc.assert(
      fc.property(resolved, (p) => {
        const want = expressible(p);
        const header = parseContentUsage(toContentUsage(p));
        expect(header.decisions).toEqual(full(want.aipref ?? {}));
        const robots = parseRobotsTxt(toRobotsTxt([{ id: 'url-prefix:https://example.com/w/', policy: p }]));
        const rule = contentUsageFor(robots, { userAgent: 'AnyBot', url: 'https://example.com/w/track' });
        expect(rule.decisions).toEqual(full(want.aipref ?? {}));
        expect(rule.issues).toEqual([]);
        expect(parseCawgTrainingMining(toCawgTrainingMining(p)).decisions).toEqual(full(want.cawg ?? {}));
        expect(parseTdmRep({ headers: toTdmRep(p).headers }).decisions).toEqual(full(want.tdmrep ?? {}));
        expect(parseXRobotsTag(toXRobotsTag(p)).decisions).toEqual(full(want.xrobots ?? {}));
      }),
      RUNS,
    );
  });

  it('no signal ever reads back a grant the policy does not make', () => {
    fc.assert(
      fc.property(resolved, (p) => {
        const readings = [
          parseContentUsage(toContentUsage(p)),
          parseCawgTrainingMining(toCawgTrainingMining(p)),
          parseTdmRep({ headers: toTdmRep(p).headers }),
          parseXRobotsTag(toXRobotsTag(p)),
        ];
        for (const reading of readings) {
          for (const term of USE_TERMS) {
            if (reading.decisions[term] === 'allow') expect(p.decisions[term]).toBe('allow');
            if (reading.decisions[term] === 'conditional') expect(p.decisions[term]).toBe('conditional');
          }
        }
      }),
      RUNS,
    );
  });
});
