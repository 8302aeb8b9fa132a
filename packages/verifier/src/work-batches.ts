/**
 * Batching: cuts the works of `checkMany` and `checkStream` into the batches a source is asked
 * about, at most `batchSize` works or {@link MAX_BATCH_KEY_CHARS} of lookup keys each.
 */
import { MAX_URL_PREFIX_SEGMENTS } from '@assent/manifest';

/**
 * Characters of lookup keys one batch may ask a source for. A URL id looks up itself and up to 17
 * `url-prefix:` keys (MAX_URL_PREFIX_SEGMENTS), each nearly as long as the id: 10,000 deep 2 KB ids
 * would be ~350 MB of keys in one batch. Such a batch is split instead; ordinary ids weigh little.
 */
const MAX_BATCH_KEY_CHARS = 8 * 1024 * 1024;

/** An upper bound on the lookup-key characters a work id costs (before it is normalized). */
function lookupWeight(work: unknown): number {
  if (typeof work !== 'string') return 1;
  if (!work.startsWith('url')) return work.length;
  let slashes = 0;
  for (
    let i = work.indexOf('/');
    i !== -1 && slashes <= MAX_URL_PREFIX_SEGMENTS + 2;
    i = work.indexOf('/', i + 1)
  )
    slashes++;
  return work.length * (1 + Math.min(slashes, MAX_URL_PREFIX_SEGMENTS + 1));
}

/**
 * Cuts works into batches: at most `batchSize` works, or {@link MAX_BATCH_KEY_CHARS} of lookups.
 * `add` answers a full batch when `work` fills one; `rest` the last, partial one.
 */
function batcher(batchSize: number) {
  let batch: string[] = [];
  let weight = 0;
  const take = () => {
    const full = batch;
    batch = [];
    weight = 0;
    return full;
  };
  return {
    add(work: string): string[] | undefined {
      batch.push(work);
      weight += lookupWeight(work);
      return batch.length >= batchSize || weight >= MAX_BATCH_KEY_CHARS ? take() : undefined;
    },
    rest: (): string[] | undefined => (batch.length > 0 ? take() : undefined),
  };
}

/**
 * The batches of a synchronous iterable, without a promise per work (profiled: `for await` over an
 * array plus a `yield` per result were about a tenth of a 10,000-work `checkMany`).
 */
export function* batchesOf(works: Iterable<string>, batchSize: number): Generator<string[]> {
  const cut = batcher(batchSize);
  for (const work of works) {
    const full = cut.add(work);
    if (full !== undefined) yield full;
  }
  const rest = cut.rest();
  if (rest !== undefined) yield rest;
}

/** The batches of an async iterable (see {@link batchesOf}). */
export async function* batchesOfAsync(
  works: AsyncIterable<string>,
  batchSize: number,
): AsyncGenerator<string[]> {
  const cut = batcher(batchSize);
  for await (const work of works) {
    const full = cut.add(work);
    if (full !== undefined) yield full;
  }
  const rest = cut.rest();
  if (rest !== undefined) yield rest;
}
