import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, signManifest } from '@assent/manifest';
import { createVerifier } from '@assent/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry, type Registry, registrySource } from '../src/index.js';

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

const dir = mkdtempSync(join(tmpdir(), 'assent-registry-source-'));
let registry: Registry | undefined;

afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('registrySource', () => {
  it('lets the verifier decide from a local node: catalog pages, url-prefixes and forks', async () => {
    registry = await createRegistry({ dataDir: dir, network: false });
    const label = await generateIdentity();
    const works = Array.from({ length: 4000 }, (_, i) => ({
      ids: [`isrc:QZSRC26${String(i).padStart(5, '0')}`],
      title: `${'—'.repeat(100)}`,
    }));
    const catalog = await signManifest(
      { default: { 'train-genai': 'deny', search: 'allow' }, works },
      { identity: label, inlineBudgetBytes: 2048 },
    );
    expect(catalog.pages.length).toBeGreaterThan(0);
    await registry.ingest(catalog.bytes, { pages: catalog.pages.map((p) => p.bytes) });

    const artist = await generateIdentity();
    const v1 = await signManifest(
      { works: [{ ids: ['url-prefix:https://soundcloud.com/the-flight/'] }] },
      { identity: artist },
    );
    const allow = await signManifest(
      {
        default: { 'train-genai': 'allow' },
        works: [{ ids: ['url-prefix:https://soundcloud.com/the-flight/'] }],
      },
      { identity: artist, head: v1 },
    );
    const deny = await signManifest(
      {
        default: { 'train-genai': 'deny' },
        works: [{ ids: ['url-prefix:https://soundcloud.com/the-flight/'] }],
      },
      { identity: artist, head: v1 },
    );
    for (const m of [v1, allow, deny]) await registry.ingest(m.bytes);

    const verifier = createVerifier({ source: registrySource(registry) });
    const [inCatalog, forked, nobody] = await verifier.checkMany({
      works: ['isrc:QZSRC2603999', 'url:https://soundcloud.com/the-flight/track', 'isrc:ZZZZZ0000000'],
      use: 'train-genai',
    });
    expect(inCatalog).toMatchObject({ decision: 'deny', disputed: false });
    expect(inCatalog?.evidence[0]).toMatchObject({ cid: catalog.cid });
    expect(forked).toMatchObject({ decision: 'deny', disputed: true });
    expect(nobody?.decision).toBe('unknown');
  });

  it('offers the registry revision, so a verifier reuses answers until the node indexes something', async () => {
    const node = await createRegistry({ dataDir: join(dir, 'revision'), network: false });
    const creator = await generateIdentity();
    const work = 'isrc:QZREV2600001';
    const v1 = await signManifest(
      { works: [{ ids: [work], policy: { 'train-genai': 'allow' } }] },
      { identity: creator },
    );
    const v2 = await signManifest(
      { works: [{ ids: [work], policy: { 'train-genai': 'deny' } }] },
      { identity: creator, head: v1 },
    );
    const start = node.revision();
    await node.ingest(v1.bytes);
    const afterV1 = node.revision();
    expect(afterV1).toBeGreaterThan(start);
    await node.ingest(v1.bytes); // a duplicate changes nothing
    expect(node.revision()).toBe(afterV1);

    let lookups = 0;
    const counted = {
      lookupWorks: (ids: readonly string[], o?: { signal?: AbortSignal }) => {
        lookups++;
        return node.lookupWorks(ids, o);
      },
      revision: () => node.revision(),
    };
    const verifier = createVerifier({ source: registrySource(counted), identity: UNBOUND });
    for (let i = 0; i < 3; i++)
      expect((await verifier.check({ work, use: 'train-genai' })).decision).toBe('allow');
    expect(lookups).toBe(2);
    await node.ingest(v2.bytes);
    expect((await verifier.check({ work, use: 'train-genai' })).decision).toBe('deny');
    expect(lookups).toBe(3);
    await node.reindex();
    expect(node.revision()).toBeGreaterThan(afterV1 + 1);
    await node.stop();
    // Stopped: no revision to reuse answers by, and the source fails as it should.
    expect(node.revision()).toBeNaN();
    await expect(verifier.check({ work, use: 'train-genai' })).rejects.toSatisfy(
      (e) => (e as { code?: string }).code === 'SOURCE_UNAVAILABLE',
    );
  });
});
