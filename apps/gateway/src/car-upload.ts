import { blockCid, JSON_CODEC } from '@assent/manifest';
import { CarBufferReader } from '@ipld/car/buffer-reader';
import { GatewayError } from './errors.js';

/** A CAR upload taken apart: the manifest's bytes and the other blocks (its catalog pages), by CID. */
export interface CarUpload {
  readonly root: string;
  readonly manifest: Uint8Array;
  readonly pages: ReadonlyMap<string, Uint8Array>;
}

/**
 * Reads a CARv1 upload whose one root is a manifest. Every block must be a `json`-codec sha2-256 CID
 * whose bytes hash to it (CAR readers do not check this themselves), and appear once. Nothing is
 * stored here: the caller ingests all or nothing.
 */
export function readCarUpload(bytes: Uint8Array): CarUpload {
  let reader: CarBufferReader;
  try {
    reader = CarBufferReader.fromBytes(bytes);
  } catch (cause) {
    throw new GatewayError(
      'CAR_MALFORMED',
      `not a readable CAR: ${String((cause as Error)?.message ?? cause)}`,
    );
  }
  if (reader.version !== 1) throw new GatewayError('CAR_MALFORMED', 'only CARv1 is accepted');
  const roots = reader.getRoots();
  const [rootCid] = roots;
  if (roots.length !== 1 || rootCid === undefined) {
    throw new GatewayError(
      'CAR_MALFORMED',
      `a CAR upload needs exactly one root (the manifest), got ${roots.length}`,
    );
  }
  const root = rootCid.toString();
  const blocks = new Map<string, Uint8Array>();
  for (const block of reader.blocks()) {
    const cid = block.cid;
    if (cid.version !== 1 || cid.code !== JSON_CODEC) {
      throw new GatewayError('CAR_MALFORMED', `block ${cid.toString()} is not a json-codec CIDv1`);
    }
    const text = cid.toString();
    if (blockCid(block.bytes) !== text) {
      throw new GatewayError('CAR_MALFORMED', `block ${text} does not hash to its CID`);
    }
    if (blocks.has(text)) throw new GatewayError('CAR_MALFORMED', `block ${text} appears twice`);
    blocks.set(text, block.bytes);
  }
  const manifest = blocks.get(root);
  if (manifest === undefined)
    throw new GatewayError('CAR_CONTENT_INVALID', `the CAR does not carry its root ${root}`);
  blocks.delete(root);
  return { root, manifest, pages: blocks };
}
