import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of files, streamed in 1 MiB reads on a pool of worker threads (one per core), so a dataset
 * folder hashes in parallel and memory stays flat whatever the file sizes. The worker is a few lines of
 * plain JavaScript evaluated in place: it runs the same from source, from `dist/` and under test.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', ({ path }) => {
  let fd;
  try {
    fd = openSync(path, 'r');
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      size += n;
    }
    parentPort.postMessage({ sha256: hash.digest('hex'), size });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message), code: error && error.code });
  } finally {
    if (fd !== undefined) try { closeSync(fd); } catch {}
  }
});
`;

/** A file's digest, or why it could not be read. */
export type FileHash =
  | { readonly path: string; readonly sha256: string; readonly size: number }
  | { readonly path: string; readonly error: string };

/** Options of {@link hashFiles}. */
export interface HashFilesOptions {
  /** Worker threads (default: the number of cores). */
  readonly threads?: number;
  /** Called after each file. */
  readonly onFile?: (result: FileHash) => void;
}

/** Worker threads that hash files one at a time each, kept alive across calls. */
export interface HashPool {
  /** Hashes one file; rejects only if a worker thread dies. */
  hash(path: string): Promise<FileHash>;
  /** Ends the worker threads. */
  close(): Promise<void>;
}

/**
 * A pool of hashing threads for a stream of files: `assent scan` feeds it paths as it walks a folder,
 * so no list of every file is built. Jobs wait in a queue for a free thread.
 * @example
 * const pool = createHashPool();
 * const digest = await pool.hash('track.flac');
 * await pool.close();
 */
export function createHashPool(threads = availableParallelism()): HashPool {
  // A queue read from `head` (no shift per job: hashFiles may queue a whole folder at once).
  let waiting: { path: string; resolve: (r: FileHash) => void; reject: (e: unknown) => void }[] = [];
  let head = 0;
  const idle: Worker[] = [];
  const busy = new Map<
    Worker,
    { path: string; resolve: (r: FileHash) => void; reject: (e: unknown) => void }
  >();
  const workers: Worker[] = [];
  let failure: unknown;
  const dispatch = () => {
    for (let worker = idle.pop(); worker !== undefined; worker = idle.pop()) {
      const job = waiting[head];
      if (job === undefined) {
        idle.push(worker);
        return;
      }
      waiting[head++] = undefined as never;
      if (head > 1024 && head * 2 > waiting.length) {
        waiting = waiting.slice(head);
        head = 0;
      }
      busy.set(worker, job);
      worker.postMessage({ path: job.path });
    }
  };
  const start = () => {
    const worker = new Worker(WORKER, { eval: true });
    worker.on('message', (m: { sha256?: string; size?: number; error?: string; code?: string }) => {
      const job = busy.get(worker);
      busy.delete(worker);
      idle.push(worker);
      if (job !== undefined)
        job.resolve(
          m.sha256 === undefined
            ? {
                path: job.path,
                error: m.code === undefined ? String(m.error) : `${m.code}: ${String(m.error)}`,
              }
            : { path: job.path, sha256: m.sha256, size: m.size ?? 0 },
        );
      dispatch();
    });
    worker.on('error', (error) => {
      failure = error;
      busy.get(worker)?.reject(error);
      busy.delete(worker);
      for (const job of waiting.slice(head)) job.reject(error);
      waiting = [];
      head = 0;
    });
    workers.push(worker);
    idle.push(worker);
  };
  return {
    hash(path) {
      if (failure !== undefined) return Promise.reject(failure);
      // Threads start on first use, up to the limit: a list of ids never starts one.
      if (workers.length < Math.max(1, threads) && idle.length === 0) start();
      return new Promise((resolve, reject) => {
        waiting.push({ path, resolve, reject });
        dispatch();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * Hashes files in parallel; results come back in input order. Unreadable files are results with an
 * `error`, not exceptions.
 * @example
 * const [a] = await hashFiles(['track.flac']); // { path, sha256: '9f86…', size }
 */
export async function hashFiles(
  paths: readonly string[],
  options: HashFilesOptions = {},
): Promise<FileHash[]> {
  if (paths.length === 0) return [];
  const pool = createHashPool(Math.min(options.threads ?? availableParallelism(), paths.length));
  try {
    return await Promise.all(
      paths.map(async (path) => {
        const result = await pool.hash(path);
        options.onFile?.(result);
        return result;
      }),
    );
  } finally {
    await pool.close();
  }
}
