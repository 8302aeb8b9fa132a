import type { IncomingHttpHeaders } from 'node:http';
import { createNameResolver, type LinkReason, safeFetch } from '@assent/links';
import {
  createSignalsSource,
  type SignalsFetchFailure,
  type SignalsSource,
  type SignalsSourceOptions,
  type SignalsTransport,
} from '../signals-source.js';

/** Options of the Node {@link signalsSource}: those of `@assent/verifier`'s, without `fetch`. */
export interface NodeSignalsSourceOptions extends Omit<SignalsSourceOptions, 'fetch'> {
  /**
   * DNS servers for every host name (`'127.0.0.1:5300'`); the system's when omitted. Names are
   * resolved by DNS only, never from /etc/hosts, so `localhost` does not resolve: use `127.0.0.1`.
   */
  readonly dnsServers?: readonly string[];
}

const DEFAULT_USER_AGENT = 'Assent-signals/0.1 (+https://w3id.org/assent)';

/**
 * `signalsSource` of `@assent/verifier` for Node, fetching through `@assent/links`' `safeFetch`, the
 * guard of identity-link checks (DESIGN-TRUST §3.3 item 8): https only; public addresses only, checked
 * on the address actually connected to (so a DNS answer that changes between a check and the
 * connection, rebinding, cannot reach 127.0.0.1, 10/8 or 169.254.169.254); redirects followed at most
 * five times, each target checked again by the same rules. A refused URL or address gives
 * `SIGNALS_URL_REFUSED` or `SIGNALS_ADDRESS_REFUSED` and no request. With `allowInsecure`, plain
 * http and loopback addresses are fetched too (tests, a local site); private ranges never are.
 *
 * @example
 * import { signalsSource } from '@assent/verifier/node';
 * const signals = signalsSource({ userAgent: 'ExampleBot' });
 * const evidence = await signals.read('url:https://example.com/song');
 * evidence.warnings; // e.g. SIGNALS_ADDRESS_REFUSED for url:https://169.254.169.254/
 */
export function signalsSource(options: NodeSignalsSourceOptions = {}): SignalsSource {
  const allowInsecure = options.allowInsecure ?? false;
  const resolver = createNameResolver({
    timeoutMs: options.timeoutMs ?? 5000,
    ...(options.dnsServers !== undefined ? { servers: options.dnsServers } : {}),
  });
  const transport: SignalsTransport = async (url, request) => {
    const outcome = await safeFetch(
      url,
      { method: request.method, accept: '*/*', signal: request.signal },
      {
        allowInsecure,
        resolver,
        timeoutMs: request.timeoutMs,
        maxBodyBytes: request.maxBytes,
        // robots.txt is read up to the limit, not refused over it (RFC 9309 §2.5).
        truncateBody: true,
        userAgent: request.userAgent ?? DEFAULT_USER_AGENT,
      },
    );
    if (!outcome.ok) return failureOf(outcome.reason, outcome.message);
    const { status, headers, body, truncated } = outcome.response;
    return { status, headers: headersOf(headers), body, truncated: truncated === true, url: url.href };
  };
  return createSignalsSource(transport, options);
}

function failureOf(reason: LinkReason, message: string): SignalsFetchFailure {
  if (reason === 'LINK_ADDRESS_REFUSED')
    return { code: 'SIGNALS_ADDRESS_REFUSED', message: `is refused: ${message}` };
  if (reason === 'LINK_URL_REFUSED')
    return { code: 'SIGNALS_URL_REFUSED', message: `is refused: ${message}` };
  return { code: 'SIGNALS_UNAVAILABLE', message: `could not be fetched: ${message}` };
}

function headersOf(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, one);
      } catch {
        // A value Headers refuses (it cannot hold every byte Node accepts) is not a signal.
      }
    }
  }
  return headers;
}
