/**
 * A small benchmark harness. Every figure is reported as a ratio against a baseline measured in the
 * same process, interleaved round by round, because absolute times on shared machines drift.
 */

/** One benchmark: a candidate and its baseline, each doing `ops` operations per call. */
export interface Comparison {
  readonly name: string;
  readonly unit: string;
  /** The bar from DESIGN §5, as a minimum ratio, or null when the figure is reported without one. */
  readonly bar: number | null;
  readonly baselineName: string;
  readonly ops: number;
  /** Does `ops` operations; may answer the seconds they took when it timed them more exactly itself. */
  readonly candidate: () => Promise<number | undefined> | Promise<void> | number | undefined | void;
  readonly baseline: () => Promise<number | undefined> | Promise<void> | number | undefined | void;
}

/** The outcome of a comparison: the median rate of each side over the rounds. */
export interface ComparisonResult {
  readonly name: string;
  readonly unit: string;
  readonly baselineName: string;
  readonly candidatePerSecond: number;
  readonly baselinePerSecond: number;
  readonly ratio: number;
  readonly bar: number | null;
  readonly pass: boolean | null;
  /** The figure as printed, when it is not a rate (a size). */
  readonly figure?: string;
  readonly baselineFigure?: string;
}

async function rate(fn: Comparison['candidate'], ops: number): Promise<number> {
  const start = process.hrtime.bigint();
  const timed = await fn();
  const seconds = typeof timed === 'number' ? timed : Number(process.hrtime.bigint() - start) / 1e9;
  return ops / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Runs a comparison: one warm-up of each side, then `rounds` interleaved rounds. */
export async function compare(c: Comparison, rounds = 7): Promise<ComparisonResult> {
  await c.baseline();
  await c.candidate();
  const base: number[] = [];
  const cand: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate the order so neither side always runs on a warmer or cooler machine.
    if (i % 2 === 0) {
      base.push(await rate(c.baseline, c.ops));
      cand.push(await rate(c.candidate, c.ops));
    } else {
      cand.push(await rate(c.candidate, c.ops));
      base.push(await rate(c.baseline, c.ops));
    }
  }
  const candidatePerSecond = median(cand);
  const baselinePerSecond = median(base);
  const ratio = candidatePerSecond / baselinePerSecond;
  return {
    name: c.name,
    unit: c.unit,
    baselineName: c.baselineName,
    candidatePerSecond,
    baselinePerSecond,
    ratio,
    bar: c.bar,
    pass: c.bar === null ? null : ratio >= c.bar,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** A Markdown table of results. */
export function table(results: readonly ComparisonResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.figure ?? `${fmt(r.candidatePerSecond)} ${r.unit}/s`} | ${r.baselineName}: ${r.baselineFigure ?? `${fmt(r.baselinePerSecond)} ${r.unit}/s`} | ${r.ratio.toFixed(2)}× | ${r.bar === null ? '—' : `≥ ${r.bar}×`} | ${r.pass === null ? '—' : r.pass ? 'pass' : 'FAIL'} |`,
  );
  return [
    '| benchmark | figure | baseline (same run) | ratio | bar | |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
