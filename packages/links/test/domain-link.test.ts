import { createHash } from 'node:crypto';
import { identityFromSecretKey, type JsonObject } from '@assent/manifest';
import { createProof } from '@assent/manifest/data-integrity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlatform, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { createLinkChecker, type LinkChecker, linkableDomain } from '../src/index.js';

const creator = await identityFromSecretKey(new Uint8Array(32).fill(1));
const other = await identityFromSecretKey(new Uint8Array(32).fill(2));
const at = new Date('2026-12-01T00:00:00Z');
const loopback = { a: ['127.0.0.1'] };

let dns: LoopbackDns;
let web: FakePlatform;
let checker: LinkChecker;

/** A DID Configuration resource holding an eddsa-jcs-2022 JSON-LD Domain Linkage Credential. */
async function didConfiguration(signer: typeof creator, origin: string): Promise<string> {
  const credential = await createProof(
    {
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://identity.foundation/.well-known/did-configuration/v1',
      ],
      type: ['VerifiableCredential', 'DomainLinkageCredential'],
      issuer: signer.did,
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2027-01-01T00:00:00Z',
      credentialSubject: { id: signer.did, origin },
    } as JsonObject,
    {
      secretKey: signer.secretKey,
      verificationMethod: signer.verificationMethod,
      created: '2026-01-01T00:00:00Z',
    },
  );
  return JSON.stringify({
    '@context': 'https://identity.foundation/.well-known/did-configuration/v1',
    linked_dids: [credential],
  });
}

beforeAll(async () => {
  dns = await startLoopbackDns({
    'theflight.test': loopback,
    '_assent.theflight.test': { txt: [[`did=${creator.did}`], ['v=spf1 -all']] },
    'chunked.test': loopback,
    '_assent.chunked.test': { txt: [[`did=${creator.did.slice(0, 30)}`, creator.did.slice(30)]] },
    'two.test': loopback,
    '_assent.two.test': { txt: [[`did=${creator.did}`], [`did=${other.did}`]] },
    'other.test': loopback,
    '_assent.other.test': { txt: [[`did=${other.did}`]] },
    'junk.test': loopback,
    '_assent.junk.test': { txt: [['did=not a did']] },
    'nodid.test': loopback,
    '_assent.nodid.test': { txt: [['v=spf1 -all'], [`assent=${creator.did}`]] },
    'nx.test': loopback,
    'servfail.test': loopback,
    '_assent.servfail.test': { rcode: 2 },
    'wk.test': loopback,
    'wk-type.test': loopback,
    'wk-moved.test': loopback,
    'wk-other.test': loopback,
    'wk-lines.test': loopback,
    'wk-down.test': loopback,
    'dc.test': loopback,
    'dc-origin.test': loopback,
    'dc-other.test': loopback,
  });
  web = await startFakePlatform({
    // DNS names someone else; this file alone must not outvote it.
    'other.test/.well-known/assent-did': { type: 'text/plain', body: creator.did },
    'wk.test/.well-known/assent-did': { type: 'text/plain; charset=utf-8', body: `${creator.did}\n` },
    'wk-type.test/.well-known/assent-did': { type: 'text/html', body: creator.did },
    'wk-moved.test/.well-known/assent-did': {
      status: 301,
      headers: { location: 'https://wk.test/.well-known/assent-did' },
    },
    'wk-other.test/.well-known/assent-did': { type: 'text/plain', body: other.did },
    'wk-lines.test/.well-known/assent-did': { type: 'text/plain', body: `${creator.did}\n${other.did}\n` },
    'wk-down.test/.well-known/assent-did': { status: 503 },
    'dc.test/.well-known/did-configuration.json': {
      type: 'application/json',
      body: await didConfiguration(creator, 'https://dc.test'),
    },
    'dc-origin.test/.well-known/did-configuration.json': {
      type: 'application/json',
      body: await didConfiguration(creator, 'https://elsewhere.test'),
    },
    'dc-other.test/.well-known/did-configuration.json': {
      type: 'application/json',
      body: await didConfiguration(other, 'https://dc-other.test'),
    },
  });
  checker = createLinkChecker({
    allowInsecure: true,
    dnsServers: dns.servers,
    mapUrl: web.mapUrl,
    timeoutMs: 2_000,
    now: () => at,
  });
});

afterAll(async () => {
  await web?.close();
  await dns?.close();
});

const check = (domain: string) => checker.check(creator.did, { type: 'domain', id: domain });
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('DNS TXT _assent.<domain>', () => {
  it('one did= record naming the creator: ok, other TXT records ignored; the evidence is the records', async () => {
    const { observation, attempts } = await check('theflight.test');
    expect(observation).toEqual({
      creator: creator.did,
      identity: { type: 'domain', id: 'theflight.test' },
      method: 'dns-txt',
      result: 'ok',
      observedAt: at.toISOString(),
      evidenceHash: sha256([`did=${creator.did}`, 'v=spf1 -all'].sort().join('\n')),
    });
    expect(attempts).toHaveLength(1);
  });

  it('a record split into character-strings is read whole', async () => {
    expect((await check('chunked.test')).observation).toMatchObject({ method: 'dns-txt', result: 'ok' });
  });

  it('two DIDs: ambiguous, and DNS decides (no web request)', async () => {
    const before = web.requests.length;
    const { observation, attempts } = await check('two.test');
    expect(observation).toMatchObject({
      method: 'dns-txt',
      result: 'perm_failure',
      reason: 'LINK_AMBIGUOUS',
    });
    expect(attempts).toHaveLength(1);
    expect(web.requests.length).toBe(before);
  });

  it('another DID in DNS is not outvoted by the web server', async () => {
    const { observation, attempts } = await check('other.test');
    expect(observation).toMatchObject({
      method: 'dns-txt',
      result: 'perm_failure',
      reason: 'LINK_OTHER_DID',
    });
    expect(attempts).toHaveLength(1);
  });

  it('a did= value that is not a DID: malformed', async () => {
    expect((await check('junk.test')).observation).toMatchObject({
      result: 'perm_failure',
      reason: 'LINK_MALFORMED',
    });
  });

  it('TXT records without did=: not named; the web methods are tried next', async () => {
    const { observation, attempts } = await check('nodid.test');
    expect(attempts.map((a) => [a.observation.method, a.observation.reason])).toEqual([
      ['dns-txt', 'LINK_NOT_NAMED'],
      ['well-known', 'LINK_HTTP_NOT_FOUND'],
      ['did-configuration', 'LINK_HTTP_NOT_FOUND'],
    ]);
    expect(observation).toMatchObject({ result: 'perm_failure' });
  });

  it('NXDOMAIN is permanent, SERVFAIL temporary', async () => {
    const nx = await check('nx.test');
    expect(nx.attempts[0]?.observation).toMatchObject({
      method: 'dns-txt',
      result: 'perm_failure',
      reason: 'LINK_DNS_NOT_FOUND',
      evidenceHash: null,
    });
    expect(nx.observation.result).toBe('perm_failure');
    const servfail = await check('servfail.test');
    expect(servfail.attempts[0]?.observation).toMatchObject({
      method: 'dns-txt',
      result: 'temp_failure',
      reason: 'LINK_DNS_FAILED',
    });
    expect(servfail.observation).toMatchObject({ method: 'dns-txt', result: 'temp_failure' });
  });
});

describe('https://<domain>/.well-known/assent-did', () => {
  it('text/plain, one line: ok; the evidence is the body', async () => {
    const { observation } = await check('wk.test');
    expect(observation).toMatchObject({
      method: 'well-known',
      result: 'ok',
      evidenceHash: sha256(`${creator.did}\n`),
    });
  });

  it.each([
    ['wk-type.test', 'LINK_CONTENT_TYPE', 'perm_failure'],
    ['wk-moved.test', 'LINK_REDIRECT_REFUSED', 'perm_failure'],
    ['wk-other.test', 'LINK_OTHER_DID', 'perm_failure'],
    ['wk-lines.test', 'LINK_MALFORMED', 'perm_failure'],
    ['wk-down.test', 'LINK_HTTP_UNAVAILABLE', 'temp_failure'],
  ])('%s: %s', async (domain, reason, result) => {
    const { observation } = await check(domain);
    expect(observation).toMatchObject({ method: 'well-known', result, reason });
  });
});

describe('https://<domain>/.well-known/did-configuration.json', () => {
  it('an eddsa-jcs-2022 Domain Linkage Credential of the creator for the origin: ok', async () => {
    expect((await check('dc.test')).observation).toMatchObject({ method: 'did-configuration', result: 'ok' });
  });

  it('a credential for another origin is invalid; one of another DID does not name the creator', async () => {
    expect((await check('dc-origin.test')).observation).toMatchObject({
      method: 'did-configuration',
      result: 'perm_failure',
      reason: 'LINK_CREDENTIAL_INVALID',
    });
    const { attempts } = await check('dc-other.test');
    expect(attempts.at(-1)?.observation).toMatchObject({
      method: 'did-configuration',
      reason: 'LINK_NOT_NAMED',
    });
  });
});

describe('only a registrable domain binds (L2)', () => {
  it.each([
    ['co.uk', 'LINK_DOMAIN_PUBLIC_SUFFIX'],
    ['github.io', 'LINK_DOMAIN_PUBLIC_SUFFIX'],
    ['user.github.io', 'LINK_DOMAIN_SHARED_HOST'],
    ['bucket.s3.amazonaws.com', 'LINK_DOMAIN_SHARED_HOST'],
    ['amazonaws.com', 'LINK_DOMAIN_SHARED_HOST'],
    ['theflight.netlify.app', 'LINK_DOMAIN_SHARED_HOST'],
    ['theflight.vercel.app', 'LINK_DOMAIN_SHARED_HOST'],
    ['theflight.pages.dev', 'LINK_DOMAIN_SHARED_HOST'],
    ['theflight.bandcamp.com', 'LINK_DOMAIN_SHARED_HOST'],
    ['music.theflight.com', 'LINK_DOMAIN_NOT_REGISTRABLE'],
    ['theflight.test', 'LINK_DOMAIN_UNKNOWN_SUFFIX'],
    ['xn--pple-43d.com', 'LINK_DOMAIN_CONFUSABLE'], // "аpple": Cyrillic а, Latin pple
    ['xn--80ak6aa92e.com', 'LINK_DOMAIN_CONFUSABLE'], // "аррӏе": all Cyrillic, all Latin look-alikes
    ['TheFlight.com', 'LINK_IDENTITY_INVALID'],
  ])('%s: %s', (domain, reason) => {
    expect(linkableDomain(domain)).toMatchObject({ ok: false, reason });
  });

  it.each(['theflight.com', 'theflight.co.uk', 'xn--bcher-kva.de', 'xn--e1afmkfd.xn--p1ai'])(
    '%s binds',
    (domain) => {
      expect(linkableDomain(domain)).toEqual({ ok: true, domain });
    },
  );

  it('a refused domain is never fetched: method policy, no DNS or web request', async () => {
    const secure = createLinkChecker({ dnsServers: dns.servers, mapUrl: web.mapUrl });
    const before = web.requests.length;
    for (const domain of ['user.github.io', 'co.uk', 'xn--pple-43d.com', 'theflight.test']) {
      const { observation } = await secure.check(creator.did, { type: 'domain', id: domain });
      expect(observation).toMatchObject({ method: 'policy', result: 'perm_failure', evidenceHash: null });
    }
    expect(web.requests.length).toBe(before);
  });
});
