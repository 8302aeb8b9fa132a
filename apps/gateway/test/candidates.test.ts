/**
 * `POST /v1/candidates` (issue 16) over a real registry (SQLite and blocks in a temp dir) behind a
 * real server on 127.0.0.1: it answers exactly what the node's registry hands its own verifier
 * (`lookupWorks`), by CID, with the catalog pages naming the works, and a verifier over
 * `gatewaySource` (which now asks it) decides as the node's own `POST /v1/check`.
 */
import { generateIdentity, type SignedManifest, signManifest } from '@assent/manifest';
import { createVerifier, gatewaySource } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, cleanup, postJson, startTestGateway, text, theFlight } from './support/fixture.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

let gw: Gateway;
const log = captureLogger();
/** A catalog of {@link CATALOG} URLs: the first 4,096 inline, the rest in pages of about 1 MiB. */
let catalog: SignedManifest;
let flight: SignedManifest;
let root: SignedManifest;
let left: SignedManifest;
let right: SignedManifest;
const CATALOG = 40_000;
const track = (n: number) => `url:https://label.example/catalog/track-${String(n).padStart(6, '0')}.flac`;
const X = 'isrc:USRC17607839';
const FORKED = 'isrc:QZFZF2600001';

interface Answer {
  asOf: string;
  manifests: { cid: string; pages: string[] }[];
}

const candidates = async (body: unknown, to: Gateway = gw): Promise<Answer> => {
  const res = await postJson(`${to.url}/v1/candidates`, JSON.stringify(body));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Answer;
};

/** The manifests and pages of an answer, sorted. */
const sorted = (answer: { manifests: readonly { cid: string; pages: Iterable<string> }[] }) =>
  answer.manifests
    .map((m) => ({ cid: m.cid, pages: [...m.pages].sort() }))
    .sort((a, b) => a.cid.localeCompare(b.cid));

/** The page of `catalog` holding each of its paged works. */
const pageById = new Map<string, string>();
const pageOf = (n: number) => pageById.get(track(n));
/** The distinct pages holding these works (none for inline works). */
const pagesOf = (ns: readonly number[]) =>
  [...new Set(ns.map(pageOf).filter((p): p is string => p !== undefined))].sort();

beforeAll(async () => {
  gw = await startTestGateway({ rateLimit: false, logger: log.logger });
  catalog = await signManifest(
    {
      default: { 'train-genai': 'deny' },
      works: Array.from({ length: CATALOG }, (_, i) => ({ ids: [track(i)] })),
    },
    { identity: await generateIdentity() },
  );
  expect(catalog.pages.length).toBeGreaterThanOrEqual(3);
  for (const p of catalog.pages)
    for (const w of p.page.works) for (const id of w.ids) pageById.set(id, p.cid);
  const flightOf = await theFlight(await generateIdentity());
  flight = flightOf.v1;
  // A creator with two branches at version 2: one names FORKED, the other does not.
  const forker = await generateIdentity();
  root = await signManifest({ works: [{ ids: [FORKED], policy: { tdm: 'deny' } }] }, { identity: forker });
  left = await signManifest(
    { works: [{ ids: [FORKED], policy: { tdm: 'allow' } }] },
    { identity: forker, head: root },
  );
  right = await signManifest({ default: { tdm: 'deny' }, works: [] }, { identity: forker, head: root });
  const pages = catalog.pages.map((p) => p.bytes);
  expect((await gw.registry.ingest(catalog.bytes, { pages })).ok).toBe(true);
  for (const m of [flight, flightOf.v2, root, left, right])
    expect((await gw.registry.ingest(m.bytes)).ok).toBe(true);
  // The v2 of The Flight supersedes v1: only v2 is a head.
  flight = flightOf.v2;
}, 120_000);

afterAll(async () => {
  await gw?.close();
  cleanup();
});

describe('POST /v1/candidates', () => {
  it('answers the manifests naming the works and only the catalog pages naming them', async () => {
    // One inline work, two in one page, one in another.
    const asked = [5, 5_000, 5_001, CATALOG - 1];
    expect(pageOf(5)).toBeUndefined();
    expect(pagesOf(asked)).toHaveLength(2);
    const res = await postJson(`${gw.url}/v1/candidates`, JSON.stringify({ works: asked.map(track) }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const answer = (await res.json()) as Answer;
    expect(Object.keys(answer)).toEqual(['asOf', 'manifests']);
    expect(answer.asOf).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(sorted(answer)).toEqual([{ cid: catalog.cid, pages: pagesOf(asked) }]);
    expect(sorted(await candidates({ works: [track(5)] }))).toEqual([{ cid: catalog.cid, pages: [] }]);
    // With when the node first logged each (spec §5.5: a version's waiting window starts then).
    for (const m of answer.manifests) {
      expect(Object.keys(m)).toEqual(['cid', 'pages', 'loggedAt']);
      expect((m as unknown as { loggedAt: string }).loggedAt).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
      );
    }
  });

  it('is exactly what the registry hands its own verifier: ids normalized, url prefixes, heads only', async () => {
    const works = [
      'isrc:US-RC1-76-07839', // X, spelled otherwise
      'url:https://SoundCloud.com/the-flight/track?x=1', // under v1's prefix, which v2 dropped
      track(12),
      'isrc:ZZZZZ0000000',
    ];
    const answer = await candidates({ works });
    const own = await gw.registry.lookupWorks(works);
    expect(sorted(answer)).toEqual(
      sorted({ manifests: own.map((c) => ({ cid: c.cid, pages: c.pages.keys() })) }),
    );
    expect(sorted(answer).map((m) => m.cid)).toEqual([catalog.cid, flight.cid].sort());
    expect(answer.manifests.find((m) => m.cid === flight.cid)?.pages).toEqual([]);
  });

  it('gives every branch head of a forked creator, also one that does not name the work', async () => {
    const answer = await candidates({ works: [FORKED] });
    expect(sorted(answer)).toEqual(
      [
        { cid: left.cid, pages: [] },
        { cid: right.cid, pages: [] },
      ].sort((a, b) => a.cid.localeCompare(b.cid)),
    );
    expect(answer.manifests.map((m) => m.cid)).not.toContain(root.cid);
  });

  it('skips malformed ids, answers an empty batch, and ignores a use', async () => {
    const answer = await candidates({ works: ['isrc:nope', 'sha256:00', 'javascript:alert(1)', '', X] });
    expect(sorted(answer)).toEqual([{ cid: flight.cid, pages: [] }]);
    expect((await candidates({ works: ['isrc:nope'] })).manifests).toEqual([]);
    expect((await candidates({ works: [] })).manifests).toEqual([]);
    const withUse = await candidates({ use: 'train-genai', works: [X] });
    expect(sorted(withUse)).toEqual([{ cid: flight.cid, pages: [] }]);
  });

  it('takes at most 10,000 works (413 BATCH_TOO_LARGE)', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => 20_000 + i);
    const full = await candidates({ works: many(10_000).map(track) });
    expect(sorted(full)).toEqual([{ cid: catalog.cid, pages: pagesOf(many(10_000)) }]);
    expect(pagesOf(many(10_000))).toHaveLength(2);
    const res = await postJson(`${gw.url}/v1/candidates`, JSON.stringify({ works: many(10_001).map(track) }));
    expect(res.status).toBe(413);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect((await res.json()).error.code).toBe('BATCH_TOO_LARGE');
  });

  it('refuses another content type (415), bad JSON and any other body (400), saying where', async () => {
    const wrongType = await postJson(`${gw.url}/v1/candidates`, '{"works":[]}', 'text/plain');
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('access-control-allow-origin')).toBe('*');
    expect((await wrongType.json()).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const refused = async (body: string) => {
      const res = await postJson(`${gw.url}/v1/candidates`, body);
      expect(res.status, body).toBe(400);
      return (await res.json()).error as { code: string; path?: string };
    };
    expect((await refused('{"works": [')).code).toMatch(/^JSON_/);
    expect((await refused('{"works": [], "works": []}')).code).toMatch(/^JSON_/);
    expect(await refused('{"works": [], "org": "example.ai"}')).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await refused(`{"works": ["${X}", 7]}`)).toMatchObject({ code: 'BAD_REQUEST', path: '/works/1' });
    expect(await refused(`{"works": ["${'x'.repeat(4097)}"]}`)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await refused('{"use": 5, "works": []}')).toMatchObject({ code: 'BAD_REQUEST', path: '/use' });
    expect(await refused('{}')).toMatchObject({ code: 'BAD_REQUEST', path: '/works' });
    expect(await refused('[]')).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('has the body cap of checks (413 BODY_TOO_LARGE)', async () => {
    const small = await startTestGateway({ maxCheckBytes: 1_000 });
    try {
      const res = await postJson(
        `${small.url}/v1/candidates`,
        JSON.stringify({ works: [track(1).repeat(20)] }),
      );
      expect(res.status).toBe(413);
      expect((await res.json()).error.code).toBe('BODY_TOO_LARGE');
    } finally {
      await small.close();
    }
  });

  it('is rate limited as a read, one per batch, with Retry-After and CORS on the refusal', async () => {
    const limited = await startTestGateway({ readRateLimit: { burst: 2, perSecond: 0.01 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await postJson(`${limited.url}/v1/candidates`, JSON.stringify({ works: [X, track(1)] }));
        statuses.push(res.status);
        if (res.status === 429) {
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          expect(res.headers.get('access-control-allow-origin')).toBe('*');
          expect((await res.json()).error.code).toBe('RATE_LIMITED');
        } else await res.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 429]);
      // The same bucket as checks.
      const check = await postJson(`${limited.url}/v1/check`, '{"use":"search","works":[]}');
      expect(check.status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('answers another method 405 and a CORS preflight 204; its route is labelled in metrics and logs', async () => {
    const get = await fetch(`${gw.url}/v1/candidates`);
    expect(get.status).toBe(405);
    expect((await get.json()).error.code).toBe('METHOD_NOT_ALLOWED');
    const pre = await fetch(`${gw.url}/v1/candidates`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(
      /assent_http_requests_total\{method="POST",route="\/v1\/candidates",status="200"\} [1-9]/,
    );
    expect(log.requests().some((e) => e.route === '/v1/candidates' && e.status === 200)).toBe(true);
    const doc = await (await fetch(`${gw.url}/openapi.json`)).json();
    expect(Object.keys(doc.paths['/v1/candidates'])).toEqual(['post']);
  });
});

/** What two deciders must agree on for one work. */
interface Verdict {
  readonly decision: string;
  readonly conditions?: unknown;
  readonly disputed: boolean;
  readonly term: string | null;
  readonly rule: string;
  readonly evidence: readonly unknown[];
}

const summary = (r: Verdict) => ({
  decision: r.decision,
  conditions: r.conditions,
  disputed: r.disputed,
  term: r.term,
  rule: r.rule,
  evidence: r.evidence.length,
});

describe('gatewaySource over POST /v1/candidates', () => {
  it('decides as the node’s own POST /v1/check, asking POST /v1/candidates for the manifests', async () => {
    const works = [
      X,
      'isrc:US-RC1-76-07839',
      'url:https://soundcloud.com/the-flight/track',
      FORKED,
      track(3),
      track(CATALOG - 2),
      'isrc:ZZZZZ0000000',
      'isrc:nope',
    ];
    const at = new Date(Date.now() + 60_000).toISOString();
    const before = log.requests().length;
    const verifier = createVerifier({ source: gatewaySource(gw.url) });
    for (const use of ['train-genai', 'tdm', 'search', 'ai-input'] as const) {
      const res = await postJson(`${gw.url}/v1/check`, JSON.stringify({ use, works, at }));
      expect(res.status).toBe(200);
      const node = JSON.parse(await res.text()).results as Verdict[];
      const local = await verifier.checkMany({ use, works, at });
      expect(local.map(summary), use).toEqual(node.map(summary));
    }
    const asked = log
      .requests()
      .slice(before)
      .filter((e) => e.method === 'POST')
      .map((e) => e.route);
    expect(asked.filter((r) => r === '/v1/candidates')).toHaveLength(4);
    expect(asked.filter((r) => r === '/v1/check')).toHaveLength(4); // the node's own answers above
  });

  it('the candidates a verifier fetched hold the bytes the node holds', async () => {
    const source = gatewaySource(gw.url);
    const set = await source.candidates([track(9_000) as never, FORKED as never]);
    const byCid = new Map(set.manifests.map((m) => [m.cid, m]));
    expect([...byCid.keys()].sort()).toEqual([catalog.cid, left.cid, right.cid].sort());
    expect(text(byCid.get(catalog.cid)?.bytes as Uint8Array)).toBe(text(catalog.bytes));
    expect([...(byCid.get(catalog.cid)?.pages?.keys() ?? [])]).toEqual(pagesOf([9_000]));
  });
});
