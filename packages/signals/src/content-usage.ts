import type { Decision, UseTerm } from '@assent/manifest';
import { assertResolvedPolicy, isRestrictive, type ResolvedPolicy } from './policy.js';
import { freezeReading, type SignalIssue, type SignalReading, unknownDecisions } from './reading.js';
import { AIPREF_LABELS } from './signal-mappings.js';
import { parseDictionary, serializeTokenDictionary } from './structured-field.js';

/**
 * The largest Content-Usage value read, in characters. Servers commonly cap a header section at
 * 8 KiB; a preference expression needs a few dozen bytes. Larger input is not parsed at all.
 */
export const MAX_CONTENT_USAGE_LENGTH = 8192;

/** The HTTP field that carries an AIPREF preference (draft-ietf-aipref-attach §3). */
export const CONTENT_USAGE_HEADER = 'Content-Usage';

/**
 * The AIPREF statement of preference for a policy: an RFC 9651 Dictionary of Tokens `y`/`n`
 * (draft-ietf-aipref-vocab-08 §6), for the `Content-Usage` header or a robots.txt rule.
 * `undefined` when the policy states nothing AIPREF can express.
 *
 * - `allow` → `y`; `deny` → `n`; `conditional` → `n` (AIPREF carries no conditions, so the
 *   restrictive value); `unknown` → the label is left out ("no preference").
 * - `train-ai` (-08: generative training only) is written from `train-genai`, and as `n` when
 *   `train-ai` itself is restricted too, so that readers of older drafts, where `train-ai` meant all
 *   AI training, are never told more than the creator allowed.
 * - `ai-use` is written from `ai-input`, `search` from `search`. `all` and `tdm` have no -08 label.
 *
 * @example toContentUsage(resolvePolicy({ 'train-ai': 'deny', search: 'allow' })) // 'train-ai=n, search=y'
 */
export function toContentUsage(policy: ResolvedPolicy): string | undefined {
  assertResolvedPolicy(policy);
  const members: [string, string][] = [];
  for (const { name, term, scope } of AIPREF_LABELS) {
    const token = aiprefToken(policy.decisions[scope], policy.decisions[term]);
    if (token !== undefined) members.push([name, token]);
  }
  return members.length === 0 ? undefined : serializeTokenDictionary(members);
}

/** `n` if either decision restricts, `y` if the scoped one allows, otherwise no preference. */
function aiprefToken(scoped: Decision, broader: Decision): 'y' | 'n' | undefined {
  if (isRestrictive(scoped) || isRestrictive(broader)) return 'n';
  if (scoped === 'allow') return 'y';
  return undefined;
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
 * `train-ai` is read into `train-genai` (its -08 scope): it says nothing about non-generative training.
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
 * Parses a statement of preference into `decisions` (by AIPREF label scope) and `labels`. Shared by
 * the header and robots.txt readers so both read a preference the same way.
 */
export function readPreference(
  lines: readonly string[],
  decisions: Record<UseTerm, Decision>,
  labels: Record<string, 'y' | 'n'>,
  issues: SignalIssue[],
  line?: number,
): void {
  const at = line === undefined ? {} : { line };
  const parsed = parseDictionary(lines);
  if (!parsed.ok) {
    issues.push({
      code: 'SIGNAL_SYNTAX',
      message: `not an RFC 9651 dictionary (${parsed.message} at ${parsed.offset}); no preference read`,
      ...at,
    });
    return;
  }
  for (const [key, member] of parsed.members) {
    if (member.kind === 'token' && (member.value === 'y' || member.value === 'n')) labels[key] = member.value;
  }
  for (const { name, scope } of AIPREF_LABELS) {
    const member = parsed.members.get(name);
    if (member === undefined) continue;
    if (member.kind === 'token' && member.value === 'y') decisions[scope] = 'allow';
    else if (member.kind === 'token' && member.value === 'n') decisions[scope] = 'deny';
    else
      issues.push({ code: 'SIGNAL_BAD_VALUE', message: `${name} is not the token y or n; ignored`, ...at });
  }
}
