import type { Decision, UseTerm } from '@assent/manifest';
import { readLabel } from './content-usage.js';
import { assertResolvedPolicy, type ResolvedPolicy } from './policy.js';
import { freezeReading, type SignalIssue, type SignalReading, unknownDecisions } from './reading.js';
import { CONTENT_SIGNAL_NAMES, writtenValue } from './signal-mappings.js';

/**
 * Cloudflare Content Signals (Content Signals Policy, https://contentsignals.org/, CC0): a
 * robots.txt line `Content-Signal: search=yes, ai-input=no, ai-train=no` inside a user-agent group.
 * Per the policy text, `yes` means "you may collect content for the corresponding use", `no` "you
 * may not", and a signal left out "neither grants nor restricts permission". The line has no path:
 * it covers the whole site for the crawlers of its group.
 */

/** The longest Content-Signal value read, in characters. */
export const MAX_CONTENT_SIGNAL_LENGTH = 8192;

/**
 * The Content-Signal value for a policy, e.g. `search=yes, ai-input=no, ai-train=no`, or `undefined`
 * when the policy states nothing it can express. A signal is never wider than the policy
 * ({@link CONTENT_SIGNAL_NAMES}): `ai-train` ("training or fine-tuning AI models") is `yes` only when
 * both `train-ai` and `train-genai` are `allow`, `no` when either is restricted; `search` and
 * `ai-input` follow their own term. `conditional` is written `no` (no conditions can be carried);
 * `unknown` leaves a signal out.
 *
 * @example toContentSignal(resolvePolicy({ search: 'allow', 'train-ai': 'deny' })) // 'search=yes, ai-train=no'
 */
export function toContentSignal(policy: ResolvedPolicy): string | undefined {
  assertResolvedPolicy(policy);
  const parts: string[] = [];
  for (const name of CONTENT_SIGNAL_NAMES) {
    const value = writtenValue(name, policy.decisions);
    if (value !== undefined) parts.push(`${name.name}=${value ? 'yes' : 'no'}`);
  }
  return parts.length === 0 ? undefined : parts.join(', ');
}

/** What a Content-Signal value says. */
export interface ContentSignalReading extends SignalReading {
  readonly standard: 'content-signal';
  /** Every `name=yes|no` pair read, known names or not (lower case). */
  readonly signals: Readonly<Record<string, 'yes' | 'no'>>;
}

/**
 * Reads a Content-Signal value (what follows `Content-Signal:`) as unsigned evidence. Never throws.
 * Pairs are `name=value` separated by commas; names and values are compared case-insensitively;
 * a known name with a value other than `yes` or `no` says nothing (`SIGNAL_BAD_VALUE`); unknown
 * names are ignored; a repeated name counts most-restrictively. Names are read by their policy
 * meaning ({@link CONTENT_SIGNAL_NAMES}): `ai-train` decides both training terms.
 *
 * @example parseContentSignal('search=yes, ai-train=no').decisions // { search: 'allow', 'train-ai': 'deny', 'train-genai': 'deny', … }
 */
export function parseContentSignal(value: string | null | undefined): ContentSignalReading {
  const issues: SignalIssue[] = [];
  const decisions = unknownDecisions();
  const signals: Record<string, 'yes' | 'no'> = Object.create(null);
  if (typeof value === 'string') {
    if (value.length > MAX_CONTENT_SIGNAL_LENGTH) {
      issues.push({
        code: 'SIGNAL_TOO_LARGE',
        message: `Content-Signal is longer than ${MAX_CONTENT_SIGNAL_LENGTH} characters; not read`,
      });
    } else readContentSignal(value, decisions, signals, issues);
  } else if (value !== null && value !== undefined) {
    issues.push({ code: 'SIGNAL_SYNTAX', message: 'Content-Signal must be a string' });
  }
  return freezeReading({
    standard: 'content-signal',
    signed: false,
    decisions,
    details: {},
    issues,
    signals: Object.freeze(signals),
  });
}

/** Reads one Content-Signal value into `decisions` and `signals`; shared with the robots.txt reader. */
export function readContentSignal(
  value: string,
  decisions: Record<UseTerm, Decision>,
  signals: Record<string, 'yes' | 'no'>,
  issues: SignalIssue[],
  line?: number,
): void {
  const at = line === undefined ? {} : { line };
  for (const raw of value.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const equals = part.indexOf('=');
    if (equals === -1) {
      issues.push({ code: 'SIGNAL_SYNTAX', message: 'a content signal is "name=yes" or "name=no"', ...at });
      continue;
    }
    const name = part.slice(0, equals).trim().toLowerCase();
    const given = part
      .slice(equals + 1)
      .trim()
      .toLowerCase();
    const known = CONTENT_SIGNAL_NAMES.find((entry) => entry.name === name);
    if (given !== 'yes' && given !== 'no') {
      if (known !== undefined)
        issues.push({ code: 'SIGNAL_BAD_VALUE', message: `${name} is not yes or no; ignored`, ...at });
      continue;
    }
    if (!Object.hasOwn(signals, name) || given === 'no') signals[name] = given;
    if (known !== undefined) readLabel(known, given === 'yes', decisions);
  }
}
