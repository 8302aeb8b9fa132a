/**
 * The transparency log and check receipts (issue 18), each against the same work without them, in
 * the same run:
 * - `POST /v1/check?receipt=1`, 10,000 works per request, two in flight, against the same batches
 *   without `receipt=1` (bar ≥ 0.9×): what the chunk hashes, the log proofs and one signature cost.
 *   200,000 works indexed (two labels in catalog pages); half of each batch hits. A receipt is
 *   verified once before the rounds.
 * - ingest with the log, against the same ingest path with the log's append left out (bar ≥ 0.9×):
 *   the registry's own ingester over real stores in a temp dir, 64 in flight, 12-work manifests. The
 *   baseline's ingester is given a log that appends nothing: the only way to run the same ingest
 *   without a log, since a node always keeps one.
 * - `verifyReceipt` of a 10,000-result batch receipt with its results (no bar; the figure in ms is
 *   reported), against hashing the same answer's bytes once (the least any check of them costs).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '@assent/gateway';
import { generateIdentity, type SignedManifest, signManifest } from '@assent/manifest';
import { createRegistry } from '@assent/registry';
import { type ConsentCheckReceipt, verifyReceipt } from '@assent/verifier/receipt';
import { BlockStore } from '../packages/registry/src/block-store.js';
import { openIndexDatabase } from '../packages/registry/src/index-database.js';
import { Ingester } from '../packages/registry/src/ingester.js';
import { ManifestIndex } from '../packages/registry/src/manifest-index.js';
import { NodeLog } from '../packages/registry/src/node-log.js';
import { type ComparisonResult, compare } from './harness.js';
import { loader } from './load-generator.js';
import { INGEST_BATCH, INGEST_CONCURRENCY, inParallel, isrc, signIngestBatch } from './workload.js';

const BATCH = 10_000;
const LABELS = 2;
const WORKS_PER_LABEL = 100_000;
const POST_REQUESTS = 8;
const POST_CONCURRENCY = 2;

async function receiptBenchmarks(dir: string): Promise<ComparisonResult[]> {
  const registry = await createRegistry({ dataDir: join(dir, 'receipts'), network: false });
  for (let label = 0; label < LABELS; label++) {
    const works = Array.from({ length: WORKS_PER_LABEL }, (_, n) => ({ ids: [isrc(label, n)] }));
    const signed = await signManifest(
      { default: { 'train-genai': 'deny' }, works },
      { identity: await generateIdentity() },
    );
    const r = await registry.ingest(signed.bytes, { pages: signed.pages.map((p) => p.bytes) });
    if (!r.ok) throw new Error(r.code);
  }
  const gateway = await startGateway({
    registry,
    port: 0,
    log: false,
    rateLimit: false,
    readRateLimit: false,
  });
  const bodies = Array.from({ length: 8 }, (_, r) =>
    JSON.stringify({
      use: 'train-genai',
      works: Array.from({ length: BATCH }, (_, i) => {
        const k = Math.floor(i / 2);
        const n = (k * 7919 + r * 104_729) % WORKS_PER_LABEL;
        return i % 2 === 0 ? isrc(k % LABELS, n) : isrc(999, n);
      }),
    }),
  );
  const answerText = await (
    await fetch(`${gateway.url}/v1/check?receipt=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[0] as string,
    })
  ).text();
  const answer = JSON.parse(answerText) as { results: unknown[]; receipt: ConsentCheckReceipt };
  const probe = await verifyReceipt(answer.receipt, { results: answer.results });
  if (!probe.ok) throw new Error(`the probe receipt does not verify: ${probe.code}: ${probe.message}`);
  const load = loader();
  let c = 0;
  let b = 0;
  const round = (next: () => number) =>
    Array.from({ length: POST_REQUESTS + POST_CONCURRENCY }, () => bodies[next() % bodies.length] as string);
  try {
    const withReceipt = await compare({
      name: `POST /v1/check?receipt=1, ${(LABELS * WORKS_PER_LABEL).toLocaleString('en-US')} works indexed, ${BATCH.toLocaleString('en-US')} per request, ${POST_CONCURRENCY} in flight (bar ≥ 0.9×)`,
      unit: 'works',
      bar: 0.9,
      baselineName: 'the same batches without a receipt',
      ops: POST_REQUESTS * BATCH,
      candidate: async () =>
        (
          await load.run(
            `${gateway.url}/v1/check?receipt=1`,
            POST_REQUESTS,
            POST_CONCURRENCY,
            round(() => c++),
          )
        ).seconds,
      baseline: async () =>
        (
          await load.run(
            `${gateway.url}/v1/check`,
            POST_REQUESTS,
            POST_CONCURRENCY,
            round(() => b++),
          )
        ).seconds,
    });
    const bytes = new TextEncoder().encode(answerText);
    const verify = await compare({
      name: `verifyReceipt of a ${BATCH.toLocaleString('en-US')}-result batch receipt with its results (no bar)`,
      unit: 'receipts',
      bar: null,
      baselineName: 'SHA-256 of the answer once',
      ops: 1,
      candidate: async () => {
        const verdict = await verifyReceipt(answer.receipt, { results: answer.results });
        if (!verdict.ok) throw new Error(verdict.code);
      },
      baseline: () => {
        createHash('sha256').update(bytes).digest();
      },
    });
    return [
      withReceipt,
      { ...verify, figure: `${(1000 / verify.candidatePerSecond).toFixed(1)} ms a receipt` },
    ];
  } finally {
    await load.close();
    await gateway.close();
    await registry.stop();
  }
}

/** A registry's ingester over fresh stores in `dir`, with the node's log or one that appends nothing. */
async function ingesterIn(dir: string, withLog: boolean) {
  const blocks = new BlockStore(join(dir, 'blocks'), { fsync: false });
  await blocks.open();
  const db = openIndexDatabase(join(dir, 'index.sqlite'), { fsync: false });
  const index = new ManifestIndex(db);
  const log = withLog ? new NodeLog(db) : ({ append: () => [] } as unknown as NodeLog);
  const ingester = new Ingester({
    blocks,
    index,
    log,
    hasNetwork: () => false,
    fetchBlock: async () => {
      throw new Error('no network in this benchmark');
    },
    onAdded: () => {},
    maxBranches: 8,
    maxFetchingIngests: 2,
    maxQueuedIngests: 8,
    logger: undefined,
    stopped: () => false,
  });
  const context = {
    source: 'local' as const,
    requireCanonical: true,
    pages: new Map(),
    signal: undefined,
    deadlineMs: 10_000,
  };
  return {
    ingest: async (m: SignedManifest) => {
      const r = await ingester.ingest(m.bytes, context);
      if (!r.ok || r.value.status !== 'added') throw new Error(r.ok ? r.value.status : r.code);
    },
    close: () => db.close(),
  };
}

async function ingestBenchmark(dir: string): Promise<ComparisonResult> {
  const logged = await ingesterIn(join(dir, 'with-log'), true);
  const bare = await ingesterIn(join(dir, 'without-log'), false);
  // Fresh manifests every round on each side (a repeat is a no-op): 1 warm-up + 7 rounds.
  const forLogged: SignedManifest[][] = [];
  const forBare: SignedManifest[][] = [];
  for (let i = 0; i < 8; i++) {
    forLogged.push(await signIngestBatch('l', i));
    forBare.push(await signIngestBatch('l', 100 + i));
  }
  let c = 0;
  let b = 0;
  try {
    return await compare({
      name: `ingest with the node's log (12-work manifests, ${INGEST_CONCURRENCY} in flight; bar ≥ 0.9×)`,
      unit: 'manifests',
      bar: 0.9,
      baselineName: 'the same ingest path, no log append',
      ops: INGEST_BATCH,
      candidate: () => inParallel(forLogged[c++] as SignedManifest[], INGEST_CONCURRENCY, logged.ingest),
      baseline: () => inParallel(forBare[b++] as SignedManifest[], INGEST_CONCURRENCY, bare.ingest),
    });
  } finally {
    logged.close();
    bare.close();
  }
}

/** The log and receipt benchmarks, in a temp dir removed afterwards. */
export async function logBenchmarks(): Promise<ComparisonResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'assent-bench-log-'));
  try {
    return [await ingestBenchmark(dir), ...(await receiptBenchmarks(dir))];
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

// `node --import tsx bench/log.bench.ts` runs these alone.
if (process.argv[1]?.endsWith('log.bench.ts')) {
  const { table } = await import('./harness.js');
  console.log(table(await logBenchmarks()));
}
