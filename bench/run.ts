/**
 * `pnpm bench`: runs every benchmark and prints a Markdown report of figures, same-run baselines,
 * ratios and the bars of DESIGN §5. With `--write`, also saves it to bench/RESULTS.md.
 *
 * Each group of benchmarks runs in a fresh Node process, one after another: the million-work
 * registry and verifier groups leave a heap of several hundred MB behind, and in one shared process
 * the gateway group after them measured the collector's work on that heap too (GET /v1/check 0.58×
 * in the full run against 0.61–0.64× alone). A candidate and its baseline still share a process.
 * The child inherits stdio (a child writing into an unread pipe would block) and hands its results
 * back in a JSON file. `pnpm bench gateway cli` runs only the groups named.
 *
 * Run it as `node --import tsx bench/run.ts`, not through the `tsx` command: children of a process the
 * `tsx` command started stalled here (the verifier group sat idle, main thread waiting on a lock).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ComparisonResult, table } from './harness.js';

/**
 * The groups, in report order, and how each is loaded (only in its own process). The gateway's three
 * benchmarks get a process each too: after the million-work `POST /v1/check` benchmark, ingest in the
 * same process measured 771/s against 1,048–1,056/s alone (its in-process baseline fell as much), the
 * collector working through the heap that benchmark left. `gateway` names all three.
 */
const GROUPS: Record<string, () => Promise<ComparisonResult[]>> = {
  manifest: async () => (await import('./manifest.bench.js')).manifestBenchmarks(),
  verifier: async () => (await import('./verifier.bench.js')).verifierBenchmarks(),
  registry: async () => (await import('./registry.bench.js')).registryBenchmarks(),
  hardening: async () => (await import('./hardening.bench.js')).hardeningBenchmarks(),
  log: async () => (await import('./log.bench.js')).logBenchmarks(),
  'gateway-get': async () => (await import('./gateway.bench.js')).gatewayBenchmarks(['get']),
  'gateway-post': async () => (await import('./gateway.bench.js')).gatewayBenchmarks(['post']),
  'gateway-ingest': async () => (await import('./gateway.bench.js')).gatewayBenchmarks(['ingest']),
  cli: async () => (await import('./cli.bench.js')).cliBenchmarks(),
  scan: async () => (await import('./scan.bench.js')).scanBenchmarks(),
  bundle: async () => (await import('./bundle.bench.js')).bundleBenchmarks(),
};

const GROUP_ARG = '--group';

/** Runs one group in a child process of this same Node (and loader flags); its results. */
function runGroup(name: string, dir: string): Promise<ComparisonResult[]> {
  const out = join(dir, `${name}.json`);
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), GROUP_ARG, name, out],
    { stdio: 'inherit' },
  );
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`benchmark group ${name} exited with ${signal ?? `code ${code}`}`));
        return;
      }
      resolve(JSON.parse(readFileSync(out, 'utf8')) as ComparisonResult[]);
    });
  });
}

const groupAt = process.argv.indexOf(GROUP_ARG);
if (groupAt !== -1) {
  // A child: one group, results into the file the parent named.
  const [name, out] = process.argv.slice(groupAt + 1) as [string, string];
  const run = GROUPS[name];
  if (run === undefined) throw new Error(`no benchmark group ${name}`);
  writeFileSync(out, JSON.stringify(await run()));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'assent-bench-run-'));
  const results: ComparisonResult[] = [];
  try {
    // `pnpm bench gateway cli` runs only those groups; `gateway` is every `gateway-…` group.
    const picked = process.argv.slice(2).filter((a) => !a.startsWith('--'));
    const chosen = (name: string) => picked.some((p) => name === p || name.startsWith(`${p}-`));
    for (const p of picked)
      if (!Object.keys(GROUPS).some((name) => name === p || name.startsWith(`${p}-`)))
        throw new Error(`no benchmark group ${p}`);
    for (const name of Object.keys(GROUPS)) {
      if (picked.length > 0 && !chosen(name)) continue;
      process.stderr.write(`bench: ${name}…\n`);
      results.push(...(await runGroup(name, dir)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const report = [
    '# Benchmark results',
    '',
    `Machine: ${machine}. Run: ${new Date().toISOString().slice(0, 16)}Z, \`pnpm bench\`.`,
    'Each figure is the median of 7 rounds, interleaved with its baseline in the same process. Each',
    'group of benchmarks runs in a fresh process. The packages run as built (`dist/`, what',
    '`assent serve` runs); bars are those of DESIGN §5.',
    '',
    table(results),
    '',
  ].join('\n');

  console.log(report);
  if (process.argv.includes('--write')) {
    writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md'), report);
  }
  if (results.some((r) => r.pass === false)) process.exitCode = 1;
}
