import type { LookupAddress, LookupOptions } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { type AddressPolicy, ipLiteralOf, isAllowedAddress } from './address-policy.js';
import type { LinkReason } from './link-reasons.js';
import type { NameResolver } from './name-resolver.js';

/**
 * Fetching for link checks (DESIGN-TRUST §3.3 item 8), on `node:http`/`node:https` with our own
 * `lookup` hook rather than request-filtering-agent: the hook resolves the name through the same
 * injectable `node:dns` Resolver as the TXT checks, refuses the whole answer when any address is not
 * public (so Happy Eyeballs cannot fall back to a private one), and hands the checked addresses to
 * the socket itself, so the address checked is the address connected to: a DNS answer that changes
 * between a check and the connection (rebinding) cannot slip through. The socket's remote address is
 * checked again on connect. IP-literal hosts, which skip the lookup, are checked before the request.
 *
 * https only; no redirects are followed (a 3xx is returned as it is, for the one rel=me HEAD rule);
 * bodies over the limit are cut off and refused; one deadline covers DNS, connect, TLS, headers and
 * body. Host names are the URL parser's A-labels, so the name resolved and sent in SNI is Punycode.
 */
export interface SafeFetchOptions extends AddressPolicy {
  readonly resolver: NameResolver;
  /** The deadline of one request, in milliseconds. */
  readonly timeoutMs: number;
  /** The most body bytes read; a longer body is refused (`LINK_BODY_TOO_LARGE`), unless `truncateBody`. */
  readonly maxBodyBytes: number;
  /**
   * Keep the first `maxBodyBytes` of a longer body and mark the response `truncated` instead of
   * refusing it: for readers whose format says to parse a prefix (robots.txt, RFC 9309 §2.5).
   */
  readonly truncateBody?: boolean | undefined;
  readonly userAgent: string;
  /** Where a URL is really fetched from (tests and local setups); the policy applies to the result too. */
  readonly mapUrl?: ((url: URL) => URL) | undefined;
}

/** A response as read: any status, the body up to the limit. */
export interface FetchedResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Uint8Array;
  /** Set when the body was longer than `maxBodyBytes` and cut there (only with `truncateBody`). */
  readonly truncated?: true;
}

/** A response, or why there is none. */
export type FetchOutcome =
  | { readonly ok: true; readonly response: FetchedResponse }
  | { readonly ok: false; readonly reason: LinkReason; readonly message: string };

/** A request of a link check. */
export interface SafeRequest {
  readonly method?: 'GET' | 'HEAD';
  /** The `Accept` header. */
  readonly accept: string;
  readonly signal?: AbortSignal | undefined;
}

/** An error that already knows its reason. */
class Refusal extends Error {
  override readonly name = 'Refusal';
  readonly reason: LinkReason;
  constructor(reason: LinkReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/** The `lookup` hook: resolve, refuse any non-public answer, hand over only checked addresses. */
function checkedLookup(options: SafeFetchOptions) {
  return (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback): void => {
    options.resolver.addresses(hostname).then(
      (answer) => {
        if (!answer.ok) return callback(new Refusal(answer.reason, answer.message), '');
        const refused = answer.value.find((a) => !isAllowedAddress(a.address, options));
        if (refused !== undefined) {
          return callback(
            new Refusal(
              'LINK_ADDRESS_REFUSED',
              `${hostname} resolves to ${refused.address}, not a public address`,
            ),
            '',
          );
        }
        const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
        const usable = answer.value.filter((a) => family === 0 || a.family === family);
        const first = usable[0];
        if (first === undefined)
          return callback(new Refusal('LINK_DNS_NOT_FOUND', `${hostname}: no address`), '');
        if (lookupOptions.all === true) return callback(null, usable);
        callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as Error, ''),
    );
  };
}

/** Node's error codes of a failed connection, TLS handshake or certificate. */
function reasonOfError(error: unknown): { reason: LinkReason; message: string } {
  if (error instanceof Refusal) return { reason: error.reason, message: error.message };
  const code = String((error as { code?: unknown }).code ?? '');
  const message = `${code || 'error'}: ${(error as Error).message}`;
  if (code === 'ABORT_ERR' || code === 'ETIMEDOUT') return { reason: 'LINK_TIMEOUT', message };
  if (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN'
  )
    return { reason: 'LINK_TLS_FAILED', message };
  // A response that is not HTTP at all (llhttp's HPE_ codes) is the server's answer, not a network fault.
  if (code.startsWith('HPE_')) return { reason: 'LINK_HTTP_REFUSED', message };
  return { reason: 'LINK_CONNECT_FAILED', message };
}

/** Why a URL may not be fetched under the policy, or undefined when it may. */
function urlProblem(url: URL, options: SafeFetchOptions): string | undefined {
  if (url.protocol !== 'https:' && !(options.allowInsecure && url.protocol === 'http:'))
    return `${url.protocol} is not allowed; links are fetched over https`;
  if (url.username !== '' || url.password !== '') return 'credentials in a URL are not allowed';
  const literal = ipLiteralOf(url.hostname);
  if (literal !== undefined && !isAllowedAddress(literal, options))
    return `${literal} is not a public address`;
  return undefined;
}

/**
 * Fetches a URL under the link-check policy. Never throws for what the network or the server does: a
 * refusal, a failure or a response of any status comes back as a value.
 */
export function safeFetch(
  target: string | URL,
  request: SafeRequest,
  options: SafeFetchOptions,
): Promise<FetchOutcome> {
  let asked: URL;
  try {
    asked = new URL(target);
  } catch {
    return Promise.resolve({ ok: false, reason: 'LINK_URL_REFUSED', message: 'not a URL' });
  }
  const url = options.mapUrl?.(asked) ?? asked;
  for (const candidate of url === asked ? [url] : [asked, url]) {
    const problem = urlProblem(candidate, options);
    if (problem !== undefined) {
      const reason = problem.includes('public address') ? 'LINK_ADDRESS_REFUSED' : 'LINK_URL_REFUSED';
      return Promise.resolve({ ok: false, reason, message: `${candidate.href}: ${problem}` });
    }
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: FetchOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const literal = ipLiteralOf(url.hostname);
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request({
      method: request.method ?? 'GET',
      protocol: url.protocol,
      hostname: literal ?? url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: { accept: request.accept, 'accept-encoding': 'identity', 'user-agent': options.userAgent },
      agent: false,
      ...(literal === undefined ? { lookup: checkedLookup(options), servername: url.hostname } : {}),
    });
    const fail = (error: unknown) => finish({ ok: false, ...reasonOfError(error) });
    const deadline = setTimeout(
      () => req.destroy(new Refusal('LINK_TIMEOUT', `no complete answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = () => req.destroy(new Refusal('LINK_TIMEOUT', 'the check was aborted'));
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted === true) onAbort();
    req.on('error', fail);
    req.on('socket', (socket: Socket) => {
      // Defence in depth: whatever resolved the name, the peer we reached must be allowed.
      socket.once('connect', () => {
        const remote = socket.remoteAddress;
        if (remote === undefined || !isAllowedAddress(remote, options))
          req.destroy(
            new Refusal('LINK_ADDRESS_REFUSED', `connected to ${remote ?? 'nothing'}, not a public address`),
          );
      });
    });
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length'] ?? Number.NaN);
      if (declared > options.maxBodyBytes && options.truncateBody !== true) {
        req.destroy();
        return finish({
          ok: false,
          reason: 'LINK_BODY_TOO_LARGE',
          message: `the body is ${declared} bytes; at most ${options.maxBodyBytes} are read`,
        });
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      const respond = (truncated: boolean) => {
        const body = new Uint8Array(size);
        let at = 0;
        for (const chunk of chunks) {
          body.set(chunk, at);
          at += chunk.length;
        }
        const response = { status: res.statusCode ?? 0, headers: res.headers, body };
        finish({ ok: true, response: truncated ? { ...response, truncated: true } : response });
      };
      res.on('data', (chunk: Uint8Array) => {
        if (size + chunk.length > options.maxBodyBytes && options.truncateBody === true) {
          chunks.push(chunk.subarray(0, options.maxBodyBytes - size));
          size = options.maxBodyBytes;
          respond(true);
          return req.destroy();
        }
        size += chunk.length;
        if (size > options.maxBodyBytes) {
          req.destroy();
          return finish({
            ok: false,
            reason: 'LINK_BODY_TOO_LARGE',
            message: `the body is over ${options.maxBodyBytes} bytes`,
          });
        }
        chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => respond(false));
    });
    req.end();
  });
}

/** The failure a non-200 answer is: redirects refused, 404/410 gone, 429/5xx temporary, the rest refused. */
export function statusFailure(status: number): { reason: LinkReason; message: string } {
  if (status >= 300 && status < 400)
    return { reason: 'LINK_REDIRECT_REFUSED', message: `HTTP ${status}: redirects are not followed` };
  if (status === 404 || status === 410) return { reason: 'LINK_HTTP_NOT_FOUND', message: `HTTP ${status}` };
  if (status === 429 || status >= 500) return { reason: 'LINK_HTTP_UNAVAILABLE', message: `HTTP ${status}` };
  return { reason: 'LINK_HTTP_REFUSED', message: `HTTP ${status}` };
}

/** The media type of a response, lower case, without parameters. */
export function mediaTypeOf(response: FetchedResponse): string {
  const value = response.headers['content-type'] ?? '';
  return value.split(';')[0]?.trim().toLowerCase() ?? '';
}
