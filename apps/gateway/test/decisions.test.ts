/**
 * The decision table of docs/decisions.md through the gateway: for every case a registry can hold
 * (one fresh registry per case), `POST /v1/check` answers what `@assent/verifier` decides over
 * `memorySource`, and `gatewaySource` run against this gateway over a real server (where it asks
 * `POST /v1/candidates`, not the node's verdicts) decides the same.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizeWorkId, type SignedManifest } from '@assent/manifest';
import { createRegistry, type Registry, registrySource } from '@assent/registry';
import { type CheckResult, createVerifier, gatewaySource, memorySource } from '@assent/verifier';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Creators,
  type DecisionCase,
  NOW,
  readDecisionTable,
  resultSummary,
  type SignedCase,
  signCase,
} from '../../../packages/verifier/test/support/decision-table.js';
import { createGateway } from '../src/index.js';
import { cleanup, tempDir } from './support/fixture.js';

/** The §6 table is decided without identity bindings (docs/decisions.md §7 item 5); §8 has its own test. */
const TABLE_RULES = { requireBinding: false } as const;

type App = ReturnType<typeof createGateway>;

const cases = readDecisionTable();
const creators = new Creators();
const signed = new Map<string, SignedCase>();
const apps = new Map<string, App>();
const registries: Registry[] = [];
/** `METHOD route` of every request the server passed to a case's gateway, by count. */
const served = new Map<string, number>();
let server: Server;
let origin: string;

/**
 * A registry holds what a node can hold: whole chains, nothing offered "earlier" than the check, no
 * asOf (a node's own index is live). Cases about what a remote source withholds or replays (rollback,
 * missing heads, staleness) are the verifier's and run in its own suite.
 */
function holdable(c: DecisionCase, s: SignedCase): boolean {
  if (c.earlier.length > 0 || c.asOf !== undefined || c.maxAge !== undefined) return false;
  const cids = new Set(s.manifests.map((m) => m.cid));
  return s.manifests.every((m) => m.previous === undefined || cids.has(m.previous));
}

const eligible: DecisionCase[] = [];

beforeAll(async () => {
  for (const c of cases) {
    const s = await signCase(c, creators);
    signed.set(c.id, s);
    if (!holdable(c, s)) continue;
    const registry = await createRegistry({ dataDir: tempDir('assent-gateway-decisions-'), network: false });
    registries.push(registry);
    const ordered = [...s.manifests].sort((a, b) => a.version - b.version);
    let ok = true;
    for (const m of ordered) {
      const r = await registry.ingest(m.bytes);
      if (!r.ok) ok = false;
    }
    if (!ok) continue;
    eligible.push(c);
    const now = () => new Date(NOW);
    apps.set(
      c.id,
      createGateway({
        registry,
        verifier: createVerifier({ source: registrySource(registry), now, identity: TABLE_RULES }),
        now,
        log: false,
        rateLimit: false,
      }),
    );
  }
  server = createAdaptorServer({
    fetch: (request) => {
      const url = new URL(request.url);
      const m = /^\/d\/([^/]+)(\/.*)$/.exec(url.pathname);
      const app = m === null ? undefined : apps.get(decodeURIComponent(m[1] as string));
      if (m === null || app === undefined) return new Response('no such case', { status: 404 });
      url.pathname = m[2] as string;
      const key = `${request.method} ${url.pathname.startsWith('/v1/manifests/') ? '/v1/manifests/{cid}' : url.pathname}`;
      served.set(key, (served.get(key) ?? 0) + 1);
      return app.fetch(new Request(url, request));
    },
  }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await Promise.all(registries.map((r) => r.stop()));
  cleanup();
});

function sdkCheck(c: DecisionCase, manifests: readonly SignedManifest[]): Promise<CheckResult> {
  const verifier = createVerifier({
    source: memorySource(manifests),
    now: () => new Date(NOW),
    identity: TABLE_RULES,
  });
  return verifier.check({
    work: c.work,
    use: c.use,
    ...(c.org === undefined ? {} : { org: c.org }),
    ...(c.at === undefined ? {} : { at: c.at }),
  });
}

describe('docs/decisions.md through the gateway', () => {
  it('holds most of the table', () => {
    expect(eligible.length).toBeGreaterThanOrEqual(Math.floor(cases.length / 2));
  });

  for (const c of cases) {
    it(`${c.id}: POST /v1/check and gatewaySource agree with memorySource`, async (ctx) => {
      const app = apps.get(c.id);
      if (app === undefined) {
        ctx.skip();
        return;
      }
      const s = signed.get(c.id) as SignedCase;
      const expected = resultSummary(await sdkCheck(c, s.manifests));
      const res = await app.request('/v1/check', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          use: c.use,
          works: [c.work],
          ...(c.org === undefined ? {} : { org: c.org }),
          ...(c.at === undefined ? {} : { at: c.at }),
        }),
      });
      expect(res.status).toBe(200);
      const [answer] = (await res.json()).results;
      expect(resultSummary(answer), answer.reason).toEqual(expected);

      const viaHttp = createVerifier({
        source: gatewaySource(`${origin}/d/${c.id}`),
        now: () => new Date(NOW),
        identity: TABLE_RULES,
      });
      const result = await viaHttp.check({
        work: c.work,
        use: c.use,
        ...(c.org === undefined ? {} : { org: c.org }),
        ...(c.at === undefined ? {} : { at: c.at }),
      });
      expect(resultSummary(result), result.reason).toEqual(expected);
    });
  }

  it('gatewaySource found the manifests with POST /v1/candidates, never with the node’s verdicts', () => {
    // At least once per case whose work is a work id (the verifier asks no source about another).
    const wellFormed = eligible.filter((c) => normalizeWorkId(c.work).ok).length;
    expect(wellFormed).toBeGreaterThan(0);
    expect(served.get('POST /v1/candidates')).toBeGreaterThanOrEqual(wellFormed);
    expect(served.get('POST /v1/check')).toBeUndefined();
    expect(served.get('GET /v1/manifests/{cid}')).toBeGreaterThan(0);
  });
});
