/**
 * What a verifier remembers of the logs it has seen, like its rollback memory of creators: the
 * largest checkpoint per log origin. Two checkpoints of one origin with the same size and different
 * roots are two histories signed by one log (split view): both signed notes are portable evidence.
 */

/** A checkpoint a verifier saw, by origin. */
export interface SeenCheckpoint {
  readonly size: number;
  /** The root, base64. */
  readonly root: string;
  /** The signed note, verbatim. */
  readonly note: string;
}

/** The evidence of a log showing two histories: two signed checkpoints that cannot both be true. */
export interface Equivocation {
  readonly origin: string;
  /** The signed notes: the one remembered, then the one just seen. */
  readonly notes: readonly [string, string];
}

/** Where a verifier keeps the largest checkpoint per log (default: {@link memoryCheckpoints}). */
export interface CheckpointMemory {
  get(origin: string): SeenCheckpoint | undefined | Promise<SeenCheckpoint | undefined>;
  set(origin: string, checkpoint: SeenCheckpoint): void | Promise<void>;
}

/** Checkpoint memory in a Map: for one process's life. */
export function memoryCheckpoints(): CheckpointMemory {
  const seen = new Map<string, SeenCheckpoint>();
  return {
    get: (origin) => seen.get(origin),
    set: (origin, checkpoint) => {
      seen.set(origin, checkpoint);
    },
  };
}

/**
 * Records a verified checkpoint: the largest per origin is kept. Answers the equivocation when one of
 * the same size with another root was seen. (A smaller or larger size with another root needs a
 * consistency proof from the log to be judged; offline it is only remembered when larger.)
 */
export async function observeCheckpoint(
  memory: CheckpointMemory,
  origin: string,
  checkpoint: SeenCheckpoint,
): Promise<Equivocation | undefined> {
  const known = await memory.get(origin);
  if (known !== undefined && known.size === checkpoint.size && known.root !== checkpoint.root)
    return { origin, notes: [known.note, checkpoint.note] };
  if (known === undefined || checkpoint.size > known.size) await memory.set(origin, checkpoint);
  return undefined;
}
