/**
 * `pnpm fuzz [FILE ...] [-- VITEST ARGS]`: the property and fuzz tests with a long budget (issue 9).
 * Every property runs `ASSENT_FUZZ_RUNS` times (default 100,000) from one seed, printed first so a
 * failure can be replayed: `ASSENT_FUZZ_SEED=N pnpm fuzz` (fast-check also prints the seed and the
 * path of the shrunk counterexample it found). With FILEs, only those run.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every test file holding properties whose budget test/support/fuzz.ts sets. */
const PROPERTY_FILES = [
  'packages/manifest/test/work-id.test.ts',
  'packages/manifest/test/strict-json.test.ts',
  'packages/manifest/test/jcs.test.ts',
  'packages/manifest/test/ed25519.test.ts',
  'packages/manifest/test/manifest.test.ts',
  'packages/signals/test/properties.test.ts',
  'packages/verifier/test/properties.test.ts',
  ...readdirSync(join(ROOT, 'test', 'fuzz'))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => `test/fuzz/${f}`),
];

function integerFrom(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    console.error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

const runs = integerFrom('ASSENT_FUZZ_RUNS', 100_000, 1, Number.MAX_SAFE_INTEGER);
// fast-check seeds are 32-bit: a non-negative one keeps the replay line easy to copy.
const seed = integerFrom('ASSENT_FUZZ_SEED', randomInt(0, 2 ** 31), -(2 ** 31), 2 ** 32 - 1);

const dash = process.argv.indexOf('--');
const args = dash < 0 ? process.argv.slice(2) : process.argv.slice(2, dash);
const passThrough = dash < 0 ? [] : process.argv.slice(dash + 1);
const files = args.length > 0 ? args.map((f) => relative(ROOT, join(process.cwd(), f))) : PROPERTY_FILES;

const replayFiles = args.length > 0 ? ` ${args.join(' ')}` : '';
console.log(
  `fuzz seed: ${seed}  runs: ${runs}  (replay: ASSENT_FUZZ_SEED=${seed} ASSENT_FUZZ_RUNS=${runs} pnpm fuzz${replayFiles})`,
);
const started = Date.now();

const child = spawn(
  process.execPath,
  [
    join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    ...files,
    // The budget, not a clock, bounds each property; tests with their own timeout use fuzzTimeout().
    '--testTimeout=0',
    '--hookTimeout=120000',
    ...passThrough,
  ],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ASSENT_FUZZ_RUNS: String(runs), ASSENT_FUZZ_SEED: String(seed) },
  },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const outcome = code === 0 ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`;
  console.log(`fuzz ${outcome} after ${minutes} min; seed: ${seed}  runs: ${runs}`);
  process.exitCode = code ?? 1;
});
