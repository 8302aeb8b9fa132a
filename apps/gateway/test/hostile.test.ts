/**
 * Hostile input against a real server: the public JSON parsing vectors, oversize and chunked bodies,
 * slow clients, wrong content types, deep nesting, rate limits. Every answer is a 4xx with the error
 * body (never a 5xx or a stack trace), and nothing is stored.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { generateIdentity, signManifest } from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasSharedVectors,
  sharedVectorBytes,
  sharedVectorFiles,
  skipReason,
} from '../../../test/support/shared-vectors.js';
import type { RunningGateway } from '../src/index.js';
import { cleanup, postJson, startTestGateway } from './support/fixture.js';

let gw: RunningGateway;
let slow: RunningGateway;
let limited: RunningGateway;

beforeAll(async () => {
  gw = await startTestGateway({ rateLimit: false });
  slow = await startTestGateway({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
  limited = await startTestGateway({ rateLimit: { burst: 2, perSecond: 0.5 } });
}, 30_000);

afterAll(async () => {
  await Promise.all([gw?.close(), slow?.close(), limited?.close()]);
  cleanup();
});

async function expectClientError(res: Response, code?: string): Promise<string> {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  const body = await res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.code).toBe('string');
  expect(body.error.message).not.toMatch(/\n\s+at /);
  if (code !== undefined) expect(body.error.code).toBe(code);
  return body.error.code;
}

describe.skipIf(!hasSharedVectors)(`JSON parsing vectors${skipReason}`, () => {
  const files = hasSharedVectors ? sharedVectorFiles('json-parsing').filter((f) => f.startsWith('n_')) : [];
  it(`answers every n_* vector (${files.length}) with a 4xx on both JSON routes, storing nothing`, async () => {
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const bytes = sharedVectorBytes(`json-parsing/${file}`);
      for (const route of ['/v1/manifests', '/v1/check']) {
        const res = await postJson(`${gw.url}${route}`, bytes);
        expect(res.status, `${route} ${file}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${route} ${file}`).toBeLessThan(500);
        await res.arrayBuffer();
      }
    }
    expect(gw.registry.stats().manifests).toBe(0);
  });
});

describe('bodies', () => {
  it('refuses a declared oversize body with 413 before reading it', async () => {
    const big = new Uint8Array(1024 * 1024 + 1).fill(0x20);
    await expectClientError(await postJson(`${gw.url}/v1/manifests`, big), 'BODY_TOO_LARGE');
  });

  it('cuts off an oversize chunked body with 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/v1/manifests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        // Up to 64 MiB: the server must answer long before.
        while (sent < 1024 && req.write(chunk)) sent++;
        if (sent < 1024) req.once('drain', pump);
        else req.end();
      };
      pump();
    });
    expect(status).toBe(413);
  });

  it('answers deep nesting, floats, duplicate keys and wrong types with 400', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    await expectClientError(await postJson(`${gw.url}/v1/check`, deep), 'JSON_TOO_DEEP');
    await expectClientError(await postJson(`${gw.url}/v1/manifests`, deep), 'JSON_TOO_DEEP');
    await expectClientError(
      await postJson(`${gw.url}/v1/check`, '{"use":"search","use":"all","works":[]}'),
      'JSON_DUPLICATE_KEY',
    );
    await expectClientError(
      await postJson(`${gw.url}/v1/check`, '{"use":"search","works":[1.5]}'),
      'JSON_FLOAT_NOT_ALLOWED',
    );
    await expectClientError(
      await postJson(`${gw.url}/v1/check`, '{"use":"search","works":[1]}'),
      'BAD_REQUEST',
    );
    await expectClientError(
      await postJson(`${gw.url}/v1/check`, '{"use":"search","works":[],"x":1}'),
      'BAD_REQUEST',
    );
    await expectClientError(await postJson(`${gw.url}/v1/check`, '[]'), 'BAD_REQUEST');
    await expectClientError(
      await postJson(`${gw.url}/v1/check`, '{"use":"nope","works":[]}'),
      'USE_TERM_UNKNOWN',
    );
    await expectClientError(
      await postJson(`${gw.url}/v1/check`, '{"use":"search","works":[]}', 'text/plain'),
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expectClientError(await postJson(`${gw.url}/v1/manifests`, '{"a":1}'), undefined);
    await expectClientError(await postJson(`${gw.url}/v1/manifests`, ''), 'JSON_SYNTAX');
  });

  it('refuses more than 10,000 works per check with 413', async () => {
    const works = Array.from({ length: 10_001 }, (_, i) => `isrc:USRC1${String(i).padStart(7, '0')}`);
    await expectClientError(
      await postJson(`${gw.url}/v1/check`, JSON.stringify({ use: 'search', works })),
      'BATCH_TOO_LARGE',
    );
  });

  it('answers path tricks and hostile ids with a 4xx', async () => {
    for (const path of [
      '/v1/manifests/..%2f..%2fetc%2fpasswd',
      '/v1/manifests/%00',
      '/ipfs/..%2f..?format=raw',
      '/v1/creators/%ZZ',
      '/v1/creators/did%3Akey%3Az6MkINVALID',
      `/v1/check?work=${'a'.repeat(5000)}&use=search`,
      '/v1/check?work=url:https://user:pw@example.com/&use=search',
      '/v1/check?work=url:file:///etc/passwd&use=search',
    ]) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      await res.arrayBuffer();
    }
  });
});

describe('slow and eager clients', () => {
  it('cuts off a client that never finishes its headers (slow-loris)', async () => {
    const started = Date.now();
    const closed = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(slow.url).port), '127.0.0.1', () => {
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
        const drip = setInterval(() => socket.write('X-A: b\r\n'), 100);
        let received = '';
        socket.on('data', (d) => {
          received += d.toString();
        });
        socket.on('close', () => {
          clearInterval(drip);
          resolve(received);
        });
        socket.on('error', () => undefined);
      });
      setTimeout(() => socket.destroy(), 5_000);
    });
    expect(Date.now() - started).toBeLessThan(4_000);
    // Node answers a timed-out request with 408 when it can: then with the documented error body.
    if (closed !== '') {
      expect(closed.startsWith('HTTP/1.1 408')).toBe(true);
      expect(closed).toContain('{"error":{"code":"REQUEST_TIMEOUT"');
    }
  });

  it('answers headers over the limit with 431 and the documented body, then closes', async () => {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(slow.url).port), '127.0.0.1', () => {
        socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      });
      let received = '';
      socket.on('data', (d) => {
        received += d.toString();
      });
      socket.on('close', () => resolve(received));
      socket.on('error', () => undefined);
    });
    expect(answer.startsWith('HTTP/1.1 431')).toBe(true);
    expect(answer).toContain('{"error":{"code":"HEADERS_TOO_LARGE"');
  });

  it('cuts off a client that drips its body', async () => {
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(slow.url).port), '127.0.0.1', () => {
        socket.write(
          'POST /v1/check HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{',
        );
        const drip = setInterval(() => socket.write(' '), 100);
        socket.on('close', () => {
          clearInterval(drip);
          resolve();
        });
        socket.on('error', () => undefined);
        socket.resume();
      });
      setTimeout(() => socket.destroy(), 5_000);
    });
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('rate limits writes per client with 429 and Retry-After; the write limit leaves reads alone', async () => {
    const m = await signManifest(
      { default: { search: 'allow' }, works: [] },
      { identity: await generateIdentity() },
    );
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await postJson(`${limited.url}/v1/manifests`, m.bytes);
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        await expectClientError(res, 'RATE_LIMITED');
      } else await res.arrayBuffer();
    }
    expect(statuses).toEqual([201, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 5; i++) expect((await fetch(`${limited.url}/healthz`)).status).toBe(200);
  });
});
