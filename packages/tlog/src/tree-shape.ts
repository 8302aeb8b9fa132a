import { assertCount } from './decimal.js';

/**
 * The shape of RFC 9162 §2.1 trees: split points, and the audit and consistency paths of a tree given
 * its subtree hashes. Internal to the package (not exported from its index).
 */

/** The largest power of two strictly below n, for n ≥ 2 (the split point k of RFC 9162 §2.1.1). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** A Merkle tree over fixed leaf hashes, able to give the root and proofs for any size up to its own. */
export interface MerkleTree {
  /** The number of leaves. */
  readonly size: number;
  /** MTH(D[0:size]) (RFC 9162 §2.1.1); `size` defaults to the whole tree. */
  root(size?: number): Uint8Array;
  /** PATH(index, D[0:size]) (RFC 9162 §2.1.3.1): sibling hashes from the leaf up to the root's child. */
  inclusionProof(index: number, size?: number): Uint8Array[];
  /** PROOF(size1, D[0:size2]) (RFC 9162 §2.1.4.1); requires 0 < size1 ≤ size2. */
  consistencyProof(size1: number, size2?: number): Uint8Array[];
}

/**
 * The root and proofs of a tree of `size` leaves from its subtree hashes: `mth(start, end)` must be
 * MTH(D[start:end]) for the ranges RFC 9162's recursion asks for, each of them either a whole tree
 * [0, n) or a range whose start is a multiple of the largest power of two not above its length.
 * Shared by `createMerkleTree` (merkle.ts) and `storedMerkleTree` (stored-tree.ts).
 */
export function treeOver(size: number, mth: (start: number, end: number) => Uint8Array): MerkleTree {
  // PATH(m, D[start:end]).
  function path(m: number, start: number, end: number): Uint8Array[] {
    const n = end - start;
    if (n <= 1) return [];
    const k = splitPoint(n);
    if (m < k) return [...path(m, start, start + k), mth(start + k, end)];
    return [...path(m - k, start + k, end), mth(start, start + k)];
  }

  // SUBPROOF(m, D[start:end], b).
  function subproof(m: number, start: number, end: number, whole: boolean): Uint8Array[] {
    const n = end - start;
    if (m === n) return whole ? [] : [mth(start, end)];
    const k = splitPoint(n);
    if (m <= k) return [...subproof(m, start, start + k, whole), mth(start + k, end)];
    return [...subproof(m - k, start + k, end, false), mth(start, start + k)];
  }

  function checkSize(n: number): number {
    assertCount(n, 'size');
    if (n > size) throw new RangeError(`size ${n} exceeds the tree's ${size} leaves`);
    return n;
  }

  return {
    size,
    root: (n = size) => mth(0, checkSize(n)),
    inclusionProof(index, n = size) {
      checkSize(n);
      assertCount(index, 'index');
      if (index >= n) throw new RangeError(`index ${index} is not below size ${n}`);
      return path(index, 0, n);
    },
    consistencyProof(size1, size2 = size) {
      checkSize(size2);
      assertCount(size1, 'size1');
      if (size1 === 0 || size1 > size2)
        throw new RangeError(`need 0 < size1 ≤ size2, got ${size1}, ${size2}`);
      return subproof(size1, 0, size2, true);
    },
  };
}
