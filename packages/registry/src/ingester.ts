import {
  blockCid,
  checkChain,
  fail,
  MAX_BLOCK_BYTES,
  ok,
  type Result,
  type VerifiedManifest,
  verifyCatalogPage,
  verifyManifest,
} from '@assent/manifest';
import type { BlockStore } from './block-store.js';
import type { IngestErrorCode, RegistryErrorCode } from './errors.js';
import type { IndexedManifest, ManifestIndex, ManifestWorks } from './manifest-index.js';
import { manifestLeafBytes, type NodeLog } from './node-log.js';
import { Semaphore } from './semaphore.js';
import type { IngestResult, RegistryLogger } from './types.js';

/** Manifests stored and indexed in one group commit at most. */
const MAX_COMMIT_BATCH = 256;
/** Catalog ingests with every page at hand (a CAR upload) running at once, and waiting. */
const LOCAL_CATALOGS = 2;
const LOCAL_QUEUE = 64;

/** Where an ingest comes from: a caller of the node (HTTP, CLI) or a peer. Each has its own lane. */
export type IngestSource = 'local' | 'network';

/** One ingest's circumstances. */
export interface IngestContext {
  readonly source: IngestSource;
  readonly requireCanonical: boolean;
  readonly expectedCid?: string;
  /** Catalog pages given with the manifest, by CID. */
  readonly pages: ReadonlyMap<string, Uint8Array>;
  readonly signal: AbortSignal | undefined;
  /** Time allowed to fetch missing pages from peers. */
  readonly deadlineMs: number;
}

/** What the ingester needs around it. */
export interface IngesterDeps {
  readonly blocks: BlockStore;
  readonly index: ManifestIndex;
  /** The node's log: a leaf is appended in the transaction that indexes its manifest. */
  readonly log: NodeLog;
  /** True when the node runs on the network and can fetch blocks from peers. */
  hasNetwork(): boolean;
  /** Fetches a block from peers. */
  fetchBlock(cid: string, signal: AbortSignal): Promise<Result<Uint8Array, IngestErrorCode>>;
  /** Told of every manifest indexed (to announce it and release what waited for it). */
  readonly onAdded: (cid: string) => void;
  readonly maxBranches: number;
  readonly maxFetchingIngests: number;
  readonly maxQueuedIngests: number;
  readonly logger: RegistryLogger | undefined;
  readonly stopped: () => boolean;
}

/** A manifest's works and the catalog page blocks to store with it. */
interface Collected {
  readonly works: ManifestWorks;
  readonly pages: Map<string, Uint8Array>;
}

/** What a group commit accepted so far, for the chain and branch checks of the rest. */
interface BatchBranches {
  readonly manifests: Map<string, VerifiedManifest>;
  /** CIDs that a manifest of the batch names as previous. */
  readonly extended: Set<string>;
  /** Creators with a version 1 in the batch. */
  readonly started: Set<string>;
  /** Branches started in the batch, per creator. */
  readonly branches: Map<string, number>;
}

interface QueuedCommit {
  readonly manifest: VerifiedManifest;
  readonly collected: Collected;
  readonly resolve: (result: IngestResult) => void;
  readonly reject: (error: unknown) => void;
}

function registryFailure(code: RegistryErrorCode, message: string) {
  return fail<IngestErrorCode>(code, message);
}

/**
 * The ingest path of a node: verify (strict JSON, schema, signature), check the chain and the fork
 * bound, gather the catalog pages (given, on disk, or fetched from peers within a deadline), then store
 * and index in group commits. Catalog ingests that must fetch pages wait in bounded lanes, one for
 * callers and one for peers: a flood of manifests naming pages nobody has gets `REGISTRY_BUSY` at once
 * instead of stalling every other catalog (issue 17).
 */
export class Ingester {
  readonly #deps: IngesterDeps;
  readonly #writes = new Semaphore(1);
  readonly #commitQueue: QueuedCommit[] = [];
  #committing = false;
  readonly #lanes: Record<'at-hand' | IngestSource, Semaphore>;

  constructor(deps: IngesterDeps) {
    this.#deps = deps;
    this.#lanes = {
      'at-hand': new Semaphore(LOCAL_CATALOGS, LOCAL_QUEUE),
      local: new Semaphore(deps.maxFetchingIngests, deps.maxQueuedIngests),
      network: new Semaphore(deps.maxFetchingIngests, deps.maxQueuedIngests),
    };
  }

  /** Runs `fn` alone against every commit (reindex). */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.#writes.run(fn);
  }

  #duplicate(row: IndexedManifest): IngestResult {
    return ok({
      cid: row.cid,
      issuer: row.issuer,
      version: row.version,
      status: 'duplicate',
      forked: this.#deps.index.forked(row.creator),
    });
  }

  /**
   * The chain rule against what this node holds (spec §5), and the bound on branches: a manifest that
   * starts a branch (a second version 1, or a version whose previous already has a successor) is
   * refused once the creator has `maxBranches` heads. Within a group commit, `batch` holds the
   * successors already named and the branches already started.
   */
  #chain(manifest: VerifiedManifest, batch?: BatchBranches): Result<true, IngestErrorCode> {
    const index = this.#deps.index;
    let branches: boolean;
    const inBatch = manifest.previous === undefined ? undefined : batch?.manifests.get(manifest.previous);
    if (inBatch !== undefined) {
      const chain = checkChain(inBatch, manifest);
      if (!chain.ok) return chain;
      branches = batch?.extended.has(inBatch.cid) ?? false;
    } else if (manifest.previous === undefined) {
      branches = index.headCount(manifest.creator) > 0 || (batch?.started.has(manifest.creator) ?? false);
    } else {
      const previous = index.get(manifest.previous);
      if (previous === undefined) {
        return registryFailure(
          'CHAIN_PREVIOUS_UNKNOWN',
          `version ${manifest.version} names previous ${manifest.previous}, which this node does not hold`,
        );
      }
      const chain = checkChain(previous, manifest);
      if (!chain.ok) return chain;
      branches = !previous.tip || (batch?.extended.has(previous.cid) ?? false);
    }
    if (!branches) return ok(true);
    const heads = index.headCount(manifest.creator) + (batch?.branches.get(manifest.creator) ?? 0);
    if (heads >= this.#deps.maxBranches) {
      return registryFailure(
        'FORK_LIMIT',
        `${manifest.creator} already has ${this.#deps.maxBranches} branches; this node keeps no more`,
      );
    }
    batch?.branches.set(manifest.creator, (batch.branches.get(manifest.creator) ?? 0) + 1);
    return ok(true);
  }

  async ingest(input: Uint8Array | string, context: IngestContext): Promise<IngestResult> {
    if (this.#deps.stopped()) return registryFailure('REGISTRY_STOPPED', 'the registry is stopped');
    const index = this.#deps.index;
    if (input instanceof Uint8Array && input.byteLength <= MAX_BLOCK_BYTES) {
      // Stored blocks are canonical, so canonical input hashes to a stored CID: skip the signature check.
      const known = index.get(blockCid(input));
      if (known !== undefined) return this.#duplicate(known);
    }
    const verified = await verifyManifest(input, { requireCanonical: context.requireCanonical });
    if (!verified.ok) return verified;
    const manifest = verified.value;
    if (context.expectedCid !== undefined && manifest.cid !== context.expectedCid)
      return fail('CID_MISMATCH', `the block does not hash to ${context.expectedCid}`);
    const known = index.get(manifest.cid);
    if (known !== undefined) return this.#duplicate(known);
    const chain = this.#chain(manifest);
    if (!chain.ok) return chain;
    const work = async () => {
      const collected = await this.#collectWorks(manifest, context);
      if (!collected.ok) return collected;
      return this.#enqueueCommit(manifest, collected.value);
    };
    if (manifest.catalog.length === 0) return work();
    const missing: string[] = [];
    for (const cid of manifest.catalog) {
      if (!context.pages.has(cid) && !(await this.#deps.blocks.has(cid))) missing.push(cid);
    }
    if (missing.length > 0 && !this.#deps.hasNetwork()) {
      const at = manifest.catalog.indexOf(missing[0] as string);
      return fail(
        'CATALOG_PAGE_MISSING',
        `catalog page ${missing[0]} is not at hand`,
        `/credentialSubject/catalog/${at}`,
      );
    }
    const lane = this.#lanes[missing.length === 0 ? 'at-hand' : context.source];
    if (lane.full) {
      return registryFailure(
        'REGISTRY_BUSY',
        missing.length === 0
          ? 'too many catalogs are being ingested; try again shortly'
          : 'too many ingests are waiting for catalog pages from peers; try again, or send the pages in a CAR',
      );
    }
    try {
      return await lane.run(work, context.signal);
    } catch (error) {
      if (context.signal?.aborted === true)
        return registryFailure('REGISTRY_BUSY', 'the ingest was abandoned while it waited');
      throw error;
    }
  }

  /** Reads, fetches and checks the manifest's catalog pages; gathers every work id it names. */
  async #collectWorks(
    manifest: VerifiedManifest,
    context: IngestContext,
  ): Promise<Result<Collected, IngestErrorCode>> {
    const seen = new Set<string>();
    const inline: string[] = [];
    for (const work of manifest.manifest.credentialSubject.works) {
      for (const id of work.ids) {
        seen.add(id);
        inline.push(id);
      }
    }
    // Missing pages are fetched together, all within one deadline and the caller's signal.
    const deadline = AbortSignal.timeout(context.deadlineMs);
    const signal = context.signal === undefined ? deadline : AbortSignal.any([context.signal, deadline]);
    const obtained = await Promise.all(
      manifest.catalog.map(async (cid): Promise<Result<Uint8Array | undefined, IngestErrorCode>> => {
        const bytes = context.pages.get(cid) ?? (await this.#deps.blocks.get(cid));
        if (bytes !== undefined || !this.#deps.hasNetwork() || signal.aborted) return ok(bytes);
        const fetched = await this.#deps.fetchBlock(cid, signal);
        if (fetched.ok) return fetched;
        return fetched.code === 'BLOCK_TOO_LARGE' ? fetched : ok(undefined);
      }),
    );
    const pages = new Map<string, Uint8Array>();
    const pageWorks: { cid: string; ids: string[] }[] = [];
    for (const [i, cid] of manifest.catalog.entries()) {
      const got = obtained[i] as Result<Uint8Array | undefined, IngestErrorCode>;
      if (!got.ok) return got;
      const bytes = got.value;
      if (bytes === undefined) {
        return fail(
          'CATALOG_PAGE_MISSING',
          `catalog page ${cid} could not be obtained`,
          `/credentialSubject/catalog/${i}`,
        );
      }
      const page = verifyCatalogPage(bytes, { cid, issuer: manifest.issuer });
      if (!page.ok) return { ...page, path: `/credentialSubject/catalog/${i}` };
      const ids: string[] = [];
      for (const work of page.value.works) {
        for (const id of work.ids) {
          // Spec §3.1: a work id appears once in a manifest together with its pages.
          if (seen.has(id))
            return fail(
              'MANIFEST_SCHEMA',
              `work id ${id} is named more than once in the manifest and its pages`,
            );
          seen.add(id);
          ids.push(id);
        }
      }
      pages.set(cid, bytes);
      pageWorks.push({ cid, ids });
    }
    return ok({ works: { inline, pages: pageWorks }, pages });
  }

  /**
   * Queues a checked manifest for storing and indexing. Commits are grouped: whatever queued while the
   * previous group was written goes in the next one (one journal transaction, parallel block writes,
   * one index transaction), which is what lets ingest keep up under concurrency.
   */
  #enqueueCommit(manifest: VerifiedManifest, collected: Collected): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) => {
      this.#commitQueue.push({ manifest, collected, resolve, reject });
      this.#kickCommits();
    });
  }

  #kickCommits(): void {
    if (this.#committing || this.#commitQueue.length === 0) return;
    this.#committing = true;
    void this.#writes
      .run(async () => {
        while (this.#commitQueue.length > 0) {
          const batch = this.#commitQueue.splice(0, MAX_COMMIT_BATCH);
          try {
            await this.#commitBatch(batch);
          } catch (error) {
            for (const entry of batch) entry.reject(error);
          }
        }
      })
      .finally(() => {
        this.#committing = false;
        this.#kickCommits();
      });
  }

  /**
   * Stores the blocks and indexes a group of manifests, re-checking duplicates, chains and the fork
   * bound in order. Each answer says exactly what happened to that manifest: one whose blocks could
   * not be written is not indexed, now or later (its journal row and manifest block are removed).
   */
  async #commitBatch(batch: readonly QueuedCommit[]): Promise<void> {
    const { index, blocks } = this.#deps;
    if (this.#deps.stopped()) {
      for (const entry of batch)
        entry.resolve(registryFailure('REGISTRY_STOPPED', 'the registry is stopped'));
      return;
    }
    let accepted: QueuedCommit[] = [];
    const duplicates: QueuedCommit[] = [];
    const branches: BatchBranches = {
      manifests: new Map(),
      extended: new Set(),
      started: new Set(),
      branches: new Map(),
    };
    for (const entry of batch) {
      const { manifest } = entry;
      if (branches.manifests.has(manifest.cid) || index.has(manifest.cid)) {
        duplicates.push(entry);
        continue;
      }
      const chain = this.#chain(manifest, branches);
      if (!chain.ok) {
        entry.resolve(chain);
        continue;
      }
      if (manifest.previous !== undefined) branches.extended.add(manifest.previous);
      else branches.started.add(manifest.creator);
      branches.manifests.set(manifest.cid, manifest);
      accepted.push(entry);
    }
    // Journal first: if the process dies between the block writes and the index commit, the restart
    // finds the entries and reconciles (Registry#reconcile). Blocks before the index: an indexed
    // manifest always has its bytes on disk.
    index.transaction(() => {
      for (const { manifest } of accepted) index.journalAdd(manifest.cid);
    });
    const written = await Promise.allSettled(
      accepted.map(async ({ manifest, collected }) => {
        for (const [cid, bytes] of collected.pages) {
          if (!(await blocks.has(cid))) await blocks.put(cid, bytes);
        }
        await blocks.put(manifest.cid, manifest.bytes);
      }),
    );
    const failed = accepted.filter((_, i) => written[i]?.status === 'rejected');
    if (failed.length > 0) {
      accepted = accepted.filter((_, i) => written[i]?.status === 'fulfilled');
      await this.#forget(
        failed,
        (written.find((w) => w.status === 'rejected') as PromiseRejectedResult).reason,
      );
    }
    try {
      index.transaction(() => {
        for (const { manifest, collected } of accepted) index.add(manifest, collected.works);
        this.#deps.log.append(
          accepted.map(({ manifest }) => ({ key: manifest.cid, leaf: manifestLeafBytes(manifest) })),
        );
      });
    } catch (error) {
      await this.#forget(accepted, error);
      return;
    }
    for (const { manifest, resolve } of accepted) {
      this.#deps.onAdded(manifest.cid);
      resolve(
        ok({
          cid: manifest.cid,
          issuer: manifest.issuer,
          version: manifest.version,
          status: 'added',
          forked: index.forked(manifest.creator),
        }),
      );
    }
    for (const entry of duplicates) {
      const row = index.get(entry.manifest.cid);
      if (row !== undefined) entry.resolve(this.#duplicate(row));
      else entry.reject(new Error(`duplicate ${entry.manifest.cid} vanished`));
    }
  }

  /**
   * Undoes what a failed commit left of these manifests, so that no restart or reindex indexes what a
   * caller was told was not stored: the manifest blocks (pages may serve other manifests and are
   * harmless alone), then the journal rows. When even that fails, the callers get the error itself.
   */
  async #forget(entries: readonly QueuedCommit[], cause: unknown): Promise<void> {
    this.#deps.logger?.error(
      { manifests: entries.map((e) => e.manifest.cid), error: String(cause) },
      'could not store manifests',
    );
    try {
      for (const { manifest } of entries) await this.#deps.blocks.delete(manifest.cid);
      this.#deps.index.transaction(() => {
        for (const { manifest } of entries) this.#deps.index.journalRemove(manifest.cid);
      });
    } catch (error) {
      for (const entry of entries) entry.reject(error);
      return;
    }
    for (const entry of entries)
      entry.resolve(
        registryFailure('REGISTRY_STORAGE_FAILED', `the node could not store the manifest: ${String(cause)}`),
      );
  }
}
