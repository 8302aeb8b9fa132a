import { AssentError } from '@assent/manifest';
import { type CreatorRecord, isCreatorRecord, mergeCreatorRecord, type StateStore } from './state.js';

/** Options of {@link indexedDbState}. */
export interface IndexedDbStateOptions {
  /** The database name (default `assent-verifier`). One object store, `creators`, keyed by issuer. */
  readonly name?: string;
  /** The IndexedDB factory (default `globalThis.indexedDB`). */
  readonly indexedDB?: IDBFactory;
}

const STORE = 'creators';

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

/**
 * Rollback memory in the browser's IndexedDB, so a page reload does not forget the newest version
 * of each creator. Each save merges inside one readwrite transaction, so versions never go down.
 * Faults throw `AssentError` `STATE_UNAVAILABLE`; a record that is not a {@link CreatorRecord} is
 * `STATE_CORRUPT`.
 * @example
 * const verifier = createVerifier({ source, state: indexedDbState() });
 */
export function indexedDbState(options: IndexedDbStateOptions = {}): StateStore {
  const name = options.name ?? 'assent-verifier';
  let opened: Promise<IDBDatabase> | undefined;
  const db = () => {
    opened ??= (async () => {
      const factory = options.indexedDB ?? globalThis.indexedDB;
      if (factory === undefined)
        throw new AssentError('STATE_UNAVAILABLE', 'IndexedDB is not available here');
      const request = factory.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      return promised(request);
    })();
    return opened;
  };
  const fault = (cause: unknown) =>
    cause instanceof AssentError
      ? cause
      : new AssentError('STATE_UNAVAILABLE', `IndexedDB ${name}: ${String(cause)}`, { cause });
  return {
    async load(issuers) {
      try {
        const tx = (await db()).transaction(STORE, 'readonly');
        const store = tx.objectStore(STORE);
        const values = await Promise.all(issuers.map((issuer) => promised(store.get(issuer))));
        const out = new Map<string, CreatorRecord>();
        values.forEach((value, i) => {
          if (value === undefined) return;
          if (!isCreatorRecord(value))
            throw new AssentError('STATE_CORRUPT', `IndexedDB ${name}: a bad record`);
          out.set(issuers[i] as string, value);
        });
        return out;
      } catch (cause) {
        throw fault(cause);
      }
    },
    async save(records) {
      try {
        const tx = (await db()).transaction(STORE, 'readwrite');
        const store = tx.objectStore(STORE);
        for (const [issuer, record] of records) {
          const get = store.get(issuer);
          get.onsuccess = () => {
            const held = isCreatorRecord(get.result) ? get.result : undefined;
            const merged = mergeCreatorRecord(held, record);
            if (merged !== held)
              store.put({ version: merged.version, cids: [...merged.cids], seenAt: merged.seenAt }, issuer);
          };
        }
        await done(tx);
      } catch (cause) {
        throw fault(cause);
      }
    },
  };
}
