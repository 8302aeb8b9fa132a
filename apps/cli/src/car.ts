import * as CarBufferWriter from '@ipld/car/buffer-writer';
import { CID } from 'multiformats/cid';

/** A block: canonical bytes under their CID. */
export interface CarBlock {
  readonly cid: string;
  readonly bytes: Uint8Array;
}

/**
 * A CARv1 whose one root is the manifest, carrying the manifest and its catalog pages: the form
 * `POST /v1/manifests` takes when a manifest has pages (DESIGN §4), so the node stores all or nothing.
 */
export function manifestCar(manifest: CarBlock, pages: readonly CarBlock[]): Uint8Array {
  const blocks = [manifest, ...pages].map((b) => ({ cid: CID.parse(b.cid), bytes: b.bytes }));
  const root = blocks[0]?.cid as CID;
  const size =
    CarBufferWriter.headerLength({ roots: [root] }) +
    blocks.reduce((sum, block) => sum + CarBufferWriter.blockLength(block), 0);
  const writer = CarBufferWriter.createWriter(new ArrayBuffer(size), { roots: [root] });
  for (const block of blocks) writer.write(block);
  return writer.close();
}
