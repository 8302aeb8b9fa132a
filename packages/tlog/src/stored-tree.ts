import { assertCount } from './decimal.js';
import { EMPTY_ROOT, HASH_SIZE, hashChildren } from './merkle.js';
import { isPowerOfTwo, type MerkleTree, splitPoint, treeOver } from './tree-shape.js';

/**
 * A Merkle tree kept the way a log keeps it on disk: as stored subtree hashes. Node `(level, index)`
 * is MTH of the leaves [index·2^level, (index+1)·2^level), stored once all of them exist; it never
 * changes after. Appending a leaf stores its hash at level 0 and every subtree it completes (on
 * average two hashes a leaf). Any root and any proof then reads O(log n) stored hashes, and the
 * tlog-tiles hash tile (L, N) is the row of nodes at level 8·L from index 256·N.
 */

/** One stored hash: the complete subtree of 2^level leaves starting at leaf index·2^level. */
export interface StoredNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/** Reads a stored hash that exists (the tree asks only for complete subtrees). */
export type StoredHashReader = (level: number, index: number) => Uint8Array;

function checked(hash: Uint8Array, level: number, index: number): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE)
    throw new TypeError(`the stored hash (${level}, ${index}) is not 32 bytes`);
  return hash;
}

/**
 * The nodes to store when leaf `index` (its hash `leafHash`) is appended to a tree of `index` leaves:
 * the leaf itself, then each subtree it completes, lowest first. `read` gives the left siblings,
 * stored earlier.
 * @example
 * for (const node of nodesCompletedBy(size, hashLeaf(entry), read)) store(node.level, node.index, node.hash);
 */
export function nodesCompletedBy(index: number, leafHash: Uint8Array, read: StoredHashReader): StoredNode[] {
  assertCount(index, 'index');
  const nodes: StoredNode[] = [{ level: 0, index, hash: checked(leafHash, 0, index) }];
  let level = 0;
  let at = index;
  let hash = leafHash;
  while (at % 2 === 1) {
    hash = hashChildren(checked(read(level, at - 1), level, at - 1), hash);
    level++;
    at = (at - 1) / 2;
    nodes.push({ level, index: at, hash });
  }
  return nodes;
}

/**
 * The tree of the first `size` leaves over stored hashes: root and proofs for any size up to `size`,
 * the same as `createMerkleTree` over the same leaves, read from `read` instead of memory.
 * @example
 * const tree = storedMerkleTree(size, (level, index) => db.hash(level, index));
 * const proof = tree.inclusionProof(7, size);
 */
export function storedMerkleTree(size: number, read: StoredHashReader): MerkleTree {
  assertCount(size, 'size');
  function mth(start: number, end: number): Uint8Array {
    const n = end - start;
    if (n === 0) return EMPTY_ROOT;
    if (isPowerOfTwo(n) && start % n === 0) {
      let level = 0;
      for (let k = n; k > 1; k /= 2) level++;
      return checked(read(level, start / n), level, start / n);
    }
    const k = splitPoint(n);
    return hashChildren(mth(start, start + k), mth(start + k, end));
  }
  return treeOver(size, mth);
}
