/**
 * One identity, both tools (docs/spec/identity-backup.md): `assent id export` from the built CLI
 * restores in the built web app in Debian Chromium, and the web app's downloaded backup imports with
 * `assent id import` and signs. Each file is also opened by node:crypto (scrypt, AES-256-GCM) as an
 * oracle independent of @assent/manifest; damaged and hostile files show their codes in the page.
 * Setup as in web-app.e2e.test.ts: Vite builds the app into a temp folder, served by the real gateway
 * over a real registry node on 127.0.0.1 port 0.
 */
import { createDecipheriv, scryptSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningGateway } from '@assent/gateway';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, hasChromium } from '../../../test/browser/chromium.js';
import { didOfSeed, jcs } from '../../../test/vectors/identity-backup/oracle.js';
import { assent, buildCli, json } from '../../cli/test/support/cli.js';
import { confirmSheet } from './support/recovery-sheet.js';
import { type ServedWebApp, serveWebApp } from './support/served-web-app.js';

const here = dirname(fileURLToPath(import.meta.url));
const vectors = join(here, '../../../test/vectors/identity-backup');
const PASSPHRASE = 'correct horse battery staple';

/** Opens a version-2 backup with node:crypto alone and returns the DID of the key inside. */
function oracleDid(text: string, passphrase: string): string {
  const { ciphertext, ...header } = JSON.parse(text) as {
    ciphertext: string;
    kdf: { N: number; r: number; p: number; salt: string };
    cipher: { iv: string };
  };
  const { N, r, p, salt } = header.kdf;
  const key = scryptSync(passphrase.normalize('NFC'), Buffer.from(salt, 'base64'), 32, {
    N,
    r,
    p,
    maxmem: 256 * 1024 * 1024,
  });
  const sealed = Buffer.from(ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.cipher.iv, 'base64'));
  decipher.setAAD(Buffer.from(jcs(header), 'utf8'));
  decipher.setAuthTag(sealed.subarray(32));
  return didOfSeed(Buffer.concat([decipher.update(sealed.subarray(0, 32)), decipher.final()]));
}

describe.skipIf(!hasChromium)(`identities move between the CLI and the web app${chromiumSkipReason}`, () => {
  let app: ServedWebApp | undefined;
  let dir: string;
  let gateway: RunningGateway;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    await buildCli();
    app = await serveWebApp({ acceptDownloads: true });
    ({ gateway, page, pageErrors } = app);
    dir = app.dir;
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  /** Submits the restore form with a file; resolves with the alert's text, or '' when it restored. */
  async function restore(name: string, text: string, passphrase: string): Promise<string> {
    const form = page.locator('#restore-form');
    if (!(await form.isVisible())) await page.locator('details.restore summary').click();
    await form.getByLabel('Backup file').setInputFiles({
      name,
      mimeType: 'application/json',
      buffer: Buffer.from(text),
    });
    await form.getByLabel('Passphrase').fill(passphrase);
    await form.getByRole('button', { name: 'Restore' }).click();
    const alert = page.locator('#restore-error [role=alert]');
    const restored = page.locator('#my-did');
    await expect
      .poll(async () => (await alert.count()) + (await restored.count()), { timeout: 30_000 })
      .toBe(1);
    return (await alert.count()) > 0 ? ((await alert.textContent()) ?? '') : '';
  }

  it('restores `assent id export` in the browser; damaged and hostile files are refused with their codes', async () => {
    const env = { ASSENT_HOME: join(dir, 'cli-home'), ASSENT_PASSPHRASE: PASSPHRASE };
    const created = await assent(['id', 'create', '--name', 'The Flight', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const { did } = json<{ did: string }>(created);
    const file = join(dir, 'cli-export.json');
    const exported = await assent(['id', 'export', '-o', file, '--json'], env);
    expect(exported.code, exported.stderr).toBe(0);
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ type: 'AssentIdentityBackup', version: 2, did });
    expect(oracleDid(text, PASSPHRASE)).toBe(did);

    await page.goto(`${gateway.url}/`);
    await page.getByRole('button', { name: 'Create my identity' }).waitFor();
    const doc = JSON.parse(text) as Record<string, Record<string, unknown>> & { ciphertext: string };
    const flipped = Buffer.from(doc.ciphertext, 'base64');
    flipped[5] = (flipped[5] as number) ^ 0x10;

    expect(await restore('backup.json', text, 'not the passphrase')).toContain('WRONG_PASSPHRASE');
    expect(await restore('backup.json', text, 'not the passphrase')).toContain('Wrong passphrase');
    expect(
      await restore(
        'tampered.json',
        JSON.stringify({ ...doc, ciphertext: flipped.toString('base64') }),
        PASSPHRASE,
      ),
    ).toContain('WRONG_PASSPHRASE');
    expect(
      await restore('greedy.json', JSON.stringify({ ...doc, kdf: { ...doc.kdf, N: 2 ** 30 } }), PASSPHRASE),
    ).toContain('KEYSTORE_KDF_OUT_OF_BOUNDS');
    expect(await restore('truncated.json', text.slice(0, text.length - 40), PASSPHRASE)).toContain(
      'KEYSTORE_INVALID',
    );
    expect(await page.locator('#my-did').count()).toBe(0);

    expect(await restore('assent-backup.json', text, PASSPHRASE)).toBe('');
    await expect.poll(() => page.locator('#my-did').textContent(), { timeout: 20_000 }).toBe(did);
    await page.reload();
    await expect.poll(() => page.locator('#my-did').textContent(), { timeout: 15_000 }).toBe(did);
    expect(pageErrors).toEqual([]);
  });

  it('restores a CLI keystore of the format before version 2 in the browser', async () => {
    await page.getByRole('button', { name: 'Remove from this browser…' }).click();
    await page.getByRole('button', { name: 'Yes, remove it' }).click();
    await page.getByRole('button', { name: 'Create my identity' }).waitFor();
    const legacy = await readFile(join(vectors, 'legacy-cli-keystore-v1.json'), 'utf8');
    expect(await restore('identity.json', legacy, PASSPHRASE)).toBe('');
    await expect
      .poll(() => page.locator('#my-did').textContent(), { timeout: 20_000 })
      .toBe(JSON.parse(legacy).did);
  });

  it('imports the web app’s downloaded backup with `assent id import`, which then signs with that key', async () => {
    await page.getByRole('button', { name: 'Remove from this browser…' }).click();
    await page.getByRole('button', { name: 'Yes, remove it' }).click();
    await page.getByRole('button', { name: 'Create my identity' }).click();
    await confirmSheet(page);
    const did = (await page.locator('#my-did').textContent({ timeout: 15_000 })) ?? '';
    expect(did).toMatch(/^did:key:z6Mk/);

    await page.locator('details.backup summary').click();
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Passphrase again').fill(PASSPHRASE);
    const downloading = page.waitForEvent('download', { timeout: 30_000 });
    await page.getByRole('button', { name: 'Download backup' }).click();
    const file = join(dir, 'web-backup.json');
    await (await downloading).saveAs(file);
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text)).toMatchObject({
      type: 'AssentIdentityBackup',
      version: 2,
      did,
      kdf: { name: 'scrypt', N: 2 ** 17, r: 8, p: 1 },
    });
    // Written by @noble/hashes' scrypt in Chromium, opened by node:crypto's.
    expect(oracleDid(text, PASSPHRASE)).toBe(did);

    const env = { ASSENT_HOME: join(dir, 'from-web'), ASSENT_PASSPHRASE: PASSPHRASE };
    const wrong = await assent(['id', 'import', file, '--json'], { ...env, ASSENT_PASSPHRASE: 'nope' });
    expect([wrong.code, json(wrong)]).toMatchObject([4, { error: { code: 'WRONG_PASSPHRASE' } }]);
    const imported = await assent(['id', 'import', file, '--json'], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(json(await assent(['id', 'show', '--json'], env))).toMatchObject({ did });

    const draft = join(dir, 'draft.json');
    const signed = join(dir, 'signed.json');
    const drafted = await assent(['draft', 'isrc:GBAYE2600123', '--deny', 'train-genai', '-o', draft], env);
    expect(drafted.code, drafted.stderr).toBe(0);
    const signing = await assent(['sign', draft, '-o', signed, '--json'], env);
    expect(signing.code, signing.stderr).toBe(0);
    expect(JSON.parse(await readFile(signed, 'utf8')).issuer).toBe(did);
    expect(pageErrors).toEqual([]);
  });
});
