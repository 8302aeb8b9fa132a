import {
  blockCid,
  canonicalBytes,
  generateIdentity,
  type Identity,
  isAssentError,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawPage, signRaw } from '../../../test/support/raw-manifest.js';
import {
  type CandidateSet,
  createVerifier,
  type ManifestSource,
  memorySource,
  memoryState,
} from '../src/index.js';

/** These tests are about sources, caching and rollback, not identity: grants count unbound (decisions.md §7 item 5). */
const UNBOUND = { requireBinding: false } as const;

const X = 'isrc:USRC17607839';
const Y = 'isrc:GBAYE0601498';
const isrc = (i: number) => `isrc:QZ${String(i % 1000).padStart(3, '0')}26${String(i).padStart(5, '0')}`;

let a: Identity;
let v1: SignedManifest;
let v2: SignedManifest;
let big: SignedManifest;

beforeAll(async () => {
  a = await generateIdentity();
  v1 = await signManifest({ works: [{ ids: [X], policy: { all: 'allow' } }] }, { identity: a });
  v2 = await signManifest({ works: [{ ids: [X], policy: { all: 'deny' } }] }, { identity: a, head: v1 });
  const b = await generateIdentity();
  big = await signManifest(
    { works: Array.from({ length: 40 }, (_, i) => ({ ids: [isrc(i)], policy: { tdm: 'deny' as const } })) },
    { identity: b, inlineBudgetBytes: 0 },
  );
});

function fixed(answer: CandidateSet): ManifestSource {
  return { candidates: async () => answer };
}

describe('createVerifier', () => {
  it('answers one result per work, in input order, across batches', async () => {
    let calls = 0;
    const inner = memorySource([big]);
    const source: ManifestSource = {
      candidates: (works, o) => {
        calls++;
        return inner.candidates(works, o);
      },
    };
    const verifier = createVerifier({ identity: UNBOUND, source, batchSize: 7 });
    const works = Array.from({ length: 40 }, (_, i) => isrc(39 - i));
    const results = await verifier.checkMany({ works, use: 'tdm' });
    expect(results.map((r) => r.work)).toEqual(works);
    expect(results.every((r) => r.decision === 'deny' && r.evidence[0]?.page !== undefined)).toBe(true);
    expect(calls).toBe(6);
    async function* lazily() {
      for (const w of works) yield w;
    }
    let n = 0;
    for await (const r of verifier.checkStream({ works: lazily(), use: 'train-ai' })) {
      expect(r.decision).toBe('unknown');
      n++;
    }
    expect(n).toBe(40);
  });

  it('splits a batch of deep URL ids by the size of their lookup keys, not only by count', async () => {
    const asked: number[] = [];
    const source: ManifestSource = {
      candidates: async (ids) => {
        asked.push(ids.reduce((n, id) => n + id.length, 0));
        return { manifests: [] };
      },
    };
    const verifier = createVerifier({ identity: UNBOUND, source, batchSize: 10_000 });
    // 2,000 URL ids ~2 KB long, 16 directories deep: each looks up itself and 17 url-prefix keys.
    const deep = (i: number) => `url:https://a.example/${i}/${'d/'.repeat(15)}${'x'.repeat(1950)}`;
    const works = Array.from({ length: 2000 }, (_, i) => deep(i));
    const results = await verifier.checkMany({ works, use: 'tdm' });
    expect(results.map((r) => r.work)).toEqual(works);
    expect(results.every((r) => r.decision === 'unknown' && r.rule === 'no-claimant')).toBe(true);
    // One batch of 2,000 would ask for ~70 MB of keys; split, no batch asks for much more than 8 MiB.
    expect(asked.length).toBeGreaterThan(1);
    for (const chars of asked) expect(chars).toBeLessThan(12 * 1024 * 1024);
    // Short ids still go in one batch.
    asked.length = 0;
    await verifier.checkMany({ works: Array.from({ length: 2000 }, (_, i) => isrc(i)), use: 'tdm' });
    expect(asked).toHaveLength(1);
  });

  it('verifies every manifest itself: a bad signature or non-canonical bytes are rejected with a warning', async () => {
    const doc = JSON.parse(new TextDecoder().decode(v2.bytes)) as {
      credentialSubject: { works: { policy: unknown }[] };
    };
    (doc.credentialSubject.works[0] as { policy: unknown }).policy = { all: 'allow' };
    const tampered = canonicalBytes(doc as never);
    const spaced = new TextEncoder().encode(
      JSON.stringify(JSON.parse(new TextDecoder().decode(v2.bytes)), null, 1),
    );
    for (const bytes of [tampered, spaced]) {
      const result = await createVerifier({
        identity: UNBOUND,
        source: fixed({ manifests: [{ bytes }] }),
      }).check({
        work: X,
        use: 'tdm',
      });
      expect(result.decision).toBe('unknown');
      expect(result.warnings.map((w) => w.code)).toEqual(['MANIFEST_REJECTED']);
    }
  });

  it('does not trust a source-given CID for bytes that differ', async () => {
    const verifier = createVerifier({
      identity: UNBOUND,
      source: fixed({ manifests: [{ bytes: v1.bytes, cid: v1.cid }] }),
    });
    expect((await verifier.check({ work: X, use: 'tdm' })).decision).toBe('allow');
    const liar = createVerifier({
      identity: UNBOUND,
      source: fixed({ manifests: [{ bytes: v2.bytes, cid: v1.cid }] }),
    });
    const r = await liar.check({ work: X, use: 'tdm' });
    expect(r.decision).toBe('deny');
    expect(r.evidence[0]?.cid).toBe(v2.cid);
  });

  it('rejects catalog pages the manifest does not bind or whose bytes differ', async () => {
    const page = big.pages[0] as SignedManifest['pages'][number];
    const wrong = new Map([[page.cid, v1.bytes]]);
    const unlisted = new Map([[v1.cid, page.bytes]]);
    for (const pages of [wrong, unlisted]) {
      const verifier = createVerifier({
        identity: UNBOUND,
        source: fixed({ manifests: [{ bytes: big.bytes, pages }] }),
      });
      const r = await verifier.check({ work: isrc(3), use: 'tdm' });
      expect(r.decision).toBe('unknown');
      expect(r.warnings.map((w) => w.code)).toEqual(['CATALOG_PAGE_REJECTED']);
    }
  });

  it('refuses a manifest whose pages name one work twice (spec §3.1), whichever page comes first', async () => {
    const label = await generateIdentity();
    const A = 'isrc:QZDUP2600001';
    const B = 'isrc:QZDUP2600002';
    const allowing = rawPage(label.did, [{ ids: [A], policy: { tdm: 'allow' } }]);
    const denying = rawPage(label.did, [B, { ids: [A], policy: { tdm: 'deny' } }]);
    const bytes = await signRaw(label, {
      version: 1,
      works: [],
      catalog: [blockCid(allowing), blockCid(denying)],
    });
    const cid = blockCid(bytes);
    const offering = (...pages: Uint8Array[]) => new Map(pages.map((p) => [blockCid(p), p]));
    for (const [first, second] of [
      [allowing, denying],
      [denying, allowing],
    ] as const) {
      let pages = offering(first);
      const verifier = createVerifier({
        identity: UNBOUND,
        source: { candidates: async () => ({ manifests: [{ bytes, pages }] }) },
      });
      // Until the second page comes, nothing shows the manifest is malformed: its first page decides.
      const before = await verifier.check({ work: A, use: 'tdm' });
      expect(before.decision).toBe(first === allowing ? 'allow' : 'deny');
      pages = offering(second);
      const found = await verifier.check({ work: A, use: 'tdm' });
      expect([found.decision, found.rule, found.evidence]).toEqual(['unknown', 'no-claimant', []]);
      expect(found.warnings).toEqual([
        {
          code: 'MANIFEST_REJECTED',
          cid,
          message: expect.stringMatching(/named more than once in the manifest and its pages/),
        },
      ]);
      // From then on the manifest is refused, whichever of its pages a source brings.
      for (const again of [offering(first), offering(first, second), new Map<string, Uint8Array>()]) {
        pages = again;
        const r = await verifier.check({ work: B, use: 'tdm' });
        expect([r.decision, r.warnings.map((w) => w.code)]).toEqual(['unknown', ['MANIFEST_REJECTED']]);
      }
    }
    // Both pages at once: refused at the first look.
    const both = createVerifier({
      identity: UNBOUND,
      source: fixed({ manifests: [{ bytes, pages: offering(allowing, denying) }] }),
    });
    expect((await both.check({ work: A, use: 'tdm' })).warnings.map((w) => w.code)).toEqual([
      'MANIFEST_REJECTED',
    ]);
    // A page naming a work the manifest names inline breaks the rule too.
    const inline = await signRaw(label, {
      version: 2,
      works: [{ ids: [A] }],
      catalog: [blockCid(denying)],
    });
    const mixed = createVerifier({
      identity: UNBOUND,
      source: fixed({ manifests: [{ bytes: inline, pages: offering(denying) }] }),
    });
    expect((await mixed.check({ work: B, use: 'tdm' })).warnings.map((w) => w.code)).toEqual([
      'MANIFEST_REJECTED',
    ]);
  });

  it('counts only the highest version a source offers per creator', async () => {
    const verifier = createVerifier({
      identity: UNBOUND,
      source: fixed({ manifests: [{ bytes: v2.bytes }, { bytes: v1.bytes }] }),
    });
    const r = await verifier.check({ work: X, use: 'tdm' });
    expect([r.decision, r.disputed, r.evidence.length, r.warnings.length]).toEqual(['deny', false, 1, 0]);
  });

  it('after a rollback, takes deny when the newest is only partly known (pages not seen)', async () => {
    const b = await generateIdentity();
    const p1 = await signManifest({ works: [{ ids: [Y], policy: { all: 'allow' } }] }, { identity: b });
    const p2 = await signManifest(
      {
        works: [
          { ids: [X], policy: { all: 'allow' } },
          { ids: [Y], policy: { all: 'allow' } },
        ],
      },
      { identity: b, head: p1, inlineBudgetBytes: 0 },
    );
    expect(p2.pages.length).toBe(1);
    let source: ManifestSource = fixed({ manifests: [{ bytes: p2.bytes }] }); // the page is withheld
    const verifier = createVerifier({
      identity: UNBOUND,
      source: { candidates: (w, o) => source.candidates(w, o) },
    });
    await verifier.check({ work: X, use: 'tdm' });
    source = memorySource([p1]);
    const r = await verifier.check({ work: Y, use: 'tdm' });
    expect([r.decision, r.rule]).toEqual(['deny', 'content-unavailable']);
    expect(r.warnings.map((w) => w.code)).toEqual(['ROLLBACK_DETECTED']);
  });

  it('after a rollback, takes deny when the newest was evicted from a small cache', async () => {
    let source = memorySource([v2]);
    const verifier = createVerifier({
      identity: UNBOUND,
      source: { candidates: (w, o) => source.candidates(w, o) },
      cacheBytes: 1,
    });
    expect((await verifier.check({ work: X, use: 'tdm' })).decision).toBe('deny');
    source = memorySource([v1]);
    const r = await verifier.check({ work: X, use: 'tdm' });
    expect([r.decision, r.rule, r.warnings[0]?.code]).toEqual([
      'deny',
      'content-unavailable',
      'ROLLBACK_DETECTED',
    ]);
  });

  it('shares rollback memory through the state store between verifiers', async () => {
    const state = memoryState();
    await createVerifier({ identity: UNBOUND, source: memorySource([v2]), state }).check({
      work: X,
      use: 'tdm',
    });
    const later = await createVerifier({ identity: UNBOUND, source: memorySource([v1]), state }).check({
      work: X,
      use: 'tdm',
    });
    expect([later.decision, later.warnings[0]?.code]).toEqual(['deny', 'ROLLBACK_DETECTED']);
  });

  it('evidence carries cid, issuer, version, term and rule; conditions only on conditional', async () => {
    const r = await createVerifier({ identity: UNBOUND, source: memorySource([v2]) }).check({
      work: X,
      use: 'train-genai',
    });
    expect(r.evidence).toEqual([
      {
        cid: v2.cid,
        issuer: a.did,
        version: 2,
        decision: 'deny',
        term: 'all',
        rule: 'work-policy-inherited',
        matched: X,
        claims: true,
      },
    ]);
    expect(r.reason).toBe('Denied: the creator denies all for this work, which covers train-genai.');
  });

  it('throws AssentError SOURCE_INVALID_RESPONSE for a source that answers nonsense', async () => {
    const bad = { candidates: async () => ({ nothing: true }) } as unknown as ManifestSource;
    await expect(
      createVerifier({ identity: UNBOUND, source: bad }).check({ work: X, use: 'tdm' }),
    ).rejects.toSatisfy((e) => isAssentError(e, 'SOURCE_INVALID_RESPONSE'));
  });

  it('treats misuse as TypeError / RangeError', async () => {
    const verifier = createVerifier({ identity: UNBOUND, source: memorySource([]) });
    await expect(verifier.check({ work: X, use: 'training' as never })).rejects.toThrow(TypeError);
    await expect(verifier.check({ work: X, use: 'tdm', org: 'not an org!' })).rejects.toThrow(TypeError);
    await expect(verifier.check({ work: X, use: 'tdm', at: 'yesterday' })).rejects.toThrow(TypeError);
    expect(() => createVerifier({ identity: UNBOUND, source: memorySource([]), maxAge: -1 })).toThrow(
      RangeError,
    );
    expect(() => createVerifier({ identity: UNBOUND } as never)).toThrow(TypeError);
    expect(() => memorySource([{ not: 'a manifest' } as never])).toThrow(TypeError);
  });

  describe('reuse of answers', () => {
    /** A source over `manifests` that counts its calls and reports `revision` (bumped by `publish`). */
    function counted(manifests: SignedManifest[], withRevision = true) {
      let inner = memorySource(manifests);
      const counter = { calls: 0, revision: 0 };
      const source: ManifestSource = {
        candidates: (works, o) => {
          counter.calls++;
          return inner.candidates(works, o);
        },
        ...(withRevision ? { revision: () => counter.revision } : {}),
      };
      const publish = (more: SignedManifest[]) => {
        inner = memorySource(more);
        counter.revision++;
      };
      return { source, counter, publish };
    }

    it('answers the same question again without the source, with a fresh `at` and shared frozen parts', async () => {
      const { source, counter } = counted([v1]);
      let clock = Date.parse('2026-06-01T00:00:00Z');
      const verifier = createVerifier({ identity: UNBOUND, source, now: () => new Date(clock) });
      // The first check verifies and records the creator: nothing is kept while anything changed.
      const first = await verifier.check({ work: X, use: 'tdm' });
      const second = await verifier.check({ work: X, use: 'tdm' });
      expect(counter.calls).toBe(2);
      clock += 1500;
      const third = await verifier.check({ work: X, use: 'tdm' });
      expect(counter.calls).toBe(2);
      expect(third).toEqual({ ...first, at: '2026-06-01T00:00:01.500Z' });
      expect(second.at).toBe('2026-06-01T00:00:00.000Z');
      expect(third).not.toBe(second);
      expect(Object.isFrozen(third.evidence) && third.evidence === second.evidence).toBe(true);
      // Another use, organisation or spelling of the work is another question.
      await verifier.check({ work: X, use: 'train-genai' });
      await verifier.check({ work: X, use: 'tdm', org: 'example.ai' });
      await verifier.check({ work: 'isrc:US-RC1-76-07839', use: 'tdm' });
      expect(counter.calls).toBe(5);
    });

    it('asks again once the source changed, and sees the new version', async () => {
      const { source, counter, publish } = counted([v1]);
      const verifier = createVerifier({ identity: UNBOUND, source });
      for (let i = 0; i < 3; i++)
        expect((await verifier.check({ work: X, use: 'tdm' })).decision).toBe('allow');
      expect(counter.calls).toBe(2);
      publish([v1, v2]);
      expect((await verifier.check({ work: X, use: 'tdm' })).decision).toBe('deny');
      expect(counter.calls).toBe(3);
    });

    it('never reuses without revisions, for an explicit `at`, or with reuse: 0', async () => {
      const plain = counted([v1], false);
      const a1 = createVerifier({ identity: UNBOUND, source: plain.source });
      for (let i = 0; i < 3; i++) await a1.check({ work: X, use: 'tdm' });
      expect(plain.counter.calls).toBe(3);
      // A state store without revision() may be shared with verifiers that change it unseen.
      const shared = counted([v1]);
      const { load, save } = memoryState();
      const a2 = createVerifier({ identity: UNBOUND, source: shared.source, state: { load, save } });
      for (let i = 0; i < 3; i++) await a2.check({ work: X, use: 'tdm' });
      expect(shared.counter.calls).toBe(3);
      const timed = counted([v1]);
      const a3 = createVerifier({ identity: UNBOUND, source: timed.source });
      for (let i = 0; i < 3; i++) await a3.check({ work: X, use: 'tdm', at: '2026-06-01T00:00:00Z' });
      expect(timed.counter.calls).toBe(3);
      const off = counted([v1]);
      const a4 = createVerifier({ identity: UNBOUND, source: off.source, reuse: 0 });
      for (let i = 0; i < 3; i++) await a4.check({ work: X, use: 'tdm' });
      expect(off.counter.calls).toBe(3);
      expect(() => createVerifier({ identity: UNBOUND, source: off.source, reuse: -1 })).toThrow(RangeError);
    });

    it('asks again when another verifier records a newer version in a shared state store', async () => {
      const state = memoryState();
      const old = counted([v1]);
      const stale = createVerifier({ identity: UNBOUND, source: old.source, state });
      for (let i = 0; i < 3; i++) expect((await stale.check({ work: X, use: 'tdm' })).decision).toBe('allow');
      expect(old.counter.calls).toBe(2);
      await createVerifier({ identity: UNBOUND, source: memorySource([v2]), state }).check({
        work: X,
        use: 'tdm',
      });
      const after = await stale.check({ work: X, use: 'tdm' });
      expect([after.decision, after.warnings[0]?.code]).toEqual(['deny', 'ROLLBACK_DETECTED']);
    });

    it('keeps at most `reuse` answers, the oldest going first', async () => {
      const { source, counter } = counted([big]);
      const verifier = createVerifier({ identity: UNBOUND, source, reuse: 2 });
      const ask = (i: number) => verifier.check({ work: isrc(i), use: 'tdm' });
      await ask(0); // verifies and records: not kept
      for (const i of [0, 1, 2]) await ask(i); // kept: 0, 1, 2 → 0 leaves
      const before = counter.calls;
      await ask(2);
      await ask(1);
      expect(counter.calls).toBe(before);
      await ask(0);
      expect(counter.calls).toBe(before + 1);
    });
  });

  it('accepts an organisation domain in any case', async () => {
    const r = await createVerifier({ identity: UNBOUND, source: memorySource([v1]) }).check({
      work: X,
      use: 'tdm',
      org: 'Example.AI',
    });
    expect(r.decision).toBe('allow');
  });

  it('matches works to manifests the same with the cache index (fast path) as by scanning (evicted)', async () => {
    const c = await generateIdentity();
    const prefixed = await signManifest(
      {
        default: { search: 'allow' },
        works: [
          { ids: ['url-prefix:https://example.com/a/'], policy: { tdm: 'allow' } },
          { ids: [isrc(3)], policy: { tdm: 'allow' } },
        ],
      },
      { identity: c },
    );
    const works = [
      X,
      isrc(3),
      isrc(5),
      isrc(70),
      'url:https://example.com/a/b',
      'url:https://example.com/b',
      'bad',
    ];
    const run = (cacheBytes?: number) =>
      createVerifier({
        identity: UNBOUND,
        source: memorySource([v2, big, prefixed]),
        ...(cacheBytes === undefined ? {} : { cacheBytes }),
      }).checkMany({ works, use: 'tdm' });
    const indexed = await run();
    const scanned = await run(1);
    const strip = (rs: readonly { at: string }[]) => rs.map(({ at: _at, ...r }) => r);
    expect(strip(indexed)).toEqual(strip(scanned));
    expect(indexed.map((r) => r.decision)).toEqual([
      'deny',
      'deny',
      'deny',
      'unknown',
      'allow',
      'unknown',
      'unknown',
    ]);
  });

  it('checks tens of thousands of works in one call', async () => {
    const verifier = createVerifier({ identity: UNBOUND, source: memorySource([big]) });
    const works = Array.from({ length: 30_000 }, (_, i) => isrc(i % 80));
    const results = await verifier.checkMany({ works, use: 'tdm' });
    expect(results.length).toBe(30_000);
    expect(results.filter((r) => r.decision === 'deny').length).toBe(15_000);
  });
});
