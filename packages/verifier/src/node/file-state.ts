import { AssentError } from '@assent/manifest';
import { type CreatorRecord, isCreatorRecord, mergeCreatorRecord, type StateStore } from '../state.js';
import { readJsonFile, writeJsonAtomically } from './atomic-json-file.js';

/** Options of {@link fileState}. */
export interface FileStateOptions {
  /** File mode of the state file (default 0o600: it reveals what was checked). */
  readonly mode?: number;
}

/** The file's format marker; a file with another one is refused rather than overwritten. */
const FORMAT = 'assent-verifier-state/1';

interface StateFile {
  readonly format: typeof FORMAT;
  readonly creators: Record<string, CreatorRecord>;
}

/**
 * Rollback memory in a JSON file, for CLIs and services: the newest version seen per creator
 * survives restarts. Every save writes a temporary file, fsyncs it and renames it over the old one,
 * so a crash leaves either the old state or the new, never a torn file. Saves within one process are
 * serialized and merged, so versions never go down. A file that cannot be read is `STATE_UNAVAILABLE`;
 * one that is not a state file is `STATE_CORRUPT` (refused, not overwritten: forgetting the newest
 * versions would reopen rollbacks).
 * @example
 * import { fileState } from '@assent/verifier/node';
 * const verifier = createVerifier({ source, state: fileState(join(home, 'verifier-state.json')) });
 */
export function fileState(path: string, options: FileStateOptions = {}): StateStore {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('fileState needs a file path');
  const mode = options.mode ?? 0o600;
  let records: Map<string, CreatorRecord> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function read(): Promise<Map<string, CreatorRecord>> {
    if (records !== undefined) return records;
    const parsed = await readJsonFile(path);
    if (parsed === undefined) {
      records = new Map();
      return records;
    }
    const file = parsed as Partial<StateFile> | null;
    if (
      typeof file !== 'object' ||
      file === null ||
      file.format !== FORMAT ||
      typeof file.creators !== 'object'
    ) {
      throw new AssentError('STATE_CORRUPT', `${path} is not a ${FORMAT} file`);
    }
    const loaded = new Map<string, CreatorRecord>();
    for (const [issuer, record] of Object.entries(file.creators ?? {})) {
      if (!isCreatorRecord(record))
        throw new AssentError('STATE_CORRUPT', `${path}: a bad record for ${issuer}`);
      loaded.set(issuer, record);
    }
    records = loaded;
    return records;
  }

  function write(all: Map<string, CreatorRecord>): Promise<void> {
    const file: StateFile = { format: FORMAT, creators: Object.fromEntries(all) };
    return writeJsonAtomically(path, file, mode);
  }

  /** One operation at a time, so concurrent saves merge instead of overwriting each other. */
  function serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task);
    queue = run.catch(() => {});
    return run;
  }

  return {
    load(issuers) {
      return serialized(async () => {
        const all = await read();
        const out = new Map<string, CreatorRecord>();
        for (const issuer of issuers) {
          const record = all.get(issuer);
          if (record !== undefined) out.set(issuer, record);
        }
        return out;
      });
    },
    save(seen) {
      return serialized(async () => {
        const all = await read();
        const next = new Map(all);
        let changed = false;
        for (const [issuer, record] of seen) {
          const held = next.get(issuer);
          const merged = mergeCreatorRecord(held, record);
          if (merged !== held) {
            next.set(issuer, merged);
            changed = true;
          }
        }
        if (!changed) return;
        await write(next);
        records = next;
      });
    },
  };
}
