import type { Context } from 'hono';
import type { BodyBudget } from './body-budget.js';
import type { PlainAnswer } from './error-answer.js';
import type { GatewayDeps } from './gateway-deps.js';

/** What the routes of each area share, made once by `createGateway` from its {@link GatewayDeps}. */
export interface RouteContext {
  readonly deps: GatewayDeps;
  readonly registry: GatewayDeps['registry'];
  readonly verifier: GatewayDeps['verifier'];
  readonly now: () => Date;
  /** `asOf` of check answers, `YYYY-MM-DDThh:mm:ssZ`. */
  readonly asOfText: () => string;
  /**
   * The members a check answer opens with: `"asOf":…,"checkpoint":{"size":…,"signedAt":…}` (the node's
   * latest signed checkpoint: how much of its log the answer stands on, and when it was signed).
   */
  readonly answerHead: () => string;
  readonly maxManifestBytes: number;
  readonly maxCarBytes: number;
  readonly maxCheckBytes: number;
  readonly ingestDeadlineMs: number;
  /** The cap on request body bytes held at once. */
  readonly bodyBudget: BodyBudget;
  /**
   * Counts a request of `client` against its limit of this kind: undefined when it may go ahead, else
   * the `429 RATE_LIMITED` answer with `Retry-After` (and `headers`).
   */
  readonly rateLimited: (
    kind: 'read' | 'write',
    client: string,
    headers?: Readonly<Record<string, string>>,
  ) => PlainAnswer | undefined;
  readonly clientKey: (c: Context) => string;
}
