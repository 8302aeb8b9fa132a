import { JSON_CODEC, parseCidString, parseManifest } from '@assent/manifest';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { CID } from 'multiformats/cid';
import { readCarUpload } from './car-upload.js';
import { CORS } from './cors.js';
import { errorResponse, json, toResponse } from './error-answer.js';
import { GatewayError } from './errors.js';
import { bodyOf, contentTypeOf, signalOf } from './request-env.js';
import type { RouteContext } from './route-context.js';

/** Seconds a publish refused with `REGISTRY_BUSY` is told to wait (`Retry-After`). */
const BUSY_RETRY_SECONDS = 2;

/** `POST /v1/manifests` (publish), `GET /v1/manifests/{cid}` and the trustless `GET /ipfs/{cid}`. */
export function addManifestRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { registry } = ctx;

  app.post('/v1/manifests', async (c) => {
    const limited = ctx.rateLimited('write', ctx.clientKey(c));
    if (limited !== undefined) return toResponse(limited);
    const type = contentTypeOf(c);
    // The client going away, or the deadline passing, stops the ingest's page fetches too: a manifest
    // naming pages nobody has cannot hold a fetch slot longer than its request lives.
    const signal = signalOf(c);
    let result: Awaited<ReturnType<typeof registry.ingest>>;
    if (type === 'application/json') {
      const bytes = await bodyOf(c, ctx.maxManifestBytes, ctx.bodyBudget);
      result = await registry.ingest(bytes, { signal, deadlineMs: ctx.ingestDeadlineMs });
    } else if (type === 'application/vnd.ipld.car') {
      const upload = readCarUpload(await bodyOf(c, ctx.maxCarBytes, ctx.bodyBudget));
      const parsed = parseManifest(upload.manifest);
      if (!parsed.ok) return errorResponse(parsed.code, parsed.message, parsed.path);
      const named = new Set<string>(parsed.value.credentialSubject.catalog ?? []);
      for (const cid of upload.pages.keys()) {
        if (!named.has(cid)) {
          throw new GatewayError('CAR_CONTENT_INVALID', `block ${cid} is not a catalog page of the manifest`);
        }
      }
      // Blocks in a CAR are addressed by their hash, so they must already be canonical (spec §1.2).
      result = await registry.ingest(upload.manifest, {
        pages: upload.pages.values(),
        requireCanonical: true,
        signal,
        deadlineMs: ctx.ingestDeadlineMs,
      });
      if (result.ok && result.value.cid !== upload.root) {
        throw new GatewayError('CAR_CONTENT_INVALID', 'the CAR root is not the manifest’s CID');
      }
    } else {
      throw new GatewayError(
        'UNSUPPORTED_MEDIA_TYPE',
        'send a signed manifest as application/json or a CAR as application/vnd.ipld.car',
      );
    }
    if (!result.ok) {
      // The node's ingest lanes are full: nothing was stored, and the same request later may succeed.
      const retry =
        result.code === 'REGISTRY_BUSY' ? { 'retry-after': String(BUSY_RETRY_SECONDS) } : undefined;
      return errorResponse(result.code, result.message, result.path, retry);
    }
    const { cid, issuer, version, status, forked } = result.value;
    return json({ cid, issuer, version, forked }, status === 'added' ? 201 : 200);
  });

  const blockResponse = async (text: string, raw: boolean, c: Context): Promise<Response> => {
    const parsed = parseCidString(text, { anyBase: raw });
    if (!parsed.ok) return errorResponse(parsed.code, parsed.message, undefined, CORS);
    const cid = parsed.value;
    // Blocks are held under their json-codec CID; a raw-codec CID names the same bytes (same hash).
    if (cid.code !== JSON_CODEC && !(raw && cid.code === 0x55)) {
      return errorResponse(
        'NOT_FOUND',
        `this node holds json blocks only, not codec 0x${cid.code.toString(16)}`,
        undefined,
        CORS,
      );
    }
    const key = cid.code === JSON_CODEC ? cid.toString() : CID.createV1(JSON_CODEC, cid.multihash).toString();
    const bytes = await registry.getBlock(key);
    if (bytes === undefined)
      return errorResponse('NOT_FOUND', `no block ${text} on this node`, undefined, CORS);
    const canonical = cid.toString();
    const etag = raw ? `"${canonical}.raw"` : `"${canonical}"`;
    const headers: Record<string, string> = {
      ...CORS,
      'content-type': raw ? 'application/vnd.ipld.raw' : 'application/json',
      'content-length': String(bytes.length),
      'cache-control': 'public, max-age=29030400, immutable',
      etag,
      'x-content-type-options': 'nosniff',
      vary: 'Accept',
    };
    if (raw) {
      headers['x-ipfs-path'] = `/ipfs/${text}`;
      headers['x-ipfs-roots'] = canonical;
      headers['content-disposition'] = `attachment; filename="${canonical}.bin"`;
    }
    if (c.req.header('if-none-match') === etag)
      return new Response(null, { status: 304, headers: { ...CORS, etag } });
    return new Response(c.req.method === 'HEAD' ? null : (bytes as Uint8Array<ArrayBuffer>), {
      status: 200,
      headers,
    });
  };

  app.get('/v1/manifests/:cid', (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    return blockResponse(c.req.param('cid'), false, c);
  });

  app.get('/ipfs/:cid', (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    // Trustless gateway spec: the client asks for a verifiable type; raw blocks are the one served here.
    const format = c.req.query('format');
    const accept = c.req.header('accept') ?? '';
    const wantsRaw =
      format === 'raw' || (format === undefined && accept.toLowerCase().includes('application/vnd.ipld.raw'));
    if (!wantsRaw) {
      return errorResponse(
        'NOT_ACCEPTABLE',
        'this trustless gateway serves raw blocks only: send Accept: application/vnd.ipld.raw or ?format=raw',
        undefined,
        CORS,
      );
    }
    return blockResponse(c.req.param('cid'), true, c);
  });
}
