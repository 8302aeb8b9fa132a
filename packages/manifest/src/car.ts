import * as CarBufferWriter from '@ipld/car/buffer-writer';
import { CID } from 'multiformats/cid';
import type { Block } from './manifest.js';

/**
 * A CARv1 whose one root is the manifest, carrying the manifest and its catalog pages: the form
 * `POST /v1/manifests` takes for a manifest with pages (docs/api.md), so the node stores all or
 * nothing. A subpath of its own (`@assent/manifest/car`), so that verifiers do not bundle the writer.
 * @example
 * const signed = await signManifest(draft, { identity });
 * const body = manifestCar(signed, signed.pages); // POST with content-type application/vnd.ipld.car
 */
export function manifestCar(manifest: Block, pages: readonly Block[]): Uint8Array<ArrayBuffer> {
  const blocks = [manifest, ...pages].map((b) => ({ cid: CID.parse(b.cid), bytes: b.bytes }));
  const root = blocks[0]?.cid as CID;
  const size =
    CarBufferWriter.headerLength({ roots: [root] }) +
    blocks.reduce((sum, block) => sum + CarBufferWriter.blockLength(block), 0);
  const writer = CarBufferWriter.createWriter(new ArrayBuffer(size), { roots: [root] });
  for (const block of blocks) writer.write(block);
  return writer.close() as Uint8Array<ArrayBuffer>;
}
