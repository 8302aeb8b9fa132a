/**
 * The waiting window (docs/decisions.md §2, spec §5.5): restrictions apply at once, a loosening waits
 * `PENDING_WINDOW_MS` (72 hours) after the version was first logged. For a creator's head still in
 * its window at the time of use, the answer for a work is the most restrictive among the head and
 * the versions before it still in theirs (and the first one past it): a stolen key's "allow all"
 * never counts before the creator can recover, while a creator's deny counts at once.
 */
import { canonicalize, type JsonValue, PENDING_WINDOW_MS, type WorkId } from '@assent/manifest';
import { type Circumstances, type Evidence, evaluate, locate, RESTRICTIVENESS } from './decide.js';
import type { ManifestCache, ManifestEntry } from './manifest-cache.js';

/** A work of a batch, as the window reads it (work-matcher.ts's `WorkItem`). */
interface Work {
  /** Its normal form (a valid id: only those reach the window). */
  readonly id: WorkId | undefined;
  /** `urlPrefixesOf(id)`, shortest first. */
  readonly prefixes: readonly string[];
}

/** A head in its waiting window and the versions that weigh against it, newest first. */
export interface Window {
  /** The head first, then each earlier version while the one after it is in its window. */
  readonly versions: readonly ManifestEntry[];
  /** A version the window needs was not at hand (the source did not offer it): it answers `unknown`. */
  readonly missing: boolean;
  /** When the head's window ends (UTC date-time). */
  readonly pendingUntil: string;
}

/**
 * The window of `head` at the time of use `atMs`, or undefined when it has none: its log time is
 * unknown, it is version 1, or its window has passed. Earlier versions come from `cache` (the
 * source offers them as `predecessors`).
 */
export function windowOf(
  head: ManifestEntry,
  atMs: number,
  cache: Pick<ManifestCache, 'get'>,
): Window | undefined {
  if (head.loggedAtMs === undefined || head.previous === undefined) return undefined;
  if (!(atMs < head.loggedAtMs + PENDING_WINDOW_MS)) return undefined;
  const versions: ManifestEntry[] = [head];
  let current = head;
  let missing = false;
  while (
    current.previous !== undefined &&
    current.loggedAtMs !== undefined &&
    atMs < current.loggedAtMs + PENDING_WINDOW_MS
  ) {
    const previous = cache.get(current.previous);
    if (previous === undefined || previous.creator !== head.creator) {
      missing = true;
      break;
    }
    versions.push(previous);
    current = previous;
  }
  return {
    versions,
    missing,
    pendingUntil: new Date(head.loggedAtMs + PENDING_WINDOW_MS).toISOString(),
  };
}

/** What one version says about a work: its evidence, or a version that does not name it. */
function versionEvidence(entry: ManifestEntry, item: Work, c: Circumstances): Evidence {
  const hit = locate(entry, item.id as WorkId, item.prefixes);
  if (hit !== undefined) return evaluate(entry, hit.located, hit.matched, c);
  return {
    cid: entry.cid,
    issuer: entry.issuer,
    ...(entry.creator === entry.issuer ? {} : { creator: entry.creator }),
    version: entry.version,
    decision: 'unknown',
    term: null,
    rule: 'not-named',
    matched: null,
    claims: false,
  };
}

/** How restrictive an answer is; a version that does not claim the work answers `unknown`. */
function rank(e: Evidence): number {
  return e.claims ? RESTRICTIVENESS[e.decision] : RESTRICTIVENESS.unknown;
}

/** Whether `older` holds back `newer`: more restrictive, or conditional on other conditions. */
function holdsBack(older: Evidence, newer: Evidence): boolean {
  if (rank(older) !== rank(newer)) return rank(older) > rank(newer);
  // Changed conditions wait too: telling a looser set from a tighter one is not attempted.
  return (
    older.claims &&
    newer.claims &&
    older.decision === 'conditional' &&
    canonicalize((older.conditions ?? null) as JsonValue) !==
      canonicalize((newer.conditions ?? null) as JsonValue)
  );
}

/**
 * The evidence of a windowed head for one work: the head's own when nothing before it holds it back;
 * else the head's, marked `pendingUntil` and not claiming, and the version holding it back (none when
 * that is a version not at hand).
 */
export function windowEvidence(w: Window, item: Work, c: Circumstances): Evidence[] {
  const own = versionEvidence(w.versions[0] as ManifestEntry, item, c);
  let deciding = own;
  for (let i = 1; i < w.versions.length; i++) {
    const e = versionEvidence(w.versions[i] as ManifestEntry, item, c);
    if (holdsBack(e, deciding)) deciding = e;
  }
  // A version not at hand may have said anything: it holds back every grant, as `unknown`.
  const unseen = w.missing && RESTRICTIVENESS.unknown > rank(deciding);
  if (deciding === own && !unseen) return [own];
  const held = { ...own, claims: false, pendingUntil: w.pendingUntil };
  return unseen ? [held] : [held, deciding];
}
