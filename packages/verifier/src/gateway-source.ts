import {
  AssentError,
  blockCid,
  canonicalBytes,
  isAssentError,
  JSON_CODEC,
  type JsonObject,
  parseCidString,
  type WorkId,
} from '@assent/manifest';
import type { CandidateSet, CandidatesOptions, ManifestCandidate, ManifestSource } from './source.js';

/**
 * A source over an Assent gateway's HTTP API (docs/api.md, "What the verifier SDK needs from a
 * gateway"). It asks `POST /v1/candidates` for the CIDs of the manifests and catalog pages naming the
 * works (a gateway without that route: the evidence CIDs of `POST /v1/check`, whose decisions it
 * ignores); it fetches each manifest's exact bytes (`GET /v1/manifests/{cid}`) and the pages
 * (`GET /ipfs/{cid}`), checks that the bytes hash to their CID, and caches blocks by CID (they are
 * immutable). The verifier then verifies and decides itself.
 */

/** Options of {@link gatewaySource}. */
export interface GatewaySourceOptions {
  /** The fetch to use (default `globalThis.fetch`). */
  readonly fetch?: typeof globalThis.fetch;
  /** Milliseconds per HTTP request, body included, before `SOURCE_TIMEOUT` (default 30,000). */
  readonly timeout?: number;
  /** Works per `POST /v1/candidates` (or `/v1/check`) request (default and most: 10,000, the API's limit). */
  readonly batchSize?: number;
  /** Bytes of blocks kept by CID (default 32 MiB). */
  readonly cacheBytes?: number;
  /** Block requests in flight at once (default 8). */
  readonly concurrency?: number;
  /** Extra request headers (e.g. authorization for a private gateway). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The API's limit on works per `POST /v1/candidates` and `POST /v1/check` (DESIGN §4). */
const MAX_WORKS_PER_REQUEST = 10_000;
/** A block is at most 1 MiB (spec §6); a little slack for nothing, since blocks are canonical. */
const MAX_BLOCK_BYTES = 1_048_576;
/** Candidates or evidence for 10,000 works fit comfortably; more is a hostile or broken gateway. */
const MAX_CHECK_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 16 * 1024;
/**
 * The statuses of a gateway without `POST /v1/candidates`: an older Assent gateway answers 404, an
 * implementation that routes the path but not the method 405. The source then uses `POST /v1/check`.
 */
const NO_CANDIDATES_ROUTE: readonly number[] = [404, 405];
/** `GET /v1/creators/{did}` of a creator the gateway holds nothing of. */
const CREATOR_UNKNOWN: readonly number[] = [404];

function invalid(message: string): AssentError<'SOURCE_INVALID_RESPONSE'> {
  return new AssentError('SOURCE_INVALID_RESPONSE', message);
}

/** Reads a body up to `max` bytes; more is `SOURCE_INVALID_RESPONSE` (a gateway must not flood us). */
async function readLimited(response: Response, max: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => {});
    throw invalid(`the response is larger than ${max} bytes`);
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw invalid(`the response is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Immutable blocks by CID, least recently used evicted first. */
class BlockCache {
  readonly #blocks = new Map<string, Uint8Array>();
  #bytes = 0;
  constructor(readonly maxBytes: number) {}
  get(cid: string): Uint8Array | undefined {
    const bytes = this.#blocks.get(cid);
    if (bytes !== undefined) {
      this.#blocks.delete(cid);
      this.#blocks.set(cid, bytes);
    }
    return bytes;
  }
  set(cid: string, bytes: Uint8Array): void {
    if (this.#blocks.has(cid)) return;
    this.#blocks.set(cid, bytes);
    this.#bytes += bytes.length;
    for (const [old, held] of this.#blocks) {
      if (this.#bytes <= this.maxBytes) break;
      this.#blocks.delete(old);
      this.#bytes -= held.length;
    }
  }
}

interface EvidenceRef {
  readonly cid: string;
  readonly page: string | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function blockCidOrFail(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalid(`${what} is not a CID string`);
  const parsed = parseCidString(value, { codec: JSON_CODEC });
  if (!parsed.ok) throw invalid(`${what} is not a block CID: ${parsed.code}`);
  return value;
}

/** What an answer of `POST /v1/candidates` or `POST /v1/check` names: manifests and pages, and `asOf`. */
interface Found {
  readonly refs: EvidenceRef[];
  /** When the node first logged each manifest (`POST /v1/candidates` only), by CID. */
  readonly loggedAt: ReadonlyMap<string, string>;
  /** The versions before heads in their waiting window (`POST /v1/candidates` only). */
  readonly predecessors: EvidenceRef[];
  readonly asOf: string | undefined;
  /** Signed link observations, in canonical bytes (`POST /v1/candidates` only). */
  readonly observations: readonly Uint8Array[];
  /** CIDs of attestations naming the creators (`POST /v1/candidates` only). */
  readonly attestations: readonly string[];
}

const NOTHING: readonly never[] = Object.freeze([]);

function asOfOf(body: Record<string, unknown>, what: string): string | undefined {
  if (body.asOf !== undefined && typeof body.asOf !== 'string')
    throw invalid(`${what}: asOf is not a string`);
  return body.asOf as string | undefined;
}

/**
 * The manifest and page CIDs of a `POST /v1/candidates` answer, `{"asOf"?, "manifests": [{"cid",
 * "pages"?}], "observations"?: [credential…], "attestations"?: [cid…]}`; members it does not know
 * are ignored. Observations travel inline (each is about a kilobyte); the verifier checks their
 * signatures over their canonical form, so re-encoding them here changes nothing.
 */
/** The manifest refs of a `POST /v1/candidates` list (`manifests`, `predecessors`), with log times. */
function refsOf(list: unknown, name: string, loggedAt: Map<string, string>): EvidenceRef[] {
  const what = 'POST /v1/candidates';
  if (!Array.isArray(list)) throw invalid(`${what}: ${name} is not an array`);
  const refs: EvidenceRef[] = [];
  for (const [i, m] of list.entries()) {
    if (!isObject(m)) throw invalid(`${what}: ${name}[${i}] is not an object`);
    const cid = blockCidOrFail(m.cid, `${name}[${i}].cid`);
    refs.push({ cid, page: undefined });
    if (m.loggedAt !== undefined) {
      if (typeof m.loggedAt !== 'string' || !Number.isFinite(Date.parse(m.loggedAt)))
        throw invalid(`${what}: ${name}[${i}].loggedAt is not a date-time`);
      loggedAt.set(cid, m.loggedAt);
    }
    if (m.pages === undefined) continue;
    if (!Array.isArray(m.pages)) throw invalid(`${what}: ${name}[${i}].pages is not an array`);
    for (const [j, page] of m.pages.entries())
      refs.push({ cid, page: blockCidOrFail(page, `${name}[${i}].pages[${j}]`) });
  }
  return refs;
}

function candidatesOf(body: unknown): Found {
  const what = 'POST /v1/candidates';
  if (!isObject(body) || !Array.isArray(body.manifests))
    throw invalid(`${what}: expected {"manifests": [...]}`);
  const loggedAt = new Map<string, string>();
  const refs = refsOf(body.manifests, 'manifests', loggedAt);
  const predecessors =
    body.predecessors === undefined ? [] : refsOf(body.predecessors, 'predecessors', loggedAt);
  const observations: Uint8Array[] = [];
  if (body.observations !== undefined) {
    if (!Array.isArray(body.observations)) throw invalid(`${what}: observations is not an array`);
    for (const [i, o] of body.observations.entries()) {
      if (!isObject(o)) throw invalid(`${what}: observations[${i}] is not an object`);
      observations.push(canonicalBytes(o as JsonObject));
    }
  }
  const attestations: string[] = [];
  if (body.attestations !== undefined) {
    if (!Array.isArray(body.attestations)) throw invalid(`${what}: attestations is not an array`);
    for (const [i, cid] of body.attestations.entries())
      attestations.push(blockCidOrFail(cid, `attestations[${i}]`));
  }
  return { refs, loggedAt, predecessors, asOf: asOfOf(body, what), observations, attestations };
}

/** The evidence CIDs of a `POST /v1/check` answer; every other field (the verdict) is ignored. */
function evidenceOf(body: unknown): Found {
  if (!isObject(body) || !Array.isArray(body.results))
    throw invalid('POST /v1/check: expected {"results": [...]}');
  const refs: EvidenceRef[] = [];
  for (const [i, result] of body.results.entries()) {
    if (!isObject(result) || !Array.isArray(result.evidence)) {
      throw invalid(`POST /v1/check: results[${i}] has no evidence array`);
    }
    for (const [j, e] of result.evidence.entries()) {
      if (!isObject(e)) throw invalid(`POST /v1/check: results[${i}].evidence[${j}] is not an object`);
      const cid = blockCidOrFail(e.cid, `results[${i}].evidence[${j}].cid`);
      const page =
        e.page === undefined ? undefined : blockCidOrFail(e.page, `results[${i}].evidence[${j}].page`);
      refs.push({ cid, page });
    }
  }
  return {
    refs,
    loggedAt: new Map(),
    predecessors: [],
    asOf: asOfOf(body, 'POST /v1/check'),
    observations: NOTHING,
    attestations: NOTHING,
  };
}

function baseUrlOf(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new TypeError(`gatewaySource: not a URL: ${String(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`gatewaySource: the URL must be http or https, got ${parsed.protocol}`);
  }
  parsed.search = '';
  parsed.hash = '';
  return parsed.href.replace(/\/+$/, '');
}

/** Runs `task` over `items` with at most `limit` in flight; the first failure rejects. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * A source backed by an Assent gateway. It asks `POST /v1/candidates` which manifests and catalog
 * pages name the works; a gateway that answers that route 404 or 405 (an older one) is asked
 * `POST /v1/check` instead, for the rest of the source's life, and only the CIDs of its evidence are
 * read, never its verdicts. The bytes are fetched, checked against their CID and then verified by the
 * verifier. Faults throw `AssentError`: `SOURCE_UNAVAILABLE` (network, HTTP 5xx/429), `SOURCE_TIMEOUT`,
 * `SOURCE_INVALID_RESPONSE` (bad JSON or shape, other HTTP errors, bytes that do not hash to their
 * CID, oversized bodies); an aborted signal rejects with its reason.
 * @example
 * const verifier = createVerifier({ source: gatewaySource('http://127.0.0.1:8787', { timeout: 10_000 }) });
 */
export function gatewaySource(url: string | URL, options: GatewaySourceOptions = {}): ManifestSource {
  const base = baseUrlOf(url);
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function')
    throw new TypeError('gatewaySource: no fetch available; pass options.fetch');
  const timeout = options.timeout ?? 30_000;
  if (!(timeout > 0)) throw new RangeError('gatewaySource: timeout must be positive');
  const batchSize = Math.min(options.batchSize ?? MAX_WORKS_PER_REQUEST, MAX_WORKS_PER_REQUEST);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('gatewaySource: bad batchSize');
  const concurrency = options.concurrency ?? 8;
  const blocks = new BlockCache(options.cacheBytes ?? 32 * 1024 * 1024);
  const headers = options.headers ?? {};
  /** Set once the gateway answered `POST /v1/candidates` 404 or 405: it is not asked again. */
  let checkOnly = false;

  /**
   * The body of a 2xx answer. A status in `absent` is no fault: it answers undefined (the body is
   * dropped); any other non-2xx throws.
   */
  function request(
    path: string,
    init: RequestInit,
    maxBytes: number,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array>;
  function request(
    path: string,
    init: RequestInit,
    maxBytes: number,
    signal: AbortSignal | undefined,
    absent: readonly number[],
  ): Promise<Uint8Array | undefined>;
  async function request(
    path: string,
    init: RequestInit,
    maxBytes: number,
    signal: AbortSignal | undefined,
    absent: readonly number[] = [],
  ): Promise<Uint8Array | undefined> {
    signal?.throwIfAborted();
    const target = `${base}${path}`;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeout);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const fault = (cause: unknown): unknown => {
      if (signal?.aborted) return signal.reason;
      if (timedOut) {
        return new AssentError(
          'SOURCE_TIMEOUT',
          `${init.method ?? 'GET'} ${target}: no answer within ${timeout} ms`,
          {
            cause,
          },
        );
      }
      if (isAssentError(cause)) return cause;
      const message = cause instanceof Error ? cause.message : String(cause);
      return new AssentError('SOURCE_UNAVAILABLE', `${init.method ?? 'GET'} ${target}: ${message}`, {
        cause,
      });
    };
    try {
      let response: Response;
      try {
        response = await fetchFn(target, {
          ...init,
          headers: { ...headers, ...init.headers },
          signal: controller.signal,
        });
      } catch (cause) {
        throw fault(cause);
      }
      if (absent.includes(response.status)) {
        await response.body?.cancel().catch(() => {});
        return undefined;
      }
      if (!response.ok) {
        let code = '';
        try {
          const text = new TextDecoder().decode(await readLimited(response, MAX_ERROR_BODY_BYTES));
          const body = JSON.parse(text) as { error?: { code?: unknown } };
          if (typeof body.error?.code === 'string') code = ` ${body.error.code}`;
        } catch {
          // The error body is informative only.
        }
        const unavailable = response.status >= 500 || response.status === 429;
        throw new AssentError(
          unavailable ? 'SOURCE_UNAVAILABLE' : 'SOURCE_INVALID_RESPONSE',
          `${init.method ?? 'GET'} ${target}: HTTP ${response.status}${code}`,
        );
      }
      try {
        return await readLimited(response, maxBytes);
      } catch (cause) {
        throw fault(cause);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function block(path: string, cid: string, accept: string, signal: AbortSignal | undefined) {
    const held = blocks.get(cid);
    if (held !== undefined) return held;
    const bytes = await request(path, { method: 'GET', headers: { accept } }, MAX_BLOCK_BYTES, signal);
    // A gateway is trusted for nothing: the bytes must be the block the CID names.
    if (blockCid(bytes) !== cid) throw invalid(`GET ${path}: the bytes do not hash to ${cid}`);
    blocks.set(cid, bytes);
    return bytes;
  }

  const post = (body: string): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
  });

  /** What the gateway names for one request's worth of works: by candidates, else by check. */
  async function find(
    works: readonly WorkId[],
    use: string,
    signal: AbortSignal | undefined,
  ): Promise<Found> {
    if (!checkOnly) {
      const body = JSON.stringify({ works });
      const bytes = await request(
        '/v1/candidates',
        post(body),
        MAX_CHECK_RESPONSE_BYTES,
        signal,
        NO_CANDIDATES_ROUTE,
      );
      if (bytes !== undefined) return candidatesOf(parseJsonBody(bytes, 'POST /v1/candidates'));
      checkOnly = true;
    }
    const bytes = await request(
      '/v1/check',
      post(JSON.stringify({ use, works })),
      MAX_CHECK_RESPONSE_BYTES,
      signal,
    );
    return evidenceOf(parseJsonBody(bytes, 'POST /v1/check'));
  }

  return {
    async candidates(works: readonly WorkId[], opts: CandidatesOptions = {}): Promise<CandidateSet> {
      const { signal } = opts;
      const wanted = new Map<string, Set<string>>();
      const earlier = new Map<string, Set<string>>();
      const loggedAt = new Map<string, string>();
      const observations = new Map<string, Uint8Array>();
      const attestationCids = new Set<string>();
      let asOf: string | undefined;
      for (let i = 0; i < works.length; i += batchSize) {
        const answer = await find(works.slice(i, i + batchSize), opts.use ?? 'all', signal);
        // Several requests: the answer is only as fresh as the oldest of them.
        if (
          answer.asOf !== undefined &&
          (asOf === undefined || !(Date.parse(answer.asOf) >= Date.parse(asOf)))
        ) {
          asOf = answer.asOf;
        }
        for (const o of answer.observations) observations.set(blockCid(o), o);
        for (const cid of answer.attestations) attestationCids.add(cid);
        for (const [cid, at] of answer.loggedAt) loggedAt.set(cid, at);
        const note = (into: Map<string, Set<string>>, ref: EvidenceRef) => {
          let pages = into.get(ref.cid);
          if (pages === undefined) {
            pages = new Set();
            into.set(ref.cid, pages);
          }
          if (ref.page !== undefined) pages.add(ref.page);
        };
        for (const ref of answer.refs) note(wanted, ref);
        for (const ref of answer.predecessors) note(earlier, ref);
      }
      /** Each manifest of `refs` with its pages and log time, fetched as blocks. */
      const fetchAll = async (refs: Map<string, Set<string>>): Promise<ManifestCandidate[]> => {
        const out: ManifestCandidate[] = [];
        await eachLimited([...refs], concurrency, async ([cid, pageCids]) => {
          const bytes = await block(`/v1/manifests/${cid}`, cid, 'application/json', signal);
          const pages = new Map<string, Uint8Array>();
          for (const page of pageCids) {
            pages.set(page, await block(`/ipfs/${page}`, page, 'application/vnd.ipld.raw', signal));
          }
          const at = loggedAt.get(cid);
          const candidate: ManifestCandidate = pages.size === 0 ? { cid, bytes } : { cid, bytes, pages };
          out.push(at === undefined ? candidate : { ...candidate, loggedAt: at });
        });
        return out;
      };
      const manifests = await fetchAll(wanted);
      const predecessors = earlier.size === 0 ? [] : await fetchAll(earlier);
      const attestations: Uint8Array[] = [];
      await eachLimited([...attestationCids], concurrency, async (cid) => {
        attestations.push(await block(`/v1/attestations/${cid}`, cid, 'application/json', signal));
      });
      return {
        manifests,
        ...(predecessors.length === 0 ? {} : { predecessors }),
        ...(asOf === undefined ? {} : { asOf }),
        ...(observations.size === 0 ? {} : { observations: [...observations.values()] }),
        ...(attestations.length === 0 ? {} : { attestations }),
      };
    },

    async block(cid: string, opts: { readonly signal?: AbortSignal } = {}): Promise<Uint8Array | undefined> {
      const held = blocks.get(cid);
      if (held !== undefined) return held;
      const path = `/v1/manifests/${encodeURIComponent(cid)}`;
      const bytes = await request(
        path,
        { method: 'GET', headers: { accept: 'application/json' } },
        MAX_BLOCK_BYTES,
        opts.signal,
        [404],
      );
      if (bytes === undefined) return undefined;
      // A gateway is trusted for nothing: the bytes must be the block the CID names.
      if (blockCid(bytes) !== cid) throw invalid(`GET ${path}: the bytes do not hash to ${cid}`);
      blocks.set(cid, bytes);
      return bytes;
    },

    async heads(issuers: readonly string[], opts: CandidatesOptions = {}): Promise<CandidateSet> {
      const { signal } = opts;
      const cids = new Set<string>();
      await eachLimited(issuers, concurrency, async (did) => {
        const bytes = await request(
          `/v1/creators/${encodeURIComponent(did)}`,
          { method: 'GET', headers: { accept: 'application/json' } },
          MAX_ERROR_BODY_BYTES * 64,
          signal,
          CREATOR_UNKNOWN,
        );
        // A gateway that does not know the creator holds no head of it: the verifier reports that.
        if (bytes === undefined) return;
        for (const cid of headsOf(parseJsonBody(bytes, `GET /v1/creators/${did}`))) cids.add(cid);
      });
      const manifests: ManifestCandidate[] = [];
      await eachLimited([...cids], concurrency, async (cid) => {
        manifests.push({ cid, bytes: await block(`/v1/manifests/${cid}`, cid, 'application/json', signal) });
      });
      return { manifests };
    },
  };
}

function parseJsonBody(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new AssentError('SOURCE_INVALID_RESPONSE', `${what}: the body is not JSON`, { cause });
  }
}

/** The head CIDs of a `GET /v1/creators/{did}` answer: `heads` (every fork branch), else `head`. */
function headsOf(body: unknown): string[] {
  if (!isObject(body)) throw invalid('GET /v1/creators: expected an object');
  if (Array.isArray(body.heads))
    return body.heads.map((h, i) => blockCidOrFail(isObject(h) ? h.cid : h, `heads[${i}]`));
  return [blockCidOrFail(body.head, 'head')];
}
