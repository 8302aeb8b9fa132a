import { assertResolvedPolicy, isRestrictive, type ResolvedPolicy } from './policy.js';
import { freezeReading, type SignalIssue, type SignalReading, unknownDecisions } from './reading.js';
import { NOAI_TERMS } from './signal-mappings.js';

/**
 * `X-Robots-Tag: noai, noimageai`: directives introduced by DeviantArt and Spawning (2022) meaning
 * "not for AI training datasets" (`noimageai`: the images on the page). No standard defines them;
 * some crawlers honour them, so they are written alongside the standard signals.
 */

/** The value written where AI training is restricted. */
export const NOAI_DIRECTIVES = 'noai, noimageai';

/** The largest X-Robots-Tag value read. */
export const MAX_X_ROBOTS_TAG_LENGTH = 8192;

/**
 * `'noai, noimageai'` when the policy denies (or conditions) AI training of any kind (`train-ai` or
 * `train-genai`), else `undefined`. The directives carry no conditions, so `conditional` writes them
 * too (the restrictive value). Append the result to any `X-Robots-Tag` value the response already has.
 *
 * @example toXRobotsTag(resolvePolicy({ 'train-genai': 'deny' })) // 'noai, noimageai'
 */
export function toXRobotsTag(policy: ResolvedPolicy): string | undefined {
  assertResolvedPolicy(policy);
  return NOAI_TERMS.some((term) => isRestrictive(policy.decisions[term])) ? NOAI_DIRECTIVES : undefined;
}

/** What an X-Robots-Tag says about AI use. */
export interface XRobotsTagReading extends SignalReading {
  readonly standard: 'x-robots-tag';
  /** The directives that apply to the crawler, lower case. */
  readonly directives: readonly string[];
}

/**
 * Reads `X-Robots-Tag` values as unsigned evidence. Never throws. Directives are comma-separated and
 * case-insensitive; a `name:` prefix (`googlebot: noindex`) limits the directives after it to that
 * crawler, and applies when `userAgent` (a product token) is that name. `noai` and `noimageai` read
 * as `deny` of `train-ai` and `train-genai`; every other directive says nothing about AI use.
 */
export function parseXRobotsTag(
  value: string | readonly string[] | null | undefined,
  userAgent?: string,
): XRobotsTagReading {
  const issues: SignalIssue[] = [];
  const decisions = unknownDecisions();
  const directives: string[] = [];
  const reading = (): XRobotsTagReading =>
    freezeReading({ standard: 'x-robots-tag', signed: false, decisions, details: {}, issues, directives });
  if (value === null || value === undefined) return reading();
  const lines = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(lines) || !lines.every((line) => typeof line === 'string')) {
    issues.push({ code: 'SIGNAL_SYNTAX', message: 'X-Robots-Tag must be a string or an array of strings' });
    return reading();
  }
  const agent = typeof userAgent === 'string' ? userAgent.toLowerCase() : undefined;
  for (const line of lines) {
    if (line.length > MAX_X_ROBOTS_TAG_LENGTH) {
      issues.push({
        code: 'SIGNAL_TOO_LARGE',
        message: `an X-Robots-Tag line is over ${MAX_X_ROBOTS_TAG_LENGTH} characters; not read`,
      });
      continue;
    }
    let scope: string | undefined; // undefined: every crawler
    for (const raw of line.split(',')) {
      let part = raw.trim().toLowerCase();
      const colon = part.indexOf(':');
      // "name: directive" scopes what follows to a crawler; "unavailable_after: date" is a directive.
      if (
        colon !== -1 &&
        /^[a-z_-]+$/.test(part.slice(0, colon)) &&
        part.slice(0, colon) !== 'unavailable_after'
      ) {
        scope = part.slice(0, colon);
        part = part.slice(colon + 1).trim();
      }
      if (part === '' || (scope !== undefined && scope !== agent)) continue;
      directives.push(part);
      if (part === 'noai' || part === 'noimageai') for (const term of NOAI_TERMS) decisions[term] = 'deny';
    }
  }
  return reading();
}
