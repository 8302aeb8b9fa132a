import type {
  Identity,
  IdentityLink,
  LinkMethod,
  LinkResult,
  Result,
  VerifiedAttestation,
} from '@assent/manifest';
import type { IngestErrorCode } from './errors.js';

/**
 * The public types of a registry node, apart from the code that implements them, so that the parts
 * (ingest, replication, the node) depend on these and not on each other.
 */

/** Counters of replication, for operators and tests. */
export interface ReplicatorStats {
  /** Peers this node has a connection to. */
  readonly connections: number;
  /** Announcements received over pubsub. */
  readonly announcements: number;
  /** Manifests fetched from peers and indexed. */
  readonly replicated: number;
  /** Blocks from peers rejected as invalid (bad CID, oversize, not a valid manifest). */
  readonly rejected: number;
  /** Fetches that timed out or failed on the network. */
  readonly unavailable: number;
  /** Announcements dropped because a queue was full. */
  readonly dropped: number;
  /** Manifests waiting for their previous version. */
  readonly pending: number;
  /** Catch-up exchanges completed. */
  readonly syncs: number;
  /** Peers disconnected and refused for a while because their announcements only wasted fetches. */
  readonly penalized: number;
}

/**
 * Where a node's log lines go: a pino logger fits (`pino()` or a child of the gateway's), and so does
 * anything with these four methods. Each takes an object of fields, then a message.
 */
export interface RegistryLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** What this node last heard from one configured or connected peer. */
export interface PeerFreshness {
  /** The peer's libp2p id, when known. */
  readonly peer: string | undefined;
  /** The configured multiaddr, when the peer is configured (`peers`). */
  readonly address: string | undefined;
  readonly connected: boolean;
  /** When the last catch-up with the peer completed (its whole log seen), or null: never. */
  readonly lastSync: string | null;
}

/**
 * How fresh this node's answers are. `asOf` is the time up to which the index is known to hold what
 * the configured peers held: the oldest `lastSync` among them (a node with no configured peers is its
 * own authority, so `asOf` is now). A node cut off from its peers keeps an old `asOf`, and a verifier
 * with `maxAge` refuses its answers (`STALE`).
 */
export interface Freshness {
  readonly asOf: string;
  readonly peers: readonly PeerFreshness[];
}

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
  /**
   * Ingests that must fetch catalog pages from peers, running at once per lane (HTTP and network each
   * have one lane; default 2), and waiting per lane (default 8). Beyond, an ingest fails at once with
   * `REGISTRY_BUSY`: a flood of manifests naming pages nobody has cannot stall the node.
   */
  readonly maxFetchingIngests?: number;
  readonly maxQueuedIngests?: number;
  /** Branch heads one creator may have (default 8); a manifest making another is refused (`FORK_LIMIT`). */
  readonly maxBranches?: number;
  /** How long a manifest waits for its previous version before it is dropped (default 1 h). */
  readonly heldTtlMs?: number;
  /** Only these libp2p peer ids may connect (default: any). */
  readonly peerAllow?: readonly string[];
  /**
   * The origin of the node's log, set on first start only (default `assent/<node DID key>`). A host
   * name and path, e.g. `example.org/assent/log`.
   */
  readonly logOrigin?: string;
  /** How often a checkpoint is signed while the log grows (default 1,000 ms). */
  readonly checkpointIntervalMs?: number;
  /**
   * Other nodes' logs to witness, and to ask for cosignatures of this node's checkpoints
   * (docs/witnessing.md). Keys not pinned here are learned from the peer's
   * `/.well-known/assent-node.json` on first contact and remembered (trust on first use).
   */
  readonly logPeers?: readonly LogPeer[];
  /**
   * How often the log peers are polled for their checkpoints and the checkpoints they cosigned, and
   * cosignatures that failed are asked for again (default 10,000 ms).
   */
  readonly logPeerIntervalMs?: number;
  /** Time allowed for one HTTP request to a log peer (default 5,000 ms). */
  readonly logPeerTimeoutMs?: number;
  /**
   * Checking the identity links creators claim (docs/spec/observation.md): at ingest of a new head, then
   * about daily; each result is signed by the node and logged. `false`: nothing is checked (tests that
   * do not need it). Default: checked, with safe fetching.
   */
  readonly links?: RegistryLinkOptions | false;
  /** Log lines (replication, recovery); default none. */
  readonly logger?: RegistryLogger;
  /** Stops the registry when aborted. */
  readonly signal?: AbortSignal;
}

/** Options of the node's identity-link checks ({@link RegistryOptions.links}). */
export interface RegistryLinkOptions {
  /**
   * Allow loopback addresses and plain http in link checks (`assent serve --insecure-links`): tests and
   * local use only. Off by default: https only, public addresses only.
   */
  readonly allowInsecure?: boolean;
  /** DNS servers for link checks (`'127.0.0.1:5300'`); the system's when omitted. */
  readonly dnsServers?: readonly string[];
  /** Where a URL is really fetched from (tests send `https://theflight.test/…` to a loopback server). */
  readonly mapUrl?: (url: URL) => URL;
  /** The creator's pages a `rel="me"` link may point to (`https://node.example/c/<did>`); none by default. */
  readonly relMeTargets?: (creator: string) => readonly string[];
  /** The clock of checks and schedules (default the system's). */
  readonly now?: () => Date;
  /** The random source of the schedule's jitter, in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
  /** Links checked at once (default 4). */
  readonly concurrency?: number;
}

/** A link's state, as Keybase names proof states: `looking` until its first check ends. */
export type LinkState = 'looking' | LinkResult;

/** One identity a creator claims, as this node last checked it (`GET /v1/creators/{did}` `links`). */
export interface CreatorLink {
  readonly identity: IdentityLink;
  readonly state: LinkState;
  /**
   * Whether the link binds now by this node's latest observation (`linkHolds`: `ok`, or `temp_failure`
   * within 7 days of the last `ok`; no older than 30 days).
   */
  readonly bound: boolean;
  /** When the latest check ended. */
  readonly observedAt?: string;
  /** The last `ok` with no `perm_failure` since. */
  readonly lastOkAt?: string;
  /** When this node checks it next. */
  readonly nextCheckAt: string;
  /** How the latest check decided. */
  readonly method?: LinkMethod;
  /** Why the latest check was not `ok`: a `LINK_*` code of `@assent/links`. */
  readonly reason?: string;
  /** The CID of the latest signed observation (`GET /v1/observations/{cid}`). */
  readonly observation?: string;
}

/** The identity links this node checks and the observations it signed (docs/spec/observation.md). */
export interface RegistryLinks {
  /**
   * The latest signed observation (`AssentLinkObservation` bytes) of every link of these creators that
   * this node holds, for a verifier to weigh. One SQLite statement per call, nothing verified again:
   * this is on the check path.
   */
  observationsOf(creators: readonly string[]): readonly Uint8Array[];
  /** The creator's links, in (type, id) order; empty when it claims none. */
  linksOf(creator: string): readonly CreatorLink[];
  /**
   * Reads the identities the creator's heads claim again and checks each now; resolves with the links
   * once every check is stored. With `links: false`, checks nothing and answers {@link linksOf}.
   */
  recheck(creator: string): Promise<readonly CreatorLink[]>;
  /** The bytes of an observation this node signed and logged, by CID (what a `link` leaf names). */
  observation(cid: string): Uint8Array | undefined;
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
  /** Aborts the ingest, page fetches included (pass the HTTP request's signal). */
  readonly signal?: AbortSignal;
  /** Time allowed to fetch missing catalog pages from peers (default `fetchTimeoutMs`). */
  readonly deadlineMs?: number;
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
  /** The did:key asked about. */
  readonly issuer: string;
  /** The creator it speaks for (spec §5.5): the did:key of version 1, whatever keys followed. */
  readonly creator: string;
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
  /** The key that signed it. */
  readonly issuer: string;
  readonly bytes: Uint8Array;
  readonly pages: ReadonlyMap<string, Uint8Array>;
  /** When this node first logged it (UTC date-time), if known (spec §5.5: its window starts then). */
  readonly loggedAt?: string;
  /** The version before it. */
  readonly previous?: string;
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
  /** Checkpoints of peers' logs this node cosigned as a witness. */
  readonly witnessCosigned: number;
  /** add-checkpoint requests this node refused as a witness. */
  readonly witnessRefused: number;
  /** Cosignatures on this node's latest checkpoint. */
  readonly checkpointCosignatures: number;
  /** Equivocations held as evidence (`witness.equivocations()`). */
  readonly equivocations: number;
}

/** A signed checkpoint of the node's log. */
export interface LogCheckpoint {
  /** The tree size it commits to. */
  readonly size: number;
  /** The signed note (C2SP tlog-checkpoint): the log's signature, then any witness cosignatures. */
  readonly note: string;
  /** When this node signed it, by its own clock (ISO 8601). */
  readonly signedAt: string;
}

/**
 * The node's transparency log (docs/spec/log.md): one leaf per manifest it acknowledged, appended in
 * the transaction that indexes it, and one per link observation it signed, appended in the transaction
 * that stores it; checkpoints signed at most once a second while it grows.
 */
export interface RegistryLog {
  /** The log's origin: its checkpoints' first line and its key's name. */
  readonly origin: string;
  /** The log key's verifier key (C2SP signed-note vkey, type 0x01). */
  readonly vkey: string;
  /** The key this node cosigns its peers' checkpoints with (`cosignature/v1` vkey, type 0x04). */
  readonly witnessVkey: string;
  /** The number of leaves. */
  size(): number;
  /** The latest signed checkpoint. */
  checkpoint(): LogCheckpoint;
  /** The latest checkpoint if it covers `size` leaves, else one signed now. */
  checkpointCovering(size: number): Promise<LogCheckpoint>;
  /** The index of the leaf of a manifest or an observation, by CID, if this node logged it. */
  indexOf(cid: string): number | undefined;
  /** The leaf bytes at `index` (a JCS record). */
  leaf(index: number): Uint8Array | undefined;
  /** RFC 6962 root of the first `size` leaves. */
  root(size: number): Uint8Array;
  /** The audit path of leaf `index` in the tree of `size` leaves. */
  inclusionProof(index: number, size: number): Uint8Array[];
  /** The consistency proof from `size1` to `size2` leaves (0 < size1 ≤ size2 ≤ size()). */
  consistencyProof(size1: number, size2: number): Uint8Array[];
  /** A tlog-tiles hash tile, or undefined when the log does not hold `width` hashes of it yet. */
  hashTile(level: number, index: number, width?: number): Uint8Array | undefined;
  /** A tlog-tiles entry bundle, or undefined when the log does not hold `width` entries of it yet. */
  entryBundle(index: number, width?: number): Uint8Array | undefined;
}

/** Another node's log, by the URL of its gateway (docs/witnessing.md). */
export interface LogPeer {
  /** The peer's gateway, e.g. `https://node.example.org`: `/.well-known/assent-node.json`, `/log/` and `/witness/` are below it. */
  readonly url: string;
  /** Its log key (C2SP vkey, type 0x01, named after its origin), pinned; learned on first use if absent. */
  readonly vkey?: string;
  /** Its witness key (C2SP vkey, type 0x04), pinned; learned on first use if absent. */
  readonly witnessVkey?: string;
}

/** What this node knows of one configured log peer. */
export interface LogPeerView {
  /** The configured URL, without a trailing slash. */
  readonly url: string;
  /** Its log's origin, once known. */
  readonly origin: string | null;
  readonly vkey: string | null;
  readonly witnessVkey: string | null;
  /**
   * `pinned`: both keys were given in the options; `first-use`: learned (at least one) from its
   * `assent-node.json` and remembered in `index.sqlite`; `unknown`: not learned yet.
   */
  readonly trust: 'pinned' | 'first-use' | 'unknown';
  /** The size of this node's checkpoint the peer last cosigned as a witness, or null. */
  readonly cosignedSize: number | null;
  /** The last failure in talking to the peer, or null. */
  readonly lastError: string | null;
}

/** The codes of a refused add-checkpoint (C2SP tlog-witness); docs/errors.md gives their statuses. */
export type AddCheckpointRefusal =
  | 'ADD_CHECKPOINT_MALFORMED'
  | 'NOTE_MALFORMED'
  | 'NOTE_TOO_LARGE'
  | 'CHECKPOINT_MALFORMED'
  | 'TLOG_CONSISTENCY_INVALID'
  | 'WITNESS_LOG_UNKNOWN'
  | 'WITNESS_SIGNATURE_REJECTED'
  | 'WITNESS_CONFLICT';

/** The answer to a tlog-witness `add-checkpoint` request. */
export type AddCheckpointAnswer =
  | {
      readonly ok: true;
      /** The cosignature: note signature lines, each ending in a newline (the response body). */
      readonly signatures: string;
      readonly origin: string;
      readonly size: number;
    }
  | {
      readonly ok: false;
      readonly code: AddCheckpointRefusal;
      readonly message: string;
      /** With `WITNESS_CONFLICT`: the size this witness last cosigned for the origin (0: never). */
      readonly size?: number;
    };

/**
 * Portable evidence that a log signed two checkpoints no append-only log can have both of. Anyone can
 * check it offline with the log's vkey: both notes verify under it, and either they have one size and
 * two roots (`same-size`), or `proof` is a consistency proof from `notes[0]`'s size to `notes[1]`'s
 * that verifies with `proof.root` as the old root, which is not `notes[0]`'s root (`inconsistent`).
 */
export interface Equivocation {
  readonly origin: string;
  readonly kind: 'same-size' | 'inconsistent';
  /** The two signed notes, verbatim, the smaller tree first. */
  readonly notes: readonly [string, string];
  /** `inconsistent` only: the proof, built from the log's own tiles under `notes[1]`, as base64 hashes. */
  readonly proof?: { readonly hashes: readonly string[]; readonly root: string };
  /** Where the second note was seen: a peer URL, or `add-checkpoint` for a request to this witness. */
  readonly source: string;
  /** When this node found it (ISO 8601). */
  readonly detectedAt: string;
}

/**
 * The node as a C2SP tlog-witness of its log peers, and its watch over their logs for split views
 * (docs/witnessing.md).
 */
export interface RegistryWitness {
  /**
   * Answers a tlog-witness `add-checkpoint` request body: the cosignature, or why not. The check of
   * `old` and the update of the stored checkpoint are one step, so concurrent calls never lower it.
   */
  addCheckpoint(body: Uint8Array | string): Promise<AddCheckpointAnswer>;
  /**
   * The latest checkpoint this node cosigned for the log whose origin has this SHA-256 (lowercase hex),
   * with the log's signature and this node's cosignature; undefined when it never cosigned one.
   */
  cosigned(originHash: string): string | undefined;
  /** The evidence held, oldest first. */
  equivocations(): Equivocation[];
  /** The configured log peers. */
  peers(): LogPeerView[];
}

/** What an accepted {@link RegistryAttestations.add} did. */
export interface AttestationReceipt {
  /** CID of the attestation's canonical bytes. */
  readonly cid: string;
  /** `new`: stored now (and offered to peers); `exists`: this node already held it. */
  readonly status: 'new' | 'exists';
  /** The attestation as verified. */
  readonly attestation: VerifiedAttestation;
}

/** An attestation's canonical bytes, by CID: what a verifier is offered. */
export interface StoredAttestation {
  readonly cid: string;
  readonly bytes: Uint8Array;
}

/** An attestation a node holds, described without its bytes (`GET /v1/attestations?subject=`). */
export interface AttestationSummary {
  readonly cid: string;
  /** The attester's did:key. */
  readonly issuer: string;
  /** The creator's did:key. */
  readonly subject: string;
  readonly role: string | undefined;
  readonly validFrom: string;
  readonly validUntil: string | undefined;
  /** How many ISRCs, ISRC registrant prefixes and URL prefixes it names. */
  readonly isrcs: number;
  readonly isrcPrefixes: number;
  readonly urlPrefixes: number;
}

/**
 * The attestations a node stores, serves and replicates (docs/spec/attestation.md): third parties'
 * signed statements that a creator's DID speaks for ISRCs, ISRC prefixes or URL prefixes. The node
 * verifies each completely but trusts none: which attesters count is each verifier's trust list.
 */
export interface RegistryAttestations {
  /**
   * Verifies an attestation (strict JSON, schema, size, its issuer's signature, valid now) and stores
   * its canonical bytes; peers are then offered it. A bad one is refused with its code
   * (`ATTESTATION_*`, `PROOF_*`, `SIGNATURE_*`, `JSON_*`, `DID_*` …) and nothing is stored. Never
   * throws for bad input.
   */
  add(bytes: Uint8Array): Promise<Result<AttestationReceipt, IngestErrorCode>>;
  /**
   * The attestations naming any of these creators (subject DIDs) that are valid now, each once:
   * synchronous and answered from memory and a byte cache, for the check path; nothing is verified
   * again. Expired ones are never offered. With `issuers`, only those by these attesters (a verifier's
   * trust list), so that attestations by anyone else cost a check nothing.
   */
  ofSubjects(
    subjects: readonly string[],
    options?: { readonly issuers?: ReadonlySet<string> },
  ): readonly StoredAttestation[];
  /** The exact canonical bytes of an attestation this node holds (expired ones too), or undefined. */
  get(cid: string): Uint8Array | undefined;
  /**
   * The attestations naming `subject` that this node holds, expired ones too, newest stored first: at
   * most `limit` (default and maximum 1,000).
   */
  list(subject: string, options?: { readonly limit?: number }): readonly AttestationSummary[];
}

/** A registry node. Create one with {@link createRegistry}. */
export interface Registry {
  /** The node's libp2p peer id, or undefined with the network off. */
  readonly peerId: string | undefined;
  /** The node's DID key, made on first start (`node-key.json`): it signs the node's check receipts. */
  readonly identity: Identity;
  /** The node's transparency log. */
  readonly log: RegistryLog;
  /** Witnessing of peers' logs and split-view detection (docs/witnessing.md). */
  readonly witness: RegistryWitness;
  /** The creators' identity links this node checks, and its signed observations of them. */
  readonly links: RegistryLinks;
  /** The attestations this node stores, serves and replicates. */
  readonly attestations: RegistryAttestations;
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
  /**
   * The versions before `found` heads that were logged less than 72 hours ago (spec §5.5,
   * `PENDING_WINDOW_MS`): for each such head, its predecessors back to the first logged longer ago
   * (included), at most 64, each with its log time and the catalog pages naming any of `ids`. A
   * verifier weighs a head's loosening against them until its window ends.
   */
  predecessorsOf(
    found: readonly LookupCandidate[],
    ids: readonly string[],
    options?: { signal?: AbortSignal },
  ): Promise<LookupCandidate[]>;
  /** The creator's branch heads, or undefined when this node holds nothing of theirs. */
  head(did: string): CreatorHeads | undefined;
  /**
   * The creator's manifests this node holds, oldest version first: those after version `after`
   * (default 0), at most `limit` (default and maximum 1,000).
   */
  history(did: string, page?: { after?: number; limit?: number }): ManifestRef[];
  /** How fresh this node's answers are (see {@link Freshness}). Throws `REGISTRY_STOPPED` once stopped. */
  freshness(): Freshness;
  /** False once stopped (or while stopping). */
  readonly running: boolean;
  /** The exact bytes of a block this node holds (manifest or catalog page), or undefined. */
  getBlock(cid: string): Promise<Uint8Array | undefined>;
  /** The libp2p addresses peers can dial, each ending in `/p2p/<peer id>`. */
  multiaddrs(): string[];
  /** Rebuilds the index from the blockstore alone. */
  reindex(): Promise<ReindexReport>;
  /**
   * A number that grows whenever what `lookupWorks`, `attestations.ofSubjects` or
   * `links.observationsOf` answers may change (a manifest indexed, a reindex, an attestation stored or
   * expiring, an observation stored or a link dropped); NaN once stopped.
   * `registrySource` offers it, so a verifier reuses answers meanwhile.
   */
  revision(): number;
  stats(): RegistryStats;
  /** Stops networking and closes the stores. Idempotent. */
  stop(): Promise<void>;
}
