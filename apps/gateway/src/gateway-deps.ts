import type { Registry } from '@assent/registry';
import type { Verifier } from '@assent/verifier';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { RateLimitOptions } from './rate-limit.js';
import type { AssetSource } from './web-app.js';

/** The fields of the request log line (`msg: "request"`, level `info`). */
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

/** What `createGateway` needs. */
export interface GatewayDeps {
  /** The node whose manifests the gateway publishes to and checks against. */
  readonly registry: Pick<
    Registry,
    | 'ingest'
    | 'head'
    | 'history'
    | 'getBlock'
    | 'lookupWorks'
    | 'predecessorsOf'
    | 'stats'
    | 'freshness'
    | 'running'
    | 'log'
    | 'identity'
    | 'witness'
    | 'links'
    | 'attestations'
  >;
  /** The decision engine: `createVerifier({ source: registrySource(registry) })`. */
  readonly verifier: Verifier;
  /** The clock (default: the system clock): `asOf` of checks, rate limits, logs. */
  readonly now?: () => Date;
  /**
   * When the index was last known complete, for `asOf` of check answers and `/metrics` (default: the
   * registry's `freshness().asOf`, read at most every 200 ms).
   */
  readonly asOf?: () => Date;
  /** Largest `POST /v1/manifests` JSON body (default 1 MiB, the block limit). */
  readonly maxManifestBytes?: number;
  /** Largest CAR upload: a manifest and its catalog pages (default 32 MiB). */
  readonly maxCarBytes?: number;
  /** Largest `POST /v1/check` body (default 8 MiB: 10,000 ids of up to ~800 characters). */
  readonly maxCheckBytes?: number;
  /**
   * Request body bytes held in memory at once by all requests (default 128 MiB). Beyond it a request
   * is answered `503 GATEWAY_BUSY` with `Retry-After`; a body larger than the whole cap `413`.
   */
  readonly maxBodyBytesInFlight?: number;
  /** Time allowed to fetch a published manifest's missing catalog pages from peers (default 10 s). */
  readonly ingestDeadlineMs?: number;
  /** Per-client rate limit on writes, or false for none (default: 120 burst, 20/s). */
  readonly rateLimit?: RateLimitOptions | false;
  /**
   * Per-client rate limit on the API's reads (checks, manifests, creators, blocks), or false for none
   * (default: 2,000 burst, 500/s). A batch check counts as one read.
   */
  readonly readRateLimit?: RateLimitOptions | false;
  /**
   * The key a client is rate limited by. Default: the `clientKey` the Node server passes in the
   * request env (its IPv4 address, or its IPv6 /64), else one shared key.
   */
  readonly clientKey?: (c: Context) => string;
  /** The web app's static files, served at `/` (default: none, `/` explains how to build it). */
  readonly assets?: AssetSource;
  /**
   * Where log lines go (default `pino()`: JSON lines on stdout): one line per request at `info`
   * ({@link RequestLogEntry}), unexpected faults at `error`.
   */
  readonly logger?: Logger;
  /** `false`: no request log lines (faults are still logged). */
  readonly log?: false;
  /** Process metrics (CPU, memory, event loop lag, GC) on `/metrics` beside the gateway's (default true). */
  readonly processMetrics?: boolean;
}
