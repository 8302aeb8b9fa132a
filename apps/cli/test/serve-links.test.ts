/**
 * `assent serve --insecure-links --dns-server IP:PORT` over the built CLI (docs/operations.md "Identity
 * links"): the node checks a domain a creator claims through a loopback DNS server (dns2), and answers
 * the link's state at `GET /v1/creators/{did}`. Without `--insecure-links` a `.test` domain is refused
 * by policy. Bad values are USAGE.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, signManifest } from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlatform, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { assent, buildCli, json, type Served, serve } from './support/cli.js';

const dirs: string[] = [];
const running: Served[] = [];
let dns: LoopbackDns;
let web: FakePlatform;
const creator = await generateIdentity();

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-serve-links-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  dns = await startLoopbackDns({ '_assent.theflight.test': { txt: [[`did=${creator.did}`]] } });
  web = await startFakePlatform();
  await buildCli();
}, 300_000);

afterAll(async () => {
  for (const s of running) await s.stop();
  await dns?.close();
  await web?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Publishes a manifest claiming `theflight.test` and waits until the node has checked it. */
async function publishAndWait(node: Served): Promise<Record<string, unknown>> {
  const signed = await signManifest(
    { works: [], identities: [{ type: 'domain', id: 'theflight.test' }] },
    { identity: creator },
  );
  const published = await fetch(`${node.url}/v1/manifests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: signed.bytes as BodyInit,
  });
  expect(published.status).toBe(201);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const body = await (await fetch(`${node.url}/v1/creators/${encodeURIComponent(creator.did)}`)).json();
    const [link] = body.links ?? [];
    if (link !== undefined && link.state !== 'looking') return link;
    if (Date.now() > deadline) throw new Error(`the link was never checked: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('assent serve and identity links', () => {
  it('--insecure-links --dns-server: a domain named by its DNS TXT record is ok, signed by the node', async () => {
    const data = tempDir();
    const node = await serve(['--data', data, '--insecure-links', '--dns-server', dns.servers[0] as string], {
      ASSENT_HOME: data,
    });
    running.push(node);
    const link = await publishAndWait(node);
    expect(link).toMatchObject({
      identity: { type: 'domain', id: 'theflight.test' },
      state: 'ok',
      bound: true,
      method: 'dns-txt',
    });
    const observation = await fetch(`${node.url}/v1/observations/${link.observation}`);
    expect(observation.status).toBe(200);
    const { did } = await (await fetch(`${node.url}/.well-known/assent-node.json`)).json();
    expect((await observation.json()).issuer).toBe(did);
  }, 60_000);

  it('without --insecure-links, a domain under a suffix the Public Suffix List does not know is refused', async () => {
    const data = tempDir();
    const node = await serve(['--data', data, '--dns-server', dns.servers[0] as string], {
      ASSENT_HOME: data,
    });
    running.push(node);
    const link = await publishAndWait(node);
    expect(link).toMatchObject({ state: 'perm_failure', bound: false, method: 'policy' });
    expect(link.reason).toMatch(/^LINK_DOMAIN_/);
  }, 60_000);

  it('--links-mirror: a profile page served by a loopback stand-in names the creator, and the link binds', async () => {
    const profile = 'https://soundcloud.test/the-flight';
    web.routes.set('soundcloud.test/the-flight', {
      body: `<!doctype html><html><body><main><p class="bio">The Flight. assent:${creator.did}</p></main></body></html>`,
    });
    const data = tempDir();
    const node = await serve(
      [
        '--data',
        data,
        '--insecure-links',
        '--links-mirror',
        web.url,
        '--dns-server',
        dns.servers[0] as string,
      ],
      { ASSENT_HOME: data },
    );
    running.push(node);
    const signed = await signManifest(
      { works: [], identities: [{ type: 'profile', id: profile }] },
      { identity: creator },
    );
    const published = await fetch(`${node.url}/v1/manifests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: signed.bytes as BodyInit,
    });
    expect(published.status).toBe(201);
    const deadline = Date.now() + 20_000;
    let link: Record<string, unknown> | undefined;
    while (link?.state === undefined || link.state === 'looking') {
      if (Date.now() > deadline) throw new Error(`never checked: ${JSON.stringify(link)}`);
      await new Promise((r) => setTimeout(r, 50));
      const body = await (await fetch(`${node.url}/v1/creators/${encodeURIComponent(creator.did)}`)).json();
      link = body.links?.[0];
    }
    expect(link).toMatchObject({ identity: { type: 'profile', id: profile }, state: 'ok', bound: true });
    // Without --insecure-links the mirror is refused: it is for tests and local use only.
    const refused = await assent(['serve', '--links-mirror', web.url, '--json'], { ASSENT_HOME: tempDir() });
    expect(refused.code).toBe(2);
    expect(json(refused)).toMatchObject({ error: { code: 'USAGE' } });
  }, 60_000);

  it('answers a --dns-server that is not IP[:PORT] with USAGE, and says both flags in --help', async () => {
    const home = tempDir();
    for (const server of ['dns.example:53', '127.0.0.1:99999', '[::1', '']) {
      const run = await assent(['serve', '--dns-server', server, '--json'], { ASSENT_HOME: home });
      expect(run.code, server).toBe(2);
      expect(json(run), server).toMatchObject({ error: { code: 'USAGE' } });
    }
    const help = await assent(['serve', '--help'], { ASSENT_HOME: home });
    expect(help.stdout).toContain('--insecure-links');
    expect(help.stdout).toContain('--dns-server');
  });
});
