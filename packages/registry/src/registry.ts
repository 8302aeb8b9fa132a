import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AssentError,
  blockCid,
  type Identity,
  MAX_BLOCK_BYTES,
  normalizeWorkId,
  PENDING_WINDOW_MS,
  urlPrefixesOf,
} from '@assent/manifest';
import type Database from 'better-sqlite3';
import { AttestationReplicator } from './attestation-replicator.js';
import { AttestationStore, MAX_ATTESTATION_LIST } from './attestation-store.js';
import { BlockStore, isBlockCid } from './block-store.js';
import { ByteCache } from './byte-cache.js';
import { Checkpointer } from './checkpointer.js';
import { lockDataDir } from './data-dir-lock.js';
import type { RegistryErrorCode } from './errors.js';
import { openIndexDatabase } from './index-database.js';
import { type IngestContext, Ingester } from './ingester.js';
import type { LinkObserver } from './link-observer.js';
import { LinkStore } from './link-store.js';
import { type IndexedManifest, type IndexHit, ManifestIndex } from './manifest-index.js';
import { type EmbeddedNode, startNode } from './node.js';
import { loadNodeKeys, type NodeKeys } from './node-keys.js';
import { manifestLeafBytes, NodeLog } from './node-log.js';
import { NodeState } from './node-state.js';
import { PeerLedger } from './peer-ledger.js';
import { registryLinks } from './registry-links.js';
import { rebuildIndex } from './reindex.js';
import { Replicator } from './replicator.js';
import type {
  CreatorHeads,
  Freshness,
  IngestOptions,
  IngestResult,
  LogCheckpoint,
  LookupCandidate,
  ManifestRef,
  Registry,
  RegistryAttestations,
  RegistryLinks,
  RegistryLog,
  RegistryOptions,
  RegistryStats,
  RegistryWitness,
  ReindexReport,
} from './types.js';
import { Witnessing } from './witnessing.js';

/** What a node opens in its data directory. */
interface Stores {
  readonly blocks: BlockStore;
  /** `index.sqlite`, shared by the index and the log. */
  readonly db: Database.Database;
  readonly index: ManifestIndex;
  readonly log: NodeLog;
  /** Identity links and the observations signed of them, in `index.sqlite` too. */
  readonly links: LinkStore;
  readonly keys: NodeKeys;
  readonly state: NodeState;
}

const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0'];
/** The most manifests one `history` page returns. */
const MAX_HISTORY_PAGE = 1000;
/**
 * Versions before one head offered as its window (spec §5.5) at most: a creator publishing more in 72
 * hours is answered with the newest, and a verifier holds back the head's grants for the rest.
 */
const MAX_WINDOW_VERSIONS = 64;
/** Catalogs and pages whose ids are kept for finding a window version's pages. */
const MAX_WINDOW_INDEX = 1024;

/**
 * `key`'s value in a bounded cache (the oldest forgotten first), made by `make` when absent; a value
 * `make` cannot give (undefined: a block not held) is not kept, so it is tried again.
 */
async function remembered(
  cache: Map<string, readonly string[]>,
  key: string,
  make: () => Promise<readonly string[] | undefined>,
): Promise<readonly string[] | undefined> {
  const held = cache.get(key);
  if (held !== undefined) return held;
  const value = await make();
  if (value === undefined) return undefined;
  if (cache.size >= MAX_WINDOW_INDEX) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

/** The keys a lookup asks the index for: each valid id normalized, with a URL's prefixes. */
function lookupKeys(ids: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const id of ids) {
    if (typeof id !== 'string') throw new TypeError('work ids must be strings');
    const normalized = normalizeWorkId(id);
    if (!normalized.ok) continue;
    keys.add(normalized.value);
    if (normalized.value.startsWith('url'))
      for (const prefix of urlPrefixesOf(normalized.value)) keys.add(prefix);
  }
  return keys;
}

function toRef(row: IndexedManifest): ManifestRef {
  return { cid: row.cid, issuer: row.issuer, version: row.version, previous: row.previous };
}

/**
 * Opens (or creates) a registry node in `dataDir`: an on-disk blockstore, a SQLite index, the node's
 * network state and, unless `network: false`, an embedded Helia node that replicates with the
 * configured peers.
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
  let stores: Stores;
  let db: Database.Database | undefined;
  try {
    const blocks = new BlockStore(join(options.dataDir, 'blocks'), { fsync });
    await blocks.open();
    const keys = await loadNodeKeys(
      options.dataDir,
      options.logOrigin === undefined ? {} : { origin: options.logOrigin },
    );
    db = openIndexDatabase(join(options.dataDir, 'index.sqlite'), { fsync });
    const index = new ManifestIndex(db);
    const log = new NodeLog(db);
    const state = new NodeState(join(options.dataDir, 'state.sqlite'), { fsync });
    stores = { blocks, db, index, log, links: new LinkStore(db, log), keys, state };
  } catch (error) {
    db?.close();
    unlock();
    throw error;
  }
  let registry: RegistryNode;
  try {
    registry = new RegistryNode(stores, options, unlock);
  } catch (error) {
    // Bad options found by the parts (e.g. a `logPeers` URL or vkey): nothing stays open or locked.
    stores.db.close();
    stores.state.close();
    unlock();
    throw error;
  }
  try {
    await registry.open();
  } catch (error) {
    await registry.stop();
    throw error;
  }
  return registry;
}

/**
 * A registry node: the stores, the ingest path (ingester.ts), replication (replicator.ts) and the
 * answers of lookups, heads, history and freshness.
 */
class RegistryNode implements Registry {
  readonly #blocks: BlockStore;
  readonly #db: Database.Database;
  readonly #index: ManifestIndex;
  readonly #log: NodeLog;
  readonly #checkpointer: Checkpointer;
  readonly #keys: NodeKeys;
  readonly #state: NodeState;
  readonly #options: RegistryOptions;
  readonly #unlock: () => void;
  readonly #ingester: Ingester;
  readonly #ledger: PeerLedger;
  readonly #cache: ByteCache;
  /**
   * For window versions, whose works the index does not hold: each one's catalog (`m:` + CID) and the
   * ids each page names (`p:` + CID), the oldest forgotten first.
   */
  readonly #windowIndex = new Map<string, readonly string[]>();
  readonly #started = Date.now();
  #node: EmbeddedNode | undefined;
  #replicator: Replicator | undefined;
  #stopped = false;
  #stopping: Promise<void> | undefined;
  #logView: RegistryLog | undefined;
  readonly #witnessing: Witnessing;
  readonly #witnessView: RegistryWitness;
  readonly #attestationStore: AttestationStore;
  readonly #attestationView: RegistryAttestations;
  #attestationReplicator: AttestationReplicator | undefined;
  readonly #links: LinkStore;
  readonly #linkObserver: LinkObserver | undefined;
  readonly #linksView: RegistryLinks;

  constructor(stores: Stores, options: RegistryOptions, unlock: () => void) {
    const { blocks, index } = stores;
    this.#blocks = blocks;
    this.#db = stores.db;
    this.#index = index;
    this.#log = stores.log;
    this.#keys = stores.keys;
    this.#checkpointer = new Checkpointer(stores.log, stores.keys);
    this.#witnessing = new Witnessing({
      db: stores.db,
      keys: stores.keys,
      log: stores.log,
      checkpointer: this.#checkpointer,
      logPeers: options.logPeers ?? [],
      timeoutMs: options.logPeerTimeoutMs ?? 5_000,
      logger: options.logger,
    });
    this.#witnessView = this.#witnessing.view(() => this.#assertOpen());
    this.#state = stores.state;
    this.#options = options;
    this.#unlock = unlock;
    this.#cache = new ByteCache(options.cacheBytes ?? 64 * 1024 * 1024);
    this.#ledger = new PeerLedger(options.peerAllow === undefined ? {} : { allow: options.peerAllow });
    this.#attestationStore = new AttestationStore(stores.db, blocks, {
      onAdded: (cid) => this.#attestationReplicator?.added(cid),
      stopped: () => this.#stopped,
    });
    this.#attestationView = this.#makeAttestationView();
    blocks.onCorrupt = (cid) =>
      options.logger?.error({ cid }, 'a block file does not hash to its CID; it is not served');
    this.#ingester = new Ingester({
      blocks,
      index,
      log: stores.log,
      hasNetwork: () => this.#replicator !== undefined,
      fetchBlock: (cid, signal) => (this.#replicator as Replicator).fetchBlock(cid, signal),
      onAdded: (cid) => this.#replicator?.added(cid),
      maxBranches: options.maxBranches ?? 8,
      maxFetchingIngests: options.maxFetchingIngests ?? 2,
      maxQueuedIngests: options.maxQueuedIngests ?? 8,
      logger: options.logger,
      stopped: () => this.#stopped,
    });
    this.#links = stores.links;
    const links = registryLinks({
      store: stores.links,
      options: options.links,
      identity: stores.keys.identity,
      heads: (creator) => index.heads(creator),
      read: (cid) => this.#read(cid),
      exclusive: (fn) => this.#ingester.exclusive(fn),
      logger: options.logger,
      assertOpen: () => this.#assertOpen(),
    });
    this.#linkObserver = links.observer;
    this.#linksView = links.view;
  }

  async open(): Promise<void> {
    await this.#reconcile();
    // A data directory from before the log (or restored blocks) holds manifests the log lacks.
    // (Every leaf but the manifests' is an observation's.)
    if (this.#index.counts().manifests > this.#log.size() - this.#links.observationCount())
      this.#logMissing();
    await this.#checkpointer.start(this.#options.checkpointIntervalMs ?? 1000);
    this.#linkObserver?.start();
    this.#witnessing.start(this.#options.logPeerIntervalMs ?? 10_000);
    if (this.#options.network !== false) {
      const ledger = this.#ledger;
      this.#node = await startNode({
        datastorePath: join(this.#options.dataDir, 'datastore'),
        blocks: this.#blocks,
        listen: this.#options.listen ?? DEFAULT_LISTEN,
        refused: (peer) => ledger.refused(peer),
        score: (peer) => ledger.score(peer),
      });
      const index = this.#index;
      this.#replicator = new Replicator(this.#node, {
        has: (cid) => index.has(cid),
        ingest: async (bytes, cid, signal) =>
          this.#headAdded(
            bytes,
            await this.#ingester.ingest(bytes, this.#context('network', true, undefined, signal, cid)),
          ),
        log: {
          get epoch() {
            return index.epoch;
          },
          after: (seq, limit) => index.logAfter(seq, limit),
        },
        state: this.#state,
        ledger,
        logger: this.#options.logger,
        fetchTimeoutMs: this.#fetchTimeoutMs(),
        maxFetchesPerPeer: this.#options.maxFetchesPerPeer ?? 8,
        maxConcurrentFetches: this.#options.maxConcurrentFetches ?? 32,
        maxQueuedFetches: this.#options.maxQueuedFetches ?? 4096,
        maxPending: this.#options.maxPending ?? 1024,
        heldTtlMs: this.#options.heldTtlMs ?? 3_600_000,
        syncIntervalMs: this.#options.syncIntervalMs ?? 10_000,
        redialIntervalMs: this.#options.redialIntervalMs ?? 2_000,
      });
      const replicator = this.#replicator;
      const attestations = this.#attestationStore;
      this.#attestationReplicator = new AttestationReplicator(this.#node, {
        has: (cid) => attestations.has(cid),
        add: (bytes, cid) => attestations.add(bytes, { expectedCid: cid }),
        fetchBlock: (cid) => replicator.fetchBlock(cid),
        log: attestations.log,
        state: this.#state,
        ledger,
        logger: this.#options.logger,
        syncIntervalMs: this.#options.syncIntervalMs ?? 10_000,
      });
      // Before the peers are dialled, so the first connection already catches up on both logs.
      await this.#attestationReplicator.start();
      await this.#replicator.start(this.#options.peers ?? []);
    }
    this.#options.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  #fetchTimeoutMs(): number {
    return this.#options.fetchTimeoutMs ?? 10_000;
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
      if (bytes !== undefined)
        this.#headAdded(bytes, await this.#ingester.ingest(bytes, this.#context('local', true)));
    }
    // A node holding attestations and no manifest has blocks and an index that is not lost.
    if (this.#index.counts().manifests === 0 && this.#attestationStore.count() === 0) {
      for await (const _ of this.#blocks.entries()) {
        await this.#rebuild();
        break;
      }
    }
  }

  get peerId(): string | undefined {
    return this.#node?.libp2p.peerId.toString();
  }

  get running(): boolean {
    return !this.#stopped;
  }

  #context(
    source: IngestContext['source'],
    requireCanonical: boolean,
    options: IngestOptions = {},
    signal: AbortSignal | undefined = options.signal,
    expectedCid?: string,
  ): IngestContext {
    const byCid = new Map<string, Uint8Array>();
    for (const bytes of options.pages ?? []) {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('pages must be Uint8Arrays');
      if (bytes.byteLength <= MAX_BLOCK_BYTES) byCid.set(blockCid(bytes), bytes);
    }
    return {
      source,
      requireCanonical,
      pages: byCid,
      signal,
      deadlineMs: options.deadlineMs ?? this.#fetchTimeoutMs(),
      ...(expectedCid === undefined ? {} : { expectedCid }),
    };
  }

  async ingest(input: Uint8Array | string, options: IngestOptions = {}): Promise<IngestResult> {
    if (typeof input !== 'string' && !(input instanceof Uint8Array))
      throw new TypeError('ingest expects JSON text or bytes');
    if (options.deadlineMs !== undefined && !(options.deadlineMs > 0))
      throw new RangeError('deadlineMs must be a positive number of milliseconds');
    const context = this.#context('local', options.requireCanonical === true, options);
    return this.#headAdded(input, await this.#ingester.ingest(input, context));
  }

  /** Tells the link checks of a manifest just added: its creator's claimed identities may change. */
  #headAdded(input: Uint8Array | string, result: IngestResult): IngestResult {
    if (result.ok && result.value.status === 'added')
      // Links are the creator's, across the keys it rotated through (spec §5.5).
      this.#linkObserver?.headAdded(this.#creatorOf(result.value.issuer), input);
    return result;
  }

  async lookupWorks(
    ids: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<LookupCandidate[]> {
    if (!Array.isArray(ids)) throw new TypeError('lookupWorks expects an array of work ids');
    this.#assertOpen();
    const keys = lookupKeys(ids);
    const hits = this.#index.lookup([...keys]);
    // A forked creator is offered with every branch head as soon as one names a work (decisions.md
    // §2): a branch that drops the work, or a newer version on another branch, must be weighed too.
    // Branch heads come through the index of tips and are at most `maxBranches` per creator.
    const branches: IndexHit[] = [];
    const seen = new Set<string>();
    let found: Set<string> | undefined;
    for (const hit of hits) {
      if (!this.#index.forked(hit.creator) || seen.has(hit.creator)) continue;
      seen.add(hit.creator);
      found ??= new Set(hits.map((h) => h.manifest));
      for (const head of this.#index.heads(hit.creator)) {
        if (!found.has(head.cid))
          branches.push({
            manifest: head.cid,
            issuer: head.issuer,
            creator: head.creator,
            loggedAt: head.loggedAt,
            previous: head.previous,
            inline: false,
            pages: [],
          });
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
      candidates.push({
        cid: hit.manifest,
        issuer: hit.issuer,
        bytes,
        pages,
        ...(hit.loggedAt === undefined ? {} : { loggedAt: new Date(hit.loggedAt).toISOString() }),
        ...(hit.previous === undefined ? {} : { previous: hit.previous }),
      });
    }
    return candidates;
  }

  async predecessorsOf(
    found: readonly LookupCandidate[],
    ids: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<LookupCandidate[]> {
    this.#assertOpen();
    const sinceMs = Date.now() - PENDING_WINDOW_MS;
    const keys = lookupKeys(ids);
    const out: LookupCandidate[] = [];
    const seen = new Set(found.map((c) => c.cid));
    for (const head of found) {
      // Only a head logged less than the window ago has versions that still weigh (spec §5.5).
      if (
        head.previous === undefined ||
        head.loggedAt === undefined ||
        !(Date.parse(head.loggedAt) > sinceMs)
      )
        continue;
      let current: { previous: string | undefined; loggedAt: number | undefined } = {
        previous: head.previous,
        loggedAt: Date.parse(head.loggedAt),
      };
      for (let n = 0; n < MAX_WINDOW_VERSIONS; n++) {
        if (current.previous === undefined || current.loggedAt === undefined || !(current.loggedAt > sinceMs))
          break;
        options.signal?.throwIfAborted();
        const row = this.#index.get(current.previous);
        if (row === undefined) break;
        if (!seen.has(row.cid)) {
          seen.add(row.cid);
          const bytes = await this.#read(row.cid);
          if (bytes === undefined) break;
          out.push({
            cid: row.cid,
            issuer: row.issuer,
            bytes,
            pages: await this.#pagesNaming(row.cid, bytes, keys),
            ...(row.loggedAt === undefined ? {} : { loggedAt: new Date(row.loggedAt).toISOString() }),
            ...(row.previous === undefined ? {} : { previous: row.previous }),
          });
        }
        current = row;
      }
    }
    return out;
  }

  /**
   * The catalog pages of a stored manifest that name any of `keys`. A window version's works are not
   * in the index, so its catalog and each page's ids are read from the blocks once and kept (bounded):
   * a check repeated while the window lasts reads no block but the pages it answers with.
   */
  async #pagesNaming(
    cid: string,
    bytes: Uint8Array,
    keys: ReadonlySet<string>,
  ): Promise<Map<string, Uint8Array>> {
    const pages = new Map<string, Uint8Array>();
    // Stored blocks are manifests and pages this node verified: their JSON is read as it is.
    const catalog = await remembered(
      this.#windowIndex,
      `m:${cid}`,
      async () =>
        (JSON.parse(new TextDecoder().decode(bytes)) as { credentialSubject: { catalog?: string[] } })
          .credentialSubject.catalog ?? [],
    );
    for (const page of catalog ?? []) {
      const ids = await remembered(this.#windowIndex, `p:${page}`, async () => {
        const pageBytes = await this.#read(page);
        if (pageBytes === undefined) return undefined;
        const works = (JSON.parse(new TextDecoder().decode(pageBytes)) as { works: { ids: string[] }[] })
          .works;
        return works.flatMap((w) => w.ids);
      });
      if (ids === undefined || !ids.some((id) => keys.has(id))) continue;
      const pageBytes = await this.#read(page);
      if (pageBytes !== undefined) pages.set(page, pageBytes);
    }
    return pages;
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
    const creator = this.#creatorOf(did);
    const heads = this.#index.heads(creator);
    if (heads.length === 0) return undefined;
    return { issuer: did, creator, heads: heads.map(toRef), forked: this.#index.forked(creator) };
  }

  /**
   * The creator a did:key speaks for (spec §5.5): itself when it has a chain of its own, else the
   * creator of the chain it signed in as a rotated key (the first such, in log order).
   */
  #creatorOf(did: string): string {
    if (this.#index.headCount(did) > 0) return did;
    return this.#index.creatorOfKey(did) ?? did;
  }

  history(did: string, page: { after?: number; limit?: number } = {}): ManifestRef[] {
    this.#assertOpen();
    const after = page.after ?? 0;
    const limit = page.limit ?? MAX_HISTORY_PAGE;
    if (!Number.isSafeInteger(after) || after < 0)
      throw new RangeError('history: after must be a non-negative integer');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_HISTORY_PAGE)
      throw new RangeError(`history: limit must be an integer from 1 to ${MAX_HISTORY_PAGE}`);
    return this.#index.history(this.#creatorOf(did), after, limit).map(toRef);
  }

  freshness(): Freshness {
    this.#assertOpen();
    const now = Date.now();
    const peers = this.#replicator?.peers() ?? [];
    const configured = peers.filter((p) => p.address !== undefined);
    // Each configured peer counts from its last complete catch-up, or, never caught up with, from when
    // this node started: before that, the node answers from what it held.
    let asOf = now;
    for (const p of configured) {
      const at = p.lastSync === null ? this.#started : Date.parse(p.lastSync);
      if (at < asOf) asOf = at;
    }
    return { asOf: new Date(asOf).toISOString(), peers };
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
    const report = await this.#ingester.exclusive(() => this.#rebuild());
    this.#replicator?.syncAll();
    return report;
  }

  /**
   * Rebuilds the index from the blocks and forgets the peers' cursors: the blocks may be an older
   * backup than what the cursors point past, and the next catch-up with each peer must read its
   * whole log again (known CIDs are skipped).
   */
  async #rebuild(): Promise<ReindexReport> {
    const report = await rebuildIndex(this.#blocks, this.#index);
    this.#logMissing();
    this.#cache.clear();
    this.#state.resetCursors();
    return report;
  }

  /**
   * Appends a leaf for every indexed manifest the log lacks, in index order: after a reindex over
   * blocks restored from elsewhere (the log is kept by a reindex, and has every manifest it indexed).
   */
  #logMissing(): void {
    this.#index.transaction(() => {
      for (let after = 0; ; ) {
        const page = this.#index.logAfter(after, 1000);
        if (page.length === 0) break;
        for (const [seq, cid] of page) {
          after = seq;
          if (this.#log.indexOf(cid) !== undefined) continue;
          const row = this.#index.get(cid);
          if (row !== undefined) this.#log.append([{ key: cid, leaf: manifestLeafBytes(row) }]);
        }
      }
    });
  }

  get identity(): Identity {
    return this.#keys.identity;
  }

  get log(): RegistryLog {
    this.#logView ??= this.#makeLogView();
    return this.#logView;
  }

  #makeLogView(): RegistryLog {
    const log = this.#log;
    const checkpointer = this.#checkpointer;
    const keys = this.#keys;
    // Each call fails with REGISTRY_STOPPED once the database is closed.
    const whileOpen =
      <A extends unknown[], R>(fn: (...args: A) => R) =>
      (...args: A): R => {
        this.#assertOpen();
        return fn(...args);
      };
    return {
      origin: keys.origin,
      vkey: keys.log.vkey,
      witnessVkey: keys.witness.vkey,
      size: whileOpen(() => log.size()),
      checkpoint: whileOpen(() => checkpointer.latest() as LogCheckpoint),
      checkpointCovering: whileOpen((size: number) => checkpointer.covering(size)),
      indexOf: whileOpen((cid: string) => log.indexOf(cid)),
      leaf: whileOpen((index: number) => log.leaf(index)),
      root: whileOpen((size: number) => log.tree(size).root()),
      inclusionProof: whileOpen((index: number, size: number) => log.tree(size).inclusionProof(index, size)),
      consistencyProof: whileOpen((size1: number, size2: number) =>
        log.tree(size2).consistencyProof(size1, size2),
      ),
      hashTile: whileOpen((level: number, index: number, width?: number) =>
        log.hashTile(level, index, width),
      ),
      entryBundle: whileOpen((index: number, width?: number) => log.entryBundle(index, width)),
    };
  }

  get witness(): RegistryWitness {
    return this.#witnessView;
  }

  get links(): RegistryLinks {
    return this.#linksView;
  }

  get attestations(): RegistryAttestations {
    return this.#attestationView;
  }

  #makeAttestationView(): RegistryAttestations {
    const store = this.#attestationStore;
    return {
      add: (bytes) => store.add(bytes),
      ofSubjects: (subjects, options = {}) => {
        this.#assertOpen();
        return store.ofSubjects(subjects, options);
      },
      get: (cid) => {
        this.#assertOpen();
        return store.get(cid);
      },
      list: (subject, options = {}) => {
        this.#assertOpen();
        if (typeof subject !== 'string') throw new TypeError('list expects a subject DID');
        const limit = options.limit ?? MAX_ATTESTATION_LIST;
        if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_ATTESTATION_LIST)
          throw new RangeError(
            `attestations.list: limit must be an integer from 1 to ${MAX_ATTESTATION_LIST}`,
          );
        return store.list(subject, limit);
      },
    };
  }

  revision(): number {
    // Both parts only grow, so their sum changes whenever either does.
    return this.#stopped
      ? Number.NaN
      : this.#index.revision + this.#attestationStore.revision + this.#links.revision;
  }

  stats(): RegistryStats {
    const counts = this.#stopped ? { manifests: 0, works: 0 } : this.#index.counts();
    const witnessing = this.#stopped
      ? { witnessCosigned: 0, witnessRefused: 0, checkpointCosignatures: 0, equivocations: 0 }
      : this.#witnessing.stats();
    return { ...counts, ...(this.#replicator?.stats() ?? Replicator.emptyStats()), ...witnessing };
  }

  #assertOpen(): void {
    if (this.#stopped)
      throw new AssentError<RegistryErrorCode>('REGISTRY_STOPPED', 'the registry is stopped');
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      // No link check starts, and none stores its result, once stopping.
      this.#linkObserver?.stop();
      // Peers' requests in flight are aborted first: nothing of witnessing writes once stopping.
      this.#witnessing.stop();
      try {
        await this.#attestationReplicator?.stop();
        await this.#replicator?.stop();
        await this.#node?.stop();
      } finally {
        // Wait for a commit in progress, then close the stores.
        await this.#ingester.exclusive(() => undefined);
        this.#checkpointer.stop();
        if (this.#db.open) this.#db.close();
        this.#state.close();
        this.#unlock();
      }
    })();
    return this.#stopping;
  }
}
