/**
 * A creator's identity links over HTTP (docs/api.md): `GET /v1/creators/{did}` answers each link as the
 * node last checked it, and `GET /v1/observations/{cid}` the signed observation a `link` leaf of its log
 * names. Real parts: a registry over SQLite checking links with the loopback setup of
 * `--insecure-links` (a dns2 server and a Hono "fake platform" serving the creator's profile page), and
 * the gateway on 127.0.0.1.
 */
import {
  blockCid,
  generateIdentity,
  type IdentityLink,
  signManifest,
  verifyObservation,
} from '@assent/manifest';
import { createRegistry, type Registry } from '@assent/registry';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlatform, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { type RunningGateway, startGateway } from '../src/index.js';
import { cleanup, tempDir } from './support/fixture.js';

const me = await generateIdentity();
const profile: IdentityLink = { type: 'profile', id: 'https://the-flight.test/about' };
const page = (bio: string) => ({
  body: `<!doctype html><html><body><main><h1>The Flight</h1><p class="bio">${bio}</p></main></body></html>`,
});

let dns: LoopbackDns;
let web: FakePlatform;
let registry: Registry;
let gw: RunningGateway;

beforeAll(async () => {
  dns = await startLoopbackDns({}, { loopbackByDefault: true });
  web = await startFakePlatform({ 'the-flight.test/about': page(`Band from Leeds. assent:${me.did}`) });
  registry = await createRegistry({
    dataDir: tempDir(),
    network: false,
    links: { allowInsecure: true, dnsServers: dns.servers, mapUrl: (url) => web.mapUrl(url) },
  });
  gw = await startGateway({ registry, port: 0, log: false, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await gw?.close();
  await registry?.stop();
  await web?.close();
  await dns?.close();
  cleanup();
});

const creatorUrl = () => `${gw.url}/v1/creators/${encodeURIComponent(me.did)}`;

async function linksWhenChecked(): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const body = await (await fetch(creatorUrl())).json();
    if (body.links?.length > 0 && body.links.every((l: { state: string }) => l.state !== 'looking'))
      return body.links;
    if (Date.now() > deadline) throw new Error(`never checked: ${JSON.stringify(body.links)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('identity links over HTTP', () => {
  it('GET /v1/creators/{did} answers the links with their states; GET /v1/observations/{cid} the signed observation', async () => {
    const signed = await signManifest({ works: [], identities: [profile] }, { identity: me });
    const published = await fetch(`${gw.url}/v1/manifests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: signed.bytes as BodyInit,
    });
    expect(published.status).toBe(201);

    const [link] = await linksWhenChecked();
    expect(link).toMatchObject({
      identity: profile,
      state: 'ok',
      bound: true,
      method: 'profile-text',
      observedAt: expect.any(String),
      lastOkAt: expect.any(String),
      nextCheckAt: expect.any(String),
      observation: expect.stringMatching(/^bagaaiera/),
    });
    const cid = link?.observation as string;

    const res = await fetch(`${gw.url}/v1/observations/${cid}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('etag')).toBe(`"${cid}"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const seen = await verifyObservation(bytes);
    expect(seen.ok).toBe(true);
    if (!seen.ok) return;
    expect(seen.value.cid).toBe(cid);
    expect(seen.value.observer).toBe(registry.identity.did);
    expect(seen.value.observation).toMatchObject({ creator: me.did, identity: profile, result: 'ok' });

    // The leaf that names it, resolvable through the route.
    const index = registry.log.indexOf(cid) as number;
    const leaf = JSON.parse(new TextDecoder().decode(registry.log.leaf(index)));
    expect(leaf).toMatchObject({ t: 'link', cid, creator: me.did, observer: registry.identity.did });

    const again = await fetch(`${gw.url}/v1/observations/${cid}`, {
      headers: { 'if-none-match': `"${cid}"` },
    });
    expect(again.status).toBe(304);
  });

  it('a recheck after the token is gone shows perm_failure and bound false', async () => {
    web.routes.set('the-flight.test/about', page('Band from Leeds.'));
    await registry.links.recheck(me.did);
    const body = await (await fetch(creatorUrl())).json();
    expect(body.links).toMatchObject([
      { identity: profile, state: 'perm_failure', bound: false, reason: 'LINK_NOT_NAMED' },
    ]);
    const served = await fetch(`${gw.url}/v1/observations/${body.links[0].observation}`);
    expect(served.status).toBe(200);
  });

  it('GET /v1/observations/{cid}: 404 for a CID it holds no observation of, 400 for a malformed one', async () => {
    const head = registry.head(me.did)?.heads[0]?.cid as string;
    // A manifest's CID is not an observation.
    const notOne = await fetch(`${gw.url}/v1/observations/${head}`);
    expect(notOne.status).toBe(404);
    expect(notOne.headers.get('access-control-allow-origin')).toBe('*');
    expect((await notOne.json()).error.code).toBe('NOT_FOUND');
    const bad = await fetch(`${gw.url}/v1/observations/not-a-cid`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('CID_MALFORMED');
    const post = await fetch(`${gw.url}/v1/observations/${head}`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('a creator with no identities answers links: []', async () => {
    const other = await generateIdentity();
    await registry.ingest((await signManifest({ works: [] }, { identity: other })).bytes);
    const body = await (await fetch(`${gw.url}/v1/creators/${encodeURIComponent(other.did)}`)).json();
    expect(body.links).toEqual([]);
  });

  it('/openapi.json describes the links and the observation route', async () => {
    const doc = await (await fetch(`${gw.url}/openapi.json`)).json();
    expect(doc.paths['/v1/observations/{cid}']?.get).toBeDefined();
    expect(doc.components.schemas.Creator.properties.links).toBeDefined();
    expect(Object.keys(doc.components.schemas.CreatorLink.properties).sort()).toEqual([
      'bound',
      'identity',
      'lastOkAt',
      'method',
      'nextCheckAt',
      'observation',
      'observedAt',
      'reason',
      'state',
    ]);
  });
});

describe('the read rate limit covers GET /v1/observations/{cid}', () => {
  it('answers 429 with CORS once the read burst is spent', async () => {
    const limited = await startGateway({
      registry,
      port: 0,
      log: false,
      logger: pino({ level: 'silent' }),
      readRateLimit: { perSecond: 0.001, burst: 2 },
    });
    try {
      const url = `${limited.url}/v1/observations/${blockCid(new TextEncoder().encode('{}'))}`;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(url);
        statuses.push(res.status);
        if (res.status === 429) expect(res.headers.get('access-control-allow-origin')).toBe('*');
      }
      expect(statuses).toEqual([404, 404, 429]);
    } finally {
      await limited.close();
    }
  });
});
