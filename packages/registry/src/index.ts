/**
 * `@assent/registry`: an Assent registry node. Embedded Helia (IPFS) blockstore on disk, a SQLite index
 * of consent manifests, creators' heads and works, and replication between nodes over libp2p. Node only.
 * @packageDocumentation
 */
// First: Helia's dependencies need Promise.withResolvers, which Node 20 lacks.
import './promise-with-resolvers.js';

export { type IngestErrorCode, REGISTRY_ERROR_CODES, type RegistryErrorCode } from './errors.js';
export {
  type CreatorHeads,
  createRegistry,
  type IngestOptions,
  type IngestReceipt,
  type IngestResult,
  type LookupCandidate,
  type ManifestRef,
  type Registry,
  type RegistryOptions,
  type RegistryStats,
  type ReindexReport,
} from './registry.js';
export { registrySource } from './registry-source.js';
export { ANNOUNCE_TOPIC, type ReplicatorStats, SYNC_PAGE, SYNC_PROTOCOL } from './replicator.js';
