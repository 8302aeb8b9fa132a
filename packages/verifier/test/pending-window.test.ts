/**
 * The waiting window (docs/decisions.md §2, spec §5.5): a version that loosens a (work, use) takes
 * effect 72 hours after it was first logged, while restrictions apply at once. The source reports
 * when it logged each manifest (`loggedAt`) and offers the versions before a head in its window
 * (`predecessors`); the time of use (`at`) stands in for a clock, so no clock is faked.
 * Threat scenarios of DESIGN-TRUST §2.4: 1 (a thief's "allow all" waits, and a recovery within the
 * window forks it away) and 10 (a deny and a loosening in one pending head).
 * Bindings are §7's subject: these checks set `requireBinding: false`.
 */
import {
  generateIdentity,
  type Identity,
  nextKeyHashOfDid,
  PENDING_WINDOW_MS,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CandidateSet, createVerifier, type ManifestSource } from '../src/index.js';

const A = 'isrc:USRC17607839';
const B = 'isrc:GBAYE0601498';
const HOUR = 60 * 60 * 1000;
/**
 * When the newest version was first logged: now, so every manifest (valid from when it was signed,
 * just before) applies at each time of use below.
 */
const T = Date.now() + 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const UNBOUND = { requireBinding: false } as const;

let creator: Identity;
let recovery: Identity;
let spare: Identity;

beforeAll(async () => {
  [creator, recovery, spare] = await Promise.all([
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
  ]);
});

interface Logged {
  readonly m: SignedManifest;
  readonly at: number;
}

/** A chain of versions by `creator`, each a draft, the first committing to the recovery key. */
async function chain(...drafts: object[]): Promise<SignedManifest[]> {
  const out: SignedManifest[] = [];
  for (const draft of drafts) {
    const head = out[out.length - 1];
    out.push(
      await signManifest(
        draft,
        head === undefined
          ? { identity: creator, nextKeyHashes: [nextKeyHashOfDid(recovery.did)] }
          : { identity: creator, head },
      ),
    );
  }
  return out;
}

/**
 * A source offering `heads` and `predecessors`, each with the time it logged it; `older` are blocks
 * it holds besides (versions a rotated key's chain runs through).
 */
function sourceOf(
  heads: readonly Logged[],
  predecessors: readonly Logged[] = [],
  older: readonly SignedManifest[] = [],
): ManifestSource {
  const answer: CandidateSet = {
    manifests: heads.map(({ m, at }) => ({ cid: m.cid, bytes: m.bytes, loggedAt: iso(at) })),
    predecessors: predecessors.map(({ m, at }) => ({ cid: m.cid, bytes: m.bytes, loggedAt: iso(at) })),
  };
  const blocks = new Map(
    [...heads, ...predecessors, ...older.map((m) => ({ m }))].map(({ m }) => [m.cid, m.bytes]),
  );
  return { candidates: async () => answer, block: async (cid) => blocks.get(cid) };
}

async function check(source: ManifestSource, work: string, atMs: number) {
  return createVerifier({ source, identity: UNBOUND }).check({ work, use: 'train-genai', at: iso(atMs) });
}

describe('a loosening waits 72 hours after it was logged', () => {
  it('1. a thief’s "allow all" by the current key: the deny before it decides until the window ends', async () => {
    const [v1, v2, v3] = await chain(
      { works: [{ ids: [A] }], default: { 'train-genai': 'allow' } },
      { works: [{ ids: [A] }], default: { 'train-genai': 'deny' } },
      { works: [{ ids: [A] }], default: { all: 'allow' } },
    );
    const source = sourceOf(
      [{ m: v3 as SignedManifest, at: T }],
      [
        { m: v2 as SignedManifest, at: T - 100 * HOUR },
        { m: v1 as SignedManifest, at: T - 200 * HOUR },
      ],
    );
    const during = await check(source, A, T + HOUR);
    expect(during.decision).toBe('deny');
    expect(during.evidence).toEqual([
      expect.objectContaining({
        cid: v3?.cid,
        decision: 'allow',
        claims: false,
        pendingUntil: iso(T + PENDING_WINDOW_MS),
      }),
      expect.objectContaining({ cid: v2?.cid, decision: 'deny', claims: true }),
    ]);
    const after = await check(source, A, T + PENDING_WINDOW_MS);
    expect(after.decision).toBe('allow');
    expect(after.evidence).toEqual([expect.objectContaining({ cid: v3?.cid, claims: true })]);
    expect(after.evidence[0]).not.toHaveProperty('pendingUntil');
  });

  it('1. … and a recovery within the window forks it away: the recovered branch’s deny stands', async () => {
    const [v1, v2, v3] = await chain(
      { works: [{ ids: [A] }], default: { 'train-genai': 'deny' } },
      { works: [{ ids: [A] }], default: { 'train-genai': 'deny' } },
      { works: [{ ids: [A] }], default: { all: 'allow' } },
    );
    const recovered = await signManifest(
      { works: [{ ids: [A] }], default: { all: 'deny' } },
      {
        identity: recovery,
        head: v2 as SignedManifest,
        rotation: true,
        nextKeyHashes: [nextKeyHashOfDid(spare.did)],
      },
    );
    const source = sourceOf(
      [
        { m: v3 as SignedManifest, at: T },
        { m: recovered, at: T + 5 * HOUR },
      ],
      [{ m: v2 as SignedManifest, at: T - 100 * HOUR }],
      [v1 as SignedManifest],
    );
    const result = await check(source, A, T + 6 * HOUR);
    expect(result.decision).toBe('deny');
    expect(result.claimants.map((c) => c.issuer)).toEqual([creator.did]);
    expect(result.evidence.find((e) => e.cid === v3?.cid)).toMatchObject({
      claims: false,
      pendingUntil: iso(T + PENDING_WINDOW_MS),
    });
  });

  it('10. a deny and a loosening in one pending head: the deny applies at once, the loosening waits', async () => {
    const [v1, v2] = await chain(
      {
        works: [
          { ids: [A], policy: { 'train-genai': 'allow' } },
          { ids: [B], policy: { 'train-genai': 'deny' } },
        ],
      },
      {
        works: [
          { ids: [A], policy: { 'train-genai': 'deny' } },
          { ids: [B], policy: { 'train-genai': 'allow' } },
        ],
      },
    );
    const source = sourceOf(
      [{ m: v2 as SignedManifest, at: T }],
      [{ m: v1 as SignedManifest, at: T - 500 * HOUR }],
    );
    const a = await check(source, A, T + HOUR);
    expect(a.decision).toBe('deny');
    expect(a.evidence).toEqual([expect.objectContaining({ cid: v2?.cid, claims: true })]);
    const b = await check(source, B, T + HOUR);
    expect(b.decision).toBe('deny');
    expect(b.evidence.map((e) => [e.cid, e.claims, e.pendingUntil])).toEqual([
      [v2?.cid, false, iso(T + PENDING_WINDOW_MS)],
      [v1?.cid, true, undefined],
    ]);
  });

  it('a work newly claimed with a grant is not claimed until the window ends; a dropped deny still stands', async () => {
    const [v1, v2] = await chain(
      { works: [{ ids: [B], policy: { 'train-genai': 'deny' } }] },
      { works: [{ ids: [A], policy: { 'train-genai': 'allow' } }] },
    );
    const source = sourceOf(
      [{ m: v2 as SignedManifest, at: T }],
      [{ m: v1 as SignedManifest, at: T - 500 * HOUR }],
    );
    const added = await check(source, A, T + HOUR);
    expect(added.decision).toBe('unknown');
    expect(added.claimants).toEqual([]);
    expect(added.evidence[0]).toMatchObject({
      cid: v2?.cid,
      claims: false,
      pendingUntil: iso(T + PENDING_WINDOW_MS),
    });
    const dropped = await check(source, B, T + HOUR);
    expect(dropped.decision).toBe('deny');
    expect(dropped.evidence.map((e) => e.cid)).toEqual([v2?.cid, v1?.cid]);
    expect((await check(source, B, T + PENDING_WINDOW_MS)).decision).toBe('unknown');
  });

  it('versions still in their windows weigh together; one whose window passed is the last weighed', async () => {
    const [v1, v2, v3] = await chain(
      { works: [{ ids: [A] }], default: { 'train-genai': 'deny' } },
      { works: [{ ids: [A] }], default: { 'train-genai': 'allow' } },
      { works: [{ ids: [A] }], default: { all: 'allow' } },
    );
    const source = sourceOf(
      [{ m: v3 as SignedManifest, at: T }],
      [
        { m: v2 as SignedManifest, at: T - 10 * HOUR },
        { m: v1 as SignedManifest, at: T - 500 * HOUR },
      ],
    );
    // v2's window is open too: v1's deny still decides.
    expect((await check(source, A, T + HOUR)).decision).toBe('deny');
    // v2's window has passed (62 hours after T), v3's has not: v2 allowed as v3 does, so v3 decides.
    const later = await check(source, A, T + 65 * HOUR);
    expect(later.decision).toBe('allow');
    expect(later.evidence).toEqual([expect.objectContaining({ cid: v3?.cid, claims: true })]);
  });

  it('changed conditions wait too, as a loosening might', async () => {
    // For the organisation asking, both versions are conditional, on different conditions.
    const [v1, v2] = await chain(
      {
        works: [
          {
            ids: [A],
            policy: {
              'train-genai': {
                decision: 'conditional',
                conditions: { licensees: ['did:web:a.example', 'did:web:b.example'] },
              },
            },
          },
        ],
      },
      {
        works: [
          {
            ids: [A],
            policy: {
              'train-genai': {
                decision: 'conditional',
                conditions: { licensees: ['did:web:b.example'], attribution: 'The Flight' },
              },
            },
          },
        ],
      },
    );
    const source = sourceOf(
      [{ m: v2 as SignedManifest, at: T }],
      [{ m: v1 as SignedManifest, at: T - 500 * HOUR }],
    );
    const result = await createVerifier({ source, identity: UNBOUND }).check({
      work: A,
      use: 'train-genai',
      org: 'did:web:b.example',
      at: iso(T + HOUR),
    });
    expect(result.decision).toBe('conditional');
    expect(result.conditions).toEqual({ licensees: ['did:web:a.example', 'did:web:b.example'] });
    expect(result.evidence.map((e) => [e.cid, e.claims])).toEqual([
      [v2?.cid, false],
      [v1?.cid, true],
    ]);
  });

  it('a head in its window whose predecessor the source did not offer grants nothing until the window ends', async () => {
    const [, v2] = await chain(
      {
        works: [
          { ids: [A], policy: { 'train-genai': 'deny' } },
          { ids: [B], policy: { 'train-genai': 'deny' } },
        ],
      },
      {
        works: [
          { ids: [A], policy: { 'train-genai': 'allow' } },
          { ids: [B], policy: { 'train-genai': 'deny' } },
        ],
      },
    );
    const source = sourceOf([{ m: v2 as SignedManifest, at: T }]);
    const granted = await check(source, A, T + HOUR);
    expect(granted.decision).toBe('unknown');
    expect(granted.evidence).toEqual([
      expect.objectContaining({ cid: v2?.cid, claims: false, pendingUntil: iso(T + PENDING_WINDOW_MS) }),
    ]);
    expect((await check(source, B, T + HOUR)).decision).toBe('deny');
    expect((await check(source, A, T + PENDING_WINDOW_MS)).decision).toBe('allow');
  });

  it('a source that does not say when it logged a version: the version is past its window (as before)', async () => {
    const [v1, v2] = await chain(
      { works: [{ ids: [A], policy: { 'train-genai': 'deny' } }] },
      { works: [{ ids: [A], policy: { 'train-genai': 'allow' } }] },
    );
    const source: ManifestSource = {
      candidates: async () => ({ manifests: [{ cid: v2?.cid as string, bytes: v2?.bytes as Uint8Array }] }),
      block: async (cid) => (cid === v1?.cid ? v1.bytes : undefined),
    };
    expect((await check(source, A, Date.now())).decision).toBe('allow');
  });
});
