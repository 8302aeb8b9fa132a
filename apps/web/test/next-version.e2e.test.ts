/**
 * End to end, issue 16: the next version the web app publishes keeps everything the head says and
 * restricts only what the creator asked. The built app in Debian Chromium (playwright-core) against
 * the real gateway over a real registry node in a temp dir on 127.0.0.1 port 0; versions the test
 * signs itself (as the CLI would) are published with the same identity restored in the browser, and
 * every outcome is read back through the verifier SDK or `GET /v1/check`, not through the page.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningGateway } from '@assent/gateway';
import {
  type CatalogPage,
  type ConsentManifest,
  createIdentityBackup,
  generateIdentity,
  type Identity,
  identityBackupText,
  type ManifestDraft,
  PENDING_WINDOW_MS,
  signManifest,
  snapshotOf,
  TERM_LABELS,
  verifyCatalogPage,
  verifyManifest,
} from '@assent/manifest';
import { manifestCar } from '@assent/manifest/car';
import { createVerifier, gatewaySource } from '@assent/verifier';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, hasChromium } from '../../../test/browser/chromium.js';
import { confirmSheet } from './support/recovery-sheet.js';
import { type ServedWebApp, serveWebApp } from './support/served-web-app.js';

/** A time of use after the waiting window of every version published now (spec §5.5). */
const PAST_EVERY_WINDOW = () => new Date(Date.now() + PENDING_WINDOW_MS + 60_000).toISOString();
const here = dirname(fileURLToPath(import.meta.url));
const appRoot = join(here, '..');
const shots = join(appRoot, 'test-results');
const PASSPHRASE = 'correct horse battery staple';
// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

describe.skipIf(!hasChromium)(
  `the web app's next version, end to end in Chromium${chromiumSkipReason}`,
  () => {
    let app: ServedWebApp | undefined;
    let gateway: RunningGateway;
    let page: Page;
    let pageErrors: string[] = [];
    let me: Identity;

    beforeAll(async () => {
      await mkdir(shots, { recursive: true });
      app = await serveWebApp({ acceptDownloads: false, identity: UNBOUND });
      ({ gateway, page, pageErrors } = app);
      me = await generateIdentity();
    }, 180_000);

    afterAll(async () => {
      await app?.close();
    });

    /** The creator's head on the gateway. */
    async function head(did: string): Promise<{ cid: string; version: number; manifest: ConsentManifest }> {
      const creator = (await (
        await fetch(`${gateway.url}/v1/creators/${encodeURIComponent(did)}`)
      ).json()) as {
        head: string;
        heads: { cid: string; version: number }[];
      };
      const bytes = new Uint8Array(
        await (await fetch(`${gateway.url}/v1/manifests/${creator.head}`)).arrayBuffer(),
      );
      const verified = await verifyManifest(bytes, { requireCanonical: true });
      if (!verified.ok) throw new Error(verified.message);
      return { cid: verified.value.cid, version: verified.value.version, manifest: verified.value.manifest };
    }

    /** Signs the next version in Node, as the CLI would, and publishes it (a CAR when it has pages). */
    async function publishFromNode(draft: ManifestDraft, inlineBudgetBytes?: number): Promise<void> {
      const current = await head(me.did).catch(() => undefined);
      const signed = await signManifest(draft, {
        identity: me,
        ...(current === undefined ? {} : { head: current }),
        ...(inlineBudgetBytes === undefined ? {} : { inlineBudgetBytes }),
      });
      const car = signed.pages.length > 0;
      const response = await fetch(`${gateway.url}/v1/manifests`, {
        method: 'POST',
        headers: { 'content-type': car ? 'application/vnd.ipld.car' : 'application/json' },
        body: car ? manifestCar(signed, signed.pages) : (signed.bytes as Uint8Array<ArrayBuffer>),
      });
      expect(response.status).toBe(201);
    }

    /**
     * The decision at `at`, by default past the 72-hour waiting window of every version published
     * here (spec §5.5): this file is about what each version says, not about when it takes effect.
     */
    async function decision(
      work: string,
      use: keyof typeof TERM_LABELS,
      at = PAST_EVERY_WINDOW(),
    ): Promise<string> {
      const verifier = createVerifier({ source: gatewaySource(gateway.url), identity: UNBOUND });
      return (await verifier.check({ work, use, at })).decision;
    }

    it('"Stop allowing" denies a use even where a work’s own broader grant allowed it', async () => {
      const granted = 'isrc:QZAB12600001';
      const plain = 'isrc:QZAB12600002';
      await publishFromNode({
        default: { search: 'allow' },
        works: [{ ids: [granted], policy: { 'train-ai': 'allow' } }, { ids: [plain] }],
      });
      expect(await decision(granted, 'train-genai')).toBe('allow');

      // The same identity, restored in the browser from a backup file.
      const backup = await createIdentityBackup(me, PASSPHRASE, { scrypt: { N: 2 ** 14, r: 8, p: 1 } });
      await page.goto(`${gateway.url}/`);
      await page.locator('details.restore summary').click();
      const restore = page.locator('#restore-form');
      await restore.getByLabel('Backup file').setInputFiles({
        name: 'backup.json',
        mimeType: 'application/json',
        buffer: Buffer.from(identityBackupText(backup)),
      });
      await restore.getByLabel('Passphrase').fill(PASSPHRASE);
      await restore.getByRole('button', { name: 'Restore' }).click();
      await expect.poll(() => page.locator('#my-did').textContent(), { timeout: 30_000 }).toBe(me.did);
      await expect.poll(() => page.locator('#current-version').textContent()).toContain('Version 1');
      expect(await page.locator('#current-table [data-own="train-genai"]').textContent()).toContain(
        '1 work has an answer of its own',
      );

      await page.getByRole('button', { name: `Stop allowing: ${TERM_LABELS['train-genai']}` }).click();
      await expect
        .poll(() => page.locator('#current-version').textContent(), { timeout: 20_000 })
        .toContain('Version 2');
      await shot(page, '11-stop-allowing-beats-work-grant');
      expect(await decision(granted, 'train-genai')).toBe('deny');
      expect(await decision(granted, 'train-ai')).toBe('allow');
      expect(await decision(plain, 'train-genai')).toBe('deny');
      expect(await decision(plain, 'search')).toBe('allow');
      const checked = (await (
        await fetch(`${gateway.url}/v1/check?work=${granted}&use=train-genai`)
      ).json()) as { decision: string };
      expect(checked.decision).toBe('deny');
      // Nothing left to stop: the button is gone.
      expect(
        await page.getByRole('button', { name: `Stop allowing: ${TERM_LABELS['train-genai']}` }).count(),
      ).toBe(0);
    });

    it('republishing after one change keeps catalog pages, validUntil and every until', async () => {
      const works = Array.from({ length: 3000 }, (_, i) => ({ ids: [`url:https://label.example/t/${i}`] }));
      const until = '2031-03-01T00:00:00Z';
      const validUntil = '2032-12-01T00:00:00Z';
      await publishFromNode(
        {
          default: {
            search: { decision: 'conditional', conditions: { until } },
            'ai-input': { decision: 'conditional', conditions: { attribution: 'The Flight', until } },
            tdm: 'allow',
          },
          works,
          validUntil,
        },
        16 * 1024,
      );
      const v3 = await head(me.did);
      expect(v3.version).toBe(3);
      expect(v3.manifest.credentialSubject.catalog?.length).toBeGreaterThan(0);

      await page.reload();
      await expect
        .poll(() => page.locator('#current-version').textContent(), { timeout: 20_000 })
        .toContain('covering 3,000 works, ending');
      expect(await page.locator('#valid-until').inputValue()).toBe('2032-12-01');
      const search = page.getByRole('group', { name: TERM_LABELS.search });
      expect(await search.getByLabel('Allow', { exact: true }).isChecked()).toBe(true);
      expect(await search.getByLabel('Allowed until (optional)').inputValue()).toBe('2031-03-01');

      // One change: generative training is not allowed, and AI training is allowed until 2030.
      await page.getByRole('group', { name: TERM_LABELS['train-genai'] }).getByLabel('Don’t allow').check();
      const training = page.getByRole('group', { name: TERM_LABELS['train-ai'] });
      await training.getByLabel('Allow', { exact: true }).check();
      await training.getByLabel('Allowed until (optional)').fill('2030-01-01');
      await page.getByRole('button', { name: 'Review' }).click();
      expect(await page.locator('#summary-uses dd[data-term="train-ai"]').textContent()).toBe(
        'Allowed until 2030-01-01T00:00:00Z',
      );
      expect(await page.locator('#summary-valid-until').textContent()).toBe(validUntil);
      await page.getByRole('button', { name: 'Sign and publish' }).click();
      await page.locator('#published').waitFor({ timeout: 30_000 });

      const v4 = await head(me.did);
      expect(v4.version).toBe(4);
      expect(v4.manifest.validUntil).toBe(validUntil);
      expect(v4.manifest.credentialSubject.default).toEqual({
        ...v3.manifest.credentialSubject.default,
        'train-genai': 'deny',
        'train-ai': { decision: 'conditional', conditions: { until: '2030-01-01T00:00:00Z' } },
      });
      // Every work is still claimed (pages included), and decided as signed.
      const pages = new Map<string, CatalogPage>();
      for (const cid of v4.manifest.credentialSubject.catalog ?? []) {
        const bytes = new Uint8Array(
          await (await fetch(`${gateway.url}/ipfs/${cid}?format=raw`)).arrayBuffer(),
        );
        const page = verifyCatalogPage(bytes, { cid, issuer: me.did });
        if (!page.ok) throw new Error(page.message);
        pages.set(cid, page.value);
      }
      const claimed = snapshotOf(v4.manifest, pages).works.flatMap((w) => w.ids);
      expect(claimed).toHaveLength(works.length);
      expect(new Set(claimed)).toEqual(new Set(works.flatMap((w) => w.ids)));
      const verifier = createVerifier({ source: gatewaySource(gateway.url), identity: UNBOUND });
      const now = await verifier.checkMany({
        works: works.map((w) => w.ids[0] as string),
        use: 'search',
        at: PAST_EVERY_WINDOW(),
      });
      expect(new Set(now.map((r) => r.decision))).toEqual(new Set(['conditional']));
      const last = 'url:https://label.example/t/2999';
      expect(await decision(last, 'train-genai')).toBe('deny');
      expect(await decision(last, 'train-ai')).toBe('conditional');
      expect(await decision(last, 'search', '2031-04-01T00:00:00Z')).toBe('deny'); // its until has passed
      expect(await decision(last, 'tdm', '2032-12-02T00:00:00Z')).toBe('deny'); // the manifest has ended
      expect(await decision(last, 'tdm')).toBe('allow');
    });

    it('publishes a 10,000-work catalog imported from a list, as a CAR with its catalog pages', async () => {
      // A new creator, made in the browser.
      await page.getByRole('button', { name: 'Remove from this browser…' }).click();
      await page.getByRole('button', { name: 'Yes, remove it' }).click();
      await page.getByRole('button', { name: 'Create my identity' }).click();
      await confirmSheet(page);
      const did = (await page.locator('#my-did').textContent({ timeout: 15_000 })) ?? '';
      expect(did).toMatch(/^did:key:z6Mk/);
      await page.locator('#no-manifest').waitFor();

      const ids = Array.from({ length: 10_000 }, (_, i) =>
        i % 2 === 0 ? `QZ-CD3-26-${String(i).padStart(5, '0')}` : `https://label.example/catalog/${i}`,
      );
      const csv = `id,title\n${ids.map((id, i) => `${id},Track ${i}`).join('\n')}\n`;
      await page.locator('#work-list-file').setInputFiles({
        name: 'catalog.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(csv),
      });
      await expect
        .poll(() => page.locator('#works-error').textContent(), { timeout: 30_000 })
        .toBe('Added 10,000 works.');
      expect(await page.locator('#works-more').textContent()).toContain('10,000 works in all');
      await page.getByRole('group', { name: TERM_LABELS['train-genai'] }).getByLabel('Don’t allow').check();
      await page
        .getByRole('group', { name: TERM_LABELS.search })
        .getByLabel('Allow', { exact: true })
        .check();
      await page.getByRole('button', { name: 'Review' }).click();
      expect(await page.locator('#review-region').textContent()).toContain('for 10,000 works');

      const started = performance.now();
      await page.getByRole('button', { name: 'Sign and publish' }).click();
      await page.locator('#published').waitFor({ timeout: 120_000 });
      const seconds = (performance.now() - started) / 1000;
      console.info(
        `10,000-work catalog: signed in Chromium and published as a CAR in ${seconds.toFixed(2)} s`,
      );
      await expect
        .poll(() => page.locator('#current-version').textContent(), { timeout: 60_000 })
        .toContain('covering 10,000 works');
      await shot(page, '12-catalog-10000-published');
      // The creator page with its new fields still fits a phone-sized screen.
      await page.setViewportSize({ width: 390, height: 844 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.setViewportSize({ width: 1100, height: 900 });

      const published = await head(did);
      expect(published.version).toBe(1);
      expect(published.manifest.credentialSubject.catalog?.length).toBeGreaterThan(0);
      // The list spells ISRCs with hyphens; the registry holds their normal form.
      const normal = (i: number) =>
        i % 2 === 0 ? `isrc:QZCD326${String(i).padStart(5, '0')}` : `url:https://label.example/catalog/${i}`;
      for (const i of [0, 1, 2].map(() => Math.floor(Math.random() * ids.length))) {
        const work = encodeURIComponent(normal(i));
        for (const [use, expected] of [
          ['train-genai', 'deny'],
          ['search', 'allow'],
        ] as const) {
          const answer = (await (await fetch(`${gateway.url}/v1/check?work=${work}&use=${use}`)).json()) as {
            decision: string;
            evidence: { issuer: string }[];
          };
          expect(answer.decision, `${ids[i]} ${use}`).toBe(expected);
          expect(answer.evidence[0]?.issuer).toBe(did);
        }
      }
      expect(pageErrors).toEqual([]);
    }, 240_000);
  },
);

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}
