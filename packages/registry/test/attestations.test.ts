import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateIdentity,
  type Identity,
  signAttestation,
  signManifest,
  type VerifiedAttestation,
} from '@assent/manifest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRegistry, type Registry } from '../src/index.js';

// Real nodes: blocks on disk and SQLite in a temp dir; the replication tests run two nodes in this
// process with Helia and libp2p on 127.0.0.1.

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-registry-attest-'));
  dirs.push(dir);
  return dir;
}

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Polls `probe` until it returns true (replication is asynchronous). */
async function waitFor(probe: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const isrcs = (n: number, year = '26') =>
  Array.from({ length: n }, (_, i) => `QZ-DZ5-${year}-${String(i + 1).padStart(5, '0')}`);

let label: Identity;
let artist: Identity;
let other: Identity;
let catalogue: VerifiedAttestation;
const open: Registry[] = [];

async function registryAt(options: Parameters<typeof createRegistry>[0]): Promise<Registry> {
  const registry = await createRegistry(options);
  open.push(registry);
  return registry;
}

beforeAll(async () => {
  [label, artist, other] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()]);
  catalogue = await signAttestation(
    { subject: artist.did, isrcs: isrcs(1000), role: 'artist' },
    { identity: label },
  );
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await Promise.all(open.map((r) => r.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('registry.attestations', () => {
  it('stores a valid attestation byte-exact, lists and offers it; the same one again is a no-op', async () => {
    const registry = await registryAt({ dataDir: tempDir(), network: false });
    const before = registry.revision();
    const added = await registry.attestations.add(catalogue.bytes);
    expect(added.ok && added.value).toMatchObject({ cid: catalogue.cid, status: 'new' });
    expect(added.ok && added.value.attestation.isrcs).toHaveLength(1000);
    expect(registry.revision()).not.toBe(before);

    expect(registry.attestations.get(catalogue.cid)).toEqual(catalogue.bytes);
    // In the block store too, under its CID: what bitswap and GET /ipfs/{cid} serve.
    expect(await registry.getBlock(catalogue.cid)).toEqual(catalogue.bytes);
    expect(registry.attestations.ofSubjects([artist.did])).toEqual([
      { cid: catalogue.cid, bytes: catalogue.bytes },
    ]);
    expect(registry.attestations.ofSubjects([other.did, artist.did, artist.did])).toHaveLength(1);
    expect(registry.attestations.ofSubjects([label.did])).toEqual([]);
    expect(registry.attestations.list(artist.did)).toEqual([
      {
        cid: catalogue.cid,
        issuer: label.did,
        subject: artist.did,
        role: 'artist',
        validFrom: catalogue.validFrom,
        validUntil: undefined,
        isrcs: 1000,
        isrcPrefixes: 0,
        urlPrefixes: 0,
      },
    ]);

    const revision = registry.revision();
    const again = await registry.attestations.add(catalogue.bytes);
    expect(again.ok && again.value.status).toBe('exists');
    expect(registry.revision()).toBe(revision);
  });

  it('stores the canonical form of any accepted spelling, under the canonical CID', async () => {
    const registry = await registryAt({ dataDir: tempDir(), network: false });
    const pretty = encode(JSON.stringify(catalogue.attestation, null, 2));
    const added = await registry.attestations.add(pretty);
    expect(added.ok && added.value.cid).toBe(catalogue.cid);
    expect(registry.attestations.get(catalogue.cid)).toEqual(catalogue.bytes);
  });

  it('refuses a bad attestation with its code and stores nothing of it', async () => {
    const registry = await registryAt({ dataDir: tempDir(), network: false });
    const document = JSON.parse(decode(catalogue.bytes));
    const tampered = structuredClone(document);
    tampered.credentialSubject.isrcs[0] = 'QZDZ52699999';
    const expired = await signAttestation(
      {
        subject: artist.did,
        isrcPrefixes: ['QZ-DZ5'],
        validFrom: '2020-01-01T00:00:00Z',
        validUntil: '2021-01-01T00:00:00Z',
      },
      { identity: label, created: '2020-01-01T00:00:00Z' },
    );
    const future = await signAttestation(
      { subject: artist.did, isrcPrefixes: ['QZ-DZ5'], validFrom: '2099-01-01T00:00:00Z' },
      { identity: label },
    );
    const manifest = await signManifest({ works: [{ ids: ['isrc:USRC17607839'] }] }, { identity: artist });
    const cases: [string, Uint8Array, string][] = [
      ['malformed JSON', encode('{"@context": ['), 'JSON_SYNTAX'],
      ['a duplicate key', encode('{"a":1,"a":2}'), 'JSON_DUPLICATE_KEY'],
      ['a changed ISRC', encode(JSON.stringify(tampered)), 'SIGNATURE_INVALID'],
      ['expired', expired.bytes, 'ATTESTATION_EXPIRED'],
      ['not yet valid', future.bytes, 'ATTESTATION_NOT_YET_VALID'],
      ['a manifest', manifest.bytes, 'ATTESTATION_SCHEMA'],
    ];
    for (const [what, bytes, code] of cases) {
      const result = await registry.attestations.add(bytes);
      expect(result.ok ? 'stored' : result.code, what).toBe(code);
    }
    expect(registry.attestations.list(artist.did)).toEqual([]);
    expect(registry.attestations.ofSubjects([artist.did])).toEqual([]);
    expect(await registry.getBlock(expired.cid)).toBeUndefined();
    expect(registry.attestations.get(expired.cid)).toBeUndefined();
  });

  it('stops offering an attestation when it expires, and the revision says so; it stays listed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const registry = await registryAt({ dataDir: tempDir(), network: false });
    const dated = await signAttestation(
      {
        subject: artist.did,
        urlPrefixes: ['https://soundcloud.com/the-flight/'],
        validUntil: '2030-01-02T00:00:00Z',
      },
      { identity: label },
    );
    expect((await registry.attestations.add(dated.bytes)).ok).toBe(true);
    expect(registry.attestations.ofSubjects([artist.did])).toHaveLength(1);
    const revision = registry.revision();
    expect(registry.revision()).toBe(revision);

    vi.setSystemTime(new Date('2030-01-02T00:00:00Z'));
    expect(registry.revision()).not.toBe(revision);
    expect(registry.attestations.ofSubjects([artist.did])).toEqual([]);
    expect(registry.attestations.list(artist.did)).toMatchObject([
      { cid: dated.cid, validUntil: '2030-01-02T00:00:00Z', urlPrefixes: 1 },
    ]);
    expect(registry.attestations.get(dated.cid)).toEqual(dated.bytes);
  });

  it('offers only the trusted issuers’ when asked, and keeps everything across a restart', async () => {
    const dataDir = tempDir();
    let registry = await registryAt({ dataDir, network: false });
    const byOther = await signAttestation(
      { subject: artist.did, isrcPrefixes: ['QZ-DZ5'] },
      { identity: other },
    );
    expect((await registry.attestations.add(catalogue.bytes)).ok).toBe(true);
    expect((await registry.attestations.add(byOther.bytes)).ok).toBe(true);
    expect(registry.attestations.ofSubjects([artist.did])).toHaveLength(2);
    expect(
      registry.attestations.ofSubjects([artist.did], { issuers: new Set([label.did]) }).map((a) => a.cid),
    ).toEqual([catalogue.cid]);

    await registry.stop();
    expect(() => registry.attestations.ofSubjects([artist.did])).toThrow(/stopped/);
    expect(await registry.attestations.add(catalogue.bytes)).toMatchObject({
      ok: false,
      code: 'REGISTRY_STOPPED',
    });
    registry = await registryAt({ dataDir, network: false });
    expect(
      registry.attestations
        .ofSubjects([artist.did])
        .map((a) => a.cid)
        .sort(),
    ).toEqual([catalogue.cid, byOther.cid].sort());
    expect(registry.attestations.list(artist.did).map((a) => a.cid)).toEqual([byOther.cid, catalogue.cid]);
    expect(() => registry.attestations.list(artist.did, { limit: 0 })).toThrow(RangeError);
  });
});

describe('attestation replication', () => {
  it('an attestation stored on A is fetched, verified and stored by its peer B', async () => {
    const a = await registryAt({ dataDir: tempDir() });
    const b = await registryAt({ dataDir: tempDir(), peers: a.multiaddrs() });
    await waitFor(() => a.stats().connections > 0 && b.stats().connections > 0, 'A and B connected');

    expect((await a.attestations.add(catalogue.bytes)).ok).toBe(true);
    await waitFor(() => b.attestations.get(catalogue.cid) !== undefined, 'the attestation on B');
    expect(b.attestations.get(catalogue.cid)).toEqual(catalogue.bytes);
    expect(b.attestations.ofSubjects([artist.did])).toEqual([{ cid: catalogue.cid, bytes: catalogue.bytes }]);
    expect(b.attestations.list(artist.did)).toMatchObject([{ cid: catalogue.cid, issuer: label.did }]);

    // And back: one stored on B reaches A.
    const byB = await signAttestation({ subject: other.did, isrcPrefixes: ['QZ-DZ6'] }, { identity: label });
    expect((await b.attestations.add(byB.bytes)).ok).toBe(true);
    await waitFor(() => a.attestations.get(byB.cid) !== undefined, 'B’s attestation on A');
  }, 60_000);

  it('a node that was offline catches up on the attestations it missed', async () => {
    const a = await registryAt({ dataDir: tempDir() });
    const bDir = tempDir();
    let b = await registryAt({ dataDir: bDir, peers: a.multiaddrs() });
    await waitFor(() => b.stats().connections > 0, 'B connected to A');
    await b.stop();

    const missed = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        signAttestation({ subject: artist.did, isrcs: isrcs(3, String(10 + i)) }, { identity: label }),
      ),
    );
    for (const attestation of missed) expect((await a.attestations.add(attestation.bytes)).ok).toBe(true);

    b = await registryAt({ dataDir: bDir, peers: a.multiaddrs() });
    await waitFor(
      () => missed.every((m) => b.attestations.get(m.cid) !== undefined),
      'every missed one on B',
    );
    expect(b.attestations.ofSubjects([artist.did])).toHaveLength(5);
  }, 60_000);
});
