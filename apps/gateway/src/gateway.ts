import {
  isAssentError,
  isOrgId,
  isUseTerm,
  JSON_CODEC,
  parseCidString,
  parseDidKey,
  parseJson,
  parseManifest,
  type UseTerm,
} from '@assent/manifest';
import type { Registry } from '@assent/registry';
import type { CheckResult, Verifier } from '@assent/verifier';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { CID } from 'multiformats/cid';
import { readCarUpload } from './car-upload.js';
import { renderDocsPage } from './docs-page.js';
import { type ErrorBody, GatewayError, httpStatusOf } from './errors.js';
import { Metrics } from './metrics.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { mediaTypeOf, type NodeRequestEnv, readBody } from './read-body.js';
import { CheckBodySchema, CheckQuerySchema, MAX_BATCH_WORKS, routes } from './schemas.js';
import { type AssetSource, assetPathOf, NOT_BUILT_PAGE } from './web-app.js';

/** One structured request log entry (a JSON line). */
export interface RequestLogEntry {
  readonly time: string;
  readonly method: string;
  readonly route: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  readonly client: string;
  readonly code?: string;
}

/** What {@link createGateway} needs. */
export interface GatewayDeps {
  /** The node whose manifests the gateway publishes to and checks against. */
  readonly registry: Pick<Registry, 'ingest' | 'head' | 'history' | 'getBlock' | 'stats'>;
  /** The decision engine: `createVerifier({ source: registrySource(registry) })`. */
  readonly verifier: Verifier;
  /** The clock (default: the system clock): `asOf` of checks, rate limits, logs. */
  readonly now?: () => Date;
  /**
   * When the index was last known complete, for `asOf` (default: now — a node answers from its own
   * live index). A mirror that syncs from peers passes the time of its last sync.
   */
  readonly asOf?: () => Date;
  /** Largest `POST /v1/manifests` JSON body (default 1 MiB, the block limit). */
  readonly maxManifestBytes?: number;
  /** Largest CAR upload: a manifest and its catalog pages (default 32 MiB). */
  readonly maxCarBytes?: number;
  /** Largest `POST /v1/check` body (default 8 MiB: 10,000 ids of up to ~800 characters). */
  readonly maxCheckBytes?: number;
  /** Per-client rate limit on writes, or false for none (default: 120 burst, 20/s). */
  readonly rateLimit?: RateLimitOptions | false;
  /**
   * The key a client is rate limited by. Default: the `clientKey` the Node server passes in the
   * request env (the socket's remote address), else one shared key.
   */
  readonly clientKey?: (c: Context) => string;
  /** The web app's static files, served at `/` (default: none, `/` explains how to build it). */
  readonly assets?: AssetSource;
  /** Called with one entry per request (default: a JSON line on stdout); false for none. */
  readonly log?: ((entry: RequestLogEntry) => void) | false;
}

const MIB = 1024 * 1024;

/** The request's media type: from the Node server's env when it gives one, else the `Request`. */
function contentTypeOf(c: Context): string {
  const env = c.env as NodeRequestEnv | undefined;
  return mediaTypeOf(env?.readBody !== undefined ? env.contentType : c.req.raw.headers.get('content-type'));
}

/** Aborted when the client goes away: from the Node server when it offers one, else the `Request`'s. */
function signalOf(c: Context): AbortSignal {
  return (c.env as NodeRequestEnv | undefined)?.abortSignal?.() ?? c.req.raw.signal;
}

/**
 * The body of `POST /v1/check` when it is exactly what {@link CheckBodySchema} accepts: `use`, `works`
 * (strings of at most 4,096 characters), optional `org` and `at`, nothing else. Checked by hand
 * because the schema's parse was a few percent of a 10,000-work check; anything else goes to the
 * schema, which says what is wrong.
 */
function plainCheckBody(value: unknown): (CheckInput & { works: string[] }) | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const body = value as Record<string, unknown>;
  for (const key in body)
    if (key !== 'use' && key !== 'works' && key !== 'org' && key !== 'at') return undefined;
  const { use, works, org, at } = body;
  if (typeof use !== 'string' || use.length > 64) return undefined;
  if (org !== undefined && (typeof org !== 'string' || org.length > 2048)) return undefined;
  if (at !== undefined && (typeof at !== 'string' || at.length > 64)) return undefined;
  if (!Array.isArray(works) || works.length > MAX_BATCH_WORKS) return undefined;
  for (const work of works) if (typeof work !== 'string' || work.length > 4096) return undefined;
  return { use, works: works as string[], org: org as string | undefined, at: at as string | undefined };
}

/** The whole body, refused past `limit`: read by the Node server when it offers to, else from the `Request`. */
function bodyOf(c: Context, limit: number): Promise<Uint8Array> {
  const env = c.env as NodeRequestEnv | undefined;
  return env?.readBody !== undefined ? env.readBody(limit) : readBody(c.req.raw, limit);
}

const KNOWN_ROUTES: readonly [RegExp, string][] = [
  [/^\/v1\/manifests\/?$/, '/v1/manifests'],
  [/^\/v1\/manifests\/[^/]+$/, '/v1/manifests/{cid}'],
  [/^\/v1\/creators\/[^/]+$/, '/v1/creators/{did}'],
  [/^\/v1\/check\/?$/, '/v1/check'],
  [/^\/ipfs\/[^/]+$/, '/ipfs/{cid}'],
  [/^\/(openapi\.json|docs|healthz|metrics)$/, ''],
];

/** The route pattern of a path, for metrics and logs (never the raw path: bounded label values). */
function routeOf(path: string): string {
  for (const [pattern, route] of KNOWN_ROUTES) if (pattern.test(path)) return route === '' ? path : route;
  if (path.startsWith('/v1/') || path.startsWith('/ipfs/')) return 'unmatched';
  return '/';
}

/**
 * CORS headers of the read and check routes, for the browser SDK. They go into each response as it is
 * made: setting them on a finished response turns its plain header object into a `Headers` (and, with
 * hono/cors, the body into a stream), which cost about a third of a `GET /v1/check`.
 */
const CORS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'etag, x-ipfs-path, x-ipfs-roots, retry-after, x-assent-error',
});
const PREFLIGHT: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
  'access-control-allow-headers': 'content-type, accept, if-none-match',
  'access-control-max-age': '600',
});
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const CHECK_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  ...CORS,
});

/** True for the paths browsers may call from other origins: publish, read and check. */
function isCorsPath(path: string): boolean {
  return (
    path === '/v1/check' ||
    path === '/v1/manifests' ||
    path.startsWith('/v1/manifests/') ||
    path.startsWith('/v1/creators/') ||
    path.startsWith('/ipfs/')
  );
}

/** The headers every response to this request carries (CORS on the routes that have it). */
function baseHeaders(c: Context): Readonly<Record<string, string>> {
  return isCorsPath(c.req.path) ? CORS : NO_HEADERS;
}

/**
 * An answer as status, headers and text, for routes the Node server may also answer without the
 * router ({@link gatewayInternals}); the app wraps it in a `Response`.
 */
export interface PlainAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function errorAnswer(
  code: string,
  message: string,
  path?: string,
  headers?: Readonly<Record<string, string>>,
): PlainAnswer {
  const body: ErrorBody = { error: path === undefined ? { code, message } : { code, message, path } };
  return {
    status: httpStatusOf(code),
    // A copy of the code for logs and proxies; the body is the contract.
    headers: { 'content-type': 'application/json', 'x-assent-error': code, ...headers },
    body: JSON.stringify(body),
  };
}

function toResponse(answer: PlainAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

function errorResponse(
  code: string,
  message: string,
  path?: string,
  headers?: Readonly<Record<string, string>>,
): Response {
  return toResponse(errorAnswer(code, message, path, headers));
}

function json(value: unknown, status = 200, headers?: Readonly<Record<string, string>>): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** `YYYY-MM-DDThh:mm:ssZ` (docs/api.md: `asOf`). */
function utcSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The JSON of answers the verifier reused, but for `asOf` and `at`, by their evidence array: what
 * comes before `at` (`"work":…,"use":…`) and after it (`,"decision":…` to the end). A reused answer is
 * a copy of a kept one with a new `at`, sharing the kept answer's frozen parts
 * (VerifierOptions.reuse): the same frozen evidence array means the same answer but for `at`.
 * Serializing it was the largest part of a reused check left in the route (CPU profile).
 */
const reusedParts = new WeakMap<readonly unknown[], { readonly head: string; readonly tail: string }>();

/**
 * The body of `GET /v1/check`: `asOf`, then the verifier's result as it is, spliced into one JSON
 * object without copying it (a spread cost more than the rest of the route). The verifier builds
 * results in the order of the API (docs/api.md); `POST /v1/check` serializes them as they are too,
 * and the API tests hold both to the documented fields.
 */
function checkOneText(asOf: string, r: CheckResult): string {
  // `asOf` and `at` are UTC date-times made here and by the verifier: nothing in them needs escaping.
  if (!Object.isFrozen(r.evidence)) return `{"asOf":"${asOf}",${JSON.stringify(r).slice(1)}`;
  let parts = reusedParts.get(r.evidence);
  if (parts === undefined) {
    const whole = JSON.stringify(r);
    // The first `,"at":` and `,"decision":` are keys: inside a JSON string every `"` is escaped.
    parts = {
      head: whole.slice(1, whole.indexOf(',"at":')),
      tail: whole.slice(whole.indexOf(',"decision":')),
    };
    reusedParts.set(r.evidence, parts);
  }
  return `{"asOf":"${asOf}",${parts.head},"at":"${r.at}"${parts.tail}`;
}

/**
 * `GET /v1/check`'s parameters when they are what {@link CheckQuerySchema} accepts, checked by hand
 * (the schema's parse cost more than a reused check); anything else goes to the schema, which says
 * what is wrong.
 */
function plainCheckQuery(query: Record<string, string>): (CheckInput & { work: string }) | undefined {
  const { work, use, org, at } = query;
  if (work === undefined || work.length > 4096 || use === undefined || use.length > 64) return undefined;
  if ((org !== undefined && org.length > 2048) || (at !== undefined && at.length > 64)) return undefined;
  return { work, use, org, at };
}

/** Results per chunk of a `POST /v1/check` answer: about 40 KB of JSON each. */
const RESULTS_PER_CHUNK = 100;

/**
 * The body of `POST /v1/check`, `{"asOf":…,"results":[…]}`, as a stream of chunks of
 * {@link RESULTS_PER_CHUNK} results, made as the connection takes them. A 10,000-work answer is about
 * 4 MB: serialized whole, it was one large string flattened twice and encoded once, each a fresh
 * 4 MB allocation, about 30% of the server thread's time on the POST benchmark (CPU profile). A client
 * that goes away mid-answer cancels the stream (the Node adapter cancels its reader).
 */
function checkManyBody(asOf: string, results: readonly CheckResult[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const end = Math.min(next + RESULTS_PER_CHUNK, results.length);
        let text = next === 0 ? `{"asOf":${JSON.stringify(asOf)},"results":[` : ',';
        if (end > next) text += JSON.stringify(results.slice(next, end)).slice(1, -1);
        if (end === results.length) text += ']}';
        next = end;
        controller.enqueue(encoder.encode(text));
        if (end === results.length) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

interface CheckInput {
  readonly use: string;
  readonly org?: string | undefined;
  readonly at?: string | undefined;
}

/** Validates `use`, `org`, `at` into verifier options; answers the gateway's own 4xx codes. */
function checkOptions(input: CheckInput) {
  if (!isUseTerm(input.use)) {
    throw new GatewayError(
      'USE_TERM_UNKNOWN',
      `use must be a v1 term (all, tdm, train-ai, train-genai, ai-input, search)`,
    );
  }
  let org: string | undefined;
  if (input.org !== undefined) {
    org = input.org.startsWith('did:') ? input.org : input.org.toLowerCase();
    if (!isOrgId(org)) throw new GatewayError('ORG_MALFORMED', 'org must be a DID or a domain name');
  }
  if (input.at !== undefined && !Number.isFinite(Date.parse(input.at))) {
    throw new GatewayError('BAD_REQUEST', 'at must be a date-time');
  }
  const options: { use: UseTerm; org?: string; at?: string } = { use: input.use };
  if (org !== undefined) options.org = org;
  if (input.at !== undefined) options.at = input.at;
  return options;
}

function zodFailure(issues: readonly { path: readonly PropertyKey[]; message: string }[]): GatewayError {
  const first = issues[0];
  const pointer = first === undefined ? '' : first.path.map((p) => `/${String(p)}`).join('');
  return new GatewayError(
    'BAD_REQUEST',
    first === undefined ? 'invalid request' : `${pointer || '/'}: ${first.message}`,
    pointer,
  );
}

/**
 * Creates the gateway: a Hono app (Web Standards only) serving the HTTP API of DESIGN §4 over a
 * registry node. Decisions come from the verifier; the gateway validates, maps and answers. Use
 * `app.request()` in tests, {@link startGateway} to listen.
 * @example
 * const registry = await createRegistry({ dataDir: './data' });
 * const app = createGateway({ registry, verifier: createVerifier({ source: registrySource(registry) }) });
 * const res = await app.request('/v1/check?work=isrc:USRC17607839&use=train-genai');
 */
export function createGateway(deps: GatewayDeps): OpenAPIHono {
  const { registry, verifier } = deps;
  if (typeof registry?.ingest !== 'function') throw new TypeError('createGateway needs a registry');
  if (typeof verifier?.checkMany !== 'function') throw new TypeError('createGateway needs a verifier');
  const now = deps.now ?? (() => new Date());
  const asOf = deps.asOf ?? now;
  const maxManifestBytes = deps.maxManifestBytes ?? MIB;
  const maxCarBytes = deps.maxCarBytes ?? 32 * MIB;
  const maxCheckBytes = deps.maxCheckBytes ?? 8 * MIB;
  const limiter = deps.rateLimit === false ? undefined : new RateLimiter(deps.rateLimit ?? {});
  const clientKey =
    deps.clientKey ?? ((c: Context) => (c.env as NodeRequestEnv | undefined)?.clientKey ?? 'anonymous');
  const log =
    deps.log === false
      ? undefined
      : (deps.log ?? ((entry: RequestLogEntry) => process.stdout.write(`${JSON.stringify(entry)}\n`)));
  const metrics = new Metrics();

  const app = new OpenAPIHono({ strict: true });

  /**
   * Counts a request in the metrics and logs it (`started`: `performance.now()` when it arrived); the
   * client and error code are read only for the log.
   */
  const record: GatewayInternals['record'] = (method, route, path, status, started, client, code) => {
    const seconds = (performance.now() - started) / 1000;
    metrics.observe(method, route, status, seconds);
    if (log !== undefined) {
      const error = code();
      log({
        time: now().toISOString(),
        method,
        route,
        path: path.slice(0, 256),
        status,
        ms: Math.round(seconds * 1e4) / 10,
        client: client(),
        ...(error === null || error === undefined ? {} : { code: error }),
      });
    }
  };

  // Logs and metrics around everything, errors included.
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const { status } = c.res;
    const path = c.req.path;
    record(
      c.req.method,
      routeOf(path),
      path,
      status,
      started,
      () => clientKey(c),
      () => (status >= 400 ? c.res.headers.get('x-assent-error') : null),
    );
  });

  /** Logs an unexpected fault to stderr as a JSON line (never to the client). */
  const fault = (error: unknown): void => {
    process.stderr.write(
      `${JSON.stringify({ time: now().toISOString(), level: 'error', message: String((error as Error)?.stack ?? error) })}\n`,
    );
  };

  /** The answer to whatever a handler threw (docs/errors.md). */
  const failure = (
    error: unknown,
    base: Readonly<Record<string, string>>,
    aborted: () => boolean,
  ): PlainAnswer => {
    if (error instanceof GatewayError) {
      const headers = error.code === 'BODY_TOO_LARGE' ? { ...base, connection: 'close' } : base;
      return errorAnswer(error.code, error.message, error.path, headers);
    }
    if (isAssentError(error)) return errorAnswer(error.code, error.message, undefined, base);
    // The client went away (or the server cut it off) mid-request: nobody reads this answer.
    if (aborted()) return errorAnswer('BAD_REQUEST', 'the request was aborted', undefined, base);
    // Never a 500 and never a stack trace: the fault is logged here, the client gets a code.
    fault(error);
    return errorAnswer(
      'GATEWAY_UNAVAILABLE',
      'the gateway could not answer; nothing was stored',
      undefined,
      base,
    );
  };
  app.onError((error, c) => toResponse(failure(error, baseHeaders(c), () => c.req.raw.signal.aborted)));
  app.notFound((c) =>
    errorResponse(
      'NOT_FOUND',
      `no route for ${c.req.method} ${c.req.path.slice(0, 256)}`,
      undefined,
      baseHeaders(c),
    ),
  );

  for (const route of routes) app.openAPIRegistry.registerPath(route);

  // --- Publishing -----------------------------------------------------------------------------
  app.post('/v1/manifests', async (c) => {
    if (limiter !== undefined) {
      const wait = limiter.take(clientKey(c), now().getTime());
      if (wait > 0) {
        return errorResponse('RATE_LIMITED', `too many writes; retry in ${wait} s`, undefined, {
          ...CORS,
          'retry-after': String(wait),
        });
      }
    }
    const type = contentTypeOf(c);
    let result: Awaited<ReturnType<typeof registry.ingest>>;
    if (type === 'application/json') {
      const bytes = await bodyOf(c, maxManifestBytes);
      result = await registry.ingest(bytes);
    } else if (type === 'application/vnd.ipld.car') {
      const upload = readCarUpload(await bodyOf(c, maxCarBytes));
      const parsed = parseManifest(upload.manifest);
      if (!parsed.ok) return errorResponse(parsed.code, parsed.message, parsed.path, CORS);
      const named = new Set<string>(parsed.value.credentialSubject.catalog ?? []);
      for (const cid of upload.pages.keys()) {
        if (!named.has(cid)) {
          throw new GatewayError('CAR_CONTENT_INVALID', `block ${cid} is not a catalog page of the manifest`);
        }
      }
      // Blocks in a CAR are addressed by their hash, so they must already be canonical (spec §1.2).
      result = await registry.ingest(upload.manifest, {
        pages: upload.pages.values(),
        requireCanonical: true,
      });
      if (result.ok && result.value.cid !== upload.root) {
        throw new GatewayError('CAR_CONTENT_INVALID', 'the CAR root is not the manifest’s CID');
      }
    } else {
      throw new GatewayError(
        'UNSUPPORTED_MEDIA_TYPE',
        'send a signed manifest as application/json or a CAR as application/vnd.ipld.car',
      );
    }
    if (!result.ok) return errorResponse(result.code, result.message, result.path, CORS);
    const { cid, issuer, version, status, forked } = result.value;
    return json({ cid, issuer, version, forked }, status === 'added' ? 201 : 200, CORS);
  });

  // --- Reading --------------------------------------------------------------------------------
  const blockResponse = async (text: string, raw: boolean, c: Context): Promise<Response> => {
    const parsed = parseCidString(text, { anyBase: raw });
    if (!parsed.ok) return errorResponse(parsed.code, parsed.message, undefined, CORS);
    const cid = parsed.value;
    // Blocks are held under their json-codec CID; a raw-codec CID names the same bytes (same hash).
    if (cid.code !== JSON_CODEC && !(raw && cid.code === 0x55)) {
      return errorResponse(
        'NOT_FOUND',
        `this node holds json blocks only, not codec 0x${cid.code.toString(16)}`,
        undefined,
        CORS,
      );
    }
    const key = cid.code === JSON_CODEC ? cid.toString() : CID.createV1(JSON_CODEC, cid.multihash).toString();
    const bytes = await registry.getBlock(key);
    if (bytes === undefined)
      return errorResponse('NOT_FOUND', `no block ${text} on this node`, undefined, CORS);
    const canonical = cid.toString();
    const etag = raw ? `"${canonical}.raw"` : `"${canonical}"`;
    const headers: Record<string, string> = {
      ...CORS,
      'content-type': raw ? 'application/vnd.ipld.raw' : 'application/json',
      'content-length': String(bytes.length),
      'cache-control': 'public, max-age=29030400, immutable',
      etag,
      'x-content-type-options': 'nosniff',
      vary: 'Accept',
    };
    if (raw) {
      headers['x-ipfs-path'] = `/ipfs/${text}`;
      headers['x-ipfs-roots'] = canonical;
      headers['content-disposition'] = `attachment; filename="${canonical}.bin"`;
    }
    if (c.req.header('if-none-match') === etag)
      return new Response(null, { status: 304, headers: { ...CORS, etag } });
    return new Response(c.req.method === 'HEAD' ? null : (bytes as Uint8Array<ArrayBuffer>), {
      status: 200,
      headers,
    });
  };

  app.get('/v1/manifests/:cid', (c) => blockResponse(c.req.param('cid'), false, c));

  app.get('/ipfs/:cid', (c) => {
    // Trustless gateway spec: the client asks for a verifiable type; raw blocks are the one served here.
    const format = c.req.query('format');
    const accept = c.req.header('accept') ?? '';
    const wantsRaw =
      format === 'raw' || (format === undefined && accept.toLowerCase().includes('application/vnd.ipld.raw'));
    if (!wantsRaw) {
      return errorResponse(
        'NOT_ACCEPTABLE',
        'this trustless gateway serves raw blocks only: send Accept: application/vnd.ipld.raw or ?format=raw',
        undefined,
        CORS,
      );
    }
    return blockResponse(c.req.param('cid'), true, c);
  });

  app.get('/v1/creators/:did', (c) => {
    const did = c.req.param('did');
    const parsed = parseDidKey(did);
    if (!parsed.ok) return errorResponse(parsed.code, parsed.message, undefined, CORS);
    const heads = registry.head(did);
    if (heads === undefined)
      return errorResponse('NOT_FOUND', `this node holds no manifest of ${did}`, undefined, CORS);
    const ref = (r: { cid: string; version: number; previous: string | undefined }) =>
      r.previous === undefined
        ? { cid: r.cid, version: r.version }
        : { cid: r.cid, version: r.version, previous: r.previous };
    // The heads are the branches at the newest version (spec §5.3), in CID order. A branch left at an
    // older version is never reported as a head: creator tools build the next version on `head`.
    const newest = Math.max(...heads.heads.map((h) => h.version));
    const branches = heads.heads
      .filter((h) => h.version === newest)
      .sort((a, b) => (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0));
    const top = branches[0];
    if (top === undefined)
      return errorResponse('NOT_FOUND', `this node holds no manifest of ${did}`, undefined, CORS);
    return json(
      {
        issuer: heads.issuer,
        head: top.cid,
        heads: branches.map(ref),
        version: top.version,
        forked: heads.forked,
        history: registry.history(did).map(ref),
      },
      200,
      CORS,
    );
  });

  // --- Checking -------------------------------------------------------------------------------
  // `asOf` to the second, made once a second.
  let asOfSecond = Number.NaN;
  let asOfText = '';
  const asOfNow = (): string => {
    const ms = asOf().getTime();
    const second = Math.floor(ms / 1000);
    if (second !== asOfSecond) {
      asOfSecond = second;
      asOfText = utcSeconds(new Date(ms));
    }
    return asOfText;
  };

  /** `GET /v1/check` with these parameters; throws a `GatewayError` for bad ones. */
  const checkOne = async (raw: Record<string, string>): Promise<PlainAnswer> => {
    let query = plainCheckQuery(raw);
    if (query === undefined) {
      const checked = CheckQuerySchema.safeParse(raw);
      if (!checked.success) throw zodFailure(checked.error.issues);
      query = checked.data;
    }
    const options = checkOptions(query);
    const result = await verifier.check(
      options.org === undefined && options.at === undefined
        ? { use: options.use, work: query.work }
        : { ...options, work: query.work },
    );
    // A malformed id is the client's error here (a batch answers it per work instead); the verifier
    // normalized it already and says why in its warning.
    if (result.id === null) {
      const why = result.warnings[0] ?? { code: 'BAD_REQUEST', message: 'work is not a work id' };
      return errorAnswer(why.code, why.message, undefined, CORS);
    }
    return { status: 200, headers: CHECK_HEADERS, body: checkOneText(asOfNow(), result) };
  };

  app.get('/v1/check', async (c) => toResponse(await checkOne(c.req.query())));

  app.post('/v1/check', async (c) => {
    if (contentTypeOf(c) !== 'application/json') {
      throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'send the check as application/json');
    }
    const bytes = await bodyOf(c, maxCheckBytes);
    const parsed = parseJson(bytes, { maxBytes: maxCheckBytes });
    if (!parsed.ok) return errorResponse(parsed.code, parsed.message, parsed.path, CORS);
    const works = (parsed.value as { works?: unknown } | null)?.works;
    if (Array.isArray(works) && works.length > MAX_BATCH_WORKS) {
      throw new GatewayError(
        'BATCH_TOO_LARGE',
        `at most ${MAX_BATCH_WORKS} works per request, got ${works.length}`,
      );
    }
    let body: (CheckInput & { works: string[] }) | undefined = plainCheckBody(parsed.value);
    if (body === undefined) {
      const checked = CheckBodySchema.safeParse(parsed.value);
      if (!checked.success) throw zodFailure(checked.error.issues);
      body = checked.data;
    }
    const options = checkOptions(body);
    const results = await verifier.checkMany({ ...options, works: body.works, signal: signalOf(c) });
    return new Response(checkManyBody(asOfNow(), results), {
      headers: { 'content-type': 'application/json', ...CORS },
    });
  });

  // --- Operations -----------------------------------------------------------------------------
  app.get('/healthz', () => {
    const stats = registry.stats();
    return json({ ok: true, manifests: stats.manifests });
  });

  app.get('/metrics', () => {
    const stats = registry.stats() as ReturnType<typeof registry.stats> & { creators?: number };
    return new Response(
      metrics.render({
        manifests: stats.manifests,
        ...(stats.creators === undefined ? {} : { creators: stats.creators }),
        works: stats.works,
        peers: stats.connections,
        // A registry stand-in may report no replication; the Assent registry always does.
        ...(typeof stats.replicated === 'number' ? { replication: stats } : {}),
      }),
      { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } },
    );
  });

  let openapi: Record<string, unknown> | undefined;
  const document = () => {
    openapi ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Assent gateway API',
        version: '1',
        description:
          'Publish and check AI-use consent manifests. Errors are {"error":{"code","message"}} with a 4xx (or 502/503/504 for operational faults), codes in docs/errors.md.',
      },
    }) as unknown as Record<string, unknown>;
    return openapi;
  };
  app.get('/openapi.json', () => json(document()));
  app.get('/docs', () => {
    return new Response(renderDocsPage(document()), {
      headers: {
        'content-type': 'text/html; charset=utf-8',
        // Self-contained: inline styles only, nothing fetched from elsewhere, no scripts.
        'content-security-policy':
          "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
      },
    });
  });

  // Known paths with another method: 405, not a 404 that suggests a wrong path.
  for (const path of [
    '/v1/manifests',
    '/v1/manifests/:cid',
    '/v1/creators/:did',
    '/v1/check',
    '/ipfs/:cid',
    '/healthz',
    '/metrics',
    '/openapi.json',
    '/docs',
  ]) {
    app.all(path, (c) => {
      if (c.req.method !== 'OPTIONS')
        return errorResponse(
          'METHOD_NOT_ALLOWED',
          `${c.req.method} is not allowed on ${path}`,
          undefined,
          baseHeaders(c),
        );
      // A CORS preflight of the browser SDK, on the routes other origins may call.
      if (isCorsPath(c.req.path) && c.req.header('access-control-request-method') !== undefined)
        return new Response(null, { status: 204, headers: PREFLIGHT });
      return new Response(null, { status: 204 });
    });
  }

  // --- The web app ----------------------------------------------------------------------------
  app.get('*', async (c) => {
    const path = c.req.path;
    if (path.startsWith('/v1/') || path.startsWith('/ipfs/'))
      return errorResponse('NOT_FOUND', `no route for ${path.slice(0, 256)}`, undefined, baseHeaders(c));
    const assets = deps.assets;
    const notBuilt = () =>
      new Response(NOT_BUILT_PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    const relative = assetPathOf(path);
    if (relative === undefined) return errorResponse('BAD_REQUEST', 'not a path inside the web app');
    if (assets === undefined)
      return path === '/' ? notBuilt() : errorResponse('NOT_FOUND', `no file ${path.slice(0, 256)}`);
    let asset = await assets.read(relative);
    // A client-side route (no extension): the app's index page handles it.
    if (asset === undefined && !relative.slice(relative.lastIndexOf('/') + 1).includes('.')) {
      asset = await assets.read('index.html');
    }
    if (asset === undefined)
      return path === '/' ? notBuilt() : errorResponse('NOT_FOUND', `no file ${path.slice(0, 256)}`);
    return new Response(asset.bytes as Uint8Array<ArrayBuffer>, {
      headers: { 'content-type': asset.contentType, 'x-content-type-options': 'nosniff' },
    });
  });

  internals.set(app, {
    async checkOne(query) {
      try {
        return await checkOne(query);
      } catch (error) {
        return failure(error, CORS, () => false);
      }
    },
    record,
    fault,
  });
  return app;
}

/**
 * What the Node server needs to answer `GET /v1/check` without the router: the route's own answer
 * and the app's own metrics and log. One implementation of the route serves both ways in.
 */
export interface GatewayInternals {
  /** The answer to `GET /v1/check` with these (decoded) query parameters, errors included. */
  checkOne(query: Record<string, string>): Promise<PlainAnswer>;
  /** Counts and logs a request answered outside the app, as the app's own middleware does. */
  record(
    method: string,
    route: string,
    path: string,
    status: number,
    started: number,
    client: () => string,
    code: () => string | null | undefined,
  ): void;
  /** Logs an unexpected fault as the app does (a JSON line on stderr). */
  fault(error: unknown): void;
}

const internals = new WeakMap<object, GatewayInternals>();

/** The internals of an app made by {@link createGateway}, for the Node server of this package. */
export function gatewayInternals(app: object): GatewayInternals | undefined {
  return internals.get(app);
}
