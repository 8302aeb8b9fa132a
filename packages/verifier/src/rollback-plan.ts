/**
 * Rollback planning (spec §5.3): weighs, per creator, the manifests a source offered against what the
 * verifier remembers, and answers which branches decide and which records to save. It reads the
 * manifest cache but neither asks the source nor writes the state store: the caller does both.
 */
import type { ManifestCache, ManifestEntry } from './manifest-cache.js';
import type { CreatorRecord } from './state.js';

/** One manifest that decides for a creator: offered now, remembered from the cache, or known only by CID. */
export type Branch =
  | { readonly kind: 'offered'; readonly entry: ManifestEntry }
  | { readonly kind: 'remembered'; readonly entry: ManifestEntry }
  | {
      readonly kind: 'unavailable';
      readonly cid: string;
      readonly creator: string;
      readonly version: number;
    };

/** What decides for one creator in one batch. */
export interface CreatorPlan {
  /** The creator (spec §5.5: version 1's key), whatever keys signed its manifests. */
  readonly creator: string;
  /** Manifests whose names decide which works the creator touches (offered heads, held older ones). */
  readonly hints: readonly ManifestEntry[];
  /** What decides: the offered head(s), remembered branches, or known-but-unavailable ones. */
  readonly branches: readonly Branch[];
  /** The source offered an older version than the newest seen. */
  readonly rollback: boolean;
  /** The source offered nothing for a creator whose held manifest names the work. */
  readonly missing: boolean;
  readonly forked: boolean;
}

/** The plans of a work no creator touches: shared. */
export const NO_PLANS: readonly CreatorPlan[] = Object.freeze([]);

/** Manifests by the creator they speak for (`ManifestEntry.creator`), each CID once, in the order given. */
export function groupByCreator(entries: readonly ManifestEntry[]): Map<string, ManifestEntry[]> {
  const out = new Map<string, ManifestEntry[]>();
  for (const entry of entries) {
    const list = out.get(entry.creator);
    if (list === undefined) out.set(entry.creator, [entry]);
    else if (!list.some((e) => e.cid === entry.cid)) list.push(entry);
  }
  return out;
}

/** The highest version among one creator's manifests: every branch at it, in CID order. */
function headsOf(entries: readonly ManifestEntry[]): ManifestEntry[] {
  let top = 0;
  for (const e of entries) if (e.version > top) top = e.version;
  return entries.filter((e) => e.version === top).sort((a, b) => (a.cid < b.cid ? -1 : 1));
}

/**
 * Weighs, per creator, what the source offered against what the verifier remembers (spec §5.3).
 * `offered` holds each creator's candidates; `hints` the held manifests that name the batch's works,
 * which decide which works a creator touches; `records` what the state store remembers of them.
 * Remembered branches are looked up in `cache` (which marks them recently used). Answers the plans,
 * in creator order, and the records to save (stamped `nowIso`).
 */
export function planCreators(
  offered: ReadonlyMap<string, ManifestEntry[]>,
  hints: ReadonlyMap<string, ManifestEntry[]>,
  records: ReadonlyMap<string, CreatorRecord>,
  nowIso: string,
  cache: Pick<ManifestCache, 'get'>,
): { plans: CreatorPlan[]; updates: Map<string, CreatorRecord> } {
  const plans: CreatorPlan[] = [];
  const updates = new Map<string, CreatorRecord>();
  const remembered = (cid: string, creator: string, version: number): Branch => {
    const entry = cache.get(cid);
    return entry === undefined
      ? { kind: 'unavailable', cid, creator, version }
      : { kind: 'remembered', entry };
  };
  for (const creator of [...new Set([...offered.keys(), ...hints.keys()])].sort()) {
    const heads = headsOf(offered.get(creator) ?? []);
    const record = records.get(creator);
    const hinted = [...heads, ...(hints.get(creator) ?? [])];
    const top = heads[0];
    if (top === undefined) {
      // The source left out a creator whose manifest we hold naming the work: the newest seen decides.
      if (record === undefined) continue;
      const branches = record.cids.map((cid) => remembered(cid, creator, record.version));
      plans.push({
        creator,
        hints: hinted,
        branches,
        rollback: false,
        missing: true,
        forked: branches.length > 1,
      });
      continue;
    }
    const offeredCids = heads.map((e) => e.cid);
    let branches: Branch[] = heads.map((entry) => ({ kind: 'offered', entry }));
    let rollback = false;
    if (record === undefined || top.version > record.version) {
      updates.set(creator, { version: top.version, cids: offeredCids, seenAt: nowIso });
    } else if (top.version === record.version) {
      const hidden = record.cids.filter((cid) => !offeredCids.includes(cid));
      branches = [...branches, ...hidden.map((cid) => remembered(cid, creator, top.version))];
      if (offeredCids.some((cid) => !record.cids.includes(cid))) {
        updates.set(creator, { version: top.version, cids: offeredCids, seenAt: nowIso });
      }
    } else {
      // Spec §5.3: never go back. The newest version seen decides, from memory if we still hold it.
      rollback = true;
      branches = record.cids.map((cid) => remembered(cid, creator, record.version));
    }
    plans.push({ creator, hints: hinted, branches, rollback, missing: false, forked: branches.length > 1 });
  }
  return { plans, updates };
}
