import {
  AssentError,
  type CompleteDraft,
  checkChain,
  deriveNextDraft,
  generateRecoveryKey,
  type Identity,
  nextKeyHashOfDid,
  parseDidKey,
  type RecoveryKey,
  recoveryIdentityOf,
  snapshotOf,
  unwrap,
  type VerifiedManifest,
} from '@assent/manifest';
import { creatorHeads, fetchCatalogPages, fetchManifest, GatewayError } from './gateway-client.js';
import { type CreatorIdentity, creatorIdentity } from './identity-store.js';

/**
 * Recovery with the 24 words (docs/spec/manifest.md §5.5; DESIGN-TRUST §2.3 items 5 and 9): the
 * phrase is the recovery key the creator's chain commits to. It signs a rotation on the creator's
 * current head that carries the head's consent state unchanged and commits to a new recovery key,
 * and from then on it is the key this browser signs with; the old sheet is spent. No DOM here: the
 * recovery panel shows each step.
 */

/** What a recovery publishes, once the creator has confirmed the new recovery words. */
export interface RecoveryPlan {
  /** The key the words hold: it signs the rotation, then signs for the creator. */
  readonly key: Identity;
  /** The creator id the words recover (the did:key of version 1). */
  readonly creator: string;
  /** The creator's current head, verified here: the rotation follows it. */
  readonly head: VerifiedManifest;
  /** The head's complete consent state, unchanged: what the rotation says. */
  readonly draft: CompleteDraft;
  /** The new recovery key: its words go on the new sheet, its hash into the rotation. */
  readonly nextRecovery: RecoveryKey;
}

/**
 * Reads the phrase, fetches the creator's current head and checks here that the chain commits to the
 * key the phrase holds (`checkChain` on the rotation it would sign), before anything is shown or signed.
 * @throws AssentError `RECOVERY_PHRASE_INVALID` (not 24 words of the list, or a bad checksum),
 * `DID_MALFORMED` (the creator id), `NEXT_KEY_NOT_COMMITTED` (a phrase, but not the key the head
 * commits to); GatewayError `MANIFEST_NOT_FOUND` when the creator has published nothing, and what
 * reading the head and its catalog pages throws.
 */
export async function planRecovery(
  phrase: string,
  creator: string,
  progress: (text: string) => void,
): Promise<RecoveryPlan> {
  const key = unwrap(await recoveryIdentityOf(phrase));
  unwrap(parseDidKey(creator));
  progress('Asking the registry for your current version…');
  const heads = await creatorHeads(creator);
  const newest = heads?.heads[0];
  if (newest === undefined) {
    throw new GatewayError(
      'MANIFEST_NOT_FOUND',
      `The registry holds nothing published by ${creator}. Check the creator id on your recovery sheet.`,
      404,
    );
  }
  const head = await fetchManifest(newest.cid);
  if (head.creator !== creator) {
    throw new GatewayError(
      'MANIFEST_REJECTED',
      `The registry answered with a version of another creator (${head.creator}). Enter the creator id printed on your recovery sheet.`,
    );
  }
  if (key.did === head.issuer) {
    throw new AssentError(
      'NEXT_KEY_NOT_COMMITTED',
      `These words hold the key that signed your current version (${head.version}), not the recovery key it commits to. Use your newest recovery sheet.`,
    );
  }
  const nextRecovery = await generateRecoveryKey();
  const committed = checkChain(head, {
    issuer: key.did,
    version: head.version + 1,
    previous: head.cid,
    creator,
    keyState: { nextKeyHashes: [nextKeyHashOfDid(nextRecovery.identity.did)] },
    rotatedFrom: head.issuer,
  });
  if (!committed.ok && committed.code === 'NEXT_KEY_NOT_COMMITTED') {
    throw new AssentError(
      'NEXT_KEY_NOT_COMMITTED',
      `These words are a recovery phrase, but not the recovery key your current version (${head.version}) commits to. Use the newest recovery sheet of this creator: a sheet is spent once it has been used.`,
      { cause: new AssentError(committed.code, committed.message) },
    );
  }
  unwrap(committed);
  const pages = await fetchCatalogPages(head, (done, total) =>
    progress(`Loading your catalog: page ${done} of ${total}…`),
  );
  const draft = unwrap(deriveNextDraft(snapshotOf(head.manifest, pages), []));
  return { key, creator, head, draft, nextRecovery };
}

/** The identity this browser keeps after the recovery: the words' key, committing to the new one. */
export function recoveredIdentity(plan: RecoveryPlan): CreatorIdentity {
  return creatorIdentity(plan.key, {
    creator: plan.creator,
    nextKeyHashes: [nextKeyHashOfDid(plan.nextRecovery.identity.did)],
  });
}

/**
 * Checks a signed rotation against the head it follows, as the node will (`checkChain`).
 * @throws AssentError with the chain rule's code when it does not hold.
 */
export function assertFollows(plan: RecoveryPlan, signed: VerifiedManifest): void {
  unwrap(checkChain(plan.head, signed));
}
