import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  blockCid,
  canonicalBytes,
  generateIdentity,
  type Identity,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import {
  type CheckResult,
  createVerifier,
  gatewaySource,
  type ManifestSource,
  memoryState,
} from '@assent/verifier';
import { fileState } from '@assent/verifier/node';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assent, buildCli, json, type Served, serve } from '../../apps/cli/test/support/cli.js';
import { waitFor } from '../../packages/registry/test/child-registry.js';
import { type HostilePeer, startHostilePeer } from '../../packages/registry/test/support/hostile-peer.js';

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

/**
 * DESIGN §1 and §5 across three nodes. A, B and C are each `assent serve` (the built CLI: a Helia node,
 * a SQLite index and the HTTP gateway) in its own process on 127.0.0.1, with its own data directory;
 * B and C name A as their peer. The creator signs with the SDK and publishes over the HTTP API; the AI
 * company checks with `POST /v1/check`, `assent scan` and the verifier SDK. Nothing is faked: nodes are
 * stopped with SIGTERM, killed with SIGKILL and restarted on their data; the hostile peer is a real
 * libp2p + Helia node. Tests share the network and run in order.
 */
let dir: string;
const nodes: Record<'A' | 'B' | 'C', Served | undefined> = { A: undefined, B: undefined, C: undefined };
let hostile: HostilePeer | undefined;
let creator: Identity;
let company: Record<string, string>;
let list: string;
let v1: SignedManifest;
let v2: SignedManifest;
/** The 8 chains streamed into C (test 3), needed by the snapshot of test 4. */
let labels: Identity[] = [];

const track = (n: number) => `isrc:QZDZ526${String(n).padStart(5, '0')}`;
const TRACKS = Array.from({ length: 12 }, (_, i) => track(i + 1));
const UNCLAIMED = 'url:https://example.com/someone-else.mp3';
const MULTIADDR = /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+$/;

/** The creator's draft: no generative training, AI input with credit, and `search` as given. */
function draft(search: 'allow' | 'deny', extra: readonly string[] = []) {
  return {
    default: { 'train-genai': 'deny', search },
    works: [...TRACKS, ...extra].map((id, i) => ({
      ids: [id],
      title: `Track ${i + 1}`,
      policy: { 'ai-input': { decision: 'conditional', conditions: { attribution: 'The Flight' } } },
    })),
  };
}

function node(name: 'A' | 'B' | 'C'): Served {
  const served = nodes[name];
  if (served === undefined) throw new Error(`node ${name} is not running`);
  return served;
}

/** Runs `assent serve` on node `name`'s data directory (the same one every time), with these peers. */
async function start(name: 'A' | 'B' | 'C', peers: readonly string[]): Promise<Served> {
  const data = join(dir, `node-${name}`);
  const served = await serve(['--data', data, '--unbound-grants', ...peers.flatMap((p) => ['--peer', p])], {
    ASSENT_HOME: data,
  });
  expect(served.multiaddrs[0]).toMatch(MULTIADDR);
  nodes[name] = served;
  return served;
}

/** SIGTERM, and the exit code of a clean stop. */
async function stop(name: 'A' | 'B' | 'C'): Promise<number | null> {
  const code = await node(name).stop();
  nodes[name] = undefined;
  return code;
}

const peerIdOf = (served: Served) => (served.multiaddrs[0] as string).split('/p2p/')[1] as string;

function post(url: string, body: Uint8Array | string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body as BodyInit,
  });
}

interface Creator {
  head: string;
  version: number;
  history: { cid: string; version: number }[];
}

/** `GET /v1/creators/{did}`, or undefined on 404. */
async function creatorOn(served: Served, did: string): Promise<Creator | undefined> {
  const response = await fetch(`${served.url}/v1/creators/${did}`);
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  return (await response.json()) as Creator;
}

interface CheckBody {
  work: string;
  decision: string;
  rule: string;
  conditions?: unknown;
  evidence: { cid: string; version: number }[];
  warnings: { code: string }[];
}

/** `POST /v1/check` (the batch API an AI company calls), without the time of the check. */
async function batchCheck(served: Served, use: string, works: readonly string[]): Promise<CheckBody[]> {
  const response = await post(`${served.url}/v1/check`, JSON.stringify({ use, works }));
  expect(response.status).toBe(200);
  const body = (await response.json()) as { results: (CheckBody & { at?: string })[] };
  return body.results.map(({ at: _at, ...rest }) => rest);
}

/** The gauges of `/metrics` a node's state shows (the peer count aside) and `/healthz`. */
async function counters(
  served: Served,
): Promise<{ manifests: number; works: number; healthz: { ok: unknown; manifests: unknown } }> {
  const text = await (await fetch(`${served.url}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
  // What every node must agree on; its freshness (asOf, peers) is its own.
  const { ok, manifests } = (await (await fetch(`${served.url}/healthz`)).json()) as {
    ok: unknown;
    manifests: unknown;
  };
  return {
    manifests: gauge('assent_manifests_indexed'),
    works: gauge('assent_works_indexed'),
    healthz: { ok, manifests },
  };
}

const withoutTime = (results: readonly CheckResult[]) => results.map(({ at: _at, ...rest }) => rest);
const codes = (warnings: readonly { code: string }[]) => warnings.map((w) => w.code);

interface Report {
  summary: Record<string, number>;
  items: {
    ids: string[];
    decision: string;
    conditions?: unknown;
    evidence: { cid: string; version: number }[];
    warnings: { code: string }[];
  }[];
}

/** `assent scan` of the AI company's list through a gateway, as JSON. */
async function scan(gateway: Served, use: string, exitCode = 0): Promise<Report> {
  const run = await assent(
    [
      'scan',
      list,
      '--use',
      use,
      '--org',
      'did:web:example.ai',
      '--gateway',
      gateway.url,
      '--unbound-grants',
      '--json',
    ],
    company,
  );
  expect(run.code, run.stderr).toBe(exitCode);
  return json<Report>(run);
}

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-e2e-'));
  creator = await generateIdentity();
  company = { ASSENT_HOME: join(dir, 'company') };
  mkdirSync(company.ASSENT_HOME as string);
  list = join(dir, 'dataset.txt');
  writeFileSync(list, `${[...TRACKS, UNCLAIMED].join('\n')}\n`);
  const a = await start('A', []);
  await Promise.all([start('B', a.multiaddrs), start('C', a.multiaddrs)]);
  await waitFor(async () => ((await peersOf(a)) >= 2 ? true : undefined), 'B and C connected to A', 30_000);
}, 120_000);

async function peersOf(served: Served): Promise<number> {
  const text = await (await fetch(`${served.url}/metrics`)).text();
  return Number(/^assent_peers_connected (\d+)$/m.exec(text)?.[1]);
}

afterAll(async () => {
  await hostile?.stop();
  await Promise.all(
    (['A', 'B', 'C'] as const).map(async (name) => {
      const served = nodes[name];
      if (served === undefined) return;
      const timer = setTimeout(() => served.child.kill('SIGKILL'), 10_000);
      await served.stop();
      clearTimeout(timer);
    }),
  );
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}, 60_000);

describe('three nodes on loopback', () => {
  it('a creator publishes on A; C answers the AI company’s batch check and scan within seconds', async () => {
    v1 = await signManifest(draft('allow'), { identity: creator });
    const published = await post(`${node('A').url}/v1/manifests`, v1.bytes);
    expect(published.status).toBe(201);
    expect(await published.json()).toEqual({ cid: v1.cid, issuer: creator.did, version: 1, forked: false });

    // Replication takes what it takes: poll C's batch API until every track is decided by v1.
    const checked = await waitFor(
      async () => {
        const results = await batchCheck(node('C'), 'train-genai', [...TRACKS, UNCLAIMED]);
        return results.slice(0, 12).every((r) => r.evidence[0]?.cid === v1.cid) ? results : undefined;
      },
      'v1 to reach C',
      30_000,
    );
    expect(checked.map((r) => r.decision)).toEqual([...TRACKS.map(() => 'deny'), 'unknown']);
    expect(checked[12]).toMatchObject({ work: UNCLAIMED, rule: 'no-claimant', evidence: [] });
    // C's /metrics counts what replication brought it.
    const cMetrics = await (await fetch(`${node('C').url}/metrics`)).text();
    expect(Number(/^assent_replication_manifests_total (\d+)$/m.exec(cMetrics)?.[1])).toBeGreaterThan(0);

    const report = await scan(node('C'), 'ai-input');
    expect(report.summary).toMatchObject({ items: 13, conditional: 12, unknown: 1, allow: 0, deny: 0 });
    for (const item of report.items.slice(0, 12)) {
      expect(item).toMatchObject({ decision: 'conditional', conditions: { attribution: 'The Flight' } });
      expect(item.evidence[0]).toMatchObject({ cid: v1.cid, version: 1 });
    }
  }, 60_000);

  it('B, stopped before a revocation and back on its old data, never tells a verifier that saw it “allow”; then it catches up', async () => {
    // B's old data is version 1: wait until replication brought it there (the first test waited for C
    // only, and a loaded machine once stopped B before it had v1, so B came back with nothing).
    await waitFor(
      async () => ((await creatorOn(node('B'), creator.did))?.head === v1.cid ? true : undefined),
      'v1 to reach B',
      30_000,
    );
    expect(await stop('B')).toBe(0);
    v2 = await signManifest(draft('deny'), { identity: creator, head: v1 });
    const revoked = await post(`${node('A').url}/v1/manifests`, v2.bytes);
    expect(revoked.status).toBe(201);
    expect(await revoked.json()).toMatchObject({ cid: v2.cid, version: 2 });

    // The AI company's verifier (rollback memory in a file) checks through A and sees the revocation.
    // Its source can be pointed at another gateway, as a client failing over to another mirror does.
    const statePath = join(dir, 'company-sdk', 'verifier-state.json');
    let gateway = gatewaySource(node('A').url);
    const failover: ManifestSource = {
      candidates: (works, options) => gateway.candidates(works, options),
      heads: async (issuers, options) => {
        if (gateway.heads === undefined) throw new Error('gatewaySource answers heads');
        return gateway.heads(issuers, options);
      },
    };
    const verifier = createVerifier({ source: failover, state: fileState(statePath), identity: UNBOUND });
    const viaA = await verifier.checkMany({ works: TRACKS, use: 'search' });
    for (const result of viaA) {
      expect(result).toMatchObject({ decision: 'deny', warnings: [] });
      expect(result.evidence[0]).toMatchObject({ cid: v2.cid, version: 2 });
    }
    // C hears of it too, and the company's CLI scan through C reflects it (its memory: version 2).
    await waitFor(
      async () => ((await creatorOn(node('C'), creator.did))?.head === v2.cid ? true : undefined),
      'v2 to reach C',
      30_000,
    );
    expect((await scan(node('C'), 'search')).summary).toMatchObject({ deny: 12, allow: 0, unknown: 1 });

    // B comes back on its old data with no peer: it still serves version 1 as the head.
    const b = await start('B', []);
    expect(await creatorOn(b, creator.did)).toMatchObject({ head: v1.cid, version: 1 });
    expect(await peersOf(b)).toBe(0);
    // What B says to anyone without memory: allow (so the rollback below is real, not assumed).
    expect((await batchCheck(b, 'search', TRACKS)).map((r) => r.decision)).toEqual(TRACKS.map(() => 'allow'));
    const amnesic = await createVerifier({
      source: gatewaySource(b.url),
      state: memoryState(),
      identity: UNBOUND,
    }).checkMany({
      works: TRACKS,
      use: 'search',
    });
    expect(amnesic.map((r) => r.decision)).toEqual(TRACKS.map(() => 'allow'));

    // The verifier that saw version 2 fails over to B: rollback detected, the remembered v2 decides.
    gateway = gatewaySource(b.url);
    const viaStaleB = await verifier.checkMany({ works: TRACKS, use: 'search' });
    for (const result of viaStaleB) {
      expect(result.decision).toBe('deny');
      expect(codes(result.warnings)).toContain('ROLLBACK_DETECTED');
      expect(result.evidence[0]).toMatchObject({ cid: v2.cid, version: 2 });
    }
    // A verifier started afresh on the same state file holds v2's version, not its content: deny.
    const fresh = createVerifier({
      source: gatewaySource(b.url),
      state: fileState(statePath),
      identity: UNBOUND,
    });
    for (const result of await fresh.checkMany({ works: TRACKS, use: 'search' })) {
      expect(result).toMatchObject({ decision: 'deny', rule: 'content-unavailable' });
      expect(codes(result.warnings)).toContain('ROLLBACK_DETECTED');
    }
    // The CLI, whose memory is in the company's home, is not fooled either.
    // The whole report, and ROLLBACK_DETECTED's exit code (docs/errors.md): 5.
    const cliViaB = await scan(b, 'search', 5);
    expect(cliViaB.summary).toMatchObject({ allow: 0, deny: 12, unknown: 1 });
    for (const item of cliViaB.items.slice(0, 12))
      expect(codes(item.warnings)).toContain('ROLLBACK_DETECTED');
    // Nothing B said lowered the remembered version.
    expect((await fileState(statePath).load([creator.did])).get(creator.did)).toMatchObject({
      version: 2,
      cids: [v2.cid],
    });

    // B rejoins the network, catches up, and then answers as A does.
    expect(await stop('B')).toBe(0);
    const rejoined = await start('B', node('A').multiaddrs);
    const caughtUp = await waitFor(
      async () => {
        const state = await creatorOn(rejoined, creator.did);
        return state?.head === v2.cid ? state : undefined;
      },
      'B to catch up with v2',
      30_000,
    );
    expect(caughtUp.history.map((m) => m.cid)).toEqual([v1.cid, v2.cid]);
    gateway = gatewaySource(rejoined.url);
    const viaB = await verifier.checkMany({ works: TRACKS, use: 'search' });
    gateway = gatewaySource(node('A').url);
    const again = await verifier.checkMany({ works: TRACKS, use: 'search' });
    expect(withoutTime(viaB)).toEqual(withoutTime(again));
    expect(withoutTime(viaB)).toEqual(withoutTime(viaA));
    const freshViaB = createVerifier({
      source: gatewaySource(rejoined.url),
      state: fileState(statePath),
      identity: UNBOUND,
    });
    expect(withoutTime(await freshViaB.checkMany({ works: TRACKS, use: 'search' }))).toEqual(
      withoutTime(viaA),
    );
  }, 120_000);

  it('C, killed with SIGKILL in the middle of an ingest stream, keeps every manifest it acknowledged and replicates afterwards', async () => {
    // 8 labels, a chain of 12 versions each, posted to C: one request in flight per chain.
    labels = await Promise.all(Array.from({ length: 8 }, () => generateIdentity()));
    const chains: SignedManifest[][] = [];
    for (const [l, label] of labels.entries()) {
      const chain: SignedManifest[] = [];
      for (let v = 1; v <= 12; v++) {
        const head = chain[chain.length - 1];
        const work = { ids: [`isrc:QZL${l}026${String(v).padStart(5, '0')}`], title: `Release ${v}` };
        chain.push(
          await signManifest(
            { default: { all: 'deny' }, works: [work] },
            { identity: label, ...(head === undefined ? {} : { head }) },
          ),
        );
      }
      chains.push(chain);
    }
    const c = node('C');
    const died = new Promise<NodeJS.Signals | null>((resolve) =>
      c.child.once('exit', (_code, signal) => resolve(signal)),
    );
    const acked: SignedManifest[] = [];
    const refused: string[] = [];
    let killed = false;
    await Promise.all(
      chains.map(async (chain) => {
        for (const manifest of chain) {
          if (killed) return;
          let response: Response;
          try {
            response = await post(`${c.url}/v1/manifests`, manifest.bytes);
          } catch {
            return; // the connection died with the node: not acknowledged
          }
          if (response.status !== 201) {
            refused.push(`${response.status} ${await response.text()}`);
            return;
          }
          acked.push(manifest); // 201 received: acknowledged, whatever happens next
          await response.arrayBuffer().catch(() => undefined);
          if (acked.length === 40 && !killed) {
            killed = true;
            c.child.kill('SIGKILL');
          }
        }
      }),
    );
    expect(refused).toEqual([]);
    expect(await died).toBe('SIGKILL');
    nodes.C = undefined;
    expect(acked.length).toBeGreaterThanOrEqual(40);
    expect(acked.length).toBeLessThan(96);

    // Back with no peer, so that nothing can be refilled from the network: all of it is on C's disk.
    const alone = await start('C', []);
    for (const manifest of acked) {
      const response = await fetch(`${alone.url}/v1/manifests/${manifest.cid}`);
      expect(response.status, manifest.cid).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(manifest.bytes))).toBe(true);
    }
    const heldVersions: number[] = [];
    for (const [l, chain] of chains.entries()) {
      const lastAcked = Math.max(
        0,
        ...acked.filter((m) => m.issuer === labels[l]?.did).map((m) => m.version),
      );
      const state = await creatorOn(alone, (labels[l] as Identity).did);
      const version = state?.version ?? 0;
      // The last acknowledged version, or the one that was being written when the node died.
      expect(version).toBeGreaterThanOrEqual(lastAcked);
      expect(version).toBeLessThanOrEqual(lastAcked + 1);
      if (state !== undefined) {
        expect(state.head).toBe(chain[version - 1]?.cid);
        expect(state.history.map((m) => m.cid)).toEqual(chain.slice(0, version).map((m) => m.cid));
      }
      heldVersions.push(version);
    }

    // Back among its peers: the rest of the stream goes to C, and every chain reaches A and B whole.
    expect(await stop('C')).toBe(0);
    const rejoined = await start('C', node('A').multiaddrs);
    for (const [l, chain] of chains.entries()) {
      for (const manifest of chain.slice(heldVersions[l])) {
        const response = await post(`${rejoined.url}/v1/manifests`, manifest.bytes);
        expect(response.status, await response.text()).toBe(201);
      }
    }
    for (const served of [node('A'), node('B'), rejoined]) {
      await waitFor(
        async () => {
          for (const [l, chain] of chains.entries()) {
            const state = await creatorOn(served, (labels[l] as Identity).did);
            if (state?.head !== chain[11]?.cid) return undefined;
          }
          return true;
        },
        `every chain on ${served.url}`,
        30_000,
      );
    }
    for (const served of [node('A'), node('B')]) {
      for (const manifest of acked) {
        const response = await fetch(`${served.url}/v1/manifests/${manifest.cid}`);
        expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(manifest.bytes))).toBe(true);
      }
    }
  }, 120_000);

  it('a peer injecting invalid manifests over gossipsub, the catch-up protocol and HTTP changes nothing anywhere', async () => {
    const all = [node('A'), node('B'), node('C')];
    const mallory = await generateIdentity();
    const dids = [creator.did, mallory.did, ...labels.map((l) => l.did)];
    const snapshot = async (served: Served) => ({
      counters: await counters(served),
      creators: await Promise.all(dids.map((did) => creatorOn(served, did))),
      search: await batchCheck(served, 'search', [...TRACKS, UNCLAIMED]),
      ai: await batchCheck(served, 'ai-input', TRACKS),
    });
    const before = await Promise.all(all.map(snapshot));
    // All three agree before the attack.
    expect(before[1]).toEqual(before[0]);
    expect(before[2]).toEqual(before[0]);

    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    /** One family of invalid blocks; `tag` makes each family's CIDs its own. */
    const invalidBlocks = async (tag: 'gossip' | 'sync') => {
      // A "v3" of the creator's chain that undoes the revocation, signed with Mallory's key: her key
      // (issuer and verification method) replaced with the creator's after signing.
      const mine = await signManifest(
        { default: { all: 'allow' }, works: [{ ids: [track(1)], title: tag }] },
        { identity: mallory, head: { cid: v2.cid, version: 2 } },
      );
      const key = (did: string) => did.slice('did:key:'.length);
      const forged = canonicalBytes(
        JSON.parse(text(mine.bytes).replaceAll(key(mallory.did), key(creator.did))),
      );
      // The creator's real v2 with one decision flipped after signing.
      const use = tag === 'gossip' ? 'search' : 'train-genai';
      const tampered = new TextEncoder().encode(
        text(v2.bytes).replace(`"${use}":"deny"`, `"${use}":"allow"`),
      );
      // Mallory's version 2, whose version 1 nobody has.
      const gap = await signManifest(
        { works: [{ ids: [track(2)], title: tag }] },
        { identity: mallory, head: { cid: blockCid(canonicalBytes({ never: tag })), version: 1 } },
      );
      const notCanonical = new TextEncoder().encode(
        JSON.stringify(JSON.parse(text(v1.bytes)), null, tag.length),
      );
      const notAManifest = canonicalBytes({ hello: tag });
      const oversize = canonicalBytes({ junk: `${tag}${'x'.repeat(1_100_000)}` });
      return { forged, tampered, gap: gap.bytes, notCanonical, notAManifest, oversize };
    };
    const gossip = await invalidBlocks('gossip');
    const sync = await invalidBlocks('sync');
    expect(text(gossip.tampered)).not.toBe(text(v2.bytes));

    hostile = await startHostilePeer(dir);
    const gossipCids = await hostile.serve(Object.values(gossip));
    const syncCids = await hostile.serve(Object.values(sync));
    hostile.lieInSync(syncCids);
    for (const served of all) await hostile.connect(served.multiaddrs[0] as string);
    const rawCid = CID.createV1(raw.code, await sha256.digest(new Uint8Array([1, 2, 3]))).toString();
    for (const announcement of ['garbage', '', rawCid, 'x'.repeat(5000), ...gossipCids]) {
      const recipients = await hostile.announce(announcement);
      expect(recipients.sort()).toEqual(all.map(peerIdOf).sort());
    }

    // The same through each node's HTTP API: a clear 4xx each, nothing stored.
    const httpCases: [string, Uint8Array | string, number, string][] = [
      ['forged', gossip.forged, 422, 'SIGNATURE_INVALID'],
      ['tampered', gossip.tampered, 422, 'SIGNATURE_INVALID'],
      ['gap', gossip.gap, 409, 'CHAIN_PREVIOUS_UNKNOWN'],
      ['not a manifest', gossip.notAManifest, 422, 'MANIFEST_SCHEMA'],
      ['oversize', gossip.oversize, 413, 'BODY_TOO_LARGE'],
      ['garbage', '{"@context": [', 400, 'JSON_SYNTAX'],
    ];
    for (const served of all) {
      for (const [what, body, status, code] of httpCases) {
        const response = await post(`${served.url}/v1/manifests`, body);
        const answer = (await response.json()) as { error?: { code?: unknown } };
        expect([what, response.status, answer.error?.code]).toEqual([what, status, code]);
      }
    }

    // Every node is done with the hostile peer: it fetched every block the peer announced or listed
    // (one bitswap read each) and asked for its log a second time, which it does only once all of the
    // first answer was dealt with; or its peer accounting found that the peer only wasted fetches and
    // cut it off (docs/operations.md, "Peer accounting"), dropping the rest.
    const names = [
      ...Object.keys(gossip).map((k) => `gossip ${k}`),
      ...Object.keys(sync).map((k) => `sync ${k}`),
    ];
    const reads = (): Record<string, number> =>
      Object.fromEntries(
        [...gossipCids, ...syncCids].map((cid, i) => [names[i], hostile?.served.get(cid) ?? 0]),
      );
    const penalized = async (served: Served) => {
      const text = await (await fetch(`${served.url}/metrics`)).text();
      return Number(/^assent_replication_penalized_total (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const done = async () => {
      const cut = await Promise.all(all.map(penalized));
      const asked = all.map((s) => (hostile?.syncRequests.get(peerIdOf(s)) ?? 0) >= 2);
      const everyBlock = Object.values(reads()).every((n) => n >= 3);
      return all.every((_, i) => (cut[i] as number) >= 1 || (asked[i] && everyBlock)) ? true : undefined;
    };
    await waitFor(done, 'every node to be done with the hostile peer', 30_000).catch((error: Error) => {
      throw new Error(
        `${error.message}: ${JSON.stringify({ reads: reads(), syncs: [...(hostile?.syncRequests ?? [])] })}`,
      );
    });
    const after = await Promise.all(all.map(snapshot));
    expect(after).toEqual(before);
    for (const served of all) {
      for (const cid of [...gossipCids, ...syncCids]) {
        expect((await fetch(`${served.url}/v1/manifests/${cid}`)).status, cid).toBe(404);
      }
    }
    await hostile.stop();
    hostile = undefined;

    // The network still works: the creator's next version reaches every node, and each answers with it.
    const v3 = await signManifest(draft('deny', [track(13)]), { identity: creator, head: v2 });
    expect((await post(`${node('A').url}/v1/manifests`, v3.bytes)).status).toBe(201);
    for (const served of all) {
      await waitFor(
        async () => ((await creatorOn(served, creator.did))?.head === v3.cid ? true : undefined),
        `v3 on ${served.url}`,
        30_000,
      );
      const results = await createVerifier({
        source: gatewaySource(served.url),
        identity: UNBOUND,
      }).checkMany({
        works: [...TRACKS, track(13)],
        use: 'search',
      });
      for (const result of results) {
        expect(result).toMatchObject({ decision: 'deny', warnings: [] });
        expect(result.evidence[0]).toMatchObject({ cid: v3.cid, version: 3 });
      }
      const { counters: now } = await snapshot(served);
      expect(now.manifests).toBe((before[0]?.counters.manifests as number) + 1);
      expect(await creatorOn(served, mallory.did)).toBeUndefined();
    }
  }, 120_000);
});
