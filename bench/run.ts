/**
 * `pnpm bench`: runs every benchmark and prints a Markdown report of figures, same-run baselines,
 * ratios and the bars of DESIGN §5. With `--write`, also saves it to bench/RESULTS.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from './harness.js';
import { manifestBenchmarks } from './manifest.bench.js';
import { registryBenchmarks } from './registry.bench.js';
import { verifierBenchmarks } from './verifier.bench.js';

const results = [
  ...(await manifestBenchmarks()),
  ...(await verifierBenchmarks()),
  ...(await registryBenchmarks()),
  ...(await (await import('./gateway.bench.js')).gatewayBenchmarks()),
  ...(await (await import('./cli.bench.js')).cliBenchmarks()),
  ...(await (await import('./bundle.bench.js')).bundleBenchmarks()),
];

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const report = [
  '# Benchmark results',
  '',
  `Machine: ${machine}. Run: ${new Date().toISOString().slice(0, 16)}Z, \`pnpm bench\`.`,
  'Each figure is the median of 7 rounds, interleaved with its baseline in the same process. The',
  'packages run as built (`dist/`, what `assent serve` runs); bars are those of DESIGN §5.',
  '',
  table(results),
  '',
].join('\n');

console.log(report);
if (process.argv.includes('--write')) {
  writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md'), report);
}
if (results.some((r) => r.pass === false)) process.exitCode = 1;
