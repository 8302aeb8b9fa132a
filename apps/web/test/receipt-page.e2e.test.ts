/**
 * The receipt page end to end (issue 18: "drop a receipt, see what it proves"): the built app in
 * Debian Chromium over a real gateway and registry node on 127.0.0.1. Receipts come from the node's
 * API (`POST` and `GET /v1/check?receipt=1`), saved byte for byte as a person would keep them; the
 * page is then cut off from the network, and every verification must make no request. A genuine
 * answer shows the node's DID and the decisions, altered ones their codes; a witnessed receipt, a
 * forked log and a node not trusted are made with the node's own keys (one loopback node cannot be
 * made to fork and has no witness).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningGateway } from '@assent/gateway';
import { generateIdentity, type SignedManifest, signManifest } from '@assent/manifest';
import { type ConsentCheckReceipt, receiptItem } from '@assent/verifier/receipt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cosignCheckpoint,
  forkCheckpoint,
  type NodeKeys,
  readNodeKeys,
  resignReceipt,
  withCheckpoint,
} from '../../../packages/verifier/test/support/node-keys.js';
import { chromiumSkipReason, hasChromium } from '../../../test/browser/chromium.js';
import { type ServedWebApp, serveWebApp } from './support/served-web-app.js';

const shots = join(import.meta.dirname, '..', 'test-results');
// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

const X = 'isrc:USRC17607839';
const Y = 'isrc:GBAYE0601498';
const PAGED = 'isrc:QZRCP2600001';
const NOBODY = 'isrc:ZZZZZ0000000';
const WITNESS = 'witness.example/w1';
/** 2026-12-01T00:00:00Z, in POSIX seconds: the time the faked witness vouches for. */
const COSIGNED_AT = 1_796_083_200;

type Json = Record<string, unknown>;

/** Drops a file on an element with a real `drop` event carrying a DataTransfer. */
async function dropFile(page: Page, selector: string, name: string, text: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, text }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: 'application/json' }));
      return dt;
    },
    { name, text },
  );
  await page.dispatchEvent(selector, 'dragover', { dataTransfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer });
}

describe.skipIf(!hasChromium)(`receipt page end to end in Chromium${chromiumSkipReason}`, () => {
  let app: ServedWebApp | undefined;
  let gateway: RunningGateway;
  let page: Page;
  let pageErrors: string[] = [];
  /** Every request the page makes once it has loaded. */
  const requests: string[] = [];
  let node = '';
  let keys: NodeKeys;
  /** The answers, as the node sent them (text). */
  let batchText = '';
  let singleText = '';
  let nobodyText = '';
  let manifests: SignedManifest[];
  const blocks: { name: string; mimeType: string; buffer: Buffer }[] = [];

  async function get(path: string, init?: RequestInit): Promise<string> {
    const res = await fetch(`${gateway.url}${path}`, init);
    expect(res.status, path).toBe(200);
    return res.text();
  }

  beforeAll(async () => {
    await mkdir(shots, { recursive: true });
    app = await serveWebApp({ identity: UNBOUND });
    ({ gateway, page, pageErrors } = app);
    const label = await generateIdentity();
    const artist = await generateIdentity();
    manifests = [
      await signManifest({ works: [{ ids: [X], policy: { 'train-ai': 'deny' } }] }, { identity: artist }),
      await signManifest(
        {
          works: [
            {
              ids: [Y],
              policy: {
                'train-genai': {
                  decision: 'conditional',
                  conditions: { attribution: 'The Label', licensees: ['example.ai'] },
                },
              },
            },
            { ids: [PAGED], policy: { all: 'deny' } },
          ],
        },
        { identity: label, inlineBudgetBytes: 0 },
      ),
    ];
    for (const m of manifests)
      expect((await app.registry.ingest(m.bytes, { pages: m.pages.map((p) => p.bytes) })).ok).toBe(true);
    node = (JSON.parse(await get('/.well-known/assent-node.json')) as { did: string }).did;
    batchText = await get('/v1/check?receipt=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ use: 'train-genai', org: 'example.ai', works: [X, Y, PAGED, NOBODY] }),
    });
    singleText = await get(`/v1/check?work=${X}&use=train-genai&receipt=1`);
    nobodyText = await get(`/v1/check?work=${NOBODY}&use=train-genai&receipt=1`);
    for (const m of manifests) {
      const bytes = Buffer.from(await (await fetch(`${gateway.url}/v1/manifests/${m.cid}`)).arrayBuffer());
      blocks.push({ name: `${m.cid}.json`, mimeType: 'application/json', buffer: bytes });
      for (const p of m.pages) {
        const page = Buffer.from(
          await (await fetch(`${gateway.url}/ipfs/${p.cid}?format=raw`)).arrayBuffer(),
        );
        blocks.push({ name: `${p.cid}.bin`, mimeType: 'application/octet-stream', buffer: page });
      }
    }
    keys = await readNodeKeys(join(app.dir, 'node'));

    await page.goto(`${gateway.url}/`);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Check a receipt' })
      .click();
    await page.waitForFunction(() => document.title === 'Check a receipt · Assent');
    // The page's code is a chunk of its own: loaded before the network goes.
    await page.getByRole('heading', { level: 1, name: 'Check a receipt' }).waitFor();
    // From here the page is on its own: offline, and any request it still tries is counted.
    page.on('request', (request) => requests.push(request.url()));
    await app.context.setOffline(true);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  /** The verdict of each report on the page, as `ok` or its code. */
  async function verdicts(): Promise<string[]> {
    const sections = page.locator('#receipt-results section.receipt');
    await sections.first().waitFor();
    return sections.evaluateAll((all) =>
      all.map((s) =>
        (s as HTMLElement).dataset.verdict === 'ok' ? 'ok' : ((s as HTMLElement).dataset.code ?? '?'),
      ),
    );
  }

  /** Drops a file and waits for the new summary. */
  async function dropAndVerify(name: string, text: string): Promise<string> {
    await page.evaluate(() => document.getElementById('receipt-summary')?.remove());
    await dropFile(page, '#receipt-dropzone', name, text);
    return (await page.locator('#receipt-summary').textContent({ timeout: 30_000 })) ?? '';
  }

  it('verifies a dropped POST answer in the browser: the node, the query, the log and each decision', async () => {
    expect(await dropAndVerify('check.json', batchText)).toBe('Verified.');
    expect(await page.locator('#receipt-node').textContent()).toBe(node);
    expect(await page.locator('#receipt-use').textContent()).toContain('train-genai');
    expect(await page.locator('#receipt-tree-size').textContent()).toBe('2 entries');
    const rows = page.locator('table.receipt-results tbody tr');
    expect(await rows.evaluateAll((all) => all.map((r) => (r as HTMLElement).dataset.decision))).toEqual([
      'deny',
      'conditional',
      'deny',
      'unknown',
    ]);
    expect(await rows.nth(0).textContent()).toContain('Not allowed');
    expect(await rows.nth(1).textContent()).toContain('credit “The Label”');
    expect(await page.locator('#receipt-derived').textContent()).toContain('not derived again');
    expect(await page.locator('#receipt-witnesses').textContent()).toBe('None');
    // Focus moves to the report's heading.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H2');
    await page.screenshot({ path: join(shots, '20-receipt-verified.png'), fullPage: true });
  });

  it('derives every decision again from the manifests’ files', async () => {
    await page.locator('#receipt-blocks-input').setInputFiles(blocks);
    await expect
      .poll(() => page.locator('#receipt-derived').textContent())
      .toContain('4 of 4 decisions derived again in this browser');
    expect(await page.locator('#receipt-block-list li').count()).toBe(blocks.length);
    for (const m of manifests)
      expect(await page.locator(`details li[data-cid="${m.cid}"]`).textContent()).toContain(
        'among those you gave',
      );
  });

  it('fits a phone-sized screen with no horizontal overflow', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(shots, '23-receipt-phone.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('names each altered part by its code and says what it means', async () => {
    const altered = (change: (a: Json & { results: Json[]; receipt: Json }) => void) => {
      const a = JSON.parse(batchText) as Json & { results: Json[]; receipt: Json };
      change(a);
      return JSON.stringify(a);
    };
    const cases: [string, string, string][] = [
      [
        altered((a) => {
          (a.results[0] as Json).decision = 'allow';
        }),
        'RECEIPT_RESULTS_INVALID',
        'not the ones the node signed',
      ],
      [
        altered((a) => {
          (a.receipt.credentialSubject as Json).asOf = '2020-01-01T00:00:00Z';
        }),
        'RECEIPT_SIGNATURE_INVALID',
        'changed after signing',
      ],
      [
        altered((a) => {
          ((a.receipt.credentialSubject as Json).log as Json).treeSize = 3;
        }),
        'RECEIPT_CHECKPOINT_INVALID',
        'checkpoint does not hold',
      ],
      [
        altered((a) => {
          ((a.receipt.credentialSubject as { decidedBy: Json[] }).decidedBy[0] as Json).logIndex = 5;
        }),
        'RECEIPT_INCLUSION_INVALID',
        'not proven to be in the node’s log',
      ],
      [
        altered((a) => {
          delete a.receipt.proof;
        }),
        'RECEIPT_MALFORMED',
        'not a check receipt',
      ],
    ];
    for (const [text, code, meaning] of cases) {
      expect(await dropAndVerify('altered.json', text)).toBe(`Not verified (${code}).`);
      expect(await verdicts()).toEqual([code]);
      expect(await page.locator('#receipt-results .explanation').textContent()).toContain(meaning);
      if (code === 'RECEIPT_RESULTS_INVALID')
        await page.screenshot({ path: join(shots, '21-receipt-altered.png'), fullPage: true });
    }
  });

  it('reads JSON Lines: a GET answer, one result of a batch shown alone, and an altered line', async () => {
    const batch = JSON.parse(batchText) as { receipt: ConsentCheckReceipt; results: Json[] };
    const item = receiptItem(batch.results, 1, batch.receipt);
    const altered = {
      receipt: batch.receipt,
      item: { ...item, index: 0, chunk: [...batch.results].reverse() },
    };
    const lines = [
      singleText.trim(),
      JSON.stringify({ receipt: batch.receipt, item }),
      JSON.stringify(altered),
    ];
    expect(await dropAndVerify('scan.jsonl', `${lines.join('\n')}\n`)).toBe(
      '3 receipts: 2 verified, 1 not verified.',
    );
    expect(await verdicts()).toEqual(['ok', 'ok', 'RECEIPT_RESULTS_INVALID']);
    const second = page.locator('#receipt-results section.receipt').nth(1);
    expect(await second.locator('h2').textContent()).toBe('Line 2 of “scan.jsonl”');
    expect(await second.locator('tbody tr').getAttribute('data-work')).toBe(Y);
    expect(await second.textContent()).toContain('Shown alone: one result of 4');
  });

  it('shows a witness’s cosignature checked under a policy, and refuses a node not trusted', async () => {
    const batch = JSON.parse(batchText) as { receipt: Json; results: Json[] };
    const log = (batch.receipt.credentialSubject as { log: { checkpoint: string; vkey: string } }).log;
    const cosigned = await cosignCheckpoint(log.checkpoint, WITNESS, COSIGNED_AT);
    const witnessed = await resignReceipt(withCheckpoint(batch.receipt, cosigned.note), keys);
    const file = JSON.stringify({ receipt: witnessed, results: batch.results });
    expect(await dropAndVerify('witnessed.json', file)).toBe('Verified.');
    expect(await page.locator('#receipt-witnesses').textContent()).toContain(`Not checked: ${WITNESS}`);

    await page.locator('#receipt-trust summary').click();
    await page.getByLabel('Witness policy').fill(`log ${log.vkey}\nwitness w1 ${cosigned.vkey}\nquorum w1\n`);
    await page.getByRole('button', { name: 'Verify again' }).click();
    const witness = page.locator(`#receipt-witnesses li[data-witness="${WITNESS}"] time`);
    expect(await witness.getAttribute('datetime', { timeout: 30_000 })).toBe('2026-12-01T00:00:00.000Z');
    await page.screenshot({ path: join(shots, '22-receipt-witnessed.png'), fullPage: true });

    const other = await generateIdentity();
    await page.getByLabel('Nodes you trust').fill(other.did);
    await page.getByRole('button', { name: 'Verify again' }).click();
    await expect.poll(() => verdicts()).toEqual(['RECEIPT_NODE_UNTRUSTED']);
    await page.getByLabel('Nodes you trust').fill(node);
    await page.getByRole('button', { name: 'Verify again' }).click();
    await expect.poll(() => verdicts()).toEqual(['ok']);
    await page.getByLabel('Nodes you trust').fill('');
    await page.getByLabel('Witness policy').fill('');
  });

  it('keeps the checkpoints it saw: a log that shows another tree of the same size is EQUIVOCATION', async () => {
    // A receipt that rests on no manifest, under another tree of the size the page saw before.
    const nobody = JSON.parse(nobodyText) as Json & { receipt: Json };
    const batch = JSON.parse(batchText) as { receipt: ConsentCheckReceipt };
    const size = batch.receipt.credentialSubject.log.treeSize;
    const fork = await forkCheckpoint(keys, size);
    const { asOf: _asOf, checkpoint: _checkpoint, receipt: _receipt, ...result } = nobody;
    const unsigned = withCheckpoint(nobody.receipt, fork.note);
    (unsigned.credentialSubject.log as { treeSize: number }).treeSize = size;
    const forked = await resignReceipt(unsigned, keys);
    expect(await dropAndVerify('forked.json', JSON.stringify({ receipt: forked, results: [result] }))).toBe(
      'Not verified (EQUIVOCATION).',
    );
    expect(await page.locator('#receipt-results section pre').count()).toBe(2);
    expect(await page.locator('#receipt-results section pre').nth(1).textContent()).toBe(fork.note);
  });

  it('made no request while verifying, and no page error', () => {
    expect(requests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
