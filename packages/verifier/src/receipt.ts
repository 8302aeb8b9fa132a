import { createMerkleTree, decodeBase64, encodeBase64, hashLeaf } from '@assent/tlog';

/**
 * The check receipt a node signs (docs/spec/receipt.md): a W3C VC 2.0 `ConsentCheckReceipt`, signed
 * with eddsa-jcs-2022 by the node's DID, over the Merkle root of the answer's results. The results
 * are cut into chunks of {@link RECEIPT_CHUNK_SIZE}; a chunk's leaf is the UTF-8 of its results as a
 * JSON array exactly as the answer serialized them, so a node hashes the bytes it sends (one hash per
 * hundred results, not one per result: the receipt's cost stays within a tenth of the check's) and
 * anyone holding the answer rebuilds the same leaves.
 */

/** Results per leaf of a receipt's results tree. */
export const RECEIPT_CHUNK_SIZE = 100;

/** A manifest a receipt's results rest on, with its leaf in the node's log. */
export interface ReceiptManifest {
  readonly cid: string;
  /** The creator's inception DID (the issuer, until key rotation exists). */
  readonly creator: string;
  readonly issuer: string;
  readonly version: number;
  /** The index of its leaf in the node's log. */
  readonly logIndex: number;
}

/** The inclusion of one manifest's leaf in the node's log, as a C2SP tlog-proof text. */
export interface ReceiptLogInclusion {
  readonly type: 'AssentLogInclusion';
  readonly cid: string;
  /** `c2sp.org/tlog-proof@v1`: `extra` is the leaf record, then the audit path and the checkpoint. */
  readonly tlogProof: string;
}

/** What a receipt states (its `credentialSubject`). */
export interface ReceiptSubject {
  /** The check asked: the use, the organisation (when given) and the time of use decided for. */
  readonly query: { readonly use: string; readonly org?: string; readonly at: string };
  /** When the node's index was last known to hold what its peers held (the answer's `asOf`). */
  readonly asOf: string;
  /** The results, as the Merkle root (base64) over chunks of `chunkSize` results. */
  readonly results: { readonly count: number; readonly chunkSize: number; readonly root: string };
  /** Every manifest named in the results' evidence, with its log index. */
  readonly decidedBy: readonly ReceiptManifest[];
  /**
   * The node's log as it stood: its origin and key, and the signed checkpoint (with cosignatures)
   * that every manifest above is proven under. The node's claim: at this tree size, these were the
   * heads it held.
   */
  readonly log: {
    readonly origin: string;
    readonly vkey: string;
    readonly treeSize: number;
    readonly checkpoint: string;
  };
}

/** A signed check receipt (VC 2.0, eddsa-jcs-2022 by the node DID). */
export interface ConsentCheckReceipt {
  readonly '@context': readonly ['https://www.w3.org/ns/credentials/v2'];
  readonly type: readonly ['VerifiableCredential', 'ConsentCheckReceipt'];
  /** The node's DID. */
  readonly issuer: string;
  /** When the node signed it (its own clock). */
  readonly validFrom: string;
  readonly credentialSubject: ReceiptSubject;
  readonly evidence: readonly ReceiptLogInclusion[];
  readonly proof: Readonly<Record<string, unknown>>;
}

/** One result shown alone: its chunk of the answer, where it sits, and the chunk's audit path. */
export interface ReceiptItem {
  /** The result's position in the answer. */
  readonly index: number;
  /** The results of its chunk, as the answer gave them (the result is `chunk[index % chunkSize]`). */
  readonly chunk: readonly unknown[];
  /** The chunk's audit path to the receipt's root, base64, sibling first. */
  readonly path: readonly string[];
}

/** The leaf bytes of one chunk: its results as a JSON array, as serialized by `JSON.stringify`. */
export function receiptChunkBytes(results: readonly unknown[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(results));
}

/** The leaf hashes of an answer's results, a chunk each. */
export function receiptLeafHashes(results: readonly unknown[], chunkSize = RECEIPT_CHUNK_SIZE): Uint8Array[] {
  const leaves: Uint8Array[] = [];
  for (let start = 0; start < results.length; start += chunkSize)
    leaves.push(hashLeaf(receiptChunkBytes(results.slice(start, start + chunkSize))));
  return leaves;
}

/** The base64 Merkle root over an answer's results (what a receipt's `results.root` must be). */
export function receiptResultsRoot(results: readonly unknown[], chunkSize = RECEIPT_CHUNK_SIZE): string {
  return encodeBase64(createMerkleTree(receiptLeafHashes(results, chunkSize)).root());
}

/**
 * Result `index` of a receipted answer, shown alone: its chunk and the chunk's audit path. Keep it
 * with the receipt as the evidence for that one work.
 * @example
 * const { results, receipt } = await (await fetch(`${node}/v1/check?receipt=1`, init)).json();
 * const item = receiptItem(results, 42, receipt);
 * await verifyReceipt(receipt, { item });
 */
export function receiptItem(
  results: readonly unknown[],
  index: number,
  receipt?: Pick<ConsentCheckReceipt, 'credentialSubject'>,
): ReceiptItem {
  const chunkSize = receipt?.credentialSubject.results.chunkSize ?? RECEIPT_CHUNK_SIZE;
  if (!Number.isInteger(index) || index < 0 || index >= results.length)
    throw new RangeError(`no result ${index} among ${results.length}`);
  const chunk = Math.floor(index / chunkSize);
  const tree = createMerkleTree(receiptLeafHashes(results, chunkSize));
  return {
    index,
    chunk: results.slice(chunk * chunkSize, chunk * chunkSize + chunkSize),
    path: tree.inclusionProof(chunk).map(encodeBase64),
  };
}

/** Decodes a base64 hash list, or undefined when one is not a 32-byte hash. */
export function decodeHashes(list: readonly unknown[]): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  for (const item of list) {
    const bytes = typeof item === 'string' ? decodeBase64(item) : undefined;
    if (bytes?.length !== 32) return undefined;
    out.push(bytes);
  }
  return out;
}
