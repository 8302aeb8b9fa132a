/**
 * Deciding: turns what the creators say about one work into its {@link CheckResult} — the decision
 * (a grant on stale evidence becomes `unknown`, docs/decisions.md §5), the warnings in a fixed
 * order, the reason and the documented key order.
 */
import type { Conditions, Decision, UseTerm, WorkId } from '@assent/manifest';
import type { Circumstances, DecisionRule, Evidence } from './decide.js';
import type { Warning } from './errors.js';
import type { ManifestEntry } from './manifest-cache.js';
import type { Claimant, Ranking } from './ranking.js';
import { type ReasonInput, reasonFor } from './reason.js';
import type { CreatorPlan } from './rollback-plan.js';
import type { WorkItem } from './work-matcher.js';

/** The answer for one work. Its keys come in this order, the order of the HTTP API's results. */
export interface CheckResult {
  /** The work id as given. */
  readonly work: string;
  /** Its normal form, or null when it is not a valid work id. */
  readonly id: WorkId | null;
  readonly use: UseTerm;
  /** The time of use the decision holds for (UTC date-time). */
  readonly at: string;
  readonly decision: Decision;
  /** With `conditional`: the conditions to meet (of the deciding manifest; each evidence has its own). */
  readonly conditions?: Conditions;
  /** More than one creator claims the work, or its creator forked. */
  readonly disputed: boolean;
  /** The term whose statement decided, or null. */
  readonly term: UseTerm | null;
  /** The rule that decided (docs/decisions.md). */
  readonly rule: DecisionRule;
  /** One plain-language sentence. */
  readonly reason: string;
  /** Every manifest considered, with its own decision, in a fixed order. */
  readonly evidence: readonly Evidence[];
  /**
   * Every creator that claims the work, by issuer: its answer after binding, its binding level for the
   * work, whether it is outranked, and its identity links with when they were last observed.
   */
  readonly claimants: readonly Claimant[];
  readonly warnings: readonly Warning[];
}

/** What every result of one batch shares. */
export interface BatchFacts {
  readonly c: Circumstances;
  /** The time of use as a UTC date-time. */
  readonly at: string;
  /** The source's answer is older than `maxAge` (or its `asOf` is unreadable). */
  readonly stale: boolean;
  /** Warnings about the batch's manifests (rejected manifests and pages): every result carries them. */
  readonly warnings: readonly Warning[];
  /** The reason of a result (a memo that hands out the last string again when nothing differs). */
  readonly reasonOf: (r: ReasonInput) => string;
}

/** The reason of a work no manifest names: the same whatever the work, use and organisation. */
const NO_CLAIMANT_REASON = reasonFor({
  work: '',
  use: 'all',
  org: undefined,
  decision: 'unknown',
  deciding: undefined,
  rule: 'no-claimant',
  claimants: 0,
  rollback: false,
  missing: false,
  forked: false,
  stale: false,
});

const NO_CLAIMANTS: readonly Claimant[] = Object.freeze([]);

function order(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The result for one work of a batch, from the evidence of the creators that touch it, their plans
 * (none for a work nobody names) and their {@link Ranking}; the result holds `evidence` as it is
 * (ranking sorted it into its fixed order).
 */
export function resultFor(
  item: WorkItem,
  evidence: readonly Evidence[],
  plans: readonly CreatorPlan[],
  ranking: Ranking,
  facts: BatchFacts,
): CheckResult {
  const { c, at, stale } = facts;
  const batchWarnings = facts.warnings;
  if (item.id === undefined) {
    const invalid = item.invalid as { code: Warning['code']; message: string };
    return {
      work: item.work,
      id: null,
      use: c.use,
      at,
      decision: 'unknown',
      disputed: false,
      term: null,
      rule: 'invalid-work-id',
      reason: reasonFor({
        work: item.work,
        use: c.use,
        org: c.org,
        decision: 'unknown',
        deciding: undefined,
        rule: 'invalid-work-id',
        claimants: 0,
        rollback: false,
        missing: false,
        forked: false,
        stale: false,
        invalidCode: invalid.code,
      }),
      evidence: [],
      claimants: NO_CLAIMANTS,
      warnings: [{ code: invalid.code, message: invalid.message }],
    };
  }
  if (evidence.length === 0 && plans.length === 0 && !stale && batchWarnings.length === 0) {
    // No manifest names the work (most of a dataset): the general path's answer, without its work.
    return {
      work: item.work,
      id: item.id,
      use: c.use,
      at,
      decision: 'unknown',
      disputed: false,
      term: null,
      rule: 'no-claimant',
      reason: NO_CLAIMANT_REASON,
      evidence,
      claimants: NO_CLAIMANTS,
      warnings: [],
    };
  }
  const { deciding, claimants, forked } = ranking;
  const rollback = plans.some((p) => p.rollback);
  const missing = plans.some((p) => p.missing);
  let decision: Decision = ranking.decision;
  let rule: DecisionRule = ranking.rule;
  if (stale && (decision === 'allow' || decision === 'conditional')) {
    decision = 'unknown';
    rule = 'stale';
  }
  const warnings: Warning[] = [];
  for (const p of plans) {
    const newest = p.branches[0];
    const version =
      newest === undefined ? 0 : newest.kind === 'unavailable' ? newest.version : newest.entry.version;
    if (p.rollback) {
      warnings.push({
        code: 'ROLLBACK_DETECTED',
        issuer: p.creator,
        message: `the source offered version ${(p.hints[0] as ManifestEntry).version} of ${p.creator}, but version ${version} was already seen`,
      });
    }
    if (p.missing) {
      warnings.push({
        code: 'HEAD_MISSING',
        issuer: p.creator,
        message: `the source offered no manifest of ${p.creator}, whose version ${version} names this work; that version decided`,
      });
    }
    if (p.forked) {
      warnings.push({
        code: 'FORKED',
        issuer: p.creator,
        message: `${p.creator} has ${p.branches.length} different manifests with the same version`,
      });
    }
  }
  if (stale) warnings.push({ code: 'STALE', message: 'the source’s information is older than maxAge' });
  if (rule === 'insufficient-binding' && deciding !== undefined) {
    warnings.push({
      code: 'INSUFFICIENT_BINDING',
      issuer: deciding.creator ?? deciding.issuer,
      message: `${deciding.creator ?? deciding.issuer} grants this use but has no identity binding that covers this work`,
    });
  }
  for (const w of batchWarnings) warnings.push(w);
  // A fixed order, so that the order in which manifests arrived never shows.
  warnings.sort(
    (a, b) =>
      order(a.code, b.code) || order(a.issuer ?? '', b.issuer ?? '') || order(a.cid ?? '', b.cid ?? ''),
  );
  const conditions = decision === 'conditional' ? deciding?.conditions : undefined;
  const reason = facts.reasonOf({
    work: item.work,
    use: c.use,
    org: c.org,
    decision,
    deciding: deciding ?? evidence[0],
    rule,
    claimants,
    rollback,
    missing,
    forked,
    stale,
    outranked: ranking.outranked,
  });
  const disputed = claimants > 1 || forked;
  const term = deciding?.term ?? null;
  // Literals in the documented key order (the gateway serializes results as they are).
  return conditions === undefined
    ? {
        work: item.work,
        id: item.id,
        use: c.use,
        at,
        decision,
        disputed,
        term,
        rule,
        reason,
        evidence,
        claimants: ranking.claimantList,
        warnings,
      }
    : {
        work: item.work,
        id: item.id,
        use: c.use,
        at,
        decision,
        conditions,
        disputed,
        term,
        rule,
        reason,
        evidence,
        claimants: ranking.claimantList,
        warnings,
      };
}
