import {
  AssentError,
  type CompleteDraft,
  checkChain,
  deriveNextDraft,
  generateIdentity,
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
import {
  creatorHeads,
  creatorVersion,
  fetchCatalogPages,
  fetchManifest,
  GatewayError,
} from './gateway-client.js';
import { type CreatorIdentity, creatorIdentity } from './identity-store.js';

/**
 * Recovery with the 24 words (docs/spec/manifest.md §5.5; DESIGN-TRUST §2.3 items 5, 7 and 9), as
 * `assent id recover` does it. The words are the recovery key the creator's chain commits to. It
 * signs a rotation on the version the creator keeps (the head, or an earlier version to fork away
 * from a thief's), carrying that version's consent unchanged and committing to a fresh pair: a next
 * key and a new recovery key. Then that next key rotates in at once (committing to a next key of its
 * own and the same recovery key), so the key of the words, typed into this page, signs nothing more. No DOM here: the recovery panel
 * shows each step. Loaded on first use, with BIP39.
 */

/** What a recovery publishes, once the creator has confirmed the new recovery words. */
export interface RecoveryPlan {
  /** The creator id the words recover (the did:key of version 1). */
  readonly creator: string;
  /** The version built on, verified here: the head, or the earlier version asked for. */
  readonly base: VerifiedManifest;
  /** True when `base` is the newest version, which must still be so when the rotation is published. */
  readonly newest: boolean;
  /** The base's complete consent state, unchanged: what both rotations say. */
  readonly draft: CompleteDraft;
  /**
   * The key of the words: it signs the recovery, which commits to `replacement` and the new recovery
   * key (kept here only until the replacement has rotated in).
   */
  readonly recovered: CreatorIdentity;
  /**
   * The key this browser keeps: it signs the second rotation, which commits to its own next key
   * (kept beside it) and the same new recovery key.
   */
  readonly replacement: CreatorIdentity;
  /** The new recovery key: its words go on the new sheet, its hash into both rotations. */
  readonly nextRecovery: RecoveryKey;
}

/** A version to build on that has several branches (a fork): which one to keep is the creator's choice. */
export class RecoveryBranchesError extends Error {
  override readonly name = 'RecoveryBranchesError';
  readonly code = 'RECOVERY_BRANCHES';
  constructor(readonly branches: readonly VerifiedManifest[]) {
    super(
      `Your version ${branches[0]?.version} has ${branches.length} branches, each committing to the key of these words: one was probably made with your stolen key. Choose the one whose consent is yours, then recover again.`,
    );
  }
}

/**
 * Reads the words, finds the version to build on — `from` (a version number or a CID of the
 * creator's history), else the head — and checks here that it commits to the key the words hold,
 * with `checkChain` on the rotation that will be signed, before anything is shown or signed.
 * @throws AssentError `RECOVERY_PHRASE_INVALID` (not 24 words of the list, or a bad checksum),
 * `DID_MALFORMED` (the creator id), `NEXT_KEY_NOT_COMMITTED` (a phrase, but not one that version
 * commits to); {@link RecoveryBranchesError} when it has several branches that commit to the key;
 * GatewayError `MANIFEST_NOT_FOUND` when the creator has published nothing or no such version, and
 * what reading the version and its catalog pages throws.
 */
export async function planRecovery(
  options: { phrase: string; creator: string; from?: string | undefined },
  progress: (text: string) => void,
): Promise<RecoveryPlan> {
  const { creator } = options;
  const key = unwrap(await recoveryIdentityOf(options.phrase));
  unwrap(parseDidKey(creator));
  progress('Asking the registry for your versions…');
  const branches = await branchesOf(creator, options.from);
  const committed = nextKeyHashOfDid(key.did);
  const committing = branches.filter((m) => m.keyState?.nextKeyHashes.includes(committed));
  if (committing.length > 1) throw new RecoveryBranchesError(committing);
  const base = committing[0] ?? branches[0];
  if (base === undefined) throw new Error('unreachable: branchesOf answers at least one version');
  if (key.did === base.issuer) {
    throw new AssentError(
      'NEXT_KEY_NOT_COMMITTED',
      `These words hold the key that signed version ${base.version}, not a recovery key it commits to. Use your newest recovery sheet.`,
    );
  }
  const nextRecovery = await generateRecoveryKey();
  const replacementKey = await generateIdentity();
  const replacementNext = await generateIdentity();
  const recoveryHash = nextKeyHashOfDid(nextRecovery.identity.did);
  // Spec §5.5: a recovery commits to a fresh pair, a planned rotation to a fresh next key and the same recovery key.
  const pair = (k: Identity) => [nextKeyHashOfDid(k.did), recoveryHash];
  const recovered = creatorIdentity(key, {
    creator,
    nextKeyHashes: pair(replacementKey),
    nextKey: replacementKey,
  });
  const step = checkChain(base, {
    issuer: key.did,
    version: base.version + 1,
    previous: base.cid,
    creator,
    keyState: { nextKeyHashes: pair(replacementKey) },
    rotatedFrom: base.issuer,
  });
  if (!step.ok && step.code === 'NEXT_KEY_NOT_COMMITTED') {
    throw new AssentError(
      'NEXT_KEY_NOT_COMMITTED',
      `These words are a recovery phrase, but not a recovery key your version ${base.version} commits to. Use the newest recovery sheet of this creator: a sheet is spent once it has been used.`,
      { cause: new AssentError(step.code, step.message) },
    );
  }
  unwrap(step);
  const pages = await fetchCatalogPages(base, (done, total) =>
    progress(`Loading your catalog: page ${done} of ${total}…`),
  );
  const draft = unwrap(deriveNextDraft(snapshotOf(base.manifest, pages), []));
  return {
    creator,
    base,
    newest: options.from === undefined,
    draft,
    recovered,
    replacement: creatorIdentity(replacementKey, {
      creator,
      nextKeyHashes: pair(replacementNext),
      nextKey: replacementNext,
    }),
    nextRecovery,
  };
}

/** The versions `from` names (else the head's branches), verified here and each the creator's. */
async function branchesOf(creator: string, from: string | undefined): Promise<VerifiedManifest[]> {
  let cids: readonly string[];
  if (from === undefined) cids = (await creatorHeads(creator))?.heads.map((h) => h.cid) ?? [];
  else if (/^\d{1,10}$/.test(from)) cids = await creatorVersion(creator, Number(from));
  else cids = [from];
  if (cids.length === 0) {
    throw new GatewayError(
      'MANIFEST_NOT_FOUND',
      from === undefined
        ? `The registry holds nothing published by ${creator}. Check the creator id on your recovery sheet.`
        : `The registry lists no version ${from} of ${creator}.`,
      404,
    );
  }
  const branches: VerifiedManifest[] = [];
  for (const cid of cids) {
    const manifest = await fetchManifest(cid);
    if (manifest.creator !== creator) {
      throw new GatewayError(
        'MANIFEST_REJECTED',
        `${cid} is a version of another creator (${manifest.creator}), not of ${creator}. Enter the creator id printed on your recovery sheet.`,
      );
    }
    branches.push(manifest);
  }
  return branches;
}

/**
 * Checks a signed rotation against the version it follows, as the node will (`checkChain`).
 * @throws AssentError with the chain rule's code when it does not hold.
 */
export function assertFollows(previous: VerifiedManifest, signed: VerifiedManifest): void {
  unwrap(checkChain(previous, signed));
}
