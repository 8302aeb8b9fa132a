import type { Decision, UseTerm } from '@assent/manifest';
import {
  type Dictionary,
  type InnerList,
  type Item,
  parseDictionary,
  serializeDictionary,
  Token,
} from 'structured-headers';
import { assertResolvedPolicy, type ResolvedPolicy } from './policy.js';
import {
  freezeReading,
  mostRestrictive,
  type SignalIssue,
  type SignalReading,
  unknownDecisions,
} from './reading.js';
import { AIPREF_LABELS, type SignalName, writtenValue } from './signal-mappings.js';

/**
 * The largest Content-Usage value read, in characters. Servers commonly cap a header section at
 * 8 KiB; a preference expression needs a few dozen bytes. Larger input is not parsed at all.
 */
export const MAX_CONTENT_USAGE_LENGTH = 8192;

/** The HTTP field that carries an AIPREF preference (draft-ietf-aipref-attach §3). */
export const CONTENT_USAGE_HEADER = 'Content-Usage';

/**
 * The AIPREF statement of preference for a policy: an RFC 9651 Dictionary of Tokens `y`/`n`
 * (draft-ietf-aipref-vocab-08 §6), for the `Content-Usage` header or a robots.txt rule, serialized by
 * the `structured-headers` package. `undefined` when the policy states nothing AIPREF can express.
 * A label is never written with a meaning wider than the policy ({@link AIPREF_LABELS}):
 *
 * - `train-ai` (-08 §4.1: generative training; older drafts: all training): `y` only when both
 *   `train-ai` and `train-genai` are `allow`, `n` when either is restricted.
 * - `ai-use` (§4.2) from `ai-input`.
 * - `search` (§4.3): allowing search also allows processing, training and AI use inside the search
 *   application, so `y` only when `search`, `tdm`, `train-ai`, `train-genai` and `ai-input` are all
 *   `allow`; `n` when `search` is restricted; otherwise left out.
 * - `conditional` is written as `n` (AIPREF carries no conditions); `unknown` leaves a label out.
 *   `all` and `tdm` have no -08 label.
 *
 * @example toContentUsage(resolvePolicy({ 'train-ai': 'deny', search: 'allow' })) // 'train-ai=n'
 */
export function toContentUsage(policy: ResolvedPolicy): string | undefined {
  assertResolvedPolicy(policy);
  const members: Dictionary = new Map();
  for (const label of AIPREF_LABELS) {
    const value = writtenValue(label, policy.decisions);
    if (value !== undefined) members.set(label.name, [new Token(value ? 'y' : 'n'), new Map()]);
  }
  return members.size === 0 ? undefined : serializeDictionary(members);
}

/** What a Content-Usage header (or a robots.txt Content-Usage rule) says. */
export interface ContentUsageReading extends SignalReading {
  readonly standard: 'aipref';
  /**
   * Every label whose value was the Token `y` or `n`, known or not: older-draft labels (`bots`,
   * `train-genai`) show up here without affecting `decisions` (-08 §6.4: unknown labels are ignored).
   */
  readonly labels: Readonly<Record<string, 'y' | 'n'>>;
}

/**
 * Reads an AIPREF statement of preference (the `Content-Usage` header, several field lines allowed)
 * as unsigned evidence. Never throws. Per draft-ietf-aipref-vocab-08 §6.4: a value that is not a
 * valid Dictionary expresses no preference; unknown labels and all parameters are ignored; a label
 * whose value is not the Token `y` or `n` expresses none; of a repeated label the last one counts.
 *
 * Labels are read by their -08 meaning ({@link AIPREF_LABELS}): `train-ai` decides `train-genai` only;
 * `ai-use=n` denies `ai-input` but `ai-use=y` allows nothing (it is narrower than `ai-input`);
 * `search=y` allows `search` alone.
 *
 * @example parseContentUsage('train-ai=n, search=y').decisions // { 'train-genai': 'deny', search: 'allow', … }
 */
export function parseContentUsage(value: string | readonly string[] | null | undefined): ContentUsageReading {
  const issues: SignalIssue[] = [];
  const decisions = unknownDecisions();
  const labels: Record<string, 'y' | 'n'> = Object.create(null);
  const reading = (): ContentUsageReading =>
    freezeReading({
      standard: 'aipref',
      signed: false,
      decisions,
      details: {},
      issues,
      labels: Object.freeze(labels),
    });
  if (value === null || value === undefined) return reading();
  const lines = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(lines) || !lines.every((line) => typeof line === 'string')) {
    issues.push({ code: 'SIGNAL_SYNTAX', message: 'Content-Usage must be a string or an array of strings' });
    return reading();
  }
  let length = 0;
  for (const line of lines) length += line.length + 2;
  if (length > MAX_CONTENT_USAGE_LENGTH + 2) {
    issues.push({
      code: 'SIGNAL_TOO_LARGE',
      message: `Content-Usage is longer than ${MAX_CONTENT_USAGE_LENGTH} characters; not read`,
    });
    return reading();
  }
  readPreference(lines, decisions, labels, issues);
  return reading();
}

/**
 * Parses a statement of preference into `decisions` (by each label's scope) and `labels`. Shared by
 * the header and robots.txt readers so both read a preference the same way. Several field lines are
 * joined with ", " first (RFC 9651 §4.2).
 */
export function readPreference(
  lines: readonly string[],
  decisions: Record<UseTerm, Decision>,
  labels: Record<string, 'y' | 'n'>,
  issues: SignalIssue[],
  line?: number,
): void {
  const at = line === undefined ? {} : { line };
  let parsed: Dictionary;
  try {
    parsed = parseDictionary(lines.join(', '));
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'parse error';
    issues.push({
      code: 'SIGNAL_SYNTAX',
      message: `not an RFC 9651 dictionary (${reason}); no preference read`,
      ...at,
    });
    return;
  }
  for (const [key, member] of parsed) {
    const token = tokenOf(member);
    if (token === 'y' || token === 'n') labels[key] = token;
  }
  for (const label of AIPREF_LABELS) {
    const member = parsed.get(label.name);
    if (member === undefined) continue;
    const token = tokenOf(member);
    if (token === 'y' || token === 'n') readLabel(label, token === 'y', decisions);
    else
      issues.push({
        code: 'SIGNAL_BAD_VALUE',
        message: `${label.name} is not the token y or n; ignored`,
        ...at,
      });
  }
}

/** The Token value of a Dictionary member, parameters disregarded (-08 §6.4); `undefined` otherwise. */
function tokenOf(member: Item | InnerList): string | undefined {
  const bare = member[0];
  return bare instanceof Token ? bare.toString() : undefined;
}

/** Applies one label's value to `decisions`: a grant to `grants`, a restriction to `restricts`. */
export function readLabel(label: SignalName, grant: boolean, decisions: Record<UseTerm, Decision>): void {
  for (const term of grant ? label.grants : label.restricts) {
    decisions[term] = mostRestrictive(decisions[term], grant ? 'allow' : 'deny');
  }
}
