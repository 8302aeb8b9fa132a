/**
 * Rollback memory (spec §5.3): per creator, the highest version the verifier has seen and the
 * CID(s) at that version (more than one means a fork). Stores are pluggable; every store must be
 * monotonic: a version is never lowered, so two verifiers racing on one store cannot undo a newer
 * head.
 */

/** What a verifier remembers about one creator. */
export interface CreatorRecord {
  /** The highest version seen. */
  readonly version: number;
  /** The CID of every branch seen at that version, sorted; one unless the creator forked. */
  readonly cids: readonly string[];
  /** When that version was first seen (UTC date-time). */
  readonly seenAt: string;
}

/** Where a verifier keeps its {@link CreatorRecord}s. */
export interface StateStore {
  /** The records of those creators that have one. */
  load(issuers: readonly string[]): Promise<ReadonlyMap<string, CreatorRecord>>;
  /** Merges records in with {@link mergeCreatorRecord}; never lowers a version. */
  save(records: ReadonlyMap<string, CreatorRecord>): Promise<void>;
  /**
   * Optional: a number that changes whenever a record changes. A verifier reuses answers
   * (`VerifierOptions.reuse`) only over a store that offers it: a store shared with other verifiers
   * (another tab, another process) may change under it.
   */
  revision?(): number;
}

/** Fork branches remembered per creator; more would only let a hostile key-holder grow the state. */
export const MAX_BRANCHES = 16;

/**
 * Merges what a store holds with what a verifier saw: the higher version wins; at the same version
 * the branches are united (sorted, at most {@link MAX_BRANCHES}) and the earlier `seenAt` kept.
 */
export function mergeCreatorRecord(held: CreatorRecord | undefined, seen: CreatorRecord): CreatorRecord {
  if (held === undefined || seen.version > held.version) return seen;
  if (seen.version < held.version) return held;
  const cids = [...new Set([...held.cids, ...seen.cids])].sort().slice(0, MAX_BRANCHES);
  if (cids.length === held.cids.length) return held;
  const seenAt = [held.seenAt, seen.seenAt].sort()[0] as string;
  return { version: held.version, cids, seenAt };
}

/** True when `value` has the shape of a {@link CreatorRecord} (for stores that read untrusted files). */
export function isCreatorRecord(value: unknown): value is CreatorRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(r.version) &&
    (r.version as number) >= 1 &&
    Array.isArray(r.cids) &&
    r.cids.length >= 1 &&
    r.cids.length <= MAX_BRANCHES &&
    r.cids.every((c) => typeof c === 'string') &&
    typeof r.seenAt === 'string'
  );
}

/**
 * A state store in memory: rollback protection for the lifetime of the process.
 * @example
 * const verifier = createVerifier({ source, state: memoryState() });
 */
export function memoryState(initial?: Iterable<readonly [string, CreatorRecord]>): StateStore {
  const records = new Map<string, CreatorRecord>(initial);
  let revision = 0;
  return {
    async load(issuers) {
      const out = new Map<string, CreatorRecord>();
      for (const issuer of issuers) {
        const record = records.get(issuer);
        if (record !== undefined) out.set(issuer, record);
      }
      return out;
    },
    async save(seen) {
      for (const [issuer, record] of seen) {
        const held = records.get(issuer);
        const merged = mergeCreatorRecord(held, record);
        if (merged !== held) {
          records.set(issuer, merged);
          revision++;
        }
      }
    },
    revision: () => revision,
  };
}
