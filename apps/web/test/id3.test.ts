import { describe, expect, it } from 'vitest';
import { id3TagLength, readId3Isrc } from '../src/id3.js';

function syncsafe(n: number): number[] {
  return [(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f];
}

function be(n: number, bytes: number): number[] {
  return Array.from({ length: bytes }, (_, i) => (n >> (8 * (bytes - 1 - i))) & 0xff);
}

function textContent(text: string, encoding = 0): number[] {
  if (encoding === 1) {
    const out = [1, 0xff, 0xfe];
    for (const ch of text) out.push(ch.charCodeAt(0), 0);
    return out;
  }
  return [encoding, ...new TextEncoder().encode(text)];
}

function tag(major: 2 | 3 | 4, frames: [string, number[]][], flags = 0): Uint8Array {
  const body: number[] = [];
  for (const [id, content] of frames) {
    if (major === 2) body.push(...new TextEncoder().encode(id), ...be(content.length, 3), ...content);
    else {
      const size = major === 4 ? syncsafe(content.length) : be(content.length, 4);
      body.push(...new TextEncoder().encode(id), ...size, 0, 0, ...content);
    }
  }
  body.push(0, 0, 0, 0); // padding
  return Uint8Array.from([0x49, 0x44, 0x33, major, 0, flags, ...syncsafe(body.length), ...body, 0xff, 0xfb]);
}

describe('readId3Isrc', () => {
  it('reads TSRC from ID3v2.3 after other frames', () => {
    const file = tag(3, [
      ['TIT2', textContent('Night Drive')],
      ['TSRC', textContent('USRC17607839')],
    ]);
    expect(readId3Isrc(file)).toBe('USRC17607839');
    expect(id3TagLength(file)).toBe(file.length - 2);
  });

  it('reads TSRC from ID3v2.4 (syncsafe frame sizes, UTF-8) and TRC from ID3v2.2', () => {
    expect(readId3Isrc(tag(4, [['TSRC', textContent('GB-AYE-26-00123', 3)]]))).toBe('GB-AYE-26-00123');
    expect(readId3Isrc(tag(2, [['TRC', textContent('USRC17607839')]]))).toBe('USRC17607839');
  });

  it('decodes UTF-16 with a byte order mark', () => {
    expect(readId3Isrc(tag(3, [['TSRC', textContent('USRC17607839', 1)]]))).toBe('USRC17607839');
  });

  it('answers undefined without a tag, without the frame, or for garbage', () => {
    expect(readId3Isrc(Uint8Array.from([0xff, 0xfb, 0x90, 0x64]))).toBeUndefined();
    expect(readId3Isrc(tag(3, [['TIT2', textContent('x')]]))).toBeUndefined();
    expect(
      readId3Isrc(Uint8Array.from([0x49, 0x44, 0x33, 3, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2])),
    ).toBeUndefined();
    expect(readId3Isrc(Uint8Array.from([0x49, 0x44, 0x33, 9, 0, 0, 0, 0, 0, 10]))).toBeUndefined();
    // A frame that claims more bytes than the tag holds.
    const lying = tag(3, [['TSRC', textContent('USRC17607839')]]);
    lying[17] = 0x7f;
    expect(readId3Isrc(lying)).toBeUndefined();
  });

  it('never throws on random bytes after an ID3 header', () => {
    for (let i = 0; i < 500; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(64));
      bytes.set([0x49, 0x44, 0x33, 2 + (i % 3)], 0);
      expect(() => readId3Isrc(bytes)).not.toThrow();
    }
  });
});
