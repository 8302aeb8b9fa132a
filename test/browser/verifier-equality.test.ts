/**
 * Verdict equality for `@assent/verifier` (DESIGN §5): the browser bundle of the verifier (with
 * `@assent/manifest`), run in real Chromium, answers `check` exactly as Node does on every case of
 * docs/decisions.md — the §6 cases (bindings not required, §7 item 5) and the §8 binding cases (with
 * the trusted node's observations and the attesters' attestations): decision, disputed, term, rule,
 * warnings, evidence, reason and every claimant with its links and attestations. Also reports the gzip
 * size of the minified verifier + manifest browser bundle (bar ≤ 60 KB gzip, reported only).
 */
import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { SignedManifest } from '@assent/manifest';
import { type CheckResult, createVerifier, memorySource, memoryState } from '@assent/verifier';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BINDING_USE,
  type BindingCase,
  claimantsSummary,
  identityOptions,
  makeParties,
  readBindingTable,
  signBindingCase,
} from '../../packages/verifier/test/support/binding-table.js';
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

/** §6 is decided with bindings not required (docs/decisions.md §7 item 5). */
const WITHOUT_BINDINGS = { requireBinding: false } as const;

/** The §6 table, signed in Node, as plain data for both sides. */
async function loadDecisionCases(): Promise<VerifierCase[]> {
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
      identity: WITHOUT_BINDINGS,
    });
  }
  return out;
}

/** The §8 table, signed in Node, with creator letters by DID to read claimants as the table writes them. */
async function loadBindingCases(): Promise<{
  cases: VerifierCase[];
  letters: Map<string, ReadonlyMap<string, string>>;
}> {
  const creators = new Creators();
  const parties = await makeParties();
  const identity = identityOptions(parties);
  const cases: VerifierCase[] = [];
  const letters = new Map<string, ReadonlyMap<string, string>>();
  for (const c of readBindingTable()) {
    const signed = await signBindingCase(c, creators, parties);
    letters.set(c.id, signed.letters);
    cases.push({
      id: c.id,
      earlier: [],
      earlierWorks: [],
      forgotten: [],
      manifests: signed.manifests.map(manifestCase),
      work: c.work,
      use: BINDING_USE,
      now: NOW,
      observations: signed.observations.map((b) => [...b]),
      attestations: signed.attestations.map((b) => [...b]),
      identity: { observers: [...identity.observers], trustedAttesters: [...identity.trustedAttesters] },
    });
  }
  return { cases, letters };
}

/** What §8 states about a result, from a runner outcome (claimants written `LETTER:LEVEL:in|out[:outranked]`). */
function bindingSummary(r: VerifierOutcome, letters: ReadonlyMap<string, string>) {
  return {
    decision: r.decision,
    disputed: r.disputed,
    rule: r.rule,
    // The outcome keeps each claimant's fields that claimantsSummary reads; its links are flattened.
    claimants: claimantsSummary({ claimants: r.claimants as unknown as CheckResult['claimants'] }, letters),
    warnings: [...new Set(r.warnings)].sort(),
  };
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
    let bindingLetters: Map<string, ReadonlyMap<string, string>>;
    let inNode: VerifierOutcome[];
    let inChromium: VerifierOutcome[];

    beforeAll(async () => {
      const bindings = await loadBindingCases();
      cases = [...(await loadDecisionCases()), ...bindings.cases];
      bindingLetters = bindings.letters;
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

    it('runs every case of docs/decisions.md §6 and §8 on both sides', () => {
      expect(cases.length).toBeGreaterThanOrEqual(160);
      expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
      expect(bindingLetters.size).toBeGreaterThanOrEqual(100);
      expect(inNode.length).toBe(cases.length);
      expect(inChromium.length).toBe(cases.length);
    });

    it('gives the expected §6 results in Node, so equality is not vacuous', () => {
      const expected = new Map(readDecisionTable().map((c) => [c.id, c.expected]));
      for (const r of inNode) {
        const want = expected.get(r.id);
        if (want === undefined) continue;
        const { decision, disputed, term, rule } = r;
        expect({ decision, disputed, term, rule, warnings: [...new Set(r.warnings)].sort() }, r.id).toEqual({
          ...want,
          warnings: [...want.warnings].sort(),
        });
      }
    });

    it('gives the expected §8 results in Node, claimants included', () => {
      const expected = new Map<string, BindingCase['expected']>(
        readBindingTable().map((c) => [c.id, c.expected]),
      );
      let checked = 0;
      for (const r of inNode) {
        const want = expected.get(r.id);
        const letters = bindingLetters.get(r.id);
        if (want === undefined || letters === undefined) continue;
        expect(bindingSummary(r, letters), r.id).toEqual({
          ...want,
          claimants: [...want.claimants],
          warnings: [...want.warnings],
        });
        checked++;
      }
      expect(checked).toBe(expected.size);
    });

    it('shows the links and attestations behind each §8 claimant', () => {
      const byId = new Map(inNode.map((r) => [r.id, r]));
      // l1: a temp_failure within 7 days of the last ok still binds; l7: an untrusted attester's attestation.
      expect(byId.get('l1')?.claimants[0]?.links).toEqual([
        expect.stringMatching(
          /^profile https:\/\/soundcloud\.com\/the-flight L1 bound temp_failure profile-text 2026-05-31T00:00:00(\.000)?Z did:key:z/,
        ),
      ]);
      expect(byId.get('l7')?.claimants[0]?.attestations).toEqual([
        expect.stringMatching(/ untrusted artist$/),
      ]);
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
