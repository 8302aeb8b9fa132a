import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasSharedVectors, sharedVectorText, skipReason } from '../../../test/support/shared-vectors.js';
import { decodeBase64 } from '../src/base64.js';
import {
  createMerkleTree,
  EMPTY_ROOT,
  hashLeaf,
  nodesCompletedBy,
  storedMerkleTree,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.js';

/**
 * A tree kept as stored subtree hashes, as the node's log keeps it in SQLite. Oracles: the root of
 * transparency-dev/merkle's happy-path vector over RFC 6962's eight test leaves, RFC 9162 verification
 * of every proof, and the in-memory tree (itself checked against the same vectors).
 */

/** Leaves appended one by one into a map of stored hashes, with a count of the hashes read. */
function grow(entries: readonly Uint8Array[]) {
  const stored = new Map<string, Uint8Array>();
  let reads = 0;
  const read = (level: number, index: number) => {
    reads++;
    const hash = stored.get(`${level}/${index}`);
    if (hash === undefined) throw new Error(`no stored hash (${level}, ${index})`);
    return hash;
  };
  entries.forEach((entry, index) => {
    for (const node of nodesCompletedBy(index, hashLeaf(entry), read))
      stored.set(`${node.level}/${node.index}`, node.hash);
  });
  return { stored, read, reads: () => reads };
}

const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
/** The leaves of RFC 6962's reference test (certificate-transparency merkle_tree_test). */
const RFC6962_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);

describe.skipIf(!hasSharedVectors)(`stored tree against transparency-dev/merkle${skipReason}`, () => {
  it('the eight RFC 6962 leaves give the root and audit path of inclusion/1/happy-path.json', () => {
    const v = JSON.parse(sharedVectorText('tlog/merkle/inclusion/1/happy-path.json')) as {
      leafIdx: number;
      treeSize: number;
      root: string;
      proof: string[];
    };
    const { read } = grow(RFC6962_LEAVES);
    const tree = storedMerkleTree(8, read);
    expect(tree.root()).toEqual(decodeBase64(v.root));
    expect(tree.inclusionProof(v.leafIdx, v.treeSize)).toEqual(v.proof.map(decodeBase64));
  });
});

describe('stored tree', () => {
  it('stores two hashes a leaf on average and no hash twice', () => {
    const entries = Array.from({ length: 1024 }, (_, i) => new TextEncoder().encode(`e${i}`));
    const { stored } = grow(entries);
    expect(stored.size).toBe(2047); // 1024 leaves + 1023 interior nodes of a complete tree
  });

  it('the empty tree has the empty root', () => {
    expect(storedMerkleTree(0, () => new Uint8Array(32)).root()).toEqual(EMPTY_ROOT);
  });

  it('equals the in-memory tree: roots, every inclusion and consistency proof, and they verify', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), (n, seed) => {
        const entries = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`${seed}/${i}`));
        const memory = createMerkleTree(entries.map(hashLeaf));
        const { read } = grow(entries);
        const stored = storedMerkleTree(n, read);
        for (let size = 1; size <= n; size++) {
          const root = stored.root(size);
          expect(root).toEqual(memory.root(size));
          const index = seed % size;
          const proof = stored.inclusionProof(index, size);
          expect(proof).toEqual(memory.inclusionProof(index, size));
          const leafHash = hashLeaf(entries[index] as Uint8Array);
          expect(verifyInclusion({ index, size, leafHash, proof, root }).ok).toBe(true);
          const consistency = stored.consistencyProof(size, n);
          expect(consistency).toEqual(memory.consistencyProof(size, n));
          expect(
            verifyConsistency({
              size1: size,
              size2: n,
              root1: root,
              root2: stored.root(),
              proof: consistency,
            }).ok,
          ).toBe(true);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a proof in a tree of 131,075 leaves reads a few dozen stored hashes, not the tree', () => {
    // Stored hashes are computed directly (no entries): leaf i's hash is hashLeaf of its index.
    const n = 131_075;
    const stored = new Map<string, Uint8Array>();
    const read = (level: number, index: number) => stored.get(`${level}/${index}`) as Uint8Array;
    for (let i = 0; i < n; i++)
      for (const node of nodesCompletedBy(i, hashLeaf(new TextEncoder().encode(String(i))), read))
        stored.set(`${node.level}/${node.index}`, node.hash);
    let reads = 0;
    const counting = (level: number, index: number) => {
      reads++;
      return read(level, index);
    };
    const tree = storedMerkleTree(n, counting);
    const root = tree.root();
    const proof = tree.inclusionProof(77_777);
    expect(
      verifyInclusion({
        index: 77_777,
        size: n,
        leafHash: hashLeaf(new TextEncoder().encode('77777')),
        proof,
        root,
      }).ok,
    ).toBe(true);
    expect(reads).toBeLessThan(60);
  });

  it('a missing or malformed stored hash is an error, not a wrong root', () => {
    expect(() => storedMerkleTree(3, () => new Uint8Array(31)).root()).toThrow(TypeError);
    expect(() => nodesCompletedBy(1, hashLeaf(new Uint8Array(0)), () => new Uint8Array(5))).toThrow(
      TypeError,
    );
  });
});
