import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createNameResolver } from '@assent/links';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { type SignalEvidence, signalsSource as webSignalsSource } from '../src/index.js';
import { signalsSource } from '../src/node/index.js';

/**
 * What `signalsSource` may fetch. The refused cases must never reach a socket: every client socket the
 * process opens is watched (diagnostics channel `net.client.socket`) and the loopback "trap" servers
 * count the connections they accept, so "refused" means "never connected to", not "failed to connect".
 * Nothing here sends a packet off this machine: 10.0.0.1 and 169.254.169.254 are refused before a
 * connection, and the loopback DNS server answers every name.
 */

const DENY_ROBOTS = 'User-Agent: *\nContent-Usage: train-ai=n\n';

let dns: LoopbackDns;
let rebindQueries = 0;
let trap: Server;
let trap6: Server | undefined;
let trapPort: number;
let trap6Port: number;
let trapConnections = 0;
let site: Server;
let sitePort: number;
const connected: string[] = [];
const onSocket = (message: unknown) => {
  const { socket } = message as { socket: Socket };
  socket.once('connect', () => connected.push(`${socket.remoteAddress}:${socket.remotePort}`));
};

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

const redirect = (location: string, status = 301): Answer => ({ status, headers: { location } });

/** A loopback site: host-based routes, redirects (same origin, to www., to private addresses), chains. */
function siteAnswer(host: string, path: string): Answer {
  const chain = /^\/chain\/(\d+)\/(\d+)$/.exec(path);
  if (chain !== null) {
    const [hop, of] = [Number(chain[1]), Number(chain[2])];
    if (hop < of) return redirect(`/chain/${hop + 1}/${of}`, 302);
    return { status: 200, headers: { 'content-usage': 'train-ai=n' } };
  }
  if (path === '/moved') return redirect('/page', 308);
  if (path === '/page') return { status: 200, headers: { 'content-usage': 'search=n' } };
  if (path !== '/robots.txt') return { status: 404 };
  switch (host) {
    case 'site.test':
      return redirect(`http://www.site.test:${sitePort}/robots.txt`);
    case 'www.site.test':
      return { status: 200, body: DENY_ROBOTS };
    case 'private.site.test':
      return redirect('http://10.0.0.1/robots.txt', 302);
    case 'metadata.site.test':
      return redirect('http://metadata.test/latest/', 307);
    case 'downgrade.site.test':
      return redirect('ftp://downgrade.site.test/robots.txt');
    case 'big.site.test': {
      // The rule that matters first; 600 KiB of comments; a rule the 500 KiB limit cuts off.
      const padding = '# padding padding padding padding padding padding padding padding padding\n'.repeat(
        8400,
      );
      return {
        status: 200,
        body: `User-Agent: *\nContent-Usage: /early/ train-ai=n\n${padding}Content-Usage: /late/ train-ai=n\n`,
      };
    }
    default:
      return { status: 404 };
  }
}

beforeAll(async () => {
  subscribe('net.client.socket', onSocket);
  trap = createServer((_req, res) => res.writeHead(200).end(DENY_ROBOTS));
  trap.on('connection', () => trapConnections++);
  trapPort = await listen(trap, '127.0.0.1');
  const v6 = createServer((_req, res) => res.writeHead(200).end(DENY_ROBOTS));
  v6.on('connection', () => trapConnections++);
  trap6Port = await listen(v6, '::1');
  trap6 = v6;
  site = createServer((req, res) => {
    const answer = siteAnswer((req.headers.host ?? '').replace(/:\d+$/, ''), req.url ?? '/');
    res.writeHead(answer.status, answer.headers).end(answer.body);
  });
  sitePort = await listen(site, '127.0.0.1');
  dns = await startLoopbackDns({
    'loopback.test': { a: ['127.0.0.1'] },
    'loop2.test': { a: ['127.0.0.2'] },
    'private.test': { a: ['10.0.0.1'] },
    'metadata.test': { a: ['169.254.169.254'] },
    'v6loop.test': { aaaa: ['::1'] },
    // Rebinding: public when first asked (what a check-then-connect fetcher would see), loopback after.
    'rebind.test': { a: () => (rebindQueries++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']) },
    'site.test': { a: ['127.0.0.1'] },
    'www.site.test': { a: ['127.0.0.1'] },
    'private.site.test': { a: ['127.0.0.1'] },
    'metadata.site.test': { a: ['127.0.0.1'] },
    'downgrade.site.test': { a: ['127.0.0.1'] },
    'big.site.test': { a: ['127.0.0.1'] },
  });
});

afterAll(async () => {
  unsubscribe('net.client.socket', onSocket);
  for (const server of [trap, trap6, site]) {
    if (server === undefined) continue;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await dns?.close();
});

beforeEach(() => {
  connected.length = 0;
});

function codes(evidence: SignalEvidence): string[] {
  return evidence.warnings.map((w) => w.code);
}

/** Nothing read, three warnings (robots.txt, tdmrep.json, the page) of one code. */
function expectRefused(evidence: SignalEvidence, code: string): void {
  expect(codes(evidence)).toEqual([code, code, code]);
  expect(evidence.signals).toEqual([]);
  expect(Object.values(evidence.decisions).every((d) => d === 'unknown')).toBe(true);
}

describe('Node signalsSource: private addresses are refused by default, never connected to', () => {
  const cases: [string, () => string][] = [
    ['127.0.0.1 (a loopback literal, a server listening)', () => `https://127.0.0.1:${trapPort}/page`],
    ['10.0.0.1 (a private literal)', () => 'https://10.0.0.1/page'],
    ['[::1] (the IPv6 loopback, a server listening)', () => `https://[::1]:${trap6Port}/page`],
    ['169.254.169.254 (cloud metadata)', () => 'https://169.254.169.254/latest/meta-data/'],
    ['a DNS name answering 127.0.0.1', () => `https://loopback.test:${trapPort}/page`],
    ['a DNS name answering 127.0.0.2', () => `https://loop2.test:${trapPort}/page`],
    ['a DNS name answering 10.0.0.1', () => 'https://private.test/page'],
    ['a DNS name answering 169.254.169.254', () => 'https://metadata.test/latest/meta-data/'],
    ['a DNS name answering ::1', () => `https://v6loop.test:${trap6Port}/page`],
    ['0x7f.1 (loopback spelt in hex)', () => `https://0x7f.1:${trapPort}/page`],
  ];
  it.each(cases)('%s', async (_name, url) => {
    const before = trapConnections;
    const evidence = await signalsSource({ dnsServers: dns.servers, timeoutMs: 2000 }).read(`url:${url()}`);
    expectRefused(evidence, 'SIGNALS_ADDRESS_REFUSED');
    expect(evidence.warnings[0]?.message).toMatch(/is refused: .*not a public address/);
    expect(connected).toEqual([]);
    expect(trapConnections).toBe(before);
  });

  it('a rebinding answer: public when first asked, 127.0.0.1 when the source connects', async () => {
    rebindQueries = 0;
    const first = await createNameResolver({ servers: dns.servers, timeoutMs: 1000 }).addresses(
      'rebind.test',
    );
    expect(first).toMatchObject({ ok: true, value: [{ address: '93.184.216.34' }] });
    const before = trapConnections;
    const evidence = await signalsSource({ dnsServers: dns.servers }).read(
      `url:https://rebind.test:${trapPort}/page`,
    );
    expectRefused(evidence, 'SIGNALS_ADDRESS_REFUSED');
    expect(evidence.warnings[0]?.message).toContain('resolves to 127.0.0.1');
    expect(connected).toEqual([]);
    expect(trapConnections).toBe(before);
  });

  it('with allowInsecure, loopback is reached (so the watch above would see it) and private ranges are not', async () => {
    const before = trapConnections;
    const local = signalsSource({ dnsServers: dns.servers, allowInsecure: true });
    const evidence = await local.read(`url:http://loopback.test:${trapPort}/page`);
    expect(evidence.warnings).toEqual([]);
    expect(evidence.decisions['train-genai']).toBe('deny');
    expect(trapConnections).toBeGreaterThan(before);
    expect(connected.length).toBeGreaterThan(0);
    connected.length = 0;
    for (const url of [
      'http://10.0.0.1/',
      'http://169.254.169.254/',
      'http://private.test/',
      'http://metadata.test/',
    ]) {
      expectRefused(await local.read(`url:${url}`), 'SIGNALS_ADDRESS_REFUSED');
    }
    expect(connected).toEqual([]);
  });
});

describe('Node signalsSource: https only, no credentials', () => {
  it('refuses plain http without allowInsecure, before resolving or connecting', async () => {
    const before = trapConnections;
    const source = signalsSource({ dnsServers: dns.servers });
    const evidence = await source.read(`url:http://127.0.0.1:${trapPort}/page`);
    expectRefused(evidence, 'SIGNALS_URL_REFUSED');
    expect(evidence.warnings[0]?.message).toContain('http: is not fetched, only https:');
    expectRefused(await source.read('url:http://example.com/page'), 'SIGNALS_URL_REFUSED');
    expect(connected).toEqual([]);
    expect(trapConnections).toBe(before);
  });

  it('refuses a page URL with credentials, even with allowInsecure (robots.txt is asked of the origin)', async () => {
    const evidence = await signalsSource({ allowInsecure: true }).read(
      `url:http://user:pw@127.0.0.1:${trapPort}/page`,
    );
    expect(codes(evidence)).toEqual(['SIGNALS_URL_REFUSED']);
    expect(evidence.warnings[0]?.message).toContain('credentials in a URL are not sent');
    expect(evidence.warnings[0]?.message).not.toContain('pw');
  });
});

describe('Node signalsSource: redirects, each hop checked again', () => {
  const local = () => signalsSource({ dnsServers: dns.servers, allowInsecure: true });

  it('follows a redirect to another host (example.com → www.example.com) and names where it read', async () => {
    const evidence = await local().read(`url:http://site.test:${sitePort}/moved`);
    expect(evidence.warnings).toEqual([]);
    expect(evidence.decisions['train-genai']).toBe('deny');
    expect(evidence.decisions.search).toBe('deny');
    expect(evidence.signals.map((s) => `${s.location} ${s.url}`).sort()).toEqual([
      `header http://site.test:${sitePort}/page`,
      `robots.txt http://www.site.test:${sitePort}/robots.txt`,
    ]);
  });

  it('refuses a redirect to a private address, without connecting to it', async () => {
    const evidence = await local().read(`url:http://private.site.test:${sitePort}/page`);
    const warning = evidence.warnings.find((w) => w.message.includes('/robots.txt'));
    expect(warning?.code).toBe('SIGNALS_ADDRESS_REFUSED');
    expect(warning?.message).toContain('redirected to http://10.0.0.1/robots.txt');
    expect(connected.filter((c) => !c.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('refuses a redirect to a name answering 169.254.169.254', async () => {
    const evidence = await local().read(`url:http://metadata.site.test:${sitePort}/page`);
    const warning = evidence.warnings.find((w) => w.message.includes('/robots.txt'));
    expect(warning?.code).toBe('SIGNALS_ADDRESS_REFUSED');
    expect(warning?.message).toContain('169.254.169.254');
    expect(connected.filter((c) => !c.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('refuses a redirect to a scheme other than http(s)', async () => {
    const evidence = await local().read(`url:http://downgrade.site.test:${sitePort}/page`);
    const warning = evidence.warnings.find((w) => w.message.includes('/robots.txt'));
    expect(warning?.code).toBe('SIGNALS_URL_REFUSED');
  });

  it('follows five redirects, not six', async () => {
    const five = await local().read(`url:http://127.0.0.1:${sitePort}/chain/0/5`);
    expect(five.warnings).toEqual([]);
    expect(five.decisions['train-genai']).toBe('deny');
    expect(five.signals[0]?.url).toBe(`http://127.0.0.1:${sitePort}/chain/5/5`);
    const six = await local().read(`url:http://127.0.0.1:${sitePort}/chain/0/6`);
    expect(six.warnings.map((w) => w.code)).toEqual(['SIGNALS_UNAVAILABLE']);
    expect(six.warnings[0]?.message).toContain('redirected more than 5 times');
    expect(six.decisions['train-genai']).toBe('unknown');
  });
});

describe('Node signalsSource: bodies', () => {
  it('reads a robots.txt over the limit up to its last whole line (RFC 9309 §2.5)', async () => {
    const source = signalsSource({ dnsServers: dns.servers, allowInsecure: true });
    const early = await source.read(`url:http://big.site.test:${sitePort}/early/x`);
    expect(early.warnings).toEqual([]);
    expect(early.decisions['train-genai']).toBe('deny');
    const late = await source.read(`url:http://big.site.test:${sitePort}/late/x`);
    expect(late.decisions['train-genai']).toBe('unknown');
  });
});

describe('signalsSource of @assent/verifier (browsers): URLs only, the platform decides addresses', () => {
  /** A fetch standing in for a browser's: answers from a table, records what was asked. */
  function fakeFetch(answers: Record<string, () => Response>, asked: string[]): typeof fetch {
    return async (input) => {
      const url = String(input);
      asked.push(url);
      const answer = answers[url];
      return answer === undefined ? new Response(null, { status: 404 }) : answer();
    };
  }

  it('throws a TypeError in Node without a fetch: the Node entry is the one that checks addresses', () => {
    expect(() => webSignalsSource()).toThrow(TypeError);
    expect(() => webSignalsSource()).toThrow("'@assent/verifier/node'");
  });

  it('asks only for https URLs: an http work or a redirect to http is refused before it is asked', async () => {
    const asked: string[] = [];
    const source = webSignalsSource({
      fetch: fakeFetch(
        {
          'https://example.com/robots.txt': () =>
            new Response(null, { status: 301, headers: { location: 'http://example.com/robots.txt' } }),
          'https://example.com/page': () =>
            new Response(null, { headers: { 'content-usage': 'train-ai=n' } }),
        },
        asked,
      ),
    });
    const evidence = await source.read('url:https://example.com/page');
    expect(evidence.decisions['train-genai']).toBe('deny');
    expect(evidence.warnings.map((w) => w.code)).toEqual(['SIGNALS_URL_REFUSED']);
    expect(evidence.warnings[0]?.message).toContain('redirected to http://example.com/robots.txt');
    expectRefused(await source.read('url:http://example.org/page'), 'SIGNALS_URL_REFUSED');
    expect(asked.every((url) => url.startsWith('https://'))).toBe(true);
  });

  it('discards an answer whose final URL, after the platform followed redirects, is not https', async () => {
    const followed = (body: string) => {
      const response = new Response(body);
      Object.defineProperty(response, 'url', { value: 'http://example.net/robots.txt' });
      return response;
    };
    const source = webSignalsSource({
      fetch: fakeFetch({ 'https://example.net/robots.txt': () => followed(DENY_ROBOTS) }, []),
    });
    const evidence = await source.read('url:https://example.net/page');
    expect(evidence.decisions['train-genai']).toBe('unknown');
    expect(evidence.warnings.map((w) => w.code)).toEqual(['SIGNALS_URL_REFUSED']);
  });

  it('follows redirects a fetch returns, five at most, with allowInsecure for http', async () => {
    const answers: Record<string, () => Response> = {};
    for (let hop = 0; hop < 6; hop++) {
      answers[`http://local.test/h${hop}`] = () =>
        new Response(null, { status: 302, headers: { location: `/h${hop + 1}` } });
    }
    answers['http://local.test/h6'] = () =>
      new Response(null, { headers: { 'content-usage': 'train-ai=n' } });
    const source = webSignalsSource({ allowInsecure: true, fetch: fakeFetch(answers, []) });
    expect((await source.read('url:http://local.test/h1')).decisions['train-genai']).toBe('deny');
    const six = await source.read('url:http://local.test/h0');
    expect(six.warnings.map((w) => w.message)).toEqual([expect.stringContaining('more than 5')]);
  });
});
