import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateIdentity,
  identityFromSecretKey,
  type JsonObject,
  parseSecretKeyMultibase,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import { manifestCar } from '@assent/manifest/car';
import { createProof } from '@assent/manifest/data-integrity';
import {
  createCosigner,
  createNoteSigner,
  encodeBase64,
  formatCheckpoint,
  hashLeaf,
  parseNote,
  signNote,
} from '@assent/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assent, buildCli, json, type Served, serve } from './support/cli.js';

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND_GRANTS = '--unbound-grants';

/**
 * Check receipts through the built CLI (issue 18), against real nodes (`assent serve`: Helia, SQLite,
 * the gateway and the node's transparency log on 127.0.0.1). Publish; keep receipts with
 * `check --receipt` and `scan --receipt` (one per batch); stop the node; verify them offline with and
 * without the manifests' blocks (the same verdict); show one result alone and verify it alone. Altered
 * files fail with their own codes and exit codes. What only a lying node or log could sign (a decision
 * its manifests do not give, two trees of one size, a witness's cosignature, as this test runs no
 * witnesses) is signed with the node's own keys from its data directory.
 */
const X = 'isrc:USRC17607839';
const Y = 'isrc:GBAYE0601498';
const PAGED = 'isrc:QZRCP2600001';
const NOBODY = 'isrc:ZZZZZ0000000';
/** A work whose creator allowed generative training in version 1 and denied it in version 2. */
const TURNED = 'isrc:QZTRN2600001';
const ORG = 'did:web:example.ai';

let dir: string;
let node: Served;
let nodeInfo: { did: string; origin: string; logVkey: string; witnessVkey: string };
let manifests: SignedManifest[];
let turnedV1: SignedManifest;
/** The blocks the decisions rest on, as the node served them: a file each, named by CID. */
let blocks: string;
const at = (name: string) => join(dir, name);
const company = () => ({ ASSENT_HOME: at('company'), ASSENT_GATEWAY: node.url });
/** Whoever verifies later: no gateway, another machine. */
const auditor = () => ({ ASSENT_HOME: at('auditor') });

async function publish(to: Served, manifest: SignedManifest): Promise<void> {
  const car = manifest.pages.length > 0;
  const answer = await fetch(`${to.url}/v1/manifests`, {
    method: 'POST',
    headers: { 'content-type': car ? 'application/vnd.ipld.car' : 'application/json' },
    body: car ? manifestCar(manifest, manifest.pages) : (manifest.bytes as Uint8Array<ArrayBuffer>),
  });
  expect(answer.status, await answer.text()).toBeLessThan(300);
}

/** A list of `count` lines, `line(n)` each (n from 1). */
function writeList(path: string, count: number, line: (n: number) => string): void {
  writeFileSync(path, `${Array.from({ length: count }, (_, i) => line(i + 1)).join('\n')}\n`);
}
const url = (n: number) => `https://dataset.example/audio/${n}.mp3`;

/** `assent receipt verify FILE ... --json`, offline (no gateway at all). */
async function verify(file: string, ...flags: string[]) {
  const run = await assent(['receipt', 'verify', file, ...flags, '--json'], auditor());
  return { run, out: json<VerifyOutput>(run) };
}

interface Verified {
  receipt: number;
  line: number;
  ok: true;
  node: string;
  log: { origin: string; treeSize: number; root: string };
  cosignatures: { witness: string; keyId: string; time: string }[];
  decidedBy: { cid: string }[];
  results: number;
  rederived: number;
  decisions: Record<string, number>;
  item?: { index: number; result: { work: string; decision: string } };
}
interface Failed {
  receipt: number;
  line: number;
  ok: false;
  code: string;
  message: string;
  equivocation?: { origin: string; notes: [string, string] };
}
interface VerifyOutput {
  ok: boolean;
  checked: { receipts: number; verified: number; results: number; rederived: number };
  receipts: (Verified | Failed)[];
}

/** A receipt file's record, as far as these tests alter it. */
interface ReceiptJson {
  type: string[];
  credentialSubject: {
    asOf: string;
    query: Record<string, unknown>;
    results: { root: string };
    log: { checkpoint: string; treeSize: number };
  };
  evidence: { tlogProof: string }[];
  proof: { proofValue: string };
}
interface Record_ {
  receipt: ReceiptJson;
  results?: Record<string, unknown>[];
  item?: { index: number; chunk: Record<string, unknown>[]; path: string[] };
}
const readRecords = (file: string): Record_[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record_);
const writeRecords = (file: string, records: readonly Record_[]) =>
  writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);

/** The node's own secret keys, from its data directory (docs/operations.md: node-key.json). */
function nodeKeys() {
  const file = JSON.parse(readFileSync(join(at('node'), 'node-key.json'), 'utf8')) as Record<string, string>;
  const secret = (k: string) => {
    const parsed = parseSecretKeyMultibase(file[k] as string);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  };
  return { origin: file.origin as string, did: secret('did'), log: secret('log') };
}

/** Signs an altered receipt again with the node's DID key: what a lying node could do. */
async function resign(receipt: ReceiptJson): Promise<ReceiptJson> {
  const { proof: _proof, ...unsigned } = receipt;
  const identity = await identityFromSecretKey(nodeKeys().did);
  return (await createProof(unsigned as JsonObject, {
    secretKey: identity.secretKey,
    verificationMethod: identity.verificationMethod,
  })) as unknown as ReceiptJson;
}

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-receipts-'));
  node = await serve(['--data', at('node'), UNBOUND_GRANTS], { ASSENT_HOME: at('node') });
  nodeInfo = (await (await fetch(`${node.url}/.well-known/assent-node.json`)).json()) as typeof nodeInfo;
  const artist = await generateIdentity();
  const label = await generateIdentity();
  const turner = await generateIdentity();
  turnedV1 = await signManifest(
    { works: [{ ids: [TURNED], policy: { 'train-genai': 'allow' } }] },
    { identity: turner },
  );
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
                conditions: { attribution: 'The Label', licensees: [ORG] },
              },
            },
          },
          { ids: [PAGED], policy: { all: 'deny' } },
        ],
      },
      // Every work in a catalog page: the decisions rest on pages too.
      { identity: label, inlineBudgetBytes: 0 },
    ),
    turnedV1,
    await signManifest(
      { works: [{ ids: [TURNED], policy: { 'train-genai': 'deny' } }] },
      { identity: turner, head: turnedV1 },
    ),
  ];
  for (const m of manifests) await publish(node, m);
  blocks = at('blocks');
  // Not a regular file: ignored by --manifests.
  mkdirSync(join(blocks, 'not-a-block'), { recursive: true });
  for (const m of manifests) {
    const bytes = await (await fetch(`${node.url}/v1/manifests/${m.cid}`)).arrayBuffer();
    writeFileSync(join(blocks, m.cid), new Uint8Array(bytes));
    for (const p of m.pages) {
      const page = await (await fetch(`${node.url}/ipfs/${p.cid}?format=raw`)).arrayBuffer();
      writeFileSync(join(blocks, p.cid), new Uint8Array(page));
    }
  }
  expect(manifests[1]?.pages.length).toBeGreaterThan(0);
}, 120_000);

afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('keeping receipts (the node is up)', () => {
  it('check --receipt verifies the node’s receipt, derives its decisions again and writes {receipt, results}', async () => {
    const run = await assent(
      [
        'check',
        X,
        Y,
        PAGED,
        NOBODY,
        '--use',
        'train-genai',
        '--org',
        ORG,
        '--receipt',
        at('r.json'),
        UNBOUND_GRANTS,
        '--json',
      ],
      company(),
    );
    expect(run.code, run.stderr).toBe(0);
    const out = json<{ results: { work: string; decision: string }[]; receipt: Verified & { file: string } }>(
      run,
    );
    expect(out.results.map((r) => r.decision)).toEqual(['deny', 'conditional', 'deny', 'unknown']);
    expect(out.receipt).toMatchObject({
      file: at('r.json'),
      node: nodeInfo.did,
      log: { origin: nodeInfo.origin },
      results: 4,
      // Every result derives again from the blocks the gateway named (unknown from none at all).
      rederived: 4,
      decisions: { deny: 2, conditional: 1, unknown: 1 },
    });
    // One line: the receipt and the node's results exactly as sent.
    const text = readFileSync(at('r.json'), 'utf8');
    expect(text.split('\n')).toHaveLength(2);
    const [record] = readRecords(at('r.json'));
    expect(Object.keys(record as object)).toEqual(['receipt', 'results']);
    expect(record?.results?.map((r) => r.work)).toEqual([X, Y, PAGED, NOBODY]);
    expect(record?.receipt.credentialSubject.query).toMatchObject({ use: 'train-genai', org: ORG });
  });

  it('check --receipt of one work: the verdict as before, then the receipt it kept', async () => {
    const run = await assent(
      ['check', NOBODY, '--use', 'train-genai', '--receipt', at('nobody.json')],
      company(),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`unknown  ${NOBODY} for train-genai`);
    expect(run.stdout).toContain(
      `receipt: ${at('nobody.json')}, signed by ${nodeInfo.did}; log ${nodeInfo.origin}`,
    );
    const plain = await assent(['check', NOBODY, '--use', 'train-genai', '--json'], company());
    expect(Object.keys(json(plain))).not.toContain('receipt');
  });

  it('scan --receipt writes one receipt per batch as JSON Lines, each verified as it arrived', async () => {
    writeList(at('list.txt'), 11_000, (n) => (n % 2_500 === 0 ? X : url(n)));
    const run = await assent(
      [
        'scan',
        at('list.txt'),
        '--use',
        'train-genai',
        '--out',
        at('report.jsonl'),
        '--receipt',
        at('receipts.jsonl'),
        '--json',
      ],
      company(),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toMatchObject({
      summary: { items: 11_000, deny: 4, unknown: 10_996 },
      receipts: { file: at('receipts.jsonl'), receipts: 3 },
    });
    const records = readRecords(at('receipts.jsonl'));
    // Batches of 5,000 works: 5,000, 5,000 and 1,000 results, in input order.
    expect(records.map((r) => r.results?.length)).toEqual([5_000, 5_000, 1_000]);
    expect(records[2]?.results?.at(-1)?.work).toBe(`url:${url(11_000)}`);
  });

  it('a receipt needs a node: --receipt is a usage error with --offline', async () => {
    for (const args of [
      ['check', X, '--use', 'train-genai', '--offline', '--receipt', at('x.json')],
      ['scan', at('list.txt'), '--use', 'train-genai', '--offline', '--receipt', at('x.jsonl')],
    ]) {
      const run = await assent([...args, '--json'], company());
      expect(run.code).toBe(2);
      expect(json(run)).toMatchObject({ error: { code: 'USAGE' } });
    }
  });

  it('a stale node’s receipt contradicts what this CLI verified: check keeps none, scan stops with RECEIPT_DECISION_MISMATCH', async () => {
    // The company sees version 2 (deny) here; a node that only holds version 1 (allow) answers later.
    expect(json(await assent(['check', TURNED, '--use', 'train-genai', '--json'], company())).decision).toBe(
      'deny',
    );
    const stale = await serve(['--data', at('stale'), UNBOUND_GRANTS], { ASSENT_HOME: at('stale') });
    try {
      await publish(stale, turnedV1);
      const env = { ...company(), ASSENT_GATEWAY: stale.url };
      const checked = await assent(
        ['check', TURNED, '--use', 'train-genai', '--receipt', at('stale.json'), '--json'],
        env,
      );
      // ROLLBACK_DETECTED's 5 is the highest; the receipt's own failure is in the document.
      expect(checked.code, checked.stderr).toBe(5);
      expect(json(checked)).toMatchObject({
        decision: 'deny',
        warnings: [{ code: 'ROLLBACK_DETECTED' }],
        receipt: { error: { code: 'RECEIPT_DECISION_MISMATCH' } },
      });
      expect(existsSync(at('stale.json'))).toBe(false);

      // The work is in the second batch: the first is reported and its receipt kept, then the scan stops.
      writeList(at('stale.txt'), 5_001, (n) => (n === 5_001 ? TURNED : url(n)));
      const scanned = await assent(
        [
          'scan',
          at('stale.txt'),
          '--use',
          'train-genai',
          '--out',
          at('stale-report.jsonl'),
          '--receipt',
          at('stale.jsonl'),
          '--json',
        ],
        env,
      );
      expect(scanned.code, scanned.stderr).toBe(4);
      expect(json(scanned)).toMatchObject({ error: { code: 'RECEIPT_DECISION_MISMATCH' } });
      expect((json(scanned).error as { message: string }).message).toContain(TURNED);
      expect(readRecords(at('stale.jsonl')).map((r) => r.results?.length)).toEqual([5_000]);
      expect(readFileSync(at('stale-report.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(5_000);
    } finally {
      await stale.stop();
    }
  });

  it('the node stops: everything below is offline', async () => {
    await node.stop();
    const gone = await assent(['check', X, '--use', 'train-genai', '--json'], company());
    expect(json(gone)).toMatchObject({ error: { code: 'GATEWAY_UNREACHABLE' } });
  });
});

describe('receipt verify, offline', () => {
  it('a check receipt verifies, and with --manifests every decision derives again: the same verdict', async () => {
    const without = await verify(at('r.json'));
    const withBlocks = await verify(at('r.json'), '--manifests', blocks);
    for (const { run, out } of [without, withBlocks]) {
      expect(run.code, run.stdout).toBe(0);
      expect(out.ok).toBe(true);
      expect(out.receipts[0]).toMatchObject({
        ok: true,
        node: nodeInfo.did,
        log: { origin: nodeInfo.origin },
        results: 4,
        decisions: { deny: 2, conditional: 1, unknown: 1 },
        cosignatures: [],
      });
    }
    expect((without.out.receipts[0] as Verified).rederived).toBe(0);
    expect((withBlocks.out.receipts[0] as Verified).rederived).toBe(4);
    expect((withBlocks.out.receipts[0] as Verified).decidedBy.map((m) => m.cid).sort()).toEqual(
      [manifests[0]?.cid, manifests[1]?.cid].sort(),
    );
  });

  it('the text says what the receipt proves', async () => {
    const run = await assent(['receipt', 'verify', at('r.json'), '--manifests', blocks], auditor());
    expect(run.code, run.stderr).toBe(0);
    for (const text of [
      'receipt 1 (line 1): verified',
      nodeInfo.did,
      `${nodeInfo.origin}: tree size`,
      'witnesses  none checked',
      'results    4 checked against the signed root; 4 derived again from the manifests, the same',
      'decisions  deny 2, conditional 1, unknown 1',
      `${Y} → conditional`,
    ])
      expect(run.stdout).toContain(text);
  });

  it('a scan’s receipt file: every line verifies, with and without the blocks', async () => {
    for (const flags of [[], ['--manifests', blocks]]) {
      const { run, out } = await verify(at('receipts.jsonl'), ...flags);
      expect(run.code, run.stdout.slice(0, 2000)).toBe(0);
      expect(out.checked).toEqual({
        receipts: 3,
        verified: 3,
        results: 11_000,
        rederived: flags.length === 0 ? 0 : 11_000,
      });
      expect(out.receipts.map((r) => r.line)).toEqual([1, 2, 3]);
    }
    // The stale scan kept one receipt before it stopped, and it verifies.
    expect((await verify(at('stale.jsonl'))).run.code).toBe(0);
  });

  it('receipt item shows one result alone, and it verifies alone', async () => {
    const made = await assent(
      ['receipt', 'item', at('r.json'), '1', '--out', at('y.json'), '--json'],
      auditor(),
    );
    expect(made.code, made.stderr).toBe(0);
    expect(json(made)).toMatchObject({ index: 1, work: Y, decision: 'conditional', node: nodeInfo.did });
    const [record] = readRecords(at('y.json'));
    expect(Object.keys(record as object)).toEqual(['receipt', 'item']);
    expect(record?.item?.index).toBe(1);
    for (const flags of [[], ['--manifests', blocks]]) {
      const { run, out } = await verify(at('y.json'), ...flags);
      expect(run.code, run.stdout).toBe(0);
      expect(out.receipts[0]).toMatchObject({
        ok: true,
        results: 1,
        rederived: flags.length / 2,
        decisions: { conditional: 1 },
        item: { index: 1, result: { work: Y, decision: 'conditional' } },
      });
    }
    // From a scan's file, N counts across its lines: 7,499 is the 2,500th result of the second batch.
    const scanned = await assent(['receipt', 'item', at('receipts.jsonl'), '7499'], auditor());
    expect(scanned.code, scanned.stderr).toBe(0);
    writeFileSync(at('item-7499.json'), scanned.stdout);
    const alone = await verify(at('item-7499.json'), '--manifests', blocks);
    expect(alone.out.receipts[0]).toMatchObject({
      ok: true,
      results: 1,
      rederived: 1,
      item: { index: 2_499, result: { work: X, decision: 'deny' } },
    });
    // --item does the same without a file of its own.
    const direct = await verify(at('receipts.jsonl'), '--item', '7499');
    expect(direct.out.receipts[0]).toMatchObject({ ok: true, line: 2, results: 1, item: { index: 7_499 } });
    const beyond = await assent(['receipt', 'item', at('receipts.jsonl'), '11000', '--json'], auditor());
    expect(beyond.code).toBe(2);
    expect(json(beyond)).toMatchObject({ error: { code: 'USAGE' } });
  });

  it('--node pins the node DIDs, --policy the log and the witnesses', async () => {
    expect((await verify(at('r.json'), '--node', nodeInfo.did)).run.code).toBe(0);
    const other = await generateIdentity();
    const untrusted = await verify(at('r.json'), '--node', other.did);
    expect(untrusted.run.code).toBe(4);
    expect(untrusted.out.receipts[0]).toMatchObject({ ok: false, code: 'RECEIPT_NODE_UNTRUSTED' });

    writeFileSync(at('log.policy'), `log ${nodeInfo.logVkey}\nquorum none\n`);
    expect((await verify(at('r.json'), '--policy', at('log.policy'))).run.code).toBe(0);
    // A witness the checkpoint has no cosignature of: the quorum is not met.
    writeFileSync(
      at('witnessed.policy'),
      `log ${nodeInfo.logVkey}\nwitness w ${nodeInfo.witnessVkey}\nquorum w\n`,
    );
    const unwitnessed = await verify(at('r.json'), '--policy', at('witnessed.policy'));
    expect(unwitnessed.run.code).toBe(4);
    expect(unwitnessed.out.receipts[0]).toMatchObject({ ok: false, code: 'RECEIPT_CHECKPOINT_INVALID' });
    expect((unwitnessed.out.receipts[0] as Failed).message).toContain('POLICY_QUORUM_NOT_MET');

    writeFileSync(at('bad.policy'), 'quorum nobody\n');
    const bad = await assent(
      ['receipt', 'verify', at('r.json'), '--policy', at('bad.policy'), '--json'],
      auditor(),
    );
    expect(bad.code).toBe(3);
    expect(json(bad)).toMatchObject({ error: { code: 'POLICY_MALFORMED' } });
  });

  it('cosignatures that verify under the policy are shown with the witness’s name and time', async () => {
    // A checkpoint cosigned by a witness, signed into the receipt with the node's key (no witnesses run here).
    const [record] = readRecords(at('nobody.json')) as [Record_];
    const witness = await createCosigner('witness.example/w1', new Uint8Array(32).fill(9), {
      now: () => 1_800_000_000,
    });
    const note = parseNote(record.receipt.credentialSubject.log.checkpoint);
    if (!note.ok) throw new Error(note.message);
    record.receipt.credentialSubject.log.checkpoint = await signNote(note.value, [witness]);
    record.receipt = await resign(record.receipt);
    writeRecords(at('cosigned.json'), [record]);
    writeFileSync(at('cosigned.policy'), `log ${nodeInfo.logVkey}\nwitness w1 ${witness.vkey}\nquorum w1\n`);
    const { run, out } = await verify(at('cosigned.json'), '--policy', at('cosigned.policy'));
    expect(run.code, run.stdout).toBe(0);
    expect((out.receipts[0] as Verified).cosignatures).toEqual([
      {
        witness: 'witness.example/w1',
        keyId: expect.stringMatching(/^[0-9a-f]{8}$/),
        time: '2027-01-15T08:00:00.000Z',
      },
    ]);
    const text = await assent(
      ['receipt', 'verify', at('cosigned.json'), '--policy', at('cosigned.policy')],
      auditor(),
    );
    expect(text.stdout).toMatch(
      /witnesses {2}witness\.example\/w1 \([0-9a-f]{8}\) at 2027-01-15T08:00:00\.000Z/,
    );
  });
});

describe('receipt verify, altered files', () => {
  const cases: [string, string, number, (r: Record_) => void][] = [
    [
      'a result’s decision',
      'RECEIPT_RESULTS_INVALID',
      4,
      (r) => Object.assign(r.results?.[0] as object, { decision: 'allow' }),
    ],
    ['a result dropped', 'RECEIPT_RESULTS_INVALID', 4, (r) => r.results?.pop()],
    [
      'the signature',
      'RECEIPT_SIGNATURE_INVALID',
      4,
      (r) => (r.receipt.proof.proofValue = 'z3FXQ'.padEnd(88, '1')),
    ],
    [
      'asOf',
      'RECEIPT_SIGNATURE_INVALID',
      4,
      (r) => (r.receipt.credentialSubject.asOf = '2020-01-01T00:00:00Z'),
    ],
    [
      'the tree size',
      'RECEIPT_CHECKPOINT_INVALID',
      4,
      (r) => (r.receipt.credentialSubject.log.treeSize += 1),
    ],
    [
      'an audit path hash of a tlog-proof',
      'RECEIPT_INCLUSION_INVALID',
      4,
      (r) => {
        const evidence = r.receipt.evidence[0] as { tlogProof: string };
        const lines = evidence.tlogProof.split('\n');
        // Line 3 is the first audit-path hash (header, extra, index, hashes…).
        lines[3] = encodeBase64(new Uint8Array(32).fill(7));
        evidence.tlogProof = lines.join('\n');
      },
    ],
    ['the type', 'RECEIPT_MALFORMED', 3, (r) => (r.receipt.type = ['VerifiableCredential'])],
    [
      'the results taken out',
      'RECEIPT_MALFORMED',
      3,
      (r) => {
        delete r.results;
      },
    ],
  ];
  for (const [what, code, exit, alter] of cases)
    it(`${what} → ${code}, exit ${exit}`, async () => {
      const [record] = readRecords(at('r.json')) as [Record_];
      alter(record);
      writeRecords(at('altered.json'), [record]);
      const { run, out } = await verify(at('altered.json'));
      expect(run.code, run.stdout).toBe(exit);
      expect(out.ok).toBe(false);
      expect(out.receipts[0]).toMatchObject({ ok: false, code });
    });

  it('a file that is not JSON → RECEIPT_MALFORMED, exit 3; a missing file → FILE_UNREADABLE, exit 2', async () => {
    writeFileSync(at('garbage.json'), 'not a receipt\n');
    const garbage = await verify(at('garbage.json'));
    expect(garbage.run.code).toBe(3);
    expect(garbage.out.receipts[0]).toMatchObject({ ok: false, code: 'RECEIPT_MALFORMED' });
    const missing = await assent(['receipt', 'verify', at('nothing.json'), '--json'], auditor());
    expect(missing.code).toBe(2);
    expect(json(missing)).toMatchObject({ error: { code: 'FILE_UNREADABLE' } });
  });

  it('an item’s audit path or chunk altered → RECEIPT_RESULTS_INVALID, exit 4', async () => {
    for (const alter of [
      (r: Record_) => r.item?.path.splice(0, 1, encodeBase64(new Uint8Array(32))),
      (r: Record_) => Object.assign(r.item?.chunk[1] as object, { decision: 'allow' }),
    ]) {
      const [record] = readRecords(at('y.json')) as [Record_];
      alter(record);
      writeRecords(at('altered-item.json'), [record]);
      const { run, out } = await verify(at('altered-item.json'));
      expect(run.code).toBe(4);
      expect(out.receipts[0]).toMatchObject({ ok: false, code: 'RECEIPT_RESULTS_INVALID' });
    }
  });

  it('one altered line of a scan’s file fails alone; the others verify', async () => {
    const records = readRecords(at('receipts.jsonl'));
    Object.assign(records[1]?.results?.[42] as object, { decision: 'allow' });
    writeRecords(at('altered.jsonl'), records);
    const { run, out } = await verify(at('altered.jsonl'));
    expect(run.code).toBe(4);
    expect(out.receipts.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'RECEIPT_RESULTS_INVALID', 'ok']);
    expect(out.checked).toMatchObject({ receipts: 3, verified: 2, results: 6_000 });
  });

  it('a node that signs a decision its manifests do not give → RECEIPT_DECISION_MISMATCH, found with --manifests', async () => {
    const [record] = readRecords(at('r.json')) as [Record_];
    const results = record.results as Record<string, unknown>[];
    Object.assign(results[0] as object, { decision: 'allow' });
    // The root over the altered results, as the lying node would compute it.
    const { receiptResultsRoot } = await import('@assent/verifier/receipt');
    record.receipt.credentialSubject.results.root = receiptResultsRoot(results);
    record.receipt = await resign(record.receipt);
    writeRecords(at('lie.json'), [record]);
    expect((await verify(at('lie.json'))).run.code).toBe(0);
    const { run, out } = await verify(at('lie.json'), '--manifests', blocks);
    expect(run.code).toBe(4);
    expect(out.receipts[0]).toMatchObject({ ok: false, code: 'RECEIPT_DECISION_MISMATCH' });
  });

  it('a log that signed two trees of one size → EQUIVOCATION, exit 5, with both signed notes', async () => {
    // A receipt resting on no manifest needs no inclusion proof: a forked checkpoint is all it takes.
    const [honest] = readRecords(at('nobody.json')) as [Record_];
    const forked = JSON.parse(JSON.stringify(honest)) as Record_;
    const keys = nodeKeys();
    const { log } = forked.receipt.credentialSubject;
    const signer = await createNoteSigner(keys.origin, keys.log);
    log.checkpoint = await signNote(
      formatCheckpoint({
        origin: keys.origin,
        size: log.treeSize,
        root: hashLeaf(new TextEncoder().encode('another history')),
      }),
      [signer],
    );
    forked.receipt = await resign(forked.receipt);
    writeRecords(at('forked.jsonl'), [honest, forked]);
    const { run, out } = await verify(at('forked.jsonl'));
    expect(run.code).toBe(5);
    expect(out.receipts.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'EQUIVOCATION']);
    expect((out.receipts[1] as Failed).equivocation?.notes).toEqual([
      honest.receipt.credentialSubject.log.checkpoint,
      log.checkpoint,
    ]);
    // Alone, to a verifier that never saw the other, each is a valid receipt: only together do they
    // show two histories.
    writeRecords(at('forked.json'), [forked]);
    const fresh = await assent(['receipt', 'verify', at('forked.json'), '--json'], {
      ASSENT_HOME: at('fresh-auditor'),
    });
    expect(fresh.code).toBe(0);
    // The auditor remembers the honest checkpoint across runs ($ASSENT_HOME/checkpoints.json): a later
    // run with the forked receipt alone still shows the two histories.
    const later = await verify(at('forked.json'));
    expect(later.run.code).toBe(5);
    expect(later.out.receipts.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['EQUIVOCATION']);
  });
});
