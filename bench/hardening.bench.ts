/**
 * Node hardening benchmarks (issue 17), each against the same work on a quiet node in the same run:
 * - honest catalog publish latency p99 while 20 posts wait for pages nobody has, against the same
 *   publishes on an idle node (bar: ≤ 2×, reported as idle p99 / jammed p99 ≥ 0.5);
 * - replication A→B p50 while a hostile peer floods A with announcements of CIDs nobody has, against
 *   replication p50 without the flood (bar: p50 < 2 s under the flood);
 * - ingest of a creator's next version and a lookup of its works, for a creator with 10,000 versions
 *   and one with 8 branch heads, against a fresh creator (bar: ≤ 2×, reported as fresh / long ≥ 0.5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  blockCid,
  generateIdentity,
  type Identity,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import { createRegistry, type Registry } from '@assent/registry';
import { startHostilePeer } from '../packages/registry/test/support/hostile-peer.js';
import type { ComparisonResult } from './harness.js';

const PUBLISHES = 40;
const REPLICATIONS = 30;
const LONG_HISTORY = 10_000;
const PROBES = 200;

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
};

async function catalog(identity: Identity, tag: string): Promise<SignedManifest> {
  const works = Array.from({ length: 30 }, (_, i) => ({ ids: [`url:https://label.example/${tag}/${i}`] }));
  return signManifest({ works }, { identity, inlineBudgetBytes: 0 });
}

async function publishLatencies(registry: Registry, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < PUBLISHES; i++) {
    const m = await catalog(await generateIdentity(), `${tag}-${i}`);
    const t0 = process.hrtime.bigint();
    const result = await registry.ingest(m.bytes, { pages: m.pages.map((p) => p.bytes) });
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    out.push(ms(t0));
  }
  return out;
}

async function jammedPublish(dir: string): Promise<ComparisonResult> {
  const idle = await createRegistry({ dataDir: join(dir, 'idle') });
  const idleP99 = percentile(await publishLatencies(idle, 'idle'), 0.99);
  await idle.stop();
  const jammed = await createRegistry({ dataDir: join(dir, 'jammed') });
  const jammers = await Promise.all(
    Array.from({ length: 20 }, async () => catalog(await generateIdentity(), 'jam')),
  );
  const jamming = jammers.map((m) => jammed.ingest(m.bytes));
  const jammedP99 = percentile(await publishLatencies(jammed, 'jammed'), 0.99);
  await Promise.all(jamming);
  await jammed.stop();
  return {
    name: `honest catalog publish p99 with 20 jamming posts in flight: ${jammedP99.toFixed(1)} ms (idle ${idleP99.toFixed(1)} ms; bar ≤ 2×)`,
    unit: 'publishes',
    baselineName: 'the same publishes on an idle node',
    candidatePerSecond: 1000 / jammedP99,
    baselinePerSecond: 1000 / idleP99,
    ratio: idleP99 / jammedP99,
    bar: 0.5,
    pass: idleP99 / jammedP99 >= 0.5,
  };
}

async function replicationP50(a: Registry, b: Registry): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < REPLICATIONS; i++) {
    const m = await signManifest({ works: [] }, { identity: await generateIdentity() });
    const t0 = process.hrtime.bigint();
    await a.ingest(m.bytes);
    while (b.head(m.issuer) === undefined) {
      if (ms(t0) > 30_000) throw new Error('replication took over 30 s');
      await new Promise((r) => setTimeout(r, 2));
    }
    latencies.push(ms(t0));
  }
  return percentile(latencies, 0.5);
}

async function floodedReplication(dir: string): Promise<ComparisonResult> {
  const a = await createRegistry({ dataDir: join(dir, 'flood-a'), fetchTimeoutMs: 2_000 });
  const b = await createRegistry({
    dataDir: join(dir, 'flood-b'),
    peers: a.multiaddrs(),
    fetchTimeoutMs: 2_000,
  });
  while (b.stats().connections === 0) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 1000));
  const quiet = await replicationP50(a, b);
  // The flooder announces to B, which fetches; A publishes honestly.
  const hostile = await startHostilePeer(dir);
  await hostile.connect(b.multiaddrs()[0] as string);
  let stop = false;
  const flood = (async () => {
    for (let i = 0; i < 10_000 && !stop; i++) {
      const sent = await hostile
        .announce(blockCid(crypto.getRandomValues(new Uint8Array(32))))
        .catch(() => []);
      if (sent.length === 0) break;
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
  })();
  const flooded = await replicationP50(a, b);
  stop = true;
  await flood;
  const penalized = b.stats().penalized;
  await hostile.stop();
  await b.stop();
  await a.stop();
  return {
    name: `replication A→B p50 while a peer floods B with announcements: ${flooded.toFixed(1)} ms (quiet ${quiet.toFixed(1)} ms; flooder penalized: ${penalized}; bar < 2,000 ms)`,
    unit: 'replications',
    baselineName: 'replication without the flood',
    candidatePerSecond: 1000 / flooded,
    baselinePerSecond: 1000 / quiet,
    ratio: quiet / flooded,
    bar: null,
    pass: flooded < 2000,
  };
}

/** Mean time of an ingest of the next version and of a lookup, for one creator. */
async function perCreatorCost(registry: Registry, identity: Identity, head: SignedManifest): Promise<number> {
  let current = head;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < PROBES; i++) {
    current = await signManifest(
      { works: [{ ids: [`url:https://probe.example/${identity.did.slice(-6)}/${i}`] }] },
      { identity, head: current },
    );
    const result = await registry.ingest(current.bytes);
    if (!result.ok) throw new Error(result.message);
    await registry.lookupWorks([`url:https://probe.example/${identity.did.slice(-6)}/${i}`]);
  }
  return ms(t0) / PROBES;
}

async function longCreators(dir: string): Promise<ComparisonResult> {
  const registry = await createRegistry({ dataDir: join(dir, 'long'), network: false });
  const long = await generateIdentity();
  let head: SignedManifest | undefined;
  for (let v = 1; v <= LONG_HISTORY; v++) {
    head = await signManifest({ works: [] }, { identity: long, ...(head === undefined ? {} : { head }) });
    await registry.ingest(head.bytes);
  }
  const forked = await generateIdentity();
  const root = await signManifest({ works: [] }, { identity: forked });
  await registry.ingest(root.bytes);
  let branchHead = root;
  for (let b = 0; b < 8; b++) {
    branchHead = await signManifest(
      { works: [{ ids: [`isrc:QZDZ5270000${b}`] }] },
      { identity: forked, head: root },
    );
    await registry.ingest(branchHead.bytes);
  }
  const fresh = await generateIdentity();
  const freshHead = await signManifest({ works: [] }, { identity: fresh });
  await registry.ingest(freshHead.bytes);
  const freshCost = await perCreatorCost(registry, fresh, freshHead);
  const longCost = await perCreatorCost(registry, long, head as SignedManifest);
  const forkedCost = await perCreatorCost(registry, forked, branchHead);
  await registry.stop();
  const worst = Math.max(longCost, forkedCost);
  return {
    name: `ingest + lookup for a creator with ${LONG_HISTORY.toLocaleString('en')} versions: ${longCost.toFixed(2)} ms, with 8 branches: ${forkedCost.toFixed(2)} ms (bar ≤ 2× a fresh creator's)`,
    unit: 'ingests',
    baselineName: `a fresh creator: ${freshCost.toFixed(2)} ms`,
    candidatePerSecond: 1000 / worst,
    baselinePerSecond: 1000 / freshCost,
    ratio: freshCost / worst,
    bar: 0.5,
    pass: freshCost / worst >= 0.5,
  };
}

export async function hardeningBenchmarks(): Promise<ComparisonResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'assent-bench-hardening-'));
  try {
    return [await jammedPublish(dir), await floodedReplication(dir), await longCreators(dir)];
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}
