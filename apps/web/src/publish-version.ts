import {
  type CompleteDraft,
  type SignedManifest,
  signManifest,
  type VerifiedManifest,
} from '@assent/manifest';
import { nextPaint } from './feedback.js';
import { type PublishResult, publishManifest } from './gateway-client.js';
import type { CreatorIdentity } from './identity-store.js';

/**
 * Signing a next version in this page and uploading it, the steps "Sign and publish", the one-action
 * revocations and a recovery take, reported as they go (a 10,000-work catalog takes a moment).
 */

/** Reports a step: its text, and how far along the three steps (check, sign, upload) it is. */
export type Progress = (text: string, done: number, total: number) => void;

/** The number of steps a publish reports. */
export const PUBLISH_STEPS = 3;

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/**
 * Signs the draft with the identity as the version after `head` (version 1 without it). `head` is the
 * verified head itself, not its CID and version: its issuer, creator and keyState carry the chain's
 * key state forward (spec §5.5), and a version without them is refused (`KEY_COMMITMENT_CHANGED`).
 * The identity's recovery key commitment goes into version 1, a rotation (`rotation`: the identity is
 * a key the head commits to), and the first version of a chain that commits to none yet; any other
 * version carries its head's unchanged.
 * @throws Error when the head was signed by another key: this key was rotated away and signs nothing.
 */
export async function signVersion(
  draft: CompleteDraft,
  options: {
    identity: CreatorIdentity;
    head: VerifiedManifest | undefined;
    created?: string;
    rotation?: boolean;
  },
  progress: Progress,
): Promise<SignedManifest> {
  const { identity, head } = options;
  const rotation = options.rotation === true;
  if (head !== undefined && !rotation && head.issuer !== identity.did) {
    throw new Error(
      `Your version ${head.version} was signed by another key (${head.issuer}) that took over from the key in this browser, so this key can publish nothing more. If you did not make that change, recover with your 24 words.`,
    );
  }
  const commits = head === undefined || rotation || head.keyState === undefined;
  progress(`Signing ${count(draft.works.length, 'work', 'works')} in this browser…`, 1, PUBLISH_STEPS);
  await nextPaint();
  return signManifest(draft, {
    identity,
    head,
    ...(commits && identity.nextKeyHashes !== undefined ? { nextKeyHashes: identity.nextKeyHashes } : {}),
    ...(rotation ? { rotation: true } : {}),
    ...(options.created === undefined ? {} : { created: options.created }),
  });
}

/** Uploads a signed version: JSON, or a CAR with its catalog pages. */
export async function uploadVersion(signed: SignedManifest, progress: Progress): Promise<PublishResult> {
  if (signed.pages.length === 0) {
    progress(`Signed version ${signed.version}. Publishing…`, 2, PUBLISH_STEPS);
  } else {
    const bytes = signed.pages.reduce((sum, p) => sum + p.bytes.length, signed.bytes.length);
    progress(
      `Signed version ${signed.version}: the manifest and ${count(signed.pages.length, 'catalog page', 'catalog pages')} (${(bytes / 1_000_000).toFixed(1)} MB). Uploading…`,
      2,
      PUBLISH_STEPS,
    );
  }
  return publishManifest(signed);
}
