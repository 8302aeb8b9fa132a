import {
  ancestorsOf,
  type CatalogPage,
  type Conditions,
  type ConsentManifest,
  type Decision,
  isConditionName,
  isDecision,
  normalizeWorkId,
  type Policy,
  type Statement,
  USE_TERMS,
  type UseTerm,
  type Work,
} from '@assent/manifest';

/**
 * The consent of one work (or one URL prefix) for every use term, already resolved: what every
 * writer of this package takes as input. Build it with {@link resolvePolicy} or
 * {@link policyForWork}; a verifier's decision for a work has the same shape.
 */
export interface ResolvedPolicy {
  /** The decision for every v1 term, after inheritance (docs/spec/manifest.md §3.2). */
  readonly decisions: Readonly<Record<UseTerm, Decision>>;
  /** For each `conditional` term, the conditions of the statement that decided it. */
  readonly conditions: Readonly<Partial<Record<UseTerm, Conditions>>>;
}

/** Options of {@link resolvePolicy}. */
export interface ResolveOptions {
  /** The instant the policy is resolved for; grants outside the validity window become `deny`. */
  readonly at?: Date;
  /** The manifest's `validFrom`: before it, the manifest says nothing (every term `unknown`). */
  readonly validFrom?: string | undefined;
  /** The manifest's `validUntil`: from it on, grants count as `deny` (spec §2). */
  readonly validUntil?: string | undefined;
}

/** A statement reduced to its decision and conditions. */
function statementParts(statement: Statement): { decision: Decision; conditions: Conditions | undefined } {
  if (typeof statement === 'string') return { decision: statement, conditions: undefined };
  return { decision: statement.decision, conditions: statement.conditions };
}

/** The statement for `term` in `policy`, looked up the spec §3.2 way: the term, then its ancestors. */
function lookup(policy: Policy | undefined, term: UseTerm): Statement | undefined {
  if (policy === undefined) return undefined;
  for (const candidate of [term, ...ancestorsOf(term)]) {
    if (Object.hasOwn(policy, candidate)) {
      const statement = policy[candidate];
      if (statement !== undefined) return statement;
    }
  }
  return undefined;
}

/**
 * Resolves a work's policy for every term: the work's own statement for the term, then for each
 * ancestor; then the manifest `default` the same way; with nothing, `unknown` (spec §3.2). Then,
 * spec §2 and §3.3: a grant from `validUntil` on, a `conditional` whose `until` has passed, and a
 * `conditional` with a condition this version does not know all become `deny`; before `validFrom`
 * every term is `unknown`. These are the rules of `@assent/verifier`'s decision for one use, applied
 * to every term at once; licensees are not checked (a signal has no checking organisation).
 *
 * @example
 * resolvePolicy({ 'train-ai': 'deny' }, { all: 'allow' }).decisions['train-genai'] // 'deny'
 */
export function resolvePolicy(
  policy: Policy | undefined,
  defaults?: Policy | undefined,
  options: ResolveOptions = {},
): ResolvedPolicy {
  const at = (options.at ?? new Date()).getTime();
  const from = options.validFrom === undefined ? Number.NEGATIVE_INFINITY : Date.parse(options.validFrom);
  const until = options.validUntil === undefined ? Number.POSITIVE_INFINITY : Date.parse(options.validUntil);
  // A manifest before its validFrom does not apply yet: it says nothing (as the verifier reads it).
  const notYet = Number.isNaN(from) || at < from;
  // A date that does not parse makes the window closed: never widen a grant on bad input.
  const inForce = !Number.isNaN(until) && at < until;
  const decisions = {} as Record<UseTerm, Decision>;
  const conditions: Partial<Record<UseTerm, Conditions>> = {};
  for (const term of USE_TERMS) {
    const statement = notYet ? undefined : (lookup(policy, term) ?? lookup(defaults, term));
    if (statement === undefined) {
      decisions[term] = 'unknown';
      continue;
    }
    let { decision, conditions: stated } = statementParts(statement);
    if (!isDecision(decision)) decision = 'deny';
    if ((decision === 'allow' || decision === 'conditional') && !inForce) decision = 'deny';
    if (decision === 'conditional') {
      if (stated === undefined || !conditionsHold(stated, at)) decision = 'deny';
      else conditions[term] = stated;
    }
    decisions[term] = decision;
  }
  return Object.freeze({ decisions: Object.freeze(decisions), conditions: Object.freeze(conditions) });
}

/** False when a condition is unknown (spec §3.3: treat as `deny`) or its `until` has passed. */
function conditionsHold(conditions: Conditions, at: number): boolean {
  for (const name of Object.keys(conditions)) if (!isConditionName(name)) return false;
  if (conditions.until !== undefined) {
    const end = Date.parse(conditions.until);
    if (Number.isNaN(end) || at >= end) return false;
  }
  return true;
}

/** Options of {@link policyForWork}. */
export interface PolicyForWorkOptions {
  /** Verified catalog pages of the manifest, searched after its inline works. */
  readonly pages?: readonly CatalogPage[];
  /** The instant to resolve for (default: now). */
  readonly at?: Date;
}

/**
 * The resolved policy of the work that `manifest` names with `workId` (any accepted spelling;
 * it is normalized first), or `undefined` when the manifest does not name it. Matching is by exact
 * identifier: a `url-prefix:` work is found by its own `url-prefix:` id. Deciding which works of
 * which manifests cover a URL is the verifier's job; pass the manifest that decided.
 *
 * The manifest must already be verified (`verifyManifest`): this function trusts its shape.
 *
 * @example
 * const policy = policyForWork(verified.manifest, 'url-prefix:https://soundcloud.com/the-flight/');
 * if (policy) headers.set('Content-Usage', toContentUsage(policy) ?? '');
 */
export function policyForWork(
  manifest: ConsentManifest,
  workId: string,
  options: PolicyForWorkOptions = {},
): ResolvedPolicy | undefined {
  const normalized = normalizeWorkId(workId);
  if (!normalized.ok) return undefined;
  const id: string = normalized.value;
  const subject = manifest.credentialSubject;
  const found = findWork(subject.works, id) ?? findInPages(options.pages ?? [], id);
  if (found === undefined) return undefined;
  return resolvePolicy(found.policy, subject.default, {
    ...(options.at === undefined ? {} : { at: options.at }),
    validFrom: manifest.validFrom,
    validUntil: manifest.validUntil,
  });
}

function findWork(works: readonly Work[], id: string): Work | undefined {
  return works.find((work) => work.ids.includes(id));
}

function findInPages(pages: readonly CatalogPage[], id: string): Work | undefined {
  for (const page of pages) {
    const work = findWork(page.works, id);
    if (work !== undefined) return work;
  }
  return undefined;
}

/**
 * True when `value` is a {@link ResolvedPolicy}: a decision for each of the six terms, and
 * conditions only as objects.
 */
export function isResolvedPolicy(value: unknown): value is ResolvedPolicy {
  if (typeof value !== 'object' || value === null) return false;
  const { decisions, conditions } = value as { decisions?: unknown; conditions?: unknown };
  if (typeof decisions !== 'object' || decisions === null) return false;
  if (typeof conditions !== 'object' || conditions === null) return false;
  for (const term of USE_TERMS) {
    if (!Object.hasOwn(decisions, term) || !isDecision((decisions as Record<string, unknown>)[term])) {
      return false;
    }
  }
  return true;
}

/** Throws a `TypeError` (programmer misuse) unless `value` is a {@link ResolvedPolicy}. */
export function assertResolvedPolicy(value: unknown): asserts value is ResolvedPolicy {
  if (!isResolvedPolicy(value)) {
    throw new TypeError(
      'expected a ResolvedPolicy: { decisions: { all, tdm, train-ai, train-genai, ai-input, search }, conditions }; build one with resolvePolicy()',
    );
  }
}

/** True for the decisions a signal that cannot carry conditions must write restrictively. */
export function isRestrictive(decision: Decision): boolean {
  return decision === 'deny' || decision === 'conditional';
}
