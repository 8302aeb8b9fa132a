import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMerkleTree, EMPTY_ROOT, hashLeaf, verifyConsistency, verifyInclusion } from '../src/index.js';

/**
 * Properties of RFC 9162 §2.1 proofs over random trees of up to 2,000 leaves: every index proves and
 * verifies, every consistency proof from m ≤ n verifies, and any single-bit flip, index change or size
 * change fails. A changed size comes with the root of that size, as a signed checkpoint binds the two:
 * RFC 9162 §2.1.3.2 authenticates the size only through the root (index 0 of size 3 and of size 4 have
 * paths of one shape, so the size-3 proof and root also "verify" at size 4 when the root is kept).
 * Run counts are kept small: this runs in CI on 2 shared cores.
 */

/** A tree of 2n distinct entries, so roots of sizes above n exist for the size-change cases. */
function treeOf(n: number, seed: number) {
  const entries = Array.from({ length: 2 * n + 1 }, (_, i) => new TextEncoder().encode(`entry ${seed}/${i}`));
  return createMerkleTree(entries.map(hashLeaf));
}

function flipBit(hashes: readonly Uint8Array[], which: number, bit: number): Uint8Array[] {
  return hashes.map((h, i) => {
    if (i !== which) return h;
    const copy = Uint8Array.from(h);
    copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
    return copy;
  });
}

describe('Merkle proofs (fast-check)', () => {
  it('the empty tree and a one-leaf tree have the RFC 9162 §2.1.1 roots', () => {
    expect(createMerkleTree([]).root()).toEqual(EMPTY_ROOT);
    const leaf = hashLeaf(new Uint8Array(0));
    expect(Buffer.from(leaf).toString('hex')).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    expect(createMerkleTree([leaf]).root()).toEqual(leaf);
  });

  it('every index of a random tree proves and verifies; a flipped bit, another index or size fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.nat(), fc.nat(), (n, seed, pick) => {
        const tree = treeOf(n, seed);
        const root = tree.root(n);
        for (let index = 0; index < n; index++) {
          const leafHash = hashLeaf(new TextEncoder().encode(`entry ${seed}/${index}`));
          const proof = tree.inclusionProof(index, n);
          expect(verifyInclusion({ index, size: n, leafHash, proof, root }).ok).toBe(true);
        }
        // Mutations on one index chosen by fast-check.
        const index = pick % n;
        const leafHash = hashLeaf(new TextEncoder().encode(`entry ${seed}/${index}`));
        const proof = tree.inclusionProof(index, n);
        if (proof.length > 0) {
          const which = pick % proof.length;
          const bit = pick % 256;
          expect(
            verifyInclusion({ index, size: n, leafHash, proof: flipBit(proof, which, bit), root }).ok,
          ).toBe(false);
        }
        const flippedLeaf = flipBit([leafHash], 0, pick % 256)[0] as Uint8Array;
        expect(verifyInclusion({ index, size: n, leafHash: flippedLeaf, proof, root }).ok).toBe(false);
        expect(
          verifyInclusion({
            index,
            size: n,
            leafHash,
            proof,
            root: flipBit([root], 0, pick % 256)[0] as Uint8Array,
          }).ok,
        ).toBe(false);
        for (const other of [index - 1, index + 1, index ^ 1]) {
          if (other < 0 || other === index) continue;
          expect(verifyInclusion({ index: other, size: n, leafHash, proof, root }).ok).toBe(false);
        }
        for (const size of [n - 1, n + 1, n * 2]) {
          if (size <= index || size === n) continue;
          expect(verifyInclusion({ index, size, leafHash, proof, root: tree.root(size) }).ok).toBe(false);
        }
      }),
      { numRuns: 10 },
    );
  });

  it('every consistency proof from m ≤ n verifies; a flipped bit or a changed size fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.nat(), fc.nat(), (n, seed, pick) => {
        const tree = treeOf(n, seed);
        const root2 = tree.root(n);
        for (let m = 1; m <= n; m++) {
          const proof = tree.consistencyProof(m, n);
          expect(verifyConsistency({ size1: m, size2: n, root1: tree.root(m), root2, proof }).ok).toBe(true);
        }
        const m = 1 + (pick % n);
        const root1 = tree.root(m);
        const proof = tree.consistencyProof(m, n);
        if (proof.length > 0) {
          const flipped = flipBit(proof, pick % proof.length, pick % 256);
          expect(verifyConsistency({ size1: m, size2: n, root1, root2, proof: flipped }).ok).toBe(false);
        }
        expect(
          verifyConsistency({
            size1: m,
            size2: n,
            root1: flipBit([root1], 0, pick % 256)[0] as Uint8Array,
            root2,
            proof,
          }).ok,
        ).toBe(false);
        expect(
          verifyConsistency({
            size1: m,
            size2: n,
            root1,
            root2: flipBit([root2], 0, pick % 256)[0] as Uint8Array,
            proof,
          }).ok,
        ).toBe(false);
        for (const [size1, size2] of [
          [m - 1, n],
          [m + 1, n],
          [m, n + 1],
          [m, n - 1],
        ] as const) {
          if (size1 === m && size2 === n) continue;
          if (size1 < 1 || size2 < size1) continue;
          const changed = { size1, size2, root1: tree.root(size1), root2: tree.root(size2), proof };
          expect(verifyConsistency(changed).ok, `${size1}→${size2} instead of ${m}→${n}`).toBe(false);
        }
      }),
      { numRuns: 10 },
    );
  });
});
