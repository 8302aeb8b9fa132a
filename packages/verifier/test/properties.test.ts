/**
 * Property tests of the decision engine, through the real verifier with signed manifests
 * (fast-check, 1,000 runs each): a deny never yields an allow, arrival order never matters, and a
 * rolled-back source never gets a less restrictive answer than the newest manifest seen.
 */
import {
  type Decision,
  generateIdentity,
  type Identity,
  type ManifestDraft,
  type SignedManifest,
  signManifest,
  USE_TERMS,
  type UseTerm,
} from '@assent/manifest';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fuzzParams, fuzzTimeout } from '../../../test/support/fuzz.js';
import {
  type CheckResult,
  createVerifier,
  type ManifestSource,
  memorySource,
  memoryState,
  RESTRICTIVENESS,
} from '../src/index.js';
import { lastReasonMemo, type ReasonInput, reasonFor } from '../src/reason.js';

const RUNS = fuzzParams(1000);
const TIMEOUT = fuzzTimeout(300_000);
const NOW = '2026-06-01T00:00:00Z';
const X = 'isrc:USRC17607839';
const Y = 'isrc:GBAYE0601498';
const P = 'url-prefix:https://soundcloud.com/the-flight/';
const U = 'url:https://soundcloud.com/the-flight/track';
const UNIVERSE = [X, Y, U];

type Statement = NonNullable<ManifestDraft['default']>[UseTerm];
type Policy = Partial<Record<UseTerm, Statement>>;
interface Spec {
  readonly works: readonly { id: string; policy: Policy | null }[];
  readonly default: Policy | null;
  readonly expired: boolean;
}

const statementArb: fc.Arbitrary<Statement> = fc.constantFrom<Statement>(
  'allow',
  'deny',
  { decision: 'allow' },
  { decision: 'conditional', conditions: { attribution: 'The Flight' } },
  { decision: 'conditional', conditions: { licensees: ['did:web:example.ai'] } },
  { decision: 'conditional', conditions: { until: '2026-03-01T00:00:00Z' } },
  { decision: 'conditional', conditions: { until: '2026-12-01T00:00:00Z' } },
  { decision: 'conditional', conditions: { 'x-royalty': 5 } } as Statement,
);
const policyArb: fc.Arbitrary<Policy> = fc.dictionary(fc.constantFrom(...USE_TERMS), statementArb, {
  maxKeys: 3,
}) as fc.Arbitrary<Policy>;
const specArb: fc.Arbitrary<Spec> = fc.record({
  works: fc.uniqueArray(fc.record({ id: fc.constantFrom(X, Y, P), policy: fc.option(policyArb) }), {
    selector: (w) => w.id,
    minLength: 1,
    maxLength: 3,
  }),
  default: fc.option(policyArb),
  expired: fc.boolean(),
});
const queryArb = fc.record({
  work: fc.constantFrom(...UNIVERSE),
  use: fc.constantFrom(...USE_TERMS),
  org: fc.constantFrom(undefined, 'did:web:example.ai', 'did:web:other.ai'),
});

const creators: Identity[] = [];
beforeAll(async () => {
  for (let i = 0; i < 4; i++) creators.push(await generateIdentity());
});

/** Signing is the slow part; identical inputs are signed once. */
const signed = new Map<string, Promise<SignedManifest>>();
function sign(creator: number, spec: Spec, head?: SignedManifest): Promise<SignedManifest> {
  const key = JSON.stringify([creator, spec, head?.cid]);
  let held = signed.get(key);
  if (held === undefined) {
    const draft = {
      works: spec.works.map((w) => ({ ids: [w.id], ...(w.policy === null ? {} : { policy: w.policy }) })),
      ...(spec.default === null ? {} : { default: spec.default }),
      validFrom: '2026-01-01T00:00:00Z',
      ...(spec.expired ? { validUntil: '2026-04-01T00:00:00Z' } : {}),
    } as ManifestDraft;
    held = signManifest(draft, {
      identity: creators[creator] as Identity,
      created: '2026-01-01T00:00:00Z',
      ...(head === undefined ? {} : { head }),
    });
    signed.set(key, held);
  }
  return held;
}

async function chain(creator: number, specs: readonly Spec[]): Promise<SignedManifest[]> {
  const out: SignedManifest[] = [];
  for (const spec of specs) out.push(await sign(creator, spec, out[out.length - 1]));
  return out;
}

function verifierOver(source: ManifestSource, state = memoryState(), cacheBytes?: number) {
  return createVerifier({
    source,
    state,
    now: () => new Date(NOW),
    ...(cacheBytes === undefined ? {} : { cacheBytes }),
  });
}

type Query = { work: string; use: UseTerm; org: string | undefined };
function ask(verifier: ReturnType<typeof createVerifier>, q: Query): Promise<CheckResult> {
  return verifier.check({ work: q.work, use: q.use, ...(q.org === undefined ? {} : { org: q.org }) });
}

const rank = (d: Decision) => RESTRICTIVENESS[d];

describe('decision properties', () => {
  it(
    'adding a deny anywhere never turns a decision into allow (nor makes it less restrictive)',
    async () => {
      const where = fc.record({
        claimant: fc.nat(),
        target: fc.oneof(
          fc.constant<'default' | 'new-claimant'>('default'),
          fc.constant('new-claimant'),
          fc.nat(),
        ),
        term: fc.constantFrom(...USE_TERMS),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(specArb, { minLength: 1, maxLength: 3 }),
          queryArb,
          where,
          async (specs, q, w) => {
            const before = await Promise.all(specs.map((s, i) => sign(i, s)));
            const after = [...before];
            if (w.target === 'new-claimant') {
              after.push(
                await sign(3, {
                  works: [{ id: q.work === U ? P : q.work, policy: { [w.term]: 'deny' } }],
                  default: null,
                  expired: false,
                }),
              );
            } else {
              const i = w.claimant % specs.length;
              const spec = specs[i] as Spec;
              const changed: Spec =
                w.target === 'default'
                  ? { ...spec, default: { ...(spec.default ?? {}), [w.term]: 'deny' } }
                  : {
                      ...spec,
                      works: spec.works.map((work, j) =>
                        j === (w.target as number) % spec.works.length
                          ? { ...work, policy: { ...(work.policy ?? {}), [w.term]: 'deny' } }
                          : work,
                      ),
                    };
              after[i] = await sign(i, changed);
            }
            const r0 = await ask(verifierOver(memorySource(before)), q);
            const r1 = await ask(verifierOver(memorySource(after)), q);
            if (r1.decision === 'allow') expect(r0.decision).toBe('allow');
            expect(rank(r1.decision)).toBeGreaterThanOrEqual(rank(r0.decision));
          },
        ),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    'the order in which manifests arrive never changes the decision',
    async () => {
      const worldArb = fc.array(
        fc.record({ chain: fc.array(specArb, { minLength: 1, maxLength: 3 }), fork: fc.option(specArb) }),
        { minLength: 1, maxLength: 2 },
      );
      await fc.assert(
        fc.asyncProperty(worldArb, queryArb, fc.infiniteStream(fc.nat()), async (world, q, random) => {
          const all: SignedManifest[] = [];
          for (const [i, creator] of world.entries()) {
            const versions = await chain(i, creator.chain);
            all.push(...versions);
            if (creator.fork !== null) all.push(await sign(i, creator.fork, versions[versions.length - 2]));
          }
          const shuffled = (list: readonly SignedManifest[]) => {
            const out = [...list];
            const it = random[Symbol.iterator]();
            for (let i = out.length - 1; i > 0; i--) {
              const j = (it.next().value as number) % (i + 1);
              [out[i], out[j]] = [out[j] as SignedManifest, out[i] as SignedManifest];
            }
            return out;
          };
          // One source, manifests given in two orders, candidates handed out in a shuffled order.
          const inOrder = await ask(verifierOver(memorySource(all)), q);
          const inner = memorySource(shuffled(all));
          const shuffling: ManifestSource = {
            candidates: async (works, o) => {
              const answer = await inner.candidates(works, o);
              return { manifests: [...answer.manifests].reverse() };
            },
          };
          const reordered = await ask(verifierOver(shuffling), q);
          expect(reordered).toEqual(inOrder);
          // Manifests arriving one at a time, in any order, end where a source holding them all starts.
          const sequence = shuffled(all);
          let current: ManifestSource = memorySource([]);
          const verifier = verifierOver({ candidates: (w, o) => current.candidates(w, o) });
          for (const m of sequence) {
            current = memorySource([m]);
            await verifier.checkMany({ works: UNIVERSE, use: q.use });
          }
          const last = await ask(verifier, q);
          expect([last.decision, last.disputed, last.term]).toEqual([
            inOrder.decision,
            inOrder.disputed,
            inOrder.term,
          ]);
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    'a rolled-back source never gives a less restrictive answer than the newest seen',
    async () => {
      const arb = fc.record({
        chain: fc.array(specArb, { minLength: 2, maxLength: 4 }),
        other: fc.option(specArb),
        back: fc.nat(),
        memory: fc.constantFrom('cache', 'evicted', 'state-only'),
      });
      await fc.assert(
        fc.asyncProperty(arb, queryArb, async ({ chain: specs, other, back, memory }, q) => {
          const versions = await chain(0, specs);
          const extra = other === null ? [] : [await sign(1, other)];
          const newest = versions[versions.length - 1] as SignedManifest;
          const older = versions[back % (versions.length - 1)] as SignedManifest;
          const state = memoryState();
          let current: ManifestSource = memorySource([...versions, ...extra]);
          let withHeads = true;
          const heads: ManifestSource['heads'] = (issuers, o) =>
            (current.heads as NonNullable<ManifestSource['heads']>)(issuers, o);
          // `heads` comes and goes, to run the same rollback with and without it.
          const source = {
            candidates: (w, o) => current.candidates(w, o),
            get heads() {
              return withHeads ? heads : undefined;
            },
          } as ManifestSource;
          const verifier = verifierOver(source, state, memory === 'evicted' ? 1 : undefined);
          await verifier.checkMany({ works: UNIVERSE, use: q.use });
          const seen = await ask(verifier, q);
          current = memorySource([older, ...extra]);
          // Documented limit: once the newest manifest is no longer held (evicted, or only its version and
          // CID are in the state store), a source that leaves the creator out for a work entirely cannot be
          // told from one where the creator never named it. An older head that names the work is caught.
          const offersOlder = (
            await current.candidates([(q.work === U ? U : q.work) as never])
          ).manifests.some((m) => m.cid === older.cid);
          fc.pre(memory === 'cache' || offersOlder);
          const rolledBack = await ask(memory === 'state-only' ? verifierOver(source, state) : verifier, q);
          expect(rank(rolledBack.decision)).toBeGreaterThanOrEqual(rank(seen.decision));
          if (rolledBack.evidence.some((e) => e.issuer === newest.issuer)) {
            expect(rolledBack.warnings.map((w) => w.code)).toContain('ROLLBACK_DETECTED');
          }
          // Without heads(), a creator left out entirely is reported as HEAD_MISSING and still decides.
          withHeads = false;
          const withoutHeads = await ask(memory === 'state-only' ? verifierOver(source, state) : verifier, q);
          expect(rank(withoutHeads.decision)).toBeGreaterThanOrEqual(rank(seen.decision));
          const codes = withoutHeads.warnings.map((w) => w.code);
          if (withoutHeads.evidence.some((e) => e.issuer === newest.issuer)) {
            expect(codes.includes('ROLLBACK_DETECTED') || codes.includes('HEAD_MISSING'), codes.join()).toBe(
              true,
            );
          }
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    'a reused answer is the answer a fresh check gives, whatever is published and whenever asked',
    async () => {
      // Instants around every time in the generated manifests (validFrom 01-01, until 03-01 and
      // 12-01, validUntil 04-01), and the clock set back among them.
      const instants = [
        '2025-12-31T23:59:59.999Z',
        '2026-01-01T00:00:00.000Z',
        '2026-02-28T23:59:59.999Z',
        '2026-03-01T00:00:00.000Z',
        '2026-03-31T23:59:59.999Z',
        '2026-04-01T00:00:00.000Z',
        '2026-06-01T00:00:00.000Z',
        '2026-12-01T00:00:00.000Z',
      ].map((t) => Date.parse(t));
      const stepArb = fc.oneof(
        // Few questions, so that the same one comes back after a publish or a change of the clock.
        fc.record({
          kind: fc.constant<'ask'>('ask'),
          q: fc.record({
            work: fc.constantFrom(X, U),
            use: fc.constantFrom<UseTerm>('train-genai', 'all'),
            org: fc.constantFrom(undefined, 'did:web:example.ai'),
          }),
        }),
        fc.record({ kind: fc.constant<'clock'>('clock'), at: fc.constantFrom(...instants) }),
        fc.record({ kind: fc.constant<'publish'>('publish'), creator: fc.nat(1) }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(specArb, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 2 }),
          fc.array(stepArb, { minLength: 1, maxLength: 24 }),
          async (specs, steps) => {
            const chains = await Promise.all(specs.map((list, creator) => chain(creator, list)));
            // A source whose manifests change as creators publish, and which says so by its revision.
            const published = chains.map((c) => [c[0] as SignedManifest]);
            let current = memorySource(published.flat());
            let revision = 0;
            const source: ManifestSource = {
              candidates: (works, o) => current.candidates(works, o),
              heads: (issuers, o) => (current.heads as NonNullable<ManifestSource['heads']>)(issuers, o),
              revision: () => revision,
            };
            let clock = instants[6] as number;
            const now = () => new Date(clock);
            const reusing = createVerifier({ source, now });
            const fresh = createVerifier({ source, now, reuse: 0 });
            for (const step of steps) {
              if (step.kind === 'clock') clock = step.at;
              else if (step.kind === 'publish') {
                const list = published[step.creator] as SignedManifest[];
                const next = chains[step.creator]?.[list.length];
                if (next === undefined) continue;
                list.push(next);
                current = memorySource(published.flat());
                revision++;
              } else {
                // Asked twice, so the second answer may be the kept one.
                for (let i = 0; i < 2; i++)
                  expect(await ask(reusing, step.q)).toEqual(await ask(fresh, step.q));
              }
            }
          },
        ),
        RUNS,
      );
    },
    TIMEOUT,
  );
});

describe('lastReasonMemo', () => {
  const decision = fc.constantFrom<Decision>('allow', 'deny', 'conditional', 'unknown');
  const term = fc.constantFrom<UseTerm | null>(null, ...USE_TERMS);
  const rule = fc.constantFrom(
    'work-policy',
    'default-inherited',
    'no-statement',
    'licensee',
    'not-named',
    'no-claimant',
    'invalid-work-id',
    'stale',
  );
  const input: fc.Arbitrary<ReasonInput> = fc.record({
    work: fc.constantFrom('isrc:USRC17607839', 'isrc:bad', 'url:https://a.example/x'),
    use: fc.constantFrom<UseTerm>(...USE_TERMS),
    org: fc.constantFrom(undefined, 'openai.com', 'did:web:example.com'),
    decision,
    deciding: fc.option(
      fc.record({
        cid: fc.constant('bafy'),
        issuer: fc.constant('did:key:z6Mk'),
        version: fc.constant(1),
        decision,
        term,
        rule,
        matched: fc.constant(null),
        claims: fc.boolean(),
      }),
      { nil: undefined },
    ),
    rule,
    claimants: fc.nat(3),
    rollback: fc.boolean(),
    missing: fc.boolean(),
    forked: fc.boolean(),
    stale: fc.boolean(),
    invalidCode: fc.constantFrom(undefined, 'WORK_ID_ISRC_MALFORMED', 'WORK_ID_UNKNOWN_KIND'),
  }) as fc.Arbitrary<ReasonInput>;

  it('answers what reasonFor answers, whatever came before', () => {
    fc.assert(
      fc.property(
        // Runs of repeated inputs, as a batch has them, between changes of any one field.
        fc.array(fc.tuple(input, fc.nat(3)), { minLength: 1, maxLength: 20 }),
        (runs) => {
          const memo = lastReasonMemo();
          for (const [r, repeats] of runs)
            for (let k = 0; k <= repeats; k++) expect(memo(k === 0 ? r : { ...r })).toBe(reasonFor(r));
        },
      ),
      RUNS,
    );
  });
});
