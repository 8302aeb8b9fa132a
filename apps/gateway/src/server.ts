import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, sep } from 'node:path';
import { createRegistry, type Registry, registrySource } from '@assent/registry';
import { createVerifier, type IdentityOptions } from '@assent/verifier';
import { getRequestListener } from '@hono/node-server';
import { clientKeyOfAddress } from './client-key.js';
import { createGateway, type GatewayDeps, type GatewayInternals, gatewayInternals } from './gateway.js';
import { type NodeRequestEnv, readChunks, type TakeBodyBytes } from './read-body.js';
import { type Asset, type AssetSource, contentTypeOf } from './web-app.js';

/** Options of {@link startGateway}. */
export interface StartGatewayOptions extends Omit<GatewayDeps, 'registry' | 'verifier' | 'assets'> {
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /** Port (default 8787; 0 for a free one). */
  readonly port?: number;
  /** The registry node to serve. Give this or `dataDir`. */
  readonly registry?: Registry;
  /**
   * Opens a registry in this directory (closed again by `close()`), when `registry` is not given; it
   * logs through a child of `logger`, if one is given.
   */
  readonly dataDir?: string;
  /** Folder of the built web app served at `/` (e.g. `apps/web/dist`); missing: `/` says how to build it. */
  readonly webRoot?: string;
  /** Time allowed to receive a request's headers (default 10 s); slower clients are cut off. */
  readonly headersTimeoutMs?: number;
  /** Time allowed to receive a whole request, body included (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this (default 5 s). */
  readonly keepAliveTimeoutMs?: number;
  /** A socket with no traffic at all for this long is destroyed (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** Concurrent connections at most (default 1024). */
  readonly maxConnections?: number;
  /**
   * Whom the node's verifier trusts for identity (docs/decisions.md §7): attesters, observers, or no
   * bindings required. Default: bindings required, no trusted attesters.
   */
  readonly identity?: IdentityOptions;
}

/** A running gateway. */
export interface RunningGateway {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly server: Server;
  readonly registry: Registry;
  /** Stops listening, cuts open connections and closes a registry it opened itself. Idempotent. */
  close(): Promise<void>;
}

/** The answer to a request the HTTP adapter could not read (docs/errors.md: `BAD_REQUEST`). */
function refusedRequest(): Response {
  return new Response(
    JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'the request target is not a valid URL path' } }),
    { status: 400, headers: { 'content-type': 'application/json', 'x-assent-error': 'BAD_REQUEST' } },
  );
}

/** The key a client is rate limited and logged by: its IPv4 address or IPv6 /64 ({@link clientKeyOfAddress}). */
function clientKeyOf(incoming: IncomingMessage): string {
  return clientKeyOfAddress(incoming.socket?.remoteAddress);
}

/**
 * What the Node server hands the app with each request ({@link NodeRequestEnv}). A class, so every
 * request's env has one shape and reads nothing until a route asks: an object literal with getters
 * and closures per request cost about a quarter of a cheap request's time (autocannon, 404s), and
 * `incoming.headers` is built on first access.
 */
class NodeEnv implements NodeRequestEnv {
  /** Read now: the request log reads it after the answer, when the socket may be gone. */
  readonly clientKey: string;

  constructor(
    readonly incoming: IncomingMessage,
    readonly outgoing: ServerResponse,
  ) {
    this.clientKey = clientKeyOf(incoming);
  }

  get contentType(): string | undefined {
    return this.incoming.headers['content-type'];
  }

  readBody(limit: number, take?: TakeBodyBytes): Promise<Uint8Array> {
    return readChunks(this.incoming, this.incoming.headers['content-length'], limit, take);
  }

  abortSignal(): AbortSignal {
    const { outgoing } = this;
    const controller = new AbortController();
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) controller.abort(new Error('the client went away'));
    });
    return controller.signal;
  }
}

/** Host headers the Node adapter takes as they are (its own test): anything else goes through the router. */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
/** Request targets the Node adapter takes as they are: no byte it would percent-encode, no dot segment. */
const PLAIN_TARGET = /^\/[!$&-;=?-[\]_a-z~]*$/;
const CHECK_PREFIX = '/v1/check?';
const CHECK_KEYS: ReadonlySet<string> = new Set(['work', 'use', 'org', 'at']);

/**
 * The parameters of a `GET /v1/check` whose target and host the router would read exactly as they
 * are written: only `work`, `use`, `org`, `at`, each once with a value, and nothing to decode (no
 * `%`, `+` or `#`). Undefined for anything else, which the router answers.
 */
export function plainCheckRequest(incoming: IncomingMessage): Record<string, string> | undefined {
  const target = incoming.url;
  if (incoming.method !== 'GET' || target === undefined || !target.startsWith(CHECK_PREFIX)) return undefined;
  if (!PLAIN_TARGET.test(target) || target.includes('%') || target.includes('+')) return undefined;
  const host = incoming.headers.host;
  if (host === undefined || !PLAIN_HOST.test(host)) return undefined;
  const query: Record<string, string> = {};
  for (const pair of target.slice(CHECK_PREFIX.length).split('&')) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    if (eq <= 0 || !CHECK_KEYS.has(key) || query[key] !== undefined) return undefined;
    query[key] = pair.slice(eq + 1);
  }
  return query;
}

/**
 * Answers a plain `GET /v1/check` ({@link plainCheckRequest}) without the router: the app's own route
 * answer, metrics and log, written straight to the response. The router's per-request work was most
 * of the time of a check whose answer the verifier reused (bench/RESULTS.md, GET /v1/check).
 */
async function serveCheck(
  inner: GatewayInternals,
  query: Record<string, string>,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const client = clientKeyOf(incoming);
  const answer = await inner.checkOne(query, client);
  outgoing.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  outgoing.end(answer.body);
  inner.record(
    'GET',
    '/v1/check',
    '/v1/check',
    answer.status,
    started,
    () => client,
    () => answer.headers['x-assent-error'],
  );
}

/** Reads the web app's files from a folder, refusing anything that resolves outside it (symlinks too). */
export function folderAssets(root: string): AssetSource {
  let base: Promise<string | undefined> | undefined;
  return {
    async read(relative: string): Promise<Asset | undefined> {
      base ??= realpath(root).catch(() => undefined);
      const dir = await base;
      if (dir === undefined) return undefined;
      try {
        const file = await realpath(join(dir, relative));
        if (!file.startsWith(dir + sep)) return undefined;
        const info = await stat(file);
        if (!info.isFile() || info.size > 64 * 1024 * 1024) return undefined;
        return { bytes: new Uint8Array(await readFile(file)), contentType: contentTypeOf(file) };
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Starts the gateway on Node: the app of {@link createGateway} over a registry (given, or opened in
 * `dataDir`), a verifier over `registrySource(registry)`, and a node:http server with explicit
 * header, request, keep-alive and idle timeouts, so slow clients are cut off.
 * @example
 * const gateway = await startGateway({ dataDir: './data', port: 0, webRoot: 'apps/web/dist' });
 * console.log(gateway.url); // http://127.0.0.1:40123
 * await gateway.close();
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8787;
  let registry = options.registry;
  const owned = registry === undefined;
  if (registry === undefined) {
    if (options.dataDir === undefined) throw new TypeError('startGateway needs a registry or a dataDir');
    // The node logs into the gateway's stream, as `assent serve` sets it up.
    const logger = options.logger?.child({ component: 'registry' });
    registry = await createRegistry({
      dataDir: options.dataDir,
      ...(logger === undefined ? {} : { logger }),
    });
  }
  // Read once: the trust list may be any iterable, and both the source and the verifier need it.
  const attesters =
    options.identity?.trustedAttesters === undefined ? undefined : [...options.identity.trustedAttesters];
  const identity =
    options.identity === undefined
      ? undefined
      : { ...options.identity, ...(attesters === undefined ? {} : { trustedAttesters: attesters }) };
  const verifier = createVerifier({
    // The node's verifier is offered only the attestations it counts (a flood of others costs nothing).
    source: registrySource(registry, attesters === undefined ? {} : { attesters }),
    batchSize: 10_000,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(identity === undefined ? {} : { identity }),
  });
  const { host: _h, port: _p, registry: _r, dataDir: _d, webRoot, identity: _i, ...rest } = options;
  const app = createGateway({
    ...rest,
    registry,
    verifier,
    ...(webRoot === undefined ? {} : { assets: folderAssets(webRoot) }),
  });
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const listener = getRequestListener(
    (request, env) => {
      const { incoming, outgoing } = env as { incoming: IncomingMessage; outgoing: ServerResponse };
      return app.fetch(request, new NodeEnv(incoming, outgoing));
    },
    // A request target the adapter cannot turn into a URL (a raw backslash in the path, a bad Host):
    // the documented error body, not the adapter's empty 400.
    { errorHandler: () => refusedRequest() },
  );
  const inner = gatewayInternals(app) as GatewayInternals;
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
      // How often Node checks the two timeouts above (its default, 30 s, would let slow clients linger).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
    },
    (incoming, outgoing) => {
      const query = plainCheckRequest(incoming);
      if (query === undefined) {
        listener(incoming, outgoing);
        return;
      }
      serveCheck(inner, query, incoming, outgoing).catch((error: unknown) => {
        // checkOne answers every failure itself; this is a fault in writing the answer.
        inner.fault(error);
        outgoing.destroy();
      });
    },
  );
  // What Node's HTTP parser refuses before any handler runs (bytes HTTP forbids in the request line,
  // oversized headers, a timed-out request): the documented error body too, then the connection closes.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, code, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE', 'the request headers are too large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'REQUEST_TIMEOUT', 'the request took too long to arrive']
          : [
              400,
              'Bad Request',
              'BAD_REQUEST',
              'the request is not valid HTTP (a byte HTTP forbids in the request line?)',
            ];
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\nx-assent-error: ${code}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  server.setTimeout(options.idleTimeoutMs ?? 60_000, (socket) => socket.destroy());
  server.maxConnections = options.maxConnections ?? 1024;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  const held = registry;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    registry: held,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        if (owned) await held.stop();
      })();
      return closing;
    },
  };
}
