import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cosignatureMessage,
  createNoteSigner,
  createNoteVerifier,
  decodeBase64,
  formatAddCheckpoint,
  formatKeyId,
  formatTileIndex,
  parseAddCheckpoint,
  parseCheckpoint,
  parseCosignature,
  parseNote,
  parseTilePath,
  parseTlogProof,
  parseVkey,
  signNote,
  tileLevels,
  tilePath,
  verifyNote,
} from '../src/index.js';

/**
 * The spec and reference-implementation examples in test/vectors/tlog/ (see its README for where
 * each string comes from): Go sumdb/note, transparency-dev/formats and the C2SP spec texts.
 */

const dir = join(import.meta.dirname, '../../../test/vectors/tlog');
function load<T>(name: string): T {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
}
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

interface Case {
  id: string;
  comment: string;
  result?: 'valid' | 'invalid';
  code?: string;
}

function vkeysOf(texts: string[]) {
  return texts.map((text) => {
    const parsed = parseVkey(text);
    if (!parsed.ok) throw new Error(`vector vkey does not parse: ${text}`);
    return createNoteVerifier(parsed.value);
  });
}

describe('signed-note verification vectors (note-verify.json)', () => {
  const file = load<{
    numberOfTests: number;
    tests: (Case & {
      input: { vkeys: string[]; note?: string; noteHex?: string };
      verified?: string[];
      unknown?: string[];
    })[];
  }>('note-verify.json');
  it('holds numberOfTests cases', () => expect(file.tests).toHaveLength(file.numberOfTests));
  for (const t of file.tests) {
    it(`${t.id}: ${t.result} — ${t.comment}`, async () => {
      const input = t.input.noteHex !== undefined ? fromHex(t.input.noteHex) : (t.input.note as string);
      const result = await verifyNote(input, vkeysOf(t.input.vkeys));
      if (t.result === 'valid') {
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.value.verified.map((s) => s.name)).toEqual(t.verified);
        expect(result.value.unknown.map((s) => s.name)).toEqual(t.unknown);
      } else {
        expect(result.ok ? 'ok' : result.code).toBe(t.code);
      }
    });
  }
});

describe('signed-note signing vectors (note-sign.json)', () => {
  const file = load<{
    tests: (Case & { input: { name: string; seedHex: string; text: string }; vkey: string; note: string })[];
  }>('note-sign.json');
  for (const t of file.tests) {
    it(`${t.id}: ${t.comment}`, async () => {
      const signer = await createNoteSigner(t.input.name, fromHex(t.input.seedHex));
      expect(signer.vkey).toBe(t.vkey);
      expect(await signNote(t.input.text, [signer])).toBe(t.note);
    });
  }
});

describe('vkey vectors (vkey.json)', () => {
  const file = load<{ tests: (Case & { input: string; name?: string; keyId?: string; type?: number })[] }>(
    'vkey.json',
  );
  for (const t of file.tests) {
    it(`${t.id}: ${t.result} — ${t.comment}`, () => {
      const result = parseVkey(t.input);
      if (t.result === 'valid') {
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.value.name).toBe(t.name);
        expect(formatKeyId(result.value.keyId)).toBe(t.keyId);
        expect(result.value.type).toBe(t.type);
      } else {
        expect(result.ok ? 'ok' : result.code).toBe(t.code);
      }
    });
  }
});

describe('cosignature vectors (cosignature.json)', () => {
  const file = load<{
    tests: (Case & {
      input: string;
      keyId?: string;
      timestamp?: number;
      message?: string;
      checkpoint?: string;
    })[];
  }>('cosignature.json');
  for (const t of file.tests) {
    it(`${t.id}: ${t.result} — ${t.comment}`, () => {
      const bytes = decodeBase64(t.input);
      expect(bytes).toBeDefined();
      if (bytes === undefined) return;
      const parsed = parseCosignature(bytes.slice(4));
      if (t.result === 'valid') {
        expect(hex(bytes.slice(0, 4))).toBe(t.keyId);
        expect(parsed.ok && parsed.value.timestamp).toBe(t.timestamp);
        if (t.message !== undefined && t.checkpoint !== undefined && parsed.ok) {
          const message = cosignatureMessage(parsed.value.timestamp, new TextEncoder().encode(t.checkpoint));
          expect(new TextDecoder().decode(message)).toBe(t.message);
        }
      } else {
        expect(parsed.ok ? 'ok' : parsed.code).toBe(t.code);
      }
    });
  }
});

describe('checkpoint vectors (checkpoint.json)', () => {
  const file = load<{
    tests: (Case & {
      input: string;
      origin?: string;
      size?: number;
      rootHex?: string;
      extensions?: string[];
    })[];
  }>('checkpoint.json');
  for (const t of file.tests) {
    it(`${t.id}: ${t.result} — ${t.comment}`, () => {
      const result = parseCheckpoint(t.input);
      if (t.result === 'valid') {
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.value.origin).toBe(t.origin);
        expect(result.value.size).toBe(t.size);
        expect(hex(result.value.root)).toBe(t.rootHex);
        expect(result.value.extensions).toEqual(t.extensions ?? []);
      } else {
        expect(result.ok ? 'ok' : result.code).toBe(t.code);
      }
    });
  }
});

describe('tlog-tiles vectors (tiles.json)', () => {
  const file = load<{
    paths: (Case & { index: number; path: string })[];
    sizes: (Case & { size: number; levels: { level: number; full: number; partial: number }[] })[];
  }>('tiles.json');
  for (const t of file.paths) {
    it(`${t.id}: ${t.comment}`, () => {
      expect(formatTileIndex(t.index)).toBe(t.path);
      expect(tilePath({ level: 0, index: t.index, width: 256 })).toBe(`tile/0/${t.path}`);
      expect(parseTilePath(`tile/0/${t.path}`)).toEqual({
        ok: true,
        value: { level: 0, index: t.index, width: 256 },
      });
    });
  }
  for (const t of file.sizes) {
    it(`${t.id}: ${t.comment}`, () => {
      expect(tileLevels(t.size)).toEqual(
        t.levels.map((l) => ({ level: l.level, full: l.full, partialWidth: l.partial })),
      );
    });
  }
});

describe('tlog-proof vectors (tlog-proof.json)', () => {
  const file = load<{
    tests: (Case & {
      input: string;
      index: number;
      extraBase64: string;
      proofLength: number;
      checkpointFirstLine: string;
    })[];
  }>('tlog-proof.json');
  for (const t of file.tests) {
    it(`${t.id}: ${t.comment}`, () => {
      const result = parseTlogProof(t.input);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.value.index).toBe(t.index);
      expect(result.value.extra).toEqual(decodeBase64(t.extraBase64));
      expect(result.value.proof).toHaveLength(t.proofLength);
      expect(result.value.checkpoint.split('\n')[0]).toBe(t.checkpointFirstLine);
    });
  }
});

describe('tlog-witness add-checkpoint vectors (add-checkpoint.json)', () => {
  const file = load<{
    numberOfTests: number;
    tests: (Case & {
      input: string;
      oldSize?: number;
      proofLength?: number;
      checkpointFirstLine?: string;
      checkpointSignatures?: number;
    })[];
  }>('add-checkpoint.json');
  it('holds numberOfTests cases', () => expect(file.tests).toHaveLength(file.numberOfTests));
  for (const t of file.tests) {
    it(`${t.id}: ${t.result} — ${t.comment}`, () => {
      const result = parseAddCheckpoint(t.input);
      if (t.result === 'valid') {
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.value.oldSize).toBe(t.oldSize);
        expect(result.value.proof).toHaveLength(t.proofLength as number);
        expect(result.value.checkpoint.split('\n')[0]).toBe(t.checkpointFirstLine);
        const note = parseNote(result.value.checkpoint);
        expect(note.ok && note.value.signatures.length).toBe(t.checkpointSignatures);
        expect(formatAddCheckpoint(result.value)).toBe(t.input);
      } else {
        expect(result.ok ? 'ok' : result.code).toBe(t.code);
      }
    });
  }
});
