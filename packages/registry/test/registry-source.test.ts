import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, signManifest } from '@assent/manifest';
import { createVerifier } from '@assent/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry, type Registry, registrySource } from '../src/index.js';

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
});
