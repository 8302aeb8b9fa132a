import {
  ancestorsOf,
  type Conditions,
  type Decision,
  isConditionName,
  type Policy,
  type Statement,
  type UseTerm,
} from '@assent/manifest';
import type { LocatedWork, ManifestEntry } from './manifest-cache.js';

/**
 * How a manifest's decision for a work and a use came about (docs/decisions.md):
 * - `work-policy`, `work-policy-inherited`: the work's own policy, for the use or an ancestor;
 * - `default`, `default-inherited`: the manifest `default`, for the use or an ancestor;
 * - `no-statement`: the manifest names the work but says nothing that covers the use;
 * - `expired`: a grant after the manifest's `validUntil`; `until-passed`: after its `until` condition;
 * - `licensee`: a grant limited to licensees, and the checking organisation is absent or not one;
 * - `unknown-condition`: a condition this verifier does not know (spec §3.3: never read as met);
 * - `not-yet-valid`: the manifest's `validFrom` is after the time of use, so it does not apply yet;
 * - `not-named`: a fork branch or a newer version that does not name the work;
 * - `content-unavailable`: the creator's newest manifest (or a fork branch) is known by CID but its
 *   content is not at hand, so the most restrictive outcome is taken.
 * Result-level only: `no-claimant` (no manifest names the work), `invalid-work-id`, `stale`, and
 * `insufficient-binding` (the only grant comes from a creator with no identity binding covering the
 * work, docs/decisions.md §5).
 */
export type DecisionRule =
  | 'work-policy'
  | 'work-policy-inherited'
  | 'default'
  | 'default-inherited'
  | 'no-statement'
  | 'expired'
  | 'until-passed'
  | 'licensee'
  | 'unknown-condition'
  | 'not-yet-valid'
  | 'not-named'
  | 'content-unavailable'
  | 'no-claimant'
  | 'invalid-work-id'
  | 'stale'
  | 'insufficient-binding';

/** What one manifest says about the work and the use, and why. */
export interface Evidence {
  readonly cid: string;
  /** The key that signed the manifest. */
  readonly issuer: string;
  /**
   * The creator the manifest speaks for, when its key is not the creator's own (a rotated key whose
   * chain was proven, docs/spec/manifest.md §5.5); absent when it is the issuer.
   */
  readonly creator?: string;
  readonly version: number;
  /** This manifest's decision, after expiry, conditions and licensees. */
  readonly decision: Decision;
  /** The term whose statement decided (the use or an ancestor); null when none did. */
  readonly term: UseTerm | null;
  readonly rule: DecisionRule;
  /** The id in the manifest that matched: the work's own, or a `url-prefix:` covering it. */
  readonly matched: string | null;
  /** The catalog page the work was found in, if not inline. */
  readonly page?: string;
  /** The conditions of a `conditional` decision. */
  readonly conditions?: Conditions;
  /** Whether this manifest counts as a claimant of the work (see docs/decisions.md). */
  readonly claims: boolean;
  /**
   * Set on a creator's newest version whose answer for the work is less restrictive than an earlier
   * one's still in its waiting window (docs/decisions.md §2): when it takes effect (UTC date-time).
   * Until then it does not claim, and the earlier version's evidence beside it speaks.
   */
  readonly pendingUntil?: string;
}

/**
 * How much a decision restricts use. Several claimants: the highest wins. `unknown` sits between
 * `deny` and the grants: a claimant who names the work but says nothing grants nothing, so a
 * grant from another claimant is not enough (docs/decisions.md, "Several claimants").
 */
export const RESTRICTIVENESS: Readonly<Record<Decision, number>> = Object.freeze({
  allow: 0,
  conditional: 1,
  unknown: 2,
  deny: 3,
});

/** True when `org` is one of `licensees`; a domain and its `did:web:` name the same organisation. */
export function isLicensee(org: string | undefined, licensees: readonly string[]): boolean {
  if (org === undefined) return false;
  for (const licensee of licensees) {
    if (licensee === org || licensee === `did:web:${org}` || `did:web:${licensee}` === org) return true;
  }
  return false;
}

/** The first term of `chain` (the use, then its ancestors) that `policy` has a statement for. */
function statedTerm(policy: Policy | undefined, chain: readonly UseTerm[]): UseTerm | undefined {
  if (policy === undefined) return undefined;
  for (const term of chain) if (policy[term] !== undefined) return term;
  return undefined;
}

const CHAINS = new Map<UseTerm, readonly UseTerm[]>();
function chainOf(use: UseTerm): readonly UseTerm[] {
  let chain = CHAINS.get(use);
  if (chain === undefined) {
    chain = [use, ...ancestorsOf(use)];
    CHAINS.set(use, chain);
  }
  return chain;
}

/** The time of use and the checking organisation. */
export interface Circumstances {
  readonly use: UseTerm;
  readonly org: string | undefined;
  readonly atMs: number;
}

/**
 * One piece of evidence, built as a literal with a fixed key order (object spreads were a tenth of a
 * warm check). `page` is present only for works found in a catalog page; `conditions` only for
 * `conditional`.
 */
function evidenceOf(
  entry: ManifestEntry,
  matched: string,
  page: string | undefined,
  decision: Decision,
  term: UseTerm | null,
  rule: DecisionRule,
  claims: boolean,
  conditions?: Conditions,
): Evidence {
  const { cid, issuer, version } = entry;
  if (entry.creator !== issuer) {
    const creator = entry.creator;
    if (conditions !== undefined) {
      return page === undefined
        ? { cid, issuer, creator, version, matched, decision, term, rule, conditions, claims }
        : { cid, issuer, creator, version, matched, page, decision, term, rule, conditions, claims };
    }
    return page === undefined
      ? { cid, issuer, creator, version, matched, decision, term, rule, claims }
      : { cid, issuer, creator, version, matched, page, decision, term, rule, claims };
  }
  if (conditions !== undefined) {
    return page === undefined
      ? { cid, issuer, version, matched, decision, term, rule, conditions, claims }
      : { cid, issuer, version, matched, page, decision, term, rule, conditions, claims };
  }
  return page === undefined
    ? { cid, issuer, version, matched, decision, term, rule, claims }
    : { cid, issuer, version, matched, page, decision, term, rule, claims };
}

/**
 * What one verified manifest says about a work it names, for a use at a time by an organisation
 * (spec §3.2 resolution, §2 `validUntil`, §3.3 conditions).
 */
export function evaluate(
  entry: ManifestEntry,
  located: LocatedWork,
  matched: string,
  c: Circumstances,
): Evidence {
  const page = located.page;
  if (c.atMs < entry.validFromMs) {
    return evidenceOf(entry, matched, page, 'unknown', null, 'not-yet-valid', false);
  }
  const chain = chainOf(c.use);
  // The work's own policy, else the manifest default (spec §3.2); no objects made per work.
  let policy = located.work.policy;
  let term = statedTerm(policy, chain);
  const fromDefault = term === undefined;
  if (fromDefault) {
    policy = entry.default;
    term = statedTerm(policy, chain);
  }
  if (term === undefined) return evidenceOf(entry, matched, page, 'unknown', null, 'no-statement', true);
  const statement = (policy as Policy)[term] as Statement;
  const own = term === c.use;
  const rule: DecisionRule = fromDefault
    ? own
      ? 'default'
      : 'default-inherited'
    : own
      ? 'work-policy'
      : 'work-policy-inherited';
  // A statement says allow, deny or conditional (the schema has no `unknown` statement).
  const decision = typeof statement === 'string' ? statement : statement.decision;
  const conditions: Conditions | undefined = typeof statement === 'string' ? undefined : statement.conditions;
  if (decision === 'deny') return evidenceOf(entry, matched, page, decision, term, rule, true);
  // A grant. §2: after validUntil the manifest's grants count as deny.
  if (entry.validUntilMs !== undefined && c.atMs >= entry.validUntilMs) {
    return evidenceOf(entry, matched, page, 'deny', term, 'expired', true);
  }
  if (decision === 'allow' || conditions === undefined)
    return evidenceOf(entry, matched, page, decision, term, rule, true);
  // §3.3: a condition this verifier does not know is never read as met.
  for (const name of Object.keys(conditions)) {
    if (!isConditionName(name))
      return evidenceOf(entry, matched, page, 'deny', term, 'unknown-condition', true);
  }
  if (conditions.until !== undefined && c.atMs >= Date.parse(conditions.until)) {
    return evidenceOf(entry, matched, page, 'deny', term, 'until-passed', true);
  }
  if (conditions.licensees !== undefined && !isLicensee(c.org, conditions.licensees)) {
    return evidenceOf(entry, matched, page, 'deny', term, 'licensee', true);
  }
  return evidenceOf(entry, matched, page, 'conditional', term, rule, true, conditions);
}

/**
 * Finds the most specific entry of a manifest for a work: its own id, else the longest
 * `url-prefix:` covering it (`prefixes` shortest first, as `urlPrefixesOf` gives them).
 */
export function locate(
  entry: ManifestEntry,
  id: string,
  prefixes: readonly string[],
): { located: LocatedWork; matched: string } | undefined {
  const own = entry.index.get(id);
  if (own !== undefined) return { located: own, matched: id };
  for (let i = prefixes.length - 1; i >= 0; i--) {
    const prefix = prefixes[i] as string;
    const located = entry.index.get(prefix);
    if (located !== undefined) return { located, matched: prefix };
  }
  return undefined;
}

/** The creator a piece of evidence speaks for (spec §5.5). */
export function creatorOf(e: Pick<Evidence, 'issuer' | 'creator'>): string {
  return e.creator ?? e.issuer;
}

/**
 * Orders evidence the same whatever order the manifests arrived in: by creator (so one creator's
 * claims are adjacent, whatever keys signed them), then version descending, issuer and CID.
 */
export function compareEvidence(a: Evidence, b: Evidence): number {
  const ca = creatorOf(a);
  const cb = creatorOf(b);
  if (ca !== cb) return ca < cb ? -1 : 1;
  if (a.version !== b.version) return b.version - a.version;
  if (a.issuer !== b.issuer) return a.issuer < b.issuer ? -1 : 1;
  return a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0;
}
