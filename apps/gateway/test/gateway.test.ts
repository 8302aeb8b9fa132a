/**
 * Every route of the gateway against a real registry (SQLite and blocks in a temp dir) behind a real
 * server on 127.0.0.1, port 0.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, type Identity, type SignedManifest, signManifest } from '@assent/manifest';
import { registrySource } from '@assent/registry';
import { createVerifier, gatewaySource } from '@assent/verifier';
import { CarWriter } from '@ipld/car/writer';
import { CID } from 'multiformats/cid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/index.js';
import { cleanup, postJson, startTestGateway, tempDir, text, theFlight } from './support/fixture.js';

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

let gw: RunningGateway;
let web: RunningGateway;
let me: Identity;
let v1: SignedManifest;
let v2: SignedManifest;
let paged: SignedManifest;
const PAGED_IDS = Array.from({ length: 40 }, (_, i) => `isrc:USRC1760${String(i).padStart(4, '0')}`);

async function car(root: SignedManifest, blocks: { cid: string; bytes: Uint8Array }[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([CID.parse(root.cid)]);
  const chunks: Uint8Array[] = [];
  const done = (async () => {
    for await (const chunk of out) chunks.push(chunk);
  })();
  for (const b of blocks) await writer.put({ cid: CID.parse(b.cid), bytes: b.bytes });
  await writer.close();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

beforeAll(async () => {
  const root = tempDir();
  mkdirSync(join(root, 'dist', 'assets'), { recursive: true });
  writeFileSync(join(root, 'dist', 'index.html'), '<!doctype html><title>Assent web</title>');
  writeFileSync(join(root, 'dist', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'not served');
  gw = await startTestGateway({ identity: UNBOUND });
  web = await startTestGateway({ webRoot: join(root, 'dist') });
  me = await generateIdentity();
  ({ v1, v2 } = await theFlight(me));
  paged = await signManifest(
    { default: { 'train-ai': 'allow' }, works: PAGED_IDS.map((id) => ({ ids: [id] })) },
    { identity: await generateIdentity(), inlineBudgetBytes: 0 },
  );
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await web?.close();
  cleanup();
});

/** The fields of a check result (docs/api.md), in order; `conditions` only with `conditional`. */
const RESULT_FIELDS = [
  'work',
  'id',
  'use',
  'at',
  'decision',
  'disputed',
  'term',
  'rule',
  'reason',
  'evidence',
  'claimants',
  'warnings',
];

describe('POST /v1/manifests', () => {
  it('stores a signed manifest (201), the same again is 200, any JSON spelling is canonicalized', async () => {
    const pretty = JSON.stringify(JSON.parse(text(v1.bytes)), null, 2);
    const first = await postJson(`${gw.url}/v1/manifests`, pretty);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ cid: v1.cid, issuer: me.did, version: 1, forked: false });
    const again = await postJson(`${gw.url}/v1/manifests`, v1.bytes);
    expect(again.status).toBe(200);
    expect((await again.json()).cid).toBe(v1.cid);
  });

  it('answers a tampered signature with 422 and its code, and stores nothing', async () => {
    const doc = JSON.parse(text(v2.bytes));
    doc.credentialSubject.default.search = 'allow';
    const res = await postJson(`${gw.url}/v1/manifests`, JSON.stringify(doc));
    expect(res.status).toBe(422);
    expect((await res.json()).error).toMatchObject({
      code: 'SIGNATURE_INVALID',
      message: expect.any(String),
    });
    expect(gw.registry.head(me.did)?.heads[0]?.cid).toBe(v1.cid);
  });

  it('takes a CAR whose root is the manifest and which carries its catalog pages', async () => {
    expect(paged.pages.length).toBeGreaterThan(0);
    const bytes = await car(paged, [paged, ...paged.pages]);
    const res = await fetch(`${gw.url}/v1/manifests`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.ipld.car' },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await res.json()).cid).toBe(paged.cid);
    const page = paged.pages[0] as { cid: string; bytes: Uint8Array };
    const block = await fetch(`${gw.url}/ipfs/${page.cid}?format=raw`);
    expect(new Uint8Array(await block.arrayBuffer())).toEqual(page.bytes);
  });

  it('refuses a CAR all or nothing: a missing page, a stray block, a bad block', async () => {
    const other = await signManifest(
      {
        default: { 'train-ai': 'deny' },
        works: PAGED_IDS.map((id) => ({ ids: [id.replace('USRC', 'GBRC')] })),
      },
      { identity: await generateIdentity(), inlineBudgetBytes: 0 },
    );
    const post = (body: Uint8Array) =>
      fetch(`${gw.url}/v1/manifests`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.ipld.car' },
        body: body as Uint8Array<ArrayBuffer>,
      });
    const missing = await post(await car(other, [other]));
    expect(missing.status).toBe(422);
    expect((await missing.json()).error.code).toBe('CATALOG_PAGE_MISSING');
    const stray = await post(await car(other, [other, ...other.pages, v1]));
    expect(stray.status).toBe(422);
    expect((await stray.json()).error.code).toBe('CAR_CONTENT_INVALID');
    const garbage = await post(new Uint8Array([1, 2, 3, 4, 5]));
    expect(garbage.status).toBe(400);
    expect((await garbage.json()).error.code).toBe('CAR_MALFORMED');
    const page = other.pages[0] as { cid: string; bytes: Uint8Array };
    const forged = await post(await car(other, [other, { cid: page.cid, bytes: v1.bytes }]));
    expect(forged.status).toBe(400);
    expect((await forged.json()).error.code).toBe('CAR_MALFORMED');
    expect(gw.registry.head(other.issuer)).toBeUndefined();
    for (const p of other.pages) expect(await gw.registry.getBlock(p.cid)).toBeUndefined();
  });

  it('answers another content type with 415', async () => {
    const res = await postJson(`${gw.url}/v1/manifests`, v1.bytes, 'text/plain');
    expect(res.status).toBe(415);
    expect((await res.json()).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('reading', () => {
  it('GET /v1/manifests/{cid} answers the exact stored bytes', async () => {
    const res = await fetch(`${gw.url}/v1/manifests/${v1.cid}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(v1.bytes);
    const unknown = await fetch(`${gw.url}/v1/manifests/${v2.cid}`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('NOT_FOUND');
    const bad = await fetch(`${gw.url}/v1/manifests/QmNotACid`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('CID_MALFORMED');
  });

  it('GET /v1/creators/{did} answers head, heads, version, history, forked', async () => {
    expect((await postJson(`${gw.url}/v1/manifests`, v2.bytes)).status).toBe(201);
    const res = await fetch(`${gw.url}/v1/creators/${encodeURIComponent(me.did)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      issuer: me.did,
      creator: me.did,
      head: v2.cid,
      heads: [{ cid: v2.cid, version: 2, previous: v1.cid }],
      version: 2,
      forked: false,
      history: [
        { cid: v1.cid, version: 1 },
        { cid: v2.cid, version: 2, previous: v1.cid },
      ],
      next: null,
      links: [],
    });
    const stranger = await generateIdentity();
    expect((await fetch(`${gw.url}/v1/creators/${encodeURIComponent(stranger.did)}`)).status).toBe(404);
    const bad = await fetch(`${gw.url}/v1/creators/did%3Aweb%3Aexample.com`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('DID_MALFORMED');
  });

  it('GET /ipfs/{cid} is a trustless raw-block endpoint', async () => {
    const res = await fetch(`${gw.url}/ipfs/${v1.cid}`, { headers: { accept: 'application/vnd.ipld.raw' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.ipld.raw');
    expect(res.headers.get('cache-control')).toBe('public, max-age=29030400, immutable');
    expect(res.headers.get('etag')).toBe(`"${v1.cid}.raw"`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(v1.bytes);
    const query = await fetch(`${gw.url}/ipfs/${v1.cid}?format=raw`);
    expect(query.status).toBe(200);
    const rawCodec = CID.createV1(0x55, CID.parse(v1.cid).multihash).toString();
    expect((await fetch(`${gw.url}/ipfs/${rawCodec}?format=raw`)).status).toBe(200);
    const cached = await fetch(`${gw.url}/ipfs/${v1.cid}?format=raw`, {
      headers: { 'if-none-match': `"${v1.cid}.raw"` },
    });
    expect(cached.status).toBe(304);
    const head = await fetch(`${gw.url}/ipfs/${v1.cid}?format=raw`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(v1.bytes.length));
    const car = await fetch(`${gw.url}/ipfs/${v1.cid}?format=car`);
    expect(car.status).toBe(406);
    expect((await car.json()).error.code).toBe('NOT_ACCEPTABLE');
    expect((await fetch(`${gw.url}/ipfs/${v1.cid}/sub/path?format=raw`)).status).toBe(404);
    expect((await fetch(`${gw.url}/ipfs/bafyinvalid?format=raw`)).status).toBe(400);
  });
});

describe('checking', () => {
  it('GET /v1/check decides one work with evidence and asOf', async () => {
    const res = await fetch(`${gw.url}/v1/check?work=isrc:US-RC1-76-07839&use=train-genai`);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = await res.json();
    expect(body).toMatchObject({
      work: 'isrc:US-RC1-76-07839',
      id: 'isrc:USRC17607839',
      decision: 'deny',
      disputed: false,
      evidence: [{ cid: v2.cid, issuer: me.did, version: 2 }],
    });
    expect(body.asOf).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(typeof body.reason).toBe('string');
    // Exactly the fields of docs/api.md, in its order: nothing internal leaks.
    expect(Object.keys(body)).toEqual(['asOf', 'checkpoint', ...RESULT_FIELDS]);
    // The node's latest signed checkpoint: what of its log the answer stands on.
    const { size, signedAt } = gw.registry.log.checkpoint();
    expect(body.checkpoint).toEqual({ size, signedAt });
  });

  it('POST /v1/check decides a batch in order, with catalog pages as evidence', async () => {
    const res = await postJson(
      `${gw.url}/v1/check`,
      JSON.stringify({
        use: 'train-ai',
        works: [PAGED_IDS[3], 'isrc:USRC17607839', 'sha256:00', 'url:https://x.test/'],
      }),
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.results.map((r: { decision: string }) => r.decision)).toEqual([
      'allow',
      'unknown',
      'unknown',
      'unknown',
    ]);
    const [first, , invalid] = body.results;
    expect(first.evidence).toHaveLength(1);
    expect(first.evidence[0]).toMatchObject({ cid: paged.cid, page: expect.stringMatching(/^bagaaiera/) });
    expect(invalid).toMatchObject({
      rule: 'invalid-work-id',
      warnings: [{ code: 'WORK_ID_SHA256_MALFORMED' }],
    });
    expect(Object.keys(body)).toEqual(['asOf', 'checkpoint', 'results']);
    for (const result of body.results) expect(Object.keys(result)).toEqual(RESULT_FIELDS);
  });

  it('POST /v1/check answers a long batch, sent in chunks, as the SDK decides it; an empty one too', async () => {
    // 250 works: the answer is written 100 results at a time (gateway.ts), so this crosses two chunk
    // boundaries; hits, unknowns and malformed ids are mixed in.
    const works = Array.from({ length: 250 }, (_, i) =>
      i % 7 === 0
        ? `isrc:bad${i}`
        : i % 3 === 0
          ? `isrc:QZ99926${String(i).padStart(5, '0')}`
          : PAGED_IDS[i % 40],
    ) as string[];
    // A fixed time of use (after the manifest's issuance), so the two answers carry the same `at`.
    const at = new Date(Date.now() + 60_000).toISOString();
    const res = await postJson(`${gw.url}/v1/check`, JSON.stringify({ use: 'train-ai', works, at }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = JSON.parse(await res.text());
    expect(Object.keys(body)).toEqual(['asOf', 'checkpoint', 'results']);
    const sdk = createVerifier({ source: registrySource(gw.registry), identity: UNBOUND });
    expect(body.results).toEqual(await sdk.checkMany({ use: 'train-ai', works, at }));
    expect(body.results.filter((r: { decision: string }) => r.decision === 'allow').length).toBeGreaterThan(
      100,
    );

    const empty = await postJson(`${gw.url}/v1/check`, JSON.stringify({ use: 'search', works: [] }));
    expect(empty.status).toBe(200);
    expect(JSON.parse(await empty.text())).toEqual({
      asOf: expect.any(String),
      checkpoint: expect.any(Object),
      results: [],
    });
  });

  it('gatewaySource over this gateway decides as the gateway does', async () => {
    const verifier = createVerifier({ source: gatewaySource(gw.url), identity: UNBOUND });
    const results = await verifier.checkMany({
      use: 'train-ai',
      works: [PAGED_IDS[7] as string, 'isrc:USRC17607839'],
    });
    expect(results.map((r) => r.decision)).toEqual(['allow', 'unknown']);
    const genai = await verifier.check({ use: 'train-genai', work: 'isrc:USRC17607839' });
    expect(genai.decision).toBe('deny');
  });

  it('answers an unknown use, a bad org, a malformed work id with 400 and a code', async () => {
    const codeOf = async (query: string) => {
      const res = await fetch(`${gw.url}/v1/check?${query}`);
      expect(res.status).toBe(400);
      return (await res.json()).error.code;
    };
    expect(await codeOf('work=isrc:USRC17607839&use=train-everything')).toBe('USE_TERM_UNKNOWN');
    expect(await codeOf('work=isrc:USRC17607839&use=search&org=not%20an%20org')).toBe('ORG_MALFORMED');
    expect(await codeOf('work=isrc:nope&use=search')).toBe('WORK_ID_ISRC_MALFORMED');
    expect(await codeOf('work=javascript:alert(1)&use=search')).toBe('WORK_ID_UNKNOWN_KIND');
    expect(await codeOf('use=search')).toBe('BAD_REQUEST');
  });

  it('refuses a POST /v1/check body that is not exactly {use, works, org?, at?}, saying where', async () => {
    const refused = async (body: unknown) => {
      const res = await postJson(`${gw.url}/v1/check`, JSON.stringify(body));
      expect(res.status).toBe(400);
      return (await res.json()).error as { code: string; path?: string };
    };
    expect(await refused({ use: 'search', works: [], extra: 1 })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await refused({ use: 'search', works: ['isrc:USRC17607839', 7] })).toMatchObject({
      code: 'BAD_REQUEST',
      path: '/works/1',
    });
    expect(await refused({ use: 'search', works: ['x'.repeat(4097)] })).toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(await refused({ works: [] })).toMatchObject({ code: 'BAD_REQUEST', path: '/use' });
    expect(await refused({ use: 'search', works: [], org: 5 })).toMatchObject({
      code: 'BAD_REQUEST',
      path: '/org',
    });
    expect(await refused([])).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await refused({ use: 'everything', works: [] })).toMatchObject({ code: 'USE_TERM_UNKNOWN' });
  });
});

describe('operations', () => {
  it('/healthz and /metrics', async () => {
    // A node with no peers is its own authority: asOf is now, and it has no peers to report.
    const health = await (await fetch(`${gw.url}/healthz`)).json();
    expect(health).toMatchObject({ ok: true, peers: [] });
    expect(health.manifests).toBeGreaterThan(0);
    expect(Math.abs(Date.parse(health.asOf) - Date.now())).toBeLessThan(60_000);
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = await res.text();
    expect(metrics).toMatch(
      /assent_http_requests_total\{method="POST",route="\/v1\/manifests",status="201"\} \d+/,
    );
    expect(metrics).toMatch(
      /assent_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/v1\/check"\} \d+/,
    );
    // prom-client's process metrics beside ours, and how old the index's freshness is.
    expect(metrics).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(metrics).toMatch(/^assent_index_age_seconds \d/m);
    expect(metrics).toMatch(/^assent_http_body_bytes_in_flight 0$/m);
    expect(metrics).toMatch(/^assent_manifests_indexed [1-9]\d*$/m);
    expect(metrics).toMatch(/^assent_works_indexed [1-9]\d*$/m);
    expect(metrics).toMatch(/^assent_peers_connected 0$/m);
    // A node without peers: its replication counters are there, at zero.
    for (const name of [
      'assent_replication_announcements_total',
      'assent_replication_manifests_total',
      'assent_replication_rejected_total',
      'assent_replication_unavailable_total',
      'assent_replication_dropped_total',
      'assent_replication_syncs_total',
      'assent_replication_pending',
    ])
      expect(metrics).toMatch(new RegExp(`^${name} 0$`, 'm'));
  });

  it('/openapi.json lists every route; /docs is self-contained', async () => {
    const doc = await (await fetch(`${gw.url}/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/.well-known/assent-node.json',
      '/healthz',
      '/ipfs/{cid}',
      '/log/checkpoint',
      '/log/tile/{path}',
      '/metrics',
      '/v1/attestations',
      '/v1/attestations/{cid}',
      '/v1/candidates',
      '/v1/check',
      '/v1/creators/{did}',
      '/v1/equivocations',
      '/v1/manifests',
      '/v1/manifests/{cid}',
      '/v1/manifests/{cid}/proof',
      '/v1/observations/{cid}',
      '/witness/add-checkpoint',
      '/witness/{originHash}/checkpoint',
    ]);
    expect(Object.keys(doc.paths['/v1/check']).sort()).toEqual(['get', 'post']);
    const page = await fetch(`${gw.url}/docs`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('/v1/check');
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
  });

  it('unknown paths 404, other methods 405, CORS preflight on check', async () => {
    expect((await fetch(`${gw.url}/v1/nothing`)).status).toBe(404);
    const put = await fetch(`${gw.url}/v1/check`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect((await put.json()).error.code).toBe('METHOD_NOT_ALLOWED');
    const pre = await fetch(`${gw.url}/v1/check`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('CORS headers on the answers and the errors of the routes browsers call, and only there', async () => {
    const cors = (res: Response) => res.headers.get('access-control-allow-origin');
    const exposed = (res: Response) => res.headers.get('access-control-expose-headers') ?? '';
    // Errors too: a browser can read the code only when the error carries the CORS headers.
    const badUse = await fetch(`${gw.url}/v1/check?work=isrc:USRC17607839&use=nope`);
    expect(badUse.status).toBe(400);
    expect(cors(badUse)).toBe('*');
    expect(exposed(badUse)).toContain('x-assent-error');
    const badId = await fetch(`${gw.url}/v1/check?work=isrc:nope&use=train-genai`);
    expect(badId.status).toBe(400);
    expect((await badId.json()).error.code).toBe('WORK_ID_ISRC_MALFORMED');
    expect(cors(badId)).toBe('*');
    const badJson = await fetch(`${gw.url}/v1/manifests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(badJson.status).toBe(400);
    // Publishing is same-origin only (docs/api.md): no CORS on its answers, errors or preflight.
    expect(cors(badJson)).toBeNull();
    const published = await postJson(`${gw.url}/v1/manifests`, v1.bytes);
    expect(published.status).toBeLessThan(300);
    expect(cors(published)).toBeNull();
    const publishPreflight = await fetch(`${gw.url}/v1/manifests`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
    });
    expect(cors(publishPreflight)).toBeNull();
    expect(publishPreflight.headers.get('access-control-allow-methods')).toBeNull();
    expect(cors(await fetch(`${gw.url}/v1/creators/did:key:nope`))).toBe('*');
    expect(cors(await fetch(`${gw.url}/ipfs/nope?format=raw`))).toBe('*');
    const preflight = await fetch(`${gw.url}/v1/creators/did:key:z6Mk`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(cors(preflight)).toBe('*');
    // Operations and the web app are same-origin only.
    expect(cors(await fetch(`${gw.url}/healthz`))).toBeNull();
    expect(cors(await fetch(`${gw.url}/metrics`))).toBeNull();
    expect(cors(await fetch(`${gw.url}/`))).toBeNull();
  });

  it('/ without a built web app explains how to build it', async () => {
    const res = await fetch(`${gw.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('pnpm --filter @assent/web build');
  });

  it('serves the web app from webRoot, never outside it', async () => {
    expect(await (await fetch(`${web.url}/`)).text()).toContain('Assent web');
    expect(await (await fetch(`${web.url}/assets/app.js`)).text()).toBe('console.log(1)');
    expect(await (await fetch(`${web.url}/lookup/some-route`)).text()).toContain('Assent web');
    for (const trick of [
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/.env',
      '/a%00b',
    ]) {
      const res = await fetch(`${web.url}${trick}`);
      expect(res.status, trick).toBeGreaterThanOrEqual(400);
      expect(res.status, trick).toBeLessThan(500);
      expect(await res.text(), trick).not.toContain('not served');
    }
  });
});
