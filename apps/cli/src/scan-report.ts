import type { Conditions, Decision } from '@assent/manifest';
import { type CheckResult, type Evidence, RESTRICTIVENESS, type Warning } from '@assent/verifier';
import type { WorkItem } from './work-items.js';

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
  const base = {
    source: item.source,
    ids: item.ids,
    ...(item.title === undefined ? {} : { title: item.title }),
  };
  if (item.error !== undefined || results.length === 0) {
    const error = item.error ?? { code: 'USAGE', message: 'no work id' };
    return {
      ...base,
      decision: 'error',
      disputed: false,
      reason: error.message,
      decidedBy: null,
      evidence: [],
      warnings: [],
      error,
    };
  }
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
    evidence: [...evidence.values()],
    warnings: results.flatMap((r) => r.warnings),
  };
}

/** Counts a report's entries. */
export function summarize(entries: readonly ScanEntry[]): ScanSummary {
  const count = (d: ScanEntry['decision']) => entries.filter((e) => e.decision === d).length;
  return {
    items: entries.length,
    allow: count('allow'),
    conditional: count('conditional'),
    deny: count('deny'),
    unknown: count('unknown'),
    disputed: entries.filter((e) => e.disputed).length,
    errors: count('error'),
  };
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The report as CSV: one row per item. */
export function toCsv(entries: readonly ScanEntry[]): string {
  const rows = [['source', 'ids', 'decision', 'disputed', 'conditions', 'decided_by', 'evidence', 'reason']];
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
    ]);
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

/** The summary as a small text table. */
export function summaryTable(summary: ScanSummary): string {
  const rows: [string, number][] = [
    ['allow', summary.allow],
    ['conditional', summary.conditional],
    ['deny', summary.deny],
    ['unknown', summary.unknown],
    ['errors', summary.errors],
    ['disputed', summary.disputed],
    ['items', summary.items],
  ];
  return [
    'decision      count',
    '-----------   -----',
    ...rows.map(([k, v]) => `${k.padEnd(13)} ${String(v).padStart(5)}`),
  ].join('\n');
}
