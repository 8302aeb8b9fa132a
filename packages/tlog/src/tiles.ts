import { fail, ok } from '@assent/manifest';
import { assertCount, parseDecimal } from './decimal.js';
import type { TlogResult } from './errors.js';

/**
 * C2SP tlog-tiles: tile and entry-bundle paths, the set of tiles a tree size needs, and entry bundles
 * (big-endian uint16 length-prefixed entries).
 */

/** Hashes per full tile (tlog-tiles §"Merkle Tree"): 256, so 8,192 bytes. */
export const TILE_WIDTH = 256;
/** The largest entry an entry bundle can carry (a uint16 length prefix). */
export const MAX_ENTRY_BYTES = 65_535;
/** The highest tile level (tlog-tiles: `<L>` is between 0 and 63). */
export const MAX_TILE_LEVEL = 63;

/** One tile: level 0..63 (or `'entries'` for an entry bundle), index, width 1..256 (256 = full). */
export interface Tile {
  /** The level, or `'entries'` for an entry bundle. */
  readonly level: number | 'entries';
  /** The tile's index within its level. */
  readonly index: number;
  /** The number of hashes (or entries); 256 for a full tile. */
  readonly width: number;
}

/**
 * Writes a tile index as zero-padded 3-digit path elements, all but the last prefixed with `x`
 * (tlog-tiles §"Merkle Tree": 1234067 → `x001/x234/067`).
 */
export function formatTileIndex(index: number): string {
  assertCount(index, 'tile index');
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/**
 * The path of a tile below the log prefix: `tile/<L>/<N>[.p/<W>]`, or `tile/entries/<N>[.p/<W>]` for an
 * entry bundle (tlog-tiles §"Merkle Tree", §"Log entries"). The `.p/<W>` suffix is for partial tiles.
 */
export function tilePath(tile: Tile): string {
  const { level, index, width } = tile;
  if (level !== 'entries' && (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL)) {
    throw new RangeError('a tile level is an integer from 0 to 63');
  }
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH)
    throw new RangeError('a tile width is 1 to 256');
  const partial = width < TILE_WIDTH ? `.p/${width}` : '';
  return `tile/${level}/${formatTileIndex(index)}${partial}`;
}

/**
 * Parses a tile or entry-bundle path (as {@link tilePath} writes it). Refused as `TILE_PATH_MALFORMED`:
 * a level outside 0..63 or with leading zeros, index elements that are not 3 digits or lack the `x`
 * prefix (or carry it on the last), an index with a leading `x000` group (not the one spelling of it),
 * and a partial width outside 1..255 or with leading zeros.
 */
export function parseTilePath(path: string): TlogResult<Tile> {
  const bad = (message: string) => fail('TILE_PATH_MALFORMED' as const, message);
  const m = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(
    path,
  );
  if (m === null) return bad('not tile/<L>/<N>[.p/<W>] with N in x-prefixed 3-digit groups');
  const [, levelText, indexText, widthText] = m as unknown as [string, string, string, string | undefined];
  const level = levelText === 'entries' ? 'entries' : Number(levelText);
  if (level !== 'entries' && level > MAX_TILE_LEVEL) return bad('the level is above 63');
  const groups = indexText.split('/');
  if (groups.length > 1 && groups[0] === 'x000') return bad('the index has a leading zero group');
  const digits = groups.map((g) => g.replace('x', '')).join('');
  const index = parseDecimal(digits.replace(/^0+(?=[0-9])/, ''));
  if (index === undefined) return bad('the index is beyond 2^53 − 1');
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (widthText !== undefined && width >= TILE_WIDTH) return bad('a partial width is 1 to 255');
  return ok({ level, index, width });
}

/** The tiles of one level of a tree: `full` full tiles (indices 0 … full − 1), then a partial one. */
export interface TileLevel {
  /** The level, 0 for leaf hashes. */
  readonly level: number;
  /** How many full (256-wide) tiles the level has. */
  readonly full: number;
  /** The width of the partial tile at index `full`, or 0 when the level has none. */
  readonly partialWidth: number;
}

/**
 * The tiles a tree of `size` leaves has, level by level (tlog-tiles §"Partial Tiles": the partial tile
 * at level L has floor(size / 256^L) mod 256 entries; empty tiles do not exist). Size 70,000 gives
 * 273 full tiles and a 112-wide one at level 0, one full and a 17-wide one at level 1, a 1-wide one at
 * level 2. Counts, not a list: a checkpoint's size is untrusted, and at most 7 levels are returned for
 * any safe size, so the work is bounded. Entry bundles follow level 0 one for one.
 */
export function tileLevels(size: number): TileLevel[] {
  assertCount(size, 'size');
  const levels: TileLevel[] = [];
  let span = size; // floor(size / 256^level)
  for (let level = 0; span > 0; level++) {
    const full = Math.floor(span / TILE_WIDTH);
    levels.push({ level, full, partialWidth: span % TILE_WIDTH });
    span = full;
  }
  return levels;
}

/** Encodes entries as an entry bundle: each a big-endian uint16 length, then its bytes. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH) throw new RangeError('an entry bundle holds at most 256 entries');
  let total = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY_BYTES) throw new RangeError(`an entry is at most ${MAX_ENTRY_BYTES} bytes`);
    total += 2 + e.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    out[at] = e.length >> 8;
    out[at + 1] = e.length & 0xff;
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/**
 * Decodes an entry bundle. `width`, when given, is the number of entries the tile must hold. Refused
 * as `ENTRY_BUNDLE_MALFORMED`: a length running past the end, more than 256 entries, or a count other
 * than `width`.
 */
export function parseEntryBundle(bytes: Uint8Array, width?: number): TlogResult<Uint8Array[]> {
  const entries: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) return fail('ENTRY_BUNDLE_MALFORMED', 'a length prefix is cut off');
    const length = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    if (at + 2 + length > bytes.length) return fail('ENTRY_BUNDLE_MALFORMED', 'an entry runs past the end');
    entries.push(bytes.slice(at + 2, at + 2 + length));
    at += 2 + length;
    if (entries.length > TILE_WIDTH) return fail('ENTRY_BUNDLE_MALFORMED', 'more than 256 entries');
  }
  if (width !== undefined && entries.length !== width) {
    return fail('ENTRY_BUNDLE_MALFORMED', `the bundle holds ${entries.length} entries, not ${width}`);
  }
  return ok(entries);
}
