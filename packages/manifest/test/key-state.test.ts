import { readFileSync } from 'node:fs';
import { deriveNextKeyHash } from 'didwebvh-ts';
import { describe, expect, it } from 'vitest';
import {
  canonicalize,
  generateIdentity,
  type JsonObject,
  NEXT_KEY_HASH_PATTERN,
  nextKeyHash,
  nextKeyHashOfDid,
  publicKeyMultibase,
} from '../src/index.js';

/** did:webvh v1.0's hash examples (test/vectors/key-state/README.md names their sources). */
const webvh = JSON.parse(
  readFileSync(new URL('../../../test/vectors/key-state/webvh.json', import.meta.url), 'utf8'),
) as {
  entryHash: { entry: JsonObject; expected: string };
  nextKeyHash: { multikey: string; expected: string };
};

describe('nextKeyHash (did:webvh v1.0 pre-rotation hash)', () => {
  it('hashes the multikey string of the design note’s example to its published value', () => {
    // ../shared/DESIGN-TRUST.md §2.4, computed with the did:webvh formula and confirmed below.
    expect(nextKeyHash(webvh.nextKeyHash.multikey)).toBe(webvh.nextKeyHash.expected);
  });

  it('is did:webvh’s hash: over the JCS text of the spec’s first log entry it gives the spec’s entryHash', () => {
    // The same pipeline (UTF-8 text → sha2-256 multihash → bare base58btc) over our own JCS.
    expect(nextKeyHash(canonicalize(webvh.entryHash.entry))).toBe(webvh.entryHash.expected);
  });

  it('equals the reference implementation (didwebvh-ts deriveNextKeyHash) on 1,000 random keys', async () => {
    // didwebvh-ts is a dev-only oracle: the interop hazard is hashing the key bytes instead of the
    // UTF-8 multikey string, or adding a multibase `z`; its function does neither.
    for (let i = 0; i < 1000; i++) {
      const multikey = publicKeyMultibase(crypto.getRandomValues(new Uint8Array(32)));
      const ours = nextKeyHash(multikey);
      expect(ours).toBe(await deriveNextKeyHash(multikey));
      expect(ours).toMatch(NEXT_KEY_HASH_PATTERN);
    }
  });

  it('commits to a did:key by its multikey, and refuses what is not one', async () => {
    const id = await generateIdentity();
    expect(nextKeyHashOfDid(id.did)).toBe(nextKeyHash(id.did.slice('did:key:'.length)));
    expect(() => nextKeyHashOfDid('did:web:example.com')).toThrow(TypeError);
  });
});
