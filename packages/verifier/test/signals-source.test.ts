import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckResult, withSignals } from '../src/index.js';
import { type NodeSignalsSourceOptions, signalsSource } from '../src/node/index.js';

const ROBOTS = [
  'User-Agent: *',
  'Content-Usage: train-ai=y, search=y',
  'Content-Usage: /private/ train-ai=n',
  '',
  'User-Agent: ExampleBot',
  'Content-Usage: /open/ search=n',
  'Content-Signal: ai-input=no',
  '',
].join('\n');

const TDMREP = JSON.stringify([{ location: '/tdm/', 'tdm-reservation': 1 }]);

/** These fixtures are plain http on 127.0.0.1: reachable only with `allowInsecure` (see signals-guard.test.ts). */
const localSignals = (options: NodeSignalsSourceOptions = {}) =>
  signalsSource({ allowInsecure: true, ...options });

const requests: string[] = [];
let server: Server;
let base: string;
let slow: Server;
let slowBase: string;
let garbage: Server;
let garbageBase: string;

function listen(s: Server): Promise<string> {
  return new Promise((resolve) => {
    s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.url === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(ROBOTS);
    } else if (req.url === '/.well-known/tdmrep.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(TDMREP);
    } else if (req.url === '/headers/ai') {
      res.writeHead(200, { 'content-usage': 'ai-use=n', 'x-robots-tag': 'noai' }).end();
    } else if (req.url === '/headers/allow') {
      res.writeHead(200, { 'content-usage': 'train-ai=y, ai-use=y' }).end();
    } else if (req.url === '/headers/tdm') {
      res.writeHead(200, { 'tdm-reservation': '1' }).end();
    } else {
      res.writeHead(200).end();
    }
  });
  slow = createServer((req, res) => {
    if (req.url === '/robots.txt') {
      // Never answers.
      return;
    }
    if (req.url === '/.well-known/tdmrep.json') {
      // Endless body.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x5b);
      const pump = () => {
        while (res.write(chunk)) {
          if (res.destroyed) return;
        }
        res.once('drain', pump);
      };
      res.on('error', () => undefined);
      pump();
      return;
    }
    res.writeHead(503).end();
  });
  garbage = createServer((req, res) => {
    if (req.url === '/robots.txt') {
      res.writeHead(200).end(Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x43, 0x3a, 0xff, 0x0a]));
    } else if (req.url === '/.well-known/tdmrep.json') {
      res.writeHead(200).end('{not json');
    } else {
      res.writeHead(200, { 'content-usage': '"?!', 'x-robots-tag': '\u00ff', 'tdm-reservation': '7' }).end();
    }
  });
  [base, slowBase, garbageBase] = await Promise.all([listen(server), listen(slow), listen(garbage)]);
});

afterAll(async () => {
  for (const s of [server, slow, garbage]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe('signalsSource: decisions per term', () => {
  it('reads robots.txt Content-Usage for the path and user agent', async () => {
    const source = localSignals();
    const open = await source.read(`url:${base}/page`);
    expect(open.signed).toBe(false);
    expect(open.decisions['train-genai']).toBe('allow');
    expect(open.decisions.search).toBe('allow');
    expect(open.decisions.tdm).toBe('unknown');
    expect(open.warnings).toEqual([]);
    const priv = await source.read(`url:${base}/private/x`);
    expect(priv.decisions['train-genai']).toBe('deny');
    expect(priv.signals).toEqual([
      expect.objectContaining({
        signed: false,
        standard: 'aipref',
        location: 'robots.txt',
        url: `${base}/robots.txt`,
      }),
    ]);
    const bot = await localSignals({ userAgent: 'ExampleBot' }).read(`url:${base}/open/a`);
    expect(bot.decisions.search).toBe('deny');
    expect(bot.decisions['train-genai']).toBe('unknown');
    // The Content-Signal line of its own group, found from the whole User-Agent string too.
    expect(bot.decisions['ai-input']).toBe('deny');
    const ua = await localSignals({ userAgent: 'Mozilla/5.0 (compatible; ExampleBot/1.0)' }).read(
      `url:${base}/open/a`,
    );
    expect(ua.decisions).toEqual(bot.decisions);
    expect(ua.signals.map((s) => s.standard).sort()).toEqual(['aipref', 'content-signal']);
  });

  it('reads Content-Usage and X-Robots-Tag headers, and TDMRep from header and file', async () => {
    const source = localSignals();
    const ai = await source.read(`url:${base}/headers/ai`);
    expect(ai.decisions['ai-input']).toBe('deny');
    expect(ai.decisions['train-ai']).toBe('deny');
    expect(ai.decisions['train-genai']).toBe('deny');
    expect(ai.decisions.search).toBe('allow');
    expect(ai.signals.map((s) => `${s.standard}@${s.location}`).sort()).toEqual([
      'aipref@header',
      'aipref@robots.txt',
      'x-robots-tag@header',
    ]);
    const tdmHeader = await source.read(`url:${base}/headers/tdm`);
    // TDMRep 1 reserves TDM and the AI uses, not search (robots.txt allows it here).
    expect(tdmHeader.decisions['train-ai']).toBe('deny');
    expect(tdmHeader.decisions.all).toBe('unknown');
    expect(tdmHeader.decisions.search).toBe('allow');
    expect(tdmHeader.signals).toContainEqual(
      expect.objectContaining({ standard: 'tdmrep', location: 'header' }),
    );
    const tdmFile = await source.read(`url:${base}/tdm/book`);
    expect(tdmFile.decisions.tdm).toBe('deny');
    expect(tdmFile.signals).toContainEqual(
      expect.objectContaining({
        standard: 'tdmrep',
        location: 'tdmrep.json',
        url: `${base}/.well-known/tdmrep.json`,
      }),
    );
  });

  it('caches robots.txt and tdmrep.json per origin within the TTL, headers per URL', async () => {
    const source = localSignals({ ttlMs: 60_000 });
    requests.length = 0;
    await source.read(`url:${base}/a`);
    await source.read(`url:${base}/b`);
    await source.read(`url:${base}/a`);
    expect(requests.filter((r) => r === 'GET /robots.txt')).toHaveLength(1);
    expect(requests.filter((r) => r === 'GET /.well-known/tdmrep.json')).toHaveLength(1);
    expect(requests.filter((r) => r.startsWith('HEAD '))).toEqual(['HEAD /a', 'HEAD /b']);
    const expired = localSignals({ ttlMs: 0 });
    requests.length = 0;
    await expired.read(`url:${base}/a`);
    await expired.read(`url:${base}/a`);
    expect(requests.filter((r) => r === 'GET /robots.txt')).toHaveLength(2);
  });
});

describe('signalsSource: hostile servers never throw or hang', () => {
  it('times out a silent server, caps an endless body, and warns', async () => {
    const source = localSignals({ timeoutMs: 300, maxBytes: 100_000 });
    const started = Date.now();
    const evidence = await source.read(`url:${slowBase}/page`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(evidence.signals).toEqual([]);
    expect(Object.values(evidence.decisions).every((d) => d === 'unknown')).toBe(true);
    const codes = evidence.warnings.map((w) => w.code);
    expect(codes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(codes)).toEqual(new Set(['SIGNALS_UNAVAILABLE']));
    expect(evidence.warnings.some((w) => w.message.includes('within 300 ms'))).toBe(true);
    // The endless tdmrep.json was cut at maxBytes, not timed out: no warning for it, no signal.
    expect(evidence.warnings.some((w) => w.message.includes('tdmrep.json'))).toBe(false);
  });

  it('reads garbage as no signal', async () => {
    const evidence = await localSignals().read(`url:${garbageBase}/x`);
    expect(Object.values(evidence.decisions).every((d) => d === 'unknown')).toBe(true);
    expect(evidence.warnings).toEqual([]);
  });

  it('warns for an unreachable server and a non-http work', async () => {
    const closed = createServer();
    const url = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const evidence = await localSignals({ timeoutMs: 2000 }).read(`url:${url}/x`);
    expect(evidence.warnings.map((w) => w.code)).toContain('SIGNALS_UNAVAILABLE');
    const odd = await localSignals().read('isbn:9780000000000');
    expect(odd.warnings.map((w) => w.code)).toEqual(['SIGNALS_UNAVAILABLE']);
  });

  it('honours a caller abort', async () => {
    const controller = new AbortController();
    const pending = localSignals({ timeoutMs: 60_000 }).read(`url:${slowBase}/p`, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const evidence = await pending;
    expect(evidence.warnings.length).toBeGreaterThan(0);
  });
});

function signed(decision: CheckResult['decision']): CheckResult {
  return {
    work: 'url:x',
    id: null,
    use: 'train-genai',
    at: '2026-01-01T00:00:00Z',
    decision,
    disputed: false,
    term: 'train-genai',
    rule: 'work-policy',
    evidence: [
      {
        cid: 'bafy',
        issuer: 'did:key:z',
        version: 1,
        decision,
        term: 'train-genai',
        rule: 'work-policy',
        matched: 'url:x',
        claims: true,
      },
    ],
    reason: 'The creator decided.',
    warnings: [],
    claimants: [],
  };
}

describe('withSignals', () => {
  it('a signed allow plus a robots.txt deny is a deny, with both in evidence', async () => {
    const signals = await localSignals().read(`url:${base}/private/x`);
    const result = withSignals(signed('allow'), signals);
    expect(result.decision).toBe('deny');
    expect(result.reason).toContain('robots.txt');
    expect(result.evidence).toHaveLength(2);
    expect(result.evidence[0]).toMatchObject({ cid: 'bafy', decision: 'allow' });
    expect(result.evidence[1]).toMatchObject({ signed: false, standard: 'aipref', location: 'robots.txt' });
  });

  it('a signed deny plus a header allow stays deny; an unsigned allow never upgrades unknown', async () => {
    const signals = await localSignals().read(`url:${base}/headers/allow`);
    expect(signals.decisions['train-genai']).toBe('allow');
    const denied = withSignals(signed('deny'), signals);
    expect(denied.decision).toBe('deny');
    expect(denied.evidence.some((e) => 'signed' in e && e.signed === false)).toBe(true);
    expect(withSignals(signed('unknown'), signals).decision).toBe('unknown');
    expect(withSignals(signed('allow'), signals).decision).toBe('allow');
  });

  it('a deny of a broader term denies the use; warnings are carried', async () => {
    const signals = await localSignals({ timeoutMs: 300 }).read(`url:${slowBase}/x`);
    const result = withSignals(signed('allow'), signals);
    expect(result.decision).toBe('allow');
    expect(result.warnings.map((w) => w.code)).toContain('SIGNALS_UNAVAILABLE');
    const tdm = await localSignals().read(`url:${base}/headers/tdm`);
    expect(withSignals(signed('conditional'), tdm)).toMatchObject({ decision: 'deny' });
  });
});
