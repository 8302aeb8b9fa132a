import type { OpenAPIHono } from '@hono/zod-openapi';
import { baseHeaders } from './cors.js';
import { errorResponse } from './error-answer.js';
import { type AssetSource, assetPathOf, NOT_BUILT_PAGE } from './web-app.js';

/** The web app's static files at `/` and below; a page saying how to build it while it is not built. */
export function addWebAppRoutes(app: OpenAPIHono, assets: AssetSource | undefined): void {
  app.get('*', async (c) => {
    const path = c.req.path;
    if (path.startsWith('/v1/') || path.startsWith('/ipfs/'))
      return errorResponse('NOT_FOUND', `no route for ${path.slice(0, 256)}`, undefined, baseHeaders(c));
    const notBuilt = () =>
      new Response(NOT_BUILT_PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    const relative = assetPathOf(path);
    if (relative === undefined) return errorResponse('BAD_REQUEST', 'not a path inside the web app');
    if (assets === undefined)
      return path === '/' ? notBuilt() : errorResponse('NOT_FOUND', `no file ${path.slice(0, 256)}`);
    let asset = await assets.read(relative);
    // A client-side route (no extension): the app's index page handles it.
    if (asset === undefined && !relative.slice(relative.lastIndexOf('/') + 1).includes('.')) {
      asset = await assets.read('index.html');
    }
    if (asset === undefined)
      return path === '/' ? notBuilt() : errorResponse('NOT_FOUND', `no file ${path.slice(0, 256)}`);
    return new Response(asset.bytes as Uint8Array<ArrayBuffer>, {
      headers: { 'content-type': asset.contentType, 'x-content-type-options': 'nosniff' },
    });
  });
}
