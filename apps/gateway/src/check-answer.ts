import type { CheckResult } from '@assent/verifier';

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
 * The body of `GET /v1/check`: `asOf`, then the verifier's result as it is, spliced into one JSON
 * object without copying it (a spread cost more than the rest of the route). The verifier builds
 * results in the order of the API (docs/api.md); `POST /v1/check` serializes them as they are too,
 * and the API tests hold both to the documented fields.
 */
export function checkOneText(asOf: string, r: CheckResult): string {
  // `asOf` and `at` are UTC date-times made here and by the verifier: nothing in them needs escaping.
  if (!Object.isFrozen(r.evidence)) return `{"asOf":"${asOf}",${JSON.stringify(r).slice(1)}`;
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
  return `{"asOf":"${asOf}",${parts.head},"at":"${r.at}"${parts.tail}`;
}

/** Results per chunk of a `POST /v1/check` answer: about 40 KB of JSON each. */
const RESULTS_PER_CHUNK = 100;

/**
 * The body of `POST /v1/check`, `{"asOf":…,"results":[…]}`, as a stream of chunks of
 * {@link RESULTS_PER_CHUNK} results, made as the connection takes them. A 10,000-work answer is about
 * 4 MB: serialized whole, it was one large string flattened twice and encoded once, each a fresh
 * 4 MB allocation, about 30% of the server thread's time on the POST benchmark (CPU profile). A client
 * that goes away mid-answer cancels the stream (the Node adapter cancels its reader).
 */
export function checkManyBody(asOf: string, results: readonly CheckResult[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const end = Math.min(next + RESULTS_PER_CHUNK, results.length);
        let text = next === 0 ? `{"asOf":${JSON.stringify(asOf)},"results":[` : ',';
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
