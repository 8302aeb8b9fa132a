import type { Context } from 'hono';

/**
 * CORS headers of the read and check routes, for the browser SDK (docs/api.md, column CORS). They go
 * into each response as it is made: setting them on a finished response turns its plain header object
 * into a `Headers` (and, with hono/cors, the body into a stream), which cost about a third of a
 * `GET /v1/check`.
 */
export const CORS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'etag, link, x-ipfs-path, x-ipfs-roots, retry-after, x-assent-error',
});

/** The answer to a CORS preflight on a route other origins may call. */
export const PREFLIGHT: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
  'access-control-allow-headers': 'content-type, accept, if-none-match',
  'access-control-max-age': '600',
});

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * True for the paths browsers may call from other origins: read, check, candidates, the log and the
 * node's description (docs/api.md, column CORS).
 * Not publishing: the web app publishes from the gateway's own origin, and a page elsewhere must not
 * be able to spend its visitors' addresses' write limits.
 */
export function isCorsPath(path: string): boolean {
  return (
    path === '/v1/check' ||
    path === '/v1/candidates' ||
    path.startsWith('/v1/manifests/') ||
    path.startsWith('/v1/creators/') ||
    path.startsWith('/v1/observations/') ||
    path.startsWith('/v1/attestations/') ||
    path.startsWith('/ipfs/') ||
    path.startsWith('/log/') ||
    path === '/v1/equivocations' ||
    path === '/.well-known/assent-node.json'
  );
}

/**
 * Paths whose GET is a read other origins may make, while a POST to them publishes (same-origin only):
 * their answers to GET carry CORS, but no preflight is granted, so a page elsewhere cannot POST JSON.
 */
function isCorsRead(c: Context): boolean {
  return c.req.path === '/v1/attestations' && (c.req.method === 'GET' || c.req.method === 'HEAD');
}

/** The headers every response to this request carries (CORS on the routes that have it). */
export function baseHeaders(c: Context): Readonly<Record<string, string>> {
  return isCorsPath(c.req.path) || isCorsRead(c) ? CORS : NO_HEADERS;
}
