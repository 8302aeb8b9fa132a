import { type Decision, normalizeWorkId, USE_TERMS } from '@assent/manifest';
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
}

const PRODUCT_TOKEN = /^(?:\*|[A-Za-z_-]+)$/;

/**
 * A robots.txt group of AIPREF `Content-Usage` rules (draft-ietf-aipref-attach §4) for works that
 * are URL prefixes or single URLs of one origin: `url-prefix:https://host/the-flight/` becomes
 * `Content-Usage: /the-flight/ train-ai=n`, and `url:https://host/a?b` becomes `/a?b$`. The group
 * has no Allow/Disallow rules, so it never changes what may be crawled; RFC 9309 §2.2.1 merges it
 * with any other group for the same crawlers. Returns `''` when no entry has anything to say.
 *
 * Throws `TypeError` for an id that is not a `url:`/`url-prefix:` work or a bad product token, and
 * `RangeError` when the entries span several origins (a robots.txt belongs to one origin).
 *
 * @example
 * toRobotsTxt([{ id: 'url-prefix:https://example.com/the-flight/', policy }])
 * // 'User-Agent: *\nContent-Usage: /the-flight/ train-ai=n, search=y\n'
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
  let origin: string | undefined;
  const rules: string[] = [];
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
  }
  if (rules.length === 0) return '';
  rules.sort();
  return `${agents.map((agent) => `User-Agent: ${agent}`).join('\n')}\n${rules.join('\n')}\n`;
}

/** One rule of a robots.txt group. */
export interface RobotsRule {
  readonly kind: 'allow' | 'disallow' | 'content-usage';
  /** The path pattern; a Content-Usage rule without a path has `/`. */
  readonly pattern: PathPattern;
  /** The statement of preference of a Content-Usage rule. */
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
const utf8Encoder = new TextEncoder();

/**
 * Parses a robots.txt (RFC 9309 §2.2, extended by draft-ietf-aipref-attach §4 with
 * `Content-Usage: [path] preference`). Never throws, whatever the input. Keys are
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
    if (key !== 'allow' && key !== 'disallow' && key !== 'content-usage') continue; // RFC 9309 §2.2.4
    if (current === undefined) {
      report({ code: 'SIGNAL_SYNTAX', message: `${key} before any user-agent line; ignored`, line });
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

/** The product token of a user-agent value, lower case, or `*`; `undefined` if there is none. */
function productToken(value: string): string | undefined {
  if (value.startsWith('*')) return '*';
  const match = /^[A-Za-z_-]+/.exec(value);
  return match === null ? undefined : match[0].toLowerCase();
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

/** What {@link contentUsageFor} asks about. */
export interface ContentUsageQuery {
  /** The crawler's product token (`ExampleBot`) or its whole User-Agent string. */
  readonly userAgent: string;
  /** The URL (or path) of the resource. */
  readonly url: string;
}

/**
 * The usage preference a parsed robots.txt gives one URL for one crawler
 * (draft-ietf-aipref-attach §4.1): the crawler's groups (every group naming its product token,
 * case-insensitively, merged; else the `*` groups), then the longest matching Content-Usage rule.
 * Rules with equally long matching paths are combined, the most restrictive winning (vocab §7.1).
 * A URL that may not be crawled has no preference. Never throws.
 */
export function contentUsageFor(robots: RobotsTxt, query: ContentUsageQuery): RobotsTxtReading {
  const issues: SignalIssue[] = [...robots.issues];
  const decisions = unknownDecisions();
  const labels: Record<string, 'y' | 'n'> = Object.create(null);
  const lines: number[] = [];
  const result = (crawlAllowed: boolean): RobotsTxtReading =>
    freezeReading({
      standard: 'aipref',
      signed: false,
      decisions,
      details: {},
      issues,
      labels: Object.freeze(labels),
      crawlAllowed,
      lines: Object.freeze(lines),
    });
  const target = typeof query?.url === 'string' ? matchTarget(query.url) : undefined;
  if (target === undefined) {
    issues.push({ code: 'SIGNAL_SYNTAX', message: 'the URL to look up does not parse' });
    return result(true);
  }
  const agent = typeof query.userAgent === 'string' ? productToken(query.userAgent) : undefined;
  let rules = robots.groups.filter(
    (group) => agent !== undefined && agent !== '*' && group.agents.includes(agent),
  );
  if (rules.length === 0) rules = robots.groups.filter((group) => group.agents.includes('*'));
  const all = rules.flatMap((group) => group.rules).filter((rule) => matchesPath(rule.pattern, target));

  // RFC 9309 §2.2.2: the longest match decides; on a tie between allow and disallow, allow.
  if (target !== '/robots.txt') {
    let best: RobotsRule | undefined;
    for (const rule of all) {
      if (rule.kind === 'content-usage') continue;
      if (
        best === undefined ||
        rule.pattern.length > best.pattern.length ||
        (rule.pattern.length === best.pattern.length && rule.kind === 'allow')
      ) {
        best = rule;
      }
    }
    if (best?.kind === 'disallow') return result(false);
  }

  const usage = all.filter((rule) => rule.kind === 'content-usage');
  const longest = usage.reduce((max, rule) => Math.max(max, rule.pattern.length), -1);
  for (const rule of usage) {
    if (rule.pattern.length !== longest) continue;
    lines.push(rule.line);
    const own = unknownDecisions();
    readPreference([rule.preference ?? ''], own, labels, issues, rule.line);
    for (const term of USE_TERMS) decisions[term] = mostRestrictive(decisions[term], own[term] as Decision);
  }
  return result(true);
}
