import { Resolver } from 'node:dns/promises';

/** Options of {@link createNameResolver}. */
export interface NameResolverOptions {
  /**
   * DNS servers (`'127.0.0.1:5353'`, `'[::1]:53'`); the system's when omitted. Tests point this at a
   * loopback server; a node may point it at a validating resolver.
   */
  readonly servers?: readonly string[];
  /** Per-query timeout (c-ares), in milliseconds. */
  readonly timeoutMs: number;
}

/** An answer, or why there is none: `LINK_DNS_NOT_FOUND` (NXDOMAIN, no data) or `LINK_DNS_FAILED`. */
export type DnsAnswer<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly reason: 'LINK_DNS_NOT_FOUND' | 'LINK_DNS_FAILED';
      readonly message: string;
    };

/** An address to connect to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** The DNS look-ups a link check makes, through one `node:dns` Resolver. */
export interface NameResolver {
  /** The TXT records of a name, each record's character-strings joined (RFC 1035 §3.3.14). */
  txt(name: string): Promise<DnsAnswer<string[]>>;
  /** The A and AAAA addresses of a name. */
  addresses(name: string): Promise<DnsAnswer<ResolvedAddress[]>>;
}

/**
 * c-ares codes that say the name has no such records: NXDOMAIN (`ENOTFOUND`) and an empty answer
 * (`ENODATA`). Anything else (SERVFAIL, REFUSED, a timeout) says nothing about the name: a retry may
 * answer, so those are temporary.
 */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA']);

function failure<T>(name: string, error: unknown): DnsAnswer<T> {
  const code = (error as { code?: string }).code ?? 'EUNKNOWN';
  return ABSENT.has(code)
    ? { ok: false, reason: 'LINK_DNS_NOT_FOUND', message: `${name}: no such records (${code})` }
    : { ok: false, reason: 'LINK_DNS_FAILED', message: `${name}: DNS failed (${code})` };
}

/**
 * A resolver over `node:dns` (c-ares). It does not read /etc/hosts, unlike `dns.lookup`: every name a
 * link check connects to is resolved the same way, by the servers given.
 */
export function createNameResolver(options: NameResolverOptions): NameResolver {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 2 });
  if (options.servers !== undefined) resolver.setServers([...options.servers]);
  return {
    async txt(name) {
      try {
        const records = await resolver.resolveTxt(name);
        return { ok: true, value: records.map((chunks) => chunks.join('')) };
      } catch (error) {
        return failure(name, error);
      }
    },
    async addresses(name) {
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
      const found: ResolvedAddress[] = [];
      if (v4.status === 'fulfilled') for (const address of v4.value) found.push({ address, family: 4 });
      if (v6.status === 'fulfilled') for (const address of v6.value) found.push({ address, family: 6 });
      if (found.length > 0) return { ok: true, value: found };
      // Temporary when either family failed for a reason other than absence.
      const failures = [v4, v6].flatMap((r) =>
        r.status === 'rejected' ? [failure<never>(name, r.reason)] : [],
      );
      return (
        failures.find((f) => !f.ok && f.reason === 'LINK_DNS_FAILED') ??
        failures[0] ?? { ok: false, reason: 'LINK_DNS_NOT_FOUND', message: `${name}: no addresses` }
      );
    },
  };
}
