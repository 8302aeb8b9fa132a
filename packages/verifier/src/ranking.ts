/**
 * Ranking: orders the claimants of one work and picks the one whose answer decides —
 * docs/decisions.md §4: the most restrictive claimant wins (`deny` > `unknown` > `conditional` >
 * `allow`), ties broken by a fixed order so arrival order never shows. Deciding reads only its
 * {@link Ranking}, so a rank that weighs more than restrictiveness belongs here alone.
 */
import type { Decision } from '@assent/manifest';
import { compareEvidence, type DecisionRule, type Evidence, RESTRICTIVENESS } from './decide.js';
import type { CreatorPlan } from './rollback-plan.js';

/** Who decides a work, and how many stand behind it. */
export interface Ranking {
  /** The claim that decides, or undefined when no manifest claims the work. */
  readonly deciding: Evidence | undefined;
  /** Its decision, `unknown` without one. */
  readonly decision: Decision;
  /** Its rule; without one, the rule of the first evidence (e.g. `not-yet-valid`), else `no-claimant`. */
  readonly rule: DecisionRule;
  /** Creators with at least one claim on the work. */
  readonly claimants: number;
  /** A claimant forked (several manifests at its newest version). */
  readonly forked: boolean;
}

/** The ranking of a work no manifest speaks to: shared. */
const UNCLAIMED: Ranking = Object.freeze({
  deciding: undefined,
  decision: 'unknown',
  rule: 'no-claimant',
  claimants: 0,
  forked: false,
});

/**
 * Ranks the claims among `evidence` (what the creators that touch a work say about it) and answers
 * who decides. Sorts `evidence` in place into the fixed order results show (issuer, version
 * descending, CID). `plans` are those creators' plans, for whether a claimant forked.
 */
export function rankClaimants(evidence: Evidence[], plans: readonly CreatorPlan[]): Ranking {
  if (evidence.length === 0) return UNCLAIMED;
  evidence.sort(compareEvidence);
  // One pass, no arrays per work: claims of one issuer are adjacent once sorted.
  let deciding: Evidence | undefined;
  let claimants = 0;
  let lastIssuer: string | undefined;
  for (const e of evidence) {
    if (!e.claims) continue;
    if (e.issuer !== lastIssuer) {
      claimants++;
      lastIssuer = e.issuer;
    }
    if (deciding === undefined || RESTRICTIVENESS[e.decision] > RESTRICTIVENESS[deciding.decision])
      deciding = e;
  }
  let forked = false;
  for (const p of plans) if (p.forked && claimsOf(evidence, p.issuer)) forked = true;
  return {
    deciding,
    decision: deciding?.decision ?? 'unknown',
    rule: deciding?.rule ?? (evidence[0] as Evidence).rule,
    claimants,
    forked,
  };
}

/** Whether `issuer` has a claim among `evidence`. */
function claimsOf(evidence: readonly Evidence[], issuer: string): boolean {
  for (const e of evidence) if (e.claims && e.issuer === issuer) return true;
  return false;
}
