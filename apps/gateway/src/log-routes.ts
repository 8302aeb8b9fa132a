import { JSON_CODEC, parseCidString } from '@assent/manifest';
import { formatTlogProof, parseTilePath, type Tile } from '@assent/tlog';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { CORS } from './cors.js';
import { errorResponse, json, toResponse } from './error-answer.js';
import type { RouteContext } from './route-context.js';
import { errors } from './schemas.js';

/** What `GET /.well-known/assent-node.json` answers: who this node is and how to check its log. */
export interface NodeDescription {
  /** The node's DID: its receipts are signed with it. */
  readonly did: string;
  /** The origin of its log (first line of its checkpoints, name of its log key). */
  readonly origin: string;
  /** The log key (C2SP vkey, type 0x01). */
  readonly logVkey: string;
  /** The key it cosigns its peers' checkpoints with (C2SP vkey, type 0x04). */
  readonly witnessVkey: string;
}

/** Full tiles never change (tlog-tiles §"Merkle Tree"): cached for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A partial tile or the checkpoint changes with the next checkpoint (at most a second). */
const SHORT = 'public, max-age=1';

function bytesResponse(bytes: Uint8Array, cacheControl: string, type = 'application/octet-stream'): Response {
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      ...CORS,
      'content-type': type,
      'content-length': String(bytes.length),
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
    },
  });
}

function text(body: string, cacheControl: string, type = 'text/plain; charset=utf-8'): Response {
  return bytesResponse(new TextEncoder().encode(body), cacheControl, type);
}

const TEXT = { 'text/plain': { schema: z.string() } };
const BYTES = { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } };

/** The OpenAPI description of the log routes. */
const LOG_ROUTES = [
  createRoute({
    method: 'get',
    path: '/.well-known/assent-node.json',
    summary: "The node's DID, log origin, log key and witness key",
    responses: {
      200: {
        description: 'the node',
        content: {
          'application/json': {
            schema: z
              .object({ did: z.string(), origin: z.string(), logVkey: z.string(), witnessVkey: z.string() })
              .openapi('NodeDescription'),
          },
        },
      },
    },
  }),
  createRoute({
    method: 'get',
    path: '/log/checkpoint',
    summary: "The log's latest signed checkpoint (C2SP tlog-checkpoint), with witness cosignatures",
    responses: { 200: { description: 'the signed note', content: TEXT }, ...errors([429]) },
  }),
  createRoute({
    method: 'get',
    path: '/log/tile/{path}',
    summary: 'C2SP tlog-tiles: hash tiles `<L>/<N>[.p/<W>]` and entry bundles `entries/<N>[.p/<W>]`',
    request: { params: z.object({ path: z.string().openapi({ example: '0/x001/234.p/17' }) }) },
    responses: { 200: { description: 'the tile', content: BYTES }, ...errors([404, 429]) },
  }),
  createRoute({
    method: 'get',
    path: '/v1/manifests/{cid}/proof',
    summary: "The manifest's inclusion in the node's log (c2sp.org/tlog-proof@v1)",
    request: { params: z.object({ cid: z.string() }) },
    responses: { 200: { description: 'the tlog-proof text', content: TEXT }, ...errors([400, 404, 429]) },
  }),
];

/**
 * The node's log, read-only (docs/spec/log.md): `GET /.well-known/assent-node.json`,
 * `GET /log/checkpoint`, tlog-tiles `GET /log/tile/<L>/<N>[.p/<W>]` and
 * `GET /log/tile/entries/<N>[.p/<W>]`, and `GET /v1/manifests/{cid}/proof` (a tlog-proof).
 */
export function addLogRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { registry } = ctx;
  for (const route of LOG_ROUTES) app.openAPIRegistry.registerPath(route);

  app.get('/.well-known/assent-node.json', () => {
    const description: NodeDescription = {
      did: registry.identity.did,
      origin: registry.log.origin,
      logVkey: registry.log.vkey,
      witnessVkey: registry.log.witnessVkey,
    };
    return json(description, 200, { ...CORS, 'cache-control': 'public, max-age=300' });
  });

  app.get('/log/checkpoint', (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    return text(registry.log.checkpoint().note, SHORT);
  });

  app.get('/log/tile/*', (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    const parsed = parseTilePath(c.req.path.slice('/log/'.length));
    if (!parsed.ok) return errorResponse('NOT_FOUND', parsed.message, undefined, CORS);
    const tile: Tile = parsed.value;
    const bytes =
      tile.level === 'entries'
        ? registry.log.entryBundle(tile.index, tile.width)
        : registry.log.hashTile(tile.level, tile.index, tile.width);
    // A tile the log does not hold yet (or beyond the signed size) is simply not there.
    if (bytes === undefined || !withinCheckpoint(tile, registry.log.checkpoint().size))
      return errorResponse('NOT_FOUND', `no tile ${c.req.path} in this log yet`, undefined, CORS);
    return bytesResponse(bytes, tile.width === 256 ? IMMUTABLE : SHORT);
  });

  app.get('/v1/manifests/:cid/proof', async (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    const parsed = parseCidString(c.req.param('cid'), { codec: JSON_CODEC });
    if (!parsed.ok) return errorResponse(parsed.code, parsed.message, undefined, CORS);
    const cid = parsed.value.toString();
    const index = registry.log.indexOf(cid);
    if (index === undefined)
      return errorResponse('NOT_FOUND', `this node's log has no leaf for ${cid}`, undefined, CORS);
    const checkpoint = await registry.log.checkpointCovering(index + 1);
    const leaf = registry.log.leaf(index) as Uint8Array;
    // `extra` carries the leaf record: unauthenticated by itself, proven by the audit path.
    const proof = formatTlogProof({
      extra: leaf,
      index,
      proof: registry.log.inclusionProof(index, checkpoint.size),
      checkpoint: checkpoint.note,
    });
    return text(proof, 'no-store');
  });
}

/** True when every hash or entry of `tile` lies below the signed tree size (tiles follow checkpoints). */
function withinCheckpoint(tile: Tile, size: number): boolean {
  const level = tile.level === 'entries' ? 0 : tile.level;
  // Leaves covered by the tile's last hash: the end of its subtree, 256^level leaves a hash.
  const end = (tile.index * 256 + tile.width) * 256 ** level;
  return end <= size;
}
