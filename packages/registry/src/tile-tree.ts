import { HASH_SIZE, hashChildren, type MerkleTree, storedMerkleTree, TILE_WIDTH } from '@assent/tlog';

/** A hash tile to read: level `level` (tree height 8·level), index `index`, `width` hashes. */
export interface HashTile {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** Reads a hash tile of a log (C2SP tlog-tiles): 32 × width bytes, or undefined when it cannot be had. */
export type HashTileReader = (tile: HashTile) => Promise<Uint8Array | undefined>;

const PLACEHOLDER = new Uint8Array(HASH_SIZE);

/** Where the stored hash (height `level`, index `index`) of a tree of `size` leaves sits in the tiles. */
function locate(size: number, level: number, index: number) {
  const tileLevel = Math.floor(level / 8);
  // The subtree spans `span` hashes of its tile's row (height 8·tileLevel), all in one tile: span ≤ 128
  // divides 256 and the first of them is a multiple of span.
  const span = 2 ** (level - 8 * tileLevel);
  const first = index * span;
  const tileIndex = Math.floor(first / TILE_WIDTH);
  const rowLength = Math.floor(size / TILE_WIDTH ** tileLevel);
  const width = Math.min(TILE_WIDTH, rowLength - tileIndex * TILE_WIDTH);
  return {
    tile: { level: tileLevel, index: tileIndex, width },
    offset: first - tileIndex * TILE_WIDTH,
    span,
  };
}

/**
 * Runs `use` over the tree of the first `size` leaves of a log, read from the log's hash tiles (C2SP
 * tlog-tiles §"Merkle Tree"), as a tlog-tiles client rebuilds roots and proofs. RFC 9162's recursion
 * reads subtree hashes that depend on sizes only, so `use` runs once over placeholder hashes to learn
 * which tiles it needs, then once over the fetched tiles; it must not act on the first run's result.
 * The caller checks the tree's root against a signed checkpoint before trusting anything else it gives.
 * Undefined when a tile cannot be had or has the wrong length.
 */
export async function withTileTree<T>(
  size: number,
  read: HashTileReader,
  use: (tree: MerkleTree) => T,
): Promise<T | undefined> {
  const wanted = new Map<string, HashTile>();
  use(
    storedMerkleTree(size, (level, index) => {
      const { tile } = locate(size, level, index);
      wanted.set(`${tile.level}/${tile.index}`, tile);
      return PLACEHOLDER;
    }),
  );
  const entries = [...wanted];
  const fetched = await Promise.all(entries.map(([, tile]) => read(tile)));
  const tiles = new Map<string, Uint8Array>();
  for (let i = 0; i < entries.length; i++) {
    const [key, tile] = entries[i] as [string, HashTile];
    const bytes = fetched[i];
    if (bytes === undefined || bytes.length !== HASH_SIZE * tile.width) return undefined;
    tiles.set(key, bytes);
  }
  return use(
    storedMerkleTree(size, (level, index) => {
      const { tile, offset, span } = locate(size, level, index);
      const bytes = tiles.get(`${tile.level}/${tile.index}`) as Uint8Array;
      let row: Uint8Array[] = [];
      for (let i = offset; i < offset + span; i++)
        row.push(bytes.subarray(HASH_SIZE * i, HASH_SIZE * (i + 1)));
      while (row.length > 1) {
        const next: Uint8Array[] = [];
        for (let i = 0; i < row.length; i += 2)
          next.push(hashChildren(row[i] as Uint8Array, row[i + 1] as Uint8Array));
        row = next;
      }
      return row[0] as Uint8Array;
    }),
  );
}
