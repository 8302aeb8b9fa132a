import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlatform, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { createNameResolver, type SafeFetchOptions, safeFetch } from '../src/index.js';

/**
 * `truncateBody`: a reader whose format says to parse a prefix (robots.txt, RFC 9309 §2.5) keeps the
 * first `maxBodyBytes` of a longer body instead of having it refused; the time limit still holds.
 */

let dns: LoopbackDns;
let web: FakePlatform;

beforeAll(async () => {
  dns = await startLoopbackDns({ 'site.test': { a: ['127.0.0.1'] } });
  web = await startFakePlatform({
    'site.test/endless': { streamBytes: 10 * 1024 * 1024 },
    'site.test/declared': { body: 'b'.repeat(5_000) },
    'site.test/exact': { body: 'c'.repeat(1_000) },
  });
});

afterAll(async () => {
  await web?.close();
  await dns?.close();
});

function options(extra: Partial<SafeFetchOptions> = {}): SafeFetchOptions {
  return {
    allowInsecure: true,
    resolver: createNameResolver({ servers: dns.servers, timeoutMs: 1_000 }),
    timeoutMs: 2_000,
    maxBodyBytes: 1_000,
    truncateBody: true,
    userAgent: 'test',
    mapUrl: web.mapUrl,
    ...extra,
  };
}

const get = { accept: 'text/plain' };

describe('safeFetch with truncateBody', () => {
  it('keeps the first maxBodyBytes of an endless body and marks it truncated', async () => {
    const result = await safeFetch('https://site.test/endless', get, options());
    expect(result).toMatchObject({ ok: true, response: { status: 200, truncated: true } });
    if (result.ok) expect(result.response.body).toEqual(new Uint8Array(1_000).fill(0x61));
  });

  it('reads a declared Content-Length over the limit instead of refusing it', async () => {
    const result = await safeFetch('https://site.test/declared', get, options());
    expect(result).toMatchObject({ ok: true, response: { truncated: true } });
    if (result.ok) expect(result.response.body.length).toBe(1_000);
  });

  it('a body of exactly maxBodyBytes is whole', async () => {
    const result = await safeFetch('https://site.test/exact', get, options());
    expect(result.ok && result.response.truncated).toBe(undefined);
    if (result.ok) expect(result.response.body.length).toBe(1_000);
  });

  it('without it, the same body is refused', async () => {
    expect(await safeFetch('https://site.test/endless', get, options({ truncateBody: false }))).toMatchObject(
      { ok: false, reason: 'LINK_BODY_TOO_LARGE' },
    );
  });
});
