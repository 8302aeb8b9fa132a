/**
 * Fuzzing the gateway's untrusted inputs (issue 9): request bodies of `POST /v1/manifests` and
 * `POST /v1/check`, query strings of `GET /v1/check`, and path segments of `/v1/manifests/{cid}`,
 * `/v1/creators/{did}` and `/ipfs/{cid}`. Over a real registry (SQLite and blocks in a temp dir), through
 * the Hono app (`app.request`) and, for raw paths, a real server on 127.0.0.1. The properties: the
 * status is 2xx or 4xx (never 5xx), every error is `{"error":{"code","message"}}` with a code and
 * status docs/errors.md lists, nothing from a rejected request is stored, and what is answered is right.
 */
import { request as httpRequest } from 'node:http';
import { createGateway, type RunningGateway } from '@assent/gateway';
import {
  blockCid,
  generateIdentity,
  type Identity,
  type SignedManifest,
  signManifest,
  USE_TERMS,
} from '@assent/manifest';
import { manifestCar } from '@assent/manifest/car';
import { type Registry, registrySource } from '@assent/registry';
import { createVerifier } from '@assent/verifier';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, startTestGateway, theFlight } from '../../apps/gateway/test/support/fixture.js';
import { fuzzParams, fuzzTimeout } from '../support/fuzz.js';
import { answerProblem } from './documented-error.js';
import { mutatedBytes, mutatedJson } from './mutations.js';

const TIMEOUT = fuzzTimeout(120_000);
const decoder = new TextDecoder();

let gw: RunningGateway & { registry: Registry };
let app: ReturnType<typeof createGateway>;
let me: Identity;
let v1: SignedManifest;
let v2: SignedManifest;
/** Signed but never sent except by the fuzzer: a mutation that keeps its meaning may publish it. */
let unsent: SignedManifest;
/** Signed with catalog pages, for CAR uploads; never sent except by the fuzzer. */
let paged: SignedManifest;
let pagedCar: Uint8Array;
/** The bytes of every block a request may legitimately fetch or publish, by CID. */
const known = new Map<string, Uint8Array>();

beforeAll(async () => {
  gw = await startTestGateway({ rateLimit: false });
  app = createGateway({
    registry: gw.registry,
    verifier: createVerifier({ source: registrySource(gw.registry) }),
    rateLimit: false,
    log: false,
  });
  me = await generateIdentity();
  ({ v1, v2 } = await theFlight(me));
  for (const m of [v1, v2]) expect((await gw.registry.ingest(m.bytes)).ok).toBe(true);
  unsent = await signManifest(
    { default: { all: 'deny' }, works: [{ ids: ['isrc:GBAYE0601498'], title: 'Unsent' }] },
    { identity: await generateIdentity() },
  );
  paged = await signManifest(
    {
      default: { 'train-ai': 'deny' },
      works: Array.from({ length: 6 }, (_, i) => ({ ids: [`isrc:QZ0002600${String(i).padStart(3, '0')}`] })),
    },
    { identity: await generateIdentity(), inlineBudgetBytes: 0 },
  );
  expect(paged.pages.length).toBeGreaterThan(0);
  pagedCar = manifestCar(paged, paged.pages);
  for (const m of [v1, v2, unsent, paged]) known.set(m.cid, m.bytes);
  for (const p of paged.pages) known.set(p.cid, p.bytes);
}, 60_000);

afterAll(async () => {
  await gw?.close();
  cleanup();
});

/** What the node holds that a request could have added: the manifest count and each known block. */
async function holdings(): Promise<string> {
  const blocks = await Promise.all(
    [...known.keys()].map(async (cid) => (await gw.registry.getBlock(cid)) !== undefined),
  );
  return `${gw.registry.stats().manifests}:${blocks.join()}`;
}

/** A header value a client can send (visible ASCII and spaces, trimmed). */
const headerValue = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 })
  .map((s) => s.trim());

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/vnd.ipld.car',
      'application/vnd.ipld.car; version=1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json, text/plain',
      '',
    ),
  },
  { weight: 1, arbitrary: headerValue },
);

const ANY_TEXT = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ maxLength: 300 }));
const encoder = new TextEncoder();

describe('POST /v1/manifests', () => {
  it(
    'answers any body with a documented 2xx/4xx, stores nothing it rejects, and publishes only what was signed',
    async () => {
      const unsentText = decoder.decode(unsent.bytes);
      const body = fc.oneof(
        fc.uint8Array({ maxLength: 400 }),
        ANY_TEXT.map((s) => encoder.encode(s)),
        fc.json({ maxDepth: 4 }).map((s) => encoder.encode(s)),
        mutatedBytes(unsent.bytes),
        mutatedJson(unsentText).map((s) => encoder.encode(s)),
        mutatedBytes(v2.bytes),
        // A valid JSON manifest with insignificant whitespace: the node canonicalizes it (DESIGN §2).
        fc.constantFrom(JSON.stringify(JSON.parse(unsentText), null, 2)).map((s) => encoder.encode(s)),
      );
      // CAR uploads: damaged bytes, or well-formed CARs (each block under its own CID) holding a wrong
      // set: a manifest edited and re-hashed, pages missing or from elsewhere, a page as the root.
      const block = (bytes: Uint8Array) => ({ cid: blockCid(bytes), bytes });
      const rootBlock = fc.oneof(
        { weight: 3, arbitrary: fc.constant(block(paged.bytes)) },
        {
          weight: 3,
          arbitrary: mutatedJson(decoder.decode(paged.bytes)).map((t) => block(encoder.encode(t))),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            block(encoder.encode(JSON.stringify(JSON.parse(decoder.decode(paged.bytes)), null, 1))),
            block(unsent.bytes),
            ...paged.pages.map((p) => block(p.bytes)),
          ),
        },
      );
      const otherBlock = fc.oneof(
        fc.constantFrom(...paged.pages.map((p) => block(p.bytes)), block(unsent.bytes), block(v1.bytes)),
        mutatedJson(decoder.decode(paged.pages[0]?.bytes)).map((t) => block(encoder.encode(t))),
      );
      const craftedCar = fc
        .tuple(
          rootBlock,
          fc.oneof(
            fc.subarray(paged.pages.map((p) => block(p.bytes))),
            fc.array(otherBlock, { maxLength: paged.pages.length + 1 }),
          ),
        )
        .map(([root, blocks]) => manifestCar(root, blocks));
      const car = fc.tuple(
        fc.oneof(
          { weight: 4, arbitrary: mutatedBytes(pagedCar) },
          { weight: 5, arbitrary: craftedCar },
          { weight: 1, arbitrary: fc.constant(pagedCar) },
        ),
        fc.constantFrom('application/vnd.ipld.car', 'application/vnd.ipld.car; version=1'),
      );
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.tuple(body, contentType), car), async ([bytes, type]) => {
          const before = await holdings();
          const res = await app.request('/v1/manifests', {
            method: 'POST',
            headers: type === '' ? {} : { 'content-type': type },
            body: bytes as Uint8Array<ArrayBuffer>,
          });
          const text = await res.text();
          expect(answerProblem(res.status, text)).toBeUndefined();
          if (res.status >= 400) {
            expect(await holdings()).toBe(before);
          } else {
            expect([200, 201]).toContain(res.status);
            const receipt = JSON.parse(text) as { cid: string; issuer: string; version: number };
            // A signature covers the canonical form: only a manifest signed above can be accepted.
            expect(known.has(receipt.cid)).toBe(true);
            expect(decoder.decode(await gw.registry.getBlock(receipt.cid))).toBe(
              decoder.decode(known.get(receipt.cid)),
            );
          }
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );
});

/** Arbitrary bytes percent-encoded (invalid UTF-8 included), for the server to decode. */
const percentEncoded = fc
  .uint8Array({ maxLength: 24 })
  .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''));
const queryValue = fc.oneof(
  fc.constantFrom(
    'isrc:USRC17607839',
    'isrc%3AUSRC17607839',
    'ISRC:us-rc1-76-07839',
    'url:https://soundcloud.com/the-flight/track',
    'url%3Ahttps%3A%2F%2Fsoundcloud.com%2Fthe-flight%2Ftrack%3Fa%3Db%23c',
    'url-prefix:https://soundcloud.com/',
    'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'cid:bafkreieq5jui4j25lacwomsqgjeswwl3y5zcdrresptwgmfylxuuwnsqf4',
    'url:javascript:alert(1)',
    'did:web:example.ai',
    'did:key:z6Mk',
    'example.ai',
    '2026-06-01T00:00:00Z',
    'yesterday',
    '',
    '%',
    '%zz',
    '%00',
    '%C0%80',
    '%ED%A0%80',
    '+',
    '&',
    '=',
    '#',
    ';',
    '..%2F..%2F',
    ...USE_TERMS,
  ),
  percentEncoded,
  fc.string({ maxLength: 40 }).map((s) => s.replace(/[#]/g, '')),
);
const queryKey = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('work', 'use', 'org', 'at') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('works', 'x', '', 'work[]', '__proto__', 'constructor', 'WORK', 'use%00'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((s) => s.replace(/[#&=]/g, '')) },
);
const queryString = fc
  .array(fc.tuple(queryKey, fc.option(queryValue, { freq: 8 })), { maxLength: 6 })
  .map((pairs) => pairs.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join('&'));

describe('GET /v1/check', () => {
  it(
    'answers any query string with a documented 2xx/4xx, and a 200 is a verdict on the work asked',
    async () => {
      await fc.assert(
        fc.asyncProperty(queryString, async (query) => {
          const res = await app.request(`/v1/check?${query}`);
          const text = await res.text();
          expect(answerProblem(res.status, text)).toBeUndefined();
          if (res.status === 200) {
            const verdict = JSON.parse(text) as { work: string; decision: string; use: string };
            expect(['allow', 'deny', 'conditional', 'unknown']).toContain(verdict.decision);
            expect(USE_TERMS).toContain(verdict.use);
            expect(new URL(`http://x/?${query}`).searchParams.getAll('work')).toContain(verdict.work);
          }
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );
});

describe('POST /v1/check', () => {
  it(
    'answers any body with a documented 2xx/4xx, and a 200 has one result per work in order',
    async () => {
      const work = fc.oneof(
        fc.constantFrom(
          'isrc:USRC17607839',
          'url:https://soundcloud.com/the-flight/track',
          'isrc:XX',
          'url:javascript:alert(1)',
          '',
        ),
        fc.string({ unit: 'binary', maxLength: 40 }),
      );
      const shaped = fc
        .record(
          {
            use: fc.oneof(
              fc.constantFrom(...USE_TERMS),
              fc.string({ maxLength: 12 }),
              fc.jsonValue({ maxDepth: 1 }),
            ),
            works: fc.oneof(
              fc.array(work, { maxLength: 20 }),
              fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 5 }),
              fc.jsonValue({ maxDepth: 1 }),
            ),
            org: fc.oneof(
              fc.constantFrom('did:web:example.ai', 'example.ai', 'EXAMPLE.AI', '-x-'),
              fc.string(),
            ),
            at: fc.oneof(fc.constantFrom('2026-06-01T00:00:00Z', '2026-13-45', ''), fc.string()),
            extra: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: ['use', 'works'] },
        )
        .map((v) => JSON.stringify(v));
      const base = JSON.stringify({ use: 'train-genai', works: ['isrc:USRC17607839', 'isrc:GBAYE0601498'] });
      const body = fc.oneof(
        shaped.map((s) => encoder.encode(s)),
        mutatedJson(base).map((s) => encoder.encode(s)),
        mutatedBytes(encoder.encode(base)),
        fc.uint8Array({ maxLength: 300 }),
        ANY_TEXT.map((s) => encoder.encode(s)),
        fc.json({ maxDepth: 3 }).map((s) => encoder.encode(s)),
      );
      await fc.assert(
        fc.asyncProperty(body, contentType, async (bytes, type) => {
          const res = await app.request('/v1/check', {
            method: 'POST',
            headers: type === '' ? {} : { 'content-type': type },
            body: bytes as Uint8Array<ArrayBuffer>,
          });
          const text = await res.text();
          expect(answerProblem(res.status, text)).toBeUndefined();
          if (res.status === 200) {
            const sent = JSON.parse(decoder.decode(bytes)) as { works: string[] };
            const answer = JSON.parse(text) as { results: { work: string; decision: string }[] };
            expect(answer.results.map((r) => r.work)).toEqual(sent.works);
          }
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );
});

/** `s` with lone surrogates replaced by U+FFFD (what `String.prototype.toWellFormed` does in ES2024). */
const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** GET `path` on the real server, sent as is (Node's client refuses only bytes outside 0x21–0xff). */
function rawGet(path: string, accept?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    // A connection per request: an answer the server gives while closing one cannot reach another.
    const req = httpRequest(`${gw.url}/`, {
      path,
      agent: false,
      method: 'GET',
      headers: accept === undefined ? {} : { accept },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('path segments', () => {
  it(
    'answers any segment of /v1/manifests/, /v1/creators/ and /ipfs/ with a documented 2xx/4xx and the right bytes',
    async () => {
      const mutatedText = (s: string) =>
        fc
          .tuple(fc.nat(s.length), fc.nat(s.length), fc.string({ maxLength: 3 }))
          .map(([a, b, ins]) => s.slice(0, Math.min(a, b)) + ins + s.slice(Math.max(a, b)));
      const segmentText = fc.oneof(
        fc.constantFrom(v1.cid, v2.cid, paged.cid, me.did, v1.cid.toUpperCase(), `z${v1.cid.slice(1)}`),
        mutatedText(v1.cid),
        mutatedText(me.did),
        fc.constantFrom('..', '.', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', '%00', '%', '%ff', '%c0%af', '~', '*'),
        fc.string({ maxLength: 80 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
      );
      // Non-ASCII is sent as UTF-8 percent-escapes, or replaced. Raw bytes the HTTP layer refuses before
      // the app (a backslash, 0x7F–0xFF) are left to the test below, which fails until they get the
      // documented error body.
      const segment = fc
        .oneof(
          segmentText.map((s) => (/[^\u0021-\u007e]/.test(s) ? encodeURIComponent(wellFormed(s)) : s)),
          segmentText.map((s) => s.replace(/[^\u0021-\u007e]/g, '_')),
        )
        .map((s) => s.replaceAll('\\', '%5C'));
      const route = fc.constantFrom('/v1/manifests/', '/v1/creators/', '/ipfs/', '/ipfs/?format=raw');
      await fc.assert(
        fc.asyncProperty(route, segment, fc.boolean(), async (prefix, seg, acceptRaw) => {
          const [base, query] = prefix.split('?');
          const path = `${base}${seg}${query === undefined ? '' : `?${query}`}`;
          const res = await rawGet(path, acceptRaw ? 'application/vnd.ipld.raw' : undefined);
          expect(answerProblem(res.status, res.body.toString('utf8')), path).toBeUndefined();
          if (res.status !== 200) return;
          // Dot segments resolve as in any URL (`/ipfs/..` is `/`): judge the answer by the route reached.
          const reached = new URL(path, 'http://x').pathname;
          if (!reached.startsWith('/v1/') && !reached.startsWith('/ipfs/')) {
            expect(res.body.toString('utf8')).toMatch(/^<!doctype html>/i);
          } else if (reached.startsWith('/v1/creators/')) {
            const creator = JSON.parse(res.body.toString('utf8')) as { issuer: string; head: string };
            expect(creator).toMatchObject({ issuer: me.did, head: v2.cid });
          } else {
            // A block by any spelling of its CID: exactly the bytes signed above.
            const held = [...known.values()].some((bytes) => Buffer.from(bytes).equals(res.body));
            expect(held, path).toBe(true);
          }
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );
});

describe('request targets the HTTP layer refuses before the app', () => {
  // Found by the property above (issue 9). Node's HTTP parser refuses raw bytes 0x7F–0xFF in the
  // request target, and @hono/node-server a raw backslash, each with HTTP 400 and an empty body:
  // the status is right (RFC 9112 §3.2 allows neither), but the documented error body is missing.
  it.each([
    ['a raw backslash', '/v1/manifests/\\x'],
    ['a raw DEL (0x7F)', '/v1/creators/a\u007fb'],
    ['a raw Latin-1 byte (0xE9)', '/v1/manifests/caf\u00e9'],
  ])('answers %s in the path with the documented error body', async (_what, path) => {
    const res = await rawGet(path);
    expect(answerProblem(res.status, res.body.toString('utf8')), path).toBeUndefined();
  });
});
