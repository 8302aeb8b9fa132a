import { blockCid, canonicalize, type JsonObject, type JsonValue, parseDidKey } from '@assent/manifest';
import { verifyProof } from '@assent/manifest/data-integrity';
import {
  createNoteVerifier,
  decodeBase64,
  encodeBase64,
  hashLeaf,
  parseTlogPolicy,
  parseTlogProof,
  parseVkey,
  type VerifiedCheckpoint,
  verifyCheckpoint,
  verifyCheckpointWithPolicy,
  verifyInclusion,
} from '@assent/tlog';
import { type CheckpointMemory, type Equivocation, observeCheckpoint } from './checkpoint-memory.js';
import { memorySource } from './memory-source.js';
import {
  type ConsentCheckReceipt,
  decodeHashes,
  type ReceiptItem,
  type ReceiptManifest,
  receiptChunkBytes,
  receiptResultsRoot,
} from './receipt.js';
import type { ManifestCandidate } from './source.js';
import { createVerifier } from './verifier.js';

/**
 * Offline verification of a node's check receipt (docs/spec/receipt.md §4). Nothing is fetched: the
 * node DID (a did:key) checks the signature, the receipt's checkpoint and tlog-proofs check that every
 * manifest it rests on is in the node's log, and the answer's results (or one of them, shown alone)
 * are checked against the signed root. Given the manifests' blocks, each decision is derived again.
 * The parts are checked before the signature over them, so each altered part fails with its own code.
 */

/** The stable codes of {@link verifyReceipt} (docs/errors.md, "Receipts"). */
export const RECEIPT_ERROR_CODES = [
  'RECEIPT_MALFORMED',
  'RECEIPT_NODE_UNTRUSTED',
  'RECEIPT_CHECKPOINT_INVALID',
  'RECEIPT_INCLUSION_INVALID',
  'RECEIPT_RESULTS_INVALID',
  'RECEIPT_SIGNATURE_INVALID',
  'RECEIPT_DECISION_MISMATCH',
  'RECEIPT_STALE',
  'EQUIVOCATION',
] as const;

/** Why a receipt did not verify. */
export type ReceiptErrorCode = (typeof RECEIPT_ERROR_CODES)[number];

/** Options of {@link verifyReceipt}. */
export interface VerifyReceiptOptions {
  /** Node DIDs to accept receipts from; when given, any other issuer is `RECEIPT_NODE_UNTRUSTED`. */
  readonly trustedNodes?: readonly string[];
  /**
   * A C2SP tlog-policy: the checkpoint must be signed by a log it lists (or by the receipt's log key
   * when it lists none) and cosigned by its quorum of witnesses. Without one, the log key the node
   * states in the signed receipt is used, and cosignatures are not required.
   */
  readonly policy?: string;
  /** Every result of the receipted answer, in order: all are checked against the root. */
  readonly results?: readonly unknown[];
  /** Or one result shown alone (`receiptItem`). */
  readonly item?: ReceiptItem;
  /**
   * The blocks the decisions rest on (manifests and catalog pages, exact bytes, e.g. from
   * `GET /v1/manifests/{cid}` and `GET /ipfs/{cid}`): each result whose manifests are all given is
   * decided again and must agree.
   */
  readonly manifests?: Iterable<Uint8Array>;
  /** The largest checkpoint seen per log; a same-size checkpoint with another root is `EQUIVOCATION`. */
  readonly seen?: CheckpointMemory;
  /**
   * Milliseconds: a receipt whose checkpoint is older than this before `now` is `RECEIPT_STALE`. The
   * checkpoint's time is its newest verified witness cosignature, else the node's own `validFrom`.
   */
  readonly maxAge?: number;
  /** The time `maxAge` counts back from (default: now). */
  readonly now?: Date;
}

/** What a receipt that verified proves. */
export interface VerifiedReceipt {
  /** The node DID that signed it. */
  readonly node: string;
  readonly validFrom: string;
  readonly query: ConsentCheckReceipt['credentialSubject']['query'];
  readonly asOf: string;
  /** The log and checkpoint the manifests are proven under. */
  readonly log: { readonly origin: string; readonly treeSize: number; readonly root: string };
  /** Witness cosignatures that verified (with a policy: those of its witnesses), with their times. */
  readonly cosignatures: VerifiedCheckpoint['cosignatures'];
  readonly decidedBy: readonly ReceiptManifest[];
  /** How many results were checked against the root (0 when neither `results` nor `item` was given). */
  readonly results: number;
  /** How many of them were decided again from the given manifests, with the same verdict. */
  readonly rederived: number;
}

/** The verdict of {@link verifyReceipt}. */
export type ReceiptVerdict =
  | { readonly ok: true; readonly value: VerifiedReceipt }
  | {
      readonly ok: false;
      readonly code: ReceiptErrorCode;
      readonly message: string;
      /** With `EQUIVOCATION`: the two signed checkpoints of one log that cannot both be true. */
      readonly equivocation?: Equivocation;
    };

class ReceiptFailure extends Error {
  constructor(
    readonly code: ReceiptErrorCode,
    message: string,
    readonly equivocation?: Equivocation,
  ) {
    super(message);
  }
}

function fail(code: ReceiptErrorCode, message: string): never {
  throw new ReceiptFailure(code, message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isText = (s: unknown): s is string => typeof s === 'string' && s.length > 0;

/** The receipt's shape (RECEIPT_MALFORMED otherwise). */
function shapeOf(input: unknown): ConsentCheckReceipt {
  const bad = (what: string) => fail('RECEIPT_MALFORMED', `not a ConsentCheckReceipt: ${what}`);
  if (!isObject(input)) bad('not an object');
  const r = input as Record<string, unknown>;
  const context = r['@context'];
  if (!Array.isArray(context) || context[0] !== 'https://www.w3.org/ns/credentials/v2') bad('@context');
  const type = r.type;
  if (!Array.isArray(type) || !type.includes('VerifiableCredential') || !type.includes('ConsentCheckReceipt'))
    bad('type');
  if (!isText(r.issuer) || !parseDidKey(r.issuer).ok) bad('issuer is not a did:key');
  if (!isText(r.validFrom)) bad('validFrom');
  const s = r.credentialSubject;
  if (!isObject(s)) bad('credentialSubject');
  const subject = s as Record<string, unknown>;
  const query = subject.query;
  if (!isObject(query) || !isText(query.use) || !isText(query.at)) bad('credentialSubject.query');
  if ((query as Record<string, unknown>).org !== undefined && !isText((query as Record<string, unknown>).org))
    bad('credentialSubject.query.org');
  if (!isText(subject.asOf)) bad('credentialSubject.asOf');
  const results = subject.results;
  if (
    !isObject(results) ||
    !isCount(results.count) ||
    !Number.isSafeInteger(results.chunkSize) ||
    (results.chunkSize as number) < 1 ||
    typeof results.root !== 'string' ||
    decodeBase64(results.root)?.length !== 32
  )
    bad('credentialSubject.results');
  if (!Array.isArray(subject.decidedBy)) bad('credentialSubject.decidedBy');
  for (const m of subject.decidedBy as unknown[])
    if (
      !isObject(m) ||
      !isText(m.cid) ||
      !isText(m.creator) ||
      !isText(m.issuer) ||
      !isCount(m.version) ||
      !isCount(m.logIndex)
    )
      bad('credentialSubject.decidedBy entry');
  const log = subject.log;
  if (
    !isObject(log) ||
    !isText(log.origin) ||
    !isText(log.vkey) ||
    !isCount(log.treeSize) ||
    !isText(log.checkpoint)
  )
    bad('credentialSubject.log');
  if (!Array.isArray(r.evidence)) bad('evidence');
  for (const e of r.evidence as unknown[])
    if (!isObject(e) || e.type !== 'AssentLogInclusion' || !isText(e.cid) || !isText(e.tlogProof))
      bad('evidence entry');
  if (!isObject(r.proof)) bad('proof');
  return input as unknown as ConsentCheckReceipt;
}

/** The checkpoint under the node's stated log key, or under the policy (RECEIPT_CHECKPOINT_INVALID). */
async function checkpointOf(receipt: ConsentCheckReceipt, policyText: string | undefined) {
  const { log } = receipt.credentialSubject;
  const vkey = parseVkey(log.vkey);
  if (!vkey.ok) fail('RECEIPT_CHECKPOINT_INVALID', `the log key: ${vkey.code}: ${vkey.message}`);
  if (vkey.value.name !== log.origin)
    fail('RECEIPT_CHECKPOINT_INVALID', 'the log key is not named after the log origin');
  const stated = createNoteVerifier(vkey.value);
  let checked: Awaited<ReturnType<typeof verifyCheckpoint>>;
  if (policyText === undefined) checked = await verifyCheckpoint(log.checkpoint, { log: [stated] });
  else {
    const policy = parseTlogPolicy(policyText);
    if (!policy.ok) throw new TypeError(`verifyReceipt: the policy: ${policy.code}: ${policy.message}`);
    checked = await verifyCheckpointWithPolicy(
      log.checkpoint,
      policy.value,
      policy.value.logs.length === 0 ? [stated] : [],
    );
  }
  if (!checked.ok) fail('RECEIPT_CHECKPOINT_INVALID', `the checkpoint: ${checked.code}: ${checked.message}`);
  if (checked.value.origin !== log.origin || checked.value.size !== log.treeSize)
    fail('RECEIPT_CHECKPOINT_INVALID', 'the checkpoint is not of the stated origin and tree size');
  return checked.value;
}

/** Every manifest the receipt rests on is a leaf under its checkpoint (RECEIPT_INCLUSION_INVALID). */
function checkInclusions(receipt: ConsentCheckReceipt, root: Uint8Array): void {
  const { decidedBy, log } = receipt.credentialSubject;
  const proofs = new Map<string, string>();
  for (const e of receipt.evidence) {
    if (proofs.has(e.cid)) fail('RECEIPT_INCLUSION_INVALID', `two inclusion proofs for ${e.cid}`);
    proofs.set(e.cid, e.tlogProof);
  }
  if (proofs.size !== decidedBy.length)
    fail('RECEIPT_INCLUSION_INVALID', 'not exactly one inclusion proof per manifest');
  for (const m of decidedBy) {
    const text = proofs.get(m.cid);
    if (text === undefined) fail('RECEIPT_INCLUSION_INVALID', `no inclusion proof for ${m.cid}`);
    const parsed = parseTlogProof(text);
    if (!parsed.ok) fail('RECEIPT_INCLUSION_INVALID', `${m.cid}: ${parsed.code}: ${parsed.message}`);
    const { index, proof, checkpoint, extra } = parsed.value;
    if (checkpoint !== log.checkpoint)
      fail('RECEIPT_INCLUSION_INVALID', `${m.cid}: proven under another checkpoint than the receipt's`);
    if (index !== m.logIndex) fail('RECEIPT_INCLUSION_INVALID', `${m.cid}: the proof is of another index`);
    if (extra === undefined) fail('RECEIPT_INCLUSION_INVALID', `${m.cid}: the proof carries no leaf`);
    let leaf: unknown;
    try {
      leaf = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(extra));
    } catch {
      fail('RECEIPT_INCLUSION_INVALID', `${m.cid}: the leaf is not JSON`);
    }
    const l = leaf as Record<string, unknown>;
    if (
      !isObject(leaf) ||
      l.t !== 'manifest' ||
      l.cid !== m.cid ||
      l.creator !== m.creator ||
      l.issuer !== m.issuer ||
      l.version !== m.version
    )
      fail('RECEIPT_INCLUSION_INVALID', `${m.cid}: the leaf does not describe this manifest`);
    const included = verifyInclusion({ index, size: log.treeSize, leafHash: hashLeaf(extra), proof, root });
    if (!included.ok) fail('RECEIPT_INCLUSION_INVALID', `${m.cid}: ${included.message}`);
  }
}

interface ResultShape {
  readonly work: string;
  readonly at: string;
  readonly decision: string;
  readonly term: unknown;
  readonly disputed: unknown;
  readonly conditions?: unknown;
  readonly rule?: unknown;
  readonly evidence: readonly {
    readonly cid: string;
    readonly version: number;
    readonly issuer?: unknown;
    /** The creator a rotated key's manifest speaks for (spec §5.5). */
    readonly creator?: unknown;
    readonly decision?: unknown;
    readonly claims?: unknown;
    /** Set on a head whose loosening waited for its 72-hour window (decisions §2.3). */
    readonly pendingUntil?: unknown;
  }[];
  /** What the node says of each claimant's identity binding (results before identity links have none). */
  readonly claimants?: unknown;
}

/**
 * Whether identity evidence may have changed the decision (docs/decisions.md §7): a grant without a
 * binding decided `unknown`, a claimant was outranked, or an unbound claimant's grant was set aside. A
 * receipt names the manifests it decided from, not the observations and attestations the node weighed,
 * so such a decision cannot be derived again from the manifests alone. Every other decision is the same
 * with or without bindings.
 */
function identityWeighed(result: ResultShape): boolean {
  if (result.rule === 'insufficient-binding') return true;
  if (!Array.isArray(result.claimants)) return false;
  for (const c of result.claimants as unknown[]) {
    if (!isObject(c)) return true;
    if (c.outranked === true) return true;
    const grants = result.evidence.some(
      (e) =>
        e.claims !== false &&
        (e.creator ?? e.issuer) === c.issuer &&
        (e.decision === 'allow' || e.decision === 'conditional'),
    );
    if (c.level === 0 && grants) return true;
  }
  return false;
}

/**
 * Whether the waiting window decided (docs/decisions.md §2.3): a head held back until `pendingUntil`.
 * That rests on when the node logged each version, which a receipt does not commit to, so such a
 * decision cannot be derived again from the manifests alone.
 */
function windowWeighed(result: ResultShape): boolean {
  return result.evidence.some((e) => e.pendingUntil !== undefined);
}

function resultShape(value: unknown, where: string): ResultShape {
  const r = value as Record<string, unknown>;
  if (
    !isObject(value) ||
    typeof r.work !== 'string' ||
    typeof r.at !== 'string' ||
    typeof r.decision !== 'string' ||
    !Array.isArray(r.evidence) ||
    !(r.evidence as unknown[]).every((e) => isObject(e) && typeof e.cid === 'string')
  )
    fail('RECEIPT_RESULTS_INVALID', `${where} is not a check result`);
  return value as unknown as ResultShape;
}

/** The results (or one shown alone) against the signed root (RECEIPT_RESULTS_INVALID). */
function checkResults(receipt: ConsentCheckReceipt, options: VerifyReceiptOptions): ResultShape[] {
  const { results: signed, decidedBy } = receipt.credentialSubject;
  const { count, chunkSize, root } = signed;
  const known = new Map(decidedBy.map((m) => [m.cid, m.version]));
  let checked: { value: unknown; where: string }[] = [];
  if (options.results !== undefined) {
    if (options.results.length !== count)
      fail('RECEIPT_RESULTS_INVALID', `${options.results.length} results, the receipt signs ${count}`);
    if (receiptResultsRoot(options.results, chunkSize) !== root)
      fail('RECEIPT_RESULTS_INVALID', 'the results do not hash to the signed root');
    checked = options.results.map((value, i) => ({ value, where: `result ${i}` }));
  } else if (options.item !== undefined) {
    const { index, chunk, path } = options.item;
    if (!isCount(index) || index >= count || !Array.isArray(chunk) || !Array.isArray(path))
      fail('RECEIPT_RESULTS_INVALID', 'the item is not {index, chunk, path} within the receipt');
    const leaf = Math.floor(index / chunkSize);
    const leaves = Math.ceil(count / chunkSize);
    if (chunk.length !== Math.min(chunkSize, count - leaf * chunkSize))
      fail('RECEIPT_RESULTS_INVALID', "the item's chunk does not have the signed number of results");
    const hashes = decodeHashes(path);
    if (hashes === undefined) fail('RECEIPT_RESULTS_INVALID', "the item's path is not base64 hashes");
    const included = verifyInclusion({
      index: leaf,
      size: leaves,
      leafHash: hashLeaf(receiptChunkBytes(chunk)),
      proof: hashes,
      root: decodeBase64(root) as Uint8Array,
    });
    if (!included.ok)
      fail('RECEIPT_RESULTS_INVALID', `the item does not prove under the root: ${included.message}`);
    checked = [{ value: chunk[index % chunkSize], where: `result ${index}` }];
  }
  return checked.map(({ value, where }) => {
    const result = resultShape(value, where);
    for (const e of result.evidence)
      if (known.get(e.cid) !== e.version)
        fail('RECEIPT_RESULTS_INVALID', `${where} names ${e.cid}, which the receipt does not prove`);
    return result;
  });
}

/** Decides the results again from the given blocks (RECEIPT_DECISION_MISMATCH when one differs). */
async function rederive(
  receipt: ConsentCheckReceipt,
  results: readonly ResultShape[],
  blocks: Iterable<Uint8Array>,
): Promise<number> {
  const { query, decidedBy } = receipt.credentialSubject;
  const wanted = new Set(decidedBy.map((m) => m.cid));
  const manifests = new Map<string, Uint8Array>();
  const pages = new Map<string, Uint8Array>();
  for (const bytes of blocks) {
    const cid = blockCid(bytes);
    if (wanted.has(cid)) manifests.set(cid, bytes);
    else pages.set(cid, bytes);
  }
  const candidates: ManifestCandidate[] = [...manifests].map(([cid, bytes]) => ({ cid, bytes, pages }));
  // Derived by the rules without identity (the receipt names no observations): a decision that differs
  // counts as a mismatch only when identity evidence cannot explain it (see identityWeighed).
  // Every block given may be a version before a rotated key's manifest: the source shows them all,
  // so that key's chain is proven as the node proved it (docs/spec/manifest.md §5.5).
  const given = new Map([...manifests, ...pages]);
  const source = { ...memorySource(candidates), block: async (cid: string) => given.get(cid) };
  const verifier = createVerifier({ source, identity: { requireBinding: false } });
  let rederived = 0;
  for (const result of results) {
    if (!result.evidence.every((e) => manifests.has(e.cid))) continue;
    const again = await verifier.check({
      work: result.work,
      use: query.use as never,
      at: result.at,
      ...(query.org === undefined ? {} : { org: query.org }),
    });
    const same =
      again.decision === result.decision &&
      again.term === result.term &&
      again.disputed === result.disputed &&
      canonicalize((again.conditions ?? null) as JsonValue) ===
        canonicalize((result.conditions ?? null) as JsonValue);
    if (!same && (identityWeighed(result) || windowWeighed(result))) continue;
    if (!same)
      fail(
        'RECEIPT_DECISION_MISMATCH',
        `${result.work}: the receipt says ${result.decision}, the manifests say ${again.decision}`,
      );
    rederived++;
  }
  return rederived;
}

/**
 * Verifies a check receipt offline (docs/spec/receipt.md §4): its shape, the issuer among
 * `trustedNodes`, the checkpoint (under the stated log key, or a tlog-policy's logs and witness
 * quorum), each manifest's inclusion in the log, the results against the signed root, the node's
 * eddsa-jcs-2022 signature, the checkpoint's age against `maxAge`, the checkpoint against `seen`, and,
 * given the blocks, each decision.
 * Never throws for a bad receipt: the verdict carries a stable code (`RECEIPT_*`, `EQUIVOCATION`).
 * @example
 * const answer = await (await fetch(`${node}/v1/check?receipt=1`, { method: 'POST', body, headers })).json();
 * const verdict = await verifyReceipt(answer.receipt, { results: answer.results, trustedNodes: [nodeDid] });
 * if (!verdict.ok) console.error(verdict.code, verdict.message);
 */
export async function verifyReceipt(
  input: unknown,
  options: VerifyReceiptOptions = {},
): Promise<ReceiptVerdict> {
  try {
    const receipt = shapeOf(input);
    if (options.trustedNodes !== undefined && !options.trustedNodes.includes(receipt.issuer))
      fail('RECEIPT_NODE_UNTRUSTED', `${receipt.issuer} is not among the trusted nodes`);
    const checkpoint = await checkpointOf(receipt, options.policy);
    checkInclusions(receipt, checkpoint.root);
    const results = checkResults(receipt, options);
    const signed = await verifyProof(input as JsonObject);
    if (!signed.ok) fail('RECEIPT_SIGNATURE_INVALID', `${signed.code}: ${signed.message}`);
    if (signed.value.controller !== receipt.issuer)
      fail('RECEIPT_SIGNATURE_INVALID', 'the receipt is not signed by its issuer');
    const { log } = receipt.credentialSubject;
    if (options.maxAge !== undefined) {
      const witnessed = Math.max(...checkpoint.cosignatures.map((c) => c.timestamp * 1000));
      const time = Number.isFinite(witnessed) ? witnessed : Date.parse(receipt.validFrom);
      const age = (options.now ?? new Date()).getTime() - time;
      if (!(age <= options.maxAge))
        fail(
          'RECEIPT_STALE',
          `the receipt's checkpoint is from ${new Date(time).toISOString()}, older than ${options.maxAge} ms`,
        );
    }
    if (options.seen !== undefined) {
      const seen = { size: checkpoint.size, root: encodeBase64(checkpoint.root), note: log.checkpoint };
      const equivocation = await observeCheckpoint(options.seen, log.origin, seen);
      if (equivocation !== undefined)
        throw new ReceiptFailure(
          'EQUIVOCATION',
          `the log ${log.origin} signed two trees of size ${checkpoint.size}`,
          equivocation,
        );
    }
    const rederived =
      options.manifests === undefined ? 0 : await rederive(receipt, results, options.manifests);
    return {
      ok: true,
      value: {
        node: receipt.issuer,
        validFrom: receipt.validFrom,
        query: receipt.credentialSubject.query,
        asOf: receipt.credentialSubject.asOf,
        log: { origin: log.origin, treeSize: log.treeSize, root: encodeBase64(checkpoint.root) },
        cosignatures: checkpoint.cosignatures,
        decidedBy: receipt.credentialSubject.decidedBy,
        results: results.length,
        rederived,
      },
    };
  } catch (error) {
    if (!(error instanceof ReceiptFailure)) throw error;
    return error.equivocation === undefined
      ? { ok: false, code: error.code, message: error.message }
      : { ok: false, code: error.code, message: error.message, equivocation: error.equivocation };
  }
}
