import type { Context } from 'hono';
import type { BodyBudget } from './body-budget.js';
import { mediaTypeOf, type NodeRequestEnv, readBody } from './read-body.js';

/** The request's media type: from the Node server's env when it gives one, else the `Request`. */
export function contentTypeOf(c: Context): string {
  const env = c.env as NodeRequestEnv | undefined;
  return mediaTypeOf(env?.readBody !== undefined ? env.contentType : c.req.raw.headers.get('content-type'));
}

/** Aborted when the client goes away: from the Node server when it offers one, else the `Request`'s. */
export function signalOf(c: Context): AbortSignal {
  return (c.env as NodeRequestEnv | undefined)?.abortSignal?.() ?? c.req.raw.signal;
}

/**
 * The whole body, refused past `limit` or past what `budget` has free: read by the Node server when it
 * offers to, else from the `Request`. The bytes taken are given back when the request is answered.
 */
export function bodyOf(c: Context, limit: number, budget: BodyBudget): Promise<Uint8Array> {
  const env = c.env as NodeRequestEnv | undefined;
  const take = (bytes: number) => budget.take(c, bytes);
  return env?.readBody !== undefined ? env.readBody(limit, take) : readBody(c.req.raw, limit, take);
}
