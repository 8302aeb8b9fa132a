import {
  type CatalogPage,
  type IdentityLink,
  type Policy,
  type VerifiedManifest,
  verifyCatalogPage,
  type Work,
} from '@assent/manifest';

const NO_IDENTITIES: readonly IdentityLink[] = Object.freeze([]);

/** Where a work was found in a manifest: inline, or in the catalog page with this CID. */
export interface LocatedWork {
  readonly work: Work;
  readonly page: string | undefined;
}

/**
 * A verified manifest ready for decisions: its works indexed by id, the catalog pages verified so
 * far, and its validity as epoch milliseconds.
 */
export interface ManifestEntry {
  readonly cid: string;
  /** The key that signed it. */
  readonly issuer: string;
  /**
   * Whom it speaks for, the key creators are grouped and remembered by (spec §5.5): the creator it
   * names once its key chain is proven (key-chain.ts), else its own issuer.
   */
  readonly creator: string;
  /** False for a manifest naming another creator whose chain the source could not show (yet). */
  readonly creatorProven: boolean;
  readonly version: number;
  readonly bytes: Uint8Array;
  readonly default: Policy | undefined;
  /** The version before it (`credentialSubject.previous`). */
  readonly previous: string | undefined;
  /**
   * When the source first logged it (epoch ms), as the latest answer offering it said; undefined
   * when no source said. Starts its waiting window (see pending-window.ts).
   */
  loggedAtMs?: number;
  readonly validFrom: string;
  readonly validUntil: string | undefined;
  readonly validFromMs: number;
  readonly validUntilMs: number | undefined;
  /** CIDs of every catalog page the manifest binds. */
  readonly catalog: ReadonlySet<string>;
  /** The identities the creator claims in it (`credentialSubject.identities`), in normal form. */
  readonly identities: readonly IdentityLink[];
  /** Works by normalized id: inline works, then those of every verified page. */
  readonly index: Map<string, LocatedWork>;
  /** Catalog pages verified and indexed so far. */
  readonly pages: Set<string>;
  /** Bytes held: the manifest and its verified pages (what the cache bound counts). */
  size: number;
  /**
   * Every instant (epoch ms) at which what the manifest says may change: `validFrom`, `validUntil`
   * and each `until` condition of its default, its works and its verified pages. Grows as pages are
   * added. See {@link nextChange}.
   */
  readonly times: Set<number>;
}

/** Adds the `until` instants of a policy's statements to `times`. */
function noteUntils(policy: Policy | undefined, times: Set<number>): void {
  if (policy === undefined) return;
  for (const statement of Object.values(policy)) {
    if (typeof statement !== 'object' || statement === null) continue;
    const until = statement.conditions?.until;
    if (until === undefined) continue;
    const ms = Date.parse(until);
    if (Number.isFinite(ms)) times.add(ms);
  }
}

/**
 * The first instant after `atMs` at which the entry's evidence about any work may change (every
 * time rule of docs/decisions.md switches at its instant: `validFrom`, `validUntil`, `until`), or
 * Infinity.
 */
export function nextChange(entry: ManifestEntry, atMs: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const t of entry.times) if (t > atMs && t < next) next = t;
  return next;
}

/**
 * A copy of an id that owns its characters, as a key of the indexes below. JSON parsing answers each
 * string as a slice of the whole document's text (V8 keeps a substring of 13 or more characters as a
 * pointer into its parent), and as a key of a large map a slice costs one more memory access on every
 * comparison: the reverse-index pass of a 10,000-work `checkMany` against a million indexed works
 * took 15 ms with sliced keys and 10 ms with these (same process, same batches).
 */
function ownCopy(id: string): string {
  const codes = new Array<number>(id.length);
  for (let i = 0; i < id.length; i++) codes[i] = id.charCodeAt(i);
  return String.fromCharCode.apply(null, codes);
}

/**
 * Indexes a work's ids under copies of their own ({@link ownCopy}), which also take the place of the
 * slices in the work's `ids`: then nothing holds the document's text, and it is freed. A million
 * indexed works took 355 MB of heap this way, 415 MB with the slices kept beside the copies.
 */
function indexWork(index: Map<string, LocatedWork>, work: Work, page: string | undefined): string[] {
  const ids = work.ids as string[];
  for (let k = 0; k < ids.length; k++) {
    const id = ownCopy(ids[k] as string);
    ids[k] = id;
    index.set(id, { work, page });
  }
  return ids;
}

/**
 * Builds the entry of a manifest that `verifyManifest` accepted. `creator` is whom it speaks for: the
 * creator it names when that is self-evident or proven, else its issuer (`creatorProven` false).
 */
export function entryOf(
  verified: VerifiedManifest,
  creator: { readonly creator: string; readonly proven: boolean } = {
    creator: verified.issuer,
    proven: true,
  },
): ManifestEntry {
  const m = verified.manifest;
  const index = new Map<string, LocatedWork>();
  const validFromMs = Date.parse(m.validFrom);
  const validUntilMs = m.validUntil === undefined ? undefined : Date.parse(m.validUntil);
  const times = new Set([validFromMs]);
  if (validUntilMs !== undefined) times.add(validUntilMs);
  noteUntils(m.credentialSubject.default, times);
  for (const work of m.credentialSubject.works) {
    indexWork(index, work, undefined);
    noteUntils(work.policy, times);
  }
  return {
    cid: verified.cid,
    issuer: verified.issuer,
    creator: creator.creator,
    creatorProven: creator.proven,
    version: verified.version,
    previous: verified.previous,
    bytes: verified.bytes,
    default: m.credentialSubject.default,
    validFrom: m.validFrom,
    validUntil: m.validUntil,
    validFromMs,
    validUntilMs,
    catalog: new Set(verified.catalog),
    identities: m.credentialSubject.identities ?? NO_IDENTITIES,
    index,
    pages: new Set(),
    size: verified.bytes.length,
    times,
  };
}

/** True when every catalog page of the entry is indexed, so a work not in `index` is not named. */
export function isComplete(entry: ManifestEntry): boolean {
  return entry.pages.size === entry.catalog.size;
}

/**
 * Verifies a catalog page against the manifest that binds it (spec §3.4: hash, canonical form,
 * schema, issuer) and indexes its works. A page already indexed is skipped. A page naming a work id
 * the manifest or another of its pages already names breaks spec §3.1, and so does the manifest
 * itself: answered with `manifest: true`, and nothing indexed.
 */
export function addPage(
  entry: ManifestEntry,
  cid: string,
  bytes: Uint8Array,
): { ok: true; ids: readonly string[] } | { ok: false; code: string; message: string; manifest?: true } {
  if (entry.pages.has(cid)) return { ok: true, ids: [] };
  if (!entry.catalog.has(cid)) {
    return { ok: false, code: 'CATALOG_PAGE_INVALID', message: `manifest ${entry.cid} does not list ${cid}` };
  }
  const page = verifyCatalogPage(bytes, { cid, issuer: entry.issuer });
  if (!page.ok) return page;
  // Within the page the schema already refused a repeated id; here, across the manifest and its pages.
  for (const work of page.value.works) {
    for (const id of work.ids) {
      if (entry.index.has(id)) {
        return {
          ok: false,
          code: 'MANIFEST_SCHEMA',
          message: `work id ${id} is named more than once in the manifest and its pages (spec §3.1)`,
          manifest: true,
        };
      }
    }
  }
  entry.size += bytes.length;
  return { ok: true, ids: indexPage(entry, cid, page.value) };
}

function indexPage(entry: ManifestEntry, cid: string, page: CatalogPage): string[] {
  entry.pages.add(cid);
  const ids: string[] = [];
  for (const work of page.works) {
    for (const id of indexWork(entry.index, work, cid)) ids.push(id);
    noteUntils(work.policy, entry.times);
  }
  return ids;
}

/**
 * Verified manifests by CID, least recently used evicted first, bounded by the bytes they hold.
 * Manifests are immutable, so an entry never goes stale; only the question of which is the head does.
 * The cache also knows which held manifests name which ids, so the verifier can notice a source that
 * leaves out a creator it has already seen naming a work.
 */
export class ManifestCache {
  readonly #entries = new Map<string, ManifestEntry>();
  /** id → the held manifests naming it (one entry unboxed: most ids have one claimant). */
  readonly #namedBy = new Map<string, ManifestEntry | ManifestEntry[]>();
  readonly #maxBytes: number;
  #bytes = 0;
  #generation = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The entry for `cid`, marked as recently used. */
  get(cid: string): ManifestEntry | undefined {
    const entry = this.#entries.get(cid);
    if (entry !== undefined) {
      this.#entries.delete(cid);
      this.#entries.set(cid, entry);
    }
    return entry;
  }

  /**
   * Changes whenever an entry is added, evicted or grows. While it stays the same, every held entry's
   * ids are exactly the ids `namedBy` maps to it, so a caller may use `namedBy` instead of scanning
   * `entry.index` (see `holds`).
   */
  get generation(): number {
    return this.#generation;
  }

  /** Whether this very entry is held (without marking it as recently used). */
  holds(entry: ManifestEntry): boolean {
    return this.#entries.get(entry.cid) === entry;
  }

  /**
   * The held manifests that name `id`: none, one (unboxed, as most ids have one claimant) or several.
   * Unboxed so that the lookup of each work of a batch allocates nothing.
   */
  namedBy(id: string): ManifestEntry | readonly ManifestEntry[] | undefined {
    return this.#namedBy.get(id);
  }

  /** Adds a new entry and evicts the least recently used until the bound holds. */
  set(entry: ManifestEntry): void {
    if (this.#entries.has(entry.cid)) return;
    this.#generation++;
    this.#entries.set(entry.cid, entry);
    this.#bytes += entry.size;
    this.#index(entry, entry.index.keys());
    this.#trim();
  }

  /** Call after a page was added to a held entry: `by` bytes more, naming `ids`. */
  grew(entry: ManifestEntry, by: number, ids: Iterable<string>): void {
    // The entry's index grew, held or not: readers of `generation` must not trust what they saw.
    this.#generation++;
    if (this.#entries.get(entry.cid) !== entry) return;
    this.#bytes += by;
    this.#index(entry, ids);
    this.#trim();
  }

  #index(entry: ManifestEntry, ids: Iterable<string>): void {
    for (const id of ids) {
      const held = this.#namedBy.get(id);
      if (held === undefined) this.#namedBy.set(id, entry);
      else if (Array.isArray(held)) {
        if (!held.includes(entry)) held.push(entry);
      } else if (held !== entry) this.#namedBy.set(id, [held, entry]);
    }
  }

  /** Drops a held entry (a manifest found to break the spec once a page came), if it is held. */
  remove(entry: ManifestEntry): void {
    if (this.#entries.get(entry.cid) !== entry) return;
    this.#generation++;
    this.#entries.delete(entry.cid);
    this.#bytes -= entry.size;
    this.#unindex(entry);
  }

  #unindex(entry: ManifestEntry): void {
    for (const id of entry.index.keys()) {
      const held = this.#namedBy.get(id);
      if (held === entry) this.#namedBy.delete(id);
      else if (Array.isArray(held)) {
        const rest = held.filter((e) => e !== entry);
        if (rest.length === 1) this.#namedBy.set(id, rest[0] as ManifestEntry);
        else this.#namedBy.set(id, rest);
      }
    }
  }

  #trim(): void {
    for (const [cid, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(cid);
      this.#bytes -= entry.size;
      this.#unindex(entry);
    }
  }

  /** Number of manifests held. */
  get size(): number {
    return this.#entries.size;
  }
}
