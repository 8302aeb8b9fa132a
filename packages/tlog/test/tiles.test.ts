import { describe, expect, it } from 'vitest';
import {
  encodeEntryBundle,
  formatTileIndex,
  MAX_ENTRY_BYTES,
  parseEntryBundle,
  parseTilePath,
  tileLevels,
  tilePath,
} from '../src/index.js';

describe('tlog-tiles paths', () => {
  it('writes indices in x-prefixed 3-digit groups', () => {
    expect(formatTileIndex(0)).toBe('000');
    expect(formatTileIndex(999)).toBe('999');
    expect(formatTileIndex(1000)).toBe('x001/000');
    expect(formatTileIndex(1_000_000)).toBe('x001/x000/000');
  });

  it('writes and reads full, partial and entry-bundle paths', () => {
    for (const tile of [
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 1234067, width: 17 },
      { level: 63, index: 5, width: 1 },
      { level: 'entries' as const, index: 273, width: 112 },
    ]) {
      const path = tilePath(tile);
      expect(parseTilePath(path)).toEqual({ ok: true, value: tile });
    }
    expect(tilePath({ level: 1, index: 1234067, width: 17 })).toBe('tile/1/x001/x234/067.p/17');
    expect(tilePath({ level: 'entries', index: 3, width: 256 })).toBe('tile/entries/003');
  });

  for (const bad of [
    'tile/0/1',
    'tile/0/0001',
    'tile/00/001',
    'tile/64/001',
    'tile/0/001/234',
    'tile/0/x001/x234',
    'tile/0/x000/001',
    'tile/0/001.p/0',
    'tile/0/001.p/256',
    'tile/0/001.p/017',
    'tile/0/001.p/',
    'tile/-1/001',
    'tile/0/x1/001',
    '/tile/0/001',
    'tile/0/001/',
    'tile/data/001',
  ]) {
    it(`refuses ${bad}`, () =>
      expect(parseTilePath(bad)).toMatchObject({ ok: false, code: 'TILE_PATH_MALFORMED' }));
  }

  it('misuse throws', () => {
    expect(() => tilePath({ level: 64, index: 0, width: 256 })).toThrow(RangeError);
    expect(() => tilePath({ level: 0, index: 0, width: 0 })).toThrow(RangeError);
    expect(() => formatTileIndex(-1)).toThrow(RangeError);
  });

  it('has no tiles for the empty tree, one partial tile for one leaf, and bounded levels for any size', () => {
    expect(tileLevels(0)).toEqual([]);
    expect(tileLevels(1)).toEqual([{ level: 0, full: 0, partialWidth: 1 }]);
    expect(tileLevels(65_536)).toEqual([
      { level: 0, full: 256, partialWidth: 0 },
      { level: 1, full: 1, partialWidth: 0 },
      { level: 2, full: 0, partialWidth: 1 },
    ]);
    expect(tileLevels(Number.MAX_SAFE_INTEGER)).toHaveLength(7);
    expect(() => tileLevels(-1)).toThrow(RangeError);
  });
});

describe('entry bundles (uint16 big-endian length-prefixed)', () => {
  it('round-trips entries, including empty and maximal ones', () => {
    const entries = [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(MAX_ENTRY_BYTES).fill(7)];
    const bundle = encodeEntryBundle(entries);
    expect(bundle.subarray(0, 2)).toEqual(new Uint8Array([0, 0]));
    expect(bundle.subarray(2, 4)).toEqual(new Uint8Array([0, 3]));
    expect(parseEntryBundle(bundle, 3)).toEqual({ ok: true, value: entries });
  });

  it('refuses a truncated bundle, a cut length prefix and a wrong count', () => {
    const bundle = encodeEntryBundle([new Uint8Array([1, 2, 3]), new Uint8Array([4])]);
    expect(parseEntryBundle(bundle.subarray(0, bundle.length - 1))).toMatchObject({
      code: 'ENTRY_BUNDLE_MALFORMED',
    });
    expect(parseEntryBundle(new Uint8Array([0]))).toMatchObject({ code: 'ENTRY_BUNDLE_MALFORMED' });
    expect(parseEntryBundle(bundle, 3)).toMatchObject({ code: 'ENTRY_BUNDLE_MALFORMED' });
    const tooMany = encodeEntryBundle(Array.from({ length: 256 }, () => new Uint8Array(0)));
    expect(parseEntryBundle(new Uint8Array([...tooMany, 0, 0]))).toMatchObject({
      code: 'ENTRY_BUNDLE_MALFORMED',
    });
  });

  it('refuses to write an entry longer than 65,535 bytes (misuse)', () => {
    expect(() => encodeEntryBundle([new Uint8Array(MAX_ENTRY_BYTES + 1)])).toThrow(RangeError);
  });
});
