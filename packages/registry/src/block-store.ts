import { createHash } from 'node:crypto';
import { close, fsync, open as openFd, rename as renameFd, write } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { JSON_CODEC, MAX_BLOCK_BYTES, parseCidString } from '@assent/manifest';
import { FsBlockstore } from 'blockstore-fs';
import { NextToLast } from 'blockstore-fs/sharding';
import type { InputPair } from 'interface-blockstore';
import { CID } from 'multiformats/cid';

/**
 * Writes `bytes` to a new file `tmp` (flushed with `sync`), closes it and renames it to `file`. With
 * node:fs callbacks rather than fs/promises: a FileHandle's open, write, close and rename cost the
 * main thread about three times as much per block (event-loop time, 64 blocks in flight), and block
 * writes were a tenth of the main thread's time under ingest (CPU profile, POST /v1/manifests).
 */
function writeFileThenRename(tmp: string, file: string, bytes: Uint8Array, sync: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    openFd(tmp, 'w', (openError, fd) => {
      if (openError !== null) {
        reject(openError);
        return;
      }
      const closeThenRename = (failure: Error | null) =>
        close(fd, (closeError) => {
          const error = failure ?? closeError;
          if (error !== null) reject(error);
          else renameFd(tmp, file, (renameError) => (renameError === null ? resolve() : reject(renameError)));
        });
      const writeFrom = (offset: number) =>
        write(fd, bytes, offset, bytes.length - offset, offset, (writeError, written) => {
          if (writeError !== null) closeThenRename(writeError);
          else if (offset + written < bytes.length) writeFrom(offset + written);
          else if (sync) fsync(fd, closeThenRename);
          else closeThenRename(null);
        });
      writeFrom(0);
    });
  });
}

/** Flushes a directory's entries (new files, renames) to disk. */
async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The node's blocks on disk, in blockstore-fs's layout (`blocks/<last 2 chars>/<BASE32 multihash>.data`)
 * so that Helia's bitswap serves them. This node writes a block only after it verified it and its chain
 * (spec §1.2–§1.3, §5): blocks fetched from peers pass through memory and are never stored unverified.
 */
export class BlockStore {
  readonly path: string;
  readonly #sharding = new NextToLast();
  readonly #fsync: boolean;
  readonly #dirs = new Set<string>();
  #tmp = 0;

  constructor(path: string, options: { fsync: boolean }) {
    this.path = path;
    this.#fsync = options.fsync;
  }

  async open(): Promise<void> {
    await mkdir(this.path, { recursive: true });
  }

  #location(cid: string): { dir: string; file: string } {
    const { dir, file } = this.#sharding.encode(CID.parse(cid));
    return { dir: join(this.path, dir), file: join(this.path, dir, file) };
  }

  /**
   * The block's bytes, or undefined when this node does not hold it or its file does not hash to the
   * CID (a torn or damaged file is never served: it is reported to `onCorrupt` and treated as absent,
   * so a peer or a restore can bring it back). Re-hashing costs SHA-256 of the bytes read (node:crypto,
   * about 1.5 GB/s here, so 1–2 µs for a typical manifest); reads from disk happen only when the
   * node's byte cache misses. Checked on read rather than by a scrub at start, which would read every
   * block before the node serves anything.
   */
  async get(cid: string): Promise<Uint8Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#location(cid).file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const expected = CID.parse(cid).multihash.digest;
    const actual = createHash('sha256').update(bytes).digest();
    if (!actual.equals(expected)) {
      this.onCorrupt?.(cid);
      return undefined;
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Told of a block file whose bytes do not hash to its CID. */
  onCorrupt: ((cid: string) => void) | undefined;

  /** True when a file for the block exists (its bytes are checked by {@link get}). */
  async has(cid: string): Promise<boolean> {
    try {
      await access(this.#location(cid).file);
      return true;
    } catch {
      return false;
    }
  }

  /** Removes a block's file, if any. */
  async delete(cid: string): Promise<void> {
    try {
      await rm(this.#location(cid).file, { force: true });
    } catch (error) {
      // No directory where the file would be: there is no file either.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    }
  }

  /**
   * Writes a block atomically (temporary file, then rename), so a crash never leaves a partial block
   * under a CID. With `fsync`, the file and its directory are flushed before this resolves.
   */
  async put(cid: string, bytes: Uint8Array): Promise<void> {
    const { dir, file } = this.#location(cid);
    if (!this.#dirs.has(dir)) {
      const created = await mkdir(dir, { recursive: true });
      // A new shard directory is an entry of blocks/: without flushing that, power loss can lose the
      // directory and every block renamed into it.
      if (created !== undefined && this.#fsync) await syncDir(this.path);
      this.#dirs.add(dir);
    }
    const tmp = `${file}.${process.pid}.${this.#tmp++}.tmp`;
    await writeFileThenRename(tmp, file, bytes, this.#fsync);
    if (this.#fsync) await syncDir(dir);
  }

  /**
   * Every block file on disk with its bytes, for `reindex`. Leftover temporary files of a crashed write
   * are removed; files over the block limit are skipped.
   */
  async *entries(): AsyncGenerator<Uint8Array> {
    let dirs: string[];
    try {
      dirs = await readdir(this.path);
    } catch {
      return;
    }
    for (const dir of dirs.sort()) {
      let files: string[];
      try {
        files = await readdir(join(this.path, dir));
      } catch {
        continue;
      }
      for (const name of files.sort()) {
        const file = join(this.path, dir, name);
        if (name.endsWith('.tmp')) {
          await rm(file, { force: true });
          continue;
        }
        if (!name.endsWith('.data')) continue;
        const bytes = await readFile(file);
        if (bytes.byteLength > MAX_BLOCK_BYTES) continue;
        yield new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      }
    }
  }

  /**
   * The blockstore handed to Helia: it reads this node's blocks (so bitswap serves them), and its
   * writes are dropped, because Helia would otherwise store every block it fetched from a peer before
   * this node verified it.
   */
  forNetwork(): FsBlockstore {
    return new NetworkFacingBlockstore(this.path, { shardingStrategy: this.#sharding });
  }
}

/** True when `cid` is a block CID this node accepts: CIDv1, json codec, sha2-256 (spec §1.3). */
export function isBlockCid(cid: string): boolean {
  return parseCidString(cid, { codec: JSON_CODEC }).ok;
}

class NetworkFacingBlockstore extends FsBlockstore {
  override async put(key: CID): Promise<CID> {
    return key;
  }

  override async *putMany(source: Iterable<InputPair> | AsyncIterable<InputPair>): AsyncGenerator<CID> {
    for await (const { cid } of source) yield cid;
  }

  override async delete(): Promise<void> {}

  override async *deleteMany(source: Iterable<CID> | AsyncIterable<CID>): AsyncGenerator<CID> {
    for await (const cid of source) yield cid;
  }
}
