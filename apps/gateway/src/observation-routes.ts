import { JSON_CODEC, parseCidString } from '@assent/manifest';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { CORS } from './cors.js';
import { errorResponse, toResponse } from './error-answer.js';
import type { RouteContext } from './route-context.js';

/**
 * `GET /v1/observations/{cid}`: the exact bytes of a link observation this node signed
 * (docs/spec/observation.md), so that a `link` leaf of its log resolves. The read rate limit, CORS and
 * caching of `GET /v1/manifests/{cid}`: an observation is immutable, named by the hash of its bytes.
 */
export function addObservationRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { registry } = ctx;
  app.get('/v1/observations/:cid', (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    const text = c.req.param('cid');
    const parsed = parseCidString(text, { codec: JSON_CODEC });
    if (!parsed.ok) return errorResponse(parsed.code, parsed.message, undefined, CORS);
    const cid = parsed.value.toString();
    const bytes = registry.links.observation(cid);
    if (bytes === undefined)
      return errorResponse('NOT_FOUND', `no observation ${text} on this node`, undefined, CORS);
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
  });
}
