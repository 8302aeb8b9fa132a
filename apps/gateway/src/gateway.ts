import { isAssentError } from '@assent/manifest';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { pino } from 'pino';
import { addAttestationRoutes } from './attestation-routes.js';
import { BodyBudget } from './body-budget.js';
import { addCandidateRoutes } from './candidate-routes.js';
import { utcSeconds } from './check-answer.js';
import { addCheckRoutes } from './check-routes.js';
import { baseHeaders, CORS, isCorsPath, PREFLIGHT } from './cors.js';
import { addCreatorRoutes } from './creator-routes.js';
import { errorAnswer, errorResponse, type PlainAnswer, toResponse } from './error-answer.js';
import { GatewayError } from './errors.js';
import type { GatewayDeps, RequestLogEntry } from './gateway-deps.js';
import { addLogRoutes } from './log-routes.js';
import { addManifestRoutes } from './manifest-routes.js';
import { GatewayMetrics } from './metrics.js';
import { addObservationRoutes } from './observation-routes.js';
import { addOperationRoutes } from './operation-routes.js';
import { RateLimiter } from './rate-limit.js';
import type { NodeRequestEnv } from './read-body.js';
import type { RouteContext } from './route-context.js';
import { routeOf } from './route-pattern.js';
import { routes } from './schemas.js';
import { addWebAppRoutes } from './web-app-routes.js';
import { addWitnessRoutes } from './witness-routes.js';

export type { PlainAnswer } from './error-answer.js';
export type { GatewayDeps, RequestLogEntry } from './gateway-deps.js';

const MIB = 1024 * 1024;

/** Every route path, for the 405 answers of known paths with another method. */
const ROUTE_PATHS = [
  '/v1/manifests',
  '/v1/manifests/:cid',
  '/v1/manifests/:cid/proof',
  '/v1/creators/:did',
  '/v1/observations/:cid',
  '/v1/attestations',
  '/v1/attestations/:cid',
  '/v1/check',
  '/v1/candidates',
  '/ipfs/:cid',
  '/log/checkpoint',
  '/.well-known/assent-node.json',
  '/witness/add-checkpoint',
  '/witness/:originHash/checkpoint',
  '/v1/equivocations',
  '/healthz',
  '/metrics',
  '/openapi.json',
  '/docs',
] as const;

/**
 * `asOf` from the registry's freshness, read at most every 200 ms: a check answer carries it to the
 * second, and reading it builds the per-peer list, which the hot check path need not do each time.
 */
function cachedFreshness(registry: GatewayDeps['registry']): () => Date {
  let readAt = Number.NEGATIVE_INFINITY;
  let value = new Date(0);
  return () => {
    const t = performance.now();
    if (t - readAt >= 200) {
      value = new Date(registry.freshness().asOf);
      readAt = t;
    }
    return value;
  };
}

/** True when the node holds evidence that its own log signed two inconsistent checkpoints. */
function ownEquivocation(registry: GatewayDeps['registry']): boolean {
  const origin = registry.log.origin;
  return registry.witness.equivocations().some((e) => e.origin === origin);
}

/**
 * Creates the gateway: a Hono app (Web Standards only) serving the HTTP API of DESIGN §4 over a
 * registry node. Decisions come from the verifier; the gateway validates, maps and answers. Use
 * `app.request()` in tests, `startGateway` to listen.
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
  const asOf = deps.asOf ?? cachedFreshness(registry);
  const logger = deps.logger ?? pino();
  const logRequests = deps.log !== false && logger.isLevelEnabled('info');
  const writeLimiter = deps.rateLimit === false ? undefined : new RateLimiter(deps.rateLimit ?? {});
  const readLimiter =
    deps.readRateLimit === false
      ? undefined
      : new RateLimiter({ burst: 2_000, perSecond: 500, ...deps.readRateLimit });

  // `asOf` to the second, made once a second.
  let asOfSecond = Number.NaN;
  let asOfText = '';
  // The members every check answer opens with, made again when `asOf` or the checkpoint changes.
  let headAsOf = '';
  let headSize = -1;
  let headText = '';
  let ownLogEquivocated = false;
  const ctx: RouteContext = {
    deps,
    registry,
    verifier,
    now,
    asOfText() {
      const ms = asOf().getTime();
      const second = Math.floor(ms / 1000);
      if (second !== asOfSecond) {
        asOfSecond = second;
        asOfText = utcSeconds(new Date(ms));
      }
      return asOfText;
    },
    answerHead() {
      const asOfNow = this.asOfText();
      const { size, signedAt } = registry.log.checkpoint();
      if (asOfNow !== headAsOf || size !== headSize) {
        // Evidence that this node's own log signed two histories (held by its witness, whoever found
        // it) is read at most once a second, with asOf: every answer then says so.
        if (asOfNow !== headAsOf) ownLogEquivocated = ownEquivocation(registry);
        headAsOf = asOfNow;
        headSize = size;
        const warning = ownLogEquivocated
          ? `,"warnings":[{"code":"EQUIVOCATION","message":"this node's log signed two histories (GET /v1/equivocations): do not rely on its answers"}]`
          : '';
        headText = `"asOf":"${asOfNow}","checkpoint":{"size":${size},"signedAt":"${signedAt}"${warning}}`;
      }
      return headText;
    },
    maxManifestBytes: deps.maxManifestBytes ?? MIB,
    maxCarBytes: deps.maxCarBytes ?? 32 * MIB,
    maxCheckBytes: deps.maxCheckBytes ?? 8 * MIB,
    ingestDeadlineMs: deps.ingestDeadlineMs ?? 10_000,
    bodyBudget: new BodyBudget(deps.maxBodyBytesInFlight ?? 128 * MIB),
    rateLimited(kind, client, headers) {
      const limiter = kind === 'read' ? readLimiter : writeLimiter;
      if (limiter === undefined) return undefined;
      const wait = limiter.take(client, now().getTime());
      if (wait === 0) return undefined;
      return errorAnswer('RATE_LIMITED', `too many ${kind}s; retry in ${wait} s`, undefined, {
        ...headers,
        'retry-after': String(wait),
      });
    },
    clientKey:
      deps.clientKey ?? ((c: Context) => (c.env as NodeRequestEnv | undefined)?.clientKey ?? 'anonymous'),
  };

  const metrics = new GatewayMetrics(
    {
      stats: () => registry.stats(),
      bodyBytesInFlight: () => ctx.bodyBudget.used,
      freshnessAgeSeconds: () => Math.max(0, (now().getTime() - asOf().getTime()) / 1000),
    },
    deps.processMetrics === false ? { processMetrics: false } : {},
  );

  const app = new OpenAPIHono({ strict: true });

  /**
   * Counts a request in the metrics and logs it (`started`: `performance.now()` when it arrived); the
   * client and error code are read only for the log.
   */
  const record: GatewayInternals['record'] = (method, route, path, status, started, client, code) => {
    const seconds = (performance.now() - started) / 1000;
    metrics.observe(method, route, status, seconds);
    if (logRequests) {
      const error = code();
      const entry: RequestLogEntry = {
        time: now().toISOString(),
        method,
        route,
        path: path.slice(0, 256),
        status,
        ms: Math.round(seconds * 1e4) / 10,
        client: client(),
        ...(error === null || error === undefined ? {} : { code: error }),
      };
      logger.info(entry, 'request');
    }
  };

  // Logs and metrics around everything, errors included.
  app.use(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.bodyBudget.release(c);
    }
    const { status } = c.res;
    const path = c.req.path;
    record(
      c.req.method,
      routeOf(path),
      path,
      status,
      started,
      () => ctx.clientKey(c),
      () => (status >= 400 ? c.res.headers.get('x-assent-error') : null),
    );
  });

  /** Logs an unexpected fault (never to the client). */
  const fault = (error: unknown): void => {
    logger.error({ err: error }, 'unexpected fault');
  };

  /** The answer to whatever a handler threw (docs/errors.md). */
  const failure = (
    error: unknown,
    base: Readonly<Record<string, string>>,
    aborted: () => boolean,
  ): PlainAnswer => {
    if (error instanceof GatewayError) {
      // A body refused before it was read whole: the rest of it is never read, so the connection ends.
      const unread = error.code === 'BODY_TOO_LARGE' || error.code === 'GATEWAY_BUSY';
      const headers = {
        ...base,
        ...(unread ? { connection: 'close' } : {}),
        ...(error.retryAfter === undefined ? {} : { 'retry-after': String(error.retryAfter) }),
      };
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

  addManifestRoutes(app, ctx);
  addCreatorRoutes(app, ctx);
  addObservationRoutes(app, ctx);
  addAttestationRoutes(app, ctx);
  const checkOne = addCheckRoutes(app, ctx);
  addCandidateRoutes(app, ctx);
  addLogRoutes(app, ctx);
  addWitnessRoutes(app, ctx);
  addOperationRoutes(app, ctx, metrics);

  // Known paths with another method: 405, not a 404 that suggests a wrong path.
  for (const path of ROUTE_PATHS) {
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

  addWebAppRoutes(app, deps.assets);

  internals.set(app, {
    async checkOne(query, client) {
      try {
        return ctx.rateLimited('read', client, CORS) ?? (await checkOne(query));
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
  /**
   * The answer to `GET /v1/check` with these (decoded) query parameters from this client (its
   * rate-limit key), errors included.
   */
  checkOne(query: Record<string, string>, client: string): Promise<PlainAnswer>;
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
  /** Logs an unexpected fault as the app does. */
  fault(error: unknown): void;
}

const internals = new WeakMap<object, GatewayInternals>();

/** The internals of an app made by {@link createGateway}, for the Node server of this package. */
export function gatewayInternals(app: object): GatewayInternals | undefined {
  return internals.get(app);
}
