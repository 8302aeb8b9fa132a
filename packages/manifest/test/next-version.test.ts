import { describe, expect, it } from 'vitest';
import {
  AssentError,
  type ConsentSnapshot,
  deriveNextDraft,
  generateIdentity,
  signManifest,
  snapshotOf,
} from '../src/index.js';

/**
 * Examples of deriveNextDraft, one per rule of spec §6; the property test in
 * packages/verifier/test/next-version.properties.test.ts judges it with the verifier on random heads.
 */
const X = 'isrc:USRC17607839';
const Y = 'isrc:GBAYE0601498';
const AT = { at: new Date('2027-01-01T00:00:00Z') };

function derive(head: ConsentSnapshot, ...changes: Parameters<typeof deriveNextDraft>[1]) {
  const next = deriveNextDraft(head, changes, AT);
  if (!next.ok) throw new Error(`${next.code}: ${next.message}`);
  return next.value;
}

describe('deriveNextDraft', () => {
  it('writes a denial into a work whose own broader grant would otherwise beat the default', () => {
    const head = {
      default: { search: 'allow' as const },
      works: [{ ids: [X], policy: { 'train-ai': 'allow' as const } }],
    };
    expect(derive(head, { op: 'deny', uses: ['train-genai'] })).toEqual({
      default: { search: 'allow', 'train-genai': 'deny' },
      works: [{ ids: [X], policy: { 'train-ai': 'allow', 'train-genai': 'deny' } }],
    });
  });

  it("leaves a work's own statements alone when only the default is named", () => {
    const head = { works: [{ ids: [X], policy: { all: 'allow' as const } }] };
    expect(derive(head, { op: 'deny', works: 'default' })).toEqual({
      default: { all: 'deny' },
      works: [{ ids: [X], policy: { all: 'allow' } }],
    });
  });

  it('keeps a narrower refusal from the default when a work is granted a broader use', () => {
    const head = { default: { 'train-genai': 'deny' as const }, works: [{ ids: [X] }] };
    expect(derive(head, { op: 'set', uses: ['train-ai'], statement: 'allow', works: [X] }).works).toEqual([
      { ids: [X], policy: { 'train-ai': 'allow', 'train-genai': 'deny' } },
    ]);
  });

  it('turns a narrower allow into the conditional that restricts the broader use', () => {
    const credit = { decision: 'conditional' as const, conditions: { attribution: 'The Flight' } };
    const head = { works: [{ ids: [X], policy: { 'train-genai': 'allow' as const } }] };
    expect(derive(head, { op: 'set', uses: ['train-ai'], statement: credit, works: [X] }).works).toEqual([
      { ids: [X], policy: { 'train-ai': credit, 'train-genai': credit } },
    ]);
  });

  it('a narrower own allow takes the new conditional even where a pinned term sits between', () => {
    // Found by the property test: train-ai's own licensee grant is kept in the work, and train-genai,
    // allowed in the default, must then take the conditional asked for, not inherit the licensees.
    const credit = { decision: 'conditional' as const, conditions: { attribution: 'The Flight' } };
    const licensed = { decision: 'conditional' as const, conditions: { licensees: ['example.ai'] } };
    const head = {
      default: { 'train-genai': 'allow' as const, 'train-ai': licensed },
      works: [{ ids: [X], policy: { tdm: 'allow' as const } }],
    };
    expect(derive(head, { op: 'set', uses: ['all'], statement: credit })).toEqual({
      default: { all: credit, 'train-ai': licensed, 'train-genai': credit },
      works: [
        { ids: [X], policy: { all: credit, tdm: credit, 'train-ai': licensed, 'train-genai': credit } },
      ],
    });
  });

  it('keeps validUntil, until and a future validFrom; drops a past validFrom', () => {
    const until = { decision: 'conditional' as const, conditions: { until: '2028-01-01T00:00:00Z' } };
    const head = {
      works: [{ ids: [X], policy: { search: until } }],
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2029-01-01T00:00:00Z',
    };
    expect(derive(head, { op: 'deny', uses: ['ai-input'] })).toEqual({
      default: { 'ai-input': 'deny' },
      works: [{ ids: [X], policy: { search: until } }],
      validUntil: '2029-01-01T00:00:00Z',
    });
    const future = { ...head, validFrom: '2028-01-01T00:00:00Z' };
    expect(derive(future, { op: 'valid-until', at: null })).toEqual({
      works: head.works,
      validFrom: '2028-01-01T00:00:00Z',
    });
  });

  it('turns an end that has passed into a passed until on every grant, so the next version can be signed', async () => {
    const ended = '2026-06-01T00:00:00Z';
    const head = {
      default: { search: 'allow' as const, 'train-genai': 'deny' as const },
      works: [
        {
          ids: [X],
          policy: {
            'ai-input': {
              decision: 'conditional' as const,
              conditions: { attribution: 'A', until: '2026-03-01T00:00:00Z' },
            },
            tdm: { decision: 'conditional' as const, conditions: { licensees: ['example.ai'] } },
          },
        },
      ],
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: ended,
    };
    const next = derive(head, { op: 'deny', uses: ['train-ai'] });
    expect(next).toEqual({
      default: {
        search: { decision: 'conditional', conditions: { until: ended } },
        'train-genai': 'deny',
        'train-ai': 'deny',
      },
      works: [
        {
          ids: [X],
          policy: {
            'ai-input': {
              decision: 'conditional',
              conditions: { attribution: 'A', until: '2026-03-01T00:00:00Z' },
            },
            tdm: { decision: 'conditional', conditions: { licensees: ['example.ai'], until: ended } },
          },
        },
      ],
    });
    const me = await generateIdentity();
    await expect(signManifest(next, { identity: me })).resolves.toMatchObject({ version: 1 });
  });

  it('adds ids to the work that already holds one of them, and drops a work left with none', () => {
    const head = { works: [{ ids: [X], title: 'Track' }, { ids: [Y] }] };
    expect(
      derive(
        head,
        {
          op: 'add-works',
          works: [{ ids: [X, 'url:https://example.com/track'] }, { ids: ['isrc:us-rc1-76-07840'] }],
        },
        { op: 'remove-works', works: [Y] },
      ).works,
    ).toEqual([
      { ids: [X, 'url:https://example.com/track'], title: 'Track' },
      { ids: ['isrc:USRC17607840'] },
    ]);
  });

  it('refuses ids that belong to two works, malformed ids and an end before the start', () => {
    const head = { works: [{ ids: [X] }, { ids: [Y] }] };
    expect(deriveNextDraft(head, [{ op: 'add-works', works: [{ ids: [X, Y] }] }], AT)).toMatchObject({
      ok: false,
      code: 'MANIFEST_SCHEMA',
      path: '/changes/0/works/0',
    });
    expect(deriveNextDraft(head, [{ op: 'deny', works: ['isrc:123'] }], AT)).toMatchObject({
      ok: false,
      code: 'WORK_ID_ISRC_MALFORMED',
      path: '/changes/0/works/0',
    });
    const started = { ...head, validFrom: '2028-01-01T00:00:00Z' };
    expect(deriveNextDraft(started, [{ op: 'valid-until', at: '2027-06-01T00:00:00Z' }], AT)).toMatchObject({
      ok: false,
      code: 'MANIFEST_SCHEMA',
    });
  });

  it('reads every work of a paged manifest, and names a missing page', async () => {
    const me = await generateIdentity();
    const works = Array.from({ length: 50 }, (_, i) => ({ ids: [`url:https://label.example/${i}`] }));
    const signed = await signManifest(
      { works, validUntil: '2030-01-01T00:00:00Z' },
      { identity: me, inlineBudgetBytes: 500 },
    );
    expect(signed.pages.length).toBeGreaterThan(0);
    const snapshot = snapshotOf(signed.manifest, new Map(signed.pages.map((p) => [p.cid, p.page])));
    expect(snapshot.works.map((w) => w.ids[0])).toEqual(works.map((w) => w.ids[0]));
    expect(snapshot.validUntil).toBe('2030-01-01T00:00:00Z');
    expect(() => snapshotOf(signed.manifest)).toThrow(AssentError);
    expect(() => snapshotOf(signed.manifest)).toThrow(/catalog page/);
  });
});
