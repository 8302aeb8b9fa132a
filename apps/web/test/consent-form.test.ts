import {
  type CatalogPage,
  type ConsentSnapshot,
  generateIdentity,
  type Identity,
  type ManifestDraft,
  type SignedManifest,
  signManifest,
  snapshotOf,
  type UseTerm,
} from '@assent/manifest';
import { createVerifier, memorySource } from '@assent/verifier';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  changesOf,
  dateTimeOfDay,
  draftOf,
  emptyForm,
  FormError,
  formOf,
  statementOf,
} from '../src/consent-form.js';
import { workIdFromText } from '../src/work-input.js';

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

const AT = new Date('2026-12-01T00:00:00Z');
const SIGNED_AT = '2026-12-01T00:00:00Z';

let me: Identity;
beforeAll(async () => {
  me = await generateIdentity();
});

function snapshotOfSigned(signed: SignedManifest): ConsentSnapshot {
  return snapshotOf(signed.manifest, new Map<string, CatalogPage>(signed.pages.map((p) => [p.cid, p.page])));
}

async function sign(draft: ManifestDraft, head?: SignedManifest, inlineBudgetBytes?: number) {
  return signManifest(draft, {
    identity: me,
    created: SIGNED_AT,
    ...(head === undefined ? {} : { head }),
    ...(inlineBudgetBytes === undefined ? {} : { inlineBudgetBytes }),
  });
}

/** What the verifier decides for one work and use in a manifest (at AT). */
async function decide(signed: SignedManifest, work: string, use: UseTerm) {
  const verifier = createVerifier({ source: memorySource([signed]), identity: UNBOUND });
  return (await verifier.check({ work, use, at: AT })).decision;
}

describe('work ids from what people type', () => {
  it.each([
    ['US-RC1-76-07839', 'isrc:USRC17607839'],
    ['isrc:usrc17607839', 'isrc:USRC17607839'],
    ['https://SoundCloud.com/the-flight/track', 'url:https://soundcloud.com/the-flight/track'],
    ['T-034.524.680-1', 'iswc:T-034.524.680-1'],
  ])('%s → %s', (input, expected) => {
    const id = workIdFromText(input);
    expect(id.ok && id.value).toBe(expected);
  });

  it('makes a profile address a url-prefix and rejects what it cannot read', () => {
    const prefix = workIdFromText('https://soundcloud.com/the-flight/', { prefix: true });
    expect(prefix.ok && prefix.value).toBe('url-prefix:https://soundcloud.com/the-flight/');
    expect(workIdFromText('hello there').ok).toBe(false);
  });
});

describe('consent form → changes → next version', () => {
  it('builds version 1 from an empty state, and reads it back as a form that changes nothing', async () => {
    const form = emptyForm();
    form.works.push({ ids: ['isrc:USRC17607839'], title: 'Track' });
    form.uses['train-genai'].choice = 'deny';
    form.uses.search.choice = 'allow';
    Object.assign(form.uses['ai-input'], {
      choice: 'conditional',
      attribution: 'The Flight',
      licensees: 'Example.AI',
    });
    const draft = draftOf(form, undefined, AT);
    expect(draft.default).toEqual({
      'train-genai': 'deny',
      'ai-input': {
        decision: 'conditional',
        conditions: { attribution: 'The Flight', licensees: ['example.ai'] },
      },
      search: 'allow',
    });
    const v1 = await sign(draft);
    const back = formOf(snapshotOfSigned(v1));
    expect(back.uses['ai-input'].attribution).toBe('The Flight');
    expect(changesOf(snapshotOfSigned(v1), back)).toEqual([]);
  });

  it('asks for a condition when "Allow if…" has none, for at least one work, and for a future end', () => {
    const form = emptyForm();
    expect(() => draftOf(form, undefined, AT)).toThrow(FormError);
    form.works.push({ ids: ['isrc:USRC17607839'] });
    form.uses.tdm.choice = 'conditional';
    expect(() => draftOf(form, undefined, AT)).toThrow(/at least one condition/);
    form.uses.tdm.licensees = 'not a domain!';
    expect(() => draftOf(form, undefined, AT)).toThrow(/not an organisation/);
    form.uses.tdm.choice = 'allow';
    form.validUntil = '2026-11-01T00:00:00Z';
    expect(() => draftOf(form, undefined, AT)).toThrow(/has passed/);
  });

  it('an allow with an end date is a grant with `until`, and reads back as that allow', () => {
    const c = { ...emptyForm().uses.search, choice: 'allow' as const, until: dateTimeOfDay('2027-06-01') };
    expect(statementOf('search', c)).toEqual({
      decision: 'conditional',
      conditions: { until: '2027-06-01T00:00:00Z' },
    });
    const form = formOf({ works: [], default: { search: statementOf('search', c) as never } });
    expect(form.uses.search).toMatchObject({ choice: 'allow', until: '2027-06-01T00:00:00Z' });
  });

  it('denying a use for all works beats a work’s own broader grant', async () => {
    const work = 'isrc:USRC17607839';
    const v1 = await sign({
      default: { search: 'allow' },
      works: [{ ids: [work], policy: { 'train-ai': 'allow' } }],
    });
    expect(await decide(v1, work, 'train-genai')).toBe('allow');
    const form = formOf(snapshotOfSigned(v1));
    form.uses['train-genai'].choice = 'deny';
    const v2 = await sign(draftOf(form, snapshotOfSigned(v1), AT), v1);
    expect(await decide(v2, work, 'train-genai')).toBe('deny');
    expect(await decide(v2, work, 'train-ai')).toBe('allow');
    expect(await decide(v2, work, 'search')).toBe('allow');
  });

  it('republishing after one change keeps every work (catalog pages too), validUntil and until', async () => {
    const works = Array.from({ length: 3000 }, (_, i) => ({ ids: [`url:https://music.example/t/${i}`] }));
    const until = '2027-03-01T00:00:00Z';
    const v1 = await sign(
      {
        default: {
          'ai-input': { decision: 'conditional', conditions: { attribution: 'The Flight', until } },
          search: { decision: 'conditional', conditions: { until } },
          tdm: { decision: 'conditional', conditions: { 'future-condition': { x: 1 } } },
        },
        works,
        validUntil: '2027-12-01T00:00:00Z',
      },
      undefined,
      16 * 1024,
    );
    expect(v1.pages.length).toBeGreaterThan(0);
    const current = snapshotOfSigned(v1);
    const form = formOf(current);
    expect(form.works).toHaveLength(3000);
    expect(form.validUntil).toBe('2027-12-01T00:00:00Z');
    form.uses['train-genai'].choice = 'deny';
    expect(changesOf(current, form)).toEqual([{ op: 'set', uses: ['train-genai'], statement: 'deny' }]);
    const draft = draftOf(form, current, AT);
    expect(draft.works).toHaveLength(3000);
    expect(draft.validUntil).toBe('2027-12-01T00:00:00Z');
    expect(draft.default).toEqual({ ...current.default, 'train-genai': 'deny' });
    const v2 = await sign(draft, v1, 16 * 1024);
    expect(v2.pages.length).toBeGreaterThan(0);
    const last = 'url:https://music.example/t/2999';
    expect(await decide(v2, last, 'train-genai')).toBe('deny');
    expect(await decide(v2, last, 'search')).toBe('conditional');
    expect(await decide(v2, last, 'tdm')).toBe('deny'); // an unknown condition still means deny
    const verifier = createVerifier({ source: memorySource([v2]), identity: UNBOUND });
    const later = await verifier.check({ work: last, use: 'search', at: new Date('2027-04-01T00:00:00Z') });
    expect(later.decision).toBe('deny');
  });

  it('turns added and removed works, a work’s own answer and the end date into their changes', async () => {
    const v1 = await sign({ works: [{ ids: ['isrc:USRC17607839'] }, { ids: ['isrc:GBAYE2600123'] }] });
    const current = snapshotOfSigned(v1);
    const form = formOf(current);
    form.works = form.works.filter((w) => w.ids[0] !== 'isrc:GBAYE2600123');
    form.works.push({ ids: ['url:https://example.com/new'], title: 'New' });
    const first = form.works[0];
    if (first === undefined) throw new Error('no work');
    form.works[0] = { ...first, policy: { tdm: 'allow' } };
    form.validUntil = '2028-01-01T00:00:00Z';
    expect(changesOf(current, form)).toEqual([
      { op: 'remove-works', works: ['isrc:GBAYE2600123'] },
      { op: 'add-works', works: [{ ids: ['url:https://example.com/new'], title: 'New' }] },
      { op: 'set', uses: ['tdm'], statement: 'allow', works: ['isrc:USRC17607839'] },
      { op: 'valid-until', at: '2028-01-01T00:00:00Z' },
    ]);
    const draft = draftOf(form, current, AT);
    expect(draft.works).toEqual([
      { ids: ['isrc:USRC17607839'], policy: { tdm: 'allow' } },
      { ids: ['url:https://example.com/new'], title: 'New' },
    ]);
    expect(draft.validUntil).toBe('2028-01-01T00:00:00Z');
  });

  it('the answers for all works come out exactly as the form shows them, however they nest', async () => {
    const v1 = await sign({
      default: { all: 'allow', 'train-genai': 'deny' },
      works: [{ ids: ['isrc:USRC17607839'] }],
    });
    const current = snapshotOfSigned(v1);
    const form = formOf(current);
    // Deny everything but search, and let generative training follow training (unanswered).
    form.uses.all.choice = 'deny';
    form.uses.search.choice = 'allow';
    form.uses['train-ai'].choice = 'allow';
    form.uses['train-genai'].choice = 'unset';
    const draft = draftOf(form, current, AT);
    expect(draft.default).toEqual({ all: 'deny', search: 'allow', 'train-ai': 'allow' });
    const v2 = await sign(draft, v1);
    expect(await decide(v2, 'isrc:USRC17607839', 'train-genai')).toBe('allow');
    expect(await decide(v2, 'isrc:USRC17607839', 'tdm')).toBe('deny');
    // Clearing an answer removes it; a form left alone changes nothing.
    const again = formOf(snapshotOfSigned(v2));
    expect(changesOf(snapshotOfSigned(v2), again)).toEqual([]);
    again.uses.search.choice = 'unset';
    expect(changesOf(snapshotOfSigned(v2), again)).toEqual([{ op: 'clear', uses: ['search'] }]);
  });

  it('changing a broader use leaves the works’ own answers for a narrower use it did not change', async () => {
    const own = 'isrc:USRC17607839';
    const other = 'isrc:GBAYE2600123';
    const v1 = await sign({
      default: { 'train-genai': 'deny' },
      works: [{ ids: [own], policy: { 'train-genai': 'allow' } }, { ids: [other] }],
    });
    const current = snapshotOfSigned(v1);
    const form = formOf(current);
    form.uses.all.choice = 'allow';
    expect(changesOf(current, form)).toEqual([{ op: 'set', uses: ['all'], statement: 'allow' }]);
    const v2 = await sign(draftOf(form, current, AT), v1);
    expect(await decide(v2, own, 'train-genai')).toBe('allow');
    expect(await decide(v2, other, 'train-genai')).toBe('deny');
    expect(await decide(v2, other, 'tdm')).toBe('allow');
  });
});
