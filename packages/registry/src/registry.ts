import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AssentError,
  blockCid,
  checkChain,
  fail,
  MAX_BLOCK_BYTES,
  normalizeWorkId,
  ok,
  type Result,
  urlPrefixesOf,
  type VerifiedManifest,
  verifyCatalogPage,
  verifyManifest,
} from '@assent/manifest';
import { BlockStore, isBlockCid } from './block-store.js';
import { ByteCache } from './byte-cache.js';
import { lockDataDir } from './data-dir-lock.js';
import type { IngestErrorCode, RegistryErrorCode } from './errors.js';
import { type IndexedManifest, type IndexHit, ManifestIndex, type ManifestWorks } from './manifest-index.js';
import { type EmbeddedNode, startNode } from './node.js';
import { Replicator, type ReplicatorStats } from './replicator.js';
import { Semaphore } from './semaphore.js';

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** The node's data directory: blocks, datastore and index live here (docs/operations.md). */
  readonly dataDir: string;
  /** libp2p listen addresses. Default `['/ip4/127.0.0.1/tcp/0']`: loopback, a free port. */
  readonly listen?: readonly string[];
  /** Peers to connect to and keep connected, as multiaddrs ending in `/p2p/<peer id>`. */
  readonly peers?: readonly string[];
  /** Run the embedded IPFS node and replicate (default true). `false`: a local store and index only. */
  readonly network?: boolean;
  /** fsync blocks and use SQLite `synchronous=FULL`, to survive power loss too (default false). */
  readonly fsync?: boolean;
  /** Time allowed to fetch one block from peers (default 10 s). */
  readonly fetchTimeoutMs?: number;
  /** Concurrent block fetches attributed to one peer (default 8). */
  readonly maxFetchesPerPeer?: number;
  /** Concurrent block fetches in all (default 32). */
  readonly maxConcurrentFetches?: number;
  /** Fetches waiting to run; announcements beyond it are dropped (default 4096; 256 per peer). */
  readonly maxQueuedFetches?: number;
  /** Manifests held while their previous version is fetched (default 1024). */
  readonly maxPending?: number;
  /** How often to catch up with connected peers besides on connect (default 10 s). */
  readonly syncIntervalMs?: number;
  /** How often to redial configured peers that are not connected (default 2 s). */
  readonly redialIntervalMs?: number;
  /** Bytes of manifests and catalog pages kept in memory for lookups (default 64 MiB). */
  readonly cacheBytes?: number;
  /** Stops the registry when aborted. */
  readonly signal?: AbortSignal;
}

/** Options of {@link Registry.ingest}. */
export interface IngestOptions {
  /**
   * Catalog pages the manifest names, as their bytes (e.g. from an uploaded CAR). Pages not given are
   * read from this node's store or, with the network on, fetched from peers.
   */
  readonly pages?: Iterable<Uint8Array>;
  /**
   * Require the input to be its canonical (JCS) form already, as blocks from peers must be (spec §1.2).
   * Default false: the input is canonicalized and the canonical bytes are stored.
   */
  readonly requireCanonical?: boolean;
  readonly signal?: AbortSignal;
}

/** What an accepted ingest did. */
export interface IngestReceipt {
  readonly cid: string;
  readonly issuer: string;
  readonly version: number;
  /** `added`: stored and indexed now; `duplicate`: this node already held it (a no-op). */
  readonly status: 'added' | 'duplicate';
  /** The creator has two manifests with one version (spec §5.3). */
  readonly forked: boolean;
}

/** The outcome of an ingest: a receipt, or a failure with a stable code (docs/errors.md). */
export type IngestResult = Result<IngestReceipt, IngestErrorCode>;

/** A manifest in a creator's chain. */
export interface ManifestRef {
  readonly cid: string;
  readonly issuer: string;
  readonly version: number;
  readonly previous: string | undefined;
}

/** A creator's current state: one head, or one per branch when forked. */
export interface CreatorHeads {
  readonly issuer: string;
  /** Branch heads, newest version first. */
  readonly heads: readonly ManifestRef[];
  readonly forked: boolean;
}

/**
 * A head manifest that names a requested work, directly, by url-prefix or in a catalog page: its exact
 * bytes and the catalog pages (by CID) that name requested works. The consumer verifies them.
 */
export interface LookupCandidate {
  readonly cid: string;
  readonly bytes: Uint8Array;
  readonly pages: ReadonlyMap<string, Uint8Array>;
}

/** What `reindex` found in the blockstore. */
export interface ReindexReport {
  /** Manifests indexed. */
  readonly manifests: number;
  /** Valid manifests left out because their chain is broken (no previous, wrong version). */
  readonly unchained: number;
  /** Blocks that are neither a valid manifest nor a page (e.g. catalog pages are counted here too). */
  readonly otherBlocks: number;
}

/** Counters for operators and tests. */
export interface RegistryStats extends ReplicatorStats {
  readonly manifests: number;
  readonly works: number;
}

/** A registry node. Create one with {@link createRegistry}. */
export interface Registry {
  /** The node's libp2p peer id, or undefined with the network off. */
  readonly peerId: string | undefined;
  /**
   * Verifies a manifest (strict JSON, schema, signature), checks its chain, stores its canonical bytes
   * and catalog pages as blocks, indexes it and announces it to peers. Resolves once it is durable.
   * The same manifest again is a no-op (`status: 'duplicate'`). Never throws for bad input.
   */
  ingest(input: Uint8Array | string, options?: IngestOptions): Promise<IngestResult>;
  /**
   * Every head manifest (all branches of a fork) that names any of `ids` directly, by url-prefix or in a
   * catalog page. Ids are normalized first; ids that are not work ids match nothing.
   */
  lookupWorks(ids: readonly string[], options?: { signal?: AbortSignal }): Promise<LookupCandidate[]>;
  /** The creator's branch heads, or undefined when this node holds nothing of theirs. */
  head(did: string): CreatorHeads | undefined;
  /** Every manifest of the creator this node holds, oldest version first. */
  history(did: string): ManifestRef[];
  /** The exact bytes of a block this node holds (manifest or catalog page), or undefined. */
  getBlock(cid: string): Promise<Uint8Array | undefined>;
  /** The libp2p addresses peers can dial, each ending in `/p2p/<peer id>`. */
  multiaddrs(): string[];
  /** Rebuilds the index from the blockstore alone. */
  reindex(): Promise<ReindexReport>;
  /**
   * A number that grows whenever what `lookupWorks` answers may change (a manifest indexed, a
   * reindex); NaN once stopped. `registrySource` offers it, so a verifier reuses answers meanwhile.
   */
  revision(): number;
  stats(): RegistryStats;
  /** Stops networking and closes the stores. Idempotent. */
  stop(): Promise<void>;
}

/** Internal options of an ingest. */
interface IngestContext {
  readonly requireCanonical: boolean;
  readonly expectedCid?: string;
  readonly pages: ReadonlyMap<string, Uint8Array>;
  readonly network: boolean;
  readonly signal: AbortSignal | undefined;
}

const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0'];
/** Manifests stored and indexed in one group commit at most. */
const MAX_COMMIT_BATCH = 256;

/** A manifest's works and the catalog page blocks to store with it. */
interface Collected {
  readonly works: ManifestWorks;
  readonly pages: Map<string, Uint8Array>;
}

interface QueuedCommit {
  readonly manifest: VerifiedManifest;
  readonly collected: Collected;
  readonly resolve: (result: IngestResult) => void;
  readonly reject: (error: unknown) => void;
}

function toRef(row: IndexedManifest): ManifestRef {
  return { cid: row.cid, issuer: row.issuer, version: row.version, previous: row.previous };
}

function registryFailure(code: RegistryErrorCode, message: string) {
  return fail<IngestErrorCode>(code, message);
}

/**
 * Opens (or creates) a registry node in `dataDir`: an on-disk blockstore, a SQLite index and, unless
 * `network: false`, an embedded Helia node that replicates with the configured peers.
 * @throws AssentError `REGISTRY_DATA_DIR_LOCKED` when another live process uses the directory.
 * @example
 * const registry = await createRegistry({ dataDir: './node-a' });
 * const result = await registry.ingest(signed.bytes);
 * if (result.ok) console.log(result.value.cid, result.value.status);
 * const candidates = await registry.lookupWorks(['isrc:USRC17607839']);
 * await registry.stop();
 */
export async function createRegistry(options: RegistryOptions): Promise<Registry> {
  if (typeof options?.dataDir !== 'string' || options.dataDir.length === 0)
    throw new TypeError('createRegistry needs a dataDir');
  options.signal?.throwIfAborted();
  mkdirSync(options.dataDir, { recursive: true });
  const unlock = lockDataDir(options.dataDir);
  const fsync = options.fsync === true;
  let blocks: BlockStore;
  let index: ManifestIndex;
  try {
    blocks = new BlockStore(join(options.dataDir, 'blocks'), { fsync });
    await blocks.open();
    index = new ManifestIndex(join(options.dataDir, 'index.sqlite'), { fsync });
  } catch (error) {
    unlock();
    throw error;
  }
  const registry = new RegistryNode(blocks, index, options, unlock);
  try {
    await registry.open();
  } catch (error) {
    await registry.stop();
    throw error;
  }
  return registry;
}

class RegistryNode implements Registry {
  readonly #blocks: BlockStore;
  readonly #index: ManifestIndex;
  readonly #options: RegistryOptions;
  readonly #unlock: () => void;
  readonly #writes = new Semaphore(1);
  readonly #commitQueue: QueuedCommit[] = [];
  #committing = false;
  /** At most two catalogs (up to 256 MiB each) are held in memory while they are checked. */
  readonly #catalogs = new Semaphore(2);
  readonly #cache: ByteCache;
  readonly #stopController = new AbortController();
  #node: EmbeddedNode | undefined;
  #replicator: Replicator | undefined;
  #stopped = false;
  #stopping: Promise<void> | undefined;

  constructor(blocks: BlockStore, index: ManifestIndex, options: RegistryOptions, unlock: () => void) {
    this.#blocks = blocks;
    this.#index = index;
    this.#options = options;
    this.#unlock = unlock;
    this.#cache = new ByteCache(options.cacheBytes ?? 64 * 1024 * 1024);
  }

  async open(): Promise<void> {
    await this.#reconcile();
    if (this.#options.network !== false) {
      this.#node = await startNode({
        datastorePath: join(this.#options.dataDir, 'datastore'),
        blocks: this.#blocks,
        listen: this.#options.listen ?? DEFAULT_LISTEN,
      });
      this.#replicator = new Replicator(this.#node, {
        index: this.#index,
        ingest: (bytes, cid, signal) =>
          this.#ingest(bytes, {
            requireCanonical: true,
            expectedCid: cid,
            pages: new Map(),
            network: true,
            signal,
          }),
        fetchTimeoutMs: this.#options.fetchTimeoutMs ?? 10_000,
        maxFetchesPerPeer: this.#options.maxFetchesPerPeer ?? 8,
        maxConcurrentFetches: this.#options.maxConcurrentFetches ?? 32,
        maxQueuedFetches: this.#options.maxQueuedFetches ?? 4096,
        maxPending: this.#options.maxPending ?? 1024,
        syncIntervalMs: this.#options.syncIntervalMs ?? 10_000,
        redialIntervalMs: this.#options.redialIntervalMs ?? 2_000,
      });
      await this.#replicator.start(this.#options.peers ?? []);
    }
    this.#options.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  /**
   * Brings the index in line with the blockstore after a crash: a manifest whose blocks were being
   * written when the process died is indexed if its block made it to disk, and forgotten otherwise.
   * An empty index over a non-empty blockstore (index deleted) is rebuilt.
   */
  async #reconcile(): Promise<void> {
    for (const cid of this.#index.journal()) {
      const bytes = await this.#blocks.get(cid);
      this.#index.journalRemove(cid);
      if (bytes !== undefined) await this.#ingest(bytes, this.#localContext(true));
    }
    if (this.#index.counts().manifests === 0) {
      for await (const _ of this.#blocks.entries()) {
        await this.#reindex();
        break;
      }
    }
  }

  get peerId(): string | undefined {
    return this.#node?.libp2p.peerId.toString();
  }

  #localContext(
    requireCanonical: boolean,
    pages?: Iterable<Uint8Array>,
    signal?: AbortSignal,
  ): IngestContext {
    const byCid = new Map<string, Uint8Array>();
    for (const bytes of pages ?? []) {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('pages must be Uint8Arrays');
      if (bytes.byteLength <= MAX_BLOCK_BYTES) byCid.set(blockCid(bytes), bytes);
    }
    return { requireCanonical, pages: byCid, network: this.#node !== undefined, signal };
  }

  async ingest(input: Uint8Array | string, options: IngestOptions = {}): Promise<IngestResult> {
    if (typeof input !== 'string' && !(input instanceof Uint8Array))
      throw new TypeError('ingest expects JSON text or bytes');
    if (this.#stopped) return registryFailure('REGISTRY_STOPPED', 'the registry is stopped');
    return this.#ingest(
      input,
      this.#localContext(options.requireCanonical === true, options.pages, options.signal),
    );
  }

  #duplicate(row: IndexedManifest): IngestResult {
    return ok({
      cid: row.cid,
      issuer: row.issuer,
      version: row.version,
      status: 'duplicate',
      forked: this.#index.forked(row.issuer),
    });
  }

  /** The chain rule for a manifest against what this node holds (spec §5). */
  #chain(manifest: VerifiedManifest): Result<true, IngestErrorCode> {
    if (manifest.previous === undefined) return ok(true);
    const previous = this.#index.get(manifest.previous);
    if (previous === undefined) {
      return registryFailure(
        'CHAIN_PREVIOUS_UNKNOWN',
        `version ${manifest.version} names previous ${manifest.previous}, which this node does not hold`,
      );
    }
    return checkChain(previous, manifest);
  }

  async #ingest(input: Uint8Array | string, context: IngestContext): Promise<IngestResult> {
    if (this.#stopped) return registryFailure('REGISTRY_STOPPED', 'the registry is stopped');
    if (input instanceof Uint8Array && input.byteLength <= MAX_BLOCK_BYTES) {
      // Stored blocks are canonical, so canonical input hashes to a stored CID: skip the signature check.
      const known = this.#index.get(blockCid(input));
      if (known !== undefined) return this.#duplicate(known);
    }
    const verified = await verifyManifest(input, { requireCanonical: context.requireCanonical });
    if (!verified.ok) return verified;
    const manifest = verified.value;
    if (context.expectedCid !== undefined && manifest.cid !== context.expectedCid)
      return fail('CID_MISMATCH', `the block does not hash to ${context.expectedCid}`);
    const known = this.#index.get(manifest.cid);
    if (known !== undefined) return this.#duplicate(known);
    const chain = this.#chain(manifest);
    if (!chain.ok) return chain;
    const work = async () => {
      const collected = await this.#collectWorks(manifest, context);
      if (!collected.ok) return collected;
      return this.#enqueueCommit(manifest, collected.value);
    };
    return manifest.catalog.length === 0 ? work() : this.#catalogs.run(work);
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
    const pages = new Map<string, Uint8Array>();
    const pageWorks: { cid: string; ids: string[] }[] = [];
    for (const [i, cid] of manifest.catalog.entries()) {
      context.signal?.throwIfAborted();
      let bytes = context.pages.get(cid) ?? (await this.#blocks.get(cid));
      if (bytes === undefined && context.network && this.#replicator !== undefined) {
        const fetched = await this.#replicator.fetchBlock(cid, context.signal);
        if (fetched.ok) bytes = fetched.value;
        else if (fetched.code === 'BLOCK_TOO_LARGE') return fetched;
      }
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

  /** Stores the blocks and indexes a group of manifests, re-checking duplicates and chains in order. */
  async #commitBatch(batch: readonly QueuedCommit[]): Promise<void> {
    if (this.#stopped) {
      for (const entry of batch)
        entry.resolve(registryFailure('REGISTRY_STOPPED', 'the registry is stopped'));
      return;
    }
    const accepted: QueuedCommit[] = [];
    const duplicates: QueuedCommit[] = [];
    const inBatch = new Map<string, VerifiedManifest>();
    for (const entry of batch) {
      const { manifest } = entry;
      if (inBatch.has(manifest.cid) || this.#index.has(manifest.cid)) {
        duplicates.push(entry);
        continue;
      }
      if (manifest.previous !== undefined && inBatch.has(manifest.previous)) {
        const chain = checkChain(inBatch.get(manifest.previous) as VerifiedManifest, manifest);
        if (!chain.ok) {
          entry.resolve(chain);
          continue;
        }
      } else {
        const chain = this.#chain(manifest);
        if (!chain.ok) {
          entry.resolve(chain);
          continue;
        }
      }
      inBatch.set(manifest.cid, manifest);
      accepted.push(entry);
    }
    // Journal first: if the process dies between the block writes and the index commit, the restart
    // finds the entries and reconciles (see #reconcile). Blocks before the index: an indexed manifest
    // always has its bytes on disk.
    this.#index.transaction(() => {
      for (const { manifest } of accepted) this.#index.journalAdd(manifest.cid);
    });
    await Promise.all(
      accepted.map(async ({ manifest, collected }) => {
        for (const [cid, bytes] of collected.pages) {
          if ((await this.#blocks.get(cid)) === undefined) await this.#blocks.put(cid, bytes);
        }
        await this.#blocks.put(manifest.cid, manifest.bytes);
      }),
    );
    this.#index.transaction(() => {
      for (const { manifest, collected } of accepted) this.#index.add(manifest, collected.works);
    });
    for (const { manifest, resolve } of accepted) {
      this.#replicator?.added(manifest.cid);
      resolve(
        ok({
          cid: manifest.cid,
          issuer: manifest.issuer,
          version: manifest.version,
          status: 'added',
          forked: this.#index.forked(manifest.issuer),
        }),
      );
    }
    for (const entry of duplicates) {
      const row = this.#index.get(entry.manifest.cid);
      if (row !== undefined) entry.resolve(this.#duplicate(row));
      else entry.reject(new Error(`duplicate ${entry.manifest.cid} vanished`));
    }
  }

  async lookupWorks(
    ids: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<LookupCandidate[]> {
    if (!Array.isArray(ids)) throw new TypeError('lookupWorks expects an array of work ids');
    this.#assertOpen();
    const keys = new Set<string>();
    for (const id of ids) {
      if (typeof id !== 'string') throw new TypeError('work ids must be strings');
      const normalized = normalizeWorkId(id);
      if (!normalized.ok) continue;
      keys.add(normalized.value);
      if (normalized.value.startsWith('url'))
        for (const prefix of urlPrefixesOf(normalized.value)) keys.add(prefix);
    }
    const hits = this.#index.lookup([...keys]);
    // A forked creator is offered with every branch head as soon as one names a work (decisions.md
    // §2): a branch that drops the work, or a newer version on another branch, must be weighed too.
    const branches: IndexHit[] = [];
    const seen = new Set<string>();
    for (const hit of hits) {
      if (!this.#index.hasBranches(hit.issuer) || seen.has(hit.issuer)) continue;
      seen.add(hit.issuer);
      for (const head of this.#index.heads(hit.issuer)) {
        if (!hits.some((h) => h.manifest === head.cid))
          branches.push({ manifest: head.cid, issuer: head.issuer, inline: false, pages: [] });
      }
    }
    const candidates: LookupCandidate[] = [];
    for (const hit of branches.length === 0 ? hits : [...hits, ...branches]) {
      options.signal?.throwIfAborted();
      // Held blocks come from the cache without a turn of the event loop (the hot path of a check).
      const bytes = this.#cache.get(hit.manifest) ?? (await this.#read(hit.manifest));
      if (bytes === undefined) continue;
      const pages = new Map<string, Uint8Array>();
      for (const cid of hit.pages) {
        const page = this.#cache.get(cid) ?? (await this.#read(cid));
        if (page !== undefined) pages.set(cid, page);
      }
      candidates.push({ cid: hit.manifest, bytes, pages });
    }
    return candidates;
  }

  async #read(cid: string): Promise<Uint8Array | undefined> {
    const cached = this.#cache.get(cid);
    if (cached !== undefined) return cached;
    const bytes = await this.#blocks.get(cid);
    if (bytes !== undefined) this.#cache.set(cid, bytes);
    return bytes;
  }

  head(did: string): CreatorHeads | undefined {
    this.#assertOpen();
    const heads = this.#index.heads(did);
    if (heads.length === 0) return undefined;
    return { issuer: did, heads: heads.map(toRef), forked: this.#index.forked(did) };
  }

  history(did: string): ManifestRef[] {
    this.#assertOpen();
    return this.#index.history(did).map(toRef);
  }

  async getBlock(cid: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    if (typeof cid !== 'string' || !isBlockCid(cid)) return undefined;
    return this.#read(cid);
  }

  multiaddrs(): string[] {
    return this.#node?.libp2p.getMultiaddrs().map((ma) => ma.toString()) ?? [];
  }

  async reindex(): Promise<ReindexReport> {
    this.#assertOpen();
    return this.#writes.run(() => this.#reindex());
  }

  /**
   * Rebuilds the index from the blocks on disk: every block that verifies as a canonical manifest is a
   * candidate; candidates are chained in version order with the same rules as ingest, and the works of
   * branch heads (inline and in their catalog pages) are indexed.
   */
  async #reindex(): Promise<ReindexReport> {
    type Candidate = Pick<VerifiedManifest, 'cid' | 'issuer' | 'version' | 'previous' | 'catalog'> & {
      readonly inline: string[];
    };
    const candidates: Candidate[] = [];
    let otherBlocks = 0;
    for await (const bytes of this.#blocks.entries()) {
      const verified = await verifyManifest(bytes, { requireCanonical: true });
      if (!verified.ok) {
        otherBlocks++;
        continue;
      }
      // Keep only what chaining and indexing need: the documents themselves can be large.
      const { cid, issuer, version, previous, catalog, manifest } = verified.value;
      const inline = manifest.credentialSubject.works.flatMap((w) => w.ids);
      candidates.push({ cid, issuer, version, previous, catalog, inline });
    }
    candidates.sort((a, b) => a.version - b.version || (a.cid < b.cid ? -1 : 1));
    const accepted = new Map<string, Candidate>();
    const parents = new Set<string>();
    let unchained = 0;
    for (const candidate of candidates) {
      if (candidate.previous !== undefined) {
        const previous = accepted.get(candidate.previous);
        if (previous === undefined || !checkChain(previous, candidate).ok) {
          unchained++;
          continue;
        }
        parents.add(candidate.previous);
      }
      accepted.set(candidate.cid, candidate);
    }
    const rows: { manifest: Candidate; works: ManifestWorks }[] = [];
    for (const manifest of accepted.values()) {
      if (parents.has(manifest.cid)) {
        rows.push({ manifest, works: { inline: [], pages: [] } });
        continue;
      }
      const pages: { cid: string; ids: string[] }[] = [];
      for (const cid of manifest.catalog) {
        const bytes = await this.#blocks.get(cid);
        const page =
          bytes === undefined ? undefined : verifyCatalogPage(bytes, { cid, issuer: manifest.issuer });
        if (page?.ok === true) pages.push({ cid, ids: page.value.works.flatMap((w) => w.ids) });
      }
      rows.push({ manifest, works: { inline: manifest.inline, pages } });
    }
    this.#index.clear();
    this.#cache.clear();
    this.#index.transaction(() => {
      for (const { manifest, works } of rows) this.#index.add(manifest, works);
    });
    return { manifests: rows.length, unchained, otherBlocks };
  }

  revision(): number {
    return this.#stopped ? Number.NaN : this.#index.revision;
  }

  stats(): RegistryStats {
    const counts = this.#stopped ? { manifests: 0, works: 0 } : this.#index.counts();
    return { ...counts, ...(this.#replicator?.stats() ?? Replicator.emptyStats()) };
  }

  #assertOpen(): void {
    if (this.#stopped)
      throw new AssentError<RegistryErrorCode>('REGISTRY_STOPPED', 'the registry is stopped');
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      this.#stopController.abort();
      try {
        await this.#replicator?.stop();
        await this.#node?.stop();
      } finally {
        // Wait for a commit in progress, then close the index.
        await this.#writes.run(() => undefined);
        this.#index.close();
        this.#unlock();
      }
    })();
    return this.#stopping;
  }
}
