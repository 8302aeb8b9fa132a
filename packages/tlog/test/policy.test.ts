import { describe, expect, it } from 'vitest';
import {
  createCosigner,
  createMerkleTree,
  createNoteSigner,
  createNoteVerifier,
  formatCheckpoint,
  formatTlogProof,
  hashLeaf,
  type NoteSigner,
  parseTlogPolicy,
  parseVkey,
  signNote,
  verifyCheckpointWithPolicy,
  verifyTlogProof,
} from '../src/index.js';

/**
 * C2SP tlog-policy: the spec's two-level example (§"Example policy") with real keys, the quorum
 * arithmetic, and the syntax rules of §"Policy file syntax and structure".
 */

const ORIGIN = 'example.com/assent/log';
const seed = (n: number) => new Uint8Array(32).fill(n);
const tree = createMerkleTree([hashLeaf(new Uint8Array([1])), hashLeaf(new Uint8Array([2]))]);
const body = formatCheckpoint({ origin: ORIGIN, size: tree.size, root: tree.root() });

async function world() {
  const log = await createNoteSigner(ORIGIN, seed(1));
  const w: Record<string, NoteSigner & { vkey: string }> = {};
  for (const [i, name] of ['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3'].entries()) {
    w[name] = await createCosigner(`${name.toLowerCase()}.witness.example`, seed(10 + i), {
      now: () => 1_700_000_000,
    });
  }
  const policyText = [
    '# the spec example, with keys',
    `log ${log.vkey} https://example.com/assent/log/`,
    '',
    ...['X1', 'X2', 'X3'].map((n) => `witness ${n} ${w[n]?.vkey}`),
    'group X-witnesses 2 X1 X2 X3',
    '',
    ...['Y1', 'Y2', 'Y3'].map((n) => `\twitness\t${n}   ${w[n]?.vkey}  `),
    'group Y-witnesses any Y1 Y2 Y3',
    '',
    'group X-and-Y all X-witnesses Y-witnesses',
    'quorum X-and-Y',
  ].join('\n');
  const sign = (names: string[]) => signNote(body, [log, ...names.map((n) => w[n] as NoteSigner)]);
  return { log, w, policyText, sign };
}

describe('tlog-policy', () => {
  it('parses the spec example shape', async () => {
    const { policyText } = await world();
    const policy = parseTlogPolicy(policyText);
    expect(policy.ok).toBe(true);
    if (!policy.ok) return;
    expect(policy.value.logs).toHaveLength(1);
    expect(policy.value.logs[0]?.url).toBe('https://example.com/assent/log/');
    expect([...policy.value.witnesses.keys()]).toEqual(['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3']);
    expect(policy.value.groups.get('X-witnesses')).toEqual({ threshold: 2, members: ['X1', 'X2', 'X3'] });
    expect(policy.value.groups.get('X-and-Y')?.threshold).toBe(2);
    expect(policy.value.quorum).toBe('X-and-Y');
  });

  for (const [cosigners, met] of [
    [['X1', 'X2', 'Y3'], true],
    [['X1', 'X3', 'Y1', 'Y2'], true],
    [['X1', 'Y1', 'Y2', 'Y3'], false],
    [['X1', 'X2', 'X3'], false],
    [[], false],
  ] as const) {
    it(`quorum X-and-Y with cosignatures by ${cosigners.join(', ') || 'nobody'}: ${met ? 'met' : 'not met'}`, async () => {
      const { policyText, sign } = await world();
      const policy = parseTlogPolicy(policyText);
      if (!policy.ok) throw new Error(policy.message);
      const result = await verifyCheckpointWithPolicy(await sign([...cosigners]), policy.value);
      if (met) {
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.value.witnessedBy).toEqual(cosigners);
      } else {
        expect(result).toMatchObject({ ok: false, code: 'POLICY_QUORUM_NOT_MET' });
      }
    });
  }

  it('a bad cosignature by a policy witness rejects the checkpoint even when the quorum is met otherwise', async () => {
    const { policyText, sign, w } = await world();
    const policy = parseTlogPolicy(policyText);
    if (!policy.ok) throw new Error(policy.message);
    const note = await sign(['X1', 'X2', 'Y1']);
    const y1 = w.Y1 as NoteSigner;
    const line = note.split('\n').find((l) => l.includes(y1.name)) as string;
    const sig = line.split(' ')[2] as string;
    const broken = note.replace(sig, `${sig.slice(0, 20)}${sig[20] === 'A' ? 'B' : 'A'}${sig.slice(21)}`);
    expect(await verifyCheckpointWithPolicy(broken, policy.value)).toMatchObject({
      code: 'NOTE_SIGNATURE_INVALID',
    });
  });

  it('quorum none needs only the log; a policy without logs takes log keys from the caller', async () => {
    const log = await createNoteSigner(ORIGIN, seed(1));
    const none = parseTlogPolicy(`log ${log.vkey}\nquorum none\n`);
    if (!none.ok) throw new Error(none.message);
    const note = await signNote(body, [log]);
    expect((await verifyCheckpointWithPolicy(note, none.value)).ok).toBe(true);
    const noLogs = parseTlogPolicy('quorum none');
    if (!noLogs.ok) throw new Error(noLogs.message);
    expect(await verifyCheckpointWithPolicy(note, noLogs.value)).toMatchObject({ code: 'NOTE_UNVERIFIED' });
    const parsed = parseVkey(log.vkey);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(
      (await verifyCheckpointWithPolicy(note, noLogs.value, [createNoteVerifier(parsed.value)])).ok,
    ).toBe(true);
  });

  it('a policy log whose key name is not the origin does not make the checkpoint valid', async () => {
    const other = await createNoteSigner('example.com/other', seed(1));
    const policy = parseTlogPolicy(`log ${other.vkey}\nquorum none\n`);
    if (!policy.ok) throw new Error(policy.message);
    const note = await signNote(body, [other]);
    expect(await verifyCheckpointWithPolicy(note, policy.value)).toMatchObject({
      code: 'CHECKPOINT_ORIGIN_MISMATCH',
    });
  });

  it('verifyTlogProof applies the policy quorum', async () => {
    const { policyText, sign } = await world();
    const policy = parseTlogPolicy(policyText);
    if (!policy.ok) throw new Error(policy.message);
    const leafHash = hashLeaf(new Uint8Array([2]));
    const proofWith = async (names: string[]) =>
      formatTlogProof({ index: 1, proof: tree.inclusionProof(1), checkpoint: await sign(names) });
    expect(
      (await verifyTlogProof(await proofWith(['X1', 'X2', 'Y2']), { policy: policy.value, leafHash })).ok,
    ).toBe(true);
    expect(
      await verifyTlogProof(await proofWith(['X1', 'Y2']), { policy: policy.value, leafHash }),
    ).toMatchObject({
      code: 'POLICY_QUORUM_NOT_MET',
    });
  });

  describe('syntax (§"Policy file syntax and structure")', async () => {
    const { log, w } = await world();
    const x1 = (w.X1 as { vkey: string }).vkey;
    const x2 = (w.X2 as { vkey: string }).vkey;
    for (const [what, text, code] of [
      ['no quorum line', `log ${log.vkey}\n`, 'POLICY_MALFORMED'],
      ['two quorum lines', 'quorum none\nquorum none\n', 'POLICY_MALFORMED'],
      ['an unknown keyword', 'witnesses A B\nquorum none\n', 'POLICY_MALFORMED'],
      ['a quorum defined before its witness', `quorum A\nwitness A ${x1}\n`, 'POLICY_MALFORMED'],
      ['a group naming a later witness', `group G any A\nwitness A ${x1}\nquorum G\n`, 'POLICY_MALFORMED'],
      ['a member listed twice', `witness A ${x1}\ngroup G 1 A A\nquorum G\n`, 'POLICY_MALFORMED'],
      ['threshold 0', `witness A ${x1}\ngroup G 0 A\nquorum G\n`, 'POLICY_MALFORMED'],
      ['threshold above n', `witness A ${x1}\ngroup G 2 A\nquorum G\n`, 'POLICY_MALFORMED'],
      ['a group with no members', 'group G any\nquorum none\n', 'POLICY_MALFORMED'],
      ['none as a member', `witness A ${x1}\ngroup G any A none\nquorum G\n`, 'POLICY_MALFORMED'],
      ['a keyword as a name', `witness all ${x1}\nquorum none\n`, 'POLICY_MALFORMED'],
      ['a name defined twice', `witness A ${x1}\nwitness A ${x2}\nquorum none\n`, 'POLICY_MALFORMED'],
      ['two witnesses with one key', `witness A ${x1}\nwitness B ${x1}\nquorum none\n`, 'POLICY_MALFORMED'],
      ['two logs with one key', `log ${log.vkey}\nlog ${log.vkey}\nquorum none\n`, 'POLICY_MALFORMED'],
      ['a note key as a witness key', `witness A ${log.vkey}\nquorum none\n`, 'POLICY_MALFORMED'],
      ['a cosignature key as a log key', `log ${x1}\nquorum none\n`, 'POLICY_MALFORMED'],
      ['a carriage return', 'quorum none\r\n', 'POLICY_MALFORMED'],
      ['a DEL', 'quorum\u007f none\n', 'POLICY_MALFORMED'],
      ['a vkey that does not parse', 'witness A not+a+vkey\nquorum none\n', 'VKEY_MALFORMED'],
      ['a log line with two URLs', `log ${log.vkey} https://a https://b\nquorum none\n`, 'POLICY_MALFORMED'],
    ] as const) {
      it(`refuses ${what}`, () => expect(parseTlogPolicy(text)).toMatchObject({ ok: false, code }));
    }
    it('ignores comments, blank lines and surrounding tabs and spaces; the final newline is optional', () => {
      expect(parseTlogPolicy(`  # comment\n\n\t \nwitness A ${x1}\t\nquorum A`).ok).toBe(true);
    });
  });
});
