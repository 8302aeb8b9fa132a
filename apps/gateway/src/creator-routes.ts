import { parseDidKey } from '@assent/manifest';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { CORS } from './cors.js';
import { errorResponse, json, toResponse } from './error-answer.js';
import type { RouteContext } from './route-context.js';

/** `GET /v1/creators/{did}`: a creator's heads and history. */
export function addCreatorRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { registry } = ctx;
  app.get('/v1/creators/:did', (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
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
}
