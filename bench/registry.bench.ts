/**
 * `@assent/registry` benchmarks (DESIGN §5):
 * - ingest, bar ≥ 1,000 manifests/s sustained (absolute); baseline: `verifyManifest` alone on the same
 *   bytes, the floor any ingest pays (the ratio shows what storing, chaining and indexing add);
 * - `lookupWorks` with 1,000,000 works indexed, bar ≥ 100,000 ids/s (absolute); baseline: the bare
 *   SQLite query the registry runs (each key probes the works index) on the same index file, without
 *   normalization, url-prefixes, manifest rows or bytes (the ratio shows what the registry adds);
 * - RSS of a node process (Helia running) holding 1,000,000 indexed works after lookups, bar ≤ 400 MB,
 *   measured in a fresh child process that opens the data directory built here;
 * - replication A→B (two nodes on loopback in this process): latency per manifest, bar < 2 s; the rate
 *   column is sequential manifests/s, against local ingest on A of the same manifests.
 * Setup uses ten labels with 100,000 works each in catalog pages, so 1,000,000 works take ten manifests.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  generateIdentity,
  type Identity,
  type SignedManifest,
  signManifest,
  verifyManifest,
} from '@assent/manifest';
import { createRegistry, type Registry } from '@assent/registry';
import { type ComparisonResult, compare } from './harness.js';
import { INGEST_BATCH, INGEST_CONCURRENCY, inParallel, isrc, LABELS, WORKS_PER_LABEL } from './workload.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LOOKUP_BATCH = 10_000;
const REPLICATIONS = 40;

async function signBatch(identities: Identity[], batch: number): Promise<SignedManifest[]> {
  const out: SignedManifest[] = [];
  for (let i = 0; i < INGEST_BATCH; i++) {
    const identity = identities[(batch * INGEST_BATCH + i) % identities.length] as Identity;
    out.push(
      await signManifest(
        {
          default: { 'train-genai': 'deny', search: 'allow' },
          works: Array.from({ length: 12 }, (_, w) => ({ ids: [`url:https://b${batch}.example/${i}/${w}`] })),
        },
        { identity },
      ),
    );
  }
  return out;
}

async function ingestBenchmark(dir: string): Promise<ComparisonResult> {
  const registry = await createRegistry({ dataDir: join(dir, 'ingest') });
  // Each round needs manifests the node has not seen (a repeat is a no-op): 1 warm-up + 7 rounds.
  const batches: SignedManifest[][] = [];
  for (let b = 0; b < 8; b++) {
    const identities = await Promise.all(Array.from({ length: INGEST_BATCH }, () => generateIdentity()));
    batches.push(await signBatch(identities, b));
  }
  let round = 0;
  const probe = batches[0] as SignedManifest[];
  const result = await compare({
    name: 'registry ingest (12-work manifests, 64 in flight; bar ≥ 1,000/s)',
    unit: 'manifests',
    bar: null,
    baselineName: 'verifyManifest alone',
    ops: INGEST_BATCH,
    candidate: async () => {
      const batch = batches[round++] as SignedManifest[];
      await inParallel(batch, INGEST_CONCURRENCY, async (m) => {
        const r = await registry.ingest(m.bytes);
        if (!r.ok) throw new Error(r.code);
      });
    },
    baseline: async () => {
      await inParallel(probe, INGEST_CONCURRENCY, (m) => verifyManifest(m.bytes, { requireCanonical: true }));
    },
  });
  await registry.stop();
  return { ...result, pass: result.candidatePerSecond >= 1000 };
}

async function buildMillion(dataDir: string): Promise<void> {
  const registry = await createRegistry({ dataDir, network: false });
  for (let label = 0; label < LABELS; label++) {
    const identity = await generateIdentity();
    const works = Array.from({ length: WORKS_PER_LABEL }, (_, n) => ({ ids: [isrc(label, n)] }));
    const signed = await signManifest({ default: { 'train-genai': 'deny' }, works }, { identity });
    const result = await registry.ingest(signed.bytes, { pages: signed.pages.map((p) => p.bytes) });
    if (!result.ok) throw new Error(result.code);
  }
  await registry.stop();
}

function lookupIds(round: number): string[] {
  // Half hits spread over every label and page, half misses.
  return Array.from({ length: LOOKUP_BATCH }, (_, i) => {
    const k = Math.floor(i / 2);
    const n = (k * 7919 + round * 104_729) % WORKS_PER_LABEL;
    return i % 2 === 0 ? isrc(k % LABELS, n) : isrc(999, n);
  });
}

async function lookupBenchmark(dataDir: string): Promise<ComparisonResult> {
  // The baseline reads its own copy of the index: a registry holds its SQLite file exclusively. The
  // registry that built it has stopped, so the file is whole (its WAL was checkpointed on close).
  const copy = join(dataDir, 'baseline.sqlite');
  copyFileSync(join(dataDir, 'index.sqlite'), copy);
  const registry = await createRegistry({ dataDir });
  const requireFromRegistry = createRequire(join(ROOT, 'packages/registry/package.json'));
  const Database = requireFromRegistry('better-sqlite3') as new (
    file: string,
    options: { readonly: boolean },
  ) => {
    prepare(sql: string): { raw(): { all(...params: unknown[]): unknown[] } };
    close(): void;
  };
  const db = new Database(copy, { readonly: true });
  const bare = db
    .prepare(
      'SELECT DISTINCT w.manifest, w.page FROM json_each(?) AS k CROSS JOIN works AS w ON w.work = k.value',
    )
    .raw();
  const rounds = Array.from({ length: 8 }, (_, r) => lookupIds(r));
  let c = 0;
  let b = 0;
  const result = await compare({
    name: `registry lookupWorks, ${(LABELS * WORKS_PER_LABEL).toLocaleString('en-US')} works indexed (bar ≥ 100,000/s)`,
    unit: 'ids',
    bar: null,
    baselineName: 'the same SQLite query, bare',
    ops: LOOKUP_BATCH,
    candidate: async () => {
      const found = await registry.lookupWorks(rounds[c++ % rounds.length] as string[]);
      if (found.length !== LABELS) throw new Error(`expected ${LABELS} candidates, got ${found.length}`);
    },
    baseline: () => {
      bare.all(JSON.stringify(rounds[b++ % rounds.length]));
    },
  });
  db.close();
  await registry.stop();
  return { ...result, pass: result.candidatePerSecond >= 100_000 };
}

/** RSS of a fresh node process over the built directory, after a few lookups (see the bottom of this file). */
async function measureRss(dataDir: string): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fileURLToPath(import.meta.url)],
    {
      cwd: ROOT,
      env: { ...process.env, ASSENT_BENCH_RSS_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await new Promise((resolve) => child.once('exit', resolve));
  const rss = Number.parseInt(out.trim().split('\n').at(-1) ?? '', 10);
  if (!Number.isFinite(rss)) throw new Error(`RSS child printed ${out}`);
  return rss;
}

async function replicationBenchmark(dir: string): Promise<ComparisonResult> {
  const a = await createRegistry({ dataDir: join(dir, 'repl-a') });
  const b = await createRegistry({ dataDir: join(dir, 'repl-b'), peers: a.multiaddrs() });
  const local = await createRegistry({ dataDir: join(dir, 'repl-local'), network: false });
  while (b.stats().connections === 0) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 1000));
  const identities = await Promise.all(Array.from({ length: REPLICATIONS }, () => generateIdentity()));
  const manifests = await Promise.all(
    identities.map((identity) => signManifest({ works: [] }, { identity })),
  );
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  for (const m of manifests) {
    const t0 = process.hrtime.bigint();
    await a.ingest(m.bytes);
    while (b.head(m.issuer) === undefined) {
      if (Number(process.hrtime.bigint() - t0) > 30e9) throw new Error('replication took over 30 s');
      await new Promise((r) => setImmediate(r));
    }
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const replicatedPerSecond = REPLICATIONS / (Number(process.hrtime.bigint() - start) / 1e9);
  const t1 = process.hrtime.bigint();
  for (const m of manifests) await local.ingest(m.bytes);
  const localPerSecond = REPLICATIONS / (Number(process.hrtime.bigint() - t1) / 1e9);
  await b.stop();
  await a.stop();
  await local.stop();
  const sorted = [...latencies].sort((x, y) => x - y);
  const p50 = sorted[Math.floor(sorted.length / 2)] as number;
  const max = sorted.at(-1) as number;
  return {
    name: `registry replication A→B, loopback: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms (bar < 2,000 ms)`,
    unit: 'manifests',
    baselineName: 'local ingest, sequential',
    candidatePerSecond: replicatedPerSecond,
    baselinePerSecond: localPerSecond,
    ratio: replicatedPerSecond / localPerSecond,
    bar: null,
    pass: max < 2000,
  };
}

export async function registryBenchmarks(): Promise<ComparisonResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'assent-bench-registry-'));
  try {
    const ingest = await ingestBenchmark(dir);
    const millionDir = join(dir, 'million');
    await buildMillion(millionDir);
    const lookup = await lookupBenchmark(millionDir);
    const rss = await measureRss(millionDir);
    const replication = await replicationBenchmark(dir);
    const rssMb = rss / 2 ** 20;
    return [
      ingest,
      {
        ...lookup,
        name: `${lookup.name}; node RSS ${rssMb.toFixed(0)} MB (bar ≤ 400 MB)`,
        pass: lookup.pass === true && rssMb <= 400,
      },
      replication,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

// Child mode for measureRss: open the node (Helia running), look works up, print the RSS in bytes.
const rssDir = process.env.ASSENT_BENCH_RSS_DIR;
if (rssDir !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) {
  const registry: Registry = await createRegistry({ dataDir: rssDir });
  for (let r = 0; r < 8; r++) await registry.lookupWorks(lookupIds(r));
  console.log(process.memoryUsage().rss);
  await registry.stop();
}
