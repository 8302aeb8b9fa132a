/**
 * Identity evidence through `POST /v1/candidates` (issue 19): a real registry (SQLite in a temp dir)
 * that checked a creator's profile link against a fake platform on 127.0.0.1 (the one thing faked: no
 * real platform is reachable from tests) and holds a label's attestation, behind a real gateway. The
 * answer carries the node's signed observations inline and the attestation CIDs; a verifier over
 * `gatewaySource` applies its own trust to them and decides as the node's own `POST /v1/check` does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity, signAttestation, signManifest } from '@assent/manifest';
import { createRegistry, type Registry } from '@assent/registry';
import { type CheckResult, createVerifier, gatewaySource } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlatform, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { type RunningGateway, startGateway } from '../src/index.js';
import { postJson } from './support/fixture.js';

const PROFILE = 'https://soundcloud.test/the-flight';
const TRACK = `url:${PROFILE}/track-1`;
const X = 'isrc:USRC17607839';

let dir: string;
let dns: LoopbackDns;
let web: FakePlatform;
let registry: Registry;
let gateway: RunningGateway;
let flight: Identity;
let label: Identity;
let attestationCid: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-candidates-identity-'));
  dns = await startLoopbackDns({}, { loopbackByDefault: true });
  web = await startFakePlatform();
  flight = await generateIdentity();
  label = await generateIdentity();
  web.routes.set('soundcloud.test/the-flight', {
    body: `<!doctype html><html><body><main><p class="bio">The Flight. assent:${flight.did}</p></main></body></html>`,
  });
  registry = await createRegistry({
    dataDir: dir,
    network: false,
    links: { allowInsecure: true, dnsServers: dns.servers, mapUrl: (url) => web.mapUrl(url) },
  });
  gateway = await startGateway({
    registry,
    port: 0,
    log: false,
    rateLimit: false,
    identity: { trustedAttesters: [label.did] },
  });
  const manifest = await signManifest(
    {
      works: [
        { ids: [`url-prefix:${PROFILE}/`], policy: { 'train-genai': 'allow' } },
        { ids: [X], policy: { 'train-genai': 'allow' } },
      ],
      identities: [{ type: 'profile', id: PROFILE }],
    },
    { identity: flight },
  );
  expect((await registry.ingest(manifest.bytes)).ok).toBe(true);
  const attested = await signAttestation(
    { subject: flight.did, isrcs: [X], role: 'artist' },
    { identity: label },
  );
  const stored = await registry.attestations.add(attested.bytes);
  expect(stored.ok).toBe(true);
  attestationCid = attested.cid;
  // The node checks the link in the background after ingest.
  const deadline = Date.now() + 10_000;
  while (!registry.links.linksOf(flight.did).some((l) => l.bound)) {
    if (Date.now() > deadline) throw new Error(JSON.stringify(registry.links.linksOf(flight.did)));
    await new Promise((r) => setTimeout(r, 20));
  }
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await registry?.stop();
  await web?.close();
  await dns?.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

const check = (verifier: ReturnType<typeof createVerifier>, work: string): Promise<CheckResult> =>
  verifier.check({ work, use: 'train-genai' });

describe('POST /v1/candidates carries identity evidence', () => {
  it('lists the node’s signed observation inline and the attestation by CID', async () => {
    const res = await postJson(`${gateway.url}/v1/candidates`, JSON.stringify({ works: [TRACK, X] }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      observations?: { issuer: string; credentialSubject: { id: string; result: string } }[];
      attestations?: string[];
    };
    expect(
      body.observations?.map((o) => [o.issuer, o.credentialSubject.id, o.credentialSubject.result]),
    ).toEqual([[registry.identity.did, flight.did, 'ok']]);
    expect(body.attestations).toEqual([attestationCid]);
    // Nothing names a work nobody claims: no evidence either.
    const none = await postJson(
      `${gateway.url}/v1/candidates`,
      JSON.stringify({ works: ['isrc:GBAYE0601498'] }),
    );
    expect(await none.json()).toEqual({ asOf: expect.any(String), manifests: [] });
  });

  it('lets a verifier over gatewaySource decide with its own trust, as the node does with the same trust', async () => {
    const trusting = createVerifier({
      source: gatewaySource(gateway.url),
      identity: { trustedAttesters: [label.did], observers: [registry.identity.did] },
    });
    const own = await check(trusting, TRACK);
    expect(own.decision).toBe('allow');
    expect(own.claimants).toMatchObject([
      {
        issuer: flight.did,
        level: 1,
        inScope: true,
        links: [{ type: 'profile', id: PROFILE, bound: true, state: 'ok' }],
      },
    ]);
    expect((await check(trusting, X)).decision).toBe('allow');
    const node = (await (
      await postJson(`${gateway.url}/v1/check`, JSON.stringify({ use: 'train-genai', works: [TRACK, X] }))
    ).json()) as { results: CheckResult[] };
    expect(node.results.map((r) => r.decision)).toEqual(['allow', 'allow']);

    // No trust in the label: the ISRC is bound by nobody. No trust in this node: the profile neither.
    const wary = createVerifier({
      source: gatewaySource(gateway.url),
      identity: { observers: ['did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'] },
    });
    for (const work of [TRACK, X]) {
      const r = await check(wary, work);
      expect([r.decision, r.rule]).toEqual(['unknown', 'insufficient-binding']);
      expect(r.warnings.map((w) => w.code)).toEqual(['INSUFFICIENT_BINDING']);
    }
  });
});
