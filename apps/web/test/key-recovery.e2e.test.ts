/**
 * End to end, issue 20 (docs/spec/manifest.md §5.5): the web app keeps a chain's recovery key
 * commitment. The built app in Debian Chromium (playwright-core) against the real gateway over a real
 * registry node in a temp dir on 127.0.0.1 port 0; every outcome is read back from the node and
 * verified here, not through the page.
 */
import type { RunningGateway } from '@assent/gateway';
import {
  createIdentityBackup,
  generateIdentity,
  generateRecoveryKey,
  type Identity,
  identityBackupText,
  nextKeyHashOfDid,
  signManifest,
  TERM_LABELS,
  type VerifiedManifest,
  verifyManifest,
} from '@assent/manifest';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, hasChromium } from '../../../test/browser/chromium.js';
import { type ServedWebApp, serveWebApp } from './support/served-web-app.js';

const PASSPHRASE = 'correct horse battery staple';
// Fast scrypt for backups the test writes; the app writes at the full cost.
const TEST_SCRYPT = { N: 2 ** 14, r: 8, p: 1 } as const;
// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

describe.skipIf(!hasChromium)(
  `key recovery in the web app, end to end in Chromium${chromiumSkipReason}`,
  () => {
    let app: ServedWebApp | undefined;
    let gateway: RunningGateway;
    let page: Page;
    let pageErrors: string[] = [];

    beforeAll(async () => {
      app = await serveWebApp({ identity: UNBOUND });
      ({ gateway, page, pageErrors } = app);
    }, 180_000);

    afterAll(async () => {
      await app?.close();
    });

    /** The creator's answer from the node: `GET /v1/creators/{any key of the creator}`. */
    async function creatorOf(did: string): Promise<{ creator: string; head: string; version: number }> {
      const response = await fetch(`${gateway.url}/v1/creators/${encodeURIComponent(did)}`);
      expect(response.status).toBe(200);
      return (await response.json()) as { creator: string; head: string; version: number };
    }

    /** The creator's head as the node holds it, verified here. */
    async function headOf(did: string): Promise<VerifiedManifest> {
      const { head } = await creatorOf(did);
      const bytes = new Uint8Array(await (await fetch(`${gateway.url}/v1/manifests/${head}`)).arrayBuffer());
      const verified = await verifyManifest(bytes, { requireCanonical: true });
      if (!verified.ok) throw new Error(verified.message);
      return verified.value;
    }

    /** Restores an identity in the page from a backup file the test writes. */
    async function restoreInPage(me: Identity, options: { nextKeyHashes?: string[] } = {}): Promise<void> {
      const backup = await createIdentityBackup(me, PASSPHRASE, { scrypt: TEST_SCRYPT, ...options });
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
    }

    it('a chain that commits to a recovery key gets its next versions from the web app, and the node accepts them', async () => {
      // Version 1 as the CLI signs it: committed to a recovery key.
      const me = await generateIdentity();
      const recovery = await generateRecoveryKey();
      const nextKeyHashes = [nextKeyHashOfDid(recovery.identity.did)];
      const v1 = await signManifest(
        { default: { search: 'allow', 'train-genai': 'allow' }, works: [{ ids: ['isrc:QZAB12600010'] }] },
        { identity: me, nextKeyHashes },
      );
      const published = await fetch(`${gateway.url}/v1/manifests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: v1.bytes as Uint8Array<ArrayBuffer>,
      });
      expect(published.status).toBe(201);

      await restoreInPage(me, { nextKeyHashes });
      await expect.poll(() => page.locator('#current-version').textContent()).toContain('Version 1');

      // One action ("Stop allowing"), then the review path: both sign on the verified head.
      await page.getByRole('button', { name: `Stop allowing: ${TERM_LABELS['train-genai']}` }).click();
      await expect
        .poll(() => page.locator('#current-version').textContent(), { timeout: 20_000 })
        .toContain('Version 2');
      await page.getByRole('group', { name: TERM_LABELS.tdm }).getByLabel('Don’t allow').check();
      await page.getByRole('button', { name: 'Review' }).click();
      await page.getByRole('button', { name: 'Sign and publish' }).click();
      await page.locator('#published').waitFor({ timeout: 30_000 });

      const v3 = await headOf(me.did);
      expect(v3.version).toBe(3);
      expect(v3.issuer).toBe(me.did);
      expect(v3.keyState).toEqual({ nextKeyHashes });
      expect(v3.manifest.credentialSubject.default).toMatchObject({ 'train-genai': 'deny', tdm: 'deny' });
      expect(pageErrors).toEqual([]);
    }, 120_000);
  },
);
