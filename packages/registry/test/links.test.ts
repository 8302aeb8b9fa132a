/**
 * A node checks the identity links creators claim (docs/spec/observation.md §4), with real parts: a
 * registry over SQLite in a temp directory, the link checker of @assent/links, a loopback DNS server
 * (dns2) and a fake web (Hono on 127.0.0.1) serving a creator's profile page with `assent:<did>` in its
 * bio. The checker fetches it with `allowInsecure` and `mapUrl`, as `assent serve --insecure-links`
 * would; one registry without them shows the SSRF guard refusing a profile that resolves to loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalize,
  generateIdentity,
  type Identity,
  type IdentityLink,
  type JsonObject,
  type SignedManifest,
  signManifest,
  verifyObservation,
} from '@assent/manifest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlatform, type Route, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { type CreatorLink, createRegistry, type Registry, type RegistryLinkOptions } from '../src/index.js';

const dirs: string[] = [];
const open: Registry[] = [];
let dns: LoopbackDns;
let web: FakePlatform;

beforeAll(async () => {
  // Every name answers 127.0.0.1 unless a zone says otherwise.
  dns = await startLoopbackDns({ 'private.example.com': { a: ['10.1.2.3'] } }, { loopbackByDefault: true });
  web = await startFakePlatform();
});
afterEach(async () => {
  for (const r of open.splice(0)) await r.stop();
});
afterAll(async () => {
  await web?.close();
  await dns?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-links-'));
  dirs.push(dir);
  return dir;
}

/** The loopback setup `--insecure-links` allows: plain http to 127.0.0.1, `.test` names. */
const insecure = (): RegistryLinkOptions => ({
  allowInsecure: true,
  dnsServers: dns.servers,
  mapUrl: (url) => web.mapUrl(url),
});

async function start(dataDir: string, links: RegistryLinkOptions | false = insecure()): Promise<Registry> {
  const registry = await createRegistry({ dataDir, network: false, links });
  open.push(registry);
  return registry;
}

async function stopped(registry: Registry): Promise<void> {
  open.splice(open.indexOf(registry), 1);
  await registry.stop();
}

/** A profile page: `bio` in the page's main text, another user's comment beside it. */
function profilePage(bio: string): Route {
  return {
    body: `<!doctype html><html><head><meta charset="utf-8"><title>The Flight</title></head><body>
      <main><h1>The Flight</h1><p class="bio">${bio}</p></main>
      <section class="comments"><p class="comment">great band</p></section></body></html>`,
  };
}

/** A creator whose profile page at `https://<host>/<name>` names it (or not, with `named: false`). */
async function creatorWithPage(name: string, named = true) {
  const identity = await generateIdentity();
  const host = `${name}.test`;
  const profile: IdentityLink = { type: 'profile', id: `https://${host}/about` };
  const setPage = (withToken: boolean) =>
    web.routes.set(
      `${host}/about`,
      profilePage(withToken ? `Band from Leeds. assent:${identity.did}` : 'Band from Leeds.'),
    );
  setPage(named);
  return { identity, profile, host, setPage };
}

async function manifest(
  identity: Identity,
  identities: IdentityLink[] | undefined,
  head?: SignedManifest,
): Promise<SignedManifest> {
  return signManifest(
    {
      works: [],
      ...(identities === undefined ? {} : { identities }),
    },
    { identity, ...(head === undefined ? {} : { head: { cid: head.cid, version: head.version } }) },
  );
}

/** Waits until `ready` holds for the creator's links (checks run in the background). */
async function linksWhen(
  registry: Registry,
  did: string,
  ready: (links: readonly CreatorLink[]) => boolean,
  timeoutMs = 10_000,
): Promise<readonly CreatorLink[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const links = registry.links.linksOf(did);
    if (ready(links)) return links;
    if (Date.now() > deadline) throw new Error(`links of ${did} never got ready: ${JSON.stringify(links)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const checked = (links: readonly CreatorLink[]) =>
  links.length > 0 && links.every((l) => l.state !== 'looking');

function leafOf(registry: Registry, cid: string): Record<string, unknown> {
  const index = registry.log.indexOf(cid);
  expect(index, `a log leaf for ${cid}`).toBeTypeOf('number');
  return JSON.parse(new TextDecoder().decode(registry.log.leaf(index as number)));
}

describe('link observations at ingest', () => {
  it('checks a claimed profile in the background, signs the result with the node key and logs it', async () => {
    const registry = await start(tempDir());
    const { identity, profile } = await creatorWithPage('the-flight');
    const revision = registry.revision();
    const signed = await manifest(identity, [profile]);
    const result = await registry.ingest(signed.bytes);
    expect(result.ok).toBe(true);

    const [link] = await linksWhen(registry, identity.did, checked);
    expect(link).toMatchObject({
      identity: profile,
      state: 'ok',
      bound: true,
      method: 'profile-text',
      lastOkAt: link?.observedAt,
    });
    expect(link?.reason).toBeUndefined();
    // The next check is a day after this one, plus up to 20% (never sooner: at most once a day).
    const nextIn = Date.parse(link?.nextCheckAt as string) - Date.parse(link?.observedAt as string);
    expect(nextIn).toBeGreaterThanOrEqual(86_400_000);
    expect(nextIn).toBeLessThanOrEqual(1.2 * 86_400_000);

    // The signed observation: the latest of the creator's links, signed by this node, verifiable offline.
    const [bytes, ...more] = registry.links.observationsOf([identity.did]);
    expect(more).toEqual([]);
    const seen = await verifyObservation(bytes as Uint8Array);
    expect(seen.ok).toBe(true);
    if (!seen.ok) return;
    expect(seen.value.observer).toBe(registry.identity.did);
    expect(seen.value.cid).toBe(link?.observation);
    expect(seen.value.observation).toMatchObject({
      creator: identity.did,
      identity: profile,
      result: 'ok',
      method: 'profile-text',
      adapter: 'page',
      observedAt: link?.observedAt,
    });
    expect(seen.value.observation.evidenceHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(registry.links.observation(seen.value.cid)).toEqual(bytes);
    expect(registry.revision()).toBeGreaterThan(revision);

    // Its leaf in the node's log, after the manifest's, keyed by the observation's CID.
    expect(registry.log.indexOf(signed.cid)).toBe(0);
    expect(registry.log.indexOf(seen.value.cid)).toBe(1);
    const leaf = registry.log.leaf(1) as Uint8Array;
    const record: JsonObject = {
      t: 'link',
      cid: seen.value.cid,
      creator: identity.did,
      observer: registry.identity.did,
      identity: { type: profile.type, id: profile.id },
      result: 'ok',
      observedAt: link?.observedAt as string,
    };
    expect(new TextDecoder().decode(leaf)).toBe(canonicalize(record));
  });

  it('never holds up an ingest: a slow page is still being checked when the manifest is acknowledged', async () => {
    const registry = await start(tempDir());
    const { identity, profile, host } = await creatorWithPage('slow-page');
    web.routes.set(`${host}/about`, { ...profilePage(`assent:${identity.did}`), delayMs: 1_500 });
    const began = Date.now();
    const result = await registry.ingest((await manifest(identity, [profile])).bytes);
    expect(result.ok).toBe(true);
    expect(Date.now() - began).toBeLessThan(1_000);
    // The claims are read just after, and the check is still waiting for the page.
    const looking = await linksWhen(registry, identity.did, (l) => l.length === 1);
    expect(looking).toMatchObject([{ identity: profile, state: 'looking', bound: false }]);
    expect(looking[0]?.observedAt).toBeUndefined();
    expect(registry.links.observationsOf([identity.did])).toEqual([]);
    await linksWhen(registry, identity.did, checked);
    expect(registry.links.linksOf(identity.did)).toMatchObject([{ state: 'ok', bound: true }]);
  });

  it('answers observations of many creators in one call, none for creators without links', async () => {
    const registry = await start(tempDir());
    const a = await creatorWithPage('many-a');
    const b = await creatorWithPage('many-b');
    const plain = await generateIdentity();
    await registry.ingest((await manifest(a.identity, [a.profile])).bytes);
    await registry.ingest((await manifest(b.identity, [b.profile])).bytes);
    await registry.ingest((await manifest(plain, undefined)).bytes);
    await linksWhen(registry, a.identity.did, checked);
    await linksWhen(registry, b.identity.did, checked);
    const both = registry.links.observationsOf([plain.did, a.identity.did, b.identity.did, a.identity.did]);
    expect(both).toHaveLength(2);
    const creators = await Promise.all(
      both.map(async (bytes) => {
        const seen = await verifyObservation(bytes);
        return seen.ok ? seen.value.observation.creator : undefined;
      }),
    );
    expect(creators.sort()).toEqual([a.identity.did, b.identity.did].sort());
    expect(registry.links.observationsOf([plain.did])).toEqual([]);
    expect(registry.links.observationsOf([])).toEqual([]);
    expect(registry.links.linksOf(plain.did)).toEqual([]);
  });
});

describe('re-checking', () => {
  it('the page loses the token → recheck → perm_failure, unbound at once; the token back → ok', async () => {
    const registry = await start(tempDir());
    const { identity, profile, setPage } = await creatorWithPage('loses-token');
    await registry.ingest((await manifest(identity, [profile])).bytes);
    const [first] = await linksWhen(registry, identity.did, checked);
    expect(first).toMatchObject({ state: 'ok', bound: true });

    setPage(false);
    const size = registry.log.size();
    const revision = registry.revision();
    const [gone] = await registry.links.recheck(identity.did);
    expect(gone).toMatchObject({
      identity: profile,
      state: 'perm_failure',
      bound: false,
      method: 'profile-text',
      reason: 'LINK_NOT_NAMED',
    });
    // No grace from the ok before the proof was removed.
    expect(gone?.lastOkAt).toBeUndefined();
    expect(gone?.observation).not.toBe(first?.observation);
    expect(registry.revision()).toBeGreaterThan(revision);
    // The failure is signed and logged too.
    expect(registry.log.size()).toBe(size + 1);
    expect(leafOf(registry, gone?.observation as string)).toMatchObject({
      t: 'link',
      result: 'perm_failure',
      creator: identity.did,
    });
    const [bytes] = registry.links.observationsOf([identity.did]);
    const seen = await verifyObservation(bytes as Uint8Array);
    expect(seen.ok && seen.value.observation).toMatchObject({
      result: 'perm_failure',
      reason: 'LINK_NOT_NAMED',
    });
    // The earlier observation stays resolvable: its leaf is in the log.
    expect(registry.links.observation(first?.observation as string)).toBeInstanceOf(Uint8Array);

    setPage(true);
    const [back] = await registry.links.recheck(identity.did);
    expect(back).toMatchObject({ state: 'ok', bound: true });
    expect(back?.lastOkAt).toBe(back?.observedAt);
  });

  it('a 503 is a temp_failure that keeps the link bound within the grace, signed with the last ok', async () => {
    const registry = await start(tempDir());
    const { identity, profile, host } = await creatorWithPage('flaky');
    await registry.ingest((await manifest(identity, [profile])).bytes);
    const [first] = await linksWhen(registry, identity.did, checked);
    web.routes.set(`${host}/about`, { status: 503, body: 'busy' });
    const [flaky] = await registry.links.recheck(identity.did);
    expect(flaky).toMatchObject({ state: 'temp_failure', bound: true, lastOkAt: first?.observedAt });
    expect(flaky?.reason).toMatch(/^LINK_/);
    // Backoff: checked again in about an hour, not a day.
    const nextIn = Date.parse(flaky?.nextCheckAt as string) - Date.parse(flaky?.observedAt as string);
    expect(nextIn).toBeLessThanOrEqual(1.2 * 3_600_000);
    const seen = await verifyObservation(registry.links.observationsOf([identity.did])[0] as Uint8Array);
    expect(seen.ok && seen.value.lastOkAt).toBe(first?.observedAt);
  });

  it('drops the identities a newer head no longer claims, and checks the ones it adds', async () => {
    const registry = await start(tempDir());
    const { identity, profile } = await creatorWithPage('drops-one');
    const second: IdentityLink = { type: 'profile', id: 'https://drops-one.test/band' };
    web.routes.set('drops-one.test/band', profilePage(`assent:${identity.did}`));
    const v1 = await manifest(identity, [profile]);
    await registry.ingest(v1.bytes);
    const [old] = await linksWhen(registry, identity.did, checked);
    const v2 = await manifest(identity, [second], v1);
    const revision = registry.revision();
    await registry.ingest(v2.bytes);
    const links = await linksWhen(
      registry,
      identity.did,
      (l) => l.length === 1 && l[0]?.identity.id === second.id && l[0].state !== 'looking',
    );
    expect(links).toMatchObject([{ identity: second, state: 'ok', bound: true }]);
    expect(registry.revision()).toBeGreaterThan(revision);
    const observed = registry.links.observationsOf([identity.did]);
    expect(observed).toHaveLength(1);
    const seen = await verifyObservation(observed[0] as Uint8Array);
    expect(seen.ok && seen.value.observation.identity).toEqual(second);
    // The dropped link's observation stays in the log and resolvable.
    expect(leafOf(registry, old?.observation as string)).toMatchObject({ t: 'link', identity: profile });
    expect(registry.links.observation(old?.observation as string)).toBeInstanceOf(Uint8Array);

    // A version claiming nothing drops every link.
    await registry.ingest((await manifest(identity, undefined, v2)).bytes);
    await linksWhen(registry, identity.did, (l) => l.length === 0);
    expect(registry.links.observationsOf([identity.did])).toEqual([]);
  });
});

describe('safe fetching', () => {
  it('without allowInsecure, a profile resolving to a loopback or private address is refused and never fetched', async () => {
    const registry = await start(tempDir(), { dnsServers: dns.servers, mapUrl: (url) => web.mapUrl(url) });
    const identity = await generateIdentity();
    // Public-looking names whose DNS answers 127.0.0.1 and 10.1.2.3 (a rebinding of sorts).
    const loopback: IdentityLink = { type: 'profile', id: 'https://profile.example.com/the-flight' };
    const privateNet: IdentityLink = { type: 'profile', id: 'https://private.example.com/the-flight' };
    web.routes.set('profile.example.com/the-flight', profilePage(`assent:${identity.did}`));
    web.routes.set('private.example.com/the-flight', profilePage(`assent:${identity.did}`));
    const seenBefore = web.requests.length;
    await registry.ingest((await manifest(identity, [loopback, privateNet])).bytes);
    const links = await linksWhen(registry, identity.did, checked);
    expect(links).toHaveLength(2);
    for (const link of links) {
      expect(link.bound).toBe(false);
      expect(['perm_failure', 'temp_failure']).toContain(link.state);
      expect(link.reason).toMatch(/^LINK_(ADDRESS|URL)_REFUSED$/);
    }
    expect(web.requests.slice(seenBefore).filter((r) => r.includes('example.com'))).toEqual([]);
    // Refusals are observations too: signed and logged.
    for (const bytes of registry.links.observationsOf([identity.did]))
      expect((await verifyObservation(bytes)).ok).toBe(true);
  });

  it('links: false checks nothing', async () => {
    const registry = await start(tempDir(), false);
    const { identity, profile } = await creatorWithPage('unchecked');
    const before = web.requests.length;
    await registry.ingest((await manifest(identity, [profile])).bytes);
    await new Promise((r) => setTimeout(r, 200));
    expect(registry.links.linksOf(identity.did)).toEqual([]);
    expect(await registry.links.recheck(identity.did)).toEqual([]);
    expect(web.requests.slice(before)).toEqual([]);
    expect(registry.log.size()).toBe(1);
  });
});

describe('durability', () => {
  it('a reopened registry keeps its links, observations and leaves', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    const { identity, profile } = await creatorWithPage('reopened');
    await first.ingest((await manifest(identity, [profile])).bytes);
    const links = await linksWhen(first, identity.did, checked);
    const observations = first.links.observationsOf([identity.did]);
    const size = first.log.size();
    const root = first.log.root(size);
    await stopped(first);

    const again = await start(dataDir, false);
    expect(again.links.linksOf(identity.did)).toEqual(links);
    expect(again.links.observationsOf([identity.did])).toEqual(observations);
    expect(again.log.size()).toBe(size);
    expect(again.log.root(size)).toEqual(root);
    expect(leafOf(again, links[0]?.observation as string)).toMatchObject({ t: 'link', result: 'ok' });
  });

  it('stopping mid-check stores nothing after; the link is still due when the node starts again', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    const { identity, profile, host } = await creatorWithPage('mid-check');
    web.routes.set(`${host}/about`, { ...profilePage(`assent:${identity.did}`), delayMs: 1_000 });
    await first.ingest((await manifest(identity, [profile])).bytes);
    await new Promise((r) => setTimeout(r, 300));
    expect(first.links.linksOf(identity.did)).toMatchObject([{ state: 'looking' }]);
    await stopped(first);
    await new Promise((r) => setTimeout(r, 1_200));

    const again = await start(dataDir);
    expect(again.log.size()).toBe(1);
    web.routes.set(`${host}/about`, profilePage(`assent:${identity.did}`));
    // Due since before the stop: checked as soon as the node starts.
    const [link] = await linksWhen(again, identity.did, checked);
    expect(link).toMatchObject({ state: 'ok', bound: true });
    expect(again.log.size()).toBe(2);
  });

  it('a stopped registry refuses the links view with REGISTRY_STOPPED', async () => {
    const registry = await start(tempDir(), false);
    await stopped(registry);
    expect(() => registry.links.linksOf('did:key:z6Mk')).toThrow(
      expect.objectContaining({ code: 'REGISTRY_STOPPED' }),
    );
    expect(() => registry.links.observationsOf([])).toThrow(
      expect.objectContaining({ code: 'REGISTRY_STOPPED' }),
    );
    await expect(registry.links.recheck('did:key:z6Mk')).rejects.toMatchObject({ code: 'REGISTRY_STOPPED' });
  });
});
