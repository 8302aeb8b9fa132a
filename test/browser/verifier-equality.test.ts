/**
 * Verdict equality for `@assent/verifier` (DESIGN §5): the browser bundle of the verifier (with
 * `@assent/manifest`), run in real Chromium, answers `check` exactly as Node does on every case of
 * docs/decisions.md — decision, disputed, term, rule, warnings, evidence and reason. Also reports
 * the gzip size of the minified verifier + manifest browser bundle (bar ≤ 60 KB gzip, reported only).
 */
import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { SignedManifest } from '@assent/manifest';
import { createVerifier, memorySource, memoryState } from '@assent/verifier';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Creators,
  idsNamed,
  NOW,
  readDecisionTable,
  signCase,
} from '../../packages/verifier/test/support/decision-table.js';
import { type BrowserBundle, bundleForBrowser } from './browser-bundle.js';
import { chromiumSkipReason, hasChromium, launchChromium } from './chromium.js';
import { openVerdictPage, serveBundleFiles } from './verdict-page.js';
import {
  type ManifestCase,
  runVerifierCases,
  type VerifierApi,
  type VerifierCase,
  type VerifierOutcome,
} from './verifier-runner.js';

const SUITE_TIMEOUT_MS = 180_000;
const ROOT = resolve(import.meta.dirname, '..', '..');
const VERIFIER_ENTRY = join(ROOT, 'packages', 'verifier', 'src', 'index.ts');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Assent verifier equality</title>
<script type="module">
import * as verifier from './assent-verifier.js';
import { runVerifierCases } from './verifier-runner.js';
globalThis.assentVerifierCases = (cases) => runVerifierCases(verifier, cases);
globalThis.assentVerifier = verifier;
</script>
`;

/** The verifier entry and the shared runner, and verifier + manifest alone for its size. */
function bundle(): Promise<BrowserBundle> {
  return bundleForBrowser({
    page: PAGE,
    entryPoints: {
      'assent-verifier': VERIFIER_ENTRY,
      'verifier-runner': join(import.meta.dirname, 'verifier-runner.ts'),
    },
    standaloneEntry: VERIFIER_ENTRY,
  });
}

let bundled: Promise<BrowserBundle> | undefined;
const browserBundle = () => {
  bundled ??= bundle();
  return bundled;
};

afterAll(async () => {
  if (bundled !== undefined) await rm((await bundled).dir, { recursive: true, force: true });
});

function manifestCase(m: SignedManifest): ManifestCase {
  return {
    cid: m.cid,
    bytes: [...m.bytes],
    issuer: m.issuer,
    version: m.version,
    pages: m.pages.map((p) => ({ cid: p.cid, bytes: [...p.bytes] })),
  };
}

/** The decisions table, signed in Node, as plain data for both sides. */
async function loadCases(): Promise<VerifierCase[]> {
  const creators = new Creators();
  const out: VerifierCase[] = [];
  for (const c of readDecisionTable()) {
    const signed = await signCase(c, creators);
    out.push({
      id: c.id,
      earlier: signed.earlier.map(manifestCase),
      earlierWorks: [...idsNamed(signed.earlier), c.work],
      forgotten: signed.forgotten.map(manifestCase),
      manifests: signed.manifests.map(manifestCase),
      work: c.work,
      use: c.use,
      now: NOW,
      ...(c.org === undefined ? {} : { org: c.org }),
      ...(c.at === undefined ? {} : { at: c.at }),
      ...(c.asOf === undefined ? {} : { asOf: c.asOf }),
      ...(c.maxAge === undefined ? {} : { maxAge: c.maxAge }),
    });
  }
  return out;
}

describe('browser bundle of @assent/verifier', () => {
  beforeAll(async () => {
    await browserBundle();
  }, SUITE_TIMEOUT_MS);

  it('bundles for the browser with no node: imports', async () => {
    const { nodeImports, files } = await browserBundle();
    expect(nodeImports).toEqual([]);
    expect(files.has('/assent-verifier.js')).toBe(true);
  });

  it('reports the gzip size of the minified verifier + manifest bundle (bar ≤ 60 KB gzip, reported only)', async () => {
    const { standalone } = await browserBundle();
    const gzip = gzipSync(standalone, { level: 9 }).length;
    console.log(
      `[web SDK] @assent/verifier + @assent/manifest browser bundle (esm, minified): ${(standalone.length / 1024).toFixed(1)} KB raw, ` +
        `${(gzip / 1024).toFixed(1)} KB gzip (${gzip} bytes; bar ≤ 60 KB gzip)`,
    );
    expect(gzip).toBeGreaterThan(0);
  });
});

describe.skipIf(!hasChromium)(
  `verifier equality: Chromium vs Node${chromiumSkipReason}`,
  { timeout: SUITE_TIMEOUT_MS },
  () => {
    let browser: Browser | undefined;
    let server: Server | undefined;
    let origin = '';
    let cases: VerifierCase[];
    let inNode: VerifierOutcome[];
    let inChromium: VerifierOutcome[];

    beforeAll(async () => {
      cases = await loadCases();
      const api = { createVerifier, memorySource, memoryState } as unknown as VerifierApi;
      inNode = await runVerifierCases(api, cases);
      const served = await serveBundleFiles((await browserBundle()).files);
      server = served.server;
      origin = served.origin;
      browser = await launchChromium();
      const { page, pageErrors } = await openVerdictPage(browser, served.origin, 'assentVerifierCases');
      inChromium = await page.evaluate(
        (c) =>
          (
            globalThis as unknown as { assentVerifierCases(c: VerifierCase[]): Promise<VerifierOutcome[]> }
          ).assentVerifierCases(c),
        cases,
      );
      expect(pageErrors).toEqual([]);
    }, SUITE_TIMEOUT_MS);

    afterAll(async () => {
      await browser?.close();
      if (server !== undefined) {
        server.closeAllConnections();
        await new Promise((done) => server?.close(done));
      }
    }, SUITE_TIMEOUT_MS);

    it('runs every case of docs/decisions.md on both sides', () => {
      expect(cases.length).toBeGreaterThanOrEqual(60);
      expect(inNode.length).toBe(cases.length);
      expect(inChromium.length).toBe(cases.length);
    });

    it('gives the expected decisions in Node, so equality is not vacuous', () => {
      const expected = new Map(readDecisionTable().map((c) => [c.id, c.expected.decision]));
      for (const r of inNode) expect(r.decision, r.id).toBe(expected.get(r.id));
    });

    it('answers every case in Chromium exactly as in Node', () => {
      expect(inChromium).toEqual(inNode);
    });

    it('keeps rollback memory in IndexedDB across store instances, never lowering a version', async () => {
      const page = await (browser as Browser).newPage();
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => 'assentVerifier' in globalThis, undefined, { timeout: 30_000 });
      const loaded = await page.evaluate(async () => {
        type Store = {
          save(r: Map<string, unknown>): Promise<void>;
          load(i: string[]): Promise<Map<string, unknown>>;
        };
        const api = (
          globalThis as unknown as { assentVerifier: { indexedDbState(o: { name: string }): Store } }
        ).assentVerifier;
        const seenAt = '2026-06-01T00:00:00.000Z';
        const store = () => api.indexedDbState({ name: 'rollback' });
        await store().save(new Map([['did:key:zA', { version: 2, cids: ['b'], seenAt }]]));
        await store().save(new Map([['did:key:zA', { version: 1, cids: ['a'], seenAt }]]));
        await store().save(new Map([['did:key:zA', { version: 2, cids: ['c'], seenAt }]]));
        return [...(await store().load(['did:key:zA', 'did:key:zB']))];
      });
      expect(loaded).toEqual([
        ['did:key:zA', { version: 2, cids: ['b', 'c'], seenAt: '2026-06-01T00:00:00.000Z' }],
      ]);
      await page.close();
    });
  },
);
