/**
 * An implementation of the identity backup's parts independent of @assent/manifest, for the vector
 * generator and the tests that check our output against it: did:key from node:crypto's Ed25519, and
 * RFC 8785 (JCS) for what a backup header holds.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';

/** did:key of an Ed25519 seed, through node:crypto (PKCS#8 of RFC 8410) and multiformats. */
export function didOfSeed(secret: Uint8Array): string {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), secret]);
  const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({
    format: 'jwk',
  });
  const publicKey = Buffer.from(jwk.x as string, 'base64url');
  return `did:key:${base58btc.encode(Buffer.concat([Buffer.from([0xed, 0x01]), publicKey]))}`;
}

/**
 * RFC 8785 for what a header holds (objects, arrays such as `nextKeyHashes`, strings, safe integers):
 * keys in UTF-16 order.
 */
export function jcs(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${jcs(v)}`).join(',')}}`;
}
