import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  blockCid,
  generateIdentity,
  type Identity,
  isAssentError,
  type JsonObject,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawPage as page, signRaw } from '../../../test/support/raw-manifest.js';
import { createRegistry, type Registry } from '../src/index.js';

// A real node: Helia with libp2p on 127.0.0.1, blocks on disk, SQLite in a temp dir.

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-registry-ingest-'));
  dirs.push(dir);
  return dir;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let registry: Registry;
let dataDir: string;
let me: Identity;
let other: Identity;
let v1: SignedManifest;

beforeAll(async () => {
  dataDir = tempDir();
  registry = await createRegistry({ dataDir, fetchTimeoutMs: 300 });
  me = await generateIdentity();
  other = await generateIdentity();
  v1 = await signManifest(
    {
      default: { 'train-genai': 'deny' },
      works: [
        { ids: ['isrc:USRC17607839'], title: 'Track' },
        { ids: ['url-prefix:https://soundcloud.com/the-flight/'] },
      ],
    },
    { identity: me },
  );
});

afterAll(async () => {
  await registry?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('ingest', () => {
  it('stores and indexes a valid manifest, byte-exact under its CID', async () => {
    const result = await registry.ingest(v1.bytes);
    expect(result).toEqual({
      ok: true,
      value: { cid: v1.cid, issuer: me.did, version: 1, status: 'added', forked: false },
    });
    expect(await registry.getBlock(v1.cid)).toEqual(v1.bytes);
    expect(registry.head(me.did)).toEqual({
      issuer: me.did,
      creator: me.did,
      heads: [{ cid: v1.cid, issuer: me.did, version: 1, previous: undefined }],
      forked: false,
    });
    expect(registry.multiaddrs()[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//);
  });

  it('is a no-op for the same manifest again, in any spelling', async () => {
    expect(await registry.ingest(v1.bytes)).toMatchObject({ ok: true, value: { status: 'duplicate' } });
    const pretty = JSON.stringify(JSON.parse(text(v1.bytes)), null, 2);
    expect(await registry.ingest(pretty)).toMatchObject({
      ok: true,
      value: { cid: v1.cid, status: 'duplicate' },
    });
    expect(registry.history(me.did)).toHaveLength(1);
  });

  it('canonicalizes JSON text before storing, or rejects it when canonical bytes are required', async () => {
    const v = await signManifest({ works: [{ ids: ['isrc:GBAYE0000351'] }] }, { identity: other });
    const pretty = JSON.stringify(JSON.parse(text(v.bytes)), null, 1);
    expect(await registry.ingest(pretty, { requireCanonical: true })).toMatchObject({
      ok: false,
      code: 'NOT_CANONICAL',
    });
    expect(await registry.ingest(new TextEncoder().encode(pretty))).toMatchObject({
      ok: true,
      value: { cid: v.cid, status: 'added' },
    });
    expect(await registry.getBlock(v.cid)).toEqual(v.bytes);
  });

  it('rejects bad input with the format codes and stores nothing', async () => {
    const before = registry.stats().manifests;
    expect(await registry.ingest('{"a":1,"a":2}')).toMatchObject({ ok: false, code: 'JSON_DUPLICATE_KEY' });
    expect(await registry.ingest('not json')).toMatchObject({ ok: false, code: 'JSON_SYNTAX' });
    expect(await registry.ingest(new Uint8Array(1_048_577).fill(0x20))).toMatchObject({
      ok: false,
      code: 'JSON_TOO_LARGE',
    });
    const tampered = text(v1.bytes).replace('"deny"', '"allow"');
    expect(await registry.ingest(tampered)).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    const { proof: _proof, ...unsigned } = JSON.parse(text(v1.bytes)) as JsonObject;
    expect(await registry.ingest(JSON.stringify(unsigned))).toMatchObject({
      ok: false,
      code: 'PROOF_MISSING',
    });
    expect(registry.stats().manifests).toBe(before);
  });

  it('enforces the chain: a gap is rejected, never guessed; versions and issuers must follow', async () => {
    const them = await generateIdentity();
    const t1 = await signManifest({ works: [] }, { identity: them });
    const t2 = await signManifest({ works: [] }, { identity: them, head: t1 });
    expect(await registry.ingest(t2.bytes)).toMatchObject({ ok: false, code: 'CHAIN_PREVIOUS_UNKNOWN' });
    expect(registry.head(them.did)).toBeUndefined();
    expect(await registry.getBlock(t2.cid)).toBeUndefined();

    expect(await registry.ingest(t1.bytes)).toMatchObject({ ok: true, value: { status: 'added' } });
    const skipping = await signManifest({ works: [] }, { identity: them, head: { cid: t1.cid, version: 2 } });
    expect(await registry.ingest(skipping.bytes)).toMatchObject({ ok: false, code: 'CHAIN_VERSION_GAP' });
    const stranger = await generateIdentity();
    const hijack = await signManifest({ works: [] }, { identity: stranger, head: t1 });
    expect(await registry.ingest(hijack.bytes)).toMatchObject({ ok: false, code: 'CHAIN_ISSUER_MISMATCH' });
    expect(await registry.ingest(t2.bytes)).toMatchObject({
      ok: true,
      value: { version: 2, status: 'added' },
    });
    expect(registry.head(them.did)?.heads.map((h) => h.cid)).toEqual([t2.cid]);
    expect(registry.history(them.did).map((h) => h.cid)).toEqual([t1.cid, t2.cid]);
  });

  it('keeps both branches of a fork, flags the creator and returns both heads from lookups', async () => {
    const forker = await generateIdentity();
    const f1 = await signManifest({ works: [{ ids: ['isrc:FRZ039800212'] }] }, { identity: forker });
    const a = await signManifest(
      { default: { all: 'allow' }, works: [{ ids: ['isrc:FRZ039800212'] }] },
      { identity: forker, head: f1 },
    );
    const b = await signManifest(
      { default: { all: 'deny' }, works: [{ ids: ['isrc:FRZ039800212'] }] },
      { identity: forker, head: f1 },
    );
    await registry.ingest(f1.bytes);
    expect(await registry.ingest(a.bytes)).toMatchObject({ ok: true, value: { forked: false } });
    expect(await registry.ingest(b.bytes)).toMatchObject({
      ok: true,
      value: { status: 'added', forked: true },
    });
    const head = registry.head(forker.did);
    expect(head?.forked).toBe(true);
    expect(new Set(head?.heads.map((h) => h.cid))).toEqual(new Set([a.cid, b.cid]));
    const found = await registry.lookupWorks(['isrc:FRZ039800212']);
    expect(new Set(found.map((c) => c.cid))).toEqual(new Set([a.cid, b.cid]));

    // Branch a continues; branch b stays a head: both still decide.
    const a3 = await signManifest({ works: [{ ids: ['isrc:FRZ039800212'] }] }, { identity: forker, head: a });
    await registry.ingest(a3.bytes);
    expect(new Set(registry.head(forker.did)?.heads.map((h) => h.cid))).toEqual(new Set([a3.cid, b.cid]));
    expect(new Set((await registry.lookupWorks(['isrc:FRZ039800212'])).map((c) => c.cid))).toEqual(
      new Set([a3.cid, b.cid]),
    );
  });

  it('looks works up directly, by url-prefix, in catalog pages, and only in heads', async () => {
    const byPrefix = await registry.lookupWorks(['url:https://SoundCloud.com/the-flight/track?x=1']);
    expect(byPrefix.map((c) => c.cid)).toEqual([v1.cid]);
    expect(byPrefix[0]?.bytes).toEqual(v1.bytes);
    expect(byPrefix[0]?.pages.size).toBe(0);
    expect(
      await registry.lookupWorks(['isrc:US-RC1-76-07839', 'not an id', 'isrc:ZZZZZ0000000']),
    ).toHaveLength(1);

    const label = await generateIdentity();
    const works = Array.from({ length: 5000 }, (_, i) => ({
      ids: [`isrc:QZLBL26${String(i).padStart(5, '0')}`],
      title: `A title long enough to need pages ${'—'.repeat(100)}`,
    }));
    const l1 = await signManifest({ works }, { identity: label, inlineBudgetBytes: 4096 });
    expect(l1.pages.length).toBeGreaterThan(1);
    expect(await registry.ingest(l1.bytes)).toMatchObject({ ok: false, code: 'CATALOG_PAGE_MISSING' });
    expect(await registry.ingest(l1.bytes, { pages: l1.pages.map((p) => p.bytes) })).toMatchObject({
      ok: true,
      value: { status: 'added' },
    });
    const last = l1.pages.at(-1);
    const found = await registry.lookupWorks(['isrc:QZLBL2604999', 'isrc:QZLBL2604998']);
    expect(found).toHaveLength(1);
    expect([...(found[0]?.pages.keys() ?? [])]).toEqual([last?.cid]);
    expect(found[0]?.pages.get(last?.cid as string)).toEqual(last?.bytes);

    // The next version drops the catalog: the old pages no longer name anything.
    const l2 = await signManifest({ works: [] }, { identity: label, head: l1 });
    await registry.ingest(l2.bytes);
    expect(await registry.lookupWorks(['isrc:QZLBL2604999'])).toEqual([]);
  });

  it('rejects invalid catalog pages and work ids named twice across pages', async () => {
    const label = await generateIdentity();
    const foreign = page(other.did, ['isrc:QZFOR2600001']);
    const bad = await signRaw(label, { version: 1, works: [], catalog: [blockCid(foreign)] });
    expect(await registry.ingest(bad, { pages: [foreign] })).toMatchObject({
      ok: false,
      code: 'CATALOG_PAGE_INVALID',
    });
    const p1 = page(label.did, ['isrc:QZDUP2600001']);
    const p2 = page(label.did, ['isrc:QZDUP2600002', 'isrc:QZDUP2600001']);
    const twice = await signRaw(label, { version: 1, works: [], catalog: [blockCid(p1), blockCid(p2)] });
    expect(await registry.ingest(twice, { pages: [p1, p2] })).toMatchObject({
      ok: false,
      code: 'MANIFEST_SCHEMA',
    });
    expect(registry.head(label.did)).toBeUndefined();
    expect(await registry.getBlock(blockCid(p1))).toBeUndefined();
  });

  it('reindex rebuilds the same answers from the blockstore alone', async () => {
    const ids = [
      'isrc:USRC17607839',
      'isrc:FRZ039800212',
      'isrc:QZLBL2604999',
      'url:https://soundcloud.com/the-flight/x',
    ];
    const snapshot = async () => ({
      stats: { manifests: registry.stats().manifests, works: registry.stats().works },
      me: registry.head(me.did),
      history: registry.history(me.did),
      found: (await registry.lookupWorks(ids)).map((c) => [c.cid, [...c.pages.keys()].sort()]).sort(),
    });
    const before = await snapshot();
    const report = await registry.reindex();
    expect(report.manifests).toBe(before.stats.manifests);
    expect(report.unchained).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it('keeps a data directory to one process, and answers after a restart', async () => {
    await expect(createRegistry({ dataDir, network: false })).rejects.toSatisfy((error) =>
      isAssentError(error, 'REGISTRY_DATA_DIR_LOCKED'),
    );
    const heads = registry.head(me.did);
    await registry.stop();
    expect(await registry.ingest(v1.bytes)).toMatchObject({ ok: false, code: 'REGISTRY_STOPPED' });
    registry = await createRegistry({ dataDir, network: false });
    expect(registry.head(me.did)).toEqual(heads);
    expect(readdirSync(dataDir).sort()).toEqual([
      'LOCK',
      'blocks',
      'datastore',
      'index.sqlite',
      'index.sqlite-wal',
      'node-key.json',
      'state.sqlite',
      'state.sqlite-wal',
    ]);
  });
});
