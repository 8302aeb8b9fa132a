/**
 * The waiting window through a real node (spec §5.5, decisions §2): the node logs when it first saw
 * each version, and `registrySource` offers, beside a head logged less than 72 hours ago, the versions
 * before it with their log times and the catalog pages naming the works asked. A verifier then holds
 * a loosening back until the window ends, and applies a restriction at once. The time of use (`at`)
 * stands in for a clock 72 hours on; the node's own clock is real.
 * Bindings are decisions §7's subject: these checks set `requireBinding: false`.
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, type Registry, registrySource } from '../src/index.js';

let dir: string;
let registry: Registry;
let creator: Identity;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-registry-window-'));
  registry = await createRegistry({ dataDir: dir, network: false, links: false });
  creator = await generateIdentity();
});

afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function ingestAll(...manifests: SignedManifest[]): Promise<void> {
  for (const m of manifests) {
    const result = await registry.ingest(m.bytes, { pages: m.pages.map((p) => p.bytes) });
    expect(result.ok, result.ok ? '' : `${result.code}: ${result.message}`).toBe(true);
  }
}

const check = (work: string, atMs: number) =>
  createVerifier({ source: registrySource(registry), identity: { requireBinding: false } }).check({
    work,
    use: 'train-genai',
    at: new Date(atMs).toISOString(),
  });

describe('a node offers the versions a head’s window weighs', () => {
  it('a grant in a version just logged waits for its window; the deny before it decides meanwhile', async () => {
    const recovery = await generateIdentity();
    const work = 'isrc:QZWIN2600001';
    const v1 = await signManifest(
      { works: [{ ids: [work], policy: { 'train-genai': 'deny' } }] },
      { identity: creator, nextKeyHashes: [nextKeyHashOfDid(recovery.did)] },
    );
    const v2 = await signManifest(
      { works: [{ ids: [work], policy: { all: 'allow' } }] },
      { identity: creator, head: v1 },
    );
    await ingestAll(v1, v2);
    const found = await registry.lookupWorks([work]);
    expect(found.map((c) => [c.cid, typeof c.loggedAt])).toEqual([[v2.cid, 'string']]);
    const earlier = await registry.predecessorsOf(found, [work]);
    expect(earlier.map((c) => c.cid)).toEqual([v1.cid]);

    const now = await check(work, Date.now());
    expect(now.decision).toBe('deny');
    expect(now.evidence.map((e) => [e.cid, e.claims, typeof e.pendingUntil])).toEqual([
      [v2.cid, false, 'string'],
      [v1.cid, true, 'undefined'],
    ]);
    const later = await check(work, Date.now() + PENDING_WINDOW_MS + 60_000);
    expect(later.decision).toBe('allow');
  });

  it('10. one head denying one work and granting another: the deny at once, the grant after the window', async () => {
    const a = 'isrc:QZWIN2600002';
    const b = 'isrc:QZWIN2600003';
    const me = await generateIdentity();
    const v1 = await signManifest(
      {
        works: [
          { ids: [a], policy: { 'train-genai': 'allow' } },
          { ids: [b], policy: { 'train-genai': 'deny' } },
        ],
      },
      { identity: me },
    );
    const v2 = await signManifest(
      {
        works: [
          { ids: [a], policy: { 'train-genai': 'deny' } },
          { ids: [b], policy: { 'train-genai': 'allow' } },
        ],
      },
      { identity: me, head: v1 },
    );
    await ingestAll(v1, v2);
    expect((await check(a, Date.now())).decision).toBe('deny');
    expect((await check(b, Date.now())).decision).toBe('deny');
    expect((await check(b, Date.now() + PENDING_WINDOW_MS + 60_000)).decision).toBe('allow');
  });

  it('finds the work in a window version’s catalog pages, which the index no longer holds', async () => {
    const me = await generateIdentity();
    const works = Array.from({ length: 40 }, (_, i) => `isrc:QZWIN27${String(i).padStart(5, '0')}`);
    const target = works[37] as string;
    // Every work in catalog pages (no inline budget): version 1 denies, version 2 allows all.
    const v1 = await signManifest(
      { default: { 'train-genai': 'deny' }, works: works.map((id) => ({ ids: [id] })) },
      { identity: me, inlineBudgetBytes: 0 },
    );
    const v2 = await signManifest(
      { default: { 'train-genai': 'allow' }, works: works.map((id) => ({ ids: [id] })) },
      { identity: me, head: v1, inlineBudgetBytes: 0 },
    );
    expect(v1.pages.length).toBeGreaterThan(0);
    await ingestAll(v1, v2);
    const earlier = await registry.predecessorsOf(await registry.lookupWorks([target]), [target]);
    expect(earlier).toHaveLength(1);
    expect([...(earlier[0]?.pages.keys() ?? [])]).toEqual(
      v1.pages.filter((p) => p.page.works.some((w) => w.ids.includes(target))).map((p) => p.cid),
    );
    const result = await check(target, Date.now());
    expect(result.decision).toBe('deny');
    expect(result.evidence[1]).toMatchObject({ cid: v1.cid, claims: true, decision: 'deny' });
  });

  it('offers nothing before a head logged longer ago than the window, nor before a version 1', async () => {
    const me = await generateIdentity();
    const work = 'isrc:QZWIN2600004';
    const v1 = await signManifest({ works: [{ ids: [work] }] }, { identity: me });
    await ingestAll(v1);
    expect(await registry.predecessorsOf(await registry.lookupWorks([work]), [work])).toEqual([]);
  });
});
