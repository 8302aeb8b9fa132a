import type { OpenAPIHono } from '@hono/zod-openapi';
import { errorResponse, json, toResponse } from './error-answer.js';
import { bodyOf } from './request-env.js';
import type { RouteContext } from './route-context.js';

/**
 * The largest add-checkpoint body: a signed note at its cap (128 KiB, `@assent/tlog` MAX_NOTE_BYTES),
 * 63 proof lines and the `old` line.
 */
const MAX_ADD_CHECKPOINT_BYTES = 128 * 1024 + 64 * 46;

/**
 * The node as a C2SP tlog-witness of its log peers and its split-view evidence (docs/witnessing.md):
 * `POST /witness/add-checkpoint`, `GET /witness/{originHash}/checkpoint` and `GET /v1/equivocations`.
 * The witness's checks and state are the registry's; this maps its answers to HTTP. Like the log's
 * routes, they speak C2SP's text formats and are described in docs/api.md, not in /openapi.json.
 */
export function addWitnessRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { registry } = ctx;

  app.post('/witness/add-checkpoint', async (c) => {
    // A log asks once per checkpoint (at most one a second): the write limit is ample.
    const limited = ctx.rateLimited('write', ctx.clientKey(c));
    if (limited !== undefined) return toResponse(limited);
    const body = await bodyOf(c, MAX_ADD_CHECKPOINT_BYTES, ctx.bodyBudget);
    const answer = await registry.witness.addCheckpoint(body);
    if (answer.ok)
      return new Response(answer.signatures, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    // tlog-witness: a 409 carries the witness's size, and nothing else, as text/x.tlog.size.
    if (answer.code === 'WITNESS_CONFLICT')
      return new Response(`${answer.size ?? 0}\n`, {
        status: 409,
        headers: { 'content-type': 'text/x.tlog.size', 'x-assent-error': answer.code },
      });
    return errorResponse(answer.code, answer.message);
  });

  app.get('/witness/:originHash/checkpoint', (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c));
    if (limited !== undefined) return toResponse(limited);
    const note = registry.witness.cosigned(c.req.param('originHash'));
    if (note === undefined)
      return errorResponse('NOT_FOUND', 'this node never cosigned a checkpoint of that log');
    return new Response(note, {
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=1' },
    });
  });

  app.get('/v1/equivocations', (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c));
    if (limited !== undefined) return toResponse(limited);
    return json({ equivocations: registry.witness.equivocations() }, 200, { 'cache-control': 'no-store' });
  });
}
