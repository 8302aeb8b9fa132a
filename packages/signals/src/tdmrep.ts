import { normalizeWorkId, parseJson } from '@assent/manifest';
import {
  compilePathPattern,
  matchesPath,
  matchTarget,
  type PathPattern,
  patternForWorkId,
} from './path-pattern.js';
import { assertResolvedPolicy, isRestrictive, type ResolvedPolicy } from './policy.js';
import { freezeReading, type SignalIssue, type SignalReading, unknownDecisions } from './reading.js';
import type { UrlPolicy } from './robots-txt.js';
import { TDMREP_READ_TERMS, TDMREP_UNRESERVED_TERMS, TDMREP_WRITE_TERMS } from './signal-mappings.js';

/**
 * W3C TDMRep (TDM Reservation Protocol, Community Group Final Report): the `tdm-reservation` and
 * `tdm-policy` HTTP headers (§"TDM Header Field in HTTP Responses") and `/.well-known/tdmrep.json`
 * (§"TDM File on the Origin Server").
 */

/** The path of the TDMRep file on an origin. */
export const TDMREP_WELL_KNOWN_PATH = '/.well-known/tdmrep.json';

/** The most of a tdmrep.json that is read (the robots.txt limit; the spec sets none). */
export const MAX_TDMREP_FILE_BYTES = 500 * 1024;

/** The most rules of one tdmrep.json that are kept. */
export const MAX_TDMREP_RULES = 10_000;

const MAX_ISSUES = 100;

/** Options of {@link toTdmRep} and entries of {@link toTdmRepFile}. */
export interface TdmRepOptions {
  /**
   * A TDM Policy URL (http or https) where agents learn how to obtain a licence: for example a page
   * showing the creator's manifest and its conditions. Written only with `tdm-reservation: 1`.
   */
  readonly policyUrl?: string;
}

/** The TDMRep signal of one policy. */
export interface TdmRepSignal {
  /** `1` rights reserved, `0` not reserved, `undefined` nothing to say. */
  readonly reservation: 0 | 1 | undefined;
  /** Response headers to add: `tdm-reservation` and, with a policy URL, `tdm-policy`. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A rule of `/.well-known/tdmrep.json`, ready for `JSON.stringify`. */
export interface TdmRepRule {
  readonly location: string;
  readonly 'tdm-reservation': 0 | 1;
  readonly 'tdm-policy'?: string;
}

/**
 * The TDMRep reservation for a policy ({@link TDMREP_WRITE_TERMS}). TDMRep reserves "TDM rights"
 * (TDMRep §"Declaring the reservation of TDM Rights"), which the TDMRep CG reads as covering AI uses
 * too, and `0` tells agents they "can mine the content … without having to contact the
 * rightsholder"; so a `deny` or `conditional` of any of `all`, `tdm`, `train-ai`, `train-genai` or
 * `ai-input` writes `tdm-reservation: 1` (the restrictive value), with `tdm-policy` when a policy URL
 * is given; `0` only when all five are `allow`; nothing otherwise. `search` plays no part: TDMRep
 * does not govern search crawling. Throws `TypeError` for a policy URL that is not http(s).
 *
 * @example toTdmRep(policy, { policyUrl: 'https://assent.example/m/bagaa…' }).headers
 * // { 'tdm-reservation': '1', 'tdm-policy': 'https://assent.example/m/bagaa…' }
 */
export function toTdmRep(policy: ResolvedPolicy, options: TdmRepOptions = {}): TdmRepSignal {
  assertResolvedPolicy(policy);
  const policyUrl = options.policyUrl === undefined ? undefined : checkPolicyUrl(options.policyUrl);
  const reservation = reservationOf(policy);
  const headers: Record<string, string> = {};
  if (reservation !== undefined) headers['tdm-reservation'] = String(reservation);
  if (reservation === 1 && policyUrl !== undefined) headers['tdm-policy'] = policyUrl;
  return Object.freeze({ reservation, headers: Object.freeze(headers) });
}

function reservationOf(policy: ResolvedPolicy): 0 | 1 | undefined {
  const decisions = TDMREP_WRITE_TERMS.map((term) => policy.decisions[term]);
  if (decisions.some(isRestrictive)) return 1;
  if (decisions.every((decision) => decision === 'allow')) return 0;
  return undefined;
}

/** The policy URL as written: an absolute http(s) URL, serialized (so ASCII, no spaces or controls). */
function checkPolicyUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`tdm-policy must be an absolute URL: ${JSON.stringify(value.slice(0, 80))}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`tdm-policy must be an http or https URL, got ${url.protocol}`);
  }
  return url.href;
}

/**
 * The `/.well-known/tdmrep.json` rules for works of one origin, most specific first: TDMRep says
 * the most specific match is the first in sequence, so longer locations come first and a reader
 * taking either the first or the longest match reads the same. Entries with nothing to say are
 * left out. Throws like {@link toRobotsTxt} and {@link toTdmRep}.
 *
 * @example JSON.stringify(toTdmRepFile([{ id: 'url-prefix:https://example.com/the-flight/', policy }]))
 * // '[{"location":"/the-flight/","tdm-reservation":1}]'
 */
export function toTdmRepFile(entries: readonly (UrlPolicy & TdmRepOptions)[]): TdmRepRule[] {
  let origin: string | undefined;
  const rules: TdmRepRule[] = [];
  for (const entry of entries) {
    const { reservation, headers } = toTdmRep(
      entry.policy,
      entry.policyUrl === undefined ? {} : { policyUrl: entry.policyUrl },
    );
    const normalized = normalizeWorkId(entry.id);
    if (!normalized.ok) throw new TypeError(`${normalized.code}: ${normalized.message}`);
    const { origin: entryOrigin, pattern } = patternForWorkId(normalized.value);
    if (origin !== undefined && entryOrigin !== origin) {
      throw new RangeError(`a tdmrep.json belongs to one origin: ${origin} and ${entryOrigin}`);
    }
    origin = entryOrigin;
    if (reservation === undefined) continue;
    const policyUrl = headers['tdm-policy'];
    rules.push(
      policyUrl === undefined
        ? { location: pattern, 'tdm-reservation': reservation }
        : { location: pattern, 'tdm-reservation': reservation, 'tdm-policy': policyUrl },
    );
  }
  return rules.sort((a, b) => b.location.length - a.location.length || (a.location < b.location ? -1 : 1));
}

/** A parsed tdmrep.json: parse once per origin, then look URLs up with {@link parseTdmRep}. */
export interface TdmRepFile {
  readonly rules: readonly { pattern: PathPattern; reservation: 0 | 1; policy: string | undefined }[];
  readonly issues: readonly SignalIssue[];
}

/**
 * Parses `/.well-known/tdmrep.json`: a JSON array of rules `{ location, tdm-reservation, tdm-policy? }`.
 * Never throws. Input over {@link MAX_TDMREP_FILE_BYTES} or not strict JSON is reported and yields
 * no rules; a rule without a valid `location` or with a `tdm-reservation` other than `0` or `1`
 * (TDMRep: "Other values are considered protocol errors") is reported and skipped.
 */
export function parseTdmRepFile(input: string | Uint8Array): TdmRepFile {
  const issues: SignalIssue[] = [];
  const report = (issue: SignalIssue): void => {
    if (issues.length < MAX_ISSUES) issues.push(issue);
  };
  const rules: { pattern: PathPattern; reservation: 0 | 1; policy: string | undefined }[] = [];
  const done = (): TdmRepFile =>
    Object.freeze({ rules: Object.freeze(rules), issues: Object.freeze(issues) });
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    report({ code: 'SIGNAL_SYNTAX', message: 'tdmrep.json must be a string or a Uint8Array' });
    return done();
  }
  const parsed = parseJson(input, { maxBytes: MAX_TDMREP_FILE_BYTES, maxDepth: 8, allowFloats: true });
  if (!parsed.ok) {
    const code = parsed.code === 'JSON_TOO_LARGE' ? 'SIGNAL_TOO_LARGE' : 'SIGNAL_SYNTAX';
    report({ code, message: `tdmrep.json: ${parsed.message}` });
    return done();
  }
  if (!Array.isArray(parsed.value)) {
    report({ code: 'SIGNAL_SYNTAX', message: 'tdmrep.json must be a JSON array of rules' });
    return done();
  }
  for (const [index, rule] of parsed.value.entries()) {
    if (rules.length >= MAX_TDMREP_RULES) {
      report({ code: 'SIGNAL_TOO_LARGE', message: `only the first ${MAX_TDMREP_RULES} rules are read` });
      break;
    }
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
      report({ code: 'SIGNAL_SYNTAX', message: `rule ${index} is not an object` });
      continue;
    }
    const location = rule.location;
    const pattern = typeof location === 'string' ? compilePathPattern(location) : undefined;
    if (pattern === undefined) {
      report({ code: 'SIGNAL_BAD_VALUE', message: `rule ${index}: location must be a path pattern` });
      continue;
    }
    const reservation = rule['tdm-reservation'];
    if (reservation !== 0 && reservation !== 1) {
      report({ code: 'SIGNAL_BAD_VALUE', message: `rule ${index}: tdm-reservation must be 0 or 1` });
      continue;
    }
    const policy = rule['tdm-policy'];
    rules.push({
      pattern,
      reservation,
      policy: typeof policy === 'string' ? readPolicyUrl(policy) : undefined,
    });
  }
  return done();
}

/** A policy URL read from a signal, or `undefined` when it is not an http(s) URL. */
function readPolicyUrl(value: string): string | undefined {
  if (value.length > 2048) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Response headers: a `Headers` object or a plain record (names in any case). */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** What {@link parseTdmRep} reads for one resource. */
export interface TdmRepInput {
  /** The resource's response headers (`tdm-reservation`, `tdm-policy`). */
  readonly headers?: HeadersLike;
  /** The origin's `/.well-known/tdmrep.json`, as text, bytes or already parsed. */
  readonly file?: string | Uint8Array | TdmRepFile;
  /** The resource's URL (or path): needed to look it up in `file`. */
  readonly url?: string;
}

/** What TDMRep says about one resource. */
export interface TdmRepReading extends SignalReading {
  readonly standard: 'tdmrep';
  /** The reservation in force: `1`, `0`, or `undefined` (unset). */
  readonly reservation: 0 | 1 | undefined;
  /** The TDM Policy URL that comes with a reservation. */
  readonly policy: string | undefined;
  /** Where the reservation came from; headers supersede the file (TDMRep §"Processing priority"). */
  readonly source: 'header' | 'file' | undefined;
}

/**
 * Reads TDMRep for one resource as unsigned evidence. Never throws. The response headers supersede
 * the origin's tdmrep.json, where the first rule in sequence whose `location` matches the URL applies
 * (TDMRep: "The most specific match is the first in sequence").
 *
 * `tdm-reservation: 1` reads as `deny` of {@link TDMREP_READ_TERMS} (`tdm`, both training terms,
 * `ai-input`), with the `tdm-policy` URL in `details`; not of `search`, which TDMRep does not govern.
 * `0` ("TDM agents can mine the content") reads as `allow` of `tdm` alone
 * ({@link TDMREP_UNRESERVED_TERMS}): whether AI training and AI input count as mining is not settled
 * by the spec, and a reader must not widen. Unset reads as `unknown` everywhere.
 *
 * @example parseTdmRep({ headers: { 'tdm-reservation': '1' } }).decisions.tdm // 'deny'
 */
export function parseTdmRep(input: TdmRepInput): TdmRepReading {
  const issues: SignalIssue[] = [];
  let reservation: 0 | 1 | undefined;
  let policy: string | undefined;
  let source: 'header' | 'file' | undefined;
  try {
    const header = readReservationHeader(input?.headers, issues);
    if (header !== undefined) {
      reservation = header.reservation;
      policy = header.policy;
      source = 'header';
    } else if (input?.file !== undefined) {
      const file = isTdmRepFile(input.file) ? input.file : parseTdmRepFile(input.file);
      issues.push(...file.issues);
      const target = typeof input.url === 'string' ? matchTarget(input.url) : undefined;
      if (target === undefined)
        issues.push({ code: 'SIGNAL_SYNTAX', message: 'a URL is needed to read tdmrep.json' });
      else {
        const rule = file.rules.find((candidate) => matchesPath(candidate.pattern, target));
        if (rule !== undefined) {
          reservation = rule.reservation;
          policy = rule.policy;
          source = 'file';
        }
      }
    }
  } catch {
    // Only a hostile object (a throwing getter or Proxy) gets here; the input says nothing then.
    issues.push({ code: 'SIGNAL_SYNTAX', message: 'TDMRep input could not be read' });
    reservation = undefined;
    policy = undefined;
    source = undefined;
  }
  const decisions = unknownDecisions();
  const details: Record<string, string> = {};
  if (reservation === 1) {
    for (const term of TDMREP_READ_TERMS) {
      decisions[term] = 'deny';
      if (policy !== undefined) details[term] = policy;
    }
  } else if (reservation === 0) {
    for (const term of TDMREP_UNRESERVED_TERMS) decisions[term] = 'allow';
  }
  // TDMRep: a tdm-policy with tdm-reservation 0 SHOULD NOT be processed.
  return freezeReading({
    standard: 'tdmrep',
    signed: false,
    decisions,
    details,
    issues,
    reservation,
    policy: reservation === 1 ? policy : undefined,
    source,
  });
}

function isTdmRepFile(value: unknown): value is TdmRepFile {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'rules' in value;
}

/** A header's value by case-insensitive name; several values are joined with ", " (RFC 9110 §5.3). */
function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((part) => typeof part === 'string')) return value.join(', ');
  }
  return undefined;
}

function readReservationHeader(
  headers: HeadersLike | undefined,
  issues: SignalIssue[],
): { reservation: 0 | 1; policy: string | undefined } | undefined {
  if (headers === undefined || headers === null || typeof headers !== 'object') return undefined;
  const value = headerValue(headers, 'tdm-reservation');
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed !== '0' && trimmed !== '1') {
    // TDMRep: other values are protocol errors; the reservation is then unset.
    issues.push({ code: 'SIGNAL_BAD_VALUE', message: 'tdm-reservation must be 0 or 1' });
    return undefined;
  }
  const rawPolicy = headerValue(headers, 'tdm-policy');
  const policy = rawPolicy === undefined ? undefined : readPolicyUrl(rawPolicy);
  if (rawPolicy !== undefined && policy === undefined) {
    issues.push({ code: 'SIGNAL_BAD_VALUE', message: 'tdm-policy is not an http(s) URL; ignored' });
  }
  return { reservation: trimmed === '1' ? 1 : 0, policy };
}
