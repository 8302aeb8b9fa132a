import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/support/fuzz.js';
import { sha256 } from '../src/sha256.js';

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

describe('sha256', () => {
  it('is the native hash on Node, and gives the digest of the reference implementation', () => {
    // On Node the module picks node:crypto; in Chromium the browser tests cover the @noble path.
    expect(sha256).not.toBe(nobleSha256);
    expect(hex(sha256(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat(16), (bytes, offset) => {
        // A view into a larger buffer hashes only its own bytes.
        const outer = new Uint8Array(bytes.length + offset + 3);
        outer.set(bytes, offset);
        const view = outer.subarray(offset, offset + bytes.length);
        const digest = sha256(view);
        expect(digest).toBeInstanceOf(Uint8Array);
        expect(hex(digest)).toBe(hex(nobleSha256(bytes)));
      }),
      fuzzParams(),
    );
  });
});
