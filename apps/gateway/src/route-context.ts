import type { Context } from 'hono';
import type { GatewayDeps } from './gateway-deps.js';
import type { RateLimiter } from './rate-limit.js';

/** What the routes of each area share, made once by `createGateway` from its {@link GatewayDeps}. */
export interface RouteContext {
  readonly deps: GatewayDeps;
  readonly registry: GatewayDeps['registry'];
  readonly verifier: GatewayDeps['verifier'];
  readonly now: () => Date;
  /** `asOf` of check answers, `YYYY-MM-DDThh:mm:ssZ`. */
  readonly asOfText: () => string;
  readonly maxManifestBytes: number;
  readonly maxCarBytes: number;
  readonly maxCheckBytes: number;
  /** The write rate limit, if any. */
  readonly writeLimiter: RateLimiter | undefined;
  readonly clientKey: (c: Context) => string;
}
