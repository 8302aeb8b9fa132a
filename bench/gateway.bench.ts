/**
 * `@assent/gateway` benchmarks (DESIGN §5), loopback only, bounded in count and time. Load comes from
 * autocannon (the tool the gateway issue names) in a worker thread, over keep-alive connections, so
 * the server under test has the main thread to itself, as both servers do in turn.
 * - `GET /v1/check` requests/s against a bare node:http server answering the same JSON bytes, 32 in
 *   flight, bar ≥ 0.6×, and the gateway's p99 latency (the worst round's), bar < 20 ms. One work asked
 *   again and again, as a platform checks a track on every page view: the verifier reuses its answer
 *   (VerifierOptions.reuse). Reported beside it, with no bar: each request another of 12,000 works
 *   of a catalog, asked in a cycle so that no answer is reused (each decided afresh).
 * - `POST /v1/check` works/s with 1,000,000 works indexed (ten labels of 100,000 works in catalog pages),
 *   with identity ranking: each label's allow is bound by a trusted distributor's attestation of its
 *   ISRC registrant prefix (docs/decisions.md §7), so every hit weighs a binding and lists its claimant;
 *   10,000 works per request, half of them hits, two requests in flight; bar ≥ 100,000 works/s
 *   (absolute). The answers' contents are checked once before the rounds. Baseline: the same verifier
 *   call in process, without HTTP (what the route adds).
 * - `POST /v1/manifests` manifests/s, 64 in flight, each manifest sent once, bar ≥ 1,000/s (absolute);
 *   baseline: `registry.ingest` in process on other manifests of the same shape.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '@assent/gateway';
import { generateIdentity, type SignedManifest, signAttestation, signManifest } from '@assent/manifest';
import { createRegistry, registrySource } from '@assent/registry';
import { createVerifier } from '@assent/verifier';
import { type ComparisonResult, compare } from './harness.js';
import { loader } from './load-generator.js';
import {
  INGEST_BATCH,
  INGEST_CONCURRENCY,
  inParallel,
  isrc,
  LABELS,
  signIngestBatch,
  WORKS_PER_LABEL,
} from './workload.js';

const GET_REQUESTS = 10_000;
const GET_CONCURRENCY = 32;
/** Works of the GET benchmark's catalog, asked in a cycle (more than the verifier keeps answers of). */
const DISTINCT_WORKS = 12_000;
const BATCH = 10_000;
/** Requests per round of the POST benchmark, and how many of them are in flight (see there). */
const POST_REQUESTS = 8;
const POST_CONCURRENCY = 2;

async function getCheckBenchmark(dir: string): Promise<ComparisonResult[]> {
  const registry = await createRegistry({ dataDir: join(dir, 'get'), network: false });
  const identity = await generateIdentity();
  const m = await signManifest(
    { default: { 'train-genai': 'deny', search: 'allow' }, works: [{ ids: ['isrc:USRC17607839'] }] },
    { identity },
  );
  await registry.ingest(m.bytes);
  // A label's catalog of works asked about one after another, more than the verifier keeps answers
  // of (4096), in a cycle: no answer is ever reused. Shows the cost of a check decided afresh.
  const catalog = await signManifest(
    {
      default: { 'train-genai': 'deny', search: 'allow' },
      works: Array.from({ length: DISTINCT_WORKS }, (_, n) => ({ ids: [isrc(7, n)] })),
    },
    { identity: await generateIdentity() },
  );
  const ingested = await registry.ingest(catalog.bytes, { pages: catalog.pages.map((p) => p.bytes) });
  if (!ingested.ok) throw new Error(ingested.code);
  const distinct = Array.from(
    { length: DISTINCT_WORKS },
    (_, n) => `/v1/check?work=${isrc(7, n)}&use=train-genai`,
  );
  // Read limits on but never reached (one client sends every request): their cost is measured.
  const readRateLimit = { burst: Number.MAX_SAFE_INTEGER, perSecond: Number.MAX_SAFE_INTEGER };
  const gateway = await startGateway({ registry, port: 0, log: false, rateLimit: false, readRateLimit });
  const path = '/v1/check?work=isrc:USRC17607839&use=train-genai';
  const answer = new Uint8Array(await (await fetch(`${gateway.url}${path}`)).arrayBuffer());
  const bare: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}${path}`;
  const load = loader();
  let tail = 0;
  try {
    const reused = await compare({
      name: `gateway GET /v1/check (${GET_CONCURRENCY} in flight; bar ≥ 0.6×, p99 < 20 ms)`,
      unit: 'requests',
      bar: 0.6,
      baselineName: 'bare node:http, same JSON',
      ops: GET_REQUESTS,
      candidate: async () => {
        const { seconds, p99 } = await load.run(`${gateway.url}${path}`, GET_REQUESTS, GET_CONCURRENCY);
        tail = Math.max(tail, p99);
        return seconds;
      },
      baseline: async () => (await load.run(bareUrl, GET_REQUESTS, GET_CONCURRENCY)).seconds,
    });
    let freshTail = 0;
    const fresh = await compare({
      name: `gateway GET /v1/check, each request another of ${DISTINCT_WORKS.toLocaleString('en-US')} works (nothing reused; no bar)`,
      unit: 'requests',
      bar: null,
      baselineName: 'bare node:http, same JSON',
      ops: GET_REQUESTS,
      candidate: async () => {
        const { seconds, p99 } = await load.run(
          gateway.url,
          GET_REQUESTS,
          GET_CONCURRENCY,
          undefined,
          200,
          distinct,
        );
        freshTail = Math.max(freshTail, p99);
        return seconds;
      },
      baseline: async () => (await load.run(bareUrl, GET_REQUESTS, GET_CONCURRENCY)).seconds,
    });
    return [
      {
        ...reused,
        name: `${reused.name}; p99 ${tail.toFixed(1)} ms`,
        pass: reused.pass === true && tail < 20,
      },
      { ...fresh, name: `${fresh.name}; p99 ${freshTail.toFixed(1)} ms` },
    ];
  } finally {
    await load.close();
    bare.close();
    await gateway.close();
    await registry.stop();
  }
}

async function postCheckBenchmark(dir: string): Promise<ComparisonResult> {
  const registry = await createRegistry({ dataDir: join(dir, 'million'), network: false, links: false });
  // Identity ranking at work (docs/decisions.md §7): each label's allow counts only through a trusted
  // distributor's attestation of its ISRC registrant prefix, so every claimed work weighs a binding.
  const distributor = await generateIdentity();
  for (let label = 0; label < LABELS; label++) {
    const works = Array.from({ length: WORKS_PER_LABEL }, (_, n) => ({ ids: [isrc(label, n)] }));
    const creator = await generateIdentity();
    const signed = await signManifest({ default: { 'train-genai': 'allow' }, works }, { identity: creator });
    const r = await registry.ingest(signed.bytes, { pages: signed.pages.map((p) => p.bytes) });
    if (!r.ok) throw new Error(r.code);
    const prefix = isrc(label, 0).slice('isrc:'.length, 'isrc:'.length + 5);
    const attested = await signAttestation(
      { subject: creator.did, isrcPrefixes: [prefix], role: 'label' },
      { identity: distributor },
    );
    const a = await registry.attestations.add(attested.bytes);
    if (!a.ok) throw new Error(a.code);
  }
  const identity = { trustedAttesters: [distributor.did] };
  const gateway = await startGateway({ registry, port: 0, log: false, rateLimit: false, identity });
  const verifier = createVerifier({ source: registrySource(registry), batchSize: BATCH, identity });
  const rounds = Array.from({ length: 8 }, (_, r) =>
    Array.from({ length: BATCH }, (_, i) => {
      const k = Math.floor(i / 2);
      const n = (k * 7919 + r * 104_729) % WORKS_PER_LABEL;
      return i % 2 === 0 ? isrc(k % LABELS, n) : isrc(999, n);
    }),
  );
  const bodies = rounds.map((works) => JSON.stringify({ use: 'train-genai', works }));
  const probe = (await (
    await fetch(`${gateway.url}/v1/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[0] as string,
    })
  ).json()) as { results: unknown[] };
  if (probe.results.length !== BATCH) throw new Error('POST /v1/check answered the wrong number of results');
  // The hits are allowed through their attestation, the misses unclaimed: the binding path is taken.
  const decisions = (probe.results as { decision: string }[]).map((r) => r.decision);
  if (decisions[0] !== 'allow' || decisions[1] !== 'unknown')
    throw new Error(`POST /v1/check decided ${decisions.slice(0, 2).join(', ')}, not allow (bound), unknown`);
  const load = loader();
  let c = 0;
  let b = 0;
  try {
    const result = await compare({
      name: `gateway POST /v1/check with identity ranking, ${(LABELS * WORKS_PER_LABEL).toLocaleString('en-US')} works indexed, ${BATCH.toLocaleString('en-US')} per request, ${POST_CONCURRENCY} in flight (bar ≥ 100,000/s)`,
      unit: 'works',
      bar: null,
      baselineName: 'verifier.checkMany in process',
      ops: POST_REQUESTS * BATCH,
      candidate: async () => {
        // Two requests in flight, as a client pipelining its batches would send them: with one, the
        // server sits idle while each 4 MB answer travels. The answers' contents were checked above.
        const round = Array.from(
          { length: POST_REQUESTS + POST_CONCURRENCY },
          () => bodies[c++ % bodies.length] as string,
        );
        return (await load.run(`${gateway.url}/v1/check`, POST_REQUESTS, POST_CONCURRENCY, round)).seconds;
      },
      baseline: async () => {
        for (let i = 0; i < POST_REQUESTS; i++)
          await verifier.checkMany({ use: 'train-genai', works: rounds[b++ % rounds.length] as string[] });
      },
    });
    return { ...result, pass: result.candidatePerSecond >= 100_000 };
  } finally {
    await load.close();
    await gateway.close();
    await registry.stop();
  }
}

async function ingestBenchmark(dir: string): Promise<ComparisonResult> {
  const registry = await createRegistry({ dataDir: join(dir, 'ingest'), network: false });
  const direct = await createRegistry({ dataDir: join(dir, 'ingest-direct'), network: false });
  const gateway = await startGateway({ registry, port: 0, log: false, rateLimit: false });
  // A repeat is a no-op, so each round (1 warm-up + 7) gets fresh manifests, on both sides.
  const viaHttp: SignedManifest[][] = [];
  const inProcess: SignedManifest[][] = [];
  for (let i = 0; i < 8; i++) {
    // A few spare: the load generator may prepare a request per connection that it never sends.
    viaHttp.push(await signIngestBatch('b', i, INGEST_BATCH + INGEST_CONCURRENCY));
    inProcess.push(await signIngestBatch('b', 100 + i));
  }
  let c = 0;
  let b = 0;
  const load = loader();
  try {
    const result = await compare({
      name: `gateway POST /v1/manifests (12-work manifests, ${INGEST_CONCURRENCY} in flight; bar ≥ 1,000/s)`,
      unit: 'manifests',
      bar: null,
      baselineName: 'registry.ingest in process',
      ops: INGEST_BATCH,
      candidate: async () => {
        const batch = viaHttp[c++] as SignedManifest[];
        const timed = await load.run(
          `${gateway.url}/v1/manifests`,
          INGEST_BATCH,
          INGEST_CONCURRENCY,
          batch.map((m) => m.bytes),
          201,
        );
        return timed.seconds;
      },
      baseline: async () => {
        await inParallel(inProcess[b++] as SignedManifest[], INGEST_CONCURRENCY, async (m) => {
          const r = await direct.ingest(m.bytes);
          if (!r.ok) throw new Error(r.code);
        });
      },
    });
    return { ...result, pass: result.candidatePerSecond >= 1000 };
  } finally {
    await load.close();
    await gateway.close();
    await Promise.all([registry.stop(), direct.stop()]);
  }
}

/** Every gateway benchmark, in a temp dir removed afterwards; `only` picks some by name (get, post, ingest). */
export async function gatewayBenchmarks(only?: readonly string[]): Promise<ComparisonResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'assent-bench-gateway-'));
  const all = { get: getCheckBenchmark, post: postCheckBenchmark, ingest: ingestBenchmark };
  try {
    const out: ComparisonResult[] = [];
    for (const [name, run] of Object.entries(all))
      if (only === undefined || only.includes(name)) out.push(...[await run(dir)].flat());
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

// `tsx --conditions=source bench/gateway.bench.ts` runs these alone.
if (process.argv[1]?.endsWith('gateway.bench.ts')) {
  const { table } = await import('./harness.js');
  // e.g. `tsx bench/gateway.bench.ts post ingest`
  const only = process.argv.slice(2);
  console.log(table(await gatewayBenchmarks(only.length === 0 ? undefined : only)));
}
