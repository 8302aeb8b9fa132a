import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningGateway, startGateway } from '@assent/gateway';
import { generateIdentity, type SignedManifest, signManifest } from '@assent/manifest';
import { createRegistry, type Registry } from '@assent/registry';
import { createMerkleTree, createNoteSigner, encodeBase64 } from '@assent/tlog';
import { type ConsentCheckReceipt, receiptItem, receiptLeafHashes } from '../../src/receipt/index.js';
import {
  cosignCheckpoint,
  flipLastSignature,
  forkCheckpoint,
  type NodeKeys,
  readNodeKeys,
  resignReceipt,
  withCheckpoint,
} from './node-keys.js';
import type { ReceiptCase } from './receipt-runner.js';

/**
 * Receipts from a real node, for suites that verify them offline: a registry in a temp dir and the
 * gateway on 127.0.0.1 port 0 answer a batch (deny, conditional, a work in a catalog page, no claim,
 * a bad id), a GET check and a 10,000-work batch, each with `receipt=1`; the manifests' blocks are
 * fetched over HTTP; then the node stops and its folder is removed. What a lying or forked node would
 * sign, and a witness cosignature (one node has no witness), are made with the node's own keys read
 * from its folder before it goes: they cannot be caused otherwise.
 */

const X = 'isrc:USRC17607839';
const Y = 'isrc:GBAYE0601498';
const PAGED = 'isrc:QZRCP2600001';
const NOBODY = 'isrc:ZZZZZ0000000';
/** The witness of the faked cosignature. */
const WITNESS = 'witness.example/w1';
const HOUR_MS = 3_600_000;

/** What a case must verify to, in Node: so that equality with another platform cannot be vacuous. */
export interface ExpectedVerdict {
  readonly ok: boolean;
  readonly code?: string;
  readonly results?: number;
  readonly rederived?: number;
}

export interface ReceiptCorpus {
  readonly cases: ReceiptCase[];
  readonly expected: ReadonlyMap<string, ExpectedVerdict>;
  /** The node DID that signed the genuine receipts. */
  readonly node: string;
  /** The random item of the 10,000-work batch. */
  readonly randomIndex: number;
  /** The time the faked witness vouches for (POSIX seconds): a day before the node signed. */
  readonly cosignedAt: number;
}

interface Answer {
  readonly asOf: string;
  readonly results: Record<string, unknown>[];
  readonly receipt: ConsentCheckReceipt;
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

async function post(gateway: RunningGateway, works: string[], extra: Record<string, unknown> = {}) {
  const res = await fetch(`${gateway.url}/v1/check?receipt=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ use: 'train-genai', works, ...extra }),
  });
  if (res.status !== 200) throw new Error(`POST /v1/check?receipt=1: ${res.status} ${await res.text()}`);
  return (await res.json()) as Answer;
}

/** Publishes, checks with receipts and stops the node; then builds every case and its expected verdict. */
export async function receiptCorpus(): Promise<ReceiptCorpus> {
  const dir = await mkdtemp(join(tmpdir(), 'assent-receipts-'));
  let registry: Registry | undefined;
  let gateway: RunningGateway | undefined;
  try {
    registry = await createRegistry({ dataDir: dir, network: false });
    const label = await generateIdentity();
    const artist = await generateIdentity();
    const manifests: SignedManifest[] = [
      await signManifest({ works: [{ ids: [X], policy: { 'train-ai': 'deny' } }] }, { identity: artist }),
      await signManifest(
        {
          works: [
            {
              ids: [Y],
              policy: {
                'train-genai': {
                  decision: 'conditional',
                  conditions: { attribution: 'The Label', licensees: ['did:web:example.ai'] },
                },
              },
            },
            { ids: [PAGED], policy: { all: 'deny' } },
          ],
        },
        { identity: label, inlineBudgetBytes: 0 },
      ),
    ];
    for (const m of manifests) {
      const ingested = await registry.ingest(m.bytes, { pages: m.pages.map((p) => p.bytes) });
      if (!ingested.ok) throw new Error(`ingest: ${ingested.code}`);
    }
    // Not about identity: grants count unbound (docs/decisions.md §7 item 5).
    gateway = await startGateway({ registry, port: 0, log: false, identity: { requireBinding: false } });

    const batch = await post(gateway, [X, Y, PAGED, NOBODY, 'not-a-work-id'], { org: 'did:web:example.ai' });
    const res = await fetch(`${gateway.url}/v1/check?work=${X}&use=train-genai&receipt=1`);
    if (res.status !== 200) throw new Error(`GET /v1/check?receipt=1: ${res.status}`);
    const {
      asOf: _asOf,
      checkpoint: _checkpoint,
      receipt: singleReceipt,
      ...singleResult
    } = (await res.json()) as Record<string, unknown> & { receipt: ConsentCheckReceipt };
    const big = await post(
      gateway,
      Array.from({ length: 10_000 }, (_, i) =>
        i % 1000 === 7 ? X : `isrc:QZBIG26${String(i).padStart(5, '0')}`,
      ),
    );
    const blocks: number[][] = [];
    for (const m of manifests) {
      blocks.push([
        ...new Uint8Array(await (await fetch(`${gateway.url}/v1/manifests/${m.cid}`)).arrayBuffer()),
      ]);
      for (const p of m.pages)
        blocks.push([
          ...new Uint8Array(await (await fetch(`${gateway.url}/ipfs/${p.cid}?format=raw`)).arrayBuffer()),
        ]);
    }
    const keys = await readNodeKeys(dir);
    // Offline from here: the node is gone.
    await gateway.close();
    gateway = undefined;
    await registry.stop();
    registry = undefined;
    return await buildCases({ batch, singleReceipt, singleResult, big, blocks, keys });
  } finally {
    await gateway?.close();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Made {
  readonly batch: Answer;
  readonly singleReceipt: ConsentCheckReceipt;
  readonly singleResult: Record<string, unknown>;
  readonly big: Answer;
  readonly blocks: number[][];
  readonly keys: NodeKeys;
}

async function buildCases(made: Made): Promise<ReceiptCorpus> {
  const { batch, singleReceipt, singleResult, big, blocks, keys } = made;
  const node = batch.receipt.issuer;
  const cases: ReceiptCase[] = [];
  const expected = new Map<string, ExpectedVerdict>();
  /** Adds a case twice, without and with the manifests' blocks; `rederived` applies to the latter. */
  const add = (id: string, c: Omit<ReceiptCase, 'id'>, verdict: ExpectedVerdict, withBlocks = verdict) => {
    cases.push({ id, ...c });
    expected.set(id, verdict.ok ? { ...verdict, rederived: 0 } : verdict);
    cases.push({ id: `${id} +manifests`, ...c, manifests: blocks });
    expected.set(`${id} +manifests`, withBlocks);
  };
  const genuine = (id: string, c: Omit<ReceiptCase, 'id'>, results: number, rederived = results) =>
    add(id, c, { ok: true, results }, { ok: true, results, rederived });

  // Genuine receipts: every result of each answer, items alone, and the receipt with nothing beside it.
  genuine('batch', { receipt: batch.receipt, results: batch.results }, 5);
  genuine('batch, trusted node', { receipt: batch.receipt, results: batch.results, trustedNodes: [node] }, 5);
  genuine('batch, receipt alone', { receipt: batch.receipt }, 0);
  genuine('GET', { receipt: singleReceipt, results: [singleResult] }, 1);
  genuine('10,000-work batch', { receipt: big.receipt, results: big.results }, 10_000);
  const randomIndex = 8 + Math.floor(Math.random() * 9_990);
  for (const index of [0, 9_999, randomIndex, 7])
    genuine(
      `10,000-work batch, item ${index}`,
      { receipt: big.receipt, item: receiptItem(big.results, index, big.receipt) },
      1,
    );

  // Altered parts, each failing with its own code (with or without the blocks).
  const alter = (id: string, code: string, change: (a: Answer) => void, base: Answer = batch) => {
    const a = copy(base);
    change(a);
    add(id, { receipt: a.receipt, results: a.results }, { ok: false, code });
  };
  const subject = (a: Answer) =>
    a.receipt.credentialSubject as unknown as Record<string, Record<string, unknown>>;
  alter('a result', 'RECEIPT_RESULTS_INVALID', (a) => {
    (a.results[0] as Record<string, unknown>).decision = 'allow';
  });
  alter('a result dropped', 'RECEIPT_RESULTS_INVALID', (a) => a.results.pop());
  alter('two results swapped', 'RECEIPT_RESULTS_INVALID', (a) => a.results.reverse());
  alter('asOf', 'RECEIPT_SIGNATURE_INVALID', (a) => {
    (a.receipt.credentialSubject as { asOf: string }).asOf = '2020-01-01T00:00:00Z';
  });
  alter('validFrom', 'RECEIPT_SIGNATURE_INVALID', (a) => {
    (a.receipt as { validFrom: string }).validFrom = '2020-01-01T00:00:00Z';
  });
  alter('the query', 'RECEIPT_SIGNATURE_INVALID', (a) => {
    (subject(a).query as Record<string, unknown>).use = 'search';
  });
  alter('the issuer', 'RECEIPT_SIGNATURE_INVALID', (a) => {
    (a.receipt as { issuer: string }).issuer = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
  });
  alter('the signature value', 'RECEIPT_SIGNATURE_INVALID', (a) => {
    (a.receipt.proof as { proofValue: string }).proofValue = 'z3FXQ'.padEnd(88, '1');
  });
  alter('an audit-path line of a tlog-proof', 'RECEIPT_INCLUSION_INVALID', (a) => {
    const e = a.receipt.evidence[0] as { tlogProof: string };
    const lines = e.tlogProof.split('\n');
    lines[3] = encodeBase64(new Uint8Array(32).fill(7)); // header, extra, index, then the hashes
    e.tlogProof = lines.join('\n');
  });
  alter('the leaf record of a tlog-proof', 'RECEIPT_INCLUSION_INVALID', (a) => {
    const e = a.receipt.evidence[0] as { tlogProof: string };
    const lines = e.tlogProof.split('\n');
    lines[1] = `extra ${encodeBase64(new TextEncoder().encode('{"t":"manifest"}'))}`;
    e.tlogProof = lines.join('\n');
  });
  alter('a log index', 'RECEIPT_INCLUSION_INVALID', (a) => {
    (a.receipt.credentialSubject.decidedBy[0] as { logIndex: number }).logIndex += 1;
  });
  alter('an inclusion proof removed', 'RECEIPT_INCLUSION_INVALID', (a) => {
    (a.receipt as unknown as { evidence: unknown[] }).evidence.pop();
  });
  alter('the checkpoint signature', 'RECEIPT_CHECKPOINT_INVALID', (a) => {
    const log = subject(a).log as { checkpoint: string };
    log.checkpoint = flipLastSignature(log.checkpoint);
  });
  alter('the tree size', 'RECEIPT_CHECKPOINT_INVALID', (a) => {
    (subject(a).log as { treeSize: number }).treeSize += 1;
  });
  alter('the proof removed', 'RECEIPT_MALFORMED', (a) => delete (a.receipt as { proof?: unknown }).proof);
  alter('the type', 'RECEIPT_MALFORMED', (a) => {
    (a.receipt as unknown as { type: string[] }).type = ['VerifiableCredential'];
  });
  add('not a receipt', { receipt: 'a receipt', results: [] }, { ok: false, code: 'RECEIPT_MALFORMED' });
  const item = receiptItem(big.results, 0, big.receipt);
  const tampered = copy(item) as unknown as { chunk: Record<string, unknown>[] };
  (tampered.chunk[7] as Record<string, unknown>).decision = 'allow';
  add(
    'an item whose chunk was altered',
    { receipt: big.receipt, item: tampered as never },
    {
      ok: false,
      code: 'RECEIPT_RESULTS_INVALID',
    },
  );
  add(
    'an item under another index',
    { receipt: big.receipt, item: { ...item, index: 150 } },
    {
      ok: false,
      code: 'RECEIPT_RESULTS_INVALID',
    },
  );
  const other = await generateIdentity();
  add(
    'an issuer not among the trusted nodes',
    { receipt: batch.receipt, results: batch.results, trustedNodes: [other.did] },
    {
      ok: false,
      code: 'RECEIPT_NODE_UNTRUSTED',
    },
  );

  // A lying node: well formed and signed, so only the creators' bytes expose it.
  const lie = copy(batch);
  (lie.results[0] as Record<string, unknown>).decision = 'allow';
  (subject(lie).results as { root: string }).root = encodeBase64(
    createMerkleTree(receiptLeafHashes(lie.results)).root(),
  );
  add(
    'a node that signs a decision its manifests do not give',
    { receipt: await resignReceipt(lie.receipt, keys), results: lie.results },
    { ok: true, results: 5 },
    { ok: false, code: 'RECEIPT_DECISION_MISMATCH' },
  );

  // A forked log: the verifier remembers another tree of the same size, signed by the same log key.
  const size = batch.receipt.credentialSubject.log.treeSize;
  const fork = await forkCheckpoint(keys, size);
  add(
    'a log that signed another tree of the same size',
    {
      receipt: batch.receipt,
      results: batch.results,
      seen: { origin: keys.origin, size, root: fork.root, note: fork.note },
    },
    { ok: false, code: 'EQUIVOCATION' },
  );

  // A witness cosignature on the checkpoint, and a tlog-policy that requires it.
  const signedAt = Date.parse(batch.receipt.validFrom);
  const cosignedAt = Math.floor(signedAt / 1000) - 86_400;
  const cosigned = await cosignCheckpoint(
    batch.receipt.credentialSubject.log.checkpoint,
    WITNESS,
    cosignedAt,
  );
  const witnessed = await resignReceipt(withCheckpoint(batch.receipt, cosigned.note), keys);
  const policy = `log ${batch.receipt.credentialSubject.log.vkey}\nwitness w1 ${cosigned.vkey}\nquorum w1\n`;
  genuine('witnessed batch', { receipt: witnessed, results: batch.results }, 5);
  genuine('witnessed batch under a policy', { receipt: witnessed, results: batch.results, policy }, 5);

  // Freshness: the checkpoint's time is its newest verified cosignature, else the node's validFrom.
  const minuteLater = new Date(signedAt + 60_000).toISOString();
  const dayLater = new Date(signedAt + 24 * HOUR_MS).toISOString();
  genuine(
    'batch within maxAge',
    { receipt: batch.receipt, results: batch.results, maxAge: HOUR_MS, now: minuteLater },
    5,
  );
  add(
    'batch older than maxAge',
    { receipt: batch.receipt, results: batch.results, maxAge: HOUR_MS, now: dayLater },
    { ok: false, code: 'RECEIPT_STALE' },
  );
  genuine(
    'witnessed batch, no policy: its own time counts',
    { receipt: witnessed, results: batch.results, maxAge: HOUR_MS, now: minuteLater },
    5,
  );
  add(
    'witnessed batch under a policy: the witness’s older time counts',
    { receipt: witnessed, results: batch.results, policy, maxAge: HOUR_MS, now: minuteLater },
    { ok: false, code: 'RECEIPT_STALE' },
  );
  add(
    'batch under a policy its witness did not cosign',
    { receipt: batch.receipt, results: batch.results, policy },
    {
      ok: false,
      code: 'RECEIPT_CHECKPOINT_INVALID',
    },
  );
  const flipped = withCheckpoint(witnessed, flipLastSignature(cosigned.note));
  add(
    'a cosignature flipped, under a policy',
    { receipt: flipped, results: batch.results, policy },
    {
      ok: false,
      code: 'RECEIPT_CHECKPOINT_INVALID',
    },
  );
  // Without a policy the cosignature's key is unknown and skipped (signed-note), but the node signed
  // the checkpoint as it was: the receipt's signature catches the change.
  add(
    'a cosignature flipped, no policy',
    { receipt: flipped, results: batch.results },
    {
      ok: false,
      code: 'RECEIPT_SIGNATURE_INVALID',
    },
  );
  const otherLog = await createNoteSigner(keys.origin, crypto.getRandomValues(new Uint8Array(32)));
  add(
    'batch under a policy naming another log key',
    { receipt: batch.receipt, results: batch.results, policy: `log ${otherLog.vkey}\nquorum none\n` },
    {
      ok: false,
      code: 'RECEIPT_CHECKPOINT_INVALID',
    },
  );

  return { cases, expected, node, randomIndex, cosignedAt };
}
