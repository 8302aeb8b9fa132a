/**
 * The one budget of every property test. CI runs each property `defaultRuns` times (≥ 1,000) with a
 * fresh seed that fast-check prints on failure; `pnpm fuzz` (scripts/fuzz.ts) sets
 * `ASSENT_FUZZ_RUNS` (≥ 100,000) and `ASSENT_FUZZ_SEED`, so a long run can be replayed exactly:
 * `ASSENT_FUZZ_SEED=N ASSENT_FUZZ_RUNS=R pnpm exec vitest run FILE`.
 */

/** The fast-check parameters this module sets (a subset of `fc.Parameters`, assignable to it). */
export interface FuzzParameters {
  readonly numRuns: number;
  readonly seed?: number;
}

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function seedOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  // fast-check seeds are 32-bit integers (it reads them with `seed | 0`).
  if (!Number.isSafeInteger(value) || value < -(2 ** 31) || value >= 2 ** 32) {
    throw new RangeError('ASSENT_FUZZ_SEED must be a 32-bit integer');
  }
  return value;
}

/** The long budget `pnpm fuzz` asked for, or undefined in an ordinary (CI) run. */
export const FUZZ_RUNS = positiveInteger('ASSENT_FUZZ_RUNS', process.env.ASSENT_FUZZ_RUNS);
const FUZZ_SEED = seedOf(process.env.ASSENT_FUZZ_SEED);

/**
 * fast-check parameters for one property: `numRuns` is `ASSENT_FUZZ_RUNS` when set, else
 * `defaultRuns`; `seed` is `ASSENT_FUZZ_SEED` when set (else fast-check draws one and reports it).
 * @example
 * fc.assert(fc.property(fc.string(), (s) => parse(s).ok !== undefined), fuzzParams());
 */
export function fuzzParams(defaultRuns = 1000): FuzzParameters {
  if (!Number.isSafeInteger(defaultRuns) || defaultRuns < 1) {
    throw new RangeError('defaultRuns must be a positive integer');
  }
  const numRuns = FUZZ_RUNS ?? defaultRuns;
  return FUZZ_SEED === undefined ? { numRuns } : { numRuns, seed: FUZZ_SEED };
}

/**
 * A test's timeout: `defaultMs` in an ordinary run, and a day under `pnpm fuzz`, whose long budget
 * would outlast any fixed figure (the fuzz script bounds the whole run instead).
 */
export function fuzzTimeout(defaultMs: number): number {
  return FUZZ_RUNS === undefined ? defaultMs : 24 * 60 * 60 * 1000;
}
