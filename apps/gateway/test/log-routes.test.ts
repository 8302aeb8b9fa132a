/**
 * The node's log over HTTP: a real registry in a temp dir and a real server on 127.0.0.1, read the
 * way a tlog-tiles client reads a log: the description, the signed checkpoint, hash tiles and entry
 * bundles (the root recomputed from the entries alone must be the checkpoint's), and a manifest's
 * tlog-proof. Oracles: `@assent/tlog`'s note, tree and proof verifiers, which the transparency-dev
 * and Go sumdb/note vectors check.
 */
import { generateIdentity, type SignedManifest, signManifest } from '@assent/manifest';
import { createRegistry, type Registry } from '@assent/registry';
import {
  createMerkleTree,
  createNoteVerifier,
  hashLeaf,
  parseEntryBundle,
  parseVkey,
  tilePath,
  verifyCheckpoint,
  verifyTlogProof,
} from '@assent/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../src/index.js';
import { cleanup, tempDir } from './support/fixture.js';

let registry: Registry;
let gateway: RunningGateway;
let manifests: SignedManifest[];
const COUNT = 300;

beforeAll(async () => {
  registry = await createRegistry({
    dataDir: tempDir(),
    network: false,
    logOrigin: 'example.org/assent/log',
  });
  const identity = await generateIdentity();
  manifests = [];
  for (let i = 0; i < COUNT; i++) {
    const head = manifests.at(-1);
    manifests.push(
      await signManifest(
        { works: [{ ids: [`isrc:QZTIL26${String(i).padStart(5, '0')}`], policy: { 'train-ai': 'deny' } }] },
        { identity, ...(head === undefined ? {} : { head }) },
      ),
    );
    expect((await registry.ingest((manifests.at(-1) as SignedManifest).bytes)).ok).toBe(true);
  }
  await registry.log.checkpointCovering(COUNT);
  gateway = await startGateway({ registry, port: 0, log: false });
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await registry?.stop();
  cleanup();
});

async function description() {
  const res = await fetch(`${gateway.url}/.well-known/assent-node.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  return (await res.json()) as { did: string; origin: string; logVkey: string; witnessVkey: string };
}

async function logKey() {
  const vkey = parseVkey((await description()).logVkey);
  if (!vkey.ok) throw new Error(vkey.message);
  return createNoteVerifier(vkey.value);
}

describe('log routes', () => {
  it('describes the node: its DID, origin and keys', async () => {
    const d = await description();
    expect(d).toEqual({
      did: registry.identity.did,
      origin: 'example.org/assent/log',
      logVkey: registry.log.vkey,
      witnessVkey: registry.log.witnessVkey,
    });
    expect(d.logVkey.startsWith('example.org/assent/log+')).toBe(true);
  });

  it('serves a checkpoint signed by the described key, whose root the entry bundles alone rebuild', async () => {
    const res = await fetch(`${gateway.url}/log/checkpoint`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const checkpoint = await verifyCheckpoint(await res.text(), { log: [await logKey()] });
    if (!checkpoint.ok) throw new Error(checkpoint.message);
    expect(checkpoint.value.size).toBe(COUNT);

    // A tlog-tiles client: entries from the bundles (one full, one partial), hashed, give the root.
    const entries: Uint8Array[] = [];
    for (const tile of [
      { level: 'entries' as const, index: 0, width: 256 },
      { level: 'entries' as const, index: 1, width: COUNT - 256 },
    ]) {
      const r = await fetch(`${gateway.url}/log/${tilePath(tile)}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe(
        tile.width === 256 ? 'public, max-age=31536000, immutable' : 'public, max-age=1',
      );
      const bundle = parseEntryBundle(new Uint8Array(await r.arrayBuffer()), tile.width);
      if (!bundle.ok) throw new Error(bundle.message);
      entries.push(...bundle.value);
    }
    const leafHashes = entries.map(hashLeaf);
    expect(createMerkleTree(leafHashes).root()).toEqual(checkpoint.value.root);
    expect(JSON.parse(new TextDecoder().decode(entries[7]))).toMatchObject({
      t: 'manifest',
      cid: manifests[7]?.cid,
      version: 8,
    });

    // The level-0 hash tiles are the same leaf hashes.
    const full = await fetch(`${gateway.url}/log/tile/0/000`);
    expect(new Uint8Array(await full.arrayBuffer())).toEqual(
      Uint8Array.from(leafHashes.slice(0, 256).flatMap((h) => [...h])),
    );
    const partial = await fetch(`${gateway.url}/log/tile/0/001.p/${COUNT - 256}`);
    expect(new Uint8Array(await partial.arrayBuffer())).toEqual(
      Uint8Array.from(leafHashes.slice(256).flatMap((h) => [...h])),
    );
  });

  it('answers 404 for tiles beyond the signed tree or malformed tile paths', async () => {
    for (const path of [
      'tile/0/001', // not full yet
      `tile/0/001.p/${COUNT - 255}`, // wider than the tree
      'tile/1/000', // no level-1 hash before 65,536 leaves
      'tile/entries/002',
      'tile/0/1',
      'tile/0/x000/001',
      'tile/0/000.p/256',
      'tile/64/000',
    ]) {
      const r = await fetch(`${gateway.url}/log/${path}`);
      expect(r.status, path).toBe(404);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
  });

  it('serves a tlog-proof of a manifest that verifies offline under the log key', async () => {
    const m = manifests[123] as SignedManifest;
    const res = await fetch(`${gateway.url}/v1/manifests/${m.cid}/proof`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith('c2sp.org/tlog-proof@v1\nextra ')).toBe(true);
    const leaf = registry.log.leaf(123) as Uint8Array;
    const verified = await verifyTlogProof(text, { log: [await logKey()], leafHash: hashLeaf(leaf) });
    if (!verified.ok) throw new Error(verified.message);
    expect(verified.value.index).toBe(123);
    expect(JSON.parse(new TextDecoder().decode(verified.value.extra))).toMatchObject({ cid: m.cid });

    const unknown = await fetch(
      `${gateway.url}/v1/manifests/bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea/proof`,
    );
    expect(unknown.status).toBe(404);
    const malformed = await fetch(`${gateway.url}/v1/manifests/nonsense/proof`);
    expect(malformed.status).toBe(400);
  });
});
