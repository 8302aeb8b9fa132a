import { AssentError } from '@assent/manifest';
import type { CandidateSet, CandidatesOptions, ManifestCandidate, ManifestSource } from '@assent/verifier';
import type { LookupCandidate, Registry } from './types.js';

/** What `registrySource` reads from a registry: its lookups, and optionally its identity evidence. */
export interface RegistrySourceNode
  extends Pick<Registry, 'lookupWorks'>,
    Partial<Pick<Registry, 'revision' | 'getBlock' | 'predecessorsOf'>> {
  /** The node's signed observations of creators' identity links (`registry.links`). */
  readonly links?: { observationsOf(creators: readonly string[]): readonly Uint8Array[] };
  /** The attestations the node holds (`registry.attestations`). */
  readonly attestations?: {
    ofSubjects(
      subjects: readonly string[],
      options?: { readonly issuers?: ReadonlySet<string> },
    ): readonly { readonly cid: string; readonly bytes: Uint8Array }[];
  };
}

/** The creators of the manifests found, each once. */
function issuersOf(found: readonly LookupCandidate[]): string[] {
  const issuers = new Set<string>();
  for (const c of found) issuers.add(c.issuer);
  return [...issuers];
}

/** A node's evidence of who the creators of some manifests are. */
export interface IdentityEvidence {
  /** Its signed observations of their identity links (canonical bytes). */
  readonly observations: readonly Uint8Array[];
  /** The attestations it holds naming them. */
  readonly attestations: readonly { readonly cid: string; readonly bytes: Uint8Array }[];
}

const NO_EVIDENCE: IdentityEvidence = Object.freeze({ observations: [], attestations: [] });

/**
 * What a node holds about the creators of `found`: its observations of their links and the
 * attestations naming them — what `registrySource` and `POST /v1/candidates` hand a verifier.
 */
export function identityEvidenceOf(
  registry: Pick<RegistrySourceNode, 'links' | 'attestations'>,
  found: readonly LookupCandidate[],
  attesters?: ReadonlySet<string>,
): IdentityEvidence {
  const { links, attestations } = registry;
  if (found.length === 0 || (links === undefined && attestations === undefined)) return NO_EVIDENCE;
  const issuers = issuersOf(found);
  return {
    observations: links?.observationsOf(issuers) ?? [],
    attestations:
      attestations?.ofSubjects(issuers, attesters === undefined ? {} : { issuers: attesters }) ?? [],
  };
}

/** What a verifier is offered of a found manifest: its bytes, the pages asked for, its log time. */
function candidateOf({ cid, bytes, pages, loggedAt }: LookupCandidate): ManifestCandidate {
  return loggedAt === undefined ? { cid, bytes, pages } : { cid, bytes, pages, loggedAt };
}

/** Options of {@link registrySource}. */
export interface RegistrySourceOptions {
  /**
   * Offer only the attestations of these attesters (the verifier's `identity.trustedAttesters`): those
   * of anyone else count for nothing, so a flood of them costs a check nothing either. Default: all.
   */
  readonly attesters?: Iterable<string>;
}

/**
 * A verifier source backed by a local registry node: `createVerifier({ source: registrySource(registry) })`
 * checks works against what this node holds, with no network. The verifier still verifies every
 * manifest and page it is given; this only supplies them (every branch head naming a work), with the
 * node's signed observations of those creators' identity links and the attestations it holds naming
 * them. With a registry's `revision`, the verifier may reuse an answer until the registry changes.
 * @example
 * const verifier = createVerifier({ source: registrySource(registry) });
 * const result = await verifier.check({ work: 'isrc:USRC17607839', use: 'train-genai' });
 */
export function registrySource(
  registry: RegistrySourceNode,
  options: RegistrySourceOptions = {},
): ManifestSource {
  const revision = registry.revision;
  const getBlock = registry.getBlock;
  const predecessorsOf = registry.predecessorsOf;
  const attesters = options.attesters === undefined ? undefined : new Set(options.attesters);
  return {
    // The verifier reuses a check's answer while this stays the same (VerifierOptions.reuse).
    ...(revision === undefined ? {} : { revision: () => revision.call(registry) }),
    // The versions before a rotated key's manifest, to prove its chain (spec §5.5).
    ...(getBlock === undefined ? {} : { block: (cid: string) => getBlock.call(registry, cid) }),
    async candidates(works: readonly string[], options: CandidatesOptions = {}): Promise<CandidateSet> {
      options.signal?.throwIfAborted();
      try {
        const found = await registry.lookupWorks(
          works,
          options.signal === undefined ? {} : { signal: options.signal },
        );
        const manifests = found.map(candidateOf);
        const { observations, attestations } = identityEvidenceOf(registry, found, attesters);
        // The versions before heads in their waiting window (spec §5.5), for the verifier to weigh.
        const earlier =
          predecessorsOf === undefined
            ? []
            : await predecessorsOf.call(
                registry,
                found,
                works,
                options.signal === undefined ? {} : { signal: options.signal },
              );
        return {
          manifests,
          ...(earlier.length === 0 ? {} : { predecessors: earlier.map(candidateOf) }),
          ...(observations.length === 0 ? {} : { observations }),
          ...(attestations.length === 0 ? {} : { attestations: attestations.map((a) => a.bytes) }),
        };
      } catch (cause) {
        if (options.signal?.aborted === true) throw options.signal.reason;
        throw new AssentError('SOURCE_UNAVAILABLE', `the local registry could not answer: ${String(cause)}`, {
          cause,
        });
      }
    },
  };
}
