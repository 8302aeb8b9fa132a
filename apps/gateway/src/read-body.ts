import { GatewayError } from './errors.js';

/**
 * Reads a request body into memory, refusing it as soon as it passes `limit` bytes: a declared
 * `content-length` over the limit is refused before a byte is read, and a chunked (or lying) body is
 * cut off at the first chunk past the limit (`BODY_TOO_LARGE`, HTTP 413).
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    const length = Number(declared);
    if (!/^\d+$/.test(declared) || !Number.isSafeInteger(length)) {
      throw new GatewayError('BAD_REQUEST', 'content-length is not a number');
    }
    if (length > limit) throw tooLarge(limit);
  }
  const body = request.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('BODY_TOO_LARGE', `the request body is larger than ${limit} bytes`);
}

/** The media type of a request, lower case, without parameters; '' when absent. */
export function mediaTypeOf(request: Request): string {
  const value = request.headers.get('content-type') ?? '';
  return (value.split(';', 1)[0] as string).trim().toLowerCase();
}
