import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { CORS } from './cors.js';
import { errorResponse, json, toResponse } from './error-answer.js';
import { bodyOf } from './request-env.js';
import type { RouteContext } from './route-context.js';
import { errors } from './schemas.js';

/**
 * The largest add-checkpoint body: a signed note at its cap (128 KiB, `@assent/tlog` MAX_NOTE_BYTES),
 * 63 proof lines and the `old` line.
 */
const MAX_ADD_CHECKPOINT_BYTES = 128 * 1024 + 64 * 46;

const TEXT = { 'text/plain': { schema: z.string() } };

/** The OpenAPI description of the witness routes. */
const WITNESS_ROUTES = [
  createRoute({
    method: 'post',
    path: '/witness/add-checkpoint',
    summary: "Cosign a log peer's checkpoint (C2SP tlog-witness)",
    description:
      'Body: `old <size>`, consistency proof lines, a blank line, the signed checkpoint. A 409 answers the size this witness last cosigned, as `text/x.tlog.size`.',
    request: { body: { content: TEXT } },
    responses: {
      200: { description: 'the cosignature line', content: TEXT },
      409: {
        description: 'the size this witness last cosigned',
        content: { 'text/x.tlog.size': { schema: z.string() } },
      },
      ...errors([400, 403, 404, 413, 422, 429, 503]),
    },
  }),
  createRoute({
    method: 'get',
    path: '/witness/{originHash}/checkpoint',
    summary: 'The latest checkpoint this node cosigned for a log',
    request: {
      params: z.object({
        originHash: z.string().openapi({ description: 'lower-case hex SHA-256 of the origin' }),
      }),
    },
    responses: { 200: { description: 'the cosigned checkpoint', content: TEXT }, ...errors([404, 429]) },
  }),
  createRoute({
    method: 'get',
    path: '/v1/equivocations',
    summary: 'Evidence of logs that signed two inconsistent checkpoints',
    responses: {
      200: {
        description: 'the evidence held, oldest first',
        content: {
          'application/json': { schema: z.object({ equivocations: z.array(z.object({}).passthrough()) }) },
        },
      },
      ...errors([429]),
    },
  }),
];

/**
 * The node as a C2SP tlog-witness of its log peers and its split-view evidence (docs/witnessing.md):
 * `POST /witness/add-checkpoint`, `GET /witness/{originHash}/checkpoint` and `GET /v1/equivocations`.
 * The witness's checks and state are the registry's; this maps its answers to HTTP. They speak
 * C2SP's text formats (docs/api.md); /openapi.json lists them with those media types.
 */
export function addWitnessRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { registry } = ctx;
  for (const route of WITNESS_ROUTES) app.openAPIRegistry.registerPath(route);

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
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    // Portable evidence: anyone may read it, from any origin.
    return json({ equivocations: registry.witness.equivocations() }, 200, {
      ...CORS,
      'cache-control': 'no-store',
    });
  });
}
