import type { OpenAPIHono } from '@hono/zod-openapi';
import { renderDocsPage } from './docs-page.js';
import { json } from './error-answer.js';
import type { Metrics } from './metrics.js';
import type { RouteContext } from './route-context.js';

/** `GET /healthz`, `GET /metrics`, `GET /openapi.json` and `GET /docs`. */
export function addOperationRoutes(app: OpenAPIHono, ctx: RouteContext, metrics: Metrics): void {
  const { registry } = ctx;
  app.get('/healthz', () => {
    const stats = registry.stats();
    return json({ ok: true, manifests: stats.manifests });
  });

  app.get('/metrics', () => {
    const stats = registry.stats() as ReturnType<typeof registry.stats> & { creators?: number };
    return new Response(
      metrics.render({
        manifests: stats.manifests,
        ...(stats.creators === undefined ? {} : { creators: stats.creators }),
        works: stats.works,
        peers: stats.connections,
        bodyBytesInFlight: ctx.bodyBudget.used,
        // A registry stand-in may report no replication; the Assent registry always does.
        ...(typeof stats.replicated === 'number' ? { replication: stats } : {}),
      }),
      { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } },
    );
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
