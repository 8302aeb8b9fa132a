/**
 * Ranking: orders the claimants of one work and picks the one whose answer decides —
 * docs/decisions.md §4–5. A claimant whose identity binding covers the work outranks claimants without
 * one; among equals the most restrictive wins (`deny` > `unknown` > `conditional` > `allow`), ties
 * broken by a fixed order so arrival order never shows. A grant needs a binding that covers the work
 * (a hash or CID: a binding anywhere); without one it counts as `unknown` with rule
 * `insufficient-binding`, below every other answer, so it decides only when nothing else speaks.
 * Deciding reads only its {@link Ranking}, so a rank that weighs more than restrictiveness lives here.
 */
import { type BindingLevel, coveringLevel, type Decision, type WorkId } from '@assent/manifest';
import { compareEvidence, creatorOf, type DecisionRule, type Evidence, RESTRICTIVENESS } from './decide.js';
import {
  type ClaimantAttestation,
  type ClaimantLink,
  NO_STANDING,
  type Standing,
} from './identity-standing.js';
import type { CreatorPlan } from './rollback-plan.js';

/** One creator that claims a work, as a result shows it (docs/decisions.md §5). */
export interface Claimant {
  /** The creator (spec §5.5: the did:key of its version 1), whatever keys signed its manifests. */
  readonly issuer: string;
  /** Its answer for the work after binding: a grant it cannot give is `unknown`. */
  readonly decision: Decision;
  /**
   * The level of its binding for this work: of a binding that covers it for a URL or an ISRC, of its
   * highest binding anywhere for a hash, a CID or an ISWC. 0 when it has none.
   */
  readonly level: BindingLevel;
  /** A binding of it covers the work (URLs and ISRCs only): it outranks claimants without one. */
  readonly inScope: boolean;
  /** Another claimant's binding covers the work and this one's does not: its answer does not count. */
  readonly outranked: boolean;
  /** The identities its newest manifest claims, each with its state. */
  readonly links: readonly ClaimantLink[];
  /** Attestations naming it. */
  readonly attestations: readonly ClaimantAttestation[];
}

/** Who decides a work, and how many stand behind it. */
export interface Ranking {
  /** The claim that decides, or undefined when no manifest claims the work. */
  readonly deciding: Evidence | undefined;
  /** The decision, `unknown` without a claim. */
  readonly decision: Decision;
  /** Its rule; without one, the rule of the first evidence (e.g. `not-yet-valid`), else `no-claimant`. */
  readonly rule: DecisionRule;
  /** Creators with at least one claim on the work. */
  readonly claimants: number;
  /** Every claimant, in the fixed order of evidence (by issuer). */
  readonly claimantList: readonly Claimant[];
  /** Claimants outranked by one whose binding covers the work. */
  readonly outranked: number;
  /** A claimant forked (several manifests at its newest version). */
  readonly forked: boolean;
}

/** How the verifier weighs bindings in one batch. */
export interface BindingRule {
  /** False: grants need no binding and nobody outranks anybody (`IdentityOptions.requireBinding`). */
  readonly required: boolean;
  /** Each creator's standing; a creator not in it has shown nothing. */
  readonly standings: ReadonlyMap<string, Standing>;
}

const NO_CLAIMANTS: readonly Claimant[] = Object.freeze([]);

/** The ranking of a work no manifest speaks to: shared. */
export const NO_RANKING: Ranking = Object.freeze({
  deciding: undefined,
  decision: 'unknown',
  rule: 'no-claimant',
  claimants: 0,
  claimantList: NO_CLAIMANTS,
  outranked: 0,
  forked: false,
});

/** A grant without the binding it needs: below every answer, so it decides only alone. */
const UNBOUND_GRANT = -1;

/** Whether a kind of work can be covered by a binding (a URL or an ISRC), or only by one anywhere. */
function scopedKind(id: WorkId): boolean {
  return id.startsWith('url:') || id.startsWith('url-prefix:') || id.startsWith('isrc:');
}

/**
 * Ranks the claims among `evidence` (what the creators that touch a work say about it) and answers
 * who decides. Sorts `evidence` in place into the fixed order results show (issuer, version
 * descending, CID). `plans` are those creators' plans, for whether a claimant forked.
 */
export function rankClaimants(
  evidence: Evidence[],
  plans: readonly CreatorPlan[],
  id: WorkId,
  binding: BindingRule,
): Ranking {
  if (evidence.length === 0) return NO_RANKING;
  evidence.sort(compareEvidence);
  const scoped = scopedKind(id);
  const claimantList: Claimant[] = [];
  // Per claimant, its most restrictive claim and that claim's rank (claims of one creator are adjacent).
  const best: { e: Evidence; rank: number }[] = [];
  let lastCreator: string | undefined;
  let level: BindingLevel = 0;
  let mayGrant = true;
  for (const e of evidence) {
    if (!e.claims) continue;
    const creator = creatorOf(e);
    if (creator !== lastCreator) {
      lastCreator = creator;
      const standing = binding.standings.get(creator) ?? NO_STANDING;
      level = scoped ? coveringLevel(standing.bindings, id) : standing.highest;
      mayGrant = !binding.required || level > 0;
      claimantList.push({
        issuer: creator,
        decision: e.decision,
        level,
        inScope: scoped && level > 0,
        outranked: false,
        links: standing.links,
        attestations: standing.attestations,
      });
      best.push({ e, rank: Number.NEGATIVE_INFINITY });
    }
    const grant = e.decision === 'allow' || e.decision === 'conditional';
    const rank = grant && !mayGrant ? UNBOUND_GRANT : RESTRICTIVENESS[e.decision];
    const mine = best[best.length - 1] as { e: Evidence; rank: number };
    if (rank > mine.rank) {
      mine.e = e;
      mine.rank = rank;
    }
  }
  // With bindings required, claimants whose binding covers the work outrank the others.
  const anyInScope = binding.required && claimantList.some((c) => c.inScope);
  let deciding: { e: Evidence; rank: number } | undefined;
  let outranked = 0;
  for (let i = 0; i < claimantList.length; i++) {
    const c = claimantList[i] as Claimant;
    const mine = best[i] as { e: Evidence; rank: number };
    const counts = !anyInScope || c.inScope;
    const decision: Decision = mine.rank === UNBOUND_GRANT ? 'unknown' : mine.e.decision;
    if (!counts) outranked++;
    if (decision !== c.decision || !counts) claimantList[i] = { ...c, decision, outranked: !counts };
    if (counts && (deciding === undefined || mine.rank > deciding.rank)) deciding = mine;
  }
  let forked = false;
  for (const p of plans) if (p.forked && claimsOf(evidence, p.creator)) forked = true;
  const unbound = deciding?.rank === UNBOUND_GRANT;
  return {
    deciding: deciding?.e,
    decision: deciding === undefined || unbound ? 'unknown' : deciding.e.decision,
    rule: unbound ? 'insufficient-binding' : (deciding?.e.rule ?? (evidence[0] as Evidence).rule),
    claimants: claimantList.length,
    claimantList: claimantList.length === 0 ? NO_CLAIMANTS : claimantList,
    outranked,
    forked,
  };
}

/** Whether `creator` has a claim among `evidence`. */
function claimsOf(evidence: readonly Evidence[], creator: string): boolean {
  for (const e of evidence) if (e.claims && creatorOf(e) === creator) return true;
  return false;
}
