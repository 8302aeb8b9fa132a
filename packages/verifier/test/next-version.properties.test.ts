/**
 * Property tests of `deriveNextDraft`, the one way every tool makes a creator's next version, judged
 * by the real verifier on signed manifests (not by re-reading the draft): for random heads (inline
 * works and catalog pages, broad and narrow statements, conditions, `until`, `validUntil`) and a
 * random change, the next version
 * - never decides `allow`, or a conditional other than the one asked for or the one it had, where the
 *   change restricts (`deny`, `conditional`);
 * - keeps every narrower refusal or condition under a broader grant;
 * - never changes the decision for a work or a use the change did not name;
 * and applying changes together equals applying them one version at a time.
 */
import {
  type CompleteDraft,
  type ConsentChange,
  childrenOf,
  deriveNextDraft,
  generateIdentity,
  type Identity,
  type SignedManifest,
  type Statement,
  signManifest,
  snapshotOf,
  USE_TERMS,
  type UseTerm,
} from '@assent/manifest';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fuzzParams, fuzzTimeout } from '../../../test/support/fuzz.js';
import { type CheckResult, createVerifier, memorySource } from '../src/index.js';

const RUNS = fuzzParams(500);
const TIMEOUT = fuzzTimeout(300_000);
const CREATED = '2026-01-01T00:00:00Z';
/** The time of every check: after the "past" dates below, before the "future" ones. */
const AT = '2027-01-01T00:00:00Z';
const PAST = '2026-06-01T00:00:00Z';
const FUTURE = '2030-01-01T00:00:00Z';
const ORG = 'did:web:example.ai';
/** Every id a head or a change may name. */
const POOL = Array.from({ length: 8 }, (_, i) => `isrc:QZDZ5260000${i}`);
const ORGS = [undefined, ORG] as const;

let me: Identity;
beforeAll(async () => {
  me = await generateIdentity();
});

const statementArb: fc.Arbitrary<Statement> = fc.oneof(
  fc.constant<Statement>('allow'),
  fc.constant<Statement>('deny'),
  fc.constant<Statement>({ decision: 'conditional', conditions: { attribution: 'The Flight' } }),
  fc.constant<Statement>({ decision: 'conditional', conditions: { licensees: [ORG] } }),
  fc
    .constantFrom(PAST, FUTURE)
    .map<Statement>((until) => ({ decision: 'conditional', conditions: { until } })),
);
// Biased so that broad changes (all, train-ai) often meet narrower statements (train-genai, tdm, …).
const termArb = (favoured: readonly UseTerm[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...favoured), weight: 3 },
    { arbitrary: fc.constantFrom(...USE_TERMS), weight: 2 },
  );
const policyArb = fc.dictionary(termArb(['train-genai', 'train-ai', 'ai-input']), statementArb, {
  maxKeys: 3,
});
const usesArb = fc.uniqueArray(termArb(['all', 'train-ai']), { minLength: 1, maxLength: 2 });

const headArb = fc
  .record({
    default: fc.option(policyArb, { nil: undefined }),
    works: fc.array(
      fc.record({
        count: fc.integer({ min: 1, max: 2 }),
        policy: fc.option(policyArb, { nil: undefined }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    validUntil: fc.option(fc.constantFrom(PAST, FUTURE), { nil: undefined }),
    paged: fc.boolean(),
  })
  .map(({ works, paged, ...rest }) => {
    let next = 0;
    const built = works.map((w) => {
      const ids = POOL.slice(next, next + w.count);
      next += w.count;
      return {
        ids,
        ...(w.policy === undefined || Object.keys(w.policy).length === 0 ? {} : { policy: w.policy }),
      };
    });
    const draft: CompleteDraft = {
      ...(rest.default === undefined || Object.keys(rest.default).length === 0
        ? {}
        : { default: rest.default }),
      works: built,
      ...(rest.validUntil === undefined ? {} : { validUntil: rest.validUntil }),
    };
    return { draft, paged };
  });

const idsArb = fc.uniqueArray(fc.constantFrom(...POOL), { minLength: 1, maxLength: 2 });
const scopeArb = fc.oneof(
  fc.constant(undefined),
  fc.constant('default' as const),
  idsArb as fc.Arbitrary<readonly string[]>,
);

const changeArb: fc.Arbitrary<ConsentChange> = fc.oneof(
  fc.record({ uses: fc.option(usesArb, { nil: undefined }), works: scopeArb }).map(({ uses, works }) => ({
    op: 'deny' as const,
    ...(uses === undefined ? {} : { uses }),
    ...(works === undefined ? {} : { works }),
  })),
  fc.record({ uses: usesArb, statement: statementArb, works: scopeArb }).map(({ works, ...rest }) => ({
    op: 'set' as const,
    ...rest,
    ...(works === undefined ? {} : { works }),
  })),
  fc
    .record({ uses: usesArb, works: scopeArb })
    .map(({ works, uses }) => ({ op: 'clear' as const, uses, ...(works === undefined ? {} : { works }) })),
  fc.array(fc.record({ ids: idsArb }), { minLength: 1, maxLength: 2 }).map((works) => ({
    op: 'add-works' as const,
    works,
  })),
  idsArb.map((works) => ({ op: 'remove-works' as const, works })),
  fc.option(fc.constantFrom(PAST, FUTURE), { nil: null }).map((at) => ({ op: 'valid-until' as const, at })),
);

function subtree(term: UseTerm): UseTerm[] {
  return [term, ...childrenOf(term).flatMap(subtree)];
}

type Decisions = Map<string, CheckResult>;
const key = (id: string, use: UseTerm, org: string | undefined) => `${id} ${use} ${org ?? '-'}`;

/** What the verifier decides for every pool id, use and organisation, with only these manifests. */
async function decisions(manifests: readonly SignedManifest[]): Promise<Decisions> {
  const verifier = createVerifier({ source: memorySource(manifests) });
  const out: Decisions = new Map();
  for (const use of USE_TERMS) {
    for (const org of ORGS) {
      const results = await verifier.checkMany({
        works: POOL,
        use,
        at: AT,
        ...(org === undefined ? {} : { org }),
      });
      for (const r of results) out.set(key(r.work, use, org), r);
    }
  }
  return out;
}

const sign = (draft: CompleteDraft, paged: boolean, head?: SignedManifest) =>
  signManifest(draft, {
    identity: me,
    created: CREATED,
    ...(head === undefined ? {} : { head }),
    ...(paged ? { inlineBudgetBytes: 0 } : {}),
  });

/** The ids of the works (after the change) that hold any of `named`: a change reaches whole works. */
function worksOf(draft: CompleteDraft, named: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const w of draft.works)
    if (w.ids.some((id) => named.includes(id))) for (const id of w.ids) out.add(id);
  return out;
}

/** The (id, use) pairs a change may alter; everything else must decide exactly as before. */
function touched(
  change: ConsentChange,
  before: CompleteDraft,
  after: CompleteDraft,
): (id: string, use: UseTerm) => boolean {
  switch (change.op) {
    case 'deny':
    case 'set':
    case 'clear': {
      const uses = new Set(
        (change.op === 'deny' && change.uses === undefined ? ['all' as const] : (change.uses ?? [])).flatMap(
          subtree,
        ),
      );
      const works = change.works;
      if (works === undefined || works === 'default') return (_id, use) => uses.has(use);
      const ids = worksOf(after, works);
      // An id claimed only now is decided by the manifest for every use.
      const claimed = new Set(before.works.flatMap((w) => w.ids));
      return (id, use) => ids.has(id) && (uses.has(use) || !claimed.has(id));
    }
    case 'add-works': {
      const named = change.works.flatMap((w) => w.ids);
      const ids = new Set([...worksOf(after, named), ...named]);
      return (id) => ids.has(id);
    }
    case 'remove-works': {
      const ids = new Set([...worksOf(before, change.works)]);
      return (id) => ids.has(id);
    }
    case 'valid-until':
      return () => true;
  }
}

const sameConditions = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

describe('deriveNextDraft, judged by the verifier', () => {
  it(
    'restricts where asked, keeps narrower refusals under grants, and touches nothing else',
    async () => {
      await fc.assert(
        fc.asyncProperty(headArb, changeArb, async ({ draft, paged }, change) => {
          const v1 = await sign(draft, paged);
          const snapshot = snapshotOf(v1.manifest, new Map(v1.pages.map((p) => [p.cid, p.page])));
          const next = deriveNextDraft(snapshot, [change], { at: new Date(AT) });
          if (!next.ok) {
            // Only a manifest end before its start is refused here (every id in the pool is valid).
            expect(next.code).toBe('MANIFEST_SCHEMA');
            return;
          }
          const v2 = await sign(next.value, paged, v1);
          const before = await decisions([v1]);
          const after = await decisions([v1, v2]);
          const reached = touched(change, draft, next.value);
          for (const id of POOL) {
            for (const use of USE_TERMS) {
              for (const org of ORGS) {
                const b = before.get(key(id, use, org)) as CheckResult;
                const a = after.get(key(id, use, org)) as CheckResult;
                const where = `${id} ${use} ${org ?? ''}: ${JSON.stringify(change)}`;
                if (!reached(id, use)) {
                  expect(a.decision, where).toBe(b.decision);
                  expect(sameConditions(a.conditions, b.conditions), where).toBe(true);
                  continue;
                }
                if (change.op !== 'deny' && change.op !== 'set') continue;
                const statement: Statement = change.op === 'deny' ? 'deny' : change.statement;
                const decision = typeof statement === 'string' ? statement : statement.decision;
                const named = (
                  change.op === 'deny' && change.uses === undefined ? ['all' as const] : (change.uses ?? [])
                ).flatMap(subtree);
                const claimed = a.rule !== 'no-claimant';
                if (!claimed || change.works === 'default' || !named.includes(use)) continue;
                if (decision === 'deny') {
                  expect(a.decision, where).toBe('deny');
                } else if (decision === 'conditional') {
                  expect(a.decision, where).not.toBe('allow');
                  // A work claimed only now had no conditions to keep; it takes the asked ones, or a
                  // narrower term's own conditions from the default.
                  if (
                    a.decision === 'conditional' &&
                    typeof statement !== 'string' &&
                    b.rule !== 'no-claimant'
                  ) {
                    const asked = sameConditions(a.conditions, statement.conditions);
                    const kept = b.decision === 'conditional' && sameConditions(a.conditions, b.conditions);
                    expect(asked || kept, where).toBe(true);
                  }
                }
              }
            }
          }
          // A grant leaves every narrower term's own refusal and condition as it was.
          if (change.op === 'set' && change.statement === 'allow') {
            for (const id of POOL) {
              for (const use of change.uses) {
                for (const narrower of subtree(use).slice(1)) {
                  if (change.uses.includes(narrower)) continue;
                  for (const org of ORGS) {
                    const b = before.get(key(id, narrower, org)) as CheckResult;
                    const a = after.get(key(id, narrower, org)) as CheckResult;
                    // What a narrower term decided by its own statement (not one it inherited from
                    // the term granted now, or a broader one) stays.
                    const own =
                      b.term !== null &&
                      subtree(use).slice(1).includes(b.term) &&
                      !change.uses.includes(b.term);
                    if (own && (b.decision === 'deny' || b.decision === 'conditional')) {
                      expect(a.decision, `${id} ${narrower}: ${JSON.stringify(change)}`).toBe(b.decision);
                    }
                  }
                }
              }
            }
          }
          // Ids no longer claimed are decided by nobody.
          if (change.op === 'remove-works') {
            for (const id of change.works)
              expect(after.get(key(id, 'all', undefined))?.rule).toBe('no-claimant');
          }
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );

  it('applying changes together equals applying them one version at a time', () => {
    fc.assert(
      fc.property(headArb, fc.array(changeArb, { minLength: 2, maxLength: 4 }), ({ draft }, changes) => {
        const at = { at: new Date(AT) };
        const together = deriveNextDraft(draft, changes, at);
        let step: CompleteDraft | undefined = draft;
        for (const change of changes) {
          if (step === undefined) break;
          const next = deriveNextDraft(step, [change], at);
          step = next.ok ? next.value : undefined;
        }
        if (!together.ok) {
          expect(together.code).toBe('MANIFEST_SCHEMA');
          return;
        }
        if (step !== undefined) expect(together.value).toEqual(step);
      }),
      fuzzParams(1000),
    );
  });
});
