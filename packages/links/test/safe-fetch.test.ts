import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlatform, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import {
  createNameResolver,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TIMEOUT_MS,
  isAllowedAddress,
  type SafeFetchOptions,
  safeFetch,
} from '../src/index.js';

/**
 * The fetcher's policy against a loopback DNS server and a loopback web server. The refused cases never
 * reach a socket: the lookup hook refuses the answer before a connection is tried, so no test here
 * sends a packet to a private or public address (the network policy allows loopback only).
 */

let dns: LoopbackDns;
let web: FakePlatform;
let rebindQueries = 0;

beforeAll(async () => {
  dns = await startLoopbackDns({
    'site.test': { a: ['127.0.0.1'] },
    'private10.test': { a: ['10.0.0.1'] },
    'loop.test': { a: ['127.0.0.2'] },
    'v6loop.test': { aaaa: ['::1'] },
    'metadata.test': { a: ['169.254.169.254'] },
    'mapped.test': { aaaa: ['::ffff:127.0.0.1'] },
    // One public and one loopback address: the whole answer is refused, so Happy Eyeballs cannot
    // fall back to the loopback one.
    'mixed.test': { a: ['93.184.216.34', '127.0.0.1'] },
    // Rebinding: the first answer is public (what a pre-check would see), every later one loopback.
    'rebind.test': { a: () => (rebindQueries++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']) },
    'servfail.test': { rcode: 2 },
    'xn--bcher-kva.test': { a: ['127.0.0.1'] },
  });
  web = await startFakePlatform({
    'site.test/page': { body: 'hello' },
    'site.test/missing-type': { body: 'x', type: '' },
    'site.test/moved': { status: 302, headers: { location: 'https://site.test/page' } },
    'site.test/huge': { streamBytes: 10 * 1024 * 1024 },
    'site.test/huge-declared': { body: 'a'.repeat(300 * 1024) },
    'site.test/slow': { body: 'late', delayMs: 1_500 },
    'site.test/gone': { status: 404 },
    'site.test/broken': { status: 500 },
    'xn--bcher-kva.test/page': { body: 'punycode' },
  });
});

afterAll(async () => {
  await web?.close();
  await dns?.close();
});

function options(extra: Partial<SafeFetchOptions> = {}): SafeFetchOptions {
  return {
    allowInsecure: false,
    resolver: createNameResolver({ servers: dns.servers, timeoutMs: 1_000 }),
    timeoutMs: 1_000,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    userAgent: 'test',
    ...extra,
  };
}

const insecure = () => options({ allowInsecure: true, mapUrl: web.mapUrl });
const get = { accept: 'text/html' };

describe('address policy', () => {
  it.each([
    ['8.8.8.8', true, true],
    ['2606:4700::1', true, true],
    ['10.1.2.3', false, false],
    ['172.16.0.1', false, false],
    ['192.168.1.1', false, false],
    ['127.0.0.1', false, true],
    ['127.9.9.9', false, true],
    ['::1', false, true],
    ['169.254.169.254', false, false],
    ['100.64.0.1', false, false],
    ['0.0.0.0', false, false],
    ['224.0.0.1', false, false],
    ['192.0.2.1', false, false],
    ['fe80::1', false, false],
    ['fc00::1', false, false],
    ['::ffff:10.0.0.1', false, false],
    ['::ffff:127.0.0.1', false, true],
    ['::ffff:8.8.8.8', true, true],
    ['64:ff9b::a00:1', false, false],
    ['2002:a00:1::', false, false],
    ['not an address', false, false],
  ])('%s: allowed %s, with allowInsecure %s', (address, secure, insecureAllowed) => {
    expect(isAllowedAddress(address, { allowInsecure: false })).toBe(secure);
    expect(isAllowedAddress(address, { allowInsecure: true })).toBe(insecureAllowed);
  });
});

describe('SSRF: refused without allowInsecure, before any connection', () => {
  it.each([
    ['https://private10.test/', 'a name resolving into 10/8'],
    ['https://loop.test/', 'a name resolving into 127/8'],
    ['https://v6loop.test/', 'a name resolving to ::1'],
    ['https://metadata.test/latest/meta-data/', 'a name resolving into 169.254/16'],
    ['https://mapped.test/', 'a name resolving to an IPv4-mapped loopback'],
    ['https://mixed.test/', 'an answer mixing a public and a loopback address'],
    ['https://10.0.0.1/', 'an IP literal in 10/8'],
    ['https://127.0.0.1/', 'an IP literal in 127/8'],
    ['https://[::1]/', 'an IPv6 loopback literal'],
    ['https://169.254.169.254/', 'the metadata address'],
    ['https://0x7f.1/', 'a loopback address spelt in hex'],
  ])('%s (%s)', async (url) => {
    const before = web.requests.length;
    const result = await safeFetch(url, get, options());
    expect(result).toMatchObject({ ok: false, reason: 'LINK_ADDRESS_REFUSED' });
    expect(web.requests.length).toBe(before);
  });

  it('a rebinding answer: public when first asked, loopback when the fetcher connects', async () => {
    rebindQueries = 0;
    // What a check-then-connect fetcher would have seen first:
    const first = await createNameResolver({ servers: dns.servers, timeoutMs: 1_000 }).addresses(
      'rebind.test',
    );
    expect(first).toMatchObject({ ok: true, value: [{ address: '93.184.216.34' }] });
    // The fetcher resolves again at connect time and checks that answer, the one it would connect to.
    const result = await safeFetch('https://rebind.test/', get, options());
    expect(result).toMatchObject({ ok: false, reason: 'LINK_ADDRESS_REFUSED' });
  });

  it('private ranges stay refused with allowInsecure; loopback is allowed', async () => {
    expect(await safeFetch('https://private10.test/', get, insecure())).toMatchObject({
      ok: false,
      reason: 'LINK_ADDRESS_REFUSED',
    });
    expect(await safeFetch('https://metadata.test/', get, insecure())).toMatchObject({
      ok: false,
      reason: 'LINK_ADDRESS_REFUSED',
    });
    const page = await safeFetch('https://site.test/page', get, insecure());
    expect(page).toMatchObject({ ok: true, response: { status: 200 } });
    if (page.ok) expect(new TextDecoder().decode(page.response.body)).toBe('hello');
  });

  it('the URL asked and the URL fetched both pass the policy', async () => {
    const toPrivate = options({ allowInsecure: true, mapUrl: () => new URL('http://10.0.0.1/') });
    expect(await safeFetch('https://site.test/page', get, toPrivate)).toMatchObject({
      ok: false,
      reason: 'LINK_ADDRESS_REFUSED',
    });
  });
});

describe('https only, no redirects, bounded bodies and time', () => {
  it('plain http is refused without allowInsecure', async () => {
    expect(await safeFetch('http://site.test/page', get, options())).toMatchObject({
      ok: false,
      reason: 'LINK_URL_REFUSED',
    });
    expect(await safeFetch('ftp://site.test/page', get, insecure())).toMatchObject({
      ok: false,
      reason: 'LINK_URL_REFUSED',
    });
    expect(await safeFetch('https://user:pw@site.test/page', get, insecure())).toMatchObject({
      ok: false,
      reason: 'LINK_URL_REFUSED',
    });
  });

  it('a redirect is returned, not followed', async () => {
    const before = web.requests.length;
    const result = await safeFetch('https://site.test/moved', get, insecure());
    expect(result).toMatchObject({
      ok: true,
      response: { status: 302, headers: { location: 'https://site.test/page' } },
    });
    expect(web.requests.slice(before)).toEqual(['GET site.test/moved']);
  });

  it('a 10 MB streamed body is cut off at 256 KiB', async () => {
    expect(await safeFetch('https://site.test/huge', get, insecure())).toMatchObject({
      ok: false,
      reason: 'LINK_BODY_TOO_LARGE',
    });
  });

  it('a declared Content-Length over the limit is refused before reading', async () => {
    expect(await safeFetch('https://site.test/huge-declared', get, insecure())).toMatchObject({
      ok: false,
      reason: 'LINK_BODY_TOO_LARGE',
    });
  });

  it('a slow answer times out (the default deadline is 5 s, 256 KiB the default limit)', async () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(5_000);
    expect(DEFAULT_MAX_BODY_BYTES).toBe(262_144);
    const started = Date.now();
    expect(await safeFetch('https://site.test/slow', get, { ...insecure(), timeoutMs: 300 })).toMatchObject({
      ok: false,
      reason: 'LINK_TIMEOUT',
    });
    expect(Date.now() - started).toBeLessThan(1_400);
  });

  it('an aborted signal ends the request', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    expect(
      await safeFetch('https://site.test/slow', { ...get, signal: controller.signal }, insecure()),
    ).toMatchObject({
      ok: false,
      reason: 'LINK_TIMEOUT',
    });
  });

  it('DNS: NXDOMAIN is permanent, SERVFAIL temporary', async () => {
    expect(await safeFetch('https://nowhere.test/', get, insecure())).toMatchObject({
      ok: false,
      reason: 'LINK_DNS_NOT_FOUND',
    });
    expect(await safeFetch('https://servfail.test/', get, insecure())).toMatchObject({
      ok: false,
      reason: 'LINK_DNS_FAILED',
    });
  });

  it('an IDN host is resolved and asked for by its A-labels (Punycode)', async () => {
    const before = web.requests.length;
    const result = await safeFetch('https://bücher.test/page', get, insecure());
    expect(result).toMatchObject({ ok: true, response: { status: 200 } });
    expect(web.requests.slice(before)).toEqual(['GET xn--bcher-kva.test/page']);
  });

  it('a closed port is a temporary connection failure', async () => {
    const closed = options({ allowInsecure: true, mapUrl: () => new URL('http://127.0.0.1:1/') });
    expect(await safeFetch('https://site.test/page', get, closed)).toMatchObject({
      ok: false,
      reason: 'LINK_CONNECT_FAILED',
    });
  });
});
