import { type Decision, type Policy, type Statement, USE_TERMS, type UseTerm } from '@assent/manifest';
import fc from 'fast-check';
import { parseDictionary, Token } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/support/fuzz.js';
import {
  contentSignalFor,
  contentUsageFor,
  parseCawgTrainingMining,
  parseContentSignal,
  parseContentUsage,
  parseRobotsTxt,
  parseTdmRep,
  parseTdmRepFile,
  parseXRobotsTag,
  type ResolvedPolicy,
  resolvePolicy,
  type SignalReading,
  toCawgTrainingMining,
  toContentSignal,
  toContentUsage,
  toRobotsTxt,
  toTdmRep,
  toXRobotsTag,
} from '../src/index.js';
import * as SPEC from './support/spec-meaning.js';

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

  it('parseContentSignal', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.anything()), (value) =>
        wellFormed(parseContentSignal(value as never)),
      ),
      RUNS,
    );
  });

  it('parseRobotsTxt and contentUsageFor', () => {
    const line = fc.tuple(
      fc.constantFrom('User-Agent', 'Content-Usage', 'Content-Signal', 'Allow', 'Disallow', 'Sitemap', 'x'),
      soup,
    );
    const file = fc.oneof(
      anyText,
      fc.array(line, { maxLength: 30 }).map((lines) => lines.map(([k, v]) => `${k}:${v}`).join('\n')),
    );
    const url = fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), anyText);
    fc.assert(
      fc.property(
        file,
        fc.oneof(soup, fc.constantFrom('*', 'ExampleBot', 'Mozilla/5.0 (compatible; ExampleBot/1.0)')),
        url,
        (text, agent, target) => {
          const robots = parseRobotsTxt(text);
          for (const reading of [
            contentUsageFor(robots, { userAgent: agent, url: target }),
            contentSignalFor(robots, { userAgent: agent, url: target }),
          ]) {
            wellFormed(reading);
            if (!reading.crawlAllowed)
              expect(Object.values(reading.decisions).every((d) => d === 'unknown')).toBe(true);
          }
        },
      ),
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
// No widening, against the spec tables of test/support/spec-meaning.ts (hand-written from each
// standard's text, independent of src/): every value a writer emits permits only uses the policy
// allows, and every grant a reader reads is one the spec text gives whole.
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

/** The spec row of a value; a value the spec does not define is a test failure. */
function meaning(table: Readonly<Record<string, SPEC.Meaning>>, key: string): SPEC.Meaning {
  const row = table[key];
  if (row === undefined) throw new Error(`the spec defines no ${key}`);
  return row;
}

/** A written value is no wider than the policy: every term it touches is allowed. */
function noWiderThan(p: ResolvedPolicy, row: SPEC.Meaning, accept: readonly Decision[] = ['allow']): void {
  for (const term of row.touches) {
    expect(accept, `${row.cite}: ${term} is ${p.decisions[term]}`).toContain(p.decisions[term]);
  }
}

/** `name=value` pairs of a comma-separated list, split without our readers. */
const pairs = (value: string): [string, string][] =>
  value.split(', ').map((part) => part.split('=') as [string, string]);

describe('writers never emit a grant wider than the signed policy', () => {
  it('AIPREF Content-Usage: a valid RFC 9651 Dictionary (structured-headers) of labels the policy allows', () => {
    fc.assert(
      fc.property(resolved, (p) => {
        const value = toContentUsage(p);
        if (value === undefined) return;
        const dictionary = parseDictionary(value);
        for (const [key, member] of dictionary) {
          const [token, params] = member;
          expect(token).toBeInstanceOf(Token);
          expect(params.size).toBe(0);
          noWiderThan(p, meaning(SPEC.AIPREF, `${key}=${String(token)}`));
        }
      }),
      RUNS,
    );
  });

  it('robots.txt: Content-Usage and Content-Signal lines, read line by line', () => {
    fc.assert(
      fc.property(resolved, resolved, (p, q) => {
        // The whole origin (p) and one work under /w/ (q): the pathless Content-Signal line covers both.
        const text = toRobotsTxt([
          { id: 'url-prefix:https://example.com/', policy: p },
          { id: 'url-prefix:https://example.com/w/', policy: q },
        ]);
        for (const line of text.split('\n')) {
          const usage = /^Content-Usage: (\/w?\/?) (.*)$/.exec(line);
          if (usage !== null) {
            for (const [key, member] of parseDictionary(usage[2] ?? '')) {
              noWiderThan(usage[1] === '/' ? p : q, meaning(SPEC.AIPREF, `${key}=${String(member[0])}`));
            }
          } else if (line.startsWith('Content-Signal: ')) {
            for (const [key, value] of pairs(line.slice('Content-Signal: '.length))) {
              noWiderThan(p, meaning(SPEC.CONTENT_SIGNAL, `${key}=${value}`));
              noWiderThan(q, meaning(SPEC.CONTENT_SIGNAL, `${key}=${value}`));
            }
          } else expect(line === '' || line === 'User-Agent: *').toBe(true);
        }
        const signal = toContentSignal(p);
        for (const [key, value] of signal === undefined ? [] : pairs(signal)) {
          noWiderThan(p, meaning(SPEC.CONTENT_SIGNAL, `${key}=${value}`));
        }
      }),
      RUNS,
    );
  });

  it('TDMRep, CAWG and X-Robots-Tag', () => {
    fc.assert(
      fc.property(resolved, (p) => {
        const reservation = toTdmRep(p).headers['tdm-reservation'];
        if (reservation !== undefined) noWiderThan(p, meaning(SPEC.TDMREP, reservation));
        const assertion = JSON.parse(JSON.stringify(toCawgTrainingMining(p))) as {
          label: string;
          data: { entries: Record<string, { use: string; constraint_info?: string }> };
        };
        expect(assertion.label).toBe('cawg.training-mining');
        for (const [name, entry] of Object.entries(assertion.data.entries)) {
          if (entry.use === 'notAllowed') meaning(SPEC.CAWG, `${name}=notAllowed`);
          // "constrained … permission is not unconditionally granted": the policy may hold conditions.
          else if (entry.use === 'constrained') {
            noWiderThan(p, meaning(SPEC.CAWG, `${name}=allowed`), ['allow', 'conditional']);
          } else noWiderThan(p, meaning(SPEC.CAWG, `${name}=${entry.use}`));
        }
        expect([undefined, 'noai, noimageai']).toContain(toXRobotsTag(p));
      }),
      RUNS,
    );
  });
});

/** The terms the present values cover whole (allow) and restrict (deny), per a spec table. */
function bounds(table: Readonly<Record<string, SPEC.Meaning>>, keys: readonly string[]) {
  const covers = new Set<UseTerm>();
  const restricts = new Set<UseTerm>();
  for (const key of keys) {
    const row = table[key];
    for (const term of row?.covers ?? []) covers.add(term);
    for (const term of row?.restricts ?? []) restricts.add(term);
  }
  return { covers, restricts };
}

function withinBounds(
  reading: SignalReading,
  covers: Set<UseTerm>,
  restricts: Set<UseTerm>,
  grantsToo = covers,
): void {
  for (const term of USE_TERMS) {
    const decision = reading.decisions[term];
    if (decision === 'allow') expect(covers.has(term), `allow of ${term}`).toBe(true);
    if (decision === 'conditional') expect(grantsToo.has(term), `conditional of ${term}`).toBe(true);
    if (decision === 'deny') expect(restricts.has(term), `deny of ${term}`).toBe(true);
  }
}

describe('readers never read a grant the spec text does not give whole', () => {
  it('AIPREF Content-Usage and Content-Signal', () => {
    const aipref = fc.dictionary(
      fc.constantFrom('train-ai', 'ai-use', 'search', 'bots', 'train-genai', 'all'),
      fc.constantFrom('y', 'n'),
    );
    const signals = fc.dictionary(
      fc.constantFrom('search', 'ai-input', 'ai-train', 'use'),
      fc.constantFrom('yes', 'no'),
    );
    fc.assert(
      fc.property(aipref, signals, (labels, named) => {
        const header = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
        const a = bounds(SPEC.AIPREF, header);
        withinBounds(parseContentUsage(header.join(', ')), a.covers, a.restricts);
        const line = Object.entries(named).map(([k, v]) => `${k}=${v}`);
        const c = bounds(SPEC.CONTENT_SIGNAL, line);
        withinBounds(parseContentSignal(line.join(', ')), c.covers, c.restricts);
        const robots = parseRobotsTxt(
          `User-Agent: *\nContent-Usage: ${header.join(', ')}\nContent-Signal: ${line.join(', ')}\n`,
        );
        withinBounds(contentUsageFor(robots, { userAgent: 'x', url: '/' }), a.covers, a.restricts);
        withinBounds(contentSignalFor(robots, { userAgent: 'x', url: '/' }), c.covers, c.restricts);
      }),
      RUNS,
    );
  });

  it('TDMRep and CAWG', () => {
    fc.assert(
      fc.property(fc.constantFrom('0', '1'), (value) => {
        const t = bounds(SPEC.TDMREP, [value]);
        withinBounds(parseTdmRep({ headers: { 'tdm-reservation': value } }), t.covers, t.restricts);
      }),
    );
    const names = [
      'cawg.data_mining',
      'cawg.ai_inference',
      'cawg.ai_generative_training',
      'cawg.ai_training',
    ];
    const entry = fc.oneof(
      fc.constantFrom({ use: 'allowed' }, { use: 'notAllowed' }, { use: 'constrained' }),
      fc.constant({ use: 'constrained', constraint_info: 'credit' }),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), entry), (entries) => {
        const granted = (withInfo: boolean) =>
          Object.entries(entries)
            .filter(
              ([, e]) =>
                e.use === 'allowed' || (withInfo && e.use === 'constrained' && 'constraint_info' in e),
            )
            .map(([name]) => name);
        const coverOf = (present: string[]) => {
          const { covers } = bounds(
            SPEC.CAWG,
            present.map((name) => `${name}=allowed`),
          );
          for (const { entries: together, covers: term } of SPEC.CAWG_TOGETHER)
            if (together.every((name) => present.includes(name))) covers.add(term);
          return covers;
        };
        // Restrictions: notAllowed, and constrained "in the absence of additional information".
        const { restricts } = bounds(
          SPEC.CAWG,
          Object.entries(entries)
            .filter(([, e]) => e.use !== 'allowed')
            .map(([name]) => `${name}=notAllowed`),
        );
        withinBounds(
          parseCawgTrainingMining({ entries }),
          coverOf(granted(false)),
          restricts,
          coverOf(granted(true)),
        );
      }),
      RUNS,
    );
  });
});

describe('round trip through our own readers', () => {
  it('no signal ever reads back a grant the policy does not make', () => {
    fc.assert(
      fc.property(resolved, (p) => {
        const readings = [
          parseContentUsage(toContentUsage(p)),
          parseContentSignal(toContentSignal(p)),
          contentSignalFor(
            parseRobotsTxt(toRobotsTxt([{ id: 'url-prefix:https://e.example/', policy: p }])),
            {
              userAgent: 'AnyBot',
              url: '/',
            },
          ),
          parseCawgTrainingMining(toCawgTrainingMining(p)),
          parseTdmRep({ headers: toTdmRep(p).headers }),
          parseXRobotsTag(toXRobotsTag(p)),
        ];
        for (const reading of readings) {
          for (const term of USE_TERMS) {
            if (reading.decisions[term] === 'allow') expect(p.decisions[term]).toBe('allow');
            if (reading.decisions[term] === 'conditional')
              expect(['allow', 'conditional']).toContain(p.decisions[term]);
          }
        }
      }),
      RUNS,
    );
  });
});

describe('writers carry what they can', () => {
  it('every restriction of a term a signal speaks for is read back as a restriction', () => {
    fc.assert(
      fc.property(resolved, (p) => {
        const restricted = (t: UseTerm) => p.decisions[t] === 'deny' || p.decisions[t] === 'conditional';
        const header = parseContentUsage(toContentUsage(p));
        if (restricted('ai-input')) expect(header.decisions['ai-input']).toBe('deny');
        if (restricted('search')) expect(header.decisions.search).toBe('deny');
        if (restricted('train-genai')) expect(header.decisions['train-genai']).toBe('deny');
        const signal = parseContentSignal(toContentSignal(p));
        if (restricted('train-ai') || restricted('train-genai'))
          expect(signal.decisions['train-ai']).toBe('deny');
        const tdm = parseTdmRep({ headers: toTdmRep(p).headers });
        if (['all', 'tdm', 'train-ai', 'train-genai', 'ai-input'].some((t) => restricted(t as UseTerm)))
          expect(tdm.decisions.tdm).toBe('deny');
        const cawg = parseCawgTrainingMining(toCawgTrainingMining(p));
        for (const t of ['tdm', 'train-ai', 'train-genai', 'ai-input'] as const)
          if (restricted(t)) expect(['deny', 'conditional']).toContain(cawg.decisions[t]);
        expect(parseXRobotsTag(toXRobotsTag(p)).decisions['train-ai']).toBe(
          restricted('train-ai') || restricted('train-genai') ? 'deny' : 'unknown',
        );
      }),
      RUNS,
    );
  });
});
