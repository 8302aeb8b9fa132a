import { AssentError } from '@assent/manifest';
import type { CandidateSet, CandidatesOptions, ManifestSource } from '@assent/verifier';
import type { Registry } from './types.js';

/**
 * A verifier source backed by a local registry node: `createVerifier({ source: registrySource(registry) })`
 * checks works against what this node holds, with no network. The verifier still verifies every
 * manifest and page it is given; this only supplies them (every branch head naming a work). With a
 * registry's `revision`, the verifier may reuse an answer until the registry indexes something.
 * @example
 * const verifier = createVerifier({ source: registrySource(registry) });
 * const result = await verifier.check({ work: 'isrc:USRC17607839', use: 'train-genai' });
 */
export function registrySource(
  registry: Pick<Registry, 'lookupWorks'> & Partial<Pick<Registry, 'revision'>>,
): ManifestSource {
  const revision = registry.revision;
  return {
    // The verifier reuses a check's answer while this stays the same (VerifierOptions.reuse).
    ...(revision === undefined ? {} : { revision: () => revision.call(registry) }),
    async candidates(works: readonly string[], options: CandidatesOptions = {}): Promise<CandidateSet> {
      options.signal?.throwIfAborted();
      try {
        const found = await registry.lookupWorks(
          works,
          options.signal === undefined ? {} : { signal: options.signal },
        );
        return { manifests: found.map(({ cid, bytes, pages }) => ({ cid, bytes, pages })) };
      } catch (cause) {
        if (options.signal?.aborted === true) throw options.signal.reason;
        throw new AssentError('SOURCE_UNAVAILABLE', `the local registry could not answer: ${String(cause)}`, {
          cause,
        });
      }
    },
  };
}
