import { GatewayError } from './errors.js';

/**
 * Takes bytes of the gateway's in-flight body budget for this request, or throws the refusal
 * (`GATEWAY_BUSY`, or `BODY_TOO_LARGE` when the body could never fit).
 */
export type TakeBodyBytes = (bytes: number) => void;

/**
 * Reads a request body into memory, refusing it as soon as it passes `limit` bytes: a declared
 * `content-length` over the limit is refused before a byte is read, and a chunked (or lying) body is
 * cut off at the first chunk past the limit (`BODY_TOO_LARGE`, HTTP 413). `take` is called with the
 * declared length before reading, or with each chunk of a body of undeclared length.
 */
export async function readBody(request: Request, limit: number, take?: TakeBodyBytes): Promise<Uint8Array> {
  const length = declaredLength(request.headers.get('content-length'));
  if (length !== undefined && length > limit) throw tooLarge(limit);
  if (length !== undefined) take?.(length);
  const body = request.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    try {
      if (size > limit) throw tooLarge(limit);
      if (length === undefined) take?.(value.byteLength);
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      throw error;
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('BODY_TOO_LARGE', `the request body is larger than ${limit} bytes`);
}

/** The media type of a `content-type` value, lower case, without parameters; '' when absent. */
export function mediaTypeOf(value: string | null | undefined): string {
  return ((value ?? '').split(';', 1)[0] as string).trim().toLowerCase();
}

/**
 * What the Node server hands the app per request (the env of `app.fetch`), so that the hot routes
 * need not build a WHATWG `Request` and stream to reach the body and headers: about an eighth of a
 * publish went into that. Absent under `app.request()` and other runtimes, where the `Request` is used.
 */
export interface NodeRequestEnv {
  /** The socket's remote address: the default rate-limit key. */
  readonly clientKey?: string;
  /** The request's `content-type` header. */
  readonly contentType?: string | undefined;
  /** Reads the whole body with the same limit and budget rules as {@link readBody}. */
  readonly readBody?: (limit: number, take?: TakeBodyBytes) => Promise<Uint8Array>;
  /** A signal aborted when the client goes away before the answer is sent. */
  readonly abortSignal?: () => AbortSignal;
}

/** The declared length of a body, or undefined; `BAD_REQUEST` when it is not a number. */
export function declaredLength(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const length = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(length)) {
    throw new GatewayError('BAD_REQUEST', 'content-length is not a number');
  }
  return length;
}

/**
 * Reads a body from chunks as they arrive (a Node `IncomingMessage`), with the rules of
 * {@link readBody}: over `limit` → `BODY_TOO_LARGE` at the first chunk past it, and the rest is not
 * kept; `take` refusing → its error; a stream that fails or is cut off → `BAD_REQUEST`.
 */
export function readChunks(
  stream: {
    on(event: string, f: (chunk: Uint8Array) => void): unknown;
    off(event: string, f: (chunk: Uint8Array) => void): unknown;
    readonly readableEnded?: boolean;
  },
  declared: string | undefined,
  limit: number,
  take?: TakeBodyBytes,
): Promise<Uint8Array> {
  const length = declaredLength(declared);
  if (length !== undefined && length > limit) return Promise.reject(tooLarge(limit));
  if (length !== undefined && take !== undefined) {
    try {
      take(length);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  if (stream.readableEnded === true) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    // Only this reader's own listeners come off: the server has its own on the same stream.
    const stop = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('aborted', onCut);
      stream.off('error', onCut);
      stream.off('close', onCut);
    };
    const onData = (chunk: Uint8Array) => {
      size += chunk.byteLength;
      try {
        if (size > limit) throw tooLarge(limit);
        if (length === undefined) take?.(chunk.byteLength);
      } catch (error) {
        stop();
        reject(error);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(concat(chunks, size));
    };
    const onCut = () => {
      stop();
      reject(new GatewayError('BAD_REQUEST', 'the request was aborted'));
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('aborted', onCut);
    stream.on('error', onCut);
    // A connection that closes before the body ends (without 'aborted' on some Node versions).
    stream.on('close', onCut);
  });
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
