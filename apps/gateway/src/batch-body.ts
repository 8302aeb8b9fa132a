import { parseJson } from '@assent/manifest';
import type { Context } from 'hono';
import { CORS } from './cors.js';
import { errorResponse } from './error-answer.js';
import { GatewayError } from './errors.js';
import { bodyOf, contentTypeOf } from './request-env.js';
import type { RouteContext } from './route-context.js';
import { MAX_BATCH_WORKS } from './schemas.js';

/**
 * The parsed JSON body of a batch route (`POST /v1/check`, `POST /v1/candidates`), or the error answer
 * to send: `415` for another media type, the body cap (`maxCheckBytes`), strict JSON (`JSON_*`), and
 * `413 BATCH_TOO_LARGE` for more than 10,000 `works`, counted before any schema check. `what` names
 * what the body holds, for the 415 message.
 */
export async function batchBody(
  c: Context,
  ctx: RouteContext,
  what: string,
): Promise<{ readonly value: unknown } | Response> {
  if (contentTypeOf(c) !== 'application/json') {
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', `send ${what} as application/json`);
  }
  const bytes = await bodyOf(c, ctx.maxCheckBytes, ctx.bodyBudget);
  const parsed = parseJson(bytes, { maxBytes: ctx.maxCheckBytes });
  if (!parsed.ok) return errorResponse(parsed.code, parsed.message, parsed.path, CORS);
  const works = (parsed.value as { works?: unknown } | null)?.works;
  if (Array.isArray(works) && works.length > MAX_BATCH_WORKS) {
    throw new GatewayError(
      'BATCH_TOO_LARGE',
      `at most ${MAX_BATCH_WORKS} works per request, got ${works.length}`,
    );
  }
  return { value: parsed.value };
}
