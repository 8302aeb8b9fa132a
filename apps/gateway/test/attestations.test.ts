import { request as httpRequest } from 'node:http';
import {
  blockCid,
  generateIdentity,
  type Identity,
  signAttestation,
  type VerifiedAttestation,
} from '@assent/manifest';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasSharedVectors,
  sharedVectorBytes,
  sharedVectorFiles,
  skipReason,
} from '../../../test/support/shared-vectors.js';
import { cleanup, postJson, startTestGateway, text } from './support/fixture.js';

// A real registry (SQLite and blocks in a temp dir) behind a real gateway on 127.0.0.1.

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
let gw: Gateway;
let label: Identity;
let artist: Identity;
let catalogue: VerifiedAttestation;

const isrcs = (n: number) => Array.from({ length: n }, (_, i) => `QZDZ526${String(i + 1).padStart(5, '0')}`);
const cors = (res: Response) => res.headers.get('access-control-allow-origin');

async function errorOf(res: Response): Promise<{ status: number; code: string }> {
  const body = (await res.json()) as { error: { code: string } };
  expect(res.headers.get('x-assent-error')).toBe(body.error.code);
  return { status: res.status, code: body.error.code };
}

async function listed(subject: string): Promise<{ cid: string }[]> {
  const res = await fetch(`${gw.url}/v1/attestations?subject=${encodeURIComponent(subject)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { attestations: { cid: string }[] }).attestations;
}

beforeAll(async () => {
  gw = await startTestGateway({ rateLimit: false });
  [label, artist] = await Promise.all([generateIdentity(), generateIdentity()]);
  catalogue = await signAttestation(
    { subject: artist.did, isrcs: isrcs(1000), role: 'artist' },
    { identity: label },
  );
});

afterAll(async () => {
  await gw?.close();
  cleanup();
});

describe('POST /v1/attestations', () => {
  it('stores a valid attestation (201), the same again is 200, any JSON spelling is canonicalized', async () => {
    const first = await postJson(`${gw.url}/v1/attestations`, JSON.stringify(catalogue.attestation, null, 2));
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({
      cid: catalogue.cid,
      issuer: label.did,
      subject: artist.did,
      role: 'artist',
      validFrom: catalogue.validFrom,
      validUntil: null,
      isrcs: 1000,
      isrcPrefixes: 0,
      urlPrefixes: 0,
    });
    // Publishing is same-origin only, like POST /v1/manifests.
    expect(cors(first)).toBeNull();
    const again = await postJson(`${gw.url}/v1/attestations`, catalogue.bytes);
    expect(again.status).toBe(200);
    expect((await again.json()).cid).toBe(catalogue.cid);
  });

  it('refuses bad attestations with a 4xx and their code, and stores nothing of them', async () => {
    const other = await generateIdentity();
    const tampered = JSON.parse(text(catalogue.bytes));
    tampered.credentialSubject.id = other.did;
    const expired = await signAttestation(
      {
        subject: other.did,
        isrcPrefixes: ['QZ-DZ5'],
        validFrom: '2020-01-01T00:00:00Z',
        validUntil: '2021-01-01T00:00:00Z',
      },
      { identity: label, created: '2020-01-01T00:00:00Z' },
    );
    const cases: [string, string | Uint8Array, number, string, string?][] = [
      ['malformed JSON', '{"@context": [', 400, 'JSON_SYNTAX'],
      ['a duplicate key', '{"issuer":"a","issuer":"b"}', 400, 'JSON_DUPLICATE_KEY'],
      ['not an attestation', '{"hello":"world"}', 422, 'ATTESTATION_SCHEMA'],
      ['a wrong signature', JSON.stringify(tampered), 422, 'SIGNATURE_INVALID'],
      ['expired', expired.bytes, 422, 'ATTESTATION_EXPIRED'],
      ['another media type', catalogue.bytes, 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain'],
    ];
    for (const [what, body, status, code, type] of cases) {
      const res = await postJson(`${gw.url}/v1/attestations`, body, type);
      expect(await errorOf(res), what).toEqual({ status, code });
    }
    expect(await listed(other.did)).toEqual([]);
    expect(gw.registry.attestations.get(expired.cid)).toBeUndefined();
    expect(await gw.registry.getBlock(expired.cid)).toBeUndefined();
  });

  it('refuses a body over 1 MiB with 413, declared or chunked, and stores nothing', async () => {
    const padded = new Uint8Array(1024 * 1024 + 1).fill(0x20);
    padded.set(catalogue.bytes);
    const declared = await postJson(`${gw.url}/v1/attestations`, padded);
    expect(await errorOf(declared)).toEqual({ status: 413, code: 'BODY_TOO_LARGE' });
    // Chunked, with no content-length: cut off at the first chunk past the cap.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${gw.url}/v1/attestations`);
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(new Uint8Array(64 * 1024).fill(0x20));
      req.end();
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).error.code).toBe('BODY_TOO_LARGE');
  });

  it.skipIf(!hasSharedVectors)(
    `answers every n_* JSON parsing vector with a 4xx, storing nothing${skipReason}`,
    async () => {
      const files = sharedVectorFiles('json-parsing').filter((f) => f.startsWith('n_'));
      expect(files.length).toBeGreaterThan(100);
      for (const file of files) {
        const res = await postJson(`${gw.url}/v1/attestations`, sharedVectorBytes(`json-parsing/${file}`));
        expect(res.status, file).toBeGreaterThanOrEqual(400);
        expect(res.status, file).toBeLessThan(500);
        expect(Object.keys(await res.json()), file).toEqual(['error']);
      }
      expect(await listed(artist.did)).toHaveLength(1);
    },
  );

  it('answers any one-byte change of a signed attestation with a 4xx (or 2xx when it still verifies), never a 5xx', async () => {
    const other = await generateIdentity();
    const signed = await signAttestation(
      { subject: other.did, isrcs: isrcs(20), urlPrefixes: ['https://example.org/a/'] },
      { identity: label },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: signed.bytes.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        async (at, byte) => {
          const changed = signed.bytes.slice();
          changed[at] = byte;
          const res = await postJson(`${gw.url}/v1/attestations`, changed);
          expect(res.status).toBeLessThan(500);
          const body = await res.json();
          if (res.status >= 400) expect(Object.keys(body)).toEqual(['error']);
          // Only an unchanged document verifies (a changed byte of JSON whitespace cannot occur: JCS has none).
          else expect(body.cid).toBe(signed.cid);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('counts against the write rate limit of publishing', async () => {
    const limited = await startTestGateway({ rateLimit: { burst: 1, perSecond: 0.001 } });
    try {
      expect((await postJson(`${limited.url}/v1/attestations`, catalogue.bytes)).status).toBe(201);
      const refused = await postJson(`${limited.url}/v1/attestations`, catalogue.bytes);
      expect(await errorOf(refused)).toEqual({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('GET /v1/attestations', () => {
  it('lists the attestations naming a creator, with CORS', async () => {
    const res = await fetch(`${gw.url}/v1/attestations?subject=${encodeURIComponent(artist.did)}`);
    expect(res.status).toBe(200);
    expect(cors(res)).toBe('*');
    expect(await res.json()).toEqual({
      subject: artist.did,
      attestations: [
        {
          cid: catalogue.cid,
          issuer: label.did,
          subject: artist.did,
          role: 'artist',
          validFrom: catalogue.validFrom,
          validUntil: null,
          isrcs: 1000,
          isrcPrefixes: 0,
          urlPrefixes: 0,
        },
      ],
    });
    expect(await listed(label.did)).toEqual([]);
  });

  it('answers a missing or bad subject or limit with 400, with CORS; grants no preflight for POST', async () => {
    for (const [query, code] of [
      ['', 'BAD_REQUEST'],
      ['?subject=', 'BAD_REQUEST'],
      ['?subject=did:key:nope', 'DID_MALFORMED'],
      [`?subject=${encodeURIComponent(artist.did)}&limit=0`, 'BAD_REQUEST'],
      [`?subject=${encodeURIComponent(artist.did)}&limit=1001`, 'BAD_REQUEST'],
    ] as const) {
      const res = await fetch(`${gw.url}/v1/attestations${query}`);
      expect(await errorOf(res), query).toEqual({ status: 400, code });
      expect(cors(res)).toBe('*');
    }
    const preflight = await fetch(`${gw.url}/v1/attestations`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
    });
    expect(cors(preflight)).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    const put = await fetch(`${gw.url}/v1/attestations`, { method: 'PUT' });
    expect(await errorOf(put)).toEqual({ status: 405, code: 'METHOD_NOT_ALLOWED' });
  });

  it('serves an attestation’s exact bytes by CID, immutable, with CORS', async () => {
    const res = await fetch(`${gw.url}/v1/attestations/${catalogue.cid}`);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(catalogue.bytes);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('etag')).toBe(`"${catalogue.cid}"`);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(cors(res)).toBe('*');
    const cached = await fetch(`${gw.url}/v1/attestations/${catalogue.cid}`, {
      headers: { 'if-none-match': `"${catalogue.cid}"` },
    });
    expect(cached.status).toBe(304);
    // The same bytes are a block of the node: the trustless gateway serves them too.
    const raw = await fetch(`${gw.url}/ipfs/${catalogue.cid}?format=raw`);
    expect(new Uint8Array(await raw.arrayBuffer())).toEqual(catalogue.bytes);

    const unknown = blockCid(new TextEncoder().encode('{}'));
    const missing = await fetch(`${gw.url}/v1/attestations/${unknown}`);
    expect(await errorOf(missing)).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(cors(missing)).toBe('*');
    const malformed = await fetch(`${gw.url}/v1/attestations/not-a-cid`);
    expect((await errorOf(malformed)).status).toBe(400);
  });
});
