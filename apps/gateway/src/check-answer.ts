import type { CheckResult } from '@assent/verifier';
import { RECEIPT_CHUNK_SIZE } from '@assent/verifier/receipt';

/** `YYYY-MM-DDThh:mm:ssZ` (docs/api.md: `asOf`). */
export function utcSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The JSON of answers the verifier reused, but for `asOf` and `at`, by their evidence array: what
 * comes before `at` (`"work":…,"use":…`) and after it (`,"decision":…` to the end). A reused answer is
 * a copy of a kept one with a new `at`, sharing the kept answer's frozen parts
 * (VerifierOptions.reuse): the same frozen evidence array means the same answer but for `at`.
 * Serializing it was the largest part of a reused check left in the route (CPU profile).
 */
const reusedParts = new WeakMap<readonly unknown[], { readonly head: string; readonly tail: string }>();

/**
 * The body of `GET /v1/check`: `asOf` and `checkpoint` (`head`), then the verifier's result as it is, spliced into one JSON
 * object without copying it (a spread cost more than the rest of the route). The verifier builds
 * results in the order of the API (docs/api.md); `POST /v1/check` serializes them as they are too,
 * and the API tests hold both to the documented fields.
 */
export function checkOneText(head: string, r: CheckResult): string {
  // `head` is `"asOf":…,"checkpoint":…` (RouteContext.answerHead); `at` is a UTC date-time made by the
  // verifier: nothing in them needs escaping.
  if (!Object.isFrozen(r.evidence)) return `{${head},${JSON.stringify(r).slice(1)}`;
  let parts = reusedParts.get(r.evidence);
  if (parts === undefined) {
    const whole = JSON.stringify(r);
    // The first `,"at":` and `,"decision":` are keys: inside a JSON string every `"` is escaped.
    parts = {
      head: whole.slice(1, whole.indexOf(',"at":')),
      tail: whole.slice(whole.indexOf(',"decision":')),
    };
    reusedParts.set(r.evidence, parts);
  }
  return `{${head},${parts.head},"at":"${r.at}"${parts.tail}`;
}

/**
 * Results per chunk of a `POST /v1/check` answer: about 40 KB of JSON each. A receipt's leaves are
 * these chunks (docs/spec/receipt.md), so the two sizes are one.
 */
const RESULTS_PER_CHUNK = RECEIPT_CHUNK_SIZE;

/**
 * The body of `POST /v1/check`, `{"asOf":…,"checkpoint":…,"results":[…]}`, as a stream of chunks of
 * {@link RESULTS_PER_CHUNK} results, made as the connection takes them. A 10,000-work answer is about
 * 4 MB: serialized whole, it was one large string flattened twice and encoded once, each a fresh
 * 4 MB allocation, about 30% of the server thread's time on the POST benchmark (CPU profile). A client
 * that goes away mid-answer cancels the stream (the Node adapter cancels its reader).
 */
export function checkManyBody(
  head: string,
  results: readonly CheckResult[],
  receipt?: Receipting,
): ReadableStream<Uint8Array> {
  if (receipt !== undefined) return receiptedBody(head, results, receipt);
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const end = Math.min(next + RESULTS_PER_CHUNK, results.length);
        let text = next === 0 ? `{${head},"results":[` : ',';
        if (end > next) text += JSON.stringify(results.slice(next, end)).slice(1, -1);
        if (end === results.length) text += ']}';
        next = end;
        controller.enqueue(encoder.encode(text));
        if (end === results.length) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** How an answer gets its receipt: each chunk's leaf hash, then the signed receipt over them all. */
export interface Receipting {
  /** The RFC 6962 leaf hash of a chunk's exact bytes (`JSON.stringify` of its results, brackets included). */
  readonly leafHash: (chunk: Uint8Array) => Uint8Array;
  /** The signed receipt over the leaf hashes of every chunk, in order. */
  readonly sign: (leafHashes: readonly Uint8Array[]) => Promise<unknown>;
}

/**
 * `{"asOf":…,"results":[…],"receipt":{…}}`: the chunks as in {@link checkManyBody}, each encoded once,
 * hashed as its leaf and sent without its brackets; the receipt, signed over every leaf, ends it.
 */
function receiptedBody(
  head: string,
  results: readonly CheckResult[],
  receipt: Receipting,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const leafHashes: Uint8Array[] = [];
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const end = Math.min(next + RESULTS_PER_CHUNK, results.length);
        controller.enqueue(encoder.encode(next === 0 ? `{${head},"results":[` : ','));
        if (end > next) {
          // The brackets are one byte each in UTF-8: the chunk goes out without them.
          const chunk = encoder.encode(JSON.stringify(results.slice(next, end)));
          leafHashes.push(receipt.leafHash(chunk));
          controller.enqueue(chunk.subarray(1, chunk.length - 1));
        }
        next = end;
        if (end === results.length) {
          const signed = await receipt.sign(leafHashes);
          controller.enqueue(encoder.encode(`],"receipt":${JSON.stringify(signed)}}`));
          controller.close();
        }
      },
    },
    { highWaterMark: 0 },
  );
}
