/**
 * Reads the ISRC from an ID3v2 tag (the `TSRC` frame; `TRC` in ID3v2.2) at the start of a file.
 * Only what that needs: header, optional extended header, frame walk, text decoding.
 * Specs: id3.org ID3v2.3.0 §3–4, ID3v2.4.0-structure §3–4, ID3v2.4.0-frames §4.2.
 */

const ENCODINGS = ['iso-8859-1', 'utf-16', 'utf-16be', 'utf-8'] as const;

/** A 28-bit "syncsafe" integer: 4 bytes of 7 bits each (ID3v2.4 §6.2). */
function syncsafe(b: Uint8Array, at: number): number {
  return (
    (((b[at] ?? 0) & 0x7f) << 21) |
    (((b[at + 1] ?? 0) & 0x7f) << 14) |
    (((b[at + 2] ?? 0) & 0x7f) << 7) |
    ((b[at + 3] ?? 0) & 0x7f)
  );
}

function uint(b: Uint8Array, at: number, length: number): number {
  let n = 0;
  for (let i = 0; i < length; i++) n = n * 256 + (b[at + i] ?? 0);
  return n;
}

/** Undoes unsynchronisation: every 0xFF 0x00 becomes 0xFF (ID3v2.4 §6.1). */
function resync(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const byte = b[i] as number;
    out.push(byte);
    if (byte === 0xff && b[i + 1] === 0x00) i++;
  }
  return Uint8Array.from(out);
}

/** Decodes a text frame's content: an encoding byte, then text (nulls end or separate values). */
export function decodeTextFrame(content: Uint8Array): string | undefined {
  const encoding = ENCODINGS[content[0] ?? 255];
  if (encoding === undefined) return undefined;
  const text = new TextDecoder(encoding).decode(content.subarray(1));
  return text.split('\u0000')[0]?.trim();
}

/** How many bytes of a file's start hold its ID3v2 tag (header included), or 0 without one. */
export function id3TagLength(head: Uint8Array): number {
  if (head.length < 10 || head[0] !== 0x49 || head[1] !== 0x44 || head[2] !== 0x33) return 0;
  const footer = ((head[5] ?? 0) & 0x10) !== 0;
  return 10 + syncsafe(head, 6) + (footer ? 10 : 0);
}

/**
 * The raw ISRC text of the file's ID3v2 tag, or undefined when there is no tag or no ISRC frame.
 * Never throws on malformed tags: whatever cannot be read is treated as absent.
 */
export function readId3Isrc(file: Uint8Array): string | undefined {
  if (file.length < 10 || file[0] !== 0x49 || file[1] !== 0x44 || file[2] !== 0x33) return undefined;
  const major = file[3] ?? 0;
  if (major < 2 || major > 4) return undefined;
  const flags = file[5] ?? 0;
  const size = syncsafe(file, 6);
  let tag = file.subarray(10, Math.min(file.length, 10 + size));
  // v2.2/v2.3 unsynchronise the whole tag; v2.4 marks it per frame as well, handled below.
  if ((flags & 0x80) !== 0 && major < 4) tag = resync(tag);
  let at = 0;
  if ((flags & 0x40) !== 0 && major >= 3) {
    at = major === 4 ? syncsafe(tag, 0) : 4 + uint(tag, 0, 4);
  }
  const idLength = major === 2 ? 3 : 4;
  const headerLength = major === 2 ? 6 : 10;
  const wanted = major === 2 ? 'TRC' : 'TSRC';
  while (at + headerLength <= tag.length) {
    const id = String.fromCharCode(...tag.subarray(at, at + idLength));
    if (!/^[A-Z0-9]+$/.test(id)) return undefined; // padding or garbage: no more frames
    const frameSize =
      major === 2 ? uint(tag, at + 3, 3) : major === 4 ? syncsafe(tag, at + 4) : uint(tag, at + 4, 4);
    const start = at + headerLength;
    const end = start + frameSize;
    if (frameSize === 0 || end > tag.length) return undefined;
    if (id === wanted) {
      let content = tag.subarray(start, end);
      if (major >= 3) {
        const frameFlags = uint(tag, at + 8, 2);
        const compressedOrEncrypted = major === 4 ? (frameFlags & 0x000c) !== 0 : (frameFlags & 0x00c0) !== 0;
        if (compressedOrEncrypted) return undefined;
        if (major === 4 && (frameFlags & 0x0002) !== 0) content = resync(content);
        if (major === 4 && (frameFlags & 0x0001) !== 0) content = content.subarray(4);
      }
      return decodeTextFrame(content) || undefined;
    }
    at = end;
  }
  return undefined;
}
