import { type Decision, USE_TERMS, type UseTerm } from '@assent/manifest';

/**
 * Codes of the problems a signal reader reports. They are public API, like every Assent error code:
 * - `SIGNAL_TOO_LARGE`: the input was over the reader's limit; only the first part was read (robots.txt)
 *   or nothing was (headers, JSON).
 * - `SIGNAL_SYNTAX`: the input does not parse (a structured field, JSON, a robots.txt line); what it
 *   would have said is `unknown`.
 * - `SIGNAL_BAD_VALUE`: a known name with a value the standard does not define; that name says nothing.
 */
export const SIGNAL_ISSUE_CODES = ['SIGNAL_TOO_LARGE', 'SIGNAL_SYNTAX', 'SIGNAL_BAD_VALUE'] as const;

/** A code of {@link SIGNAL_ISSUE_CODES}. */
export type SignalIssueCode = (typeof SIGNAL_ISSUE_CODES)[number];

/** A problem found while reading a signal. Readers never throw; they report and read on. */
export interface SignalIssue {
  readonly code: SignalIssueCode;
  readonly message: string;
  /** 1-based line of robots.txt where the problem is, when there is one. */
  readonly line?: number;
}

/** The signalling standards this package reads. */
export type SignalStandard = 'aipref' | 'content-signal' | 'tdmrep' | 'cawg' | 'x-robots-tag';

/**
 * What one unsigned signal says, per Assent term. Lower-trust evidence than a creator-signed
 * manifest: anyone who controls the server or the file wrote it, and nothing binds it to the
 * creator. Combine readings the way AIPREF does (vocab §7.1): any `deny` wins.
 */
export interface SignalReading {
  /** The standard the signal follows. */
  readonly standard: SignalStandard;
  /** Always `false`: a signal is never signed by the creator. */
  readonly signed: false;
  /**
   * The decision this signal alone gives each Assent term, in the term's own scope; `unknown`
   * where it says nothing. `conditional` only where the signal carries more than a bare
   * restriction (a CAWG `constrained` entry with `constraint_info`).
   */
  readonly decisions: Readonly<Record<UseTerm, Decision>>;
  /** Text the signal attaches to a term (CAWG `constraint_info`, TDMRep `tdm-policy`). */
  readonly details: Readonly<Partial<Record<UseTerm, string>>>;
  /** What was wrong with the input; empty when nothing was. */
  readonly issues: readonly SignalIssue[];
}

/** A fresh decisions record with every term `unknown`. */
export function unknownDecisions(): Record<UseTerm, Decision> {
  const decisions = {} as Record<UseTerm, Decision>;
  for (const term of USE_TERMS) decisions[term] = 'unknown';
  return decisions;
}

/** Freezes a reading so consumers cannot edit shared evidence. */
export function freezeReading<R extends SignalReading>(reading: R): R {
  Object.freeze(reading.decisions);
  Object.freeze(reading.details);
  Object.freeze(reading.issues);
  return Object.freeze(reading);
}

/** The most restrictive of two decisions (AIPREF vocab §7.1: deny over allow over no preference). */
export function mostRestrictive(a: Decision, b: Decision): Decision {
  const rank: Record<Decision, number> = { deny: 3, conditional: 2, allow: 1, unknown: 0 };
  return rank[a] >= rank[b] ? a : b;
}
