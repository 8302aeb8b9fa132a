import { createRequire } from 'node:module';
import type * as IpAddr from 'ipaddr.js';

// ipaddr.js is CommonJS with `export =` typings; require keeps its types without synthetic defaults.
const ipaddr = createRequire(import.meta.url)('ipaddr.js') as typeof IpAddr;

/**
 * Which IP addresses a link check may connect to. Only global unicast addresses: the private,
 * loopback, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved and
 * documentation ranges are refused, and so are the IPv6 forms that embed an IPv4 address (mapped,
 * NAT64, 6to4, Teredo), which could reach those ranges by another name. With `allowInsecure`, loopback
 * is allowed too (tests and a node checking its own machine); private ranges never are.
 */
export interface AddressPolicy {
  readonly allowInsecure: boolean;
}

/** True when `address` (an IPv4 or IPv6 literal, no brackets) may be connected to under `policy`. */
export function isAllowedAddress(address: string, policy: AddressPolicy): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as IpAddr.IPv6;
    // ::ffff:a.b.c.d is the IPv4 host a.b.c.d: judge that address.
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
  }
  const range = parsed.range();
  if (range === 'unicast') return true;
  return policy.allowInsecure && range === 'loopback';
}

/** The address without the brackets of a URL's IPv6 host, or undefined when the host is a name. */
export function ipLiteralOf(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) && (bare.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(bare))
    ? bare
    : undefined;
}
