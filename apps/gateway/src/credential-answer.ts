import { JSON_CODEC, parseCidString } from '@assent/manifest';
import type { Context } from 'hono';
import { CORS } from './cors.js';
import { errorResponse, toResponse } from './error-answer.js';
import type { RouteContext } from './route-context.js';

/**
 * `GET /v1/{kind}/{cid}` for a signed credential this node holds by CID (an attestation, a link
 * observation): its exact bytes, with the read rate limit, CORS and caching of `GET /v1/manifests/{cid}`,
 * since it is immutable, named by the hash of its bytes. `what` names it in a 404 ("attestation").
 */
export function credentialAnswer(
  c: Context,
  ctx: RouteContext,
  what: string,
  lookup: (cid: string) => Uint8Array | undefined,
): Response {
  const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
  if (limited !== undefined) return toResponse(limited);
  const text = c.req.param('cid') ?? '';
  const parsed = parseCidString(text, { codec: JSON_CODEC });
  if (!parsed.ok) return errorResponse(parsed.code, parsed.message, undefined, CORS);
  const cid = parsed.value.toString();
  const bytes = lookup(cid);
  if (bytes === undefined)
    return errorResponse('NOT_FOUND', `no ${what} ${text} on this node`, undefined, CORS);
  const etag = `"${cid}"`;
  if (c.req.header('if-none-match') === etag)
    return new Response(null, { status: 304, headers: { ...CORS, etag } });
  return new Response(c.req.method === 'HEAD' ? null : (bytes as Uint8Array<ArrayBuffer>), {
    headers: {
      ...CORS,
      'content-type': 'application/json',
      'content-length': String(bytes.length),
      'cache-control': 'public, max-age=29030400, immutable',
      etag,
      'x-content-type-options': 'nosniff',
    },
  });
}
