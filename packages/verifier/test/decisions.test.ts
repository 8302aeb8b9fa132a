/**
 * The table of cases in docs/decisions.md, row by row, through `memorySource` and through
 * `gatewaySource` against a real HTTP server that serves the same manifests (and lies in its verdicts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckResult,
  createVerifier,
  gatewaySource,
  type ManifestSource,
  memorySource,
  memoryState,
} from '../src/index.js';
import {
  Creators,
  type DecisionCase,
  idsNamed,
  NOW,
  readDecisionTable,
  resultSummary,
  type SignedCase,
  signCase,
} from './support/decision-table.js';
import { startGateway } from './support/gateway-server.js';

const cases = readDecisionTable();
const creators = new Creators();
const signedCases = new Map<string, SignedCase>();
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  gateway = await startGateway();
  for (const c of cases) signedCases.set(c.id, await signCase(c, creators));
}, 120_000);

afterAll(async () => {
  await gateway?.close();
});

type Path = 'memory' | 'gateway';

async function run(c: DecisionCase, path: Path): Promise<CheckResult> {
  const signed = signedCases.get(c.id) as SignedCase;
  let active: ManifestSource = memorySource([]);
  const source: ManifestSource = { candidates: (works, options) => active.candidates(works, options) };
  const state = memoryState();
  const verifier = createVerifier({
    source,
    state,
    now: () => new Date(NOW),
    ...(c.maxAge === undefined ? {} : { maxAge: c.maxAge }),
    // §6 is decided without identity bindings (docs/decisions.md §7 item 5); §8 is bindings.test.ts.
    identity: { requireBinding: false },
  });
  const sourceOf = (name: string, manifests: typeof signed.manifests, asOf?: string) =>
    path === 'memory'
      ? memorySource(manifests, asOf === undefined ? {} : { asOf })
      : gatewaySource(
          gateway.mount(`${c.id}-${name}`, asOf === undefined ? { manifests } : { manifests, asOf }),
        );
  if (signed.earlier.length > 0) {
    active = sourceOf('earlier', signed.earlier);
    await verifier.checkMany({ works: [...idsNamed(signed.earlier), c.work], use: c.use });
  }
  if (signed.forgotten.length > 0) {
    await state.save(
      new Map(signed.forgotten.map((m) => [m.issuer, { version: m.version, cids: [m.cid], seenAt: NOW }])),
    );
  }
  active = sourceOf('now', signed.manifests, c.asOf);
  return verifier.check({
    work: c.work,
    use: c.use,
    ...(c.org === undefined ? {} : { org: c.org }),
    ...(c.at === undefined ? {} : { at: c.at }),
  });
}

describe('docs/decisions.md', () => {
  it('has cases, with unique ids', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  for (const path of ['memory', 'gateway'] as const) {
    describe(`through ${path}Source`, () => {
      for (const c of cases) {
        it(`${c.id}: ${c.manifests.map((m) => m.text).join(' ; ')} → ${c.expected.decision}`, async () => {
          const result = await run(c, path);
          expect(resultSummary(result), result.reason).toEqual({
            ...c.expected,
            warnings: [...c.expected.warnings].sort(),
          });
          expect(result.reason).toMatch(/^[A-Z][^\n]*\.$/);
          if (result.decision === 'conditional') expect(result.conditions).toBeDefined();
          else expect(result.conditions).toBeUndefined();
        });
      }
    });
  }
});
