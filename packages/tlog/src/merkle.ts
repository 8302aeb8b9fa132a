import { fail, ok } from '@assent/manifest';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertCount } from './decimal.js';
import type { TlogResult } from './errors.js';
import { isPowerOfTwo, type MerkleTree, splitPoint, treeOver } from './tree-shape.js';

export type { MerkleTree } from './tree-shape.js';

/**
 * RFC 6962 / RFC 9162 §2.1 Merkle tree hashing over SHA-256, with inclusion and consistency proofs
 * (prove and verify). Sizes and indices are safe integers; shifts are done by division so they stay
 * exact beyond 2^32.
 */

/** The length of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

/** MTH({}) = SHA-256() — the root of the empty tree (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** The leaf hash SHA-256(0x00 ‖ entry) (RFC 9162 §2.1.1): the prefix keeps leaves and nodes apart. */
export function hashLeaf(entry: Uint8Array): Uint8Array {
  const input = new Uint8Array(entry.length + 1);
  input.set(entry, 1);
  return sha256(input);
}

/** The interior node hash SHA-256(0x01 ‖ left ‖ right) (RFC 9162 §2.1.1). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = 1;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/** True when two byte strings are equal (roots are public, so no constant-time compare is needed). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Builds a tree over `leafHashes` (each already `hashLeaf(entry)`). Subtree hashes are remembered, so
 * proving every index of a tree costs O(n log n) hashes, not O(n²).
 * @example
 * const tree = createMerkleTree(entries.map(hashLeaf));
 * const proof = tree.inclusionProof(5);
 * verifyInclusion({ index: 5, size: tree.size, leafHash: hashLeaf(entries[5]), proof, root: tree.root() });
 */
export function createMerkleTree(leafHashes: readonly Uint8Array[]): MerkleTree {
  const leaves = leafHashes.map((hash) => {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
      throw new TypeError('every leaf hash must be a 32-byte Uint8Array');
    }
    return hash;
  });
  const memo = new Map<string, Uint8Array>();

  // MTH(D[start:end]).
  function mth(start: number, end: number): Uint8Array {
    const n = end - start;
    if (n === 0) return EMPTY_ROOT;
    if (n === 1) return leaves[start] as Uint8Array;
    const key = `${start}:${end}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const k = splitPoint(n);
    const hash = hashChildren(mth(start, start + k), mth(start + k, end));
    memo.set(key, hash);
    return hash;
  }

  return treeOver(leaves.length, mth);
}

/** The inputs of {@link verifyInclusion}. */
export interface InclusionInput {
  /** The zero-based index of the leaf. */
  readonly index: number;
  /** The size of the tree the proof is for. */
  readonly size: number;
  /** `hashLeaf(entry)`. */
  readonly leafHash: Uint8Array;
  /** The audit path, leaf's sibling first. */
  readonly proof: readonly Uint8Array[];
  /** The expected root of the tree of `size`. */
  readonly root: Uint8Array;
}

function invalidInclusion(message: string) {
  return fail('TLOG_INCLUSION_INVALID' as const, message);
}

/**
 * Verifies an inclusion proof with the algorithm of RFC 9162 §2.1.3.2. `index ≥ size`, a proof of the
 * wrong length, a proof entry that is not 32 bytes, or a root mismatch is `TLOG_INCLUSION_INVALID`.
 * Sizes and indices must be non-negative integers and the size a safe one (else RangeError).
 */
export function verifyInclusion(input: InclusionInput): TlogResult<true> {
  const { index, size, leafHash, proof, root } = input;
  if (!Number.isInteger(index) || index < 0) throw new RangeError('index must be a non-negative integer');
  assertCount(size, 'size');
  if (index >= size) return invalidInclusion(`index ${index} is not below the tree size ${size}`);
  if (leafHash.length !== HASH_SIZE) return invalidInclusion('the leaf hash is not 32 bytes');
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (p.length !== HASH_SIZE) return invalidInclusion('a proof entry is not 32 bytes');
    if (sn === 0) return invalidInclusion('the proof is longer than the path to the root');
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return invalidInclusion('the proof is shorter than the path to the root');
  if (!equalBytes(r, root)) return invalidInclusion('the proof does not lead to the root');
  return ok(true);
}

/** The inputs of {@link verifyConsistency}. */
export interface ConsistencyInput {
  /** The size of the older tree. */
  readonly size1: number;
  /** The size of the newer tree. */
  readonly size2: number;
  /** The root of the older tree. */
  readonly root1: Uint8Array;
  /** The root of the newer tree. */
  readonly root2: Uint8Array;
  /** The consistency proof. */
  readonly proof: readonly Uint8Array[];
}

function invalidConsistency(message: string) {
  return fail('TLOG_CONSISTENCY_INVALID' as const, message);
}

/**
 * Verifies that the tree of `size2` extends the tree of `size1` (RFC 9162 §2.1.4.2). Equal sizes need
 * an empty proof and equal roots (RFC 6962 §2.1.2: SUBPROOF(m, D[m], true) = {}). `size1 = 0` is
 * refused: RFC 9162 §2.1.4 defines proofs for 0 < m only, and transparency-dev/merkle does the same.
 */
export function verifyConsistency(input: ConsistencyInput): TlogResult<true> {
  const { size1, size2, root1, root2, proof } = input;
  assertCount(size1, 'size1');
  assertCount(size2, 'size2');
  if (size1 > size2) return invalidConsistency(`the old size ${size1} is above the new size ${size2}`);
  if (size1 === 0)
    return invalidConsistency('no consistency proof exists from the empty tree (RFC 9162 §2.1.4)');
  if (size1 === size2) {
    if (proof.length !== 0) return invalidConsistency('equal sizes need an empty proof');
    if (!equalBytes(root1, root2)) return invalidConsistency('equal sizes with different roots');
    return ok(true);
  }
  if (proof.length === 0) return invalidConsistency('the proof is empty');
  for (const c of proof)
    if (c.length !== HASH_SIZE) return invalidConsistency('a proof entry is not 32 bytes');
  // Step 2: when size1 is a power of two, the old root is itself the first node of the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return invalidConsistency('the proof is longer than the path to the root');
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return invalidConsistency('the proof is shorter than the path to the root');
  if (!equalBytes(fr, root1)) return invalidConsistency('the proof does not lead to the old root');
  if (!equalBytes(sr, root2)) return invalidConsistency('the proof does not lead to the new root');
  return ok(true);
}
