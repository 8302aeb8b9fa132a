/**
 * Operational faults: a stopped registry (a real fault) and a registry that throws something
 * unexpected (a stub: an arbitrary exception cannot be caused in the real one) answer 502/503 with a
 * code, never a 500 or a stack trace. Also the structured request log.
 */
import { createRegistry, registrySource } from '@assent/registry';
import { createVerifier } from '@assent/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { createGateway } from '../src/index.js';
import { captureLogger, cleanup, tempDir } from './support/fixture.js';

afterAll(cleanup);

describe('faults', () => {
  it('a stopped registry answers 5xx with a code, never 500, and /healthz fails', async () => {
    const registry = await createRegistry({ dataDir: tempDir(), network: false });
    const app = createGateway({
      registry,
      verifier: createVerifier({ source: registrySource(registry) }),
      log: false,
    });
    await registry.stop();
    // A load balancer must see a stopped node as down.
    const health = await app.request('/healthz');
    expect(health.status).toBe(503);
    expect((await health.json()).error.code).toBe('REGISTRY_STOPPED');
    const check = await app.request('/v1/check?work=isrc:USRC17607839&use=search');
    expect([502, 503]).toContain(check.status);
    expect((await check.json()).error.code).toMatch(/^(SOURCE_UNAVAILABLE|REGISTRY_STOPPED)$/);
    const publish = await app.request('/v1/manifests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(publish.status).toBeGreaterThanOrEqual(400);
    expect(publish.status).not.toBe(500);
  });

  it('an unexpected exception is 503 GATEWAY_UNAVAILABLE without a stack trace', async () => {
    const boom = () => {
      throw new Error('disk on fire\n    at secret (/srv/internal.js:1:1)');
    };
    const registry = {
      ingest: boom,
      head: boom,
      history: boom,
      getBlock: boom,
      stats: boom,
      freshness: boom,
      running: true,
    };
    const verifier = { check: boom, checkMany: boom, checkStream: boom };
    const log = captureLogger();
    {
      const app = createGateway({
        registry: registry as never,
        verifier: verifier as never,
        log: false,
        logger: log.logger,
      });
      for (const [path, init] of [
        ['/healthz', {}],
        ['/v1/check?work=isrc:USRC17607839&use=search', {}],
        ['/v1/creators/did%3Akey%3Az6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', {}],
      ] as const) {
        const res = await app.request(path, init);
        expect(res.status, path).toBe(503);
        const text = await res.text();
        expect(JSON.parse(text).error.code).toBe('GATEWAY_UNAVAILABLE');
        expect(text).not.toContain('disk on fire');
      }
    }
    // The fault is logged, at error, with its stack.
    const faults = log.lines.filter((l) => l.msg === 'unexpected fault');
    expect(faults.length).toBeGreaterThanOrEqual(3);
    expect(faults[0]).toMatchObject({ level: 50 });
    expect(JSON.stringify(faults[0])).toContain('disk on fire');
  });

  it('logs one pino line per request, with the route pattern and the error code', async () => {
    const registry = await createRegistry({ dataDir: tempDir(), network: false });
    const log = captureLogger();
    const app = createGateway({
      registry,
      verifier: createVerifier({ source: registrySource(registry) }),
      logger: log.logger,
    });
    await app.request('/v1/check?work=isrc:nope&use=search');
    await app.request('/v1/manifests/bagaaierainvalid');
    await registry.stop();
    const entries = log.requests();
    expect(entries).toMatchObject([
      { method: 'GET', route: '/v1/check', status: 400, code: 'WORK_ID_ISRC_MALFORMED' },
      { method: 'GET', route: '/v1/manifests/{cid}', status: 400, code: 'CID_MALFORMED' },
    ]);
    expect(JSON.parse(JSON.stringify(entries[0]))).toEqual(entries[0]);
  });
});
