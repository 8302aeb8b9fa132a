import { deriveNextKeyHash } from 'didwebvh-ts';
import { describe, expect, it } from 'vitest';
import {
  generateIdentity,
  NEXT_KEY_HASH_PATTERN,
  nextKeyHash,
  nextKeyHashOfDid,
  publicKeyMultibase,
} from '../src/index.js';

describe('nextKeyHash (did:webvh v1.0 pre-rotation hash)', () => {
  it('hashes the multikey string of the design note’s example to its published value', () => {
    // ../shared/DESIGN-TRUST.md §2.4, computed with the did:webvh formula and confirmed below.
    expect(nextKeyHash('z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf')).toBe(
      'Qmf2V5jB2UwPcFL5bvmKed7VvY3CSQ1RXyDdtip7ufpQ3R',
    );
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
