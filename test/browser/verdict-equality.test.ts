/**
 * Verdict equality (DESIGN.md §5): the browser build of `@assent/manifest`, run in real Chromium,
 * gives the same verdict as Node on every public Ed25519 vector (both verify paths), the W3C
 * eddsa-jcs-2022 signed vector and every case of our manifest corpus. Also reports the gzip size
 * of the minified browser bundle (the web SDK bar is reported, not asserted).
 */
import { readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { verifyEd25519With, verifyManifest } from '@assent/manifest';
import { verifyProof } from '@assent/manifest/data-integrity';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasSharedVectors,
  sharedVectorJson,
  sharedVectorText,
  skipReason,
} from '../support/shared-vectors.js';
import type { ManifestVector } from '../vectors/manifest/generate.js';
import { type BrowserBundle, bundleForBrowser } from './browser-bundle.js';
import { chromiumSkipReason, hasChromium, launchChromium } from './chromium.js';
import { openVerdictPage, serveBundleFiles } from './verdict-page.js';
import {
  type Ed25519Case,
  runVerdicts,
  type VerdictApi,
  type VerdictCases,
  type VerdictReport,
} from './verdict-runner.js';

/** Chromium starts slowly on two cores; the bundle and both runs fit well inside this. */
const SUITE_TIMEOUT_MS = 120_000;

const ROOT = resolve(import.meta.dirname, '..', '..');
const MANIFEST_SRC = join(ROOT, 'packages', 'manifest', 'src');
const CORPUS_PATH = join(ROOT, 'test', 'vectors', 'manifest', 'manifest-vectors.json');

/** Published vector counts: Wycheproof 151, RFC 8032 §7.1 4, ZIP-215 196, speccheck 12. */
const ED25519_COUNTS = { wycheproof: 151, rfc8032: 4, zip215: 196, speccheck: 12 } as const;
const ED25519_CASES = Object.values(ED25519_COUNTS).reduce((a, b) => a + b, 0);
const PATHS_PER_CASE = 2;

// ---------------------------------------------------------------------------------------------
// The browser bundle

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Assent verdict equality</title>
<script type="module">
import * as manifest from './assent-manifest.js';
import * as dataIntegrity from './assent-data-integrity.js';
import { runVerdicts } from './verdict-runner.js';
const api = {
  verifyEd25519With: manifest.verifyEd25519With,
  verifyManifest: manifest.verifyManifest,
  verifyProof: dataIntegrity.verifyProof,
};
globalThis.assentVerdicts = (cases) => runVerdicts(api, cases);
</script>
`;

/** Both package entries and the shared runner, and `@assent/manifest` alone for its size. */
function bundleManifest(): Promise<BrowserBundle> {
  return bundleForBrowser({
    page: PAGE,
    entryPoints: {
      'assent-manifest': join(MANIFEST_SRC, 'index.ts'),
      'assent-data-integrity': join(MANIFEST_SRC, 'data-integrity', 'index.ts'),
      'verdict-runner': join(import.meta.dirname, 'verdict-runner.ts'),
    },
    standaloneEntry: join(MANIFEST_SRC, 'index.ts'),
  });
}

let bundled: Promise<BrowserBundle> | undefined;
/** One build per run, shared by the suites below. */
function browserBundle(): Promise<BrowserBundle> {
  bundled ??= bundleManifest();
  return bundled;
}

afterAll(async () => {
  if (bundled !== undefined) await rm((await bundled).dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// A real HTTP server on loopback

function _contentType(path: string): string {
  return path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8';
}

// ---------------------------------------------------------------------------------------------
// The cases, read in Node and handed to both sides

interface WycheproofFile {
  testGroups: {
    publicKey: { pk: string };
    tests: { tcId: number; msg: string; sig: string; result: string }[];
  }[];
}

interface Corpus {
  numberOfTests: number;
  tests: ManifestVector[];
}

/** The cases, and the verdicts already known for them (so equality cannot hold vacuously). */
function loadCases(corpus: Corpus): { cases: VerdictCases; known: Map<string, string> } {
  const known = new Map<string, string>();
  const ed25519: Ed25519Case[] = [];
  const add = (c: Ed25519Case, expected?: 'valid' | 'invalid') => {
    ed25519.push(c);
    if (expected === undefined) return;
    for (const path of ['reference', 'native']) known.set(`${c.id}/${path}`, expected);
  };

  const wycheproof = sharedVectorJson<WycheproofFile>('ed25519/wycheproof_ed25519_test.json');
  for (const group of wycheproof.testGroups) {
    for (const t of group.tests) {
      const c = {
        id: `wycheproof#${t.tcId}`,
        signature: t.sig,
        message: t.msg,
        publicKey: group.publicKey.pk,
      };
      add(c, t.result === 'valid' ? 'valid' : 'invalid');
    }
  }
  const rfc8032 = sharedVectorJson<{ pub: string; msg: string; sig: string }[]>(
    'ed25519/rfc8032-ed25519.json',
  );
  for (const [i, c] of rfc8032.entries()) {
    add({ id: `rfc8032#${i + 1}`, signature: c.sig, message: c.msg, publicKey: c.pub }, 'valid');
  }
  // ZIP-215 cases sign "Zcash"; strict RFC 8032 verification rejects all of them.
  const zip215 = sharedVectorJson<{ vk_bytes: string; sig_bytes: string }[]>('ed25519/zip215.json');
  for (const [i, c] of zip215.entries()) {
    add(
      { id: `zip215#${i}`, signature: c.sig_bytes, message: '5a63617368', publicKey: c.vk_bytes },
      'invalid',
    );
  }
  // speccheck: the verdict of cases 2–5 is the reference's to decide; the others must be rejected.
  const mustReject = new Set([0, 1, 6, 7, 8, 9, 10, 11]);
  const speccheck =
    sharedVectorJson<{ message: string; pub_key: string; signature: string }[]>('ed25519/edge-cases.json');
  for (const [i, c] of speccheck.entries()) {
    const id = `speccheck#${i}`;
    add(
      { id, signature: c.signature, message: c.message, publicKey: c.pub_key },
      mustReject.has(i) ? 'invalid' : undefined,
    );
  }

  const proofs = [
    { id: 'eddsa-jcs-2022/signedJCS.json', input: sharedVectorText('eddsa-jcs-2022/signedJCS.json') },
  ];
  known.set('eddsa-jcs-2022/signedJCS.json', 'ok');

  const manifests = corpus.tests.map((t) => {
    const id = `manifest#${t.id}`;
    known.set(id, t.result === 'valid' ? 'ok' : (t.code ?? '(no code given)'));
    return { id, input: t.input };
  });
  return { cases: { ed25519, proofs, manifests }, known };
}

// ---------------------------------------------------------------------------------------------

describe('browser bundle of @assent/manifest', () => {
  beforeAll(async () => {
    await browserBundle();
  }, SUITE_TIMEOUT_MS);

  it('bundles for the browser with no node: imports', async () => {
    const { nodeImports, files } = await browserBundle();
    expect(nodeImports).toEqual([]);
    for (const name of ['/assent-manifest.js', '/assent-data-integrity.js', '/verdict-runner.js']) {
      expect(files.has(name), name).toBe(true);
    }
  });

  it('reports the gzip size of the minified bundle (web SDK bar: ≤ 60 KB gzip, reported only)', async () => {
    const { standalone } = await browserBundle();
    const gzip = gzipSync(standalone, { level: 9 }).length;
    console.log(
      `[web SDK] @assent/manifest browser bundle (esm, minified): ${(standalone.length / 1024).toFixed(1)} KB raw, ` +
        `${(gzip / 1024).toFixed(1)} KB gzip (${gzip} bytes; bar ≤ 60 KB gzip)`,
    );
    expect(gzip).toBeGreaterThan(0);
  });
});

describe.skipIf(!hasSharedVectors || !hasChromium)(
  `verdict equality: Chromium vs Node${skipReason}${chromiumSkipReason}`,
  { timeout: SUITE_TIMEOUT_MS },
  () => {
    let browser: Browser | undefined;
    let server: Server | undefined;
    let corpus: Corpus;
    let cases: VerdictCases;
    let known: Map<string, string>;
    let inNode: VerdictReport;
    let inChromium: VerdictReport;

    beforeAll(async () => {
      corpus = JSON.parse(await readFile(CORPUS_PATH, 'utf8')) as Corpus;
      ({ cases, known } = loadCases(corpus));
      const api: VerdictApi = { verifyEd25519With, verifyManifest, verifyProof };
      inNode = await runVerdicts(api, cases);

      const served = await serveBundleFiles((await browserBundle()).files);
      server = served.server;
      browser = await launchChromium();
      const { page, pageErrors } = await openVerdictPage(browser, served.origin, 'assentVerdicts');
      // WebCrypto exists only in secure contexts; http://127.0.0.1 is one.
      expect(await page.evaluate(() => globalThis.isSecureContext)).toBe(true);
      inChromium = await page.evaluate(
        (c) =>
          (
            globalThis as unknown as { assentVerdicts(c: VerdictCases): Promise<VerdictReport> }
          ).assentVerdicts(c),
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

    it('runs every case on both sides', () => {
      expect(cases.ed25519.length).toBe(ED25519_CASES);
      for (const [suite, count] of Object.entries(ED25519_COUNTS)) {
        expect(cases.ed25519.filter((c) => c.id.startsWith(`${suite}#`)).length, suite).toBe(count);
      }
      expect(cases.proofs.length).toBe(1);
      expect(corpus.numberOfTests).toBeGreaterThan(0);
      expect(cases.manifests.length).toBe(corpus.numberOfTests);
      const expected = ED25519_CASES * PATHS_PER_CASE + cases.proofs.length + cases.manifests.length;
      expect(inNode.verdicts.length).toBe(expected);
      expect(inChromium.verdicts.length).toBe(expected);
      console.log(
        `[verdict equality] ${expected} verdicts per side: ${ED25519_CASES} Ed25519 vectors × ${PATHS_PER_CASE} paths, ` +
          `${cases.proofs.length} eddsa-jcs-2022 proof, ${cases.manifests.length} manifest cases`,
      );
    });

    it('gives the known verdicts in Node, so equality is not vacuous', () => {
      const wrong = inNode.verdicts.filter((v) => known.has(v.id) && known.get(v.id) !== v.verdict);
      expect(wrong).toEqual([]);
      const seen = new Set(inNode.verdicts.map((v) => v.id));
      expect([...known.keys()].filter((id) => !seen.has(id))).toEqual([]);
      expect(inNode.verdicts.some((v) => v.verdict === 'valid')).toBe(true);
      expect(inNode.verdicts.some((v) => v.verdict === 'invalid')).toBe(true);
    });

    it('has 0 verdict differences between Chromium and Node', () => {
      const inBrowser = new Map(inChromium.verdicts.map((v) => [v.id, v.verdict]));
      const differences = inNode.verdicts
        .filter((v) => inBrowser.get(v.id) !== v.verdict)
        .map((v) => ({ id: v.id, node: v.verdict, chromium: inBrowser.get(v.id) ?? '(missing)' }));
      expect(differences).toEqual([]);
      expect(inChromium.verdicts).toEqual(inNode.verdicts);
    });

    it('exercises the native (WebCrypto) path wherever the platform has Ed25519', () => {
      for (const [side, report] of [
        ['Chromium', inChromium],
        ['Node', inNode],
      ] as const) {
        console.log(
          `[verdict equality] ${side}: WebCrypto Ed25519 ${report.nativeEd25519 ? 'available' : 'absent (native path falls back to the reference)'}, ` +
            `${report.nativeVerifyCalls} crypto.subtle.verify calls`,
        );
        if (report.nativeEd25519) expect(report.nativeVerifyCalls, side).toBeGreaterThan(0);
      }
    });
  },
);
