import { describe, expect, it } from 'vitest';
import {
  createCosigner,
  createMerkleTree,
  createNoteSigner,
  createNoteVerifier,
  encodeBase64,
  formatAddCheckpoint,
  formatCheckpoint,
  formatTlogProof,
  hashLeaf,
  parseAddCheckpoint,
  parseTlogProof,
  parseVkey,
  signNote,
  verifyTlogProof,
} from '../src/index.js';

/** tlog-proof end to end: a log of 100 entries, a signed and cosigned checkpoint, a proof per entry. */

const ORIGIN = 'example.com/assent/log';
const entries = Array.from({ length: 100 }, (_, i) => new TextEncoder().encode(`{"t":"manifest","n":${i}}`));

async function setup() {
  const tree = createMerkleTree(entries.map(hashLeaf));
  const log = await createNoteSigner(ORIGIN, new Uint8Array(32).fill(1));
  const w = await createCosigner('witness.example/w1', new Uint8Array(32).fill(2), {
    now: () => 1_700_000_000,
  });
  const checkpoint = await signNote(
    formatCheckpoint({ origin: ORIGIN, size: tree.size, root: tree.root() }),
    [log, w],
  );
  const verifierOf = (vkey: string) => {
    const parsed = parseVkey(vkey);
    if (!parsed.ok) throw new Error(parsed.message);
    return createNoteVerifier(parsed.value);
  };
  const keys = { log: [verifierOf(log.vkey)], witnesses: [verifierOf(w.vkey)] };
  const proofFor = (index: number, extra?: Uint8Array) =>
    formatTlogProof({
      ...(extra === undefined ? {} : { extra }),
      index,
      proof: tree.inclusionProof(index),
      checkpoint,
    });
  return { tree, keys, proofFor };
}

describe('tlog-proof', () => {
  it('every entry proves, parses back and verifies with its cosignature time', async () => {
    const { keys, proofFor } = await setup();
    for (const index of [0, 1, 50, 98, 99]) {
      const text = proofFor(index);
      const result = await verifyTlogProof(text, {
        ...keys,
        leafHash: hashLeaf(entries[index] as Uint8Array),
      });
      expect(result.ok, String(index)).toBe(true);
      if (result.ok) {
        expect(result.value.index).toBe(index);
        expect(result.value.checkpoint.cosignatures.map((c) => c.timestamp)).toEqual([1_700_000_000]);
      }
    }
  });

  it('carries extra data unauthenticated, and formats what it parses byte for byte', async () => {
    const { proofFor } = await setup();
    const text = proofFor(7, new Uint8Array([1, 2, 3]));
    const parsed = parseTlogProof(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.value.extra).toEqual(new Uint8Array([1, 2, 3]));
      expect(formatTlogProof(parsed.value)).toBe(text);
    }
  });

  it('fails for another entry, and for any changed line', async () => {
    const { keys, proofFor } = await setup();
    const leafHash = hashLeaf(entries[42] as Uint8Array);
    const text = proofFor(42);
    const wrongLeaf = await verifyTlogProof(text, { ...keys, leafHash: hashLeaf(entries[43] as Uint8Array) });
    expect(wrongLeaf).toMatchObject({ ok: false, code: 'TLOG_INCLUSION_INVALID' });
    const lines = text.split('\n');
    const codes = new Set<string>();
    for (let i = 1; i < lines.length - 1; i++) {
      const line = lines[i] as string;
      if (line === '') continue;
      // Change one character in the middle of the line.
      const at = Math.floor(line.length / 2);
      const changed = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
      const mutated = [...lines.slice(0, i), changed, ...lines.slice(i + 1)].join('\n');
      const result = await verifyTlogProof(mutated, { ...keys, leafHash });
      expect(result.ok, `line ${i}: ${changed}`).toBe(false);
      if (!result.ok) codes.add(result.code);
    }
    expect([...codes].sort()).toEqual(
      [
        'CHECKPOINT_MALFORMED',
        'NOTE_MALFORMED',
        'NOTE_SIGNATURE_INVALID',
        'TLOG_INCLUSION_INVALID',
        'TLOG_PROOF_MALFORMED',
      ].filter((c) => codes.has(c)),
    );
    expect(codes.has('TLOG_INCLUSION_INVALID')).toBe(true);
    expect(codes.has('NOTE_SIGNATURE_INVALID')).toBe(true);
  });

  for (const [what, edit] of [
    ['a wrong header', (t: string) => t.replace('tlog-proof@v1', 'tlog-proof@v2')],
    ['an index with a leading zero', (t: string) => t.replace('index 42', 'index 042')],
    ['a missing index', (t: string) => t.replace('index 42\n', '')],
    ['extra that is not base64', (t: string) => t.replace('index 42', 'extra !!\nindex 42')],
    [
      'a 31-byte hash',
      (t: string) => t.replace(/\n([A-Za-z0-9+/]{43}=)\n/, `\n${encodeBase64(new Uint8Array(31))}\n`),
    ],
    ['no blank line before the checkpoint', (t: string) => t.slice(0, t.indexOf('\n\n'))],
    ['no checkpoint', (t: string) => t.slice(0, t.indexOf('\n\n') + 2)],
  ] as const) {
    it(`refuses ${what}`, async () => {
      const { proofFor } = await setup();
      const text = edit(proofFor(42));
      expect(text).not.toBe(proofFor(42));
      expect(parseTlogProof(text)).toMatchObject({ ok: false, code: 'TLOG_PROOF_MALFORMED' });
    });
  }

  it('refuses more than 63 proof hashes', () => {
    const hashes = Array.from({ length: 64 }, () => encodeBase64(new Uint8Array(32))).join('\n');
    const text = `c2sp.org/tlog-proof@v1\nindex 0\n${hashes}\n\norigin\n0\n${encodeBase64(new Uint8Array(32))}\n`;
    expect(parseTlogProof(text)).toMatchObject({ ok: false, code: 'TLOG_PROOF_MALFORMED' });
  });
});

describe('tlog-witness add-checkpoint bodies', () => {
  it('carry a consistency proof from the old size; old size 0 has an empty proof', async () => {
    const { tree } = await setup();
    const checkpoint =
      'example.com/assent/log\n100\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 x AAAAAAE=\n';
    const body = formatAddCheckpoint({ oldSize: 60, proof: tree.consistencyProof(60), checkpoint });
    const parsed = parseAddCheckpoint(body);
    expect(parsed.ok && parsed.value.proof).toEqual(tree.consistencyProof(60));
    expect(parseAddCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint }))).toMatchObject({
      ok: true,
      value: { oldSize: 0, proof: [] },
    });
  });

  it('refuses more than 63 proof lines, no empty line, and a checkpoint without its final newline', () => {
    const hash = encodeBase64(new Uint8Array(32));
    const checkpoint = 'o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 x AAAAAAE=\n';
    const many = `old 1\n${`${hash}\n`.repeat(64)}\n${checkpoint}`;
    expect(parseAddCheckpoint(many)).toMatchObject({ code: 'ADD_CHECKPOINT_MALFORMED' });
    expect(parseAddCheckpoint(`old 1\n${hash}\n`)).toMatchObject({ code: 'ADD_CHECKPOINT_MALFORMED' });
    expect(parseAddCheckpoint(`old 1\n\n${checkpoint.slice(0, -1)}`)).toMatchObject({
      code: 'ADD_CHECKPOINT_MALFORMED',
    });
    expect(() => formatAddCheckpoint({ oldSize: -1, proof: [], checkpoint })).toThrow(RangeError);
  });
});
