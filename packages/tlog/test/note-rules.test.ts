import { describe, expect, it } from 'vitest';
import {
  createCosigner,
  createNoteSigner,
  createNoteVerifier,
  formatCheckpoint,
  formatKeyId,
  hashLeaf,
  MAX_NOTE_BYTES,
  type NoteSigner,
  parseNote,
  parseVkey,
  signNote,
  verifyCheckpoint,
  verifyNote,
} from '../src/index.js';

/**
 * The "must fail" (and "must pass") note and checkpoint rules of DESIGN-TRUST §1.4, on notes signed
 * here with fixed seeds. Each case cites the rule of C2SP signed-note or tlog-checkpoint it checks.
 */

const seed = (n: number) => new Uint8Array(32).fill(n);

async function keyPair(name: string, n: number) {
  const signer = await createNoteSigner(name, seed(n));
  const vkey = parseVkey(signer.vkey);
  if (!vkey.ok) throw new Error(vkey.message);
  return { signer, verifier: createNoteVerifier(vkey.value) };
}

async function witness(name: string, n: number, time = 1_700_000_000) {
  const signer = await createCosigner(name, seed(n), { now: () => time });
  const vkey = parseVkey(signer.vkey);
  if (!vkey.ok) throw new Error(vkey.message);
  return { signer, verifier: createNoteVerifier(vkey.value) };
}

const ORIGIN = 'example.com/assent/log';
const checkpointText = formatCheckpoint({ origin: ORIGIN, size: 5, root: hashLeaf(new Uint8Array([1])) });

describe('signed-note §Signatures: which signatures count', () => {
  it('ignores a line from an unknown key; the note still verifies', async () => {
    const known = await keyPair('alice', 1);
    const stranger = await keyPair('mallory', 2);
    const note = await signNote('hello\n', [known.signer, stranger.signer]);
    const result = await verifyNote(note, [known.verifier]);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.verified.map((s) => s.name)).toEqual(['alice']);
      expect(result.value.unknown.map((s) => s.name)).toEqual(['mallory']);
    }
  });

  it('ignores a line that shares the name but not the key ID of a known key, even with a garbage signature', async () => {
    const known = await keyPair('alice', 1);
    const impostor = await keyPair('alice', 3);
    const note = await signNote('hello\n', [known.signer, impostor.signer]);
    expect((await verifyNote(note, [known.verifier])).ok).toBe(true);
    // Same name, other ID, bogus bytes: still ignored, not a failure.
    const parsed = parseNote(note);
    expect(parsed.ok).toBe(true);
  });

  it('rejects the note when a known key signed badly, even beside a good signature', async () => {
    const alice = await keyPair('alice', 1);
    const bob = await keyPair('bob', 2);
    const forged: NoteSigner = {
      ...bob.signer,
      sign: async (text) => (await bob.signer.sign(text)).map((b, i) => (i === 0 ? b ^ 1 : b)),
    };
    const note = await signNote('hello\n', [alice.signer, forged]);
    const result = await verifyNote(note, [alice.verifier, bob.verifier]);
    expect(result.ok ? 'ok' : result.code).toBe('NOTE_SIGNATURE_INVALID');
  });

  it('rejects a note no known key signed', async () => {
    const alice = await keyPair('alice', 1);
    const bob = await keyPair('bob', 2);
    const note = await signNote('hello\n', [alice.signer]);
    const result = await verifyNote(note, [bob.verifier]);
    expect(result.ok ? 'ok' : result.code).toBe('NOTE_UNVERIFIED');
  });

  it('rejects a changed text under a good signature', async () => {
    const alice = await keyPair('alice', 1);
    const note = await signNote('hello\n', [alice.signer]);
    const result = await verifyNote(note.replace('hello', 'hullo'), [alice.verifier]);
    expect(result.ok ? 'ok' : result.code).toBe('NOTE_SIGNATURE_INVALID');
  });

  it('accepts 17 valid signatures (signed-note §Format: MUST accept at least 16)', async () => {
    const pairs = await Promise.all(Array.from({ length: 17 }, (_, i) => keyPair(`signer${i}`, i + 1)));
    const note = await signNote(
      'hello\n',
      pairs.map((p) => p.signer),
    );
    const result = await verifyNote(
      note,
      pairs.map((p) => p.verifier),
    );
    expect(result.ok && result.value.verified.length).toBe(17);
  });

  it('refuses two verifiers for one (name, key ID): a programming error', async () => {
    const alice = await keyPair('alice', 1);
    const note = await signNote('hello\n', [alice.signer]);
    await expect(verifyNote(note, [alice.verifier, alice.verifier])).rejects.toThrow(TypeError);
  });
});

describe('signed-note §Format: parsing', () => {
  it('splits text and signatures at the last blank line, so the text may hold blank lines', async () => {
    const alice = await keyPair('alice', 1);
    const text = 'first paragraph\n\nsecond paragraph\n\n\nthird\n';
    const note = await signNote(text, [alice.signer]);
    const result = await verifyNote(note, [alice.verifier]);
    expect(result.ok && result.value.text).toBe(text);
  });

  it('a text that ends in a blank line still round-trips (the last blank line is the separator)', async () => {
    const alice = await keyPair('alice', 1);
    const note = await signNote('hello\n\n', [alice.signer]);
    const result = await verifyNote(note, [alice.verifier]);
    expect(result.ok && result.value.text).toBe('hello\n\n');
  });

  const line = '\u2014 alice AAAAAAE=\n';
  for (const [what, note] of [
    ['a name with +', 'hello\n\n\u2014 ali+ce AAAAAAE=\n'],
    ['a name with a space', 'hello\n\n\u2014 ali ce AAAAAAE=\n'],
    ['a name with a no-break space', 'hello\n\n\u2014 ali\u00a0ce AAAAAAE=\n'],
    ['an empty name', 'hello\n\n\u2014  AAAAAAE=\n'],
    ['a tab in the text', `hel\tlo\n\n${line}`],
    ['a carriage return', `hello\r\n\n${line}`],
    ['a NUL', `hel\u0000lo\n\n${line}`],
    ['a lone surrogate', `hel\ud800lo\n\n${line}`],
    ['a hyphen instead of an em dash', 'hello\n\n- alice AAAAAAE=\n'],
    ['a signature of 4 bytes (only a key ID)', 'hello\n\n\u2014 alice AAAAAA==\n'],
    ['unpadded base64', 'hello\n\n\u2014 alice AAAAAAE\n'],
    ['base64 with unused bits set', 'hello\n\n\u2014 alice AAAAAAF=\n'],
    ['no blank line', `hello\n${line}`],
  ] as const) {
    it(`rejects ${what}`, () => {
      const result = parseNote(note);
      expect(result.ok ? 'ok' : result.code).toBe('NOTE_MALFORMED');
    });
  }

  it('a blank line among signature lines makes the lines above it part of the text', () => {
    const result = parseNote(`hello\n\n${line}\n${line}`);
    expect(result.ok && result.value.text).toBe(`hello\n\n${line}`);
    expect(result.ok && result.value.signatures).toHaveLength(1);
  });

  it('rejects invalid UTF-8 bytes (an overlong encoding and a lone continuation byte)', () => {
    const valid = new TextEncoder().encode(`hello\n\n${line}`);
    for (const bad of [[0xc0, 0xaf], [0x80], [0xed, 0xa0, 0x80]]) {
      const bytes = new Uint8Array([...bad, ...valid]);
      const result = parseNote(bytes);
      expect(result.ok ? 'ok' : result.code).toBe('NOTE_MALFORMED');
    }
    expect(parseNote(valid).ok).toBe(true);
  });

  it('rejects a note of 1 MB by its size cap before looking at it', () => {
    const big = `${'a'.repeat(1_000_000)}\n\n${line}`;
    expect(parseNote(big)).toMatchObject({ ok: false, code: 'NOTE_TOO_LARGE' });
    expect(parseNote(new TextEncoder().encode(big))).toMatchObject({ ok: false, code: 'NOTE_TOO_LARGE' });
    const atCap = `${'a'.repeat(MAX_NOTE_BYTES - line.length - 10)}\n\n${line}`;
    expect(parseNote(atCap).ok).toBe(true);
  });

  it('signNote refuses texts a note cannot carry (misuse throws)', async () => {
    const alice = await keyPair('alice', 1);
    await expect(signNote('no newline', [alice.signer])).rejects.toThrow(TypeError);
    await expect(signNote('bell\u0007\n', [alice.signer])).rejects.toThrow(TypeError);
    await expect(signNote('hello\n', [])).rejects.toThrow(TypeError);
  });

  it('signNote keeps the existing lines of a parsed note and replaces its own', async () => {
    const alice = await keyPair('alice', 1);
    const bob = await keyPair('bob', 2);
    const first = parseNote(await signNote('hello\n', [alice.signer, bob.signer]));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const again = parseNote(await signNote(first.value, [alice.signer]));
    expect(again.ok && again.value.signatures.map((s) => s.name)).toEqual(['bob', 'alice']);
  });
});

describe('tlog-checkpoint and tlog-cosignature: verifying a checkpoint', () => {
  it('verifies a log signature with name = origin and reports witness cosignatures with their time', async () => {
    const log = await keyPair(ORIGIN, 1);
    const w1 = await witness('witness.example/w1', 7, 1_700_000_123);
    const stranger = await witness('witness.example/unknown', 8);
    const note = await signNote(checkpointText, [log.signer, w1.signer, stranger.signer]);
    const result = await verifyCheckpoint(note, { log: [log.verifier], witnesses: [w1.verifier] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.origin).toBe(ORIGIN);
    expect(result.value.size).toBe(5);
    expect(result.value.cosignatures).toEqual([
      { name: 'witness.example/w1', keyId: w1.signer.keyId, timestamp: 1_700_000_123 },
    ]);
    expect(result.value.note.unknown.map((s) => s.name)).toEqual(['witness.example/unknown']);
  });

  it('rejects a checkpoint whose origin is not the signing log key name', async () => {
    const log = await keyPair('example.com/other-log', 1);
    const note = await signNote(checkpointText, [log.signer]);
    const result = await verifyCheckpoint(note, { log: [log.verifier] });
    expect(result.ok ? 'ok' : result.code).toBe('CHECKPOINT_ORIGIN_MISMATCH');
  });

  it('rejects a checkpoint only witnesses signed', async () => {
    const log = await keyPair(ORIGIN, 1);
    const w1 = await witness('witness.example/w1', 7);
    const note = await signNote(checkpointText, [w1.signer]);
    const result = await verifyCheckpoint(note, { log: [log.verifier], witnesses: [w1.verifier] });
    expect(result.ok ? 'ok' : result.code).toBe('NOTE_UNVERIFIED');
  });

  it('rejects a cosignature made over another checkpoint, or with its timestamp changed', async () => {
    const log = await keyPair(ORIGIN, 1);
    const w1 = await witness('witness.example/w1', 7);
    const good = await signNote(checkpointText, [log.signer, w1.signer]);
    const lines = good.split('\n');
    const cosigLine = lines[lines.length - 2] as string;
    const b64 = cosigLine.split(' ')[2] as string;
    const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
    bytes[11] = (bytes[11] as number) ^ 1; // the low byte of the timestamp
    const retimed = good.replace(b64, Buffer.from(bytes).toString('base64'));
    const result = await verifyCheckpoint(retimed, { log: [log.verifier], witnesses: [w1.verifier] });
    expect(result.ok ? 'ok' : result.code).toBe('NOTE_SIGNATURE_INVALID');
    const otherCheckpoint = formatCheckpoint({
      origin: ORIGIN,
      size: 6,
      root: hashLeaf(new Uint8Array([1])),
    });
    const moved = `${otherCheckpoint}\n${(await signNote(otherCheckpoint, [log.signer])).split('\n\n')[1]?.trimEnd()}\n${cosigLine}\n`;
    const result2 = await verifyCheckpoint(moved, { log: [log.verifier], witnesses: [w1.verifier] });
    expect(result2.ok ? 'ok' : result2.code).toBe('NOTE_SIGNATURE_INVALID');
  });

  it('a cosignature key cannot stand in as a log key, nor the reverse (misuse throws)', async () => {
    const log = await keyPair(ORIGIN, 1);
    const w1 = await witness('witness.example/w1', 7);
    const note = await signNote(checkpointText, [log.signer]);
    await expect(verifyCheckpoint(note, { log: [w1.verifier] })).rejects.toThrow(TypeError);
    await expect(verifyCheckpoint(note, { log: [log.verifier], witnesses: [log.verifier] })).rejects.toThrow(
      TypeError,
    );
  });

  it('reads the C2SP example checkpoint, and without its key finds nothing verified', async () => {
    const example =
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
      '\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' +
      '\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';
    const parsed = parseNote(example);
    expect(parsed.ok && parsed.value.signatures.map((s) => formatKeyId(s.keyId))).toEqual([
      '033de0ae',
      '8d66cf3f',
    ]);
    const log = await keyPair(ORIGIN, 1);
    expect(await verifyCheckpoint(example, { log: [log.verifier] })).toMatchObject({
      ok: false,
      code: 'NOTE_UNVERIFIED',
    });
  });
});
