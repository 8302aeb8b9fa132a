import { generateIdentity, type SignedManifest, signManifest } from '@assent/manifest';

/** Pieces of the benchmark workloads that the registry, gateway and log benchmarks share. */

/** The 1,000,000-work index: ten labels with 100,000 works each (in catalog pages). */
export const LABELS = 10;
export const WORKS_PER_LABEL = 100_000;
/** Manifests per ingest round, and how many are in flight. */
export const INGEST_BATCH = 500;
export const INGEST_CONCURRENCY = 64;

/** The ISRC of work `n` of label `label`: distinct across labels, valid and in normal form. */
export const isrc = (label: number, n: number): string =>
  `isrc:QZ${String(label).padStart(3, '0')}26${String(n).padStart(5, '0')}`;

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/**
 * `count` 12-work manifests of fresh creators, for an ingest round: URLs under `<tag><batch>.example`,
 * so that every round (and each side of a comparison, by its tag) has manifests of its own.
 */
export async function signIngestBatch(
  tag: string,
  batch: number,
  count = INGEST_BATCH,
): Promise<SignedManifest[]> {
  const identities = await Promise.all(Array.from({ length: count }, () => generateIdentity()));
  return Promise.all(
    identities.map((identity, i) =>
      signManifest(
        {
          default: { 'train-genai': 'deny', search: 'allow' },
          works: Array.from({ length: 12 }, (_, w) => ({
            ids: [`url:https://${tag}${batch}.example/${i}/${w}`],
          })),
        },
        { identity },
      ),
    ),
  );
}
