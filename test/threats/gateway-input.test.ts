/**
 * Threat-model checks (docs/threat-model.md) at the HTTP edge, against a real registry and a real
 * server on 127.0.0.1: parser and signature tricks on `POST /v1/manifests`, CID tricks on the read
 * routes, CAR and body limits, and replay of an old version. Each refusal must store nothing.
 */
import {
  blockCid,
  canonicalBytes,
  didKeyFromPublicKey,
  generateIdentity,
  type Identity,
  PENDING_WINDOW_MS,
  type SignedManifest,
  signManifest,
  verificationMethodOf,
} from '@assent/manifest';
import { manifestCar } from '@assent/manifest/car';
import { createProof } from '@assent/manifest/data-integrity';
import { base58btc } from 'multiformats/bases/base58';
import { CID } from 'multiformats/cid';
import * as identityHash from 'multiformats/hashes/identity';
import { sha512 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, postJson, startTestGateway, text } from '../../apps/gateway/test/support/fixture.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

const X = 'isrc:USRC17607839';
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

let gw: TestGateway;
let tight: TestGateway;
let me: Identity;
let v1: SignedManifest;
let v2: SignedManifest;

beforeAll(async () => {
  gw = await startTestGateway({ rateLimit: false, log: false, identity: UNBOUND });
  tight = await startTestGateway({ rateLimit: false, log: false, maxCarBytes: 2048, maxCheckBytes: 1024 });
  me = await generateIdentity();
  v1 = await signManifest({ works: [{ ids: [X], policy: { all: 'deny' } }] }, { identity: me });
  v2 = await signManifest(
    { works: [{ ids: [X], policy: { all: 'deny', search: 'allow' } }] },
    { identity: me, head: v1 },
  );
}, 30_000);

afterAll(async () => {
  await Promise.all([gw?.close(), tight?.close()]);
  cleanup();
});

const bytesOf = (s: string) => new TextEncoder().encode(s);

async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error: { code: string } };
  return body.error.code;
}

/** The proofValue of a signed manifest with S replaced by S + L (still < 2^256, so still 64 bytes). */
function malleated(bytes: Uint8Array): string {
  const doc = JSON.parse(text(bytes)) as { proof: { proofValue: string } };
  const signature = base58btc.decode(doc.proof.proofValue);
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] as number);
  let sl = s + L;
  for (let i = 32; i < 64; i++) {
    signature[i] = Number(sl & 0xffn);
    sl >>= 8n;
  }
  doc.proof.proofValue = base58btc.encode(signature);
  return JSON.stringify(doc);
}

describe('parser and signature tricks on POST /v1/manifests', () => {
  it('refuses a signed manifest with a duplicate member that JSON.parse would read as allow, storing nothing', async () => {
    const signed = text(v1.bytes);
    expect(signed).toContain('{"all":"deny"}');
    for (const trick of ['{"all":"deny","all":"allow"}', '{"all":"deny","\\u0061ll":"allow"}']) {
      const body = signed.replace('{"all":"deny"}', trick);
      // What a lenient parser would read: the last member wins.
      expect(JSON.stringify(JSON.parse(body))).toContain('"all":"allow"');
      const res = await postJson(`${gw.url}/v1/manifests`, body);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('JSON_DUPLICATE_KEY');
    }
    expect(gw.registry.head(me.did)).toBeUndefined();
  });

  it('refuses a malleated signature (S + L) with SIGNATURE_NOT_CANONICAL, storing nothing', async () => {
    const res = await postJson(`${gw.url}/v1/manifests`, malleated(v1.bytes));
    expect(res.status).toBe(422);
    expect(await errorCode(res)).toBe('SIGNATURE_NOT_CANONICAL');
    expect(gw.registry.head(me.did)).toBeUndefined();
  });

  it('refuses a manifest whose issuer key has small order with KEY_SMALL_ORDER, storing nothing', async () => {
    const neutral = new Uint8Array(32);
    neutral[0] = 1; // the encoding of the neutral element (0, 1), a point of order 1
    const weak = didKeyFromPublicKey(neutral);
    const doc = JSON.parse(text(v1.bytes)) as { issuer: string; proof: { verificationMethod: string } };
    doc.issuer = weak;
    doc.proof.verificationMethod = verificationMethodOf(weak);
    const res = await postJson(`${gw.url}/v1/manifests`, JSON.stringify(doc));
    expect(res.status).toBe(422);
    expect(await errorCode(res)).toBe('KEY_SMALL_ORDER');
    expect(gw.registry.head(weak)).toBeUndefined();
  });
});

describe('replay of an old version', () => {
  it('an old version sent again, in any spelling, is a no-op: the head stays the newest', async () => {
    expect((await postJson(`${gw.url}/v1/manifests`, v1.bytes)).status).toBe(201);
    expect((await postJson(`${gw.url}/v1/manifests`, v2.bytes)).status).toBe(201);
    const pretty = JSON.stringify(JSON.parse(text(v1.bytes)), null, 2);
    for (const body of [v1.bytes, pretty]) {
      const res = await postJson(`${gw.url}/v1/manifests`, body);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { cid: string }).cid).toBe(v1.cid);
    }
    const creator = (await (await fetch(`${gw.url}/v1/creators/${encodeURIComponent(me.did)}`)).json()) as {
      heads: { cid: string }[];
      forked: boolean;
    };
    expect(creator.heads.map((h) => h.cid)).toEqual([v2.cid]);
    expect(creator.forked).toBe(false);
    // v2 allows search where v1 denied: a loosening, in force once its 72-hour window has passed.
    const at = encodeURIComponent(new Date(Date.now() + PENDING_WINDOW_MS + 60_000).toISOString());
    const check = (await (await fetch(`${gw.url}/v1/check?work=${X}&use=search&at=${at}`)).json()) as {
      decision: string;
      evidence: { cid: string }[];
    };
    expect([check.decision, check.evidence.map((e) => e.cid)]).toEqual(['allow', [v2.cid]]);
  });
});

describe('CID tricks on the read routes', () => {
  it('answers CIDv0, identity, sha2-512, non-canonical and foreign-codec CIDs with a 4xx, never other bytes', async () => {
    await postJson(`${gw.url}/v1/manifests`, v1.bytes);
    const held = CID.parse(v1.cid);
    const v0 = CID.createV0(held.multihash as never).toString();
    // An identity CID carries its content inline: it would let a path name bytes nobody stored.
    const inline = CID.createV1(0x0200, identityHash.identity.digest(bytesOf('{"all":"allow"}'))).toString();
    const sha2512 = CID.createV1(0x0200, await sha512.digest(v1.bytes)).toString();
    const base58 = held.toString(base58btc);
    const dagPb = CID.createV1(0x70, held.multihash).toString();
    const cases: [string, number, string][] = [
      [`/v1/manifests/${v0}`, 400, 'CID_MALFORMED'],
      [`/v1/manifests/${inline}`, 400, 'CID_IDENTITY_HASH'],
      [`/v1/manifests/${sha2512}`, 400, 'CID_UNSUPPORTED_HASH'],
      [`/v1/manifests/${base58}`, 400, 'CID_MALFORMED'],
      [`/v1/manifests/${v1.cid.toUpperCase()}`, 400, 'CID_MALFORMED'],
      [`/v1/manifests/${dagPb}`, 404, 'NOT_FOUND'],
      [`/ipfs/${v0}?format=raw`, 400, 'CID_MALFORMED'],
      [`/ipfs/${inline}?format=raw`, 400, 'CID_IDENTITY_HASH'],
      [`/ipfs/${sha2512}?format=raw`, 400, 'CID_UNSUPPORTED_HASH'],
      [`/ipfs/${dagPb}?format=raw`, 404, 'NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status, path).toBe(status);
      expect(await errorCode(res), path).toBe(code);
    }
    // Another multibase spelling of the same CIDv1 names the same bytes; the roots header is canonical.
    const res = await fetch(`${gw.url}/ipfs/${base58}?format=raw`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ipfs-roots')).toBe(v1.cid);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(v1.bytes);
  });
});

describe('CAR and body limits', () => {
  it('refuses CAR blocks with another codec, an identity hash or bytes that do not match, storing nothing', async () => {
    const stranger = await generateIdentity();
    const m = await signManifest({ works: [{ ids: ['isrc:GBAYE0601498'] }] }, { identity: stranger });
    const mh = CID.parse(m.cid).multihash;
    const rawCodec = CID.createV1(0x55, mh).toString();
    const inline = CID.createV1(0x0200, identityHash.identity.digest(m.bytes)).toString();
    const post = (body: Uint8Array) =>
      fetch(`${gw.url}/v1/manifests`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.ipld.car' },
        body: body as Uint8Array<ArrayBuffer>,
      });
    for (const root of [rawCodec, inline]) {
      const res = await post(manifestCar({ cid: root, bytes: m.bytes }, []));
      expect(res.status, root).toBe(400);
      expect(await errorCode(res), root).toBe('CAR_MALFORMED');
    }
    const lying = await post(manifestCar({ cid: m.cid, bytes: v1.bytes }, []));
    expect(lying.status).toBe(400);
    expect(await errorCode(lying)).toBe('CAR_MALFORMED');
    expect(gw.registry.head(stranger.did)).toBeUndefined();
  });

  it('refuses a catalog of more than 256 pages, and a page over 1 MiB, storing nothing', async () => {
    const label = await generateIdentity();
    const signWith = async (catalog: string[]) => {
      const { proof: _proof, ...unsigned } = JSON.parse(text(v1.bytes)) as Record<string, never>;
      const doc = {
        ...unsigned,
        issuer: label.did,
        credentialSubject: { version: 1, works: [], catalog },
      };
      return JSON.stringify(
        await createProof(doc, { secretKey: label.secretKey, verificationMethod: label.verificationMethod }),
      );
    };
    const many = Array.from({ length: 257 }, (_, i) => blockCid(bytesOf(`page ${i}`)));
    const tooMany = await postJson(`${gw.url}/v1/manifests`, await signWith(many));
    expect(tooMany.status).toBe(422);
    expect(await errorCode(tooMany)).toBe('MANIFEST_SCHEMA');
    const huge = canonicalBytes({
      issuer: label.did,
      type: 'ConsentCatalogPage',
      // A well-formed page, only too large: 2,100 works with long titles.
      works: Array.from({ length: 2100 }, (_, i) => ({
        ids: [`isrc:QZTHR26${String(i).padStart(5, '0')}`],
        title: 'x'.repeat(512),
      })),
    });
    expect(huge.length).toBeGreaterThan(1_048_576);
    const withHuge = canonicalBytes(JSON.parse(await signWith([blockCid(huge)])));
    const res = await fetch(`${gw.url}/v1/manifests`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.ipld.car' },
      body: manifestCar({ cid: blockCid(withHuge), bytes: withHuge }, [
        { cid: blockCid(huge), bytes: huge },
      ]) as Uint8Array<ArrayBuffer>,
    });
    expect(res.status).toBe(422);
    expect(await errorCode(res)).toBe('CATALOG_PAGE_MISSING');
    expect(gw.registry.head(label.did)).toBeUndefined();
    expect(await gw.registry.getBlock(blockCid(huge))).toBeUndefined();
  });

  it('refuses a CAR and a check body over their limits with 413 BODY_TOO_LARGE', async () => {
    const big = await signManifest(
      {
        works: Array.from({ length: 60 }, (_, i) => ({ ids: [`isrc:QZTHR26${String(i).padStart(5, '0')}`] })),
      },
      { identity: await generateIdentity() },
    );
    expect(big.bytes.length).toBeGreaterThan(2048);
    const car = await fetch(`${tight.url}/v1/manifests`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.ipld.car' },
      body: manifestCar(big, []) as Uint8Array<ArrayBuffer>,
    });
    expect(car.status).toBe(413);
    expect(await errorCode(car)).toBe('BODY_TOO_LARGE');
    const works = Array.from({ length: 100 }, (_, i) => `isrc:QZTHR26${String(i).padStart(5, '0')}`);
    const check = await postJson(`${tight.url}/v1/check`, JSON.stringify({ use: 'search', works }));
    expect(check.status).toBe(413);
    expect(await errorCode(check)).toBe('BODY_TOO_LARGE');
    expect(tight.registry.stats().manifests).toBe(0);
  });
});
