/**
 * End to end, issue 20 (docs/spec/manifest.md §5.5; DESIGN-TRUST §2.4 scenario 8): the web app keeps
 * a chain's recovery key commitment, makes a recovery key with every identity (shown once as a sheet,
 * two words confirmed), and takes a creator back with the 24 words after the key is lost. The built
 * app in Debian Chromium (playwright-core) against the real gateway over a real registry node in a
 * temp dir on 127.0.0.1 port 0; every outcome is read back from the node and verified here, not
 * through the page, and what the browser stores is searched for the words.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningGateway } from '@assent/gateway';
import {
  createIdentityBackup,
  generateIdentity,
  generateRecoveryKey,
  type Identity,
  identityBackupText,
  identityFromSecretKey,
  type ManifestDraft,
  nextKeyHashOfDid,
  openIdentityBackupKeys,
  parseIdentityBackup,
  recoveryIdentityOf,
  signManifest,
  TERM_LABELS,
  unwrap,
  type VerifiedManifest,
  verifyManifest,
} from '@assent/manifest';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, hasChromium } from '../../../test/browser/chromium.js';
import { readSheet, typeConfirmation } from './support/recovery-sheet.js';
import { type ServedWebApp, serveWebApp } from './support/served-web-app.js';

const shots = join(import.meta.dirname, '..', 'test-results');
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
      await mkdir(shots, { recursive: true });
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

    /** A manifest the node holds, verified here. */
    async function manifestOf(cid: string): Promise<VerifiedManifest> {
      const bytes = new Uint8Array(await (await fetch(`${gateway.url}/v1/manifests/${cid}`)).arrayBuffer());
      const verified = await verifyManifest(bytes, { requireCanonical: true });
      if (!verified.ok) throw new Error(verified.message);
      return verified.value;
    }

    /** The creator's head as the node holds it, verified here. */
    async function headOf(did: string): Promise<VerifiedManifest> {
      return manifestOf((await creatorOf(did)).head);
    }

    /** Publishes a version signed here, as the CLI or a thief would. */
    async function publishFromNode(signed: { bytes: Uint8Array }): Promise<void> {
      const response = await fetch(`${gateway.url}/v1/manifests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: signed.bytes as Uint8Array<ArrayBuffer>,
      });
      expect(response.status, await response.clone().text()).toBe(201);
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

    /** A browser context of its own: a device with empty storage. Its errors and console lines are kept. */
    async function openDevice(): Promise<{
      context: BrowserContext;
      page: Page;
      errors: string[];
      logs: string[];
    }> {
      const context = await (app as ServedWebApp).browser.newContext({
        acceptDownloads: true,
        viewport: { width: 1100, height: 900 },
      });
      const page = await context.newPage();
      const errors: string[] = [];
      const logs: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => logs.push(message.text()));
      await page.goto(`${gateway.url}/`);
      return { context, page, errors, logs };
    }

    /** Everything the page's origin stores: every IndexedDB database and store, localStorage, sessionStorage. */
    function storedText(on: Page): Promise<string> {
      return on.evaluate(async () => {
        const bytes = (_key: string, value: unknown) =>
          value instanceof Uint8Array ? Array.from(value) : value;
        const out: unknown[] = [{ localStorage: { ...localStorage }, sessionStorage: { ...sessionStorage } }];
        for (const info of await indexedDB.databases()) {
          const name = String(info.name);
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            const request = indexedDB.open(name);
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          });
          for (const store of Array.from(db.objectStoreNames)) {
            const values = await new Promise<unknown[]>((resolve, reject) => {
              const request = db.transaction(store).objectStore(store).getAll();
              request.onsuccess = () => resolve(request.result);
              request.onerror = () => reject(request.error);
            });
            out.push({ db: name, store, values });
          }
          db.close();
        }
        return JSON.stringify(out, bytes);
      });
    }

    /** Fails when `text` holds the phrase or the key it writes down, in any form the app could keep. */
    async function expectNoTrace(text: string, phrase: string): Promise<void> {
      const words = phrase.split(' ');
      const secret = unwrap(await recoveryIdentityOf(phrase)).secretKey;
      for (const form of [
        phrase,
        words.join(''),
        words.join('","'),
        words.join('\\n'),
        Array.from(secret).join(','),
        Buffer.from(secret).toString('hex'),
        Buffer.from(secret).toString('base64'),
      ]) {
        expect(text.includes(form), `stored: ${form.slice(0, 40)}…`).toBe(false);
      }
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
      await publishFromNode(v1);

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

    let created: { did: string; phrase: string; head: VerifiedManifest } | undefined;

    it('creates an identity only after two words of its recovery sheet are typed back, and version 1 commits to that key', async () => {
      const device = await openDevice();
      const { page: on } = device;
      try {
        // Cancelled: nothing is kept.
        await on.getByRole('button', { name: 'Create my identity' }).click();
        const cancelled = await readSheet(on);
        await on.getByRole('button', { name: 'Cancel: do not create this identity' }).click();
        await expect.poll(() => on.locator('#creator-status').textContent()).toBe('No identity was created.');
        expect(await on.locator('#recovery-sheet').count()).toBe(0);
        expect(await storedText(on)).not.toContain(cancelled.creator);

        await on.getByRole('button', { name: 'Create my identity' }).click();
        const sheet = await readSheet(on);
        expect(sheet.phrase).not.toBe(cancelled.phrase);
        expect(sheet.creator).toMatch(/^did:key:z6Mk/);
        expect(sheet.date).toBe(new Date().toISOString().slice(0, 10));
        expect(sheet.phrase.split(' ')).toHaveLength(24);
        expect(await on.locator('#recovery-words li').first().textContent()).toMatch(/^1\. [a-z]+$/);
        expect(await on.getByRole('button', { name: 'Print this sheet' }).count()).toBe(1);
        expect(await on.locator('#recovery-sheet').textContent()).toContain('What it is for');
        await shot(on, '40-recovery-sheet');
        // Printing shows the sheet and hides the page around it.
        await on.emulateMedia({ media: 'print' });
        expect(await on.locator('#recovery-sheet').isVisible()).toBe(true);
        await shot(on, '41-recovery-sheet-print');
        for (const outside of [
          '.site-header',
          'h1',
          '#words-written',
          '#print-sheet',
          '#recovery-words-intro',
        ])
          expect(await on.locator(outside).isVisible(), outside).toBe(false);
        // …on one sheet of paper.
        const pdf = Buffer.from(await on.pdf({ format: 'A4' })).toString('latin1');
        expect(pdf.match(/\/Type\s*\/Page[^s]/g)).toHaveLength(1);
        await on.emulateMedia({ media: 'screen' });
        // Not usable, and not kept, before the words are confirmed.
        expect(await on.locator('#my-did').count()).toBe(0);
        expect(await storedText(on)).not.toContain(sheet.creator);

        // The confirmation hides the sheet; wrong words are refused and nothing is kept.
        await on.getByRole('button', { name: 'I have written them down' }).click();
        expect(await on.locator('#recovery-sheet').count()).toBe(0);
        await typeConfirmation(on, sheet.phrase, true);
        await expect
          .poll(() => on.locator('#confirm-words-error [role=alert]').textContent())
          .toContain('of your sheet');
        expect(await on.locator('#confirm-words-form input[aria-invalid="true"]').count()).toBe(2);
        await shot(on, '42-recovery-words-refused');
        expect(await on.locator('#my-did').count()).toBe(0);
        // The sheet can be seen again: the same words.
        await on.getByRole('button', { name: 'Show the sheet again' }).click();
        expect((await readSheet(on)).phrase).toBe(sheet.phrase);
        await on.getByRole('button', { name: 'I have written them down' }).click();
        await typeConfirmation(on, sheet.phrase);
        await expect.poll(() => on.locator('#my-did').textContent(), { timeout: 15_000 }).toBe(sheet.creator);
        expect(await on.locator('#recovery-state').textContent()).toContain('Your recovery sheet protects');
        expect(await on.locator('#recovery-sheet').count()).toBe(0);

        // Version 1 from the page commits to the recovery key the words hold, beside the browser's next key.
        const commitment = nextKeyHashOfDid(unwrap(await recoveryIdentityOf(sheet.phrase)).did);
        await on.getByLabel('Or enter ISRCs or links to your works, one per line').fill('isrc:QZAB12600020');
        await on.locator('#add-ids').click();
        await on.getByRole('group', { name: TERM_LABELS['train-genai'] }).getByLabel('Don’t allow').check();
        await on
          .getByRole('group', { name: TERM_LABELS.search })
          .getByLabel('Allow', { exact: true })
          .check();
        await on.getByRole('button', { name: 'Review' }).click();
        const preview = JSON.parse((await on.locator('#manifest-json pre').textContent()) ?? '{}') as {
          credentialSubject: { keyState?: unknown };
        };
        const keyState = { nextKeyHashes: [expect.stringMatching(/^Qm/), commitment] };
        expect(preview.credentialSubject.keyState).toEqual(keyState);
        await on.getByRole('button', { name: 'Sign and publish' }).click();
        await on.locator('#published').waitFor({ timeout: 30_000 });
        const v1 = await headOf(sheet.creator);
        expect([v1.version, v1.issuer, v1.creator]).toEqual([1, sheet.creator, sheet.creator]);
        expect(v1.keyState).toEqual(keyState);
        expect(v1.keyState).toEqual(preview.credentialSubject.keyState);

        // The downloaded backup carries the commitment and seals the next key, never the words.
        await on.locator('details.backup summary').click();
        await on.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
        await on.getByLabel('Passphrase again').fill(PASSPHRASE);
        const downloading = on.waitForEvent('download', { timeout: 30_000 });
        await on.getByRole('button', { name: 'Download backup' }).click();
        const backup = await readFile(await (await downloading).path(), 'utf8');
        expect(JSON.parse(backup)).toMatchObject({
          did: sheet.creator,
          nextKeyHashes: v1.keyState?.nextKeyHashes,
        });
        expect(JSON.parse(backup).creator).toBeUndefined();
        const opened = unwrap(await openIdentityBackupKeys(unwrap(parseIdentityBackup(backup)), PASSPHRASE));
        expect(opened.identity.did).toBe(sheet.creator);
        expect(nextKeyHashOfDid(opened.nextKey?.did ?? '')).toBe(v1.keyState?.nextKeyHashes[0]);
        await expectNoTrace(backup, sheet.phrase);

        // Nothing the browser stores, nor anything it logged, holds the words or their key.
        const stored = await storedText(on);
        expect(stored).toContain(sheet.creator);
        expect(stored).toContain(commitment);
        await expectNoTrace(stored, sheet.phrase);
        await expectNoTrace(device.logs.join('\n'), sheet.phrase);
        expect(device.errors).toEqual([]);
        created = { did: sheet.creator, phrase: sheet.phrase, head: v1 };
      } finally {
        await device.context.close();
      }
    }, 180_000);

    /** Submits the recovery form: the words, the creator and, optionally, the version to keep. */
    async function recoverInPage(on: Page, words: string, creator: string, keep?: string): Promise<void> {
      const details = on.locator('#recover-details');
      if ((await details.getAttribute('open')) === null) await details.locator('> summary').click();
      const form = on.locator('#recover-form');
      await form.getByLabel('Your 24 recovery words, in order').fill(words);
      await form.getByLabel('Your creator id').fill(creator);
      if (keep !== undefined) {
        await form.locator('#recover-from-details summary').click();
        await form.getByLabel('The version to keep: its number or CID').fill(keep);
      }
      await form.getByRole('button', { name: 'Recover' }).click();
    }

    /** Confirms the new sheet a recovery shows; answers its words once the page has recovered. */
    async function confirmNewSheet(on: Page, creator: string): Promise<string> {
      const sheet = await readSheet(on);
      expect(sheet.creator).toBe(creator);
      await on.getByRole('button', { name: 'I have written them down' }).click();
      await typeConfirmation(on, sheet.phrase);
      await on.locator('#recovered').waitFor({ timeout: 60_000 });
      return sheet.phrase;
    }

    /** The key this browser keeps, read out of its IndexedDB as a thief with the device would. */
    async function stealKey(on: Page): Promise<Identity> {
      const stores = JSON.parse(await storedText(on)) as {
        db?: string;
        values?: { secretKey?: number[] }[];
      }[];
      const record = stores.find((s) => s.db === 'assent-web')?.values?.[0];
      return identityFromSecretKey(new Uint8Array(record?.secretKey ?? []));
    }

    let recovered:
      | { creator: string; phrase: string; device: Awaited<ReturnType<typeof openDevice>> }
      | undefined;

    it('after the key is lost, recovers from the 24 words: two rotations the node accepts, a new sheet, and the creator goes on publishing', async () => {
      if (created === undefined) throw new Error('needs the identity of the test before');
      const { did: creator, phrase } = created;
      const recoveryKey = unwrap(await recoveryIdentityOf(phrase));
      // The key is lost: a new device with empty storage.
      const device = await openDevice();
      const { page: on } = device;
      await on.locator('#recover-details > summary').click();
      const form = on.locator('#recover-form');
      expect(await form.getByLabel('Your creator id').inputValue()).toBe('');
      const alert = on.locator('#recover-result [role=alert]');

      // A wrong last word (the checksum fails), too few words, then a real phrase the chain does not commit to.
      const words = phrase.split(' ');
      await recoverInPage(
        on,
        [...words.slice(0, 23), words[23] === 'zoo' ? 'abandon' : 'zoo'].join(' '),
        creator,
      );
      await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toContain('RECOVERY_PHRASE_INVALID');
      await recoverInPage(on, 'these are not twenty four words', creator);
      await expect.poll(() => alert.textContent()).toContain('a recovery phrase is 24 words');
      await recoverInPage(on, (await generateRecoveryKey()).phrase, creator);
      await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toContain('NEXT_KEY_NOT_COMMITTED');
      expect(await on.locator('#recovery-sheet').count()).toBe(0);
      await shot(on, '43-recover-not-committed');

      // The right words, as people type them: upper case, line breaks, extra spaces.
      await recoverInPage(
        on,
        `  ${words.slice(0, 12).join(' ').toUpperCase()}\n${words.slice(12).join('   ')}  `,
        creator,
      );
      const sheet = await readSheet(on);
      expect(sheet.phrase).not.toBe(phrase);
      expect(await on.locator('#recovery-words-intro').textContent()).toContain('Your words are right');
      // Nothing is published before the new words are confirmed.
      expect((await creatorOf(creator)).version).toBe(1);
      const newPhrase = await confirmNewSheet(on, creator);
      await expect.poll(() => on.locator('#current-version').textContent()).toContain('Version 3');
      await shot(on, '44-recovered');

      // Version 2, the recovery: signed by the words' key, committing to a fresh pair, the consent unchanged.
      const newRecoveryHash = nextKeyHashOfDid(unwrap(await recoveryIdentityOf(newPhrase)).did);
      const v3 = await headOf(creator);
      const v2 = await manifestOf(v3.previous ?? '');
      expect([v2.version, v2.issuer, v2.creator, v2.rotatedFrom, v2.previous]).toEqual([
        2,
        recoveryKey.did,
        creator,
        creator,
        created.head.cid,
      ]);
      expect(v2.keyState?.nextKeyHashes).toEqual([nextKeyHashOfDid(v3.issuer), newRecoveryHash]);
      for (const m of [v2, v3]) {
        expect(m.manifest.credentialSubject.default).toEqual(created.head.manifest.credentialSubject.default);
        expect(m.manifest.credentialSubject.works).toEqual(created.head.manifest.credentialSubject.works);
      }
      // Version 3 hands over to a key the words never touched, which this browser keeps.
      expect([v3.version, v3.creator, v3.rotatedFrom]).toEqual([3, creator, recoveryKey.did]);
      expect(v3.keyState?.nextKeyHashes).toEqual([expect.stringMatching(/^Qm/), newRecoveryHash]);
      expect(v3.issuer).not.toBe(recoveryKey.did);
      expect(await on.locator('#my-did').textContent()).toBe(v3.issuer);
      expect(await on.locator('#my-creator').textContent()).toBe(creator);
      for (const key of [recoveryKey.did, v3.issuer]) {
        const answer = await creatorOf(key);
        expect([answer.creator, answer.version]).toEqual([creator, 3]);
      }

      // The creator publishes a change with the new key, and the node accepts it.
      await on.getByRole('button', { name: `Stop allowing: ${TERM_LABELS.search}` }).click();
      await expect
        .poll(() => on.locator('#current-version').textContent(), { timeout: 20_000 })
        .toContain('Version 4');
      const v4 = await headOf(v3.issuer);
      expect([v4.version, v4.issuer, v4.creator, v4.rotatedFrom]).toEqual([4, v3.issuer, creator, undefined]);
      expect(v4.keyState).toEqual(v3.keyState);
      const answer = await creatorOf(v3.issuer);
      expect([answer.creator, answer.version]).toEqual([creator, 4]);
      const check = (await (
        await fetch(`${gateway.url}/v1/check?work=isrc:QZAB12600020&use=search`)
      ).json()) as { decision: string };
      expect(check.decision).toBe('deny');

      // The spent sheet does not recover again; the recovery form is prefilled with the creator.
      await on.reload();
      await expect.poll(() => on.locator('#my-did').textContent(), { timeout: 15_000 }).toBe(v3.issuer);
      await on.locator('#recover-details > summary').click();
      expect(await form.getByLabel('Your creator id').inputValue()).toBe(creator);
      await form.getByLabel('Your 24 recovery words, in order').fill(phrase);
      await form.getByRole('button', { name: 'Recover' }).click();
      await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toContain('NEXT_KEY_NOT_COMMITTED');

      // Neither sheet's words are stored or logged, nor either recovery key.
      const stored = await storedText(on);
      expect(stored).toContain(newRecoveryHash);
      for (const words of [phrase, newPhrase]) {
        await expectNoTrace(stored, words);
        await expectNoTrace(device.logs.join('\n'), words);
      }
      expect(device.errors).toEqual([]);
      recovered = { creator, phrase: newPhrase, device };
    }, 240_000);

    it('after the key is stolen, keeps the creator’s branch of a forked version, then forks away from a thief’s newer version', async () => {
      if (recovered === undefined) throw new Error('needs the recovery of the test before');
      const { creator, device } = recovered;
      const { page: on } = device;
      try {
        // The creator publishes version 5; a thief with the device's key signs another version 5.
        const v4 = await headOf(creator);
        await on.getByRole('group', { name: TERM_LABELS.tdm }).getByLabel('Don’t allow').check();
        await on.getByRole('button', { name: 'Review' }).click();
        await on.getByRole('button', { name: 'Sign and publish' }).click();
        await on.locator('#published').waitFor({ timeout: 30_000 });
        const mine = await headOf(creator);
        expect(mine.version).toBe(5);
        const stolen = await stealKey(on);
        expect(stolen.did).toBe(v4.issuer);
        const allowAll: ManifestDraft = {
          default: { all: 'allow' },
          works: [{ ids: ['isrc:QZAB12600020'] }],
        };
        const theirs = await signManifest(allowAll, { identity: stolen, head: v4 });
        await publishFromNode(theirs);
        await expect
          .poll(async () => (await creatorOf(creator)) as unknown as { forked: boolean })
          .toMatchObject({ forked: true });

        // Recovering asks which branch of version 5 is the creator's.
        await recoverInPage(on, recovered.phrase, creator);
        await expect
          .poll(() => on.locator('#recover-result [role=alert]').textContent(), { timeout: 15_000 })
          .toContain('has 2 branches');
        const branches = on.getByRole('group', { name: 'Which version 5 is yours?' });
        expect(await branches.getByRole('radio').count()).toBe(2);
        await on
          .locator('#recover-details')
          .screenshot({ path: join(shots, '45-recover-choose-branch.png') });
        await branches.locator(`input[value="${mine.cid}"]`).check();
        await on.locator('#recover-form').getByRole('button', { name: 'Recover' }).click();
        const afterFork = await confirmNewSheet(on, creator);
        const v7 = await headOf(creator);
        const v6 = await manifestOf(v7.previous ?? '');
        expect([v6.version, v6.previous, v7.version]).toEqual([6, mine.cid, 7]);
        expect(v7.manifest.credentialSubject.default).toEqual(mine.manifest.credentialSubject.default);

        // The thief, with the new key too, publishes version 8 on top; the creator keeps version 7.
        const stolenAgain = await stealKey(on);
        expect(stolenAgain.did).toBe(v7.issuer);
        await publishFromNode(await signManifest(allowAll, { identity: stolenAgain, head: v7 }));
        expect((await creatorOf(creator)).version).toBe(8);
        await recoverInPage(on, afterFork, creator, '7');
        await confirmNewSheet(on, creator);
        const v9 = await headOf(creator);
        const v8 = await manifestOf(v9.previous ?? '');
        expect([v8.version, v8.previous, v8.rotatedFrom, v9.version]).toEqual([8, v7.cid, v7.issuer, 9]);
        expect(v9.manifest.credentialSubject.default).toEqual(mine.manifest.credentialSubject.default);
        expect(await on.locator('#my-did').textContent()).toBe(v9.issuer);
        expect(device.errors).toEqual([]);
      } finally {
        await device.context.close();
      }
    }, 240_000);
  },
);

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}
