import { Worker } from 'node:worker_threads';

/**
 * The load generator: autocannon in a worker thread, so the server under test has the main thread to
 * itself. `count` requests over `concurrency` keep-alive connections; with `bodies`, POSTs with each
 * body once at most (autocannon may prepare one request per connection that it never sends, so give
 * `count + concurrency` bodies). Answers the wall time and autocannon's p99 latency (ms); any
 * answer other than `ok` fails the run.
 */
const LOAD_WORKER = `
const { parentPort } = require('node:worker_threads');
const autocannon = require('autocannon');
parentPort.on('message', ({ url, count, concurrency, bodies, paths, ok }) => {
  // autocannon notices the last answer at its next sample tick (default every second): sample every
  // 10 ms, and time the run to the last answer itself.
  const options = { url, connections: concurrency, amount: count, pipelining: 1, timeout: 60, sampleInt: 10 };
  if (paths) {
    let next = 0;
    options.requests = [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }];
  }
  if (bodies) {
    let next = 0;
    options.requests = [{
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({ ...request, body: Buffer.from(bodies[Math.min(next++, bodies.length - 1)]) }),
    }];
  }
  const started = performance.now();
  let last = started;
  const run = autocannon(options, (error, result) => {
    const seconds = (last - started) / 1000;
    if (error) return parentPort.postMessage({ error: String(error) });
    // In a worker thread autocannon answers raw histograms; aggregateResult summarizes them.
    const summary = autocannon.aggregateResult([result], options);
    const answered = summary.statusCodeStats[ok]?.count ?? 0;
    parentPort.postMessage({ seconds, p99: summary.latency.p99, failed: count - answered + summary.errors + summary.timeouts });
  });
  run.on('response', () => { last = performance.now(); });
});`;

export function loader() {
  const worker = new Worker(LOAD_WORKER, { eval: true });
  return {
    run(
      url: string,
      count: number,
      concurrency: number,
      bodies?: readonly (string | Uint8Array)[],
      ok = 200,
      paths?: readonly string[],
    ): Promise<{ seconds: number; p99: number }> {
      return new Promise((resolve, reject) => {
        worker.once('message', (m: { error?: string; failed: number; seconds: number; p99: number }) => {
          if (m.error !== undefined) reject(new Error(`${url}: ${m.error}`));
          else if (m.failed > 0) reject(new Error(`${m.failed} requests failed against ${url}`));
          else resolve(m);
        });
        worker.postMessage({ url, count, concurrency, bodies, paths, ok });
      });
    },
    close: () => worker.terminate(),
  };
}
