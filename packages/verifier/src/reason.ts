import type { Decision, UseTerm } from '@assent/manifest';
import type { Evidence } from './decide.js';

const OUTCOME: Readonly<Record<Decision, string>> = {
  allow: 'Allowed',
  deny: 'Denied',
  conditional: 'Allowed with conditions',
  unknown: 'Unknown',
};

const VERB: Readonly<Record<Decision, string>> = {
  allow: 'allows',
  deny: 'denies',
  conditional: 'allows, with conditions,',
  unknown: 'says nothing about',
};

/** What {@link reasonFor} needs to know about a result. */
export interface ReasonInput {
  readonly work: string;
  readonly use: UseTerm;
  readonly org: string | undefined;
  readonly decision: Decision;
  readonly deciding: Evidence | undefined;
  /** The rule when no evidence decided: `no-claimant`, `invalid-work-id`, `stale`, … */
  readonly rule: string;
  readonly claimants: number;
  readonly rollback: boolean;
  readonly missing: boolean;
  readonly forked: boolean;
  readonly stale: boolean;
  /** Claimants outranked by one whose identity binding covers the work (default 0). */
  readonly outranked?: number;
  readonly invalidCode?: string;
}

function core(r: ReasonInput): string {
  const d = r.deciding;
  if (r.rule === 'invalid-work-id')
    return `"${r.work}" is not a valid work id (${r.invalidCode ?? 'invalid'})`;
  if (d === undefined || r.rule === 'no-claimant') return `no manifest names this work`;
  const term = d.term ?? r.use;
  const covers = term === r.use ? '' : `, which covers ${r.use}`;
  if (r.rule === 'insufficient-binding')
    return `the creator ${VERB[d.decision]} ${term}${covers}, but has no checked identity link or trusted attestation covering this work, so the grant is not relied on`;
  switch (d.rule) {
    case 'work-policy':
    case 'work-policy-inherited':
      return `the creator ${VERB[d.decision]} ${term} for this work${covers}`;
    case 'default':
    case 'default-inherited':
      return `the creator's default policy ${VERB[d.decision]} ${term}${covers}`;
    case 'no-statement':
      return `the creator names this work but says nothing about ${r.use} or the uses above it`;
    case 'expired':
      return `the creator's manifest allowing ${term} has expired (validUntil has passed)`;
    case 'until-passed':
      return `the creator allowed ${term} only until a date that has passed`;
    case 'licensee':
      return r.org === undefined
        ? `the creator allows ${term} only for named licensees and no organisation was given`
        : `the creator allows ${term} only for named licensees and ${r.org} is not one of them`;
    case 'unknown-condition':
      return `the creator's permission for ${term} has a condition this verifier does not know, which counts as deny`;
    case 'not-yet-valid':
      return `the manifest naming this work does not take effect until later`;
    case 'not-named':
      return `the creator's newest manifest no longer names this work`;
    case 'content-unavailable':
      return `a newer manifest of the creator is known but its content is not at hand, so the safest outcome is taken`;
    default:
      return `the creator ${VERB[d.decision]} ${r.use}`;
  }
}

/** A one-sentence, plain-language explanation of a check result. */
export function reasonFor(r: ReasonInput): string {
  const notes: string[] = [];
  if (r.stale) {
    notes.push(
      r.rule === 'stale'
        ? 'the source’s information is older than the maximum age, so its grant is not relied on'
        : 'the source’s information is older than the maximum age',
    );
  }
  const outranked = r.outranked ?? 0;
  if (outranked > 0) {
    const rest = r.claimants - outranked;
    notes.push(
      `${r.claimants} creators claim this work and ${outranked} without an identity binding covering it ${outranked === 1 ? 'is' : 'are'} outranked${rest > 1 ? '; the most restrictive of the rest wins' : ''}`,
    );
  } else if (r.claimants > 1)
    notes.push(`${r.claimants} creators claim this work and the most restrictive wins`);
  if (r.forked)
    notes.push('the creator has two conflicting manifests of one version and the most restrictive counts');
  if (r.rollback) notes.push('the source offered an older version than one already seen, which is ignored');
  if (r.missing) notes.push('the source left out a creator whose newest manifest seen names this work');
  const text = core(r);
  return `${OUTCOME[r.decision]}: ${text}${notes.length === 0 ? '' : `; ${notes.join('; ')}`}.`;
}

/**
 * {@link reasonFor} with a memory of its last answer: the works of a batch that one creator's default
 * decides share one reason, and building it anew for each was the largest allocation of a batch check
 * after the results themselves (heap sampling of the gateway's `POST /v1/check`). The answer is the
 * same string `reasonFor` makes for these inputs; `work` is only read for an invalid id.
 */
export function lastReasonMemo(): (r: ReasonInput) => string {
  let last: ReasonInput | undefined;
  let text = '';
  return (r) => {
    const l = last;
    if (
      l !== undefined &&
      r.rule !== 'invalid-work-id' &&
      l.rule === r.rule &&
      l.decision === r.decision &&
      l.use === r.use &&
      l.org === r.org &&
      l.claimants === r.claimants &&
      l.rollback === r.rollback &&
      l.missing === r.missing &&
      l.forked === r.forked &&
      l.stale === r.stale &&
      l.outranked === r.outranked &&
      l.deciding?.rule === r.deciding?.rule &&
      l.deciding?.decision === r.deciding?.decision &&
      l.deciding?.term === r.deciding?.term
    )
      return text;
    last = r;
    text = reasonFor(r);
    return text;
  };
}
