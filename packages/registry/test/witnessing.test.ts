/**
 * Parts of witnessing (docs/witnessing.md) that need no second node: the tree a node rebuilds from a
 * peer's tlog-tiles to judge two checkpoints, and the checks of `logPeers`. The loopback tests of the
 * protocol are in apps/gateway/test/witness.test.ts. Oracle: `@assent/tlog`'s in-memory RFC 6962 tree
 * (checked against transparency-dev's vectors).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMerkleTree, hashLeaf, TILE_WIDTH } from '@assent/tlog';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../src/index.js';
import { type HashTile, withTileTree } from '../src/tile-tree.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

function leaves(size: number): Uint8Array[] {
  return Array.from({ length: size }, (_, i) => hashLeaf(new TextEncoder().encode(`leaf ${i}`)));
}

/**
 * The hash tiles of a tree of these leaves, as a tlog-tiles server answers them: tile (L, N, W) is W
 * hashes of complete subtrees of 256^L leaves from subtree N·256. Counts the tiles read.
 */
function tileServer(hashes: readonly Uint8Array[]) {
  const read: HashTile[] = [];
  const reader = async (tile: HashTile) => {
    read.push(tile);
    const span = TILE_WIDTH ** tile.level;
    const out = new Uint8Array(32 * tile.width);
    for (let i = 0; i < tile.width; i++) {
      const start = (tile.index * TILE_WIDTH + i) * span;
      if (start + span > hashes.length) return undefined;
      out.set(createMerkleTree(hashes.slice(start, start + span)).root(), 32 * i);
    }
    return out;
  };
  return { reader, read };
}

describe('withTileTree', () => {
  it('gives the roots and consistency proofs of the in-memory tree, across tile boundaries', async () => {
    for (const size of [1, 2, 255, 256, 257, 511, 512, 513, 65_536 + 300]) {
      const hashes = leaves(size);
      const oracle = createMerkleTree(hashes);
      const { reader, read } = tileServer(hashes);
      const olds = [
        ...new Set([1, Math.floor(size / 2), size - 1, 256, 257].filter((m) => m >= 1 && m <= size)),
      ];
      const got = await withTileTree(size, reader, (tree) => ({
        root: tree.root(),
        roots: olds.map((m) => tree.root(m)),
        proofs: olds.map((m) => tree.consistencyProof(m, size)),
      }));
      expect(got?.root, `size ${size}`).toEqual(oracle.root());
      expect(got?.roots).toEqual(olds.map((m) => oracle.root(m)));
      expect(got?.proofs).toEqual(olds.map((m) => oracle.consistencyProof(m, size)));
      // A handful of tiles, not the tree: at most a few per level.
      expect(read.length).toBeLessThanOrEqual(3 * 4);
    }
  }, 60_000);

  it('matches the in-memory tree for random sizes ≤ 2,000 and old sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 2_000 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }))),
        async ([n, m]) => {
          const hashes = leaves(n);
          const oracle = createMerkleTree(hashes);
          const got = await withTileTree(n, tileServer(hashes).reader, (tree) => ({
            old: tree.root(m),
            proof: tree.consistencyProof(m, n),
          }));
          expect(got?.old).toEqual(oracle.root(m));
          expect(got?.proof).toEqual(oracle.consistencyProof(m, n));
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  it('gives up when a tile is missing or has the wrong length', async () => {
    const hashes = leaves(300);
    const { reader } = tileServer(hashes);
    expect(
      await withTileTree(
        300,
        async () => undefined,
        (tree) => tree.root(),
      ),
    ).toBeUndefined();
    const short = async (tile: HashTile) => (await reader(tile))?.slice(32);
    expect(await withTileTree(300, short, (tree) => tree.root())).toBeUndefined();
  });
});

describe('logPeers', () => {
  it('refuses a bad URL or vkey as a TypeError, leaving the data directory free', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'assent-witnessing-'));
    dirs.push(dataDir);
    for (const logPeers of [
      [{ url: 'ftp://example.org' }],
      [{ url: 'https://example.org?x=1' }],
      [{ url: 'https://example.org', vkey: 'not a vkey' }],
      [{ url: 'https://example.org' }, { url: 'https://example.org/' }],
    ]) {
      await expect(createRegistry({ dataDir, network: false, logPeers })).rejects.toThrow(TypeError);
    }
    // Nothing stayed open: the directory opens again at once.
    const registry = await createRegistry({ dataDir, network: false });
    expect(registry.witness.peers()).toEqual([]);
    await registry.stop();
  });
});
