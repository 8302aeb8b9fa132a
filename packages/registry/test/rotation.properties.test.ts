/**
 * Property test of key rotation through a real node (docs/spec/manifest.md §5, §5.5; decisions §2):
 * random sequences of ordinary versions and rotations, each by a random key on a random earlier
 * version (so forks, keys nobody committed to and versions by a replaced key all occur), are
 * ingested into a registry node; a verifier over `registrySource` then checks the work. The node's
 * acceptance, the heads and the decision must equal a small reference model written from the spec:
 * it tracks commitments as key numbers, not hashes, and never calls `checkChain`.
 * The model has no clock: every check is at a time of use past every version's 72-hour waiting
 * window (packages/registry/test/pending-window.test.ts and the verifier's test weigh the window).
 * One node serves every run; each run has its own keys and work, so runs do not meet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateIdentity,
  type Identity,
  nextKeyHashOfDid,
  PENDING_WINDOW_MS,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import { createVerifier } from '@assent/verifier';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzParams, fuzzTimeout } from '../../../test/support/fuzz.js';
import { createRegistry, type Registry, registrySource } from '../src/index.js';

/** Each run signs and ingests up to 7 manifests into a real node (about 20 ms a run here). */
const RUNS = fuzzParams(1000);
const TIMEOUT = fuzzTimeout(600_000);
const KEYS = 4;
/** A time of use after every waiting window of versions logged now (spec §5.5). */
const PAST_EVERY_WINDOW = () => new Date(Date.now() + PENDING_WINDOW_MS + 60_000).toISOString();
const USE = 'train-genai';

type Decision = 'allow' | 'deny';
type Op =
  | { readonly kind: 'update'; readonly on: number; readonly by: number; readonly decision: Decision }
  | {
      readonly kind: 'rotate';
      readonly on: number;
      readonly by: number;
      readonly commit: number;
      readonly decision: Decision;
    };

/** The model's view of one signed version: its key, the creator it names, what it commits to. */
interface Modeled {
  readonly signed: SignedManifest;
  readonly key: number;
  /** Key number of the creator it names (`creator ?? issuer`). */
  readonly creator: number;
  /** Key numbers whose hashes its keyState lists. */
  readonly commits: ReadonlySet<number>;
  readonly rotation: boolean;
  readonly previous: Modeled | undefined;
  readonly version: number;
  readonly decision: Decision;
}

/** Spec §5.2 and §5.5, by key numbers: does `m` follow its predecessor? */
function followsRules(m: Modeled, accepted: ReadonlySet<Modeled>): boolean {
  const p = m.previous;
  if (p === undefined) return m.key === m.creator;
  if (!accepted.has(p)) return false;
  if (m.creator !== p.creator) return false;
  if (m.rotation) return p.commits.has(m.key) && m.commits.size > 0;
  return m.key === p.key && sameSet(m.commits, p.commits);
}

function sameSet(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Spec §5.3 and decisions §2: the tips at the highest version; the most restrictive decides. */
function modelAnswer(accepted: ReadonlySet<Modeled>): { heads: Set<string>; decision: Decision } {
  const named = new Set([...accepted].map((m) => m.previous).filter((p) => p !== undefined));
  const tips = [...accepted].filter((m) => !named.has(m));
  const top = Math.max(...tips.map((m) => m.version));
  const heads = tips.filter((m) => m.version === top);
  return {
    heads: new Set(heads.map((m) => m.signed.cid)),
    decision: heads.some((m) => m.decision === 'deny') ? 'deny' : 'allow',
  };
}

const decision = fc.constantFrom<Decision>('allow', 'deny');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('update' as const),
    on: fc.nat(),
    by: fc.nat({ max: KEYS - 1 }),
    decision,
  }),
  fc.record({
    kind: fc.constant('rotate' as const),
    on: fc.nat(),
    by: fc.nat({ max: KEYS - 1 }),
    commit: fc.nat({ max: KEYS - 1 }),
    decision,
  }),
);

let dir: string;
let registry: Registry;
let run = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-rotation-properties-'));
  registry = await createRegistry({ dataDir: dir, network: false, links: false });
});

afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('rotation through a node, against the reference model', () => {
  it(
    'the node accepts exactly what the model does, and the verifier’s heads and decision are the model’s',
    async () => {
      await fc.assert(
        fc.asyncProperty(decision, fc.array(op, { minLength: 1, maxLength: 6 }), async (first, ops) => {
          run++;
          const work = `isrc:QZRT${String(run % 10).padStart(1, '0')}${String(run).padStart(7, '0')}`;
          const keys: Identity[] = await Promise.all(Array.from({ length: KEYS }, () => generateIdentity()));
          const hash = (k: number) => nextKeyHashOfDid((keys[k] as Identity).did);
          const draft = (d: Decision) => ({ works: [{ ids: [work], policy: { [USE]: d } }] });
          // Version 1 by key 0, the creator, committing to key 1.
          const v1: Modeled = {
            signed: await signManifest(draft(first), {
              identity: keys[0] as Identity,
              nextKeyHashes: [hash(1)],
            }),
            key: 0,
            creator: 0,
            commits: new Set([1]),
            rotation: false,
            previous: undefined,
            version: 1,
            decision: first,
          };
          const all: Modeled[] = [v1];
          const accepted = new Set<Modeled>();
          const ingest = async (m: Modeled) => {
            const result = await registry.ingest(m.signed.bytes);
            const expected = followsRules(m, accepted);
            expect(result.ok, `ingest of a ${m.rotation ? 'rotation' : 'version'} by key ${m.key}`).toBe(
              expected,
            );
            if (expected) accepted.add(m);
          };
          await ingest(v1);
          for (const o of ops) {
            const head = all[o.on % all.length] as Modeled;
            const identity = keys[o.by] as Identity;
            if (o.kind === 'rotate' && o.by === head.key) {
              // A rotation from a key to itself is no rotation: signManifest cannot write one (spec §5.5).
              await expect(
                signManifest(draft(o.decision), {
                  identity,
                  head: head.signed,
                  rotation: true,
                  nextKeyHashes: [hash(o.commit)],
                }),
              ).rejects.toMatchObject({ code: 'MANIFEST_SCHEMA' });
              continue;
            }
            const signed =
              o.kind === 'update'
                ? await signManifest(draft(o.decision), { identity, head: head.signed })
                : await signManifest(draft(o.decision), {
                    identity,
                    head: head.signed,
                    rotation: true,
                    nextKeyHashes: [hash(o.commit)],
                  });
            const m: Modeled = {
              signed,
              key: o.by,
              creator: head.creator,
              commits: o.kind === 'rotate' ? new Set([o.commit]) : head.commits,
              rotation: o.kind === 'rotate',
              previous: head,
              version: head.version + 1,
              decision: o.decision,
            };
            // The same bytes twice (same head, key and draft within a second) are one manifest.
            if (all.some((x) => x.signed.cid === signed.cid)) continue;
            all.push(m);
            await ingest(m);
          }
          const model = modelAnswer(accepted);
          const verifier = createVerifier({
            source: registrySource(registry),
            identity: { requireBinding: false },
          });
          const result = await verifier.check({ work, use: USE, at: PAST_EVERY_WINDOW() });
          expect(new Set(result.evidence.map((e) => e.cid))).toEqual(model.heads);
          expect(result.decision).toBe(model.decision);
          expect(result.disputed).toBe(model.heads.size > 1);
          expect(result.claimants.map((c) => c.issuer)).toEqual([(keys[0] as Identity).did]);
          expect(result.warnings.map((w) => w.code).filter((c) => c !== 'FORKED')).toEqual([]);
        }),
        RUNS,
      );
    },
    TIMEOUT,
  );
});
