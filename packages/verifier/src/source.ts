import type { UseTerm, WorkId } from '@assent/manifest';

/**
 * The source contract: a source only supplies manifests. It never decides; the verifier verifies
 * every manifest and catalog page itself and decides locally, so a lying source can hide what it
 * holds but cannot forge or alter it.
 */

/** One manifest a source offers, with the catalog pages that name the works asked about. */
export interface ManifestCandidate {
  /** The manifest's exact canonical (JCS) bytes. */
  readonly bytes: Uint8Array;
  /** The CID the source claims for the bytes. A hint for the cache only: the verifier re-checks it. */
  readonly cid?: string;
  /**
   * Catalog pages by CID: at least those naming any of the works asked about. Pages the manifest
   * does not list, or whose bytes do not hash to their CID, are rejected.
   */
  readonly pages?: ReadonlyMap<string, Uint8Array>;
  /**
   * When the source first logged this manifest (a UTC date-time): the start of its waiting window
   * (docs/decisions.md §2, spec §5.5). Omitted when unknown; the verifier then counts the version as
   * long past its window.
   */
  readonly loggedAt?: string;
}

/** What a source answers for one batch of works. */
export interface CandidateSet {
  /**
   * Every manifest the source believes is a current head (every branch of a fork) and that names
   * any of the works: directly, by `url-prefix:`, or in a catalog page.
   */
  readonly manifests: readonly ManifestCandidate[];
  /**
   * How fresh the source's knowledge is: a UTC date-time, e.g. when a mirror last synced. Omitted
   * when the answer is live (the verifier then counts it as fetched now). Used by `maxAge`.
   */
  readonly asOf?: string;
  /**
   * Signed link observations (`AssentLinkObservation`, docs/spec/observation.md) of the offered
   * creators' identity links, as the source holds them: the latest of each link by each node. The
   * verifier verifies each and counts those of the observers it trusts (`IdentityOptions.observers`).
   */
  readonly observations?: readonly Uint8Array[];
  /**
   * Attestations (`AssentAttestation`, docs/spec/attestation.md) naming the offered creators. The
   * verifier verifies each and counts those of the attesters it trusts (`IdentityOptions.trustedAttesters`).
   */
  readonly attestations?: readonly Uint8Array[];
  /**
   * The versions before offered heads logged less than 72 hours ago (`PENDING_WINDOW_MS`): for each
   * such head, its predecessors back to the first logged longer ago than that (included) or version 1,
   * each with `loggedAt` and the catalog pages naming the works asked. A loosening in a head waits
   * for its window to pass, and these are what decides meanwhile. A head logged recently whose
   * predecessor is not offered grants nothing until its window passes.
   */
  readonly predecessors?: readonly ManifestCandidate[];
}

/** Options of {@link ManifestSource.candidates}. */
export interface CandidatesOptions {
  readonly signal?: AbortSignal;
  /** The use being checked: a hint a source may pass on (the gateway API requires one) or ignore. */
  readonly use?: UseTerm;
}

/**
 * Supplies manifests for work ids. Ids are in normal form (`normalizeWorkId`); a source matches
 * them exactly, by every `url-prefix:` of `urlPrefixesOf(id)`, and inside catalog pages.
 * A source fails by throwing an `AssentError` (`SOURCE_UNAVAILABLE`, `SOURCE_TIMEOUT`,
 * `SOURCE_INVALID_RESPONSE`), or the signal's reason when aborted.
 * @example
 * const source: ManifestSource = { candidates: async (works) => ({ manifests: registry.lookupWorks(works) }) };
 */
export interface ManifestSource {
  /**
   * The current heads that name any of `works`. When a creator has forked, every branch of that
   * creator is offered as soon as one branch names a work, so the verifier sees the fork.
   */
  candidates(works: readonly WorkId[], options?: CandidatesOptions): Promise<CandidateSet>;
  /**
   * Optional: the current heads of these creators (every branch), whatever works they name; no
   * pages needed. The verifier asks when a creator it has seen naming a work is missing from
   * `candidates`: the answer tells a creator who dropped the work (a newer head) from a source
   * that holds an older one (`ROLLBACK_DETECTED`) or none (`HEAD_MISSING`).
   */
  heads?(issuers: readonly string[], options?: CandidatesOptions): Promise<CandidateSet>;
  /**
   * Optional: a number that changes whenever any answer of this source may change (a manifest added,
   * an index rebuilt, the source closed; NaN when it cannot tell). While it stays the same, and no
   * time in the manifests has passed, a verifier reuses its answer to `check` for the same question
   * instead of asking again (`VerifierOptions.reuse`). A source that cannot promise this (a remote
   * gateway) leaves it out, and every check asks.
   */
  revision?(): number;
  /**
   * Optional: the bytes of a manifest this source holds, by CID, or undefined. The verifier asks for
   * the versions before a manifest signed by a rotated key, to prove that key was committed to
   * (docs/spec/manifest.md §5.5); it verifies every block it reads. Without it, such a manifest
   * speaks only for its own key (`KEY_CHAIN_UNPROVEN`).
   */
  block?(cid: string, options?: { readonly signal?: AbortSignal }): Promise<Uint8Array | undefined>;
}
