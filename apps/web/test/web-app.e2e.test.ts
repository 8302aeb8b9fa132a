/**
 * End to end: the built web app in Debian Chromium (playwright-core) against the real gateway over a
 * real registry node in a temp dir, on 127.0.0.1 port 0. The app is built with Vite in beforeAll into
 * a temp folder, so the test never depends on (or clobbers) apps/web/dist.
 * Screenshots go to apps/web/test-results/ (git-ignored).
 *
 * A grant counts only from a creator with an identity binding covering the work (docs/decisions.md §7):
 * for the file's sha256 a checked link of any level anywhere, for its ISRC only an attestation this page
 * trusts (it trusts none). So the creator here links a profile page as a real one would: the page says
 * what to publish, the test publishes exactly that on a loopback fake platform (resolved by a loopback
 * DNS server), and the real node checks it (`links`, as `assent serve --insecure-links` would).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningGateway } from '@assent/gateway';
import { TERM_LABELS } from '@assent/manifest';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, hasChromium } from '../../../test/browser/chromium.js';
import { type FakePlatform, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { confirmSheet } from './support/recovery-sheet.js';
import { type ServedWebApp, serveWebApp } from './support/served-web-app.js';

const here = dirname(fileURLToPath(import.meta.url));
const appRoot = join(here, '..');
const shots = join(appRoot, 'test-results');

/** A small MP3-like file: an ID3v2.3 tag (TIT2, TSRC) then random "audio" frames, unique per run. */
function mp3WithIsrc(isrc: string): Buffer {
  const frame = (id: string, text: string) => {
    const content = Buffer.concat([Buffer.from([0x00]), Buffer.from(text, 'latin1')]);
    const header = Buffer.alloc(10);
    header.write(id, 0, 'latin1');
    header.writeUInt32BE(content.length, 4);
    return Buffer.concat([header, content]);
  };
  const frames = Buffer.concat([frame('TIT2', 'Night Drive'), frame('TSRC', isrc), Buffer.alloc(32)]);
  const size = frames.length;
  const header = Buffer.from([
    0x49,
    0x44,
    0x33,
    3,
    0,
    0,
    (size >> 21) & 0x7f,
    (size >> 14) & 0x7f,
    (size >> 7) & 0x7f,
    size & 0x7f,
  ]);
  return Buffer.concat([header, frames, Buffer.from([0xff, 0xfb, 0x90, 0x64]), randomBytes(8192)]);
}

const ISRC = 'GBAYE2600123';
const track = mp3WithIsrc(ISRC);

/** The creator's profile page: it covers no ISRC, but any checked link binds a file's hash. */
const PROFILE = 'https://the-flight.test/music';

/** A profile page whose visible bio holds `bio`, the way the generic page reader reads it. */
function profilePage(bio: string) {
  return {
    body: `<!doctype html><html><body><main><h1>The Flight</h1><p class="bio">${bio}</p></main></body></html>`,
  };
}

/** Drops a file on an element with a real `drop` event carrying a DataTransfer. */
async function dropFile(
  page: Page,
  selector: string,
  name: string,
  type: string,
  bytes: Buffer,
): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, type, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(data)], name, { type }));
      return dt;
    },
    { name, type, data: [...bytes] },
  );
  await page.dispatchEvent(selector, 'dragover', { dataTransfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer });
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

describe.skipIf(!hasChromium)(`web app end to end in Chromium${chromiumSkipReason}`, () => {
  let dns: LoopbackDns | undefined;
  let web: FakePlatform | undefined;
  let app: ServedWebApp | undefined;
  let gateway: RunningGateway;
  let page: Page;
  let pageErrors: string[] = [];
  let did = '';

  beforeAll(async () => {
    await mkdir(shots, { recursive: true });
    dns = await startLoopbackDns({}, { loopbackByDefault: true });
    web = await startFakePlatform();
    const fake = web;
    app = await serveWebApp({
      acceptDownloads: true,
      links: { allowInsecure: true, dnsServers: dns.servers, mapUrl: (url) => fake.mapUrl(url) },
    });
    ({ gateway, page, pageErrors } = app);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await web?.close();
    await dns?.close();
  });

  it('creates an identity, adds a dropped file, denies generative training, signs and publishes', async () => {
    await page.goto(`${gateway.url}/`);
    await expect.poll(() => page.title()).toContain('Publish your AI-use consent');
    // Keyboard only: Tab to "Create my identity" (the focus ring must show) and press Enter.
    let focused = '';
    for (let i = 0; i < 10 && focused !== 'Create my identity'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    expect(focused).toBe('Create my identity');
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    expect(outline).toBe('solid 3px');
    await page.keyboard.press('Enter');
    // The identity is kept only once two words of its recovery sheet are typed back.
    const sheet = await confirmSheet(page);
    did = (await page.locator('#my-did').textContent({ timeout: 15_000 })) ?? '';
    expect(did).toBe(sheet.creator);
    expect(did).toMatch(/^did:key:z6Mk/);
    await page.locator('#no-manifest').waitFor();

    // An unsupported file gets a clear error and adds nothing.
    await dropFile(page, '#dropzone', 'notes.txt', 'text/plain', Buffer.from('not audio'));
    await expect
      .poll(() => page.locator('#works-error [role=alert]').textContent())
      .toContain('not an audio file');

    await dropFile(page, '#dropzone', 'Night Drive.mp3', 'audio/mpeg', track);
    const works = page.locator('#works-list');
    await works.locator(`code[data-id="isrc:${ISRC}"]`).waitFor();
    await expect.poll(() => works.locator('code[data-id^="sha256:"]').count()).toBe(1);
    expect(await works.textContent()).toContain('Night Drive');

    // Plain-language controls, found by their accessible names.
    await page.getByRole('group', { name: TERM_LABELS['train-genai'] }).getByLabel('Don’t allow').check();
    await page.getByRole('group', { name: TERM_LABELS.search }).getByLabel('Allow', { exact: true }).check();
    const aiInput = page.getByRole('group', { name: TERM_LABELS['ai-input'] });
    await aiInput.getByLabel('Allow if…').check();
    await aiInput.getByLabel('Credit to show').fill('The Flight');
    await aiInput.getByLabel('Only these organisations (optional)').fill('example.ai');

    // A per-work exception: data mining allowed for this track only.
    await works.locator('details.work-policy summary').click();
    await works.getByLabel(TERM_LABELS.tdm).selectOption('allow');

    // Show who signs: link the profile page, and publish on it exactly what the page says to.
    await page.getByLabel('Your website (a bare name) or a profile page (a full link)').fill(PROFILE);
    await page.locator('#link-add').click();
    expect(await page.locator('#link-error').textContent()).toBe('');
    const profileItem = page.locator(`#link-list li[data-identity="profile:${PROFILE}"]`);
    expect(await profileItem.getAttribute('data-change')).toBe('added');
    const token = await profileItem.locator('.link-instructions code.token').textContent();
    expect(token).toBe(`assent:${did}`);
    web?.routes.set('the-flight.test/music', profilePage(`Songs from Leeds. ${token}`));

    await page.getByRole('button', { name: 'Review' }).click();
    expect(await page.locator('#summary-works li[data-term="tdm"]').textContent()).toContain(
      'Allowed (this work only)',
    );
    const summary = page.locator('#summary-uses');
    expect(await summary.locator('dd[data-term="train-genai"]').textContent()).toBe('Not allowed');
    expect(await summary.locator('dd[data-term="ai-input"]').textContent()).toContain('credit “The Flight”');
    const preview = JSON.parse((await page.locator('#manifest-json pre').textContent()) ?? '{}') as {
      issuer: string;
      credentialSubject: { version: number; default: Record<string, unknown>; works: { ids: string[] }[] };
    };
    expect(preview.issuer).toBe(did);
    expect(preview.credentialSubject.version).toBe(1);
    expect(preview.credentialSubject.default['train-genai']).toBe('deny');
    expect(preview.credentialSubject.works[0]?.ids).toContain(`isrc:${ISRC}`);
    expect(await page.locator('#summary-identities').textContent()).toBe(
      'the-flight.test/music (profile link)',
    );
    await page.locator('#manifest-json summary').click();
    await shot(page, '01-creator-review');

    await page.getByRole('button', { name: 'Sign and publish' }).click();
    await page.locator('#published').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('#current-version').textContent()).toContain('Version 1');
    await shot(page, '02-creator-published');

    // The gateway holds it as the creator's head, and its own check agrees.
    const creator = (await (await fetch(`${gateway.url}/v1/creators/${encodeURIComponent(did)}`)).json()) as {
      heads: { version: number }[];
    };
    expect(creator.heads[0]?.version).toBe(1);

    // The node checks the link at ingest; wait until it reports it bound, then the page shows it.
    await expect
      .poll(
        async () => {
          const body = (await (
            await fetch(`${gateway.url}/v1/creators/${encodeURIComponent(did)}`)
          ).json()) as { links?: { identity: { id: string }; state: string; bound?: boolean }[] };
          const link = body.links?.find((l) => l.identity.id === PROFILE);
          return link === undefined
            ? 'unreported'
            : `${link.state} ${link.bound === true ? 'bound' : 'unbound'}`;
        },
        { timeout: 20_000 },
      )
      .toBe('ok bound');
    await page.locator('#link-refresh').click();
    await expect.poll(() => profileItem.getAttribute('data-bound'), { timeout: 10_000 }).toBe('true');
    expect(await profileItem.locator('.link-state').textContent()).toContain('✓ Confirmed, checked today.');
  });

  it('the lookup page shows the deny for that file, verified in the browser', async () => {
    await page.getByRole('link', { name: 'Look up a work' }).click();
    await page.locator('#lookup-form').waitFor();
    await dropFile(page, '#lookup-dropzone', 'copy of the track.mp3', 'audio/mpeg', track);
    const result = page.locator('#lookup-results section.result').first();
    await result.waitFor({ timeout: 20_000 });
    const sha256 = (await result.getAttribute('data-work')) ?? '';
    expect(sha256).toMatch(/^sha256:/);
    expect(await result.locator('tr[data-use="train-genai"] .decision').textContent()).toBe('Not allowed');
    expect(await result.locator('tr[data-use="search"] .decision').textContent()).toBe('Allowed');
    expect(await result.locator('tr[data-use="tdm"] .decision').textContent()).toBe('Allowed');
    // ai-input is granted only to example.ai: without an organisation it is not allowed, and says why.
    expect(await result.locator('tr[data-use="ai-input"] .decision').textContent()).toBe('Not allowed');
    expect(await result.locator('tr[data-use="ai-input"]').textContent()).toContain('named licensees');
    expect(await result.locator('.evidence').textContent()).toContain(did);
    expect(await result.locator('.evidence').textContent()).toContain('version 1');
    await expect.poll(() => result.locator('.signed-at').first().textContent()).toContain('signed');
    expect(await result.locator('#disputed').count()).toBe(0);
    // The grants count: the signer has a checked link, and no link can cover a file's hash anyway.
    const signer = result.locator(`li.claimant[data-issuer="${did}"]`);
    expect(await signer.locator('.signer').textContent()).toContain(
      'the-flight.test/music ✓ (profile link, checked today)',
    );
    expect(await signer.locator('.standing').textContent()).toContain(
      'this signer has a checked link elsewhere (level 1)',
    );
    expect(await result.locator('.insufficient-binding').count()).toBe(0);
    // The file's ISRC is looked up as well. Only an attestation this page trusts binds an ISRC, and it
    // trusts none: the deny counts unbound, the grants are "No answer", and the page says why.
    const byIsrc = page.locator(`#lookup-results section[data-work="isrc:${ISRC}"]`);
    expect(await byIsrc.locator('tr[data-use="train-genai"] .decision').textContent()).toBe('Not allowed');
    expect(await byIsrc.locator('tr[data-use="search"] .decision').textContent()).toBe('No answer');
    expect(await byIsrc.locator('tr[data-use="tdm"] .decision').textContent()).toBe('No answer');
    const why = await byIsrc.locator('.insufficient-binding').textContent();
    expect(why).toContain('Why “No answer” for');
    expect(why).toContain(TERM_LABELS.search);
    expect(why).toContain(TERM_LABELS.tdm);
    expect(why).toContain('has not shown that this work is theirs');
    expect(why).toContain('for an ISRC, a label or distributor this page trusts vouching for them');
    expect(await byIsrc.locator(`li.claimant[data-issuer="${did}"] .standing`).textContent()).toContain(
      'Its checked links do not cover this work.',
    );
    const manifestHref = await result.locator('.evidence a').first().getAttribute('href');
    expect(manifestHref).toMatch(/^v1\/manifests\/baga/);
    const served = await fetch(`${gateway.url}/${manifestHref}`);
    expect(served.status).toBe(200);

    // As example.ai, the conditional grant applies to the file, with its conditions spelled out.
    await page.getByLabel('Your organisation (optional)').fill('example.ai');
    await dropFile(page, '#lookup-dropzone', 'copy of the track.mp3', 'audio/mpeg', track);
    const asLicensee = page.locator(`#lookup-results section[data-work="${sha256}"]`);
    await expect
      .poll(() => asLicensee.locator('tr[data-use="ai-input"] .decision').textContent(), { timeout: 20_000 })
      .toBe('Allowed with conditions');
    expect(await asLicensee.locator('tr[data-use="ai-input"]').textContent()).toContain(
      'credit “The Flight”',
    );
    expect(await asLicensee.locator('tr[data-use="train-genai"] .decision').textContent()).toBe(
      'Not allowed',
    );
    // By its ISRC the same grant is no answer, for want of a trusted attestation.
    const isrcAsLicensee = page.locator(`#lookup-results section[data-work="isrc:${ISRC}"]`);
    expect(await isrcAsLicensee.locator('tr[data-use="ai-input"] .decision').textContent()).toBe('No answer');
    expect(await isrcAsLicensee.locator('.insufficient-binding').textContent()).toContain(
      TERM_LABELS['ai-input'],
    );
    await shot(page, '03-lookup-deny');
    await page.getByLabel('Your organisation (optional)').fill('');

    // The same page on a phone-sized screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, '04-lookup-phone');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1100, height: 900 });

    // A manifest CID pasted into the search box shows that manifest, verified.
    const cid = (manifestHref ?? '').slice('v1/manifests/'.length);
    await page.getByLabel('A link, an ISRC, a work id or a manifest CID').fill(cid);
    await page.getByRole('button', { name: 'Look up' }).click();
    const manifest = page.locator(`#lookup-results section[data-manifest="${cid}"]`);
    await manifest.waitFor();
    expect(await manifest.textContent()).toContain('The signature is valid');
    expect(await manifest.textContent()).toContain(did);
  });

  it('backs the identity up and restores it; a wrong passphrase is refused clearly', async () => {
    await page.getByRole('link', { name: 'Publish your consent' }).click();
    await page.locator('details.backup summary').click();
    const passphrase = 'correct horse battery staple';
    await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
    await page.getByLabel('Passphrase again').fill(passphrase);
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download backup' }).click();
    const download = await downloading;
    const file = join(shots, 'identity-backup.json');
    await download.saveAs(file);
    const backup = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(backup).toMatchObject({ type: 'AssentIdentityBackup', version: 2, kdf: { name: 'scrypt' } });
    expect(backup.did).toBe(did);
    expect(JSON.stringify(backup)).not.toContain('z3u2'); // the secret key is not in clear
    await rm(file);
    const backupText = JSON.stringify(backup);

    await page.getByRole('button', { name: 'Remove from this browser…' }).click();
    await page.getByRole('button', { name: 'Yes, remove it' }).click();
    await page.getByRole('button', { name: 'Create my identity' }).waitFor();

    await page.locator('details.restore summary').click();
    const restore = page.locator('#restore-form');
    await restore.getByLabel('Backup file').setInputFiles({
      name: 'assent-identity.json',
      mimeType: 'application/json',
      buffer: Buffer.from(backupText),
    });
    await restore.getByLabel('Passphrase').fill('not the passphrase');
    await restore.getByRole('button', { name: 'Restore' }).click();
    await expect
      .poll(() => page.locator('#restore-error [role=alert]').textContent(), { timeout: 20_000 })
      .toContain('Wrong passphrase');
    await shot(page, '05-restore-wrong-passphrase');

    await restore.getByLabel('Passphrase').fill(passphrase);
    await restore.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => page.locator('#my-did').textContent(), { timeout: 20_000 }).toBe(did);
    // The published state comes back from the registry for the restored key.
    await expect.poll(() => page.locator('#current-version').textContent()).toContain('Version 1');

    // The restored key survives a reload (kept in IndexedDB).
    await page.reload();
    await expect.poll(() => page.locator('#my-did').textContent(), { timeout: 15_000 }).toBe(did);
  });

  it('revokes with one action (next version, previous = head) and the lookup reflects it', async () => {
    await page.locator('#current-table').waitFor();
    await page.getByRole('button', { name: `Stop allowing: ${TERM_LABELS.search}` }).click();
    await expect
      .poll(() => page.locator('#current-version').textContent(), { timeout: 20_000 })
      .toContain('Version 2');
    expect(await page.locator('#current-table td[data-term="search"]').textContent()).toBe('Not allowed');
    expect(await page.locator('#history li').count()).toBe(2);
    await shot(page, '06-revoked-history');

    const creator = (await (await fetch(`${gateway.url}/v1/creators/${encodeURIComponent(did)}`)).json()) as {
      head: string;
      history: { cid: string; version: number; previous?: string }[];
    };
    const v1 = creator.history.find((h) => h.version === 1);
    const v2 = creator.history.find((h) => h.version === 2);
    expect(v2?.cid).toBe(creator.head);
    expect(v2?.previous).toBe(v1?.cid);

    await page.getByRole('link', { name: 'Look up a work' }).click();
    await page.getByLabel('A link, an ISRC, a work id or a manifest CID').fill(ISRC);
    await page.getByRole('button', { name: 'Look up' }).click();
    const result = page.locator(`#lookup-results section[data-work="isrc:${ISRC}"]`);
    await result.waitFor();
    await expect
      .poll(() => result.locator('tr[data-use="search"] .decision').textContent())
      .toBe('Not allowed');
    expect(await result.locator('.evidence').textContent()).toContain('version 2');

    // Withdraw everything: one more action, version 3.
    await page.getByRole('link', { name: 'Publish your consent' }).click();
    await page.getByRole('button', { name: 'Withdraw every permission' }).click();
    await expect
      .poll(() => page.locator('#current-version').textContent(), { timeout: 20_000 })
      .toContain('Version 3');
    expect(await page.locator('#current-table td[data-term="ai-input"]').textContent()).toBe('Not allowed');
  });

  it('says clearly when the gateway is down', async () => {
    await page.getByRole('link', { name: 'Look up a work' }).click();
    await gateway.close();
    await page.getByLabel('A link, an ISRC, a work id or a manifest CID').fill('USRC17607839');
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect
      .poll(() => page.locator('#lookup-results [role=alert]').textContent(), { timeout: 40_000 })
      .toContain('Cannot reach the Assent registry');
    await shot(page, '07-gateway-down');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
