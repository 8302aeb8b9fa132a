import { type Identity, identityFromSecretKey } from '@assent/manifest';

/**
 * Keeps the creator's identity in this browser's IndexedDB. The secret key is stored here and
 * nowhere else: it is never sent over the network (DESIGN §2, Identity).
 */
const DB_NAME = 'assent-web';
const STORE = 'identity';
const KEY = 'current';

interface StoredIdentity {
  readonly did: string;
  readonly secretKey: Uint8Array;
  readonly createdAt: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB is not available'));
    request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
}

async function run<T>(
  mode: IDBTransactionMode,
  action: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

/** The identity kept in this browser, or undefined. */
export async function loadIdentity(): Promise<Identity | undefined> {
  const stored = (await run('readonly', (store) => store.get(KEY))) as StoredIdentity | undefined;
  if (stored === undefined) return undefined;
  const identity = await identityFromSecretKey(new Uint8Array(stored.secretKey));
  // A stored record whose key does not match its DID is corrupt; refuse it rather than sign with it.
  if (identity.did !== stored.did) throw new Error('the identity stored in this browser is corrupt');
  return identity;
}

/** Keeps an identity in this browser, replacing any other. */
export async function saveIdentity(identity: Identity): Promise<void> {
  const record: StoredIdentity = {
    did: identity.did,
    secretKey: new Uint8Array(identity.secretKey),
    createdAt: new Date().toISOString(),
  };
  await run('readwrite', (store) => store.put(record, KEY));
}

/** Removes the identity from this browser. */
export async function forgetIdentity(): Promise<void> {
  await run('readwrite', (store) => store.delete(KEY));
}
