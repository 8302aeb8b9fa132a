import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decision, Policy, UseTerm } from '@assent/manifest';
import { describe, expect, it } from 'vitest';
import {
  contentUsageFor,
  parseCawgTrainingMining,
  parseContentUsage,
  parseRobotsTxt,
  parseTdmRep,
  parseXRobotsTag,
  resolvePolicy,
  toCawgTrainingMining,
  toContentUsage,
  toTdmRep,
  toXRobotsTag,
} from '../src/index.js';
import { stated } from './support/stated.js';

const VECTORS = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'vectors',
  'signals',
);
const load = <T>(name: string): T => JSON.parse(readFileSync(resolve(VECTORS, name), 'utf8')) as T;

interface PolicyVector {
  id: string;
  input: { policy?: Policy; default?: Policy; at?: string; validUntil?: string };
  resolved: Record<UseTerm, Decision>;
  write: {
    contentUsage: string | null;
    xRobotsTag: string | null;
    tdmReservation: string | null;
    cawg: Record<string, unknown>;
  };
  read: Record<'contentUsage' | 'xRobotsTag' | 'tdmrep' | 'cawg', Partial<Record<UseTerm, Decision>>>;
}

describe('policies.json: policy → signals → read back', () => {
  const { vectors } = load<{ vectors: PolicyVector[] }>('policies.json');
  it('has vectors', () => expect(vectors.length).toBeGreaterThan(8));

  for (const v of vectors) {
    describe(v.id, () => {
      const policy = resolvePolicy(v.input.policy, v.input.default, {
        ...(v.input.at === undefined ? {} : { at: new Date(v.input.at) }),
        validUntil: v.input.validUntil,
      });

      it('resolves', () => expect(policy.decisions).toEqual(v.resolved));

      it('writes', () => {
        expect(toContentUsage(policy) ?? null).toBe(v.write.contentUsage);
        expect(toXRobotsTag(policy) ?? null).toBe(v.write.xRobotsTag);
        expect(toTdmRep(policy).headers['tdm-reservation'] ?? null).toBe(v.write.tdmReservation);
        expect(toCawgTrainingMining(policy)).toEqual({
          label: 'cawg.training-mining',
          data: { entries: v.write.cawg },
        });
      });

      it('reads back', () => {
        expect(stated(parseContentUsage(toContentUsage(policy)))).toEqual(v.read.contentUsage);
        expect(stated(parseXRobotsTag(toXRobotsTag(policy)))).toEqual(v.read.xRobotsTag);
        expect(stated(parseTdmRep({ headers: toTdmRep(policy).headers }))).toEqual(v.read.tdmrep);
        // Through JSON, as a C2PA tool would hand it back.
        const cawg = parseCawgTrainingMining(JSON.stringify(toCawgTrainingMining(policy)));
        expect(stated(cawg)).toEqual(v.read.cawg);
        expect(cawg.issues).toEqual([]);
      });
    });
  }
});

interface ContentUsageVector {
  id: string;
  input: string;
  result: 'valid' | 'invalid';
  decisions: Partial<Record<UseTerm, Decision>>;
  labels: Record<string, 'y' | 'n'>;
  issues: string[];
}

describe('content-usage.json: reading Content-Usage', () => {
  const { vectors } = load<{ vectors: ContentUsageVector[] }>('content-usage.json');
  for (const v of vectors) {
    it(`${v.id}: ${v.input}`, () => {
      const reading = parseContentUsage(v.input);
      expect(stated(reading)).toEqual(v.decisions);
      expect({ ...reading.labels }).toEqual(v.labels);
      expect(reading.issues.map((issue) => issue.code)).toEqual(v.issues);
      expect(reading.issues.some((issue) => issue.code === 'SIGNAL_SYNTAX')).toBe(v.result === 'invalid');
      expect(reading.signed).toBe(false);
    });
  }
});

interface RobotsExample {
  id: string;
  file: string;
  cases: {
    userAgent: string;
    path: string;
    crawl: boolean;
    preference: string | null;
    decisions: Partial<Record<UseTerm, Decision>>;
  }[];
}

describe('aipref-attach-robots.json: the draft robots.txt examples', () => {
  const { examples, source } = load<{ examples: RobotsExample[]; source: { document: string } }>(
    'aipref-attach-robots.json',
  );
  it('cites its source', () => expect(source.document).toContain('draft-ietf-aipref-attach'));
  for (const example of examples) {
    const robots = parseRobotsTxt(example.file);
    it(`${example.id} parses cleanly`, () => expect(robots.issues).toEqual([]));
    for (const c of example.cases) {
      it(`${example.id}: ${c.userAgent} ${c.path}`, () => {
        const reading = contentUsageFor(robots, {
          userAgent: c.userAgent,
          url: `https://example.com${c.path}`,
        });
        expect(reading.crawlAllowed).toBe(c.crawl);
        expect(stated(reading)).toEqual(c.decisions);
        if (c.preference !== null) expect(stated(parseContentUsage(c.preference))).toEqual(c.decisions);
      });
    }
  }
});
