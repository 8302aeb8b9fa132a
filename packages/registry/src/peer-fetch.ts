/** An HTTP answer from a log peer, read whole. */
export interface PeerResponse {
  readonly status: number;
  /** The media type, lower case, without parameters. */
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** Options of {@link fetchPeer}. */
export interface PeerFetchOptions {
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly contentType?: string;
  /** Time allowed for the whole exchange, body included. */
  readonly timeoutMs: number;
  /** The most body bytes read; a longer body is a failure. */
  readonly maxBytes: number;
  /** Aborts the request (the node stopping). */
  readonly signal?: AbortSignal;
}

/**
 * One HTTP exchange with a log peer (its assent-node.json, checkpoint, tiles, witness): a timeout on
 * the whole of it, a cap on the body read, and no redirects (a peer is the URL the operator named).
 * Throws on a network failure, a timeout or a body over the cap; any status is an answer.
 */
export async function fetchPeer(url: string, options: PeerFetchOptions): Promise<PeerResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    redirect: 'error',
    signal,
    ...(options.body === undefined
      ? {}
      : {
          body: options.body,
          headers: { 'content-type': options.contentType ?? 'text/plain; charset=utf-8' },
        }),
  });
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader !== undefined) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > options.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new Error(`${url}: the answer is larger than ${options.maxBytes} bytes`);
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    contentType: (type.split(';', 1)[0] as string).trim().toLowerCase(),
    body,
  };
}

/** The body as UTF-8 text; undefined when it is not valid UTF-8. */
export function textOf(response: PeerResponse): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(response.body);
  } catch {
    return undefined;
  }
}
