import type { ErrorCode } from '@assent/manifest';

/**
 * Stable error codes added by `@assent/registry`. Public API: each is listed once in `docs/errors.md`
 * (section "Registry — @assent/registry") with its HTTP status and CLI exit code. Ingest also returns
 * every code of `@assent/manifest` (strict JSON, schema, proof, chain, catalog pages).
 */
export const REGISTRY_ERROR_CODES = [
  // Ingest: the manifest names a `previous` version this node does not hold (a gap in the chain).
  'CHAIN_PREVIOUS_UNKNOWN',
  // A block (manifest or catalog page) over 1 MiB, from a caller or a peer.
  'BLOCK_TOO_LARGE',
  // The block is not held locally and could not be fetched from peers in time.
  'BLOCK_NOT_FOUND',
  // Another live process holds the data directory.
  'REGISTRY_DATA_DIR_LOCKED',
  // The registry was stopped (or its signal aborted) before or during the call.
  'REGISTRY_STOPPED',
  // Too many ingests are waiting to fetch catalog pages from peers: try again later.
  'REGISTRY_BUSY',
  // The manifest would give its creator more branch heads than a node keeps.
  'FORK_LIMIT',
  // The node could not write the manifest's blocks; nothing of it was indexed.
  'REGISTRY_STORAGE_FAILED',
  // The data directory's log has another origin than the one asked for: a log's origin never changes.
  'REGISTRY_LOG_ORIGIN_FIXED',
  // C2SP tlog-witness add-checkpoint (docs/witnessing.md): the checkpoint's origin is not a log this
  // node witnesses (404).
  'WITNESS_LOG_UNKNOWN',
  // No signature by the log's key verifies, or a line by its key does not (403).
  'WITNESS_SIGNATURE_REJECTED',
  // `old` is not the size this witness last cosigned, or that size with another root (409; the body is
  // the witness's size).
  'WITNESS_CONFLICT',
] as const;

/** An error code of the registry itself. */
export type RegistryErrorCode = (typeof REGISTRY_ERROR_CODES)[number];

/** Every code an ingest can fail with: the format's and the registry's. */
export type IngestErrorCode = ErrorCode | RegistryErrorCode;
