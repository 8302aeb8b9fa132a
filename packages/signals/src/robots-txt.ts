import { type Decision, normalizeWorkId, USE_TERMS, type UseTerm } from '@assent/manifest';
import { type ContentSignalReading, readContentSignal, toContentSignal } from './content-signal.js';
import { type ContentUsageReading, readPreference, toContentUsage } from './content-usage.js';
import {
  compilePathPattern,
  matchesPath,
  matchTarget,
  type PathPattern,
  patternForWorkId,
} from './path-pattern.js';
import { assertResolvedPolicy, type ResolvedPolicy } from './policy.js';
import { freezeReading, mostRestrictive, type SignalIssue, unknownDecisions } from './reading.js';

/**
 * The most of a robots.txt that is read: 500 KiB. RFC 9309 §2.5 asks crawlers to parse at least
 * that much, and draft-ietf-aipref-attach §6 keeps the limit. What follows is ignored.
 */
export const MAX_ROBOTS_TXT_BYTES = 500 * 1024;

/** The most issues one robots.txt reports, so a hostile file cannot grow the result without bound. */
const MAX_ISSUES = 100;

/** The policy of one `url-prefix:` or `url:` work, as the robots.txt and TDMRep writers take it. */
export interface UrlPolicy {
  /** A `url-prefix:` or `url:` work id (any accepted spelling; it is normalized). */
  readonly id: string;
  /** The resolved policy of that work. */
  readonly policy: ResolvedPolicy;
}

/** Options of {@link toRobotsTxt}. */
export interface ToRobotsTxtOptions {
  /** Product tokens of the group (RFC 9309 §2.2.1). Default `['*']`, every crawler. */
  readonly userAgents?: readonly string[];
  /**
   * Also write a Cloudflare `Content-Signal` line (default `true`). It has no path (Content Signals
   * Policy), so it covers the whole origin: it is written only from an entry for the whole origin
   * (`url-prefix:https://host/`), and grants only what every entry grants.
   */
  readonly contentSignal?: boolean;
}

const PRODUCT_TOKEN = /^(?:\*|[A-Za-z_-]+)$/;

/**
 * A robots.txt group of AIPREF `Content-Usage` rules (draft-ietf-aipref-attach §4) for works that
 * are URL prefixes or single URLs of one origin: `url-prefix:https://host/the-flight/` becomes
 * `Content-Usage: /the-flight/ train-ai=n`, and `url:https://host/a?b` becomes `/a?b$`. An entry for
 * the whole origin (`url-prefix:https://host/`) also writes a Cloudflare `Content-Signal` line
 * ({@link toContentSignal}) unless `contentSignal: false`; the line covers the whole origin, so it
 * grants only what every entry grants. The group has no Allow/Disallow rules, so
 * it never changes what may be crawled; RFC 9309 §2.2.1 merges it with any other group for the same
 * crawlers. Returns `''` when no entry has anything to say.
 *
 * Throws `TypeError` for an id that is not a `url:`/`url-prefix:` work or a bad product token, and
 * `RangeError` when the entries span several origins (a robots.txt belongs to one origin).
 *
 * @example
 * toRobotsTxt([{ id: 'url-prefix:https://example.com/the-flight/', policy }])
 * // 'User-Agent: *\nContent-Usage: /the-flight/ train-ai=n, search=n\n'
 */
export function toRobotsTxt(entries: readonly UrlPolicy[], options: ToRobotsTxtOptions = {}): string {
  const agents = options.userAgents ?? ['*'];
  if (agents.length === 0) throw new RangeError('toRobotsTxt needs at least one user agent');
  for (const agent of agents) {
    // A product token is letters, "_" and "-" (RFC 9309 §2.2.1); anything else could inject lines.
    if (typeof agent !== 'string' || !PRODUCT_TOKEN.test(agent)) {
      throw new TypeError(`not a robots.txt product token: ${JSON.stringify(agent)}`);
    }
  }
  const writeSignal = options.contentSignal ?? true;
  let origin: string | undefined;
  const rules: string[] = [];
  const wholeOrigin: ResolvedPolicy[] = [];
  for (const entry of entries) {
    assertResolvedPolicy(entry.policy);
    const normalized = normalizeWorkId(entry.id);
    if (!normalized.ok) throw new TypeError(`${normalized.code}: ${normalized.message}`);
    const { origin: entryOrigin, pattern } = patternForWorkId(normalized.value);
    if (origin !== undefined && entryOrigin !== origin) {
      throw new RangeError(`a robots.txt belongs to one origin: ${origin} and ${entryOrigin}`);
    }
    origin = entryOrigin;
    const preference = toContentUsage(entry.policy);
    if (preference !== undefined) rules.push(`Content-Usage: ${pattern} ${preference}`);
    if (pattern === '/') wholeOrigin.push(entry.policy);
  }
  const signals: string[] = [];
  for (const policy of writeSignal ? wholeOrigin : []) {
    const signal = toContentSignal(sharedGrants(policy, entries));
    if (signal !== undefined) signals.push(`Content-Signal: ${signal}`);
  }
  if (rules.length === 0 && signals.length === 0) return '';
  rules.sort();
  const lines = [...agents.map((agent) => `User-Agent: ${agent}`), ...signals.sort(), ...rules];
  return `${lines.join('\n')}\n`;
}

/**
 * `policy` with each grant that some entry does not make too turned to `unknown`. A Content-Signal
 * line has no path, so it speaks for every URL of the origin, the narrower works included: it may
 * grant only what all of them grant. Its restrictions stay (a narrower work is then told less).
 */
function sharedGrants(policy: ResolvedPolicy, entries: readonly UrlPolicy[]): ResolvedPolicy {
  const decisions = { ...policy.decisions };
  for (const term of USE_TERMS) {
    if (decisions[term] === 'allow' && entries.some((entry) => entry.policy.decisions[term] !== 'allow')) {
      decisions[term] = 'unknown';
    }
  }
  return { decisions, conditions: {} };
}

/** One rule of a robots.txt group. */
export interface RobotsRule {
  readonly kind: 'allow' | 'disallow' | 'content-usage' | 'content-signal';
  /** The path pattern; a Content-Usage rule without a path, and every Content-Signal, has `/`. */
  readonly pattern: PathPattern;
  /** The value of a Content-Usage (after its path) or Content-Signal rule. */
  readonly preference?: string;
  /** 1-based line number. */
  readonly line: number;
}

/** A group: the crawlers it is for (product tokens, lower case, or `*`) and its rules. */
export interface RobotsGroup {
  readonly agents: readonly string[];
  readonly rules: readonly RobotsRule[];
}

/** A parsed robots.txt: parse once, then ask {@link contentUsageFor} per crawler and URL. */
export interface RobotsTxt {
  readonly groups: readonly RobotsGroup[];
  /** Problems in the file: lines that do not parse, bad patterns, truncation. */
  readonly issues: readonly SignalIssue[];
}

const utf8 = new TextDecoder('utf-8');
const ROOT = compilePathPattern('/') as PathPattern;
const utf8Encoder = new TextEncoder();

/**
 * Parses a robots.txt (RFC 9309 §2.2, extended by draft-ietf-aipref-attach §4 with
 * `Content-Usage: [path] preference` and by the Cloudflare Content Signals Policy with
 * `Content-Signal: name=yes|no, …`, which has no path). Never throws, whatever the input. Keys are
 * case-insensitive; unknown keys are ignored; a line without `:` or with a bad pattern is reported
 * and skipped; text past {@link MAX_ROBOTS_TXT_BYTES} is ignored, including the line it cuts.
 */
export function parseRobotsTxt(input: string | Uint8Array): RobotsTxt {
  const issues: SignalIssue[] = [];
  const report = (issue: SignalIssue): void => {
    if (issues.length < MAX_ISSUES) issues.push(issue);
  };
  let text: string;
  if (typeof input === 'string') {
    // Each character is at least one byte: slicing first bounds the work of encoding.
    const head = input.length > MAX_ROBOTS_TXT_BYTES ? input.slice(0, MAX_ROBOTS_TXT_BYTES) : input;
    text = decodeBounded(utf8Encoder.encode(head), head.length < input.length, report);
  } else if (input instanceof Uint8Array) {
    text = decodeBounded(input, false, report);
  } else {
    report({ code: 'SIGNAL_SYNTAX', message: 'robots.txt must be a string or a Uint8Array' });
    return Object.freeze({ groups: Object.freeze([]), issues: Object.freeze(issues) });
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);

  const groups: { agents: string[]; rules: RobotsRule[] }[] = [];
  let current: { agents: string[]; rules: RobotsRule[] } | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const raw = lines[index] ?? '';
    const hash = raw.indexOf('#');
    const content = (hash === -1 ? raw : raw.slice(0, hash)).replace(/^[ \t]+|[ \t]+$/g, '');
    if (content === '') continue;
    const colon = content.indexOf(':');
    if (colon === -1) {
      report({ code: 'SIGNAL_SYNTAX', message: 'a robots.txt line is "key: value"', line });
      continue;
    }
    const key = content
      .slice(0, colon)
      .replace(/[ \t]+$/, '')
      .toLowerCase();
    const value = content.slice(colon + 1).replace(/^[ \t]+/, '');
    if (key === 'user-agent') {
      if (current === undefined || current.rules.length > 0) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      const token = productToken(value);
      if (token === undefined) report({ code: 'SIGNAL_BAD_VALUE', message: 'not a product token', line });
      else current.agents.push(token);
      continue;
    }
    if (key !== 'allow' && key !== 'disallow' && key !== 'content-usage' && key !== 'content-signal') {
      continue; // RFC 9309 §2.2.4
    }
    if (current === undefined) {
      report({ code: 'SIGNAL_SYNTAX', message: `${key} before any user-agent line; ignored`, line });
      continue;
    }
    if (key === 'content-signal') {
      // The policy defines no path; a path-scoped line would be read site-wide by others, so skip it.
      if (value.startsWith('/')) {
        report({ code: 'SIGNAL_BAD_VALUE', message: 'Content-Signal takes no path; ignored', line });
        continue;
      }
      current.rules.push(Object.freeze({ kind: 'content-signal', pattern: ROOT, preference: value, line }));
      continue;
    }
    if (key === 'content-usage') {
      const rule = contentUsageRule(value, line, report);
      if (rule !== undefined) current.rules.push(rule);
      continue;
    }
    if (value === '') continue; // "Disallow:" with no path matches nothing (RFC 9309 §2.2.2)
    const pattern = compilePathPattern(value);
    if (pattern === undefined) {
      report({ code: 'SIGNAL_BAD_VALUE', message: `${key} path must start with "/"`, line });
      continue;
    }
    current.rules.push(Object.freeze({ kind: key, pattern, line }));
  }
  return Object.freeze({
    groups: Object.freeze(
      groups.map((group) =>
        Object.freeze({ agents: Object.freeze(group.agents), rules: Object.freeze(group.rules) }),
      ),
    ),
    issues: Object.freeze(issues),
  });
}

/** Decodes at most {@link MAX_ROBOTS_TXT_BYTES} as UTF-8, dropping a line the limit cuts. */
function decodeBounded(bytes: Uint8Array, cut: boolean, report: (issue: SignalIssue) => void): string {
  if (bytes.length <= MAX_ROBOTS_TXT_BYTES && !cut) return utf8.decode(bytes);
  report({
    code: 'SIGNAL_TOO_LARGE',
    message: `robots.txt is over ${MAX_ROBOTS_TXT_BYTES} bytes; the rest is ignored`,
  });
  const text = utf8.decode(bytes.subarray(0, MAX_ROBOTS_TXT_BYTES));
  const end = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  return end === -1 ? '' : text.slice(0, end);
}

/** The product token of a robots.txt user-agent value, lower case, or `*`; `undefined` if none. */
function productToken(value: string): string | undefined {
  if (value.startsWith('*')) return '*';
  const match = /^[A-Za-z_-]+/.exec(value);
  return match === null ? undefined : match[0].toLowerCase();
}

const TOKEN_CHAR = /[A-Za-z_-]/;

/**
 * The crawler's product tokens that name groups of `robots`. A bare product token (letters, `_`,
 * `-`) is itself. A whole User-Agent string holds the crawler's token as a substring (RFC 9309
 * §2.2.1: "the product token SHOULD be a substring in the User-Agent header", e.g.
 * `Mozilla/5.0 (compatible; ExampleBot/0.1; …)`), so every group token found in it as a whole word
 * (case-insensitive, not inside a longer token) is a candidate.
 */
function agentTokens(robots: RobotsTxt, userAgent: unknown): string[] {
  if (typeof userAgent !== 'string') return [];
  if (/^[A-Za-z_-]+$/.test(userAgent)) return [userAgent.toLowerCase()];
  const haystack = userAgent.toLowerCase();
  const found = new Set<string>();
  for (const group of robots.groups) {
    for (const agent of group.agents) {
      if (agent !== '*' && !found.has(agent) && containsWord(haystack, agent)) found.add(agent);
    }
  }
  return [...found];
}

function containsWord(haystack: string, word: string): boolean {
  for (let at = haystack.indexOf(word); at !== -1; at = haystack.indexOf(word, at + 1)) {
    const before = haystack[at - 1];
    const after = haystack[at + word.length];
    if (
      (before === undefined || !TOKEN_CHAR.test(before)) &&
      (after === undefined || !TOKEN_CHAR.test(after))
    ) {
      return true;
    }
  }
  return false;
}

/**
 * The rule sets that may apply to a crawler, one per candidate product token: the rules of every
 * group naming the token (merged, RFC 9309 §2.2.1), or of the `*` groups when no group names it.
 */
function ruleSetsFor(robots: RobotsTxt, userAgent: unknown): RobotsRule[][] {
  const sets: RobotsRule[][] = [];
  for (const token of agentTokens(robots, userAgent)) {
    const groups = robots.groups.filter((group) => group.agents.includes(token));
    if (groups.length > 0) sets.push(groups.flatMap((group) => group.rules));
  }
  if (sets.length === 0) {
    sets.push(robots.groups.filter((group) => group.agents.includes('*')).flatMap((group) => group.rules));
  }
  return sets;
}

/** RFC 9309 §2.2.2: the longest matching Allow/Disallow decides; on a tie, allow. */
function crawlAllowedBy(rules: readonly RobotsRule[], target: string): boolean {
  if (target === '/robots.txt') return true;
  let best: RobotsRule | undefined;
  for (const rule of rules) {
    if (rule.kind !== 'allow' && rule.kind !== 'disallow') continue;
    if (
      best === undefined ||
      rule.pattern.length > best.pattern.length ||
      (rule.pattern.length === best.pattern.length && rule.kind === 'allow')
    ) {
      best = rule;
    }
  }
  return best?.kind !== 'disallow';
}

/** The longest matching rules of one kind; equally long ones are all returned (to be combined). */
function longestRules(rules: readonly RobotsRule[], kind: 'content-usage' | 'content-signal'): RobotsRule[] {
  const matching = rules.filter((rule) => rule.kind === kind);
  const longest = matching.reduce((max, rule) => Math.max(max, rule.pattern.length), -1);
  return matching.filter((rule) => rule.pattern.length === longest);
}

/**
 * Evaluates one reader over every candidate rule set. With one candidate that is the answer. With
 * several (a User-Agent string naming more than one group's token), which one is the crawler's own is
 * not known, so they are combined so as never to widen: `deny` if any says `deny`, `allow` only if
 * all say `allow`, crawling only if all allow it.
 */
function evaluate(
  robots: RobotsTxt,
  query: ContentUsageQuery,
  kind: 'content-usage' | 'content-signal',
  read: (rule: RobotsRule, decisions: Record<UseTerm, Decision>, issues: SignalIssue[]) => void,
): { decisions: Record<UseTerm, Decision>; crawlAllowed: boolean; lines: number[]; issues: SignalIssue[] } {
  const issues: SignalIssue[] = [...robots.issues];
  const decisions = unknownDecisions();
  const lines: number[] = [];
  const target = typeof query?.url === 'string' ? matchTarget(query.url) : undefined;
  if (target === undefined) {
    issues.push({ code: 'SIGNAL_SYNTAX', message: 'the URL to look up does not parse' });
    return { decisions, crawlAllowed: true, lines, issues };
  }
  const outcomes: { decisions: Record<UseTerm, Decision>; crawlAllowed: boolean }[] = [];
  for (const set of ruleSetsFor(robots, query.userAgent)) {
    const matching = set.filter((rule) => matchesPath(rule.pattern, target));
    const own = unknownDecisions();
    const crawlAllowed = crawlAllowedBy(matching, target);
    // A URL that may not be crawled has no preference (draft-ietf-aipref-attach §4.1).
    if (crawlAllowed) {
      for (const rule of longestRules(matching, kind)) {
        lines.push(rule.line);
        const ruleDecisions = unknownDecisions();
        read(rule, ruleDecisions, issues);
        for (const term of USE_TERMS) own[term] = mostRestrictive(own[term], ruleDecisions[term]);
      }
    }
    outcomes.push({ decisions: own, crawlAllowed });
  }
  const crawlAllowed = outcomes.every((outcome) => outcome.crawlAllowed);
  for (const term of USE_TERMS) {
    const all = outcomes.map((outcome) => outcome.decisions[term]);
    decisions[term] = !crawlAllowed
      ? 'unknown'
      : all.includes('deny')
        ? 'deny'
        : all.every((decision) => decision === all[0])
          ? (all[0] ?? 'unknown')
          : 'unknown';
  }
  if (!crawlAllowed) lines.length = 0;
  return { decisions, crawlAllowed, lines: [...new Set(lines)].sort((a, b) => a - b), issues };
}

/** draft-ietf-aipref-attach §4.3: a value starting with "/" has a path up to the first SP/HTAB. */
function contentUsageRule(
  value: string,
  line: number,
  report: (issue: SignalIssue) => void,
): RobotsRule | undefined {
  let path = '/';
  let preference = value;
  if (value.startsWith('/')) {
    const space = value.search(/[ \t]/);
    path = space === -1 ? value : value.slice(0, space);
    preference = space === -1 ? '' : value.slice(space).replace(/^[ \t]+/, '');
  }
  const pattern = compilePathPattern(path);
  if (pattern === undefined) {
    report({ code: 'SIGNAL_BAD_VALUE', message: 'Content-Usage path must start with "/"', line });
    return undefined;
  }
  return Object.freeze({ kind: 'content-usage', pattern, preference, line });
}

/** What a robots.txt says about one URL for one crawler. */
export interface RobotsTxtReading extends ContentUsageReading {
  /** Whether the crawler may fetch the URL (Allow/Disallow, RFC 9309 §2.2.2). */
  readonly crawlAllowed: boolean;
  /** The lines of the Content-Usage rules that decided, empty when none applied. */
  readonly lines: readonly number[];
}

/** What {@link contentUsageFor} and {@link contentSignalFor} ask about. */
export interface ContentUsageQuery {
  /**
   * The crawler's product token (`ExampleBot`), or the whole User-Agent string it sends
   * (`Mozilla/5.0 (compatible; ExampleBot/1.0)`), in which group tokens are looked for.
   */
  readonly userAgent: string;
  /** The URL (or path) of the resource. */
  readonly url: string;
}

/**
 * The usage preference a parsed robots.txt gives one URL for one crawler
 * (draft-ietf-aipref-attach §4.1): the crawler's groups (every group naming its product token,
 * case-insensitively, merged; else the `*` groups), then the longest matching Content-Usage rule.
 * Rules with equally long matching paths are combined, the most restrictive winning (vocab §7.1).
 * A URL that may not be crawled has no preference. Given a whole User-Agent string, the groups whose
 * product token it contains apply (RFC 9309 §2.2.1); when it contains several, they are combined
 * without widening (`deny` if any denies, `allow` only if all allow). Never throws.
 *
 * @example contentUsageFor(robots, { userAgent: 'Mozilla/5.0 (compatible; ExampleBot/1.0)', url }).decisions.search
 */
export function contentUsageFor(robots: RobotsTxt, query: ContentUsageQuery): RobotsTxtReading {
  const labels: Record<string, 'y' | 'n'> = Object.create(null);
  const { decisions, crawlAllowed, lines, issues } = evaluate(
    robots,
    query,
    'content-usage',
    (rule, own, out) => readPreference([rule.preference ?? ''], own, labels, out, rule.line),
  );
  return freezeReading({
    standard: 'aipref',
    signed: false,
    decisions,
    details: {},
    issues,
    labels: Object.freeze(labels),
    crawlAllowed,
    lines: Object.freeze(lines),
  });
}

/** What a robots.txt's `Content-Signal` lines say about one URL for one crawler. */
export interface RobotsContentSignalReading extends ContentSignalReading {
  /** Whether the crawler may fetch the URL (Allow/Disallow, RFC 9309 §2.2.2). */
  readonly crawlAllowed: boolean;
  /** The lines of the Content-Signal rules read, empty when none applied. */
  readonly lines: readonly number[];
}

/**
 * The Cloudflare Content Signals a parsed robots.txt gives one URL for one crawler: the
 * `Content-Signal` lines of the crawler's groups (chosen as {@link contentUsageFor} does), combined
 * most-restrictively, read by {@link parseContentSignal}'s rules. A URL that may not be crawled has
 * none. Never throws.
 *
 * @example contentSignalFor(parseRobotsTxt('User-Agent: *\nContent-Signal: ai-train=no\n'), { userAgent: 'x', url: '/' }).decisions['train-ai'] // 'deny'
 */
export function contentSignalFor(robots: RobotsTxt, query: ContentUsageQuery): RobotsContentSignalReading {
  const signals: Record<string, 'yes' | 'no'> = Object.create(null);
  const { decisions, crawlAllowed, lines, issues } = evaluate(
    robots,
    query,
    'content-signal',
    (rule, own, out) => readContentSignal(rule.preference ?? '', own, signals, out, rule.line),
  );
  return freezeReading({
    standard: 'content-signal',
    signed: false,
    decisions,
    details: {},
    issues,
    signals: Object.freeze(signals),
    crawlAllowed,
    lines: Object.freeze(lines),
  });
}
