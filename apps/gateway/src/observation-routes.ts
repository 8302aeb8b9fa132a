import type { OpenAPIHono } from '@hono/zod-openapi';
import { credentialAnswer } from './credential-answer.js';
import type { RouteContext } from './route-context.js';

/**
 * `GET /v1/observations/{cid}`: the exact bytes of a link observation this node signed
 * (docs/spec/observation.md), so that a `link` leaf of its log resolves. The read rate limit, CORS and
 * caching of `GET /v1/manifests/{cid}`: an observation is immutable, named by the hash of its bytes.
 */
export function addObservationRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { registry } = ctx;
  app.get('/v1/observations/:cid', (c) =>
    credentialAnswer(c, ctx, 'observation', (cid) => registry.links.observation(cid)),
  );
}
