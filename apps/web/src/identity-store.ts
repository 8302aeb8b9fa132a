import {
  type Identity,
  identityFromSecretKey,
  MAX_NEXT_KEYS,
  NEXT_KEY_HASH_PATTERN,
  nextKeyHashOfDid,
  parseDidKey,
} from '@assent/manifest';

/**
 * Keeps the creator's identity in this browser's IndexedDB. The secret keys are stored here and
 * nowhere else: they are never sent over the network (DESIGN §2, Identity). Beside the key: the
 * creator it speaks for, the commitment of the chain (`nextKeyHashes`), and the next key it commits
 * to, kept like the key itself; never the recovery key, of which only the hash is kept (spec §5.5).
 */

/** The identity this browser signs with, and the creator it speaks for (docs/spec/manifest.md §5.5). */
export interface CreatorIdentity extends Identity {
  /** The creator id: the did:key of the chain's version 1; `did` unless this key is a rotated one. */
  readonly creator: string;
  /**
   * The keys the version that makes a commitment (version 1, a rotation, the first version of a
   * chain that had none) commits to: this browser's next key and the recovery key, by hash;
   * undefined when this browser knows of none.
   */
  readonly nextKeyHashes: readonly string[] | undefined;
  /** The next key, one of `nextKeyHashes`: what a planned rotation signs with (`assent id rotate`). */
  readonly nextKey: Identity | undefined;
}

/**
 * A creator identity of a key: its creator, commitment and next key, or the key's own creator and
 * none.
 * @throws RangeError when the next key is the key itself or not one the commitment lists.
 */
export function creatorIdentity(
  identity: Identity,
  options: {
    creator?: string | undefined;
    nextKeyHashes?: readonly string[] | undefined;
    nextKey?: Identity | undefined;
  } = {},
): CreatorIdentity {
  const { nextKey } = options;
  if (
    nextKey !== undefined &&
    (nextKey.did === identity.did || !options.nextKeyHashes?.includes(nextKeyHashOfDid(nextKey.did)))
  )
    throw new RangeError('the next key must be another key, one the commitment lists');
  return {
    ...identity,
    creator: options.creator ?? identity.did,
    nextKeyHashes: options.nextKeyHashes === undefined ? undefined : [...options.nextKeyHashes],
    nextKey,
  };
}

const DB_NAME = 'assent-web';
const STORE = 'identity';
const KEY = 'current';

interface StoredIdentity {
  readonly did: string;
  readonly secretKey: Uint8Array;
  readonly createdAt: string;
  /** Absent when the key is the creator's first (records written before rotation have none). */
  readonly creator?: string;
  readonly nextKeyHashes?: readonly string[];
  /** The next key's secret, when this browser keeps one. */
  readonly nextSecretKey?: Uint8Array;
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

function validCommitment(hashes: unknown): boolean {
  return (
    Array.isArray(hashes) &&
    hashes.length > 0 &&
    hashes.length <= MAX_NEXT_KEYS &&
    hashes.every((h) => typeof h === 'string' && NEXT_KEY_HASH_PATTERN.test(h))
  );
}

/** The identity kept in this browser, or undefined. */
export async function loadIdentity(): Promise<CreatorIdentity | undefined> {
  const stored = (await run('readonly', (store) => store.get(KEY))) as StoredIdentity | undefined;
  if (stored === undefined) return undefined;
  const identity = await identityFromSecretKey(new Uint8Array(stored.secretKey));
  // A stored record whose key does not match its DID is corrupt; refuse it rather than sign with it.
  if (identity.did !== stored.did) throw new Error('the identity stored in this browser is corrupt');
  const corrupt = new Error('the identity stored in this browser is corrupt');
  if (
    (stored.creator !== undefined && !parseDidKey(stored.creator).ok) ||
    (stored.nextKeyHashes !== undefined && !validCommitment(stored.nextKeyHashes))
  )
    throw corrupt;
  const nextKey =
    stored.nextSecretKey === undefined
      ? undefined
      : await identityFromSecretKey(new Uint8Array(stored.nextSecretKey));
  try {
    return creatorIdentity(identity, {
      creator: stored.creator,
      nextKeyHashes: stored.nextKeyHashes,
      nextKey,
    });
  } catch {
    throw corrupt;
  }
}

/** Keeps an identity in this browser, replacing any other. */
export async function saveIdentity(identity: CreatorIdentity): Promise<void> {
  const record: StoredIdentity = {
    did: identity.did,
    secretKey: new Uint8Array(identity.secretKey),
    createdAt: new Date().toISOString(),
    ...(identity.creator === identity.did ? {} : { creator: identity.creator }),
    ...(identity.nextKeyHashes === undefined ? {} : { nextKeyHashes: [...identity.nextKeyHashes] }),
    ...(identity.nextKey === undefined ? {} : { nextSecretKey: new Uint8Array(identity.nextKey.secretKey) }),
  };
  await run('readwrite', (store) => store.put(record, KEY));
}

/** Removes the identity from this browser. */
export async function forgetIdentity(): Promise<void> {
  await run('readwrite', (store) => store.delete(KEY));
}
