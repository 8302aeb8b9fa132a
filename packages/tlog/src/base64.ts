/**
 * Standard base64 with padding (RFC 4648 §4), the encoding every C2SP tlog format uses. Decoding is
 * strict: only the canonical spelling of some bytes is accepted (padding present, unused bits zero),
 * so one value has one text and signed text cannot be re-spelled.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes as padded standard base64 (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      ALPHABET[n >> 18] + (ALPHABET[(n >> 12) & 63] as string) + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += `${ALPHABET[n >> 18]}${ALPHABET[(n >> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += `${ALPHABET[n >> 18]}${ALPHABET[(n >> 12) & 63]}${ALPHABET[(n >> 6) & 63]}=`;
  }
  return out;
}

/**
 * Decodes canonical padded standard base64, or returns undefined: a wrong length, a character outside
 * the alphabet, misplaced padding or non-zero unused bits (RFC 4648 §3.5) are all refused.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    const last = i + 4 === text.length;
    for (let j = 0; j < 4; j++) {
      const code = text.charCodeAt(i + j);
      let v = code < 128 ? (VALUES[code] as number) : -1;
      if (v < 0) {
        if (!(last && code === 61 && j >= 4 - padding)) return undefined; // '=' only as final padding
        v = 0;
      }
      n = (n << 6) | v;
    }
    if (last && padding === 2 && (n & 0xffff) !== 0) return undefined; // unused bits set
    if (last && padding === 1 && (n & 0xff) !== 0) return undefined;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}
