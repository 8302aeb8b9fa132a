import { parseDidKey } from '@assent/manifest';
import type { ManifestRef } from '@assent/registry';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { CORS } from './cors.js';
import { errorResponse, json, toResponse } from './error-answer.js';
import { GatewayError } from './errors.js';
import type { RouteContext } from './route-context.js';

/** History entries per page by default, and at most (the registry's page limit). */
export const HISTORY_PAGE = 100;
export const MAX_HISTORY_PAGE = 1_000;

/** A query parameter that must be a decimal integer in [min, max] when given. */
function integerParam(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new GatewayError('BAD_REQUEST', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * One page of a creator's history, oldest first: versions after `after`, at most `limit` entries. A
 * page never ends inside a version whose branches go on past it: it ends before that version, so the
 * next page (`after` the last version kept) starts with all of them (unless one version alone has
 * more branches than `limit`). One entry more than the page is read to see whether the last version
 * goes on; at the registry's largest page, a full page ends before its last version.
 */
function historyPage(
  registry: RouteContext['registry'],
  did: string,
  after: number,
  limit: number,
): { refs: ManifestRef[]; next: number | undefined } {
  const read = registry.history(did, { after, limit: Math.min(limit + 1, MAX_HISTORY_PAGE) });
  if (read.length < limit || (read.length === limit && limit < MAX_HISTORY_PAGE))
    return { refs: read, next: undefined };
  const page = read.slice(0, limit);
  const last = (page[page.length - 1] as ManifestRef).version;
  const beyond = read[limit];
  if (beyond !== undefined && beyond.version !== last) return { refs: page, next: last };
  const kept = page.filter((r) => r.version !== last);
  if (kept.length === 0) return { refs: page, next: last };
  return { refs: kept, next: (kept[kept.length - 1] as ManifestRef).version };
}

/** `GET /v1/creators/{did}[?after=VERSION&limit=N]`: a creator's heads and a page of history. */
export function addCreatorRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { registry } = ctx;
  app.get('/v1/creators/:did', (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    const did = c.req.param('did');
    const parsed = parseDidKey(did);
    if (!parsed.ok) return errorResponse(parsed.code, parsed.message, undefined, CORS);
    const after = integerParam('after', c.req.query('after'), 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const limit = integerParam('limit', c.req.query('limit'), 1, MAX_HISTORY_PAGE) ?? HISTORY_PAGE;
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
    const page = historyPage(registry, did, after, limit);
    const next =
      page.next === undefined
        ? null
        : `/v1/creators/${encodeURIComponent(did)}?after=${page.next}&limit=${limit}`;
    return json(
      {
        issuer: heads.issuer,
        // The creator the did:key speaks for (spec §5.5): any key of a rotated chain answers for it.
        creator: heads.creator,
        head: top.cid,
        heads: branches.map(ref),
        version: top.version,
        forked: heads.forked,
        history: page.refs.map(ref),
        next,
        // The identities the creator claims, as this node last checked them (docs/spec/observation.md).
        links: registry.links.linksOf(heads.creator),
      },
      200,
      next === null ? CORS : { ...CORS, link: `<${next}>; rel="next"` },
    );
  });
}
