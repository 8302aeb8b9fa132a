import { createHash } from 'node:crypto';
import type { JsonObject } from '@assent/manifest';
import { createProof } from '@assent/manifest/data-integrity';
import { createMerkleTree, encodeBase64, formatTlogProof } from '@assent/tlog';
import type { CheckResult } from '@assent/verifier';
import { type ConsentCheckReceipt, RECEIPT_CHUNK_SIZE, type ReceiptManifest } from '@assent/verifier/receipt';
import { GatewayError } from './errors.js';
import type { RouteContext } from './route-context.js';

/**
 * Check receipts (docs/spec/receipt.md): the node signs, once per answer, the Merkle root of the
 * answer's results in chunks of {@link RECEIPT_CHUNK_SIZE}, each chunk's leaf being the exact bytes the
 * answer sends (`JSON.stringify` of the chunk). Chunks are hashed with Node's SHA-256 as they are
 * serialized; per-result leaves cost about a quarter of a 10,000-work check (measured), chunks a few
 * percent.
 */

/** `receipt=1` asks for a receipt; absent, none; anything else is a `400`. */
export function wantsReceipt(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === '1') return true;
  throw new GatewayError('BAD_REQUEST', 'receipt takes 1 (or leave it out)');
}

/** RFC 6962 leaf hash of a chunk's bytes, with Node's SHA-256 (the bytes are already at hand). */
export function chunkLeafHash(chunk: Uint8Array): Uint8Array {
  return createHash('sha256')
    .update(new Uint8Array([0]))
    .update(chunk)
    .digest();
}

/** The query a receipt states. */
export interface ReceiptQuery {
  readonly use: string;
  readonly org?: string;
  readonly at: string;
}

/**
 * Signs the receipt of an answer: its results' chunk leaf hashes (in order), the manifests their
 * evidence names with their leaves and inclusion proofs under one checkpoint of the node's log.
 */
export async function signReceipt(
  ctx: RouteContext,
  query: ReceiptQuery,
  results: readonly CheckResult[],
  leafHashes: readonly Uint8Array[],
): Promise<ConsentCheckReceipt> {
  const { registry } = ctx;
  const log = registry.log;
  const decidedBy: ReceiptManifest[] = [];
  const leaves = new Map<string, Uint8Array>();
  let needed = 0;
  for (const result of results)
    for (const evidence of result.evidence) {
      if (leaves.has(evidence.cid)) continue;
      const logIndex = log.indexOf(evidence.cid);
      const leaf = logIndex === undefined ? undefined : log.leaf(logIndex);
      // Every manifest a node decides from is in its log (ingest appends the leaf in its transaction).
      if (logIndex === undefined || leaf === undefined)
        throw new Error(`the manifest ${evidence.cid} has no leaf in this node's log`);
      const record = JSON.parse(new TextDecoder().decode(leaf)) as { creator: string };
      leaves.set(evidence.cid, leaf);
      decidedBy.push({
        cid: evidence.cid,
        creator: record.creator,
        issuer: evidence.issuer,
        version: evidence.version,
        logIndex,
      });
      needed = Math.max(needed, logIndex + 1);
    }
  const checkpoint = await log.checkpointCovering(needed);
  const evidence = decidedBy.map((m) => ({
    type: 'AssentLogInclusion' as const,
    cid: m.cid,
    tlogProof: formatTlogProof({
      extra: leaves.get(m.cid) as Uint8Array,
      index: m.logIndex,
      proof: log.inclusionProof(m.logIndex, checkpoint.size),
      checkpoint: checkpoint.note,
    }),
  }));
  const created = `${ctx.now().toISOString().slice(0, 19)}Z`;
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential', 'ConsentCheckReceipt'],
    issuer: registry.identity.did,
    validFrom: created,
    credentialSubject: {
      query: { use: query.use, ...(query.org === undefined ? {} : { org: query.org }), at: query.at },
      asOf: ctx.asOfText(),
      results: {
        count: results.length,
        chunkSize: RECEIPT_CHUNK_SIZE,
        root: encodeBase64(createMerkleTree(leafHashes).root()),
      },
      decidedBy,
      log: {
        origin: log.origin,
        vkey: log.vkey,
        treeSize: checkpoint.size,
        checkpoint: checkpoint.note,
      },
    },
    evidence,
  };
  const { secretKey, verificationMethod } = registry.identity;
  return (await createProof(credential as unknown as JsonObject, {
    secretKey,
    verificationMethod,
    created,
  })) as unknown as ConsentCheckReceipt;
}
