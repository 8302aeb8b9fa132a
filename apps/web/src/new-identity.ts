import {
  generateIdentity,
  generateRecoveryKey,
  type Identity,
  nextKeyHashOfDid,
  type RecoveryKey,
} from '@assent/manifest';

/**
 * A new identity's keys (docs/spec/manifest.md §5.5): the key that signs, and the recovery key its
 * version 1 commits to. Loaded when the creator asks for an identity, so BIP39 and its word list
 * stay out of the page's first bundle.
 */
export interface NewIdentity {
  readonly key: Identity;
  /** Shown once as the recovery sheet, then dropped: only its commitment is kept. */
  readonly recovery: RecoveryKey;
  /** The recovery key's commitment, `[nextKeyHash]`: what version 1 carries. */
  readonly nextKeyHashes: readonly string[];
}

/** Makes a key and its recovery key from the platform's CSPRNG. */
export async function newIdentity(): Promise<NewIdentity> {
  const key = await generateIdentity();
  const recovery = await generateRecoveryKey();
  return { key, recovery, nextKeyHashes: [nextKeyHashOfDid(recovery.identity.did)] };
}
