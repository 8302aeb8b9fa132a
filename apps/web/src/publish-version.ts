import {
  type CompleteDraft,
  type Identity,
  type SignedManifest,
  signManifest,
  type VerifiedManifest,
} from '@assent/manifest';
import { nextPaint } from './feedback.js';
import { type PublishResult, publishManifest } from './gateway-client.js';

/**
 * Signing a next version in this page and uploading it, the steps both "Sign and publish" and the
 * one-action revocations take, reported as they go (a 10,000-work catalog takes a moment).
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
 */
export async function signVersion(
  draft: CompleteDraft,
  options: { identity: Identity; head: VerifiedManifest | undefined; created?: string },
  progress: Progress,
): Promise<SignedManifest> {
  progress(`Signing ${count(draft.works.length, 'work', 'works')} in this browser…`, 1, PUBLISH_STEPS);
  await nextPaint();
  return signManifest(draft, {
    identity: options.identity,
    head: options.head,
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
