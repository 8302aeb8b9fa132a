/**
 * `gatewaySource` against real HTTP servers on 127.0.0.1: an honest one (the reference gateway of
 * the decisions test, with `POST /v1/candidates` or as an older gateway without it) and hostile ones.
 * Every fault ends in a stable code or the caller's abort, never a crash or a hang.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  generateIdentity,
  isAssentError,
  type SignedManifest,
  signManifest,
  type WorkId,
} from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CandidateSet, createVerifier, gatewaySource } from '../src/index.js';
import {
  answerGateway,
  gatewayIndex,
  startGateway,
  startServer,
  type TestServer,
} from './support/gateway-server.js';

const X = 'isrc:USRC17607839';
const Y = 'isrc:GBAYE0601498';

let denyX: SignedManifest;
let allowX: SignedManifest;
let paged: SignedManifest;
const servers: TestServer[] = [];

beforeAll(async () => {
  const a = await generateIdentity();
  const b = await generateIdentity();
  denyX = await signManifest({ works: [{ ids: [X], policy: { 'train-ai': 'deny' } }] }, { identity: a });
  allowX = await signManifest({ works: [{ ids: [X], policy: { all: 'allow' } }] }, { identity: b });
  paged = await signManifest(
    { works: [{ ids: [Y], policy: { all: 'deny' } }] },
    { identity: b, inlineBudgetBytes: 0, head: allowX },
  );
});

afterAll(async () => {
  for (const s of servers) await s.close();
});

async function serve(handler: Parameters<typeof startServer>[0]): Promise<string> {
  const s = await startServer(handler);
  servers.push(s);
  return s.origin;
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, type = 'application/json') {
  res.writeHead(status, { 'content-type': type }).end(body);
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** A fetch that records `METHOD path` of every request (the path relative to the origin). */
function recordingFetch(log: string[]): typeof fetch {
  return (input, init) => {
    log.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname.replace(/^\/d\/[^/]+/, '')}`);
    return fetch(input, init);
  };
}

/** The manifests and page CIDs of an answer, in a comparable order. */
function namesOf(answer: CandidateSet) {
  return answer.manifests
    .map((m) => ({ cid: m.cid, pages: [...(m.pages?.keys() ?? [])].sort() }))
    .sort((a, b) => String(a.cid).localeCompare(String(b.cid)));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (isAssentError(error)) return error.code;
    if (error instanceof Error) return error.name;
    return String(error);
  }
}

describe('gatewaySource, honest gateway', () => {
  it('finds manifests and catalog pages with POST /v1/candidates, fetches them and caches the blocks', async () => {
    const g = await startGateway();
    servers.push(g);
    const base = g.mount('honest', { manifests: [denyX, paged], asOf: '2026-05-31T00:00:00Z' });
    const requests: string[] = [];
    const source = gatewaySource(`${base}/`, { fetch: recordingFetch(requests) });
    const answer = await source.candidates([X as never, Y as never], { use: 'train-ai' });
    expect(answer.asOf).toBe('2026-05-31T00:00:00Z');
    const cids = answer.manifests.map((m) => m.cid).sort();
    expect(cids).toEqual([denyX.cid, paged.cid].sort());
    const withPage = answer.manifests.find((m) => m.cid === paged.cid);
    expect([...(withPage?.pages?.keys() ?? [])]).toEqual([paged.pages[0]?.cid]);
    // candidates + 2 manifests + 1 page; never a check
    expect(requests.sort()).toEqual(
      [
        'POST /v1/candidates',
        `GET /v1/manifests/${denyX.cid}`,
        `GET /v1/manifests/${paged.cid}`,
        `GET /ipfs/${paged.pages[0]?.cid}`,
      ].sort(),
    );
    await source.candidates([X as never, Y as never], { use: 'train-ai' });
    expect(requests).toHaveLength(5); // blocks came from the cache
    expect(requests.filter((r) => r === 'POST /v1/candidates')).toHaveLength(2);

    const verifier = createVerifier({ source });
    const [x, y] = await verifier.checkMany({ works: [X, Y], use: 'train-genai' });
    expect(x?.decision).toBe('deny'); // the gateway said "allow"
    expect(y?.decision).toBe('deny');
    expect(y?.evidence[0]?.page).toBe(paged.pages[0]?.cid);
  });

  it('splits large checks into requests of at most batchSize works, of candidates or of checks', async () => {
    const works = Array.from({ length: 25 }, (_, i) => `isrc:USRC176${String(i).padStart(5, '0')}` as never);
    for (const route of ['/v1/candidates', '/v1/check']) {
      const bodies: Record<string, unknown>[] = [];
      const origin = await serve(async (req, res) => {
        if (req.url !== route) {
          send(res, 404, '{"error":{"code":"NOT_FOUND","message":"no"}}');
          return;
        }
        bodies.push(JSON.parse(await bodyOf(req)) as Record<string, unknown>);
        send(res, 200, JSON.stringify(route === '/v1/check' ? { results: [] } : { manifests: [] }));
      });
      await gatewaySource(origin, { batchSize: 10 }).candidates(works, { use: 'tdm' });
      expect(bodies.map((b) => (b.works as unknown[]).length)).toEqual([10, 10, 5]);
      // Candidates need only the works; a check needs its use.
      for (const b of bodies)
        expect(Object.keys(b).sort()).toEqual(route === '/v1/check' ? ['use', 'works'] : ['works']);
    }
  });

  it('falls back to POST /v1/check on a gateway without POST /v1/candidates, and remembers it', async () => {
    const g = await startGateway();
    servers.push(g);
    const dataset = { manifests: [denyX, paged], asOf: '2026-05-31T00:00:00Z' };
    const older = g.mount('older', { ...dataset, candidates: false });
    const requests: string[] = [];
    const source = gatewaySource(older, { fetch: recordingFetch(requests), batchSize: 1 });
    const answer = await source.candidates([X as never, Y as never], { use: 'train-ai' });
    expect(answer.asOf).toBe('2026-05-31T00:00:00Z');
    expect(namesOf(answer)).toEqual(
      namesOf(await gatewaySource(g.mount('newer', dataset)).candidates([X as never, Y as never])),
    );
    await source.candidates([X as never], { use: 'train-ai' });
    // One 404 only: two works in two batches, then another call, all by check.
    expect(requests.filter((r) => r.startsWith('POST'))).toEqual([
      'POST /v1/candidates',
      'POST /v1/check',
      'POST /v1/check',
      'POST /v1/check',
    ]);
    const verifier = createVerifier({ source });
    const [x, y] = await verifier.checkMany({ works: [X, Y], use: 'train-genai' });
    expect(x?.decision).toBe('deny'); // the older gateway's check said "allow"
    expect(y?.decision).toBe('deny');
  });

  it('falls back on a 405 too; a 400 or 503 from POST /v1/candidates is a fault, not a fallback', async () => {
    const index = gatewayIndex({ manifests: [denyX] });
    const behind = (status: number) =>
      serve(async (req, res) => {
        if (req.url === '/v1/candidates') send(res, status, '{"error":{"code":"X","message":"x"}}');
        else await answerGateway(req, res, req.url ?? '/', index);
      });
    const answer = await gatewaySource(await behind(405)).candidates([X as never]);
    expect(answer.manifests.map((m) => m.cid)).toEqual([denyX.cid]);
    expect(await codeOf(gatewaySource(await behind(400)).candidates([X as never]))).toBe(
      'SOURCE_INVALID_RESPONSE',
    );
    expect(await codeOf(gatewaySource(await behind(503)).candidates([X as never]))).toBe(
      'SOURCE_UNAVAILABLE',
    );
  });

  it('names the same manifests and pages by candidates as by check: forks, url prefixes, pages', async () => {
    const c = await generateIdentity();
    const prefix = 'url-prefix:https://example.com/music/';
    const root = await signManifest({ works: [{ ids: [X], policy: { tdm: 'deny' } }] }, { identity: c });
    // Two branches of one version: one names X and the prefix, the other a page with Y.
    const left = await signManifest(
      { works: [{ ids: [X, prefix], policy: { tdm: 'allow' } }] },
      { identity: c, head: root },
    );
    const right = await signManifest(
      { works: [{ ids: [Y], policy: { all: 'deny' } }] },
      { identity: c, head: root, inlineBudgetBytes: 0 },
    );
    const g = await startGateway();
    servers.push(g);
    const dataset = { manifests: [denyX, allowX, paged, root, left, right] };
    const song = 'url:https://example.com/music/a.mp3' as WorkId;
    const works = [X, Y, song, 'isrc:ZZZZZ0000000'] as WorkId[];
    for (const asked of [...works.map((w) => [w]), works]) {
      const byCandidates = await gatewaySource(g.mount('by-candidates', dataset)).candidates(asked);
      const byCheck = await gatewaySource(g.mount('by-check', { ...dataset, candidates: false })).candidates(
        asked,
      );
      expect(namesOf(byCandidates)).toEqual(namesOf(byCheck));
    }
    const all = await gatewaySource(g.mount('by-candidates', dataset)).candidates([song]);
    // The prefix names the URL on one branch: both branches are offered.
    expect(
      namesOf(all)
        .map((m) => m.cid)
        .sort(),
    ).toEqual([left.cid, right.cid].sort());
  });
});

describe('gatewaySource, hostile gateways', () => {
  it('rejects bytes that do not hash to the CID (SOURCE_INVALID_RESPONSE)', async () => {
    const index = gatewayIndex({ manifests: [denyX] });
    const origin = await serve(async (req, res) => {
      if (req.url?.startsWith('/v1/manifests/')) send(res, 200, allowX.bytes);
      else await answerGateway(req, res, req.url ?? '/', index);
    });
    const verifier = createVerifier({ source: gatewaySource(origin) });
    expect(await codeOf(verifier.check({ work: X, use: 'train-ai' }))).toBe('SOURCE_INVALID_RESPONSE');
  });

  it('rejects a catalog page whose bytes do not hash to its CID', async () => {
    const index = gatewayIndex({ manifests: [paged] });
    const origin = await serve(async (req, res) => {
      if (req.url?.startsWith('/ipfs/')) send(res, 200, denyX.bytes, 'application/vnd.ipld.raw');
      else await answerGateway(req, res, req.url ?? '/', index);
    });
    expect(await codeOf(gatewaySource(origin).candidates([Y as never]))).toBe('SOURCE_INVALID_RESPONSE');
  });

  it('ignores a lying verdict: a gateway that says allow for a denied work', async () => {
    const g = await startGateway();
    servers.push(g);
    const verifier = createVerifier({ source: gatewaySource(g.mount('liar', { manifests: [denyX] })) });
    const result = await verifier.check({ work: X, use: 'train-ai' });
    expect(result.decision).toBe('deny');
  });

  it('a manifest signed by someone else than its issuer is rejected by the verifier, not trusted', async () => {
    const forged = JSON.parse(new TextDecoder().decode(denyX.bytes)) as { issuer: string };
    forged.issuer = allowX.issuer;
    const g = await startGateway();
    servers.push(g);
    // The gateway serves the forged bytes under their own CID; the hash matches, the proof does not.
    const { canonicalBytes, blockCid } = await import('@assent/manifest');
    const bytes = canonicalBytes(forged as never);
    const cid = blockCid(bytes);
    const origin = await serve((req, res) => {
      if (req.url === '/v1/check') {
        send(res, 200, JSON.stringify({ results: [{ work: X, decision: 'allow', evidence: [{ cid }] }] }));
      } else if (req.url === `/v1/manifests/${cid}`) send(res, 200, bytes);
      else send(res, 404, '{}');
    });
    const result = await createVerifier({ source: gatewaySource(origin) }).check({
      work: X,
      use: 'train-ai',
    });
    expect(result.decision).toBe('unknown');
    expect(result.warnings.map((w) => w.code)).toContain('MANIFEST_REJECTED');
  });

  const candidatesGarbage: [string, string | Uint8Array][] = [
    ['not JSON', '{"manifests": ['],
    ['a check answer', '{"results": []}'],
    ['manifests that are not a list', '{"manifests": {}}'],
    ['a list', '[]'],
    ['a manifest that is not an object', '{"manifests": [3]}'],
    ['a CID that is not a block CID', '{"manifests": [{"cid": "QmFoo"}]}'],
    [
      'a raw-codec CID',
      '{"manifests": [{"cid": "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"}]}',
    ],
    ['no CID', '{"manifests": [{"pages": []}]}'],
    ['pages that are not a list', '{"manifests": [{"cid": "CID", "pages": "CID"}]}'],
    ['a page that is not a CID', '{"manifests": [{"cid": "CID", "pages": ["CID", 7]}]}'],
    ['an asOf that is not a string', '{"manifests": [], "asOf": 1780000000}'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
  ];
  for (const [name, answer] of candidatesGarbage) {
    it(`answers POST /v1/candidates with ${name} with SOURCE_INVALID_RESPONSE`, async () => {
      const index = gatewayIndex({ manifests: [denyX] });
      const origin = await serve(async (req, res) => {
        if (req.url !== '/v1/candidates') await answerGateway(req, res, req.url ?? '/', index);
        else send(res, 200, typeof answer === 'string' ? answer.replaceAll('CID', denyX.cid) : answer);
      });
      expect(await codeOf(gatewaySource(origin).candidates([X as never]))).toBe('SOURCE_INVALID_RESPONSE');
    });
  }

  it('refuses an oversized POST /v1/candidates answer, declared or streamed (SOURCE_INVALID_RESPONSE)', async () => {
    const declared = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(65 * 1024 * 1024) });
      res.write('{"manifests": [');
    });
    expect(await codeOf(gatewaySource(declared).candidates([X as never]))).toBe('SOURCE_INVALID_RESPONSE');
    let sent = 0;
    const streamed = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"manifests": [');
      const chunk = new Uint8Array(1024 * 1024).fill(0x20);
      const pump = () => {
        while (sent < 80 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end(']}');
      };
      pump();
    });
    expect(await codeOf(gatewaySource(streamed).candidates([X as never]))).toBe('SOURCE_INVALID_RESPONSE');
    expect(sent).toBeLessThan(80 * 1024 * 1024); // cut off, not read to the end
  });

  const garbage: [string, (res: ServerResponse) => void][] = [
    ['not JSON', (res) => send(res, 200, '{"results": [')],
    ['JSON of the wrong shape', (res) => send(res, 200, '{"verdicts": []}')],
    ['evidence that is not a list', (res) => send(res, 200, '{"results": [{"evidence": 3}]}')],
    [
      'a CID that is not a block CID',
      (res) => send(res, 200, '{"results": [{"evidence": [{"cid": "QmFoo"}]}]}'),
    ],
    [
      'a page that is not a CID',
      (res) => send(res, 200, JSON.stringify({ results: [{ evidence: [{ cid: 'bagaaierax', page: 7 }] }] })),
    ],
    ['invalid UTF-8', (res) => send(res, 200, new Uint8Array([0x7b, 0xff, 0x7d]))],
    [
      'HTTP 400 with an error body',
      (res) => send(res, 400, '{"error":{"code":"WORK_ID_UNKNOWN_KIND","message":"x"}}'),
    ],
    ['an HTML 404', (res) => send(res, 404, '<html>nope</html>', 'text/html')],
  ];
  for (const [name, reply] of garbage) {
    it(`answers ${name} with SOURCE_INVALID_RESPONSE`, async () => {
      const origin = await serve((_req, res) => reply(res));
      expect(await codeOf(gatewaySource(origin).candidates([X as never]))).toBe('SOURCE_INVALID_RESPONSE');
    });
    it(`answers ${name} from POST /v1/check behind a 404 candidates route with SOURCE_INVALID_RESPONSE`, async () => {
      const origin = await serve((req, res) => {
        if (req.url === '/v1/candidates') send(res, 404, '{"error":{"code":"NOT_FOUND","message":"no"}}');
        else reply(res);
      });
      expect(await codeOf(gatewaySource(origin).candidates([X as never]))).toBe('SOURCE_INVALID_RESPONSE');
    });
  }

  it('answers HTTP 503 and 429 with SOURCE_UNAVAILABLE', async () => {
    for (const status of [503, 429, 500]) {
      const origin = await serve((_req, res) => send(res, status, '{}'));
      expect(await codeOf(gatewaySource(origin).candidates([X as never]))).toBe('SOURCE_UNAVAILABLE');
    }
  });

  it('answers a closed port with SOURCE_UNAVAILABLE', async () => {
    const s = await startServer((_req, res) => send(res, 200, '{}'));
    const origin = s.origin;
    await s.close();
    expect(await codeOf(gatewaySource(origin).candidates([X as never]))).toBe('SOURCE_UNAVAILABLE');
  });

  it('answers a connection reset mid-body with SOURCE_UNAVAILABLE', async () => {
    const origin = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"results": [');
      setTimeout(() => res.destroy(), 20);
    });
    expect(await codeOf(gatewaySource(origin).candidates([X as never]))).toBe('SOURCE_UNAVAILABLE');
  });

  it('refuses an oversized block without reading it all (SOURCE_INVALID_RESPONSE)', async () => {
    const index = gatewayIndex({ manifests: [denyX] });
    const origin = await serve(async (req, res) => {
      if (req.url?.startsWith('/v1/manifests/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = new Uint8Array(64 * 1024).fill(0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 4 * 1024 * 1024 && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      } else await answerGateway(req, res, req.url ?? '/', index);
    });
    expect(await codeOf(gatewaySource(origin).candidates([X as never]))).toBe('SOURCE_INVALID_RESPONSE');
  });

  it('times out a gateway that never answers (SOURCE_TIMEOUT), headers or body', async () => {
    const silent = await serve(() => {});
    const started = Date.now();
    expect(await codeOf(gatewaySource(silent, { timeout: 200 }).candidates([X as never]))).toBe(
      'SOURCE_TIMEOUT',
    );
    const stalls = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"results": [');
    });
    expect(await codeOf(gatewaySource(stalls, { timeout: 200 }).candidates([X as never]))).toBe(
      'SOURCE_TIMEOUT',
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("rejects with the caller's abort reason, promptly", async () => {
    const silent = await serve(() => {});
    const controller = new AbortController();
    const verifier = createVerifier({ source: gatewaySource(silent, { timeout: 60_000 }) });
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    expect(await codeOf(verifier.check({ work: X, use: 'tdm', signal: controller.signal }))).toBe(
      'AbortError',
    );
    expect(Date.now() - started).toBeLessThan(2000);
    const already = AbortSignal.abort();
    expect(await codeOf(verifier.check({ work: X, use: 'tdm', signal: already }))).toBe('AbortError');
  });

  it('misuse throws TypeError', () => {
    expect(() => gatewaySource('ftp://example.com')).toThrow(TypeError);
    expect(() => gatewaySource('not a url')).toThrow(TypeError);
    expect(() => gatewaySource('http://127.0.0.1:1', { timeout: 0 })).toThrow(RangeError);
  });
});
