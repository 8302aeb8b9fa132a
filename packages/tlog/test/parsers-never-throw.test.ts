import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBase64,
  encodeBase64,
  parseCheckpoint,
  parseCosignature,
  parseEntryBundle,
  parseNote,
  parseTilePath,
  parseTlogProof,
  parseVkey,
} from '../src/index.js';

/**
 * Hostile input never throws: every parser answers a result for any string or bytes (STYLE §5:
 * only misuse throws). And base64 has one spelling per value (RFC 4648 §3.5 canonical encoding).
 */

const noteish = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc
    .tuple(fc.string({ maxLength: 60 }), fc.array(fc.string({ maxLength: 40 }), { maxLength: 5 }))
    .map(([text, sigs]) => `${text}\n\n${sigs.map((s) => `\u2014 ${s}\n`).join('')}`),
);

describe('parsers on arbitrary input (fast-check)', () => {
  it('never throw on strings', () => {
    fc.assert(
      fc.property(noteish, (text) => {
        for (const parse of [parseNote, parseCheckpoint, parseTlogProof, parseTilePath, parseVkey]) {
          const result = parse(text);
          expect(typeof result.ok).toBe('boolean');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throw on bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(typeof parseNote(bytes).ok).toBe('boolean');
        expect(typeof parseEntryBundle(bytes).ok).toBe('boolean');
        expect(typeof parseCosignature(bytes).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('base64 round-trips, and decodes only its canonical spelling', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
        expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (text) => {
        const decoded = decodeBase64(text);
        if (decoded !== undefined) expect(encodeBase64(decoded)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
