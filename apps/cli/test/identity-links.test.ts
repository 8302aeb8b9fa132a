import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlatform, type Route, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { assent, buildCli, json, type Run } from './support/cli.js';

/**
 * `assent id link` and `assent id links`, end to end through the built CLI. The network is loopback
 * only: the fake platform (Hono on 127.0.0.1) serves the profile pages and the domain's well-known
 * file, reached with `--links-mirror`, and a dns2 server on 127.0.0.1 answers the `_assent` TXT
 * records (`--dns-server`) and resolves every other name to 127.0.0.1. What `id link` prints is
 * published as printed, and the check must accept exactly that.
 */
let dir: string;
let env: Record<string, string>;
let did: string;
let deadGateway: string;
let web: FakePlatform;
let dns: LoopbackDns;

const PROFILE = 'https://soundcloud.test/the-flight';
const DOMAIN = 'theflight.test';
const SITE = 'https://site.test/about';

const page = (body: string): Route => ({
  body: `<!doctype html><html><head><meta charset="utf-8"><title>The Flight</title></head><body>${body}</body></html>`,
});

interface LinkOutput {
  identity: { type: string; id: string };
  publish: {
    token?: string;
    platform?: string;
    dnsTxt?: { name: string; type: string; value: string };
    wellKnown?: { url: string; contentType: string; content: string };
    relMe?: { href: string; html: string };
  } | null;
  changed: boolean;
  identities: { type: string; id: string }[];
}

interface LinksOutput {
  manifest: { cid: string; version: number } | null;
  checked: boolean;
  code: string | null;
  links: {
    identity: { type: string; id: string };
    check?: { state: string; method: string; reason?: string; message: string };
    node?: { state: string; bound: boolean; reason?: string } | null;
  }[];
  node: { known: boolean; reportsLinks: boolean } | null;
}

const checkArgs = () => ['--dns-server', dns.servers[0] as string];
const byId = (out: LinksOutput, id: string) => out.links.find((l) => l.identity.id === id);
const manifestIdentities = (file: string) =>
  (JSON.parse(readFileSync(file, 'utf8')) as { credentialSubject: { identities?: unknown } })
    .credentialSubject.identities;

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-cli-links-'));
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      server.close(() => resolve(address.port));
    });
  });
  // No node: heads come from the manifests signed here; rel=me targets are <gateway>/c/<did>.
  deadGateway = `http://127.0.0.1:${port}`;
  env = { ASSENT_HOME: join(dir, 'home'), ASSENT_PASSPHRASE: 'the flight 1987', ASSENT_GATEWAY: deadGateway };
  const created = await assent(['id', 'create', '--name', 'The Flight', '--json'], env);
  expect(created.code, created.stderr).toBe(0);
  did = json<{ did: string }>(created).did;
  web = await startFakePlatform();
  dns = await startLoopbackDns({}, { loopbackByDefault: true });
}, 120_000);

afterAll(async () => {
  await web?.close();
  await dns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('assent id link', () => {
  it('refuses a public suffix, a shared host and (without --insecure-links) an unknown suffix, with the reason, and writes nothing', async () => {
    const draft = join(dir, 'refused.json');
    const cases: [string[], string][] = [
      [['github.io'], 'LINK_DOMAIN_PUBLIC_SUFFIX'],
      [['the-flight.github.io'], 'LINK_DOMAIN_SHARED_HOST'],
      [['co.uk'], 'LINK_DOMAIN_PUBLIC_SUFFIX'],
      [[DOMAIN], 'LINK_DOMAIN_UNKNOWN_SUFFIX'],
    ];
    for (const [args, reason] of cases) {
      const run = await assent(['id', 'link', ...args, '--draft', draft, '--json'], env);
      expect(run.code, args.join(' ')).toBe(3);
      expect(json(run)).toEqual({
        error: { code: 'IDENTITY_NOT_LINKABLE', message: expect.stringContaining(reason) },
      });
    }
    const text = await assent(['id', 'link', 'github.io', '--draft', draft], env);
    expect(text.stderr).toContain('github.io is a public suffix (LINK_DOMAIN_PUBLIC_SUFFIX)');
    // Not a profile URL: http, or a name with a path.
    const http = await assent(['id', 'link', 'http://soundcloud.test/x', '--draft', draft, '--json'], env);
    expect(json(http)).toMatchObject({ error: { code: 'IDENTITY_PROFILE_MALFORMED' } });
    const bare = await assent(['id', 'link', 'soundcloud.test/x', '--draft', draft, '--json'], env);
    expect(json(bare)).toMatchObject({ error: { code: 'IDENTITY_PROFILE_MALFORMED' } });
    expect(json<{ error: { message: string } }>(bare).error.message).toContain('https://soundcloud.test/x');
    const noDraft = await assent(['id', 'link', PROFILE, '--json'], env);
    expect(noDraft.code).toBe(2);
    expect(existsSync(draft)).toBe(false);
  });

  it('prints the token for a profile, and the next signed version carries the identity', async () => {
    const draft = join(dir, 'draft.json');
    const run = await assent(['id', 'link', 'https://SoundCloud.test/the-flight', '--draft', draft], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Linked profile ${PROFILE} in ${draft}, a new draft`);
    expect(run.stdout).toContain(`\n  assent:${did}\n`);
    const signed = join(dir, 'v1.json');
    const sign = await assent(['sign', draft, '-o', signed, '--json'], env);
    expect(sign.code, sign.stderr).toBe(0);
    expect(json(sign)).toMatchObject({ version: 1 });
    expect(manifestIdentities(signed)).toEqual([{ type: 'profile', id: PROFILE }]);
  });

  it('prints the DNS TXT record and the well-known file for a domain, and adds it to the working draft', async () => {
    const draft = join(dir, 'draft.json');
    const text = await assent(['id', 'link', DOMAIN, '--draft', draft, '--insecure-links'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Linked domain ${DOMAIN} in ${draft}\n`);
    expect(text.stdout).toMatch(
      new RegExp(`name +_assent\\.theflight\\.test\\n +type +TXT\\n +value +did=${did}\\n`),
    );
    expect(text.stdout).toContain('https://theflight.test/.well-known/assent-did');
    // Again, as JSON: already claimed, nothing changes; the draft keeps the profile from the last test.
    const again = json<LinkOutput>(
      await assent(['id', 'link', DOMAIN, '--draft', draft, '--insecure-links', '--json'], env),
    );
    expect(again).toMatchObject({ changed: false, identity: { type: 'domain', id: DOMAIN } });
    expect(again.publish).toEqual({
      type: 'domain',
      domain: DOMAIN,
      dnsTxt: { name: `_assent.${DOMAIN}`, type: 'TXT', value: `did=${did}` },
      wellKnown: {
        url: `https://${DOMAIN}/.well-known/assent-did`,
        contentType: 'text/plain',
        content: `${did}\n`,
      },
      didConfiguration: {
        url: `https://${DOMAIN}/.well-known/did-configuration.json`,
        origin: `https://${DOMAIN}`,
      },
    });
    const site = json<LinkOutput>(await assent(['id', 'link', SITE, '--draft', draft, '--json'], env));
    expect(site.publish).toMatchObject({
      platform: 'page',
      token: `assent:${did}`,
      relMe: { href: `${deadGateway}/c/${did}` },
    });
    expect(site.identities).toEqual([
      { type: 'profile', id: PROFILE },
      { type: 'domain', id: DOMAIN },
      { type: 'profile', id: SITE },
    ]);
    const signed = join(dir, 'v2.json');
    const sign = await assent(['sign', draft, '-o', signed, '--json'], env);
    expect(json(sign)).toMatchObject({ version: 2 });
    expect(manifestIdentities(signed)).toEqual(site.identities);
  });

  it('--unlink starts a new draft from the head and drops the identity from it', async () => {
    const draft = join(dir, 'unlink.json');
    const run = json<LinkOutput & { from: { kind: string; version?: number } }>(
      await assent(['id', 'link', SITE, '--unlink', '--draft', draft, '--json'], env),
    );
    expect(run).toMatchObject({ changed: true, publish: null, from: { kind: 'head', version: 2 } });
    expect(JSON.parse(readFileSync(draft, 'utf8')).identities).toEqual([
      { type: 'profile', id: PROFILE },
      { type: 'domain', id: DOMAIN },
    ]);
  });
});

describe('assent id links', () => {
  const run = (args: string[]): Promise<Run> => assent(['id', 'links', ...args], env);

  it('lists the links the newest manifest claims', async () => {
    const listed = await run(['--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const out = json<LinksOutput>(listed);
    expect(out).toMatchObject({ manifest: { version: 2 }, checked: false, code: null, node: null });
    expect(out.links.map((l) => l.identity.id)).toEqual([PROFILE, DOMAIN, SITE]);
    const text = await run([]);
    expect(text.stdout).toContain('claims 3 identities');
    expect(text.stdout).toContain(`profile ${PROFILE}`);
  });

  it('--check --insecure-links: ok for what id link printed, perm_failure once it is removed, temp_failure on a 503', async () => {
    const printed = (id: string, insecure = false) =>
      assent(
        [
          'id',
          'link',
          id,
          '--draft',
          join(dir, 'scratch.json'),
          '--json',
          ...(insecure ? ['--insecure-links'] : []),
        ],
        env,
      ).then((r) => json<LinkOutput>(r).publish as NonNullable<LinkOutput['publish']>);
    const profile = await printed(PROFILE);
    const domain = await printed(DOMAIN, true);
    const site = await printed(SITE);
    web.routes.set(
      'soundcloud.test/the-flight',
      page(`<h1>The Flight</h1><p>Band from Leeds. ${profile.token}</p>`),
    );
    web.routes.set('site.test/about', page(`<p>About the band</p>${site.relMe?.html}`));
    const txt = domain.dnsTxt as { name: string; value: string };
    dns.zones.set(txt.name, { txt: [[txt.value]] });
    const insecure = ['--check', '--insecure-links', '--links-mirror', web.url, ...checkArgs()];

    const ok = await run([...insecure, '--json']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const okOut = json<LinksOutput>(ok);
    expect(okOut.code).toBeNull();
    expect(byId(okOut, PROFILE)?.check).toMatchObject({ state: 'ok', method: 'profile-text' });
    expect(byId(okOut, DOMAIN)?.check).toMatchObject({ state: 'ok', method: 'dns-txt' });
    expect(byId(okOut, SITE)?.check).toMatchObject({ state: 'ok', method: 'rel-me' });
    const okText = await run(insecure);
    expect(okText.stdout).toMatch(/here {2}ok {2}profile-text \(page\) {2}/);
    expect(okText.stdout).toContain('Every link checked is ok.');

    // The well-known file instead of the TXT record, exactly as printed.
    dns.zones.delete(txt.name);
    const file = domain.wellKnown as { url: string; contentType: string; content: string };
    web.routes.set(`${DOMAIN}${new URL(file.url).pathname}`, { type: file.contentType, body: file.content });
    const wellKnown = json<LinksOutput>(await run([...insecure, '--json']));
    expect(byId(wellKnown, DOMAIN)?.check).toMatchObject({ state: 'ok', method: 'well-known' });

    // The token taken out of the bio: a report of a broken link, exit 1.
    web.routes.set('soundcloud.test/the-flight', page('<h1>The Flight</h1><p>Band from Leeds.</p>'));
    const broken = await run([...insecure, '--json']);
    expect(broken.code).toBe(1);
    const brokenOut = json<LinksOutput>(broken);
    expect(brokenOut.code).toBe('LINKS_BROKEN');
    expect(byId(brokenOut, PROFILE)?.check).toMatchObject({
      state: 'perm_failure',
      reason: 'LINK_NOT_NAMED',
    });
    expect(byId(brokenOut, DOMAIN)?.check?.state).toBe('ok');
    const brokenText = await run(insecure);
    expect(brokenText.code).toBe(1);
    expect(brokenText.stdout).toMatch(/here {2}perm_failure {2}profile-text \(page\) {2}LINK_NOT_NAMED {2}/);

    // The platform down: nothing could be told, exit 6 (it outranks the broken link).
    web.routes.set('soundcloud.test/the-flight', { status: 503, body: 'busy' });
    const down = await run([...insecure, '--json']);
    expect(down.code).toBe(6);
    expect(json<LinksOutput>(down).code).toBe('LINKS_UNCONFIRMED');
    expect(byId(json<LinksOutput>(down), PROFILE)?.check).toMatchObject({
      state: 'temp_failure',
      reason: 'LINK_HTTP_UNAVAILABLE',
    });
    web.routes.set('soundcloud.test/the-flight', page(`<p>${profile.token}</p>`));
  });

  it('without --insecure-links a loopback target is refused and never asked', async () => {
    const asked = web.requests.length;
    const safe = await run(['--check', ...checkArgs(), '--json']);
    expect(safe.code).toBe(1);
    const out = json<LinksOutput>(safe);
    // soundcloud.test resolves to 127.0.0.1 here: refused on the address, before any request.
    expect(byId(out, PROFILE)?.check).toMatchObject({
      state: 'perm_failure',
      reason: 'LINK_ADDRESS_REFUSED',
    });
    expect(byId(out, SITE)?.check).toMatchObject({ state: 'perm_failure', reason: 'LINK_ADDRESS_REFUSED' });
    expect(byId(out, DOMAIN)?.check).toMatchObject({
      state: 'perm_failure',
      method: 'policy',
      reason: 'LINK_DOMAIN_UNKNOWN_SUFFIX',
    });
    expect(web.requests.length).toBe(asked);
    const mirror = await run(['--check', '--links-mirror', web.url, '--json']);
    expect(mirror.code).toBe(2);
    expect(json(mirror)).toMatchObject({ error: { code: 'USAGE' } });
  });

  it("--gateway shows the node's observations beside, and tolerates a node that reports none", async () => {
    // A stand-in for the node's GET /v1/creators/{did}: its `links` member is not served by nodes yet.
    const home = env.ASSENT_HOME as string;
    const head = JSON.parse(readFileSync(join(home, 'head.json'), 'utf8')) as {
      cid: string;
      version: number;
    };
    const node = await startFakePlatform({
      [`v1/manifests/${head.cid}`]: {
        type: 'application/json',
        body: readFileSync(join(home, 'manifests', `${head.cid}.json`), 'utf8'),
      },
    });
    const creator = `v1/creators/${encodeURIComponent(did)}`;
    const answer = (extra: Record<string, unknown>): Route => ({
      type: 'application/json',
      body: JSON.stringify({
        issuer: did,
        head: head.cid,
        heads: [{ cid: head.cid, version: head.version }],
        version: head.version,
        forked: false,
        history: [{ cid: head.cid, version: head.version }],
        next: null,
        ...extra,
      }),
    });
    try {
      node.routes.set(creator, answer({}));
      const none = await run(['--gateway', node.url, '--json']);
      expect(none.code, none.stderr).toBe(0);
      const noneOut = json<LinksOutput>(none);
      expect(noneOut.node).toEqual({ gateway: node.url, known: true, reportsLinks: false });
      expect(noneOut.links.every((l) => l.node === null)).toBe(true);
      expect((await run(['--gateway', node.url])).stdout).toContain('node  reports no link states');

      const at = '2026-12-07T10:00:00.000Z';
      node.routes.set(
        creator,
        answer({
          links: [
            {
              identity: { type: 'profile', id: PROFILE },
              state: 'ok',
              bound: true,
              observedAt: at,
              lastOkAt: at,
              nextCheckAt: '2026-12-08T10:00:00.000Z',
              method: 'profile-text',
              observation: 'bagaaieraobservation',
            },
            {
              identity: { type: 'domain', id: DOMAIN },
              state: 'perm_failure',
              bound: false,
              observedAt: at,
              nextCheckAt: '2026-12-08T10:00:00.000Z',
              method: 'dns-txt',
              reason: 'LINK_DNS_NOT_FOUND',
            },
            { identity: { type: 'isrc', id: 'x' }, state: 'ok' },
            'garbage',
          ],
        }),
      );
      const seen = await run(['--gateway', node.url, '--json']);
      expect(seen.code).toBe(1);
      const seenOut = json<LinksOutput>(seen);
      expect(seenOut.code).toBe('LINKS_BROKEN');
      expect(byId(seenOut, PROFILE)?.node).toMatchObject({
        state: 'ok',
        bound: true,
        lastOkAt: at,
        observation: 'bagaaieraobservation',
      });
      expect(byId(seenOut, DOMAIN)?.node).toMatchObject({
        state: 'perm_failure',
        bound: false,
        reason: 'LINK_DNS_NOT_FOUND',
      });
      expect(byId(seenOut, SITE)?.node).toBeNull();
      const text = await run(['--gateway', node.url]);
      expect(text.stdout).toContain(`node  ok  bound · profile-text · observed ${at}`);
      expect(text.stdout).toContain('node  has not observed this link');
    } finally {
      await node.close();
    }
  });
});
