/**
 * `GET /v1/check` has two ways in: the Node server answers a plain request itself (no router), and
 * everything else goes through the Hono app. Both must give the same answer, metrics and log line.
 * A real registry in a temp dir, a real server on 127.0.0.1 (the Node way), and the same app's
 * `request()` (the router's way), with one fixed clock so their answers can be compared byte for byte.
 */
import type { IncomingMessage } from 'node:http';
import { generateIdentity } from '@assent/manifest';
import { createRegistry, type Registry, registrySource } from '@assent/registry';
import { createVerifier } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type RunningGateway, startGateway } from '../src/index.js';
import { plainCheckRequest } from '../src/server.js';
import { captureLogger, cleanup, tempDir, theFlight } from './support/fixture.js';

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

const X = 'isrc:USRC17607839';
const TRACK = 'url:https://soundcloud.com/the-flight/track';

/** Query strings the Node server answers itself. */
const PLAIN = [
  `work=${X}&use=train-genai`,
  'work=isrc:US-RC1-76-07839&use=search',
  `use=ai-input&work=${TRACK}`,
  `work=${X}&use=search&org=Example.AI`,
  `work=${X}&use=search&at=2026-01-01T00:00:00Z`,
  `work=${X}&use=search&org=did:web:example.ai&at=2026-01-01T00:00:00Z`,
  'work=isrc:ZZZZZ0000000&use=search',
  'work=nonsense&use=search',
  'work=&use=search',
  `work=${X}&use=training`,
  `work=${X}&use=search&org=not_an_org!`,
  `work=${X}&use=search&at=yesterday`,
  'use=search',
  `work=${X}`,
  `work=isrc:${'X'.repeat(5000)}&use=search`,
  `work=${X}&use=${'t'.repeat(100)}`,
];
/** Query strings left to the router: something to decode, an unknown or repeated key, an empty pair. */
const ROUTED = [
  `work=isrc%3AUSRC17607839&use=search`,
  `work=${X}&use=search&extra=1`,
  `work=isrc:ZZZZZ0000000&work=${X}&use=search`,
  `work=${X}&use=search&`,
  `work=${X}&use`,
  'work=url:https://example.com/a+b&use=search',
  `work=${X}&use=search#fragment`,
];

/** Compared both ways (`app.request()` sets no content-length; the Node server always does). */
const HEADERS = [
  'content-type',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'x-assent-error',
];

let registry: Registry;
let gateway: RunningGateway;
let app: ReturnType<typeof createGateway>;
const log = captureLogger();

beforeAll(async () => {
  registry = await createRegistry({ dataDir: tempDir(), network: false });
  // Version 1 only: its url-prefix grants ai-input with a condition.
  const { v1 } = await theFlight(await generateIdentity());
  expect((await registry.ingest(v1.bytes)).ok).toBe(true);
  // Answers name the node's latest checkpoint, signed at most once a second: take the one covering v1
  // now, so that it does not change between the answers this test compares byte for byte.
  await registry.log.checkpointCovering(registry.log.size());
  const t = Date.now();
  const now = () => new Date(t);
  // asOf from the same fixed clock both ways, so the answers compare byte for byte.
  gateway = await startGateway({
    registry,
    port: 0,
    now,
    asOf: now,
    logger: log.logger,
    identity: UNBOUND,
  });
  app = createGateway({
    registry,
    verifier: createVerifier({ source: registrySource(registry), now, identity: UNBOUND }),
    now,
    asOf: now,
    log: false,
  });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await registry?.stop();
  cleanup();
});

function incoming(query: string, host = '127.0.0.1:4321', method = 'GET'): IncomingMessage {
  return { method, url: `/v1/check?${query}`, headers: { host } } as IncomingMessage;
}

async function parts(res: Response) {
  return {
    status: res.status,
    headers: Object.fromEntries(HEADERS.map((h) => [h, res.headers.get(h)])),
    body: await res.text(),
  };
}

describe('GET /v1/check without the router', () => {
  it('takes only plain requests: nothing to decode, known keys once, a host taken as it is', () => {
    for (const query of PLAIN) expect(plainCheckRequest(incoming(query)), query).toBeDefined();
    for (const query of ROUTED) expect(plainCheckRequest(incoming(query)), query).toBeUndefined();
    expect(plainCheckRequest(incoming(`work=${X}&use=search`))).toEqual({ work: X, use: 'search' });
    expect(plainCheckRequest(incoming(`work=${X}&use=search`, 'Example.COM'))).toBeUndefined();
    expect(plainCheckRequest(incoming(`work=${X}&use=search`, '127.0.0.1:4321', 'HEAD'))).toBeUndefined();
    expect(
      plainCheckRequest({
        ...incoming(`work=${X}&use=search`),
        url: `/v1/check/?work=${X}`,
      } as IncomingMessage),
    ).toBeUndefined();
  });

  it('answers exactly as the router does, errors included, the first time and when reused', async () => {
    for (const query of [...PLAIN, ...ROUTED]) {
      const bodies = new Set<string>();
      // The clock is fixed: a fresh answer and the reused ones are the same bytes.
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${gateway.url}/v1/check?${query}`);
        const length = res.headers.get('content-length');
        const direct = await parts(res);
        expect(Number(length), query).toBe(Buffer.byteLength(direct.body));
        const routed = await parts(await app.request(`/v1/check?${query}`));
        expect(direct, query).toEqual(routed);
        expect(direct.status, query).toBeLessThan(500);
        bodies.add(direct.body);
      }
      expect(bodies.size, query).toBe(1);
    }
    const ok = JSON.parse(
      (await parts(await fetch(`${gateway.url}/v1/check?use=ai-input&work=${TRACK}`))).body,
    );
    expect(ok).toMatchObject({ decision: 'conditional', conditions: { attribution: 'The Flight' } });
  });

  it('counts and logs a request as the router would', async () => {
    log.lines.length = 0;
    // The same question both ways: plain, then with an empty pair the router ignores.
    for (const query of [
      `work=${X}&use=training`,
      `work=${X}&use=training&`,
      `work=${X}&use=search`,
      `work=${X}&use=search&`,
    ])
      await (await fetch(`${gateway.url}/v1/check?${query}`)).text();
    const seen = log.requests().map(({ time: _t, ms, ...rest }) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      return rest;
    });
    const refused = {
      method: 'GET',
      route: '/v1/check',
      path: '/v1/check',
      status: 400,
      client: '127.0.0.1',
      code: 'USE_TERM_UNKNOWN',
    };
    const answered = {
      method: 'GET',
      route: '/v1/check',
      path: '/v1/check',
      status: 200,
      client: '127.0.0.1',
    };
    expect(seen).toEqual([refused, refused, answered, answered]);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      /assent_http_requests_total\{method="GET",route="\/v1\/check",status="400"\} [2-9]/,
    );
  });
});
