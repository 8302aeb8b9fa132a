import { AssentError } from '@assent/manifest';
import type { CheckpointMemory, SeenCheckpoint } from '../checkpoint-memory.js';
import { readJsonFile, writeJsonAtomically } from './atomic-json-file.js';

/** The file's format marker; a file with another one is refused rather than overwritten. */
const FORMAT = 'assent-checkpoint-memory/1';

interface CheckpointFile {
  readonly format: typeof FORMAT;
  readonly logs: Record<string, SeenCheckpoint>;
}

function isSeenCheckpoint(value: unknown): value is SeenCheckpoint {
  const c = value as Partial<SeenCheckpoint> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    Number.isSafeInteger(c.size) &&
    (c.size as number) >= 0 &&
    typeof c.root === 'string' &&
    typeof c.note === 'string'
  );
}

/**
 * The largest checkpoint seen per log, in a JSON file beside the rollback memory (`fileState`), so
 * that a log that shows this verifier two histories is caught across runs, not only within one
 * (`verifyReceipt`'s `seen`). Written whole or not at all; a file that is not a checkpoint memory is
 * `STATE_CORRUPT` (refused, not overwritten), one that cannot be read `STATE_UNAVAILABLE`.
 * @example
 * import { fileCheckpoints } from '@assent/verifier/node';
 * import { verifyReceipt } from '@assent/verifier/receipt';
 * const verdict = await verifyReceipt(receipt, { results, seen: fileCheckpoints(join(home, 'checkpoints.json')) });
 */
export function fileCheckpoints(path: string, options: { readonly mode?: number } = {}): CheckpointMemory {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('fileCheckpoints needs a file path');
  const mode = options.mode ?? 0o600;
  let logs: Map<string, SeenCheckpoint> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function read(): Promise<Map<string, SeenCheckpoint>> {
    if (logs !== undefined) return logs;
    const parsed = (await readJsonFile(path)) as Partial<CheckpointFile> | null | undefined;
    const loaded = new Map<string, SeenCheckpoint>();
    if (parsed !== undefined) {
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        parsed.format !== FORMAT ||
        typeof parsed.logs !== 'object'
      )
        throw new AssentError('STATE_CORRUPT', `${path} is not a ${FORMAT} file`);
      for (const [origin, checkpoint] of Object.entries(parsed.logs ?? {})) {
        if (!isSeenCheckpoint(checkpoint))
          throw new AssentError('STATE_CORRUPT', `${path}: a bad checkpoint for ${origin}`);
        loaded.set(origin, checkpoint);
      }
    }
    logs = loaded;
    return logs;
  }

  /** One operation at a time, so a concurrent set never loses to an older one. */
  function serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task);
    queue = run.catch(() => {});
    return run;
  }

  return {
    get: (origin) => serialized(async () => (await read()).get(origin)),
    set: (origin, checkpoint) =>
      serialized(async () => {
        const next = new Map(await read());
        const held = next.get(origin);
        // The largest per origin is kept: a smaller one never replaces it.
        if (held !== undefined && held.size > checkpoint.size) return;
        next.set(origin, checkpoint);
        await writeJsonAtomically(path, { format: FORMAT, logs: Object.fromEntries(next) }, mode);
        logs = next;
      }),
  };
}
