/**
 * End to end, issue 19: identity links in the web app. A creator adds a profile page and a domain to
 * its next version in the browser, is shown what to publish where, and the test publishes exactly
 * that on loopback fixtures (a Hono fake platform for the page, a dns2 server for the TXT record);
 * the real node checks both links (`links: { allowInsecure, dnsServers, mapUrl }`, as
 * `assent serve --insecure-links` would) and the page shows them confirmed. The lookup page then names
 * the signer by its links, says when they were checked (the browser's clock moved 3 days on for "3
 * days ago"), shows a squatter as outranked and explains an unbound allow. The built app in Debian
 * Chromium against the real gateway over a real registry on 127.0.0.1; nothing is mocked.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningGateway } from '@assent/gateway';
import {
  generateIdentity,
  type Identity,
  type ManifestDraft,
  normalizeIdentity,
  signAttestation,
  signManifest,
  TERM_LABELS,
  unwrap,
  verifyManifest,
} from '@assent/manifest';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, hasChromium } from '../../../test/browser/chromium.js';
import { type FakePlatform, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { confirmSheet } from './support/recovery-sheet.js';
import { type ServedWebApp, serveWebApp } from './support/served-web-app.js';

const shots = join(import.meta.dirname, '..', 'test-results');
const DAY_MS = 86_400_000;

const PROFILE = 'https://the-flight.test/music';
const DOMAIN = 'theflight.test';
const TRACK = 'https://the-flight.test/music/night-drive';
const SONG = 'https://theflight.test/songs/one';
const LINK_FIELD = 'Your website (a bare name) or a profile page (a full link)';

/** A profile page whose visible bio holds `bio`, the way the generic page reader reads it. */
function profilePage(bio: string) {
  return {
    body: `<!doctype html><html><body><main><h1>The Flight</h1><p class="bio">${bio}</p></main></body></html>`,
  };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

describe.skipIf(!hasChromium)(
  `identity links in the web app, end to end in Chromium${chromiumSkipReason}`,
  () => {
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
        links: { allowInsecure: true, dnsServers: dns.servers, mapUrl: (url) => fake.mapUrl(url) },
      });
      ({ gateway, page, pageErrors } = app);
    }, 180_000);

    afterAll(async () => {
      await app?.close();
      await web?.close();
      await dns?.close();
    });

    /** Signs a first version in Node, as the CLI would, and publishes it. */
    async function publishFromNode(identity: Identity, draft: ManifestDraft): Promise<void> {
      const signed = await signManifest(draft, { identity });
      const response = await fetch(`${gateway.url}/v1/manifests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: signed.bytes as Uint8Array<ArrayBuffer>,
      });
      expect(response.status).toBe(201);
    }

    /** The ids of a creator's links on the node, once it reports `count` and none is being looked at. */
    async function checkedLinks(creator: string, count: number): Promise<string[]> {
      let ids: string[] = [];
      await expect
        .poll(
          async () => {
            const body = (await (
              await fetch(`${gateway.url}/v1/creators/${encodeURIComponent(creator)}`)
            ).json()) as { links?: { identity: { id: string }; state: string }[] };
            const links = body.links ?? [];
            ids = links.map((l) => l.identity.id);
            return links.length === count && links.every((l) => l.state !== 'looking');
          },
          { timeout: 20_000 },
        )
        .toBe(true);
      return ids;
    }

    /** Looks a work up on the lookup page of `on` and answers its result section. */
    async function lookUp(on: Page, work: string) {
      await on.getByLabel('A link, an ISRC, a work id or a manifest CID').fill(work);
      await on.getByRole('button', { name: 'Look up' }).click();
      const result = on.locator(`#lookup-results section[data-work="url:${work}"]`);
      await result.waitFor({ timeout: 20_000 });
      return result;
    }

    it('adds a profile and a domain, shows what to publish where, publishes them and shows both confirmed', async () => {
      await page.goto(`${gateway.url}/`);
      await page.getByRole('button', { name: 'Create my identity' }).click();
      await confirmSheet(page);
      did = (await page.locator('#my-did').textContent({ timeout: 15_000 })) ?? '';
      expect(did).toMatch(/^did:key:z6Mk/);
      await page.locator('#no-manifest').waitFor();
      expect(await page.locator('#no-links').textContent()).toContain('No links yet');

      await page.getByLabel('Or enter ISRCs or links to your works, one per line').fill(`${TRACK}\n${SONG}`);
      await page.locator('#add-ids').click();
      await page.locator(`#works-list code[data-id="url:${SONG}"]`).waitFor();
      await page
        .getByRole('group', { name: TERM_LABELS.search })
        .getByLabel('Allow', { exact: true })
        .check();
      await page.getByRole('group', { name: TERM_LABELS['train-genai'] }).getByLabel('Don’t allow').check();

      // What cannot link is refused with a reason, shown as text: a shared host, a bare path, markup.
      const field = page.getByLabel(LINK_FIELD);
      await field.fill('the-flight.github.io');
      await page.locator('#link-add').click();
      expect(await page.locator('#link-error [role=alert]').textContent()).toContain('shared host');
      await field.fill('<img src=x onerror=window.pwned=1>');
      await page.locator('#link-add').click();
      expect(await page.locator('#link-error [role=alert]').textContent()).toContain('<img src=x');
      expect(await page.locator('#identity-links img').count()).toBe(0);
      expect(await page.evaluate(() => 'pwned' in globalThis)).toBe(false);

      await field.fill('https://The-Flight.test/music');
      await page.locator('#link-add').click();
      await field.fill('TheFlight.test');
      await page.locator('#link-add').click();
      expect(await page.locator('#link-error').textContent()).toBe('');
      const profileItem = page.locator(`#link-list li[data-identity="profile:${PROFILE}"]`);
      const domainItem = page.locator(`#link-list li[data-identity="domain:${DOMAIN}"]`);
      expect(await profileItem.getAttribute('data-change')).toBe('added');
      expect(await profileItem.locator('.link-state').textContent()).toContain('goes into your next version');
      expect(await page.locator('#link-pending').isVisible()).toBe(true);

      // What to publish where, exactly.
      const token = await profileItem.locator('.link-instructions code.token').textContent();
      expect(token).toBe(`assent:${did}`);
      expect(await domainItem.locator('code.dns-name').textContent()).toBe(`_assent.${DOMAIN}`);
      const txt = await domainItem.locator('code.dns-value').textContent();
      expect(txt).toBe(`did=${did}`);
      expect(await domainItem.locator('code.well-known-url').textContent()).toBe(
        `https://${DOMAIN}/.well-known/assent-did`,
      );
      expect(await domainItem.locator('code.well-known-content').textContent()).toBe(did);
      await shot(page, '30-identity-links-added');

      // The creator publishes what the page said, where it said.
      web?.routes.set('the-flight.test/music', profilePage(`Songs from Leeds. ${token}`));
      dns?.zones.set(`_assent.${DOMAIN}`, { txt: [[txt as string]] });

      await page.getByRole('button', { name: 'Review' }).click();
      const summary = await page.locator('#summary-identities').textContent();
      expect(summary).toContain('the-flight.test/music (profile link)');
      expect(summary).toContain('theflight.test (domain link)');
      await page.getByRole('button', { name: 'Sign and publish' }).click();
      await expect
        .poll(() => page.locator('#current-version').textContent(), { timeout: 20_000 })
        .toContain('Version 1');
      const creator = (await (
        await fetch(`${gateway.url}/v1/creators/${encodeURIComponent(did)}`)
      ).json()) as { head: string };
      const head = await verifyManifest(
        new Uint8Array(await (await fetch(`${gateway.url}/v1/manifests/${creator.head}`)).arrayBuffer()),
      );
      expect(head.ok && head.value.manifest.credentialSubject.identities).toEqual([
        { type: 'profile', id: PROFILE },
        { type: 'domain', id: DOMAIN },
      ]);

      // The node checks both at ingest; the page asks again until it reports them.
      await checkedLinks(did, 2);
      await page.locator('#link-refresh').click();
      await expect.poll(() => profileItem.getAttribute('data-state'), { timeout: 10_000 }).toBe('ok');
      expect(await domainItem.getAttribute('data-state')).toBe('ok');
      expect(await profileItem.getAttribute('data-bound')).toBe('true');
      expect(await profileItem.locator('.link-state').textContent()).toContain('✓ Confirmed, checked today.');
      // The node checks again in a day, up to 20% later (link-schedule.ts).
      expect(await domainItem.locator('.link-state').textContent()).toMatch(/Next check in 2[4-9] hours\./);
      expect(await page.locator('#link-pending').isVisible()).toBe(false);
      await shot(page, '31-identity-links-confirmed');
      expect(pageErrors).toEqual([]);
    });

    it('the lookup page names the signer by its checked links, today and 3 days later', async () => {
      const label = await generateIdentity();
      // An attestation by a label this page does not trust: listed, and said not to count.
      const attestation = await signAttestation(
        { subject: did, urlPrefixes: [`${PROFILE}/`], role: 'artist' },
        { identity: label },
      );
      const posted = await fetch(`${gateway.url}/v1/attestations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: attestation.bytes as Uint8Array<ArrayBuffer>,
      });
      expect(posted.status).toBe(201);

      await page.goto(`${gateway.url}/#/lookup`);
      const result = await lookUp(page, TRACK);
      expect(await result.locator('tr[data-use="search"] .decision').textContent()).toBe('Allowed');
      expect(await result.locator('tr[data-use="train-genai"] .decision').textContent()).toBe('Not allowed');
      const signer = result.locator(`li.claimant[data-issuer="${did}"]`);
      const line = await signer.locator('.signer').textContent();
      expect(line).toContain(`Signed by ${did} — `);
      expect(line).toContain('the-flight.test/music ✓ (profile link, checked today)');
      expect(line).toContain('theflight.test ✓ (domain link, checked today)');
      expect(await signer.locator('.not-counted').textContent()).toContain(
        `attested by ${label.did} as artist (not on this page’s trust list`,
      );
      expect(await signer.locator('.standing').textContent()).toContain('A checked link covers this work');
      expect(await result.locator('.insufficient-binding').count()).toBe(0);
      await shot(page, '32-lookup-signed-by-links');

      // Three days on, by the browser's clock: the same observations, "checked 3 days ago".
      const later = await app?.browser.newContext({ viewport: { width: 1100, height: 900 } });
      try {
        const laterPage = await later?.newPage();
        if (laterPage === undefined) throw new Error('no page');
        await laterPage.clock.setFixedTime(Date.now() + 3 * DAY_MS);
        await laterPage.goto(`${gateway.url}/#/lookup`);
        const song = await lookUp(laterPage, SONG);
        expect(await song.locator('tr[data-use="search"] .decision').textContent()).toBe('Allowed');
        expect(await song.locator(`li.claimant[data-issuer="${did}"] .signer`).textContent()).toContain(
          'theflight.test ✓ (domain link, checked 3 days ago)',
        );
      } finally {
        await later?.close();
      }
    });

    it('a squatter’s sweeping deny is outranked, and an unbound allow is no answer, explained', async () => {
      const squatter = await generateIdentity();
      await publishFromNode(squatter, {
        works: [{ ids: ['url-prefix:https://the-flight.test/'], policy: { all: 'deny' } }],
      });
      const result = await lookUp(page, TRACK);
      await expect
        .poll(() => result.locator(`li.claimant[data-issuer="${squatter.did}"]`).count(), { timeout: 10_000 })
        .toBe(1);
      expect(await result.locator('tr[data-use="search"] .decision').textContent()).toBe('Allowed');
      expect(await result.locator('#disputed').count()).toBe(1);
      const outranked = result.locator(`li.claimant[data-issuer="${squatter.did}"]`);
      expect(await outranked.getAttribute('class')).toContain('outranked');
      expect(await outranked.locator('.signer').textContent()).toBe(
        `Signed by ${squatter.did} — no checked identity link`,
      );
      expect(await outranked.locator('.standing').textContent()).toContain('Outranked');
      // Those who count are listed first.
      expect(await result.locator('li.claimant').first().getAttribute('data-issuer')).toBe(did);

      // A creator with no checked link allows a work nobody else claims; it claims a profile whose
      // path spells markup, which the node cannot confirm (404) and the page shows as text.
      const stranger = await generateIdentity();
      const nowhere = 'https://nobody.test/song';
      const markup = unwrap(normalizeIdentity({ type: 'profile', id: 'https://evil.test/<b>x</b>' }));
      expect(markup.id).toBe('https://evil.test/%3Cb%3Ex%3C/b%3E');
      await publishFromNode(stranger, {
        works: [{ ids: [`url:${nowhere}`], policy: { search: 'allow' } }],
        identities: [markup],
      });
      await checkedLinks(stranger.did, 1);
      const unbound = await lookUp(page, nowhere);
      expect(await unbound.locator('tr[data-use="search"] .decision').textContent()).toBe('No answer');
      const why = await unbound.locator('.insufficient-binding').textContent();
      expect(why).toContain(`Why “No answer” for ${TERM_LABELS.search}`);
      expect(why).toContain('has not shown that this work is theirs');
      const claimant = unbound.locator(`li.claimant[data-issuer="${stranger.did}"]`);
      expect(await claimant.locator('.signer').textContent()).toContain('no checked identity link');
      expect(await claimant.locator('.not-counted').textContent()).toContain(
        'evil.test/%3Cb%3Ex%3C/b%3E (profile link, not confirmed',
      );
      expect(await unbound.locator('b').count()).toBe(0);
      await shot(page, '33-lookup-outranked-and-unbound');
      expect(pageErrors).toEqual([]);
    });

    it('removing a link takes it out of the next version and the node stops reporting it', async () => {
      await page.goto(`${gateway.url}/`);
      const domainItem = page.locator(`#link-list li[data-identity="domain:${DOMAIN}"]`);
      await domainItem.waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: `Remove the link ${DOMAIN}` }).click();
      expect(await domainItem.getAttribute('data-change')).toBe('removed');
      expect(await domainItem.locator('.link-state').textContent()).toContain(
        'leaves with your next version',
      );
      expect(await page.locator('#link-pending').isVisible()).toBe(true);
      await page.getByRole('button', { name: 'Review' }).click();
      expect(await page.locator('#summary-identities').textContent()).toBe(
        'the-flight.test/music (profile link)',
      );
      await page.getByRole('button', { name: 'Sign and publish' }).click();
      await expect
        .poll(() => page.locator('#current-version').textContent(), { timeout: 20_000 })
        .toContain('Version 2');
      expect(await domainItem.count()).toBe(0);
      expect(
        await page.locator(`#link-list li[data-identity="profile:${PROFILE}"]`).getAttribute('data-change'),
      ).toBe('kept');
      expect(await checkedLinks(did, 1)).toEqual([PROFILE]);
      expect(pageErrors).toEqual([]);
    });
  },
);
