import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';

/**
 * A fake web (Hono on 127.0.0.1, port 0) standing in for platforms and creators' sites: the network
 * policy allows loopback only. A check's `mapUrl` sends `https://<host><path>` to
 * `http://<host>:<port>/<host><path>`, keeping the host name so that it is resolved by the loopback
 * DNS server and goes through the fetcher's lookup hook like a real one; routes are keyed by
 * `<host><path>[?query]`.
 */
export interface Route {
  readonly status?: number;
  readonly type?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Stream this many bytes, without a Content-Length (a huge body). */
  readonly streamBytes?: number;
}

/** A running fake web; {@link startFakePlatform} starts one. */
export interface FakePlatform {
  readonly port: number;
  /**
   * `http://127.0.0.1:<port>`: serves `https://<host><path>` at `<url>/<host><path>`, for a process that
   * cannot be handed `mapUrl` (`assent id links --links-mirror`).
   */
  readonly url: string;
  readonly routes: Map<string, Route>;
  /** Requests seen, as `METHOD host/path`. */
  readonly requests: string[];
  /** The `mapUrl` that sends every URL to this server, its host name kept. */
  mapUrl(url: URL): URL;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/**
 * Starts the fake web with these routes (more may be set in `routes` later); an unknown route is 404.
 * @example
 * const web = await startFakePlatform({ 'soundcloud.test/the-flight': { body: `<p>assent:${did}</p>` } });
 */
export async function startFakePlatform(routes: Record<string, Route> = {}): Promise<FakePlatform> {
  const table = new Map(Object.entries(routes));
  const requests: string[] = [];
  const app = new Hono();
  app.all('*', async (c) => {
    const url = new URL(c.req.url);
    const key = `${url.pathname.slice(1)}${url.search}`;
    requests.push(`${c.req.method} ${key}`);
    const route = table.get(key);
    if (route === undefined) return c.text('not found', 404);
    if (route.delayMs !== undefined) await new Promise((r) => setTimeout(r, route.delayMs));
    const headers = new Headers(route.headers);
    headers.set('content-type', route.type ?? 'text/html; charset=utf-8');
    if (route.streamBytes !== undefined) {
      let left = route.streamBytes;
      const chunk = new Uint8Array(65_536).fill(0x61);
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (left <= 0) return controller.close();
          const size = Math.min(left, chunk.length);
          left -= size;
          controller.enqueue(chunk.subarray(0, size));
        },
      });
      return new Response(stream, { status: route.status ?? 200, headers });
    }
    return new Response(c.req.method === 'HEAD' ? null : encoder.encode(route.body ?? ''), {
      status: route.status ?? 200,
      headers,
    });
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    routes: table,
    requests,
    mapUrl: (url) => new URL(`http://${url.hostname}:${port}/${url.hostname}${url.pathname}${url.search}`),
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
