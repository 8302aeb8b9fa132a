/**
 * The binding cases of docs/decisions.md §8, row by row, through `memorySource`: who may speak for a
 * work, by identity links observed by a trusted node and attestations by a trusted attester. The same
 * rows run in Chromium in test/browser/verifier-equality.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, memorySource } from '../src/index.js';
import {
  BINDING_USE,
  claimantsSummary,
  identityOptions,
  makeParties,
  type Parties,
  readBindingTable,
  type SignedBindingCase,
  signBindingCase,
} from './support/binding-table.js';
import { Creators, NOW } from './support/decision-table.js';

const cases = readBindingTable();
const creators = new Creators();
const signed = new Map<string, SignedBindingCase>();
let parties: Parties;

beforeAll(async () => {
  parties = await makeParties();
  for (const c of cases) signed.set(c.id, await signBindingCase(c, creators, parties));
}, 120_000);

describe('docs/decisions.md §8 (binding cases)', () => {
  it('has the matrix and the ranking cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    const kinds = new Set(cases.map((c) => c.work.slice(0, c.work.indexOf(':'))));
    expect([...kinds].sort()).toEqual(['isrc', 'sha256', 'url', 'url-prefix']);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const s = signed.get(c.id) as SignedBindingCase;
    const verifier = createVerifier({
      source: memorySource(s.manifests, { observations: s.observations, attestations: s.attestations }),
      now: () => new Date(NOW),
      identity: identityOptions(parties),
    });
    const r = await verifier.check({ work: c.work, use: BINDING_USE });
    expect({
      decision: r.decision,
      disputed: r.disputed,
      rule: r.rule,
      claimants: claimantsSummary(r, s.letters),
      warnings: [...new Set(r.warnings.map((w) => w.code))].sort(),
    }).toEqual({ ...c.expected, claimants: [...c.expected.claimants] });
  });
});
