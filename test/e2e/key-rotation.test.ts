/**
 * Key rotation across the stack (docs/spec/manifest.md §5.5): a real registry node and its gateway on
 * 127.0.0.1 accept a rotated chain and refuse a forged rotation over HTTP; a verifier through
 * `gatewaySource` (HTTP) and through `registrySource` (in process) proves the rotated key's chain from
 * the node's blocks and decides for the creator; `GET /v1/creators` answers for any of its keys.
 * Bindings are not this test's subject: its verifiers set `requireBinding: false`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningGateway, startGateway } from '@assent/gateway';
import {
  generateIdentity,
  type Identity,
  nextKeyHashOfDid,
  PENDING_WINDOW_MS,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import { createRegistry, type Registry, registrySource } from '@assent/registry';
import { type CheckResult, createVerifier, gatewaySource } from '@assent/verifier';
import { verifyReceipt } from '@assent/verifier/receipt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WORK = 'isrc:USRC17607839';

let dir: string;
let registry: Registry;
let gateway: RunningGateway;
let creator: Identity;
let recovery: Identity;
let next: Identity;
let v1: SignedManifest;
let v2: SignedManifest;
let v3: SignedManifest;

async function publish(m: SignedManifest): Promise<Response> {
  return fetch(`${gateway.url}/v1/manifests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: new TextDecoder().decode(m.bytes),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-e2e-rotation-'));
  registry = await createRegistry({ dataDir: dir, network: false, links: false });
  gateway = await startGateway({ registry, port: 0, log: false, rateLimit: false });
  [creator, recovery, next] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()]);
  v1 = await signManifest(
    { works: [{ ids: [WORK], policy: { 'train-genai': 'deny' } }] },
    { identity: creator, nextKeyHashes: [nextKeyHashOfDid(recovery.did)] },
  );
  v2 = await signManifest(
    { works: [{ ids: [WORK], policy: { 'train-genai': 'deny' } }] },
    { identity: recovery, head: v1, rotation: true, nextKeyHashes: [nextKeyHashOfDid(next.did)] },
  );
  v3 = await signManifest(
    { works: [{ ids: [WORK], policy: { 'train-genai': 'allow' } }] },
    { identity: recovery, head: v2 },
  );
});

afterAll(async () => {
  await gateway?.close();
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('a rotated chain through a node and its gateway', () => {
  it('the gateway accepts each version and refuses a rotation to a key nobody committed to', async () => {
    for (const m of [v1, v2, v3]) expect((await publish(m)).status).toBe(201);
    const thief = await generateIdentity();
    const forged = await signManifest(
      { works: [{ ids: [WORK], policy: { all: 'allow' } }] },
      { identity: thief, head: v3, rotation: true, nextKeyHashes: [nextKeyHashOfDid(thief.did)] },
    );
    const refused = await publish(forged);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'NEXT_KEY_NOT_COMMITTED' } });
  });

  it('GET /v1/creators answers the creator for the rotated key', async () => {
    const res = await fetch(`${gateway.url}/v1/creators/${encodeURIComponent(recovery.did)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { issuer: string; creator: string; head: string; version: number };
    expect(body).toMatchObject({ issuer: recovery.did, creator: creator.did, head: v3.cid, version: 3 });
  });

  it.each([
    ['gatewaySource (HTTP)', () => gatewaySource(gateway.url)],
    ['registrySource (in process)', () => registrySource(registry)],
  ])('a verifier through %s proves the chain and decides for the creator', async (_name, source) => {
    const verifier = createVerifier({ source: source(), identity: { requireBinding: false } });
    // Version 3's allow waits 72 hours after the node logged it (spec §5.5): checked past that.
    const at = new Date(Date.now() + PENDING_WINDOW_MS + 60_000).toISOString();
    const result = await verifier.check({ work: WORK, use: 'train-genai', at });
    expect(result.decision).toBe('allow');
    expect(result.claimants.map((c) => c.issuer)).toEqual([creator.did]);
    expect(result.evidence).toEqual([
      expect.objectContaining({ cid: v3.cid, issuer: recovery.did, creator: creator.did }),
    ]);
    expect(result.warnings).toEqual([]);
  });
});

describe('the waiting window through the gateway (spec §5.5)', () => {
  it('POST /v1/candidates offers the version before a head just logged, and both sources hold the grant back', async () => {
    const work = 'isrc:QZE2E2600009';
    const me = await generateIdentity();
    const first = await signManifest(
      { works: [{ ids: [work], policy: { 'train-genai': 'deny' } }] },
      { identity: me },
    );
    const second = await signManifest(
      { works: [{ ids: [work], policy: { 'train-genai': 'allow' } }] },
      { identity: me, head: first },
    );
    for (const m of [first, second]) expect((await publish(m)).status).toBe(201);
    const res = await fetch(`${gateway.url}/v1/candidates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ works: [work] }),
    });
    const answer = (await res.json()) as {
      manifests: { cid: string }[];
      predecessors?: { cid: string; loggedAt: string }[];
    };
    expect(answer.manifests.map((m) => m.cid)).toEqual([second.cid]);
    expect(answer.predecessors?.map((m) => m.cid)).toEqual([first.cid]);
    for (const source of [gatewaySource(gateway.url), registrySource(registry)]) {
      const verifier = createVerifier({ source, identity: { requireBinding: false } });
      const now = await verifier.check({ work, use: 'train-genai' });
      expect(now.decision).toBe('deny');
      expect(now.evidence.map((e) => [e.cid, e.claims])).toEqual([
        [second.cid, false],
        [first.cid, true],
      ]);
      const later = await verifier.check({
        work,
        use: 'train-genai',
        at: new Date(Date.now() + PENDING_WINDOW_MS + 60_000).toISOString(),
      });
      expect(later.decision).toBe('allow');
    }
    // A receipt of the held-back answer verifies: what the window decided is not derived again from
    // the manifests alone (the receipt does not commit to log times), and is not called a mismatch.
    // Asked of a gateway that requires no bindings, so that no identity rule sets the answer aside.
    const unbound = await startGateway({
      registry,
      port: 0,
      log: false,
      rateLimit: false,
      identity: { requireBinding: false },
    });
    try {
      const receipted = await fetch(`${unbound.url}/v1/check?receipt=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ use: 'train-genai', works: [work] }),
      });
      const { results, receipt } = (await receipted.json()) as { results: CheckResult[]; receipt: unknown };
      expect(results[0]?.decision).toBe('deny');
      const verdict = await verifyReceipt(receipt, {
        results,
        manifests: [first.bytes, second.bytes],
        trustedNodes: [registry.identity.did],
      });
      expect(verdict).toMatchObject({ ok: true, value: { rederived: 0 } });
    } finally {
      await unbound.close();
    }
  });
});
