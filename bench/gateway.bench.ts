/**
 * `@assent/gateway` benchmarks (DESIGN §5), loopback only, bounded in count and time:
 * - `GET /v1/check` requests/s against a bare node:http server answering the same JSON bytes, bar ≥ 0.6×,
 *   and the gateway's p99 latency, bar < 20 ms. Load comes from a worker thread (keep-alive, 32 in
 *   flight), so the server under test has the main thread to itself, as both servers do in turn.
 * - `POST /v1/check` works/s with 1,000,000 works indexed (ten labels of 100,000 works in catalog pages),
 *   10,000 works per request, half of them hits, two requests in flight from the load worker, which
 *   parses every answer; bar ≥ 100,000 works/s (absolute). Baseline: the same verifier call in
 *   process, without HTTP (what the route adds).
 * - `POST /v1/manifests` manifests/s, 64 in flight from the load worker, bar ≥ 1,000/s (absolute); baseline: `registry.ingest`
 *   in process on other manifests of the same shape.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startGateway } from '@assent/gateway';
import { generateIdentity, type SignedManifest, signManifest } from '@assent/manifest';
import { createRegistry, registrySource } from '@assent/registry';
import { createVerifier } from '@assent/verifier';
import { type ComparisonResult, compare } from './harness.js';
import { INGEST_BATCH, INGEST_CONCURRENCY, inParallel, isrc, LABELS, WORKS_PER_LABEL } from './workload.js';

const GET_REQUESTS = 10_000;
const GET_CONCURRENCY = 32;
const BATCH = 10_000;
/** Requests per round of the POST benchmark, and how many of them are in flight (see there). */
const POST_REQUESTS = 8;
const POST_CONCURRENCY = 2;

/** A load generator in a worker thread: `count` requests, `concurrency` in flight; answers latencies (ms). */
const LOAD_WORKER = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
parentPort.on('message', async ({ url, count, concurrency, bodies, ok, results }) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  if (bodies) count = bodies.length;
  const latencies = new Float64Array(count);
  let next = 0, failed = 0;
  const one = (body) => new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request(url, { agent, method: body === undefined ? 'GET' : 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      if (res.statusCode !== ok) failed++;
      const chunks = [];
      res.on('data', (chunk) => { if (results) chunks.push(chunk); });
      res.on('end', () => {
        // A batch answer is read like a client would, and must hold one result per work.
        if (results && JSON.parse(Buffer.concat(chunks).toString()).results.length !== results) failed++;
        resolve(performance.now() - t0);
      });
    });
    req.on('error', () => { failed++; resolve(performance.now() - t0); });
    req.end(body);
  });
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) { const i = next++; latencies[i] = await one(bodies ? bodies[i] : undefined); }
  }));
  agent.destroy();
  parentPort.postMessage({ latencies, failed });
});`;

function loader() {
  const worker = new Worker(LOAD_WORKER, { eval: true });
  return {
    run(
      url: string,
      count: number,
      concurrency: number,
      bodies?: readonly (string | Uint8Array)[],
      ok = 200,
      results?: number,
    ) {
      return new Promise<Float64Array>((resolve, reject) => {
        worker.once('message', ({ latencies, failed }: { latencies: Float64Array; failed: number }) =>
          failed > 0 ? reject(new Error(`${failed} requests failed against ${url}`)) : resolve(latencies),
        );
        worker.postMessage({ url, count, concurrency, bodies, ok, results });
      });
    },
    close: () => worker.terminate(),
  };
}

function p99(all: number[]): number {
  const sorted = [...all].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.99)] as number;
}

async function getCheckBenchmark(dir: string): Promise<ComparisonResult> {
  const registry = await createRegistry({ dataDir: join(dir, 'get'), network: false });
  const identity = await generateIdentity();
  const m = await signManifest(
    { default: { 'train-genai': 'deny', search: 'allow' }, works: [{ ids: ['isrc:USRC17607839'] }] },
    { identity },
  );
  await registry.ingest(m.bytes);
  const gateway = await startGateway({ registry, port: 0, log: false, rateLimit: false });
  const path = '/v1/check?work=isrc:USRC17607839&use=train-genai';
  const answer = new Uint8Array(await (await fetch(`${gateway.url}${path}`)).arrayBuffer());
  const bare: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}${path}`;
  const load = loader();
  const latencies: number[] = [];
  try {
    const result = await compare({
      name: `gateway GET /v1/check (${GET_CONCURRENCY} in flight; bar ≥ 0.6×, p99 < 20 ms)`,
      unit: 'requests',
      bar: 0.6,
      baselineName: 'bare node:http, same JSON',
      ops: GET_REQUESTS,
      candidate: async () => {
        latencies.push(...(await load.run(`${gateway.url}${path}`, GET_REQUESTS, GET_CONCURRENCY)));
      },
      baseline: async () => {
        await load.run(bareUrl, GET_REQUESTS, GET_CONCURRENCY);
      },
    });
    const tail = p99(latencies);
    return {
      ...result,
      name: `${result.name}; p99 ${tail.toFixed(1)} ms`,
      pass: result.pass === true && tail < 20,
    };
  } finally {
    await load.close();
    bare.close();
    await gateway.close();
    await registry.stop();
  }
}

async function postCheckBenchmark(dir: string): Promise<ComparisonResult> {
  const registry = await createRegistry({ dataDir: join(dir, 'million'), network: false });
  for (let label = 0; label < LABELS; label++) {
    const works = Array.from({ length: WORKS_PER_LABEL }, (_, n) => ({ ids: [isrc(label, n)] }));
    const signed = await signManifest(
      { default: { 'train-genai': 'deny' }, works },
      { identity: await generateIdentity() },
    );
    const r = await registry.ingest(signed.bytes, { pages: signed.pages.map((p) => p.bytes) });
    if (!r.ok) throw new Error(r.code);
  }
  const gateway = await startGateway({ registry, port: 0, log: false, rateLimit: false });
  const verifier = createVerifier({ source: registrySource(registry), batchSize: BATCH });
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
  const load = loader();
  let c = 0;
  let b = 0;
  try {
    const result = await compare({
      name: `gateway POST /v1/check, ${(LABELS * WORKS_PER_LABEL).toLocaleString('en-US')} works indexed, ${BATCH.toLocaleString('en-US')} per request, ${POST_CONCURRENCY} in flight (bar ≥ 100,000/s)`,
      unit: 'works',
      bar: null,
      baselineName: 'verifier.checkMany in process',
      ops: POST_REQUESTS * BATCH,
      candidate: async () => {
        // From the load worker, as a separate client would: the server's thread does only the server's
        // work. Two requests in flight, as a client pipelining its batches would send them: with one,
        // the server sits idle while the client parses each 4 MB answer (13% of its time, profiled).
        // Since answers are streamed in chunks, two in flight is faster than one (it was slower while
        // each answer was one 4 MB string).
        const round = Array.from({ length: POST_REQUESTS }, () => bodies[c++ % bodies.length] as string);
        await load.run(`${gateway.url}/v1/check`, POST_REQUESTS, POST_CONCURRENCY, round, 200, BATCH);
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

async function signBatch(batch: number): Promise<SignedManifest[]> {
  const identities = await Promise.all(Array.from({ length: INGEST_BATCH }, () => generateIdentity()));
  return Promise.all(
    identities.map((identity, i) =>
      signManifest(
        {
          default: { 'train-genai': 'deny', search: 'allow' },
          works: Array.from({ length: 12 }, (_, w) => ({ ids: [`url:https://b${batch}.example/${i}/${w}`] })),
        },
        { identity },
      ),
    ),
  );
}

async function ingestBenchmark(dir: string): Promise<ComparisonResult> {
  const registry = await createRegistry({ dataDir: join(dir, 'ingest'), network: false });
  const direct = await createRegistry({ dataDir: join(dir, 'ingest-direct'), network: false });
  const gateway = await startGateway({ registry, port: 0, log: false, rateLimit: false });
  // A repeat is a no-op, so each round (1 warm-up + 7) gets fresh manifests, on both sides.
  const viaHttp: SignedManifest[][] = [];
  const inProcess: SignedManifest[][] = [];
  for (let i = 0; i < 8; i++) {
    viaHttp.push(await signBatch(i));
    inProcess.push(await signBatch(100 + i));
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
        await load.run(
          `${gateway.url}/v1/manifests`,
          batch.length,
          INGEST_CONCURRENCY,
          batch.map((m) => m.bytes),
          201,
        );
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
      if (only === undefined || only.includes(name)) out.push(await run(dir));
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
