import type { OpenAPIHono } from '@hono/zod-openapi';
import { renderDocsPage } from './docs-page.js';
import { errorResponse, json } from './error-answer.js';
import type { GatewayMetrics } from './metrics.js';
import type { RouteContext } from './route-context.js';

/** `GET /healthz`, `GET /metrics`, `GET /openapi.json` and `GET /docs`. */
export function addOperationRoutes(app: OpenAPIHono, ctx: RouteContext, metrics: GatewayMetrics): void {
  const { registry } = ctx;
  app.get('/healthz', () => {
    // A stopped node answers nothing: fail, so a load balancer or supervisor takes it out.
    if (!registry.running) return errorResponse('REGISTRY_STOPPED', 'the registry node is stopped');
    const stats = registry.stats();
    const freshness = registry.freshness();
    return json({
      ok: true,
      manifests: stats.manifests,
      asOf: freshness.asOf,
      peers: freshness.peers.map((p) => ({
        peer: p.peer ?? null,
        address: p.address ?? null,
        connected: p.connected,
        lastSync: p.lastSync,
      })),
    });
  });

  app.get('/metrics', async () => {
    const { text, contentType } = await metrics.render();
    return new Response(text, { headers: { 'content-type': contentType } });
  });

  let openapi: Record<string, unknown> | undefined;
  const document = () => {
    openapi ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Assent gateway API',
        version: '1',
        description:
          'Publish and check AI-use consent manifests. Errors are {"error":{"code","message"}} with a 4xx (or 502/503/504 for operational faults), codes in docs/errors.md.',
      },
    }) as unknown as Record<string, unknown>;
    return openapi;
  };
  app.get('/openapi.json', () => json(document()));
  app.get('/docs', () => {
    return new Response(renderDocsPage(document()), {
      headers: {
        'content-type': 'text/html; charset=utf-8',
        // Self-contained: inline styles only, nothing fetched from elsewhere, no scripts.
        'content-security-policy':
          "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
      },
    });
  });
}
