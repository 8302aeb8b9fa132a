import type { Conditions, Decision } from '@assent/manifest';
import {
  type CheckResult,
  type Claimant,
  type Evidence,
  RESTRICTIVENESS,
  type Warning,
} from '@assent/verifier';
import { stringify } from 'csv-stringify/sync';
import { claimantName } from './claimant-text.js';
import type { Style } from './context.js';
import { exitCodeOf } from './errors.js';
import type { WorkItem } from './work-items.js';

const NO_CLAIMANTS: readonly Claimant[] = Object.freeze([]);

/** One dataset item's verdict in a scan report. */
export interface ScanEntry {
  readonly source: string;
  readonly ids: readonly string[];
  readonly title?: string;
  /** `error` when the item could not be identified (unreadable file, malformed id). */
  readonly decision: Decision | 'error';
  readonly disputed: boolean;
  readonly conditions?: Conditions;
  readonly reason: string;
  /** The id whose check decided. */
  readonly decidedBy: string | null;
  /** The claimants of the check that decided, with their identity links and levels. */
  readonly claimants: readonly Claimant[];
  readonly evidence: readonly Evidence[];
  readonly warnings: readonly Warning[];
  readonly error?: { readonly code: string; readonly message: string };
}

/** Counts per decision. */
export interface ScanSummary {
  readonly items: number;
  readonly allow: number;
  readonly conditional: number;
  readonly deny: number;
  readonly unknown: number;
  readonly disputed: number;
  readonly errors: number;
}

/**
 * The verdict of an item with several ids (a file: its hash and its ISRCs): the most restrictive of the
 * checks that found a claimant, as for several claimants of one work (docs/decisions.md); `disputed`
 * when they disagree. With no claimant under any id, `unknown`.
 */
export function entryOf(item: WorkItem, results: readonly CheckResult[]): ScanEntry {
  // Object literals, not spreads: this runs once per item of a dataset of millions (profiled: spreads
  // were the largest cost of writing the report).
  const title = item.title;
  if (item.error !== undefined || results.length === 0) {
    const error = item.error ?? { code: 'USAGE', message: 'no work id' };
    const entry = {
      source: item.source,
      ids: item.ids,
      decision: 'error' as const,
      disputed: false,
      reason: error.message,
      decidedBy: null,
      claimants: NO_CLAIMANTS,
      evidence: [],
      warnings: [],
      error,
    };
    return title === undefined ? entry : { ...entry, title };
  }
  const only = results.length === 1 ? (results[0] as CheckResult) : undefined;
  if (
    only !== undefined &&
    only.rule === 'no-claimant' &&
    only.warnings.length === 0 &&
    title === undefined
  ) {
    // Most of a dataset: one id nobody claims.
    return {
      source: item.source,
      ids: item.ids,
      decision: only.decision,
      disputed: only.disputed,
      reason: only.reason,
      decidedBy: only.id ?? only.work,
      claimants: only.claimants,
      evidence: only.evidence,
      warnings: only.warnings,
    };
  }
  const base = { source: item.source, ids: item.ids, ...(title === undefined ? {} : { title }) };
  const claimed = results.filter((r) => r.rule !== 'no-claimant' && r.rule !== 'invalid-work-id');
  const pool = claimed.length === 0 ? results : claimed;
  let decisive = pool[0] as CheckResult;
  for (const r of pool) if (RESTRICTIVENESS[r.decision] > RESTRICTIVENESS[decisive.decision]) decisive = r;
  const evidence = new Map<string, Evidence>();
  for (const r of results)
    for (const e of r.evidence) evidence.set(`${e.cid} ${e.matched ?? ''} ${e.page ?? ''}`, e);
  return {
    ...base,
    decision: decisive.decision,
    disputed: pool.some((r) => r.disputed) || new Set(claimed.map((r) => r.decision)).size > 1,
    ...(decisive.conditions === undefined ? {} : { conditions: decisive.conditions }),
    reason: decisive.reason,
    decidedBy: decisive.id ?? decisive.work,
    claimants: decisive.claimants,
    evidence: [...evidence.values()],
    warnings: results.flatMap((r) => r.warnings),
  };
}

/**
 * The exit code a warning gives `scan` and `check` (docs/errors.md, "Verifier"): `5` for a rollback,
 * a missing head or a fork, `4` for a rejected manifest, `3` for a rejected catalog page, `1` for
 * stale information, `6` when unsigned signals failed. A work id's own code (an invalid id) gives none:
 * the item is reported, not the source.
 */
export function warningExitCode(code: string): number {
  return code.startsWith('WORK_ID_') ? 0 : exitCodeOf(code);
}

/**
 * Counts a report's entries as they are written: only the counts are kept, so a scan of any size
 * holds no more than one batch of entries.
 */
export class ScanTally {
  #items = 0;
  #allow = 0;
  #conditional = 0;
  #deny = 0;
  #unknown = 0;
  #disputed = 0;
  #errors = 0;
  readonly #warnings = new Map<string, number>();

  /** Counts one entry: its decision, whether it is disputed, and each warning code it carries once. */
  add(entry: ScanEntry): void {
    this.#items++;
    if (entry.decision === 'allow') this.#allow++;
    else if (entry.decision === 'conditional') this.#conditional++;
    else if (entry.decision === 'deny') this.#deny++;
    else if (entry.decision === 'unknown') this.#unknown++;
    else this.#errors++;
    if (entry.disputed) this.#disputed++;
    if (entry.warnings.length > 0)
      for (const code of new Set(entry.warnings.map((w) => w.code)))
        this.#warnings.set(code, (this.#warnings.get(code) ?? 0) + 1);
  }

  /** Counts per decision. */
  summary(): ScanSummary {
    return {
      items: this.#items,
      allow: this.#allow,
      conditional: this.#conditional,
      deny: this.#deny,
      unknown: this.#unknown,
      disputed: this.#disputed,
      errors: this.#errors,
    };
  }

  /** Items per warning code, codes in alphabetical order. */
  warnings(): Record<string, number> {
    return Object.fromEntries([...this.#warnings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /**
   * The scan's exit code: the highest of the warnings' exit codes (a source that rolled back or forked
   * is reported even when every verdict is safe) and `1` when `--fail-on` matches; else `0`.
   */
  exitCode(failOn: 'deny' | 'unknown' | undefined): number {
    let code = 0;
    for (const warning of this.#warnings.keys()) code = Math.max(code, warningExitCode(warning));
    const failed =
      failOn !== undefined &&
      (this.#deny > 0 || (failOn === 'unknown' && (this.#unknown > 0 || this.#errors > 0)));
    return Math.max(code, failed ? 1 : 0);
  }
}

/** Counts a report's entries. */
export function summarize(entries: Iterable<ScanEntry>): ScanSummary {
  const tally = new ScanTally();
  for (const entry of entries) tally.add(entry);
  return tally.summary();
}

/** The columns of the CSV report, one row per item. */
export const CSV_COLUMNS = [
  'source',
  'ids',
  'decision',
  'disputed',
  'conditions',
  'decided_by',
  'evidence',
  'reason',
  'warnings',
  'claimants',
] as const;

/**
 * Entries as CSV rows (RFC 4180, by csv-stringify), the header first when `header`. Cells that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) get a leading `'`: a dataset's lines
 * reach the report and must not execute when it is opened.
 */
export function csvRows(entries: readonly ScanEntry[], header = false): string {
  const rows: string[][] = header ? [[...CSV_COLUMNS]] : [];
  for (const e of entries) {
    rows.push([
      e.source,
      e.ids.join(' '),
      e.decision,
      String(e.disputed),
      e.conditions === undefined ? '' : JSON.stringify(e.conditions),
      e.decidedBy ?? '',
      [...new Set(e.evidence.map((x) => `${x.cid}@${x.version}`))].join(' '),
      e.reason,
      [...new Set(e.warnings.map((w) => w.code))].join(' '),
      e.claimants.map((c) => `${c.issuer} ${claimantName(c)}${c.outranked ? ' outranked' : ''}`).join('; '),
    ]);
  }
  return stringify(rows, { escape_formulas: true });
}

/** The report as CSV: the header and one row per item. */
export function toCsv(entries: readonly ScanEntry[]): string {
  return csvRows(entries, true);
}

/** One line of the table report: decision, `disputed`, source, what decided, and any warning codes. */
export function tableLine(e: ScanEntry, style: Style): string {
  const colour = e.decision === 'allow' ? style.ok : e.decision === 'conditional' ? style.warn : style.bad;
  const warned =
    e.warnings.length === 0
      ? ''
      : `  ${style.warn(`warning ${[...new Set(e.warnings.map((w) => w.code))].join(' ')}`)}`;
  const by = e.claimants.find((c) => !c.outranked);
  const who = by === undefined ? '' : ` ${claimantName(by)}`;
  return `${colour(e.decision.padEnd(11))} ${e.disputed ? 'disputed ' : ''}${e.source}  ${style.dim(`${e.decidedBy ?? e.reason}${who}`)}${warned}`;
}

/** The summary as a small text table, with a row per warning code (items that carry it). */
export function summaryTable(summary: ScanSummary, warnings: Readonly<Record<string, number>> = {}): string {
  const rows: [string, number][] = [
    ['allow', summary.allow],
    ['conditional', summary.conditional],
    ['deny', summary.deny],
    ['unknown', summary.unknown],
    ['errors', summary.errors],
    ['disputed', summary.disputed],
    ['items', summary.items],
  ];
  const width = Math.max(13, ...Object.keys(warnings).map((k) => k.length + 1));
  const counts = Math.max(5, ...rows.map(([, v]) => String(v).length));
  const line = ([k, v]: [string, number]) => `${k.padEnd(width)} ${String(v).padStart(counts)}`;
  const table = [
    `${'decision'.padEnd(width)} ${'count'.padStart(counts)}`,
    `${'-'.repeat(width - 2)}   ${'-'.repeat(counts)}`,
    ...rows.map(line),
  ];
  const warned = Object.entries(warnings);
  if (warned.length > 0)
    table.push(
      '',
      `${'warning'.padEnd(width)} ${'items'.padStart(counts)}`,
      `${'-'.repeat(width - 2)}   ${'-'.repeat(counts)}`,
      ...warned.map(line),
    );
  return table.join('\n');
}
