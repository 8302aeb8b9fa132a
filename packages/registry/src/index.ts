/**
 * `@assent/registry`: an Assent registry node. Embedded Helia (IPFS) blockstore on disk, a SQLite index
 * of consent manifests, creators' heads and works, and replication between nodes over libp2p. Node only.
 * @packageDocumentation
 */
// First: Helia's dependencies need Promise.withResolvers, which Node 20 lacks.
import './promise-with-resolvers.js';

export { ATTESTATION_SYNC_PROTOCOL, ATTESTATION_TOPIC } from './attestation-replicator.js';
export { MAX_ATTESTATION_LIST } from './attestation-store.js';
export { SYNC_PAGE, SYNC_PROTOCOL } from './catch-up.js';
export { type IngestErrorCode, REGISTRY_ERROR_CODES, type RegistryErrorCode } from './errors.js';
export { normalizePeerUrl } from './log-peers.js';
export { createRegistry } from './registry.js';
export {
  type IdentityEvidence,
  identityEvidenceOf,
  type RegistrySourceNode,
  type RegistrySourceOptions,
  registrySource,
} from './registry-source.js';
export { ANNOUNCE_TOPIC } from './replicator.js';
export type {
  AddCheckpointAnswer,
  AddCheckpointRefusal,
  AttestationReceipt,
  AttestationSummary,
  CreatorHeads,
  CreatorLink,
  Equivocation,
  Freshness,
  IngestOptions,
  IngestReceipt,
  IngestResult,
  LinkState,
  LogPeer,
  LogPeerView,
  LookupCandidate,
  ManifestRef,
  PeerFreshness,
  Registry,
  RegistryAttestations,
  RegistryLinkOptions,
  RegistryLinks,
  RegistryLogger,
  RegistryOptions,
  RegistryStats,
  RegistryWitness,
  ReindexReport,
  ReplicatorStats,
  StoredAttestation,
} from './types.js';
