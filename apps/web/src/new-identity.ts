import {
  generateIdentity,
  generateRecoveryKey,
  type Identity,
  nextKeyHashOfDid,
  type RecoveryKey,
} from '@assent/manifest';

/**
 * A new identity's keys (docs/spec/manifest.md §5.5, as the reference tools make them): the key that
 * signs, the next key kept beside it, and the recovery key; version 1 commits to the last two. Loaded
 * when the creator asks for an identity, so BIP39 and its word list stay out of the page's first
 * bundle.
 */
export interface NewIdentity {
  readonly key: Identity;
  /** Kept beside the key: a planned rotation signs with it. */
  readonly nextKey: Identity;
  /** Shown once as the recovery sheet, then dropped: only its hash is kept. */
  readonly recovery: RecoveryKey;
  /** What version 1 commits to: the next key's and the recovery key's hashes. */
  readonly nextKeyHashes: readonly string[];
}

/** Makes the three keys from the platform's CSPRNG. */
export async function newIdentity(): Promise<NewIdentity> {
  const key = await generateIdentity();
  const nextKey = await generateIdentity();
  const recovery = await generateRecoveryKey();
  return {
    key,
    nextKey,
    recovery,
    nextKeyHashes: [nextKeyHashOfDid(nextKey.did), nextKeyHashOfDid(recovery.identity.did)],
  };
}
