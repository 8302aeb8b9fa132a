/**
 * Matching: which manifests name which works of a batch (by id or by the longest `url-prefix:`
 * covering it, docs/decisions.md §2 item 5), and what each creator's deciding branches say about each
 * work it touches. Answers evidence per work; ranking it and deciding are not its job.
 */
import { normalizeWorkId, urlPrefixesOf, type WorkId } from '@assent/manifest';
import { type Circumstances, type Evidence, evaluate, locate } from './decide.js';
import type { Warning } from './errors.js';
import { isComplete, type ManifestCache, type ManifestEntry } from './manifest-cache.js';
import { type Window, windowEvidence, windowOf } from './pending-window.js';
import type { Branch, CreatorPlan } from './rollback-plan.js';

/** One work of a batch: as given, normalized, and the `url-prefix:` keys that may cover it. */
export interface WorkItem {
  readonly work: string;
  /** Its normal form; undefined when it is not a valid work id (then `invalid` says why). */
  readonly id: WorkId | undefined;
  /** `urlPrefixesOf(id)`, shortest first; empty for an id that is no URL. */
  readonly prefixes: readonly string[];
  readonly invalid?: { code: Warning['code']; message: string };
}

/** The url-prefix keys of an id that is no URL: shared. */
const NO_PREFIXES: readonly string[] = Object.freeze([]);

/** The items of a batch of works, in order. Throws `TypeError` for a work that is not a string. */
export function itemsOf(works: readonly string[]): WorkItem[] {
  return works.map((work) => {
    if (typeof work !== 'string') throw new TypeError('every work must be a string');
    const id = normalizeWorkId(work);
    if (!id.ok) return { work, id: undefined, prefixes: [], invalid: { code: id.code, message: id.message } };
    return {
      work,
      id: id.value,
      prefixes: id.value.startsWith('url') ? urlPrefixesOf(id.value) : NO_PREFIXES,
    };
  });
}

/** The distinct valid ids of a batch, in order: what a source is asked about. */
export function idsOf(items: readonly WorkItem[]): WorkId[] {
  const unique = new Set<WorkId>();
  for (const item of items) if (item.id !== undefined) unique.add(item.id);
  return [...unique];
}

/**
 * What the creators say about each work of a batch, by item index: the evidence and the plans of
 * the creators that touch it; undefined for a work no creator touches (most of a dataset).
 */
export interface MatchedEvidence {
  readonly evidence: (Evidence[] | undefined)[];
  readonly plans: (CreatorPlan[] | undefined)[];
}

/** What one deciding branch says about a work its creator touches. */
function branchEvidence(b: Branch, item: WorkItem, c: Circumstances): Evidence {
  if (b.kind === 'unavailable') {
    return {
      cid: b.cid,
      issuer: b.creator,
      version: b.version,
      decision: 'deny',
      term: null,
      rule: 'content-unavailable',
      matched: null,
      claims: true,
    };
  }
  const hit = locate(b.entry, item.id as WorkId, item.prefixes);
  if (hit !== undefined) return evaluate(b.entry, hit.located, hit.matched, c);
  const unsure = b.kind === 'remembered' && !isComplete(b.entry);
  const base = {
    cid: b.entry.cid,
    issuer: b.entry.issuer,
    ...(b.entry.creator === b.entry.issuer ? {} : { creator: b.entry.creator }),
    version: b.entry.version,
    term: null,
    matched: null,
  };
  return unsure
    ? { ...base, decision: 'deny', rule: 'content-unavailable', claims: true }
    : { ...base, decision: 'unknown', rule: 'not-named', claims: false };
}

/**
 * Matches the manifests of one batch to its works. First {@link WorkMatcher.heldHints} (before
 * planning: which creators the verifier holds a manifest of naming these works), then
 * {@link WorkMatcher.gather} (after planning: what each creator's branches say about each work).
 */
export class WorkMatcher {
  readonly #items: readonly WorkItem[];
  readonly #cache: ManifestCache;
  /** The cache's generation when `#namedItems` was taken. */
  #generation = Number.NaN;
  /** The items each held manifest names, from the cache's reverse index. */
  readonly #namedItems = new Map<ManifestEntry, number[]>();
  /**
   * The batch's keys (every id and url-prefix, with the items that look it up) as arrays: walking
   * them is much cheaper than a Map iterator (profiled: the iterator was a fifth of a 10,000-work
   * batch against ten 100,000-work manifests). Built only when `#namedItems` cannot be used.
   */
  #keyed: { byKey: Map<string, number[]>; keys: string[]; lists: number[][] } | undefined;

  constructor(items: readonly WorkItem[], cache: ManifestCache) {
    this.#items = items;
    this.#cache = cache;
  }

  /**
   * Creators we hold a manifest of naming these works, whom the source did not offer (`offered`
   * by creator): their held manifests by creator. The same pass notes which items each held manifest
   * names (from the cache's reverse index), so that matching a manifest to the batch in `gather` is
   * one lookup instead of a scan of the batch against its index.
   */
  heldHints(offered: ReadonlyMap<string, unknown>): Map<string, ManifestEntry[]> {
    const items = this.#items;
    const cache = this.#cache;
    const hints = new Map<string, ManifestEntry[]>();
    this.#generation = cache.generation;
    const namedItems = this.#namedItems;
    const note = (entry: ManifestEntry, i: number) => {
      const named = namedItems.get(entry);
      if (named === undefined) namedItems.set(entry, [i]);
      else if (named[named.length - 1] !== i) named.push(i);
      if (offered.has(entry.creator)) return;
      const list = hints.get(entry.creator);
      if (list === undefined) hints.set(entry.creator, [entry]);
      else if (!list.includes(entry)) list.push(entry);
    };
    const visit = (key: string, i: number) => {
      const named = cache.namedBy(key);
      if (named === undefined) return;
      if (!Array.isArray(named)) note(named as ManifestEntry, i);
      else for (const entry of named as readonly ManifestEntry[]) note(entry, i);
    };
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as WorkItem;
      if (item.id === undefined) continue;
      visit(item.id, i);
      for (const prefix of item.prefixes) visit(prefix, i);
    }
    return hints;
  }

  /**
   * What each plan's creator says about each work it touches (through its hints and remembered
   * branches), for the use, time and organisation of `c`.
   */
  gather(plans: readonly CreatorPlan[], c: Circumstances): MatchedEvidence {
    const items = this.#items;
    // What each item gathers, made only for items some creator touches (most of a dataset is named
    // by nobody: no two empty arrays per work).
    const evidenceOf: (Evidence[] | undefined)[] = new Array(items.length).fill(undefined);
    const plansOf: (CreatorPlan[] | undefined)[] = new Array(items.length).fill(undefined);
    /** Notes that `p` touches item `i`; answers the item's evidence list, to add `p`'s to. */
    const evidenceList = (i: number, p: CreatorPlan): Evidence[] => {
      const planList = plansOf[i];
      if (planList === undefined) plansOf[i] = [p];
      else planList.push(p);
      let evidence = evidenceOf[i];
      if (evidence === undefined) {
        evidence = [];
        evidenceOf[i] = evidence;
      }
      return evidence;
    };
    for (const p of plans) {
      const touched = new Set<number>();
      for (const entry of p.hints) this.#touchedBy(entry, touched);
      for (const b of p.branches) if (b.kind === 'remembered') this.#touchedBy(b.entry, touched);
      // Offered heads still in their waiting window, and the works their earlier versions name too.
      let windows: Map<Branch, Window> | undefined;
      for (const b of p.branches) {
        const w = b.kind === 'offered' ? windowOf(b.entry, c.atMs, this.#cache) : undefined;
        if (w === undefined) continue;
        if (windows === undefined) windows = new Map();
        windows.set(b, w);
        for (let v = 1; v < w.versions.length; v++) this.#touchedBy(w.versions[v] as ManifestEntry, touched);
      }
      const evidenceFor = (b: Branch, item: WorkItem): Evidence[] => {
        const w = windows?.get(b);
        return w === undefined ? [branchEvidence(b, item, c)] : windowEvidence(w, item, c);
      };
      const single = p.branches.length === 1 && windows === undefined ? (p.branches[0] as Branch) : undefined;
      for (const i of touched) {
        const item = items[i] as WorkItem;
        if (single !== undefined) {
          // One branch (no fork): its one piece of evidence, without the arrays of the general case.
          const e = branchEvidence(single, item, c);
          // A creator the source left out, whose newest manifest no longer names the work, says nothing.
          if (p.missing && !e.claims) continue;
          evidenceList(i, p).push(e);
          continue;
        }
        const found = p.branches.flatMap((b) => evidenceFor(b, item));
        const claims = found.some((e) => e.claims);
        if (p.missing && !claims) continue;
        // In a fork, a branch that does not speak to the work counts as `unknown` once another does
        // (but a head held back by its window stays silent: what holds it back speaks for it).
        evidenceList(i, p).push(
          ...(claims && p.forked
            ? found.map((e) => (e.pendingUntil === undefined ? { ...e, claims: true } : e))
            : found),
        );
      }
    }
    return { evidence: evidenceOf, plans: plansOf };
  }

  /** Adds to `into` the items whose id or url-prefixes `entry` names. */
  #touchedBy(entry: ManifestEntry, into: Set<number>): void {
    // Exact while the cache is unchanged since `#namedItems` was taken and holds this entry: then
    // its ids are exactly those `namedBy` maps to it. Otherwise (evicted, grown, another batch
    // meanwhile) scan.
    if (this.#cache.generation === this.#generation && this.#cache.holds(entry)) {
      for (const i of this.#namedItems.get(entry) ?? []) into.add(i);
      return;
    }
    const { byKey, keys, lists } = this.#batchKeys();
    const index = entry.index;
    if (index.size <= keys.length) {
      for (const key of index.keys()) {
        const list = byKey.get(key);
        if (list !== undefined) for (const i of list) into.add(i);
      }
    } else {
      for (let k = 0; k < keys.length; k++) {
        if (index.has(keys[k] as string)) for (const i of lists[k] as number[]) into.add(i);
      }
    }
  }

  #batchKeys(): { byKey: Map<string, number[]>; keys: string[]; lists: number[][] } {
    if (this.#keyed !== undefined) return this.#keyed;
    const byKey = new Map<string, number[]>();
    const note = (key: string, i: number) => {
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    };
    this.#items.forEach((item, i) => {
      if (item.id === undefined) return;
      note(item.id, i);
      for (const prefix of item.prefixes) note(prefix, i);
    });
    this.#keyed = { byKey, keys: [...byKey.keys()], lists: [...byKey.values()] };
    return this.#keyed;
  }
}
