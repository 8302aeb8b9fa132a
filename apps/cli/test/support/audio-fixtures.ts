/**
 * Small but valid audio files, written byte by byte so the tests need no encoder or binary fixture:
 * - MP3: an ID3v2.4 tag (TIT2 title, TSRC ISRC, UTF-8 frames with syncsafe sizes) followed by MPEG-1
 *   Layer III frames (128 kbit/s, 44.1 kHz, 417 bytes each) of silence;
 * - FLAC: `fLaC`, a STREAMINFO block and a VORBIS_COMMENT block with TITLE= and ISRC=;
 * - WAV: a RIFF/WAVE file of 16-bit PCM silence (no tags, so identified by its hash only).
 * `seed` varies the audio bytes so every file has its own SHA-256.
 */
function syncsafe(n: number): number[] {
  return [(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f];
}

function id3Frame(id: string, text: string): Buffer {
  const body = Buffer.concat([Buffer.from([0x03]), Buffer.from(text, 'utf8')]);
  return Buffer.concat([
    Buffer.from(id, 'latin1'),
    Buffer.from(syncsafe(body.length)),
    Buffer.from([0, 0]),
    body,
  ]);
}

/** An MP3 with an ID3v2.4 tag carrying `isrc` (as written, e.g. `US-RC1-76-07839`) and `title`. */
export function mp3(options: { isrc: string; title: string; seed: number; frames?: number }): Buffer {
  const frames = Buffer.concat([id3Frame('TIT2', options.title), id3Frame('TSRC', options.isrc)]);
  const header = Buffer.concat([
    Buffer.from('ID3', 'latin1'),
    Buffer.from([4, 0, 0]),
    Buffer.from(syncsafe(frames.length)),
  ]);
  const audio: Buffer[] = [];
  for (let i = 0; i < (options.frames ?? 8); i++) {
    const frame = Buffer.alloc(417, 0);
    frame.set([0xff, 0xfb, 0x90, 0x64], 0);
    frame[40] = options.seed & 0xff;
    frame[41] = i;
    audio.push(frame);
  }
  return Buffer.concat([header, frames, ...audio]);
}

/** A FLAC with a Vorbis comment block carrying ISRC= and TITLE=. */
export function flac(options: { isrc: string; title: string; seed: number }): Buffer {
  const streamInfo = Buffer.alloc(34, 0);
  streamInfo.writeUInt16BE(4096, 0);
  streamInfo.writeUInt16BE(4096, 2);
  // sample rate (20 bits) 44100, channels − 1 (3 bits) = 1, bits per sample − 1 (5 bits) = 15, samples (36 bits) = 44100
  const rate = 44100;
  const packed = (BigInt(rate) << 44n) | (1n << 41n) | (15n << 36n) | 44100n;
  streamInfo.writeBigUInt64BE(packed, 10);
  streamInfo[18] = options.seed & 0xff; // part of the MD5 field: makes each file distinct
  const vendor = Buffer.from('assent-test', 'utf8');
  const comments = [`TITLE=${options.title}`, `ISRC=${options.isrc}`].map((c) => Buffer.from(c, 'utf8'));
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  parts.push(u32(vendor.length), vendor, u32(comments.length));
  for (const c of comments) parts.push(u32(c.length), c);
  const vorbis = Buffer.concat(parts);
  const blockHeader = (last: boolean, type: number, length: number) =>
    Buffer.from([(last ? 0x80 : 0) | type, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff]);
  return Buffer.concat([
    Buffer.from('fLaC', 'latin1'),
    blockHeader(false, 0, streamInfo.length),
    streamInfo,
    blockHeader(true, 4, vorbis.length),
    vorbis,
  ]);
}

/** A WAV of 16-bit mono PCM silence (no tags). */
export function wav(options: { seed: number; samples?: number }): Buffer {
  const samples = options.samples ?? 4410;
  const data = Buffer.alloc(samples * 2, 0);
  data[0] = options.seed & 0xff;
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0); // PCM
  fmt.writeUInt16LE(1, 2); // mono
  fmt.writeUInt32LE(44100, 4);
  fmt.writeUInt32LE(44100 * 2, 8);
  fmt.writeUInt16LE(2, 12);
  fmt.writeUInt16LE(16, 14);
  const chunk = (id: string, body: Buffer) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(body.length, 4);
    return Buffer.concat([h, body]);
  };
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), chunk('fmt ', fmt), chunk('data', data)]);
  return Buffer.concat([chunk('RIFF', body)]);
}
