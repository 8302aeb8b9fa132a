import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserBundle, bundleForBrowser } from '../../../test/browser/browser-bundle.js';
import { chromiumSkipReason, hasChromium, launchChromium } from '../../../test/browser/chromium.js';
import { openVerdictPage, serveBundleFiles } from '../../../test/browser/verdict-page.js';
import {
  hasSharedVectors,
  SHARED_VECTORS_DIR,
  sharedVectorText,
  skipReason,
} from '../../../test/support/shared-vectors.js';
import { runTlogVerdicts, type TlogCases, type TlogVerdict } from './verdict-runner.js';

/**
 * Verdict equality for `@assent/tlog` (issue 18: the vectors "byte-exact, in Node and in Chromium"):
 * the browser bundle, run in real Chromium, gives the same verdict as Node on every RFC 6962 vector of
 * ../shared/vectors/tlog/merkle and every case of test/vectors/tlog, and the Node verdicts are the
 * expected ones, so equality cannot hold vacuously.
 */

const SUITE_TIMEOUT_MS = 120_000;
const SRC = resolve(import.meta.dirname, '..', 'src');
const VECTORS = resolve(import.meta.dirname, '..', '..', '..', 'test', 'vectors', 'tlog');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Assent tlog verdict equality</title>
<script type="module">
import { runTlogVerdicts } from './tlog-verdict-runner.js';
globalThis.tlogVerdicts = (cases) => runTlogVerdicts(cases);
</script>
`;

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...jsonFiles(full));
    else if (name.endsWith('.json')) out.push(full);
  }
  return out;
}

interface Expected {
  cases: TlogCases;
  /** The verdict each case must have, where the vector states one. */
  known: Map<string, (verdict: string) => boolean>;
}

function loadCases(): Expected {
  const known = new Map<string, (verdict: string) => boolean>();
  const cases: TlogCases = {
    inclusion: [],
    consistency: [],
    notes: [],
    signing: [],
    vkeys: [],
    checkpoints: [],
    cosignatures: [],
    tilePaths: [],
    proofs: [],
  };
  for (const file of jsonFiles(join(SHARED_VECTORS_DIR, 'tlog', 'merkle'))) {
    const rel = file.slice(SHARED_VECTORS_DIR.length + 1);
    const v = JSON.parse(sharedVectorText(rel)) as Record<string, unknown> & {
      wantErr: boolean;
      proof: string[] | null;
    };
    const id = rel;
    known.set(id, (verdict) => (verdict === 'ok') === !v.wantErr);
    if (rel.includes('/inclusion/')) {
      cases.inclusion.push({
        id,
        index: v.leafIdx as number,
        size: v.treeSize as number,
        leafHash: v.leafHash as string,
        proof: v.proof ?? [],
        root: v.root as string,
      });
    } else {
      cases.consistency.push({
        id,
        size1: v.size1 as number,
        size2: v.size2 as number,
        root1: v.root1 as string,
        root2: v.root2 as string,
        proof: v.proof ?? [],
      });
    }
  }
  const load = <T>(name: string) => JSON.parse(readFileSync(join(VECTORS, name), 'utf8')) as T;
  type Case = { id: string; result?: string; code?: string; input: unknown };
  const expectCase = (id: string, t: Case) =>
    known.set(id, (verdict) => (t.result === 'valid' ? verdict.startsWith('ok') : verdict === t.code));
  for (const t of load<{ tests: (Case & { input: { vkeys: string[]; note?: string; noteHex?: string } })[] }>(
    'note-verify.json',
  ).tests) {
    const id = `note-verify/${t.id}`;
    cases.notes.push({ id, ...t.input });
    expectCase(id, t);
  }
  for (const t of load<{
    tests: {
      id: string;
      input: { name: string; seedHex: string; text: string };
      vkey: string;
      note: string;
    }[];
  }>('note-sign.json').tests) {
    const id = `note-sign/${t.id}`;
    cases.signing.push({ id, ...t.input });
    known.set(id, (verdict) => verdict === `${t.vkey}\n${t.note}`);
  }
  for (const [file, list] of [
    ['vkey.json', cases.vkeys],
    ['checkpoint.json', cases.checkpoints],
    ['cosignature.json', cases.cosignatures],
    ['tlog-proof.json', cases.proofs],
  ] as const) {
    for (const t of load<{ tests: (Case & { input: string })[] }>(file).tests) {
      const id = `${file}/${t.id}`;
      list.push({ id, input: t.input });
      expectCase(id, t);
    }
  }
  for (const t of load<{ paths: { id: string; index: number; path: string }[] }>('tiles.json').paths) {
    const id = `tiles.json/${t.id}`;
    cases.tilePaths.push({ id, input: `tile/0/${t.path}` });
    known.set(id, (verdict) => verdict === `ok:0:${t.index}:256`);
  }
  return { cases, known };
}

describe.skipIf(!hasSharedVectors || !hasChromium)(
  `@assent/tlog verdict equality: Chromium vs Node${skipReason}${chromiumSkipReason}`,
  { timeout: SUITE_TIMEOUT_MS },
  () => {
    let bundle: BrowserBundle | undefined;
    let browser: Browser | undefined;
    let server: Server | undefined;
    let expected: Expected;
    let inNode: TlogVerdict[];
    let inChromium: TlogVerdict[];

    beforeAll(async () => {
      expected = loadCases();
      inNode = await runTlogVerdicts(expected.cases);
      bundle = await bundleForBrowser({
        page: PAGE,
        entryPoints: { 'tlog-verdict-runner': join(import.meta.dirname, 'verdict-runner.ts') },
        standaloneEntry: join(SRC, 'index.ts'),
      });
      const served = await serveBundleFiles(bundle.files);
      server = served.server;
      browser = await launchChromium();
      const { page, pageErrors } = await openVerdictPage(browser, served.origin, 'tlogVerdicts');
      inChromium = await page.evaluate(
        (c) =>
          (globalThis as unknown as { tlogVerdicts(c: TlogCases): Promise<TlogVerdict[]> }).tlogVerdicts(c),
        expected.cases,
      );
      expect(pageErrors).toEqual([]);
    }, SUITE_TIMEOUT_MS);

    afterAll(async () => {
      await browser?.close();
      if (server !== undefined) {
        server.closeAllConnections();
        await new Promise((done) => server?.close(done));
      }
      if (bundle !== undefined) {
        const { rm } = await import('node:fs/promises');
        await rm(bundle.dir, { recursive: true, force: true });
      }
    }, SUITE_TIMEOUT_MS);

    it('bundles for the browser with no node: imports', () => {
      expect(bundle?.nodeImports).toEqual([]);
    });

    it('gives the expected verdict in Node for every case (196 Merkle vectors and every spec vector)', () => {
      expect(expected.cases.inclusion.length + expected.cases.consistency.length).toBe(196);
      expect(inNode.length).toBe(expected.known.size);
      const wrong = inNode.filter((v) => !(expected.known.get(v.id)?.(v.verdict) ?? false));
      expect(wrong).toEqual([]);
    });

    it('has 0 verdict differences between Chromium and Node', () => {
      expect(inChromium).toEqual(inNode);
    });
  },
);
