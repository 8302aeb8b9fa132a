/**
 * Receipt verdict equality (issue 18: "stop every node, verify offline in Node and in Chromium with
 * the same verdict"). Real receipts from a real registry and gateway on 127.0.0.1 — a batch with deny,
 * conditional and unknown results and a catalog page, a GET check, a 10,000-work batch whose items 0,
 * 9,999 and a random one are shown alone — then the node stops, and `verifyReceipt` runs in Node and,
 * bundled for the browser, in real Chromium over the genuine receipts and altered ones, each with and
 * without the manifests' blocks. The verdicts are equal as plain data (ok, code, message, results,
 * rederived, node, query, log, cosignatures), and the Node ones are the expected ones, so equality
 * cannot hold vacuously.
 */
import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserBundle, bundleForBrowser } from '../../../test/browser/browser-bundle.js';
import { chromiumSkipReason, hasChromium, launchChromium } from '../../../test/browser/chromium.js';
import { openVerdictPage, serveBundleFiles } from '../../../test/browser/verdict-page.js';
import { memoryCheckpoints, RECEIPT_ERROR_CODES, verifyReceipt } from '../src/receipt/index.js';
import { type ReceiptCorpus, receiptCorpus } from './support/receipt-corpus.js';
import { type ReceiptApi, type ReceiptOutcome, runReceiptCases } from './support/receipt-runner.js';

/** The node, 10,000 decisions derived again on each side, and Chromium's start fit well inside this. */
const SUITE_TIMEOUT_MS = 240_000;
/** `@assent/verifier/receipt`, where `verifyReceipt` lives (the main entry leaves it out for size). */
const RECEIPT_ENTRY = resolve(import.meta.dirname, '..', 'src', 'receipt', 'index.ts');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Assent receipt verdict equality</title>
<script type="module">
import * as verifier from './assent-verifier.js';
import { runReceiptCases } from './receipt-runner.js';
globalThis.receiptVerdicts = (cases) => runReceiptCases(verifier, cases);
</script>
`;

describe.skipIf(!hasChromium)(
  `receipt verdict equality: Chromium vs Node, the node stopped${chromiumSkipReason}`,
  { timeout: SUITE_TIMEOUT_MS },
  () => {
    let corpus: ReceiptCorpus;
    let bundle: BrowserBundle | undefined;
    let browser: Browser | undefined;
    let server: Server | undefined;
    let inNode: ReceiptOutcome[];
    let inChromium: ReceiptOutcome[];
    /** Requests the page made after it loaded: verification must make none. */
    const requests: string[] = [];

    beforeAll(async () => {
      corpus = await receiptCorpus();
      inNode = await runReceiptCases(
        { verifyReceipt, memoryCheckpoints } as unknown as ReceiptApi,
        corpus.cases,
      );

      bundle = await bundleForBrowser({
        page: PAGE,
        entryPoints: {
          'assent-verifier': RECEIPT_ENTRY,
          'receipt-runner': join(import.meta.dirname, 'support', 'receipt-runner.ts'),
        },
        standaloneEntry: RECEIPT_ENTRY,
      });
      const served = await serveBundleFiles(bundle.files);
      server = served.server;
      browser = await launchChromium();
      const { page, pageErrors } = await openVerdictPage(browser, served.origin, 'receiptVerdicts');
      page.on('request', (request) => requests.push(request.url()));
      inChromium = await page.evaluate(
        (c) =>
          (
            globalThis as unknown as { receiptVerdicts(c: unknown): Promise<ReceiptOutcome[]> }
          ).receiptVerdicts(c),
        corpus.cases,
      );
      expect(pageErrors).toEqual([]);
    }, SUITE_TIMEOUT_MS);

    afterAll(async () => {
      await browser?.close();
      if (server !== undefined) {
        server.closeAllConnections();
        await new Promise((done) => server?.close(done));
      }
      if (bundle !== undefined) await rm(bundle.dir, { recursive: true, force: true });
    }, SUITE_TIMEOUT_MS);

    it('bundles the verifier for the browser with no node: imports', () => {
      expect(bundle?.nodeImports).toEqual([]);
    });

    it('gives the expected verdict in Node for every case, genuine and altered', () => {
      console.log(
        `[receipts] ${corpus.cases.length} cases; random item of the 10,000-work batch: ${corpus.randomIndex}`,
      );
      expect(inNode.map((v) => v.id)).toEqual([...corpus.expected.keys()]);
      const got = inNode.map((v) => {
        const want = corpus.expected.get(v.id);
        const value = v.value as { results: number; rederived: number; node: string } | undefined;
        return {
          id: v.id,
          ok: v.ok,
          ...(v.code === undefined ? {} : { code: v.code }),
          ...(want?.results === undefined ? {} : { results: value?.results }),
          ...(want?.rederived === undefined ? {} : { rederived: value?.rederived }),
        };
      });
      expect(got).toEqual(inNode.map((v) => ({ id: v.id, ...corpus.expected.get(v.id) })));
      for (const v of inNode) {
        if (v.ok) expect((v.value as { node: string }).node, v.id).toBe(corpus.node);
      }
      // Every code verifyReceipt has is among them, and the witness's cosignature shows under the policy.
      const codes = new Set(inNode.map((v) => v.code).filter((c) => c !== undefined));
      expect([...codes].sort()).toEqual([...RECEIPT_ERROR_CODES].sort());
      const witnessed = inNode.find((v) => v.id === 'witnessed batch under a policy')?.value as
        | { cosignatures: unknown[] }
        | undefined;
      expect(witnessed?.cosignatures).toEqual([
        expect.objectContaining({ name: 'witness.example/w1', timestamp: corpus.cosignedAt }),
      ]);
      const equivocation = inNode.find((v) => v.code === 'EQUIVOCATION')?.equivocation as
        | { notes: string[] }
        | undefined;
      expect(equivocation?.notes).toHaveLength(2);
    });

    it('gives every verdict in Chromium exactly as in Node', () => {
      expect(inChromium.length).toBe(inNode.length);
      for (const [i, v] of inNode.entries()) expect(inChromium[i], v.id).toEqual(v);
    });

    it('verifies in Chromium without a single request', () => {
      expect(requests).toEqual([]);
    });
  },
);
