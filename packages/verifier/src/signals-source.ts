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
import type { Warning, WarningCode } from './errors.js';
import type { CheckResult } from './verifier.js';

/** Options of {@link signalsSource}. */
export interface SignalsSourceOptions {
  /**
   * The `fetch` to use; the global one by default (not in Node, see {@link signalsSource}). A `fetch`
   * passed here decides which addresses may be reached: the SDK only checks URLs.
   */
  readonly fetch?: typeof fetch;
  /**
   * Also fetch plain `http:` URLs (and, in Node, loopback addresses): for tests and local use. Private
   * ranges stay refused in Node. Default `false`.
   */
  readonly allowInsecure?: boolean;
  /** The crawler's product token or User-Agent, sent and used to pick robots.txt groups. Default `*`. */
  readonly userAgent?: string;
  /** How long robots.txt, tdmrep.json and page headers are cached, in ms. Default 1 hour. */
  readonly ttlMs?: number;
  /** The most time one read (redirects, headers and body) may take, in ms. Default 5000. */
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
  /**
   * One per fetch that gave no evidence: `SIGNALS_URL_REFUSED` or `SIGNALS_ADDRESS_REFUSED` when the
   * URL (or a redirect's) was refused before any request, `SIGNALS_UNAVAILABLE` when the fetch failed.
   */
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
/** RFC 9309 §2.3.1.2: crawlers SHOULD follow at least five consecutive redirects; we follow five. */
const MAX_SIGNAL_REDIRECTS = 5;

/** Why a fetch of a signal gave nothing: a warning without the URL, which the source adds. */
export interface SignalsFetchFailure {
  readonly code: Extract<WarningCode, `SIGNALS_${string}`>;
  /** What happened, to follow the URL: `is refused: 10.0.0.1 is not a public address`. */
  readonly message: string;
}

/** One answer as a transport got it; a 3xx with a `Location` is followed by the source. */
export interface SignalsResponse {
  readonly status: number;
  readonly headers: Headers;
  /** At most `maxBytes`. */
  readonly body: Uint8Array;
  /** The body was longer than `maxBytes` and was cut there. */
  readonly truncated: boolean;
  /** The URL the answer came from (after the platform's own redirects, if it follows any). */
  readonly url: string;
}

/** One request of a {@link SignalsTransport}. */
export interface SignalsRequest {
  readonly method: 'GET' | 'HEAD';
  /** The User-Agent to send, if any. */
  readonly userAgent: string | undefined;
  readonly maxBytes: number;
  /** What is left of the read's deadline, in ms. */
  readonly timeoutMs: number;
  /** Aborted at the deadline or by the caller. */
  readonly signal: AbortSignal;
}

/**
 * How a signals source reaches the web: one request, never throwing. The web one wraps `fetch`; the
 * Node one (`@assent/verifier/node`) checks the address it connects to. Internal to this package.
 * @internal
 */
export type SignalsTransport = (
  url: URL,
  request: SignalsRequest,
) => Promise<SignalsResponse | SignalsFetchFailure>;

type Fetched = SignalsResponse | Warning;

interface Entry<T> {
  readonly expires: number;
  readonly value: Promise<T>;
}

/** A parsed signal and the URL it was read from (the last one, after redirects). */
interface Read<T> {
  readonly from: string;
  readonly value: T;
}

/**
 * Unsigned signals as extra, lower-trust evidence for `url:` works: the origin's robots.txt
 * (AIPREF `Content-Usage` rules for `userAgent` and the path), `/.well-known/tdmrep.json`, and the
 * page's `Content-Usage`, `tdm-reservation` and `X-Robots-Tag` headers (a HEAD request). Bodies are
 * capped at `maxBytes` (robots.txt is read up to its last whole line there, RFC 9309 §2.5) and every
 * read at `timeoutMs`; robots.txt and tdmrep.json are cached per origin, headers per URL, for `ttlMs`.
 * A read never throws: a refused or failed fetch gives no evidence and a warning
 * (`SIGNALS_URL_REFUSED`, `SIGNALS_ADDRESS_REFUSED`, `SIGNALS_UNAVAILABLE`). A 4xx robots.txt or
 * tdmrep.json means "no signal" (RFC 9309 §2.3.1.3).
 *
 * Only `https:` URLs are fetched (`http:` too with `allowInsecure`), never one with credentials, and
 * each redirect's target is checked the same way. This entry uses the global `fetch` and cannot see
 * addresses: in browsers (and workers) the platform's own rules decide what a page may reach and how
 * redirects are followed; an answer whose final URL is not https is discarded. In Node it would fetch
 * private addresses for whoever chooses the works, so there it throws a `TypeError` unless you pass a
 * `fetch`: use `signalsSource` from `@assent/verifier/node`, which refuses them.
 *
 * @example
 * const signals = signalsSource({ userAgent: 'ExampleBot' }); // in a browser
 * const evidence = await signals.read('url:https://example.com/song');
 */
export function signalsSource(options: SignalsSourceOptions = {}): SignalsSource {
  const custom = options.fetch;
  if (custom === undefined && runsInNode()) {
    throw new TypeError(
      "signalsSource from '@assent/verifier' cannot check the addresses it connects to; in Node, use " +
        "signalsSource from '@assent/verifier/node' (it refuses private addresses) or pass a fetch",
    );
  }
  return createSignalsSource(
    webTransport(custom ?? ((input, init) => globalThis.fetch(input, init))),
    options,
  );
}

/**
 * A signals source over a transport: caching, the URL policy, redirects, the deadline and reading.
 * `signalsSource` of this entry and of `@assent/verifier/node` differ only in their transport.
 * @internal
 */
export function createSignalsSource(
  transport: SignalsTransport,
  options: Omit<SignalsSourceOptions, 'fetch'> = {},
): SignalsSource {
  const allowInsecure = options.allowInsecure ?? false;
  const userAgent = options.userAgent ?? '*';
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = Math.min(options.maxBytes ?? MAX_ROBOTS_TXT_BYTES, MAX_ROBOTS_TXT_BYTES);
  const robotsCache = new Map<string, Entry<Read<RobotsTxt> | Warning | null>>();
  const tdmCache = new Map<string, Entry<Read<TdmRepFile> | Warning | null>>();
  const headCache = new Map<string, Entry<Read<Headers> | Warning | null>>();

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

  /** One URL, its redirects followed (each target checked again), under one deadline. */
  async function get(asked: URL, method: 'GET' | 'HEAD', signal: AbortSignal | undefined): Promise<Fetched> {
    const controller = new AbortController();
    const deadline = Date.now() + timeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted === true) controller.abort();
    try {
      let url = asked;
      for (let hop = 0; ; hop++) {
        const refused = urlRefusal(url, allowInsecure);
        if (refused !== undefined) return warn(asked, url, refused);
        const answer = await transport(url, {
          method,
          userAgent: userAgent === '*' ? undefined : userAgent,
          maxBytes,
          timeoutMs: Math.max(1, deadline - Date.now()),
          signal: controller.signal,
        });
        if (!('status' in answer)) {
          if (timedOut || Date.now() >= deadline) {
            return unavailable(asked.href, `did not answer within ${timeoutMs} ms`);
          }
          if (signal?.aborted === true) return unavailable(asked.href, 'the read was aborted');
          return warn(asked, url, answer);
        }
        // A platform that followed redirects itself: the URL it ended at must pass too.
        const reached = new URL(answer.url || url.href);
        const late = reached.href === url.href ? undefined : urlRefusal(reached, allowInsecure);
        if (late !== undefined) return warn(asked, reached, late);
        const location = isRedirect(answer.status) ? answer.headers.get('location') : null;
        if (location === null) {
          if (answer.status >= 500 || answer.status === 429) {
            return unavailable(reached.href, `answered HTTP ${answer.status}`);
          }
          return { ...answer, url: reached.href };
        }
        if (hop === MAX_SIGNAL_REDIRECTS) {
          return unavailable(asked.href, `redirected more than ${MAX_SIGNAL_REDIRECTS} times`);
        }
        let next: URL;
        try {
          next = new URL(location, reached);
        } catch {
          return unavailable(reached.href, 'redirected to something that is not a URL');
        }
        next.hash = '';
        url = next;
      }
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
      const robotsUrl = new URL('/robots.txt', origin);
      const tdmUrl = new URL(TDMREP_WELL_KNOWN_PATH, origin);
      const [robots, tdmFile, head] = await Promise.all([
        cached(robotsCache, origin, async () => {
          const r = await get(robotsUrl, 'GET', signal);
          if (isWarning(r)) return r;
          // Over the limit: the rules up to the last whole line (RFC 9309 §2.5).
          const body = r.truncated ? r.body.subarray(0, r.body.lastIndexOf(0x0a) + 1) : r.body;
          return r.status >= 200 && r.status < 300 ? { from: r.url, value: parseRobotsTxt(body) } : null;
        }),
        cached(tdmCache, origin, async () => {
          const r = await get(tdmUrl, 'GET', signal);
          if (isWarning(r)) return r;
          return r.status >= 200 && r.status < 300 && !r.truncated && r.body.length <= MAX_TDMREP_FILE_BYTES
            ? { from: r.url, value: parseTdmRepFile(r.body) }
            : null;
        }),
        cached(headCache, url.href, async () => {
          const r = await get(url, 'HEAD', signal);
          if (isWarning(r)) return r;
          return r.status >= 200 && r.status < 400 ? { from: r.url, value: r.headers } : null;
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
          robots.from,
          contentUsageFor(robots.value, { userAgent, url: url.href }).decisions,
        );
        add(
          'content-signal',
          'robots.txt',
          robots.from,
          contentSignalFor(robots.value, { userAgent, url: url.href }).decisions,
        );
      }
      const page = head === null || isWarning(head) ? undefined : head;
      if (isWarning(head)) warnings.push(head);
      else if (page !== undefined) {
        const usage = page.value.get('content-usage');
        if (usage !== null && usage.length <= MAX_CONTENT_USAGE_LENGTH) {
          add('aipref', 'header', page.from, parseContentUsage(usage).decisions);
        }
        add(
          'x-robots-tag',
          'header',
          page.from,
          parseXRobotsTag(page.value.get('x-robots-tag'), userAgent).decisions,
        );
      }
      if (isWarning(tdmFile)) warnings.push(tdmFile);
      const file = tdmFile === null || isWarning(tdmFile) ? undefined : tdmFile;
      const tdm = parseTdmRep({
        ...(page !== undefined ? { headers: page.value } : {}),
        ...(file !== undefined ? { file: file.value } : {}),
        url: url.pathname + url.search,
      });
      if (tdm.source !== undefined) {
        add(
          'tdmrep',
          tdm.source === 'header' ? 'header' : 'tdmrep.json',
          tdm.source === 'header' ? (page?.from ?? url.href) : (file?.from ?? tdmUrl.href),
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

/** A transport's or the URL policy's failure as a warning naming the URL asked (and the hop, if another). */
function warn(asked: URL, at: URL, failure: SignalsFetchFailure): Warning {
  const where =
    at.href === asked.href
      ? withoutCredentials(asked)
      : `${withoutCredentials(asked)} (redirected to ${withoutCredentials(at)})`;
  return Object.freeze({
    code: failure.code,
    message: `${where} ${failure.message}; no signal read from it`,
  });
}

/** Why a URL is not fetched: not https (unless `allowInsecure` and http), or credentials in it. */
function urlRefusal(url: URL, allowInsecure: boolean): SignalsFetchFailure | undefined {
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:')) {
    return {
      code: 'SIGNALS_URL_REFUSED',
      message: `is refused: ${url.protocol} is not fetched, only https:`,
    };
  }
  if (url.username !== '' || url.password !== '') {
    return { code: 'SIGNALS_URL_REFUSED', message: 'is refused: credentials in a URL are not sent' };
  }
  return undefined;
}

/** A URL to show in a warning: credentials refused in it are not repeated in logs. */
function withoutCredentials(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  return shown.href;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Node (and runtimes that present themselves as Node), where the global fetch reaches any address. */
function runsInNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof process?.versions?.node === 'string';
}

/**
 * The transport over a WHATWG `fetch`: the platform follows redirects under its own rules (the source
 * checks the URL it ended at); the body is read up to `maxBytes`.
 */
function webTransport(doFetch: typeof fetch): SignalsTransport {
  return async (url, request) => {
    try {
      const headers: Record<string, string> = {};
      if (request.userAgent !== undefined) headers['user-agent'] = request.userAgent;
      const response = await doFetch(url.href, {
        method: request.method,
        headers,
        redirect: 'follow',
        signal: request.signal,
      });
      if (request.method === 'HEAD') {
        await response.body?.cancel().catch(() => undefined);
        return { ...answerOf(response, url), body: new Uint8Array(0), truncated: false };
      }
      return { ...answerOf(response, url), ...(await readCapped(response, request.maxBytes)) };
    } catch (error) {
      return {
        code: 'SIGNALS_UNAVAILABLE',
        message: `could not be fetched: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  };
}

function answerOf(response: Response, asked: URL): { status: number; headers: Headers; url: string } {
  return { status: response.status, headers: response.headers, url: response.url || asked.href };
}

/** Reads a body up to `max` bytes, cancelling the rest; `truncated` when there was more. */
async function readCapped(
  response: Response,
  max: number,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  if (response.body === null) return { body: new Uint8Array(0), truncated: false };
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
  const body = new Uint8Array(Math.min(size, max));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, body.length - offset);
    body.set(part, offset);
    offset += part.length;
    if (offset >= body.length) break;
  }
  return { body, truncated: size > max };
}
