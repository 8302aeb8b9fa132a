/**
 * Issue 17's limits over real servers on 127.0.0.1 and ::1: the global cap on request body bytes held
 * at once, per-client read limits, and rate-limit keys by IPv4 address or IPv6 /64.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { clientKeyOfAddress } from '../src/client-key.js';
import { captureLogger, cleanup, postJson, startTestGateway } from './support/fixture.js';

afterAll(cleanup);

/** A request whose headers and first bytes are sent, and whose body never ends while it is open. */
function heldUpload(url: string, declared: number): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''), () => {
      socket.write(
        `POST /v1/manifests HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/vnd.ipld.car\r\n` +
          `content-length: ${declared}\r\n\r\n`,
      );
      socket.write(new Uint8Array(1024));
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** The value of a gauge on `/metrics`. */
async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

/** Polls `read` until it answers `want` (the server notices sockets in its own time). */
async function until<T>(read: () => Promise<T>, want: T): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await read()) === want) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never became ${String(want)}`);
}

describe('the cap on request body bytes held at once', () => {
  it('answers 503 GATEWAY_BUSY with Retry-After beyond it, 413 for a body larger than it, and frees it', async () => {
    const KB = 1000;
    const gw = await startTestGateway({ maxBodyBytesInFlight: 2_000 * KB, rateLimit: false });
    try {
      // Two uploads of 950 KB each that never finish: 1,900 KB of the 2,000 KB held.
      const held = [await heldUpload(gw.url, 950 * KB), await heldUpload(gw.url, 950 * KB)];
      await until(() => gauge(gw.url, 'assent_http_body_bytes_in_flight'), 1_900 * KB);
      const manifest = new Uint8Array(200 * KB).fill(0x20);
      const busy = await postJson(`${gw.url}/v1/manifests`, manifest);
      expect(busy.status).toBe(503);
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await busy.json()).error.code).toBe('GATEWAY_BUSY');
      // A body of unknown length is counted as it arrives, and refused at the chunk that passes the cap.
      const chunked = await fetch(`${gw.url}/v1/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(
              new TextEncoder().encode(`{"use":"search","works":["${'a'.repeat(150 * KB)}"]}`),
            );
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(503);
      expect((await chunked.json()).error.code).toBe('GATEWAY_BUSY');
      // Small bodies still fit.
      const small = await postJson(`${gw.url}/v1/check`, '{"use":"search","works":["isrc:USRC17607839"]}');
      expect(small.status).toBe(200);
      await small.arrayBuffer();
      // A body larger than the whole cap could never fit: 413, not a retry.
      const huge = await postJson(
        `${gw.url}/v1/manifests`,
        new Uint8Array(2_100 * KB),
        'application/vnd.ipld.car',
      );
      expect(huge.status).toBe(413);
      expect((await huge.json()).error.code).toBe('BODY_TOO_LARGE');
      // The held uploads go away: their bytes are free again.
      for (const socket of held) socket.destroy();
      await until(() => gauge(gw.url, 'assent_http_body_bytes_in_flight'), 0);
      const after = await postJson(`${gw.url}/v1/manifests`, manifest);
      expect(after.status).not.toBe(503);
      expect((await after.json()).error.code).toBe('JSON_SYNTAX');
    } finally {
      await gw.close();
    }
  });
});

describe('read limits', () => {
  it('limits each client’s reads with 429 and Retry-After, the routes the server answers itself too', async () => {
    const gw = await startTestGateway({ readRateLimit: { burst: 3, perSecond: 0.01 } });
    try {
      const check = `${gw.url}/v1/check?work=isrc:USRC17607839&use=search`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(check);
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      for (const res of [
        await fetch(check),
        await fetch(`${check}&`), // through the router
        await postJson(`${gw.url}/v1/check`, '{"use":"search","works":[]}'),
        await fetch(`${gw.url}/v1/creators/did%3Akey%3Az6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK`),
        await fetch(
          `${gw.url}/ipfs/bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea?format=raw`,
        ),
      ]) {
        expect(res.status, res.url).toBe(429);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        // A browser can read why: the CORS headers are on the refusal too.
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect((await res.json()).error.code).toBe('RATE_LIMITED');
      }
      // Operations are not limited.
      for (let i = 0; i < 5; i++) expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe('rate-limit keys', () => {
  it('are an IPv4 address, or an IPv6 address’s /64', () => {
    expect(clientKeyOfAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKeyOfAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    const one = clientKeyOfAddress('2001:db8:1:2::1');
    expect(one).toBe('2001:db8:1:2::/64');
    expect(clientKeyOfAddress('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(one);
    expect(clientKeyOfAddress('2001:0db8:0001:0002:0:0:0:9')).toBe(one);
    expect(clientKeyOfAddress('2001:db8:1:3::1')).not.toBe(one);
    expect(clientKeyOfAddress('::1')).toBe('0:0:0:0::/64');
  });

  it('key a client on ::1 by its /64, and an IPv4 client of a dual-stack server by its address', async () => {
    const log = captureLogger();
    const v6 = await startTestGateway({
      host: '::1',
      logger: log.logger,
      readRateLimit: { burst: 2, perSecond: 0.01 },
    });
    const dual = await startTestGateway({ host: '::', logger: log.logger });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${v6.url}/v1/check?work=isrc:USRC17607839&use=search`);
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 429]);
      const port = new URL(dual.url).port;
      await (await fetch(`http://127.0.0.1:${port}/healthz`)).arrayBuffer();
      expect(log.requests().map((e) => e.client)).toEqual([
        '0:0:0:0::/64',
        '0:0:0:0::/64',
        '0:0:0:0::/64',
        '127.0.0.1',
      ]);
    } finally {
      await v6.close();
      await dual.close();
    }
  });
});
