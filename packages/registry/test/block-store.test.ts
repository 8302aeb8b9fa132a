/** The block store on a real file system (a temp dir): atomic writes, with and without fsync. */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockCid } from '@assent/manifest';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockStore } from '../src/block-store.js';

const root = mkdtempSync(join(tmpdir(), 'assent-block-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const block = (text: string) => new TextEncoder().encode(JSON.stringify({ text }));
const files = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);

describe('BlockStore', () => {
  for (const fsync of [false, true]) {
    it(`writes blocks whole under their CID and leaves no temporary file (fsync: ${fsync})`, async () => {
      const store = new BlockStore(join(root, `sync-${fsync}`), { fsync });
      await store.open();
      const blocks = [block('a'), block('b'), block('x'.repeat(300_000)), new Uint8Array(0)];
      await Promise.all(blocks.map((bytes) => store.put(blockCid(bytes), bytes)));
      for (const bytes of blocks) expect(await store.get(blockCid(bytes))).toEqual(bytes);
      expect(files(store.path).every((name) => name.endsWith('.data'))).toBe(true);
      expect(files(store.path)).toHaveLength(blocks.length);
    });
  }

  it('rejects a write it cannot finish and stores nothing under the CID', async () => {
    const bytes = block('blocked');
    const cid = blockCid(bytes);
    // Where this layout puts the block: write it once in a scratch store and read the path back.
    const scratch = new BlockStore(join(root, 'scratch'), { fsync: false });
    await scratch.open();
    await scratch.put(cid, bytes);
    const [shard] = readdirSync(scratch.path);
    const [name] = readdirSync(join(scratch.path, shard as string));
    const store = new BlockStore(join(root, 'failing'), { fsync: false });
    await store.open();
    // A non-empty directory where the block's file goes: the final rename fails, as a real fault
    // would after the bytes were written.
    mkdirSync(join(store.path, shard as string, name as string, 'occupied'), { recursive: true });
    await expect(store.put(cid, bytes)).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    const left = files(store.path);
    expect(left.filter((n) => n.endsWith('.data'))).toEqual([]);
    // The temporary file stays for `entries()` to clear on the next reindex, as after a crash.
    expect(left.filter((n) => n.endsWith('.tmp'))).toHaveLength(1);
  });
});
