import { ancestorsOf, type Decision, USE_TERMS, type UseTerm } from '@assent/manifest';
import {
  contentSignalFor,
  contentUsageFor,
  MAX_CONTENT_USAGE_LENGTH,
  MAX_ROBOTS_TXT_BYTES,
  MAX_TDMREP_FILE_BYTES,
  mostRestrictive,
  parseContentUsage,
  parseRobotsTxt,
  parseTdmRep,
  parseTdmRepFile,
  parseXRobotsTag,
  type RobotsTxt,
  type SignalStandard,
  TDMREP_WELL_KNOWN_PATH,
  type TdmRepFile,
} from '@assent/signals';
import type { Warning } from './errors.js';
import type { CheckResult } from './verifier.js';

/** Options of {@link signalsSource}. */
export interface SignalsSourceOptions {
  /** The `fetch` to use; the global one by default. */
  readonly fetch?: typeof fetch;
  /** The crawler's product token or User-Agent, sent and used to pick robots.txt groups. Default `*`. */
  readonly userAgent?: string;
  /** How long robots.txt, tdmrep.json and page headers are cached, in ms. Default 1 hour. */
  readonly ttlMs?: number;
  /** The most time one request (headers and body) may take, in ms. Default 5000. */
  readonly timeoutMs?: number;
  /** The most bytes read of one body. Default (and at most) 500 KiB. */
  readonly maxBytes?: number;
}

/** Where an unsigned signal was read. */
export type SignalLocation = 'robots.txt' | 'tdmrep.json' | 'header';

/** One unsigned signal, as evidence: what it says about each term, and where it was read. */
export interface UnsignedEvidence {
  /** Always `false`: nothing binds a signal to the creator. */
  readonly signed: false;
  readonly standard: SignalStandard;
  readonly location: SignalLocation;
  /** The URL the signal was read from (the page, its robots.txt or tdmrep.json). */
  readonly url: string;
  /** What this signal alone says about each term. */
  readonly decisions: Readonly<Record<UseTerm, Decision>>;
}

/** What the unsigned signals of one `url:` work say, combined most-restrictively. */
export interface SignalEvidence {
  /** The work's URL. */
  readonly url: string;
  /** Always `false`. */
  readonly signed: false;
  /** Per term, the most restrictive decision of all signals (a deny of a term denies its subterms). */
  readonly decisions: Readonly<Record<UseTerm, Decision>>;
  /** The signals that said something, one per standard and location. */
  readonly signals: readonly UnsignedEvidence[];
  /** `SIGNALS_UNAVAILABLE` for each fetch that failed; such a fetch gives no evidence. */
  readonly warnings: readonly Warning[];
}

/** Reads unsigned AI-preference signals of works on the web. See {@link signalsSource}. */
export interface SignalsSource {
  /** Reads the signals of one page (a `url:` work id or a plain http(s) URL). Never throws. */
  read(work: string, options?: { readonly signal?: AbortSignal }): Promise<SignalEvidence>;
}

/** A check result combined with unsigned signals by {@link withSignals}. */
export interface CheckResultWithSignals extends Omit<CheckResult, 'evidence'> {
  /** The signed manifests' evidence, then the unsigned signals (`signed: false`). */
  readonly evidence: readonly (CheckResult['evidence'][number] | UnsignedEvidence)[];
}

const DEFAULT_TTL_MS = 60 * 60 * 1000;
const DEFAULT_TIMEOUT_MS = 5000;
const MAX_CACHE_ENTRIES = 1000;

type Fetched = { readonly status: number; readonly headers: Headers; readonly body: Uint8Array } | Warning;

interface Entry<T> {
  readonly expires: number;
  readonly value: Promise<T>;
}

/**
 * Unsigned signals as extra, lower-trust evidence for `url:` works: the origin's robots.txt
 * (AIPREF `Content-Usage` rules for `userAgent` and the path), `/.well-known/tdmrep.json`, and the
 * page's `Content-Usage`, `tdm-reservation` and `X-Robots-Tag` headers (a HEAD request). Bodies are
 * capped at `maxBytes` and every request at `timeoutMs`; robots.txt and tdmrep.json are cached per
 * origin, headers per URL, for `ttlMs`. A failed fetch never throws: it gives no evidence and a
 * `SIGNALS_UNAVAILABLE` warning. A 4xx robots.txt or tdmrep.json means "no signal" (RFC 9309 §2.3.1.3).
 * Web standards only (global `fetch`): runs in browsers, Node, Deno and workers.
 */
export function signalsSource(options: SignalsSourceOptions = {}): SignalsSource {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const userAgent = options.userAgent ?? '*';
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = Math.min(options.maxBytes ?? MAX_ROBOTS_TXT_BYTES, MAX_ROBOTS_TXT_BYTES);
  const robotsCache = new Map<string, Entry<RobotsTxt | Warning | null>>();
  const tdmCache = new Map<string, Entry<TdmRepFile | Warning | null>>();
  const headCache = new Map<string, Entry<Headers | Warning | null>>();

  function cached<T>(cache: Map<string, Entry<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit !== undefined && hit.expires > now) return hit.value;
    if (cache.size >= MAX_CACHE_ENTRIES) {
      for (const [k, e] of cache) if (e.expires <= now) cache.delete(k);
      if (cache.size >= MAX_CACHE_ENTRIES) cache.clear();
    }
    const value = load();
    cache.set(key, { expires: now + ttlMs, value });
    // Failures are not cached: the next read tries again.
    void value.then((v) => {
      if (isWarning(v)) cache.delete(key);
    });
    return value;
  }

  async function get(url: string, method: 'GET' | 'HEAD', signal: AbortSignal | undefined): Promise<Fetched> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const headers: Record<string, string> = {};
      if (userAgent !== '*') headers['user-agent'] = userAgent;
      const response = await doFetch(url, { method, headers, redirect: 'follow', signal: controller.signal });
      const body = method === 'HEAD' ? new Uint8Array(0) : await readCapped(response, maxBytes);
      if (method === 'HEAD') await response.body?.cancel().catch(() => undefined);
      if (response.status >= 500 || response.status === 429) {
        return unavailable(url, `answered HTTP ${response.status}`);
      }
      return { status: response.status, headers: response.headers, body };
    } catch (error) {
      if (timedOut) return unavailable(url, `did not answer within ${timeoutMs} ms`);
      if (signal?.aborted) return unavailable(url, 'the read was aborted');
      return unavailable(
        url,
        `could not be fetched: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    async read(work, readOptions = {}) {
      const url = pageUrl(work);
      if (url === undefined) {
        return freezeEvidence(
          work,
          [],
          [{ code: 'SIGNALS_UNAVAILABLE', message: `${work} is not an http(s) url: work; no signals read` }],
        );
      }
      const { signal } = readOptions;
      const origin = url.origin;
      const robotsUrl = `${origin}/robots.txt`;
      const tdmUrl = `${origin}${TDMREP_WELL_KNOWN_PATH}`;
      const [robots, tdmFile, headers] = await Promise.all([
        cached(robotsCache, origin, async () => {
          const r = await get(robotsUrl, 'GET', signal);
          return isWarning(r)
            ? r
            : r.status >= 200 && r.status < 300
              ? parseRobotsTxt(wholeLines(r.body, maxBytes))
              : null;
        }),
        cached(tdmCache, origin, async () => {
          const r = await get(tdmUrl, 'GET', signal);
          if (isWarning(r)) return r;
          return r.status >= 200 &&
            r.status < 300 &&
            r.body.length <= Math.min(maxBytes, MAX_TDMREP_FILE_BYTES)
            ? parseTdmRepFile(r.body)
            : null;
        }),
        cached(headCache, url.href, async () => {
          const r = await get(url.href, 'HEAD', signal);
          return isWarning(r) ? r : r.status >= 200 && r.status < 400 ? r.headers : null;
        }),
      ]);
      const warnings: Warning[] = [];
      const signals: UnsignedEvidence[] = [];
      const add = (
        standard: SignalStandard,
        location: SignalLocation,
        from: string,
        decisions: Readonly<Record<UseTerm, Decision>>,
      ) => {
        if (USE_TERMS.some((term) => decisions[term] !== 'unknown')) {
          signals.push(
            Object.freeze({
              signed: false,
              standard,
              location,
              url: from,
              decisions: Object.freeze({ ...decisions }),
            }),
          );
        }
      };
      if (isWarning(robots)) warnings.push(robots);
      else if (robots !== null) {
        add(
          'aipref',
          'robots.txt',
          robotsUrl,
          contentUsageFor(robots, { userAgent, url: url.href }).decisions,
        );
        add(
          'content-signal',
          'robots.txt',
          robotsUrl,
          contentSignalFor(robots, { userAgent, url: url.href }).decisions,
        );
      }
      if (isWarning(headers)) warnings.push(headers);
      else if (headers !== null) {
        const usage = headers.get('content-usage');
        if (usage !== null && usage.length <= MAX_CONTENT_USAGE_LENGTH) {
          add('aipref', 'header', url.href, parseContentUsage(usage).decisions);
        }
        add(
          'x-robots-tag',
          'header',
          url.href,
          parseXRobotsTag(headers.get('x-robots-tag'), userAgent).decisions,
        );
      }
      if (isWarning(tdmFile)) warnings.push(tdmFile);
      const tdm = parseTdmRep({
        ...(headers !== null && !isWarning(headers) ? { headers } : {}),
        ...(tdmFile !== null && !isWarning(tdmFile) ? { file: tdmFile } : {}),
        url: url.pathname + url.search,
      });
      if (tdm.source !== undefined) {
        add(
          'tdmrep',
          tdm.source === 'header' ? 'header' : 'tdmrep.json',
          tdm.source === 'header' ? url.href : tdmUrl,
          tdm.decisions,
        );
      }
      return freezeEvidence(url.href, signals, warnings);
    },
  };
}

/**
 * Combines a signed check result with unsigned signals: any deny wins. An unsigned `deny` of the
 * use (or of a broader term) turns any signed decision into `deny`; an unsigned `allow` never
 * upgrades a signed `deny`, `unknown` or `conditional`. The signals are appended to `evidence`
 * (`signed: false`) and their warnings to `warnings`.
 */
export function withSignals(result: CheckResult, evidence: SignalEvidence): CheckResultWithSignals {
  const denied = evidence.decisions[result.use] === 'deny';
  const overridden = denied && result.decision !== 'deny';
  const standards = [
    ...new Set(
      evidence.signals.filter((s) => effective(s.decisions, result.use) === 'deny').map((s) => s.location),
    ),
  ];
  const { conditions: _conditions, ...rest } = result;
  const combined: CheckResultWithSignals = {
    ...(overridden ? rest : result),
    decision: overridden ? 'deny' : result.decision,
    reason: overridden
      ? `${result.reason} An unsigned signal (${standards.join(', ')}) denies ${result.use}; any deny wins.`
      : result.reason,
    evidence: [...result.evidence, ...evidence.signals],
    warnings: [...result.warnings, ...evidence.warnings],
  };
  return Object.freeze(combined);
}

/** A signal's decision for `use`: its own, or a deny of a broader term. */
function effective(decisions: Readonly<Record<UseTerm, Decision>>, use: UseTerm): Decision {
  let decision = decisions[use];
  for (const ancestor of ancestorsOf(use)) {
    if (decisions[ancestor] === 'deny') decision = 'deny';
  }
  return decision;
}

function freezeEvidence(url: string, signals: UnsignedEvidence[], warnings: Warning[]): SignalEvidence {
  const combined = {} as Record<UseTerm, Decision>;
  for (const term of USE_TERMS) {
    let decision: Decision = 'unknown';
    for (const s of signals) decision = mostRestrictive(decision, effective(s.decisions, term));
    combined[term] = decision;
  }
  return Object.freeze({
    url,
    signed: false,
    decisions: Object.freeze(combined),
    signals: Object.freeze(signals),
    warnings: Object.freeze(warnings),
  });
}

function pageUrl(work: string): URL | undefined {
  const raw = work.startsWith('url:') ? work.slice(4) : work;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    url.hash = '';
    return url;
  } catch {
    return undefined;
  }
}

function isWarning(value: unknown): value is Warning {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}

function unavailable(url: string, what: string): Warning {
  return Object.freeze({ code: 'SIGNALS_UNAVAILABLE', message: `${url} ${what}; no signal read from it` });
}

/** Over `max` bytes: the first `max`, cut after the last line break (no half rule is read). */
function wholeLines(body: Uint8Array, max: number): Uint8Array {
  if (body.length <= max) return body;
  const head = body.subarray(0, max);
  return head.subarray(0, head.lastIndexOf(0x0a) + 1);
}

/** Reads a body up to `max` bytes, cancelling the rest (what was read is kept: parsers truncate). */
async function readCapped(response: Response, max: number): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (size > max) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  const out = new Uint8Array(Math.min(size, max + 1));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, out.length - offset);
    out.set(part, offset);
    offset += part.length;
    if (offset >= out.length) break;
  }
  return out;
}
