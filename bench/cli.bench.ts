/**
 * `@assent/cli` benchmarks (DESIGN §5):
 * - `scan` hashing: the worker-thread pool `assent scan` hashes folders with (`hashFiles`), in MB/s,
 *   against `sha256sum` over the same files in the same run (a subprocess, one call for all files).
 *   Bar ≥ 0.8×. The files (32 × 8 MiB of random bytes in a temp dir) sit in the page cache for both.
 * - cold start of `assent verify FILE` (the CLI as `pnpm --filter @assent/cli build` makes it: tsc, then
 *   the start-up bundle; run as `node apps/cli/dist/bin.js`) against `node -e 0`.
 *   The harness compares rates, so the figure is starts per second and the ratio is
 *   (verify starts/s) / (node starts/s) = time(node -e 0) / time(assent verify). DESIGN's bar "≤ 3× the
 *   time" is therefore a ratio ≥ 0.33 here; 1 / ratio is the time multiple.
 * `ASSENT_BENCH_CLI_FILES` scales the hashing set down.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity, signManifest } from '@assent/manifest';
import { hashFiles } from '../apps/cli/src/file-hash.js';
import { type ComparisonResult, compare } from './harness.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FILES = Number(process.env.ASSENT_BENCH_CLI_FILES ?? 32);
const FILE_BYTES = 8 * 1024 * 1024;
const STARTS = 5;

function run(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (error) =>
      error === null ? resolve() : reject(error),
    );
  });
}

export async function cliBenchmarks(): Promise<ComparisonResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'assent-bench-cli-'));
  try {
    const paths = Array.from({ length: FILES }, (_, i) => {
      const path = join(dir, `track-${i}.bin`);
      writeFileSync(path, randomBytes(FILE_BYTES));
      return path;
    });
    const megabytes = (FILES * FILE_BYTES) / 1e6;
    const hashing = await compare({
      name: '`scan` hashing (worker pool, 1 MiB reads)',
      unit: 'MB',
      bar: 0.8,
      baselineName: '`sha256sum`',
      ops: megabytes,
      candidate: async () => {
        const results = await hashFiles(paths);
        if (results.some((r) => !('sha256' in r))) throw new Error('a file was not hashed');
      },
      baseline: () => run('sha256sum', paths),
    });

    // Cold start: the built CLI verifying one signed manifest, offline.
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'apps/cli'], {
      cwd: ROOT,
    });
    execFileSync(process.execPath, [join(ROOT, 'apps/cli/bundle.mjs')], { cwd: ROOT });
    const identity = await generateIdentity();
    const signed = await signManifest(
      { default: { 'train-genai': 'deny', search: 'allow' }, works: [{ ids: ['isrc:USRC17607839'] }] },
      { identity },
    );
    const manifest = join(dir, 'signed.json');
    writeFileSync(manifest, signed.bytes);
    const env = { PATH: process.env.PATH, ASSENT_HOME: join(dir, 'home'), NO_COLOR: '1' };
    const bin = join(ROOT, 'apps/cli/dist/bin.js');
    const coldStart = await compare({
      name: '`assent verify` cold start (starts/s; ratio = node time / verify time, bar ≤ 3× ⇔ ≥ 0.33×)',
      unit: 'starts',
      bar: 0.33,
      baselineName: '`node -e 0`',
      ops: STARTS,
      candidate: async () => {
        for (let i = 0; i < STARTS; i++) await run(process.execPath, [bin, 'verify', manifest], env);
      },
      baseline: async () => {
        for (let i = 0; i < STARTS; i++) await run(process.execPath, ['-e', '0'], env);
      },
    });
    return [hashing, coldStart];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { table } = await import('./harness.js');
  console.log(table(await cliBenchmarks()));
}
