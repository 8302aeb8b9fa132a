/**
 * Check receipts end to end: a real registry in a temp dir and a real server on 127.0.0.1. Publish,
 * check with `receipt=1`, stop the node, verify offline (and derive every decision again from the
 * manifests' bytes); alter each part and see its own code; show items of a 10,000-work batch alone.
 * Oracles outside the receipt code: the W3C eddsa-jcs-2022 vectors check the signature code, the
 * transparency-dev and Go note vectors the log code, and the decisions are re-derived by the verifier
 * from the creators' own signed bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateIdentity,
  type JsonObject,
  parseSecretKeyMultibase,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import { createProof } from '@assent/manifest/data-integrity';
import { createRegistry, type Registry } from '@assent/registry';
import {
  createMerkleTree,
  createNoteSigner,
  encodeBase64,
  formatCheckpoint,
  hashLeaf,
  signNote,
} from '@assent/tlog';
import {
  type ConsentCheckReceipt,
  memoryCheckpoints,
  receiptItem,
  receiptLeafHashes,
  verifyReceipt,
} from '@assent/verifier/receipt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../src/index.js';
import { cleanup, tempDir } from './support/fixture.js';

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

const X = 'isrc:USRC17607839';
const Y = 'isrc:GBAYE0601498';
const PAGED = 'isrc:QZRCP2600001';
const NOBODY = 'isrc:ZZZZZ0000000';

let dataDir: string;
let registry: Registry;
let gateway: RunningGateway;
let manifests: SignedManifest[];
/** Every block the node holds for the manifests above, fetched over HTTP before it stops. */
const blocks: Uint8Array[] = [];

interface Answer {
  readonly asOf: string;
  readonly results: Record<string, unknown>[];
  readonly receipt: ConsentCheckReceipt;
}

let batch: Answer;
let single: Record<string, unknown> & { receipt: ConsentCheckReceipt };
let big: Answer;

async function post(works: string[], extra: Record<string, unknown> = {}): Promise<Answer> {
  const res = await fetch(`${gateway.url}/v1/check?receipt=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ use: 'train-genai', works, ...extra }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

beforeAll(async () => {
  dataDir = tempDir();
  registry = await createRegistry({ dataDir, network: false });
  const label = await generateIdentity();
  const artist = await generateIdentity();
  manifests = [
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
  for (const m of manifests)
    expect((await registry.ingest(m.bytes, { pages: m.pages.map((p) => p.bytes) })).ok).toBe(true);
  gateway = await startGateway({ registry, port: 0, log: false, identity: UNBOUND });

  batch = await post([X, Y, PAGED, NOBODY, 'not-a-work-id'], { org: 'did:web:example.ai' });
  const res = await fetch(`${gateway.url}/v1/check?work=${X}&use=train-genai&receipt=1`);
  expect(res.status).toBe(200);
  single = (await res.json()) as typeof single;
  big = await post(
    Array.from({ length: 10_000 }, (_, i) =>
      i % 1000 === 7 ? X : `isrc:QZBIG26${String(i).padStart(5, '0')}`,
    ),
  );
  for (const m of manifests) {
    blocks.push(new Uint8Array(await (await fetch(`${gateway.url}/v1/manifests/${m.cid}`)).arrayBuffer()));
    for (const p of m.pages)
      blocks.push(
        new Uint8Array(await (await fetch(`${gateway.url}/ipfs/${p.cid}?format=raw`)).arrayBuffer()),
      );
  }
  // Offline from here: the node is gone.
  await gateway.close();
  await registry.stop();
}, 120_000);

afterAll(() => cleanup());

/** A deep copy to alter. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The single answer's result: the answer without `asOf`, `checkpoint` and `receipt`, in the order sent. */
function singleResult(): Record<string, unknown> {
  const { asOf: _a, checkpoint: _c, receipt: _r, ...result } = single;
  return result;
}

describe('receipts, verified offline', () => {
  it('a batch receipt verifies against its results, and every decision derives again from the manifests', async () => {
    const did = batch.receipt.issuer;
    const verdict = await verifyReceipt(batch.receipt, {
      results: batch.results,
      trustedNodes: [did],
      manifests: blocks,
    });
    if (!verdict.ok) throw new Error(`${verdict.code}: ${verdict.message}`);
    expect(verdict.value.results).toBe(5);
    // X, Y and PAGED rest on manifests; NOBODY and the bad id on none, so there is nothing to derive.
    expect(verdict.value.rederived).toBe(5);
    expect(verdict.value.decidedBy.map((m) => m.cid).sort()).toEqual(manifests.map((m) => m.cid).sort());
    expect(verdict.value.query).toEqual({
      use: 'train-genai',
      org: 'did:web:example.ai',
      at: batch.results[0]?.at,
    });
    expect(batch.results.map((r) => r.decision)).toEqual([
      'deny',
      'conditional',
      'deny',
      'unknown',
      'unknown',
    ]);
  });

  it('a GET receipt verifies over its one result', async () => {
    const verdict = await verifyReceipt(single.receipt, { results: [singleResult()], manifests: blocks });
    if (!verdict.ok) throw new Error(`${verdict.code}: ${verdict.message}`);
    expect(verdict.value.rederived).toBe(1);
    expect(single.decision).toBe('deny');
  });

  it('items 0, 9,999 and a random one of a 10,000-work batch verify alone', async () => {
    expect(big.receipt.credentialSubject.results.count).toBe(10_000);
    const random = 1 + Math.floor(Math.random() * 9_997);
    for (const index of [0, 9_999, random, 7]) {
      const item = receiptItem(big.results, index, big.receipt);
      // What a company keeps for one work: the receipt and its item, as JSON.
      const kept = copy({ receipt: big.receipt, item });
      const verdict = await verifyReceipt(kept.receipt, { item: kept.item, manifests: blocks });
      if (!verdict.ok) throw new Error(`${index}: ${verdict.code}: ${verdict.message}`);
      expect(verdict.value.results).toBe(1);
      // Index 7 rests on X's manifest; the others on none, and "unknown" from nothing derives again too.
      expect(verdict.value.rederived).toBe(1);
    }
    // Another item's chunk under this index fails.
    const item = receiptItem(big.results, 0, big.receipt);
    const wrong = { ...item, index: 150 };
    expect((await verifyReceipt(big.receipt, { item: wrong })).ok).toBe(false);
  });

  it('the whole answer rebuilds the signed root from the bytes as sent', () => {
    const leaves = receiptLeafHashes(big.results);
    expect(leaves.length).toBe(100);
    expect(encodeBase64(createMerkleTree(leaves).root())).toBe(big.receipt.credentialSubject.results.root);
  });
});

describe('asking for a receipt', () => {
  it('any value of receipt but 1 is 400 BAD_REQUEST, on GET and POST, and nothing is signed', async () => {
    const node = await createRegistry({ dataDir: tempDir(), network: false });
    const gw = await startGateway({ registry: node, port: 0, log: false });
    try {
      for (const value of ['2', 'true', '', '1,1']) {
        const get = await fetch(`${gw.url}/v1/check?work=${X}&use=train-genai&receipt=${value}`);
        expect(get.status, value).toBe(400);
        expect(((await get.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
        const post = await fetch(`${gw.url}/v1/check?receipt=${value}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ use: 'train-genai', works: [X] }),
        });
        expect(post.status, value).toBe(400);
        expect(((await post.json()) as { receipt?: unknown }).receipt).toBeUndefined();
      }
    } finally {
      await gw.close();
      await node.stop();
    }
  });
});

describe('receipts, altered', () => {
  const cases: [string, string, (a: Answer) => void][] = [
    [
      'a result',
      'RECEIPT_RESULTS_INVALID',
      (a) => ((a.results[0] as Record<string, unknown>).decision = 'allow'),
    ],
    ['a result dropped', 'RECEIPT_RESULTS_INVALID', (a) => a.results.pop()],
    [
      'asOf',
      'RECEIPT_SIGNATURE_INVALID',
      (a) => ((a.receipt.credentialSubject as { asOf: string }).asOf = '2020-01-01T00:00:00Z'),
    ],
    [
      'validFrom',
      'RECEIPT_SIGNATURE_INVALID',
      (a) => ((a.receipt as { validFrom: string }).validFrom = '2020-01-01T00:00:00Z'),
    ],
    [
      'the issuer',
      'RECEIPT_SIGNATURE_INVALID',
      (a) =>
        ((a.receipt as { issuer: string }).issuer =
          'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'),
    ],
    [
      'a proof line of a tlog-proof',
      'RECEIPT_INCLUSION_INVALID',
      (a) => {
        const e = a.receipt.evidence[0] as { tlogProof: string };
        const lines = e.tlogProof.split('\n');
        // Line 3 is the first audit-path hash (header, extra, index, hashes…).
        lines[3] = encodeBase64(new Uint8Array(32).fill(7));
        e.tlogProof = lines.join('\n');
      },
    ],
    [
      'the leaf record of a tlog-proof',
      'RECEIPT_INCLUSION_INVALID',
      (a) => {
        const e = a.receipt.evidence[0] as { tlogProof: string };
        const lines = e.tlogProof.split('\n');
        lines[1] = `extra ${encodeBase64(new TextEncoder().encode('{"t":"manifest"}'))}`;
        e.tlogProof = lines.join('\n');
      },
    ],
    [
      'a log index',
      'RECEIPT_INCLUSION_INVALID',
      (a) => ((a.receipt.credentialSubject.decidedBy[0] as { logIndex: number }).logIndex += 1),
    ],
    [
      'the checkpoint signature',
      'RECEIPT_CHECKPOINT_INVALID',
      (a) => {
        const log = a.receipt.credentialSubject.log as { checkpoint: string };
        log.checkpoint = log.checkpoint.replace(
          /([A-Za-z0-9+/])(=*\n)$/,
          (_, c: string, end: string) => `${c === 'A' ? 'B' : 'A'}${end}`,
        );
      },
    ],
    [
      'the tree size',
      'RECEIPT_CHECKPOINT_INVALID',
      (a) => ((a.receipt.credentialSubject.log as { treeSize: number }).treeSize += 1),
    ],
    [
      'the signature value',
      'RECEIPT_SIGNATURE_INVALID',
      (a) => ((a.receipt.proof as { proofValue: string }).proofValue = 'z3FXQ'.padEnd(88, '1')),
    ],
    ['the proof removed', 'RECEIPT_MALFORMED', (a) => delete (a.receipt as { proof?: unknown }).proof],
    [
      'the type',
      'RECEIPT_MALFORMED',
      (a) => ((a.receipt as unknown as { type: string[] }).type = ['VerifiableCredential']),
    ],
  ];
  for (const [what, code, alter] of cases) {
    it(`${what} → ${code}`, async () => {
      const altered = copy(batch);
      alter(altered);
      const verdict = await verifyReceipt(altered.receipt, { results: altered.results });
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.code, verdict.message).toBe(code);
    });
  }

  it('a checkpoint older than maxAge → RECEIPT_STALE; within it, the receipt verifies', async () => {
    const signed = Date.parse(batch.receipt.validFrom);
    const later = new Date(signed + 3_600_000);
    const stale = await verifyReceipt(batch.receipt, { results: batch.results, maxAge: 60_000, now: later });
    expect(!stale.ok && stale.code).toBe('RECEIPT_STALE');
    const fresh = await verifyReceipt(batch.receipt, {
      results: batch.results,
      maxAge: 7_200_000,
      now: later,
    });
    expect(fresh.ok).toBe(true);
  });

  it('an issuer not among the trusted nodes → RECEIPT_NODE_UNTRUSTED', async () => {
    const other = await generateIdentity();
    const verdict = await verifyReceipt(batch.receipt, { results: batch.results, trustedNodes: [other.did] });
    expect(!verdict.ok && verdict.code).toBe('RECEIPT_NODE_UNTRUSTED');
  });

  /** The node's own keys, read from its data directory: to fake what only a lying node could sign. */
  function nodeKeys() {
    const file = JSON.parse(readFileSync(join(dataDir, 'node-key.json'), 'utf8')) as Record<string, string>;
    const secret = (k: string) => {
      const parsed = parseSecretKeyMultibase(file[k] as string);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.value;
    };
    return { origin: file.origin as string, did: secret('did'), log: secret('log') };
  }

  it('a node that signs a decision its manifests do not give → RECEIPT_DECISION_MISMATCH', async () => {
    // Faked with the node's own DID key: a node lying about a decision cannot be caused otherwise.
    const lie = copy(batch);
    (lie.results[0] as Record<string, unknown>).decision = 'allow';
    const { proof: _p, ...unsigned } = lie.receipt as unknown as Record<string, unknown> & { proof: unknown };
    const subject = unsigned.credentialSubject as { results: { root: string } };
    subject.results.root = encodeBase64(createMerkleTree(receiptLeafHashes(lie.results)).root());
    const { identityFromSecretKey } = await import('@assent/manifest');
    const node = await identityFromSecretKey(nodeKeys().did);
    const resigned = await createProof(unsigned as JsonObject, {
      secretKey: node.secretKey,
      verificationMethod: node.verificationMethod,
    });
    const without = await verifyReceipt(resigned, { results: lie.results });
    expect(without.ok).toBe(true); // the lie is well formed: only the creators' bytes expose it
    const verdict = await verifyReceipt(resigned, { results: lie.results, manifests: blocks });
    expect(!verdict.ok && verdict.code).toBe('RECEIPT_DECISION_MISMATCH');
  });

  it('a log that signed another tree of the same size → EQUIVOCATION with both signed notes', async () => {
    // Faked with the node's own log key: a forked log cannot be caused otherwise.
    const keys = nodeKeys();
    const signer = await createNoteSigner(keys.origin, keys.log);
    const size = batch.receipt.credentialSubject.log.treeSize;
    const forkRoot = hashLeaf(new TextEncoder().encode('another history'));
    const fork = await signNote(formatCheckpoint({ origin: keys.origin, size, root: forkRoot }), [signer]);
    const seen = memoryCheckpoints();
    await seen.set(keys.origin, { size, root: encodeBase64(forkRoot), note: fork });
    const verdict = await verifyReceipt(batch.receipt, { results: batch.results, seen });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.code).toBe('EQUIVOCATION');
    expect(verdict.equivocation?.notes).toEqual([fork, batch.receipt.credentialSubject.log.checkpoint]);
    // A fresh memory takes the receipt, and then remembers its checkpoint.
    const fresh = memoryCheckpoints();
    expect((await verifyReceipt(batch.receipt, { seen: fresh })).ok).toBe(true);
    expect((await fresh.get(keys.origin))?.size).toBe(size);
  });
});
