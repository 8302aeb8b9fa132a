import type { CompleteDraft, ConsentSnapshot, SignedManifest, VerifiedManifest } from '@assent/manifest';
import type { ConsentForm } from './consent-form.js';
import type { CreatorLinkState } from './gateway-client.js';
import type { CreatorIdentity } from './identity-store.js';

/**
 * What the creator page's panels share: the page's state and the few actions that cross panels. The
 * page (`creator-page.ts`) implements it; each panel takes it and imports nothing of the others.
 */

/** A draft the creator has reviewed, with the signing time shown to them. */
export interface Reviewed {
  readonly draft: CompleteDraft;
  /** The signing time: `validFrom` and the proof's `created`. */
  readonly created: string;
}

export interface CreatorState {
  identity: CreatorIdentity | undefined;
  form: ConsentForm;
  head: VerifiedManifest | undefined;
  /** The head's complete state, its catalog pages' works included: what the next version starts from. */
  snapshot: ConsentSnapshot | undefined;
  history: VerifiedManifest[];
  /** The head's identity links as the node checks them; undefined when it reports none. */
  links: readonly CreatorLinkState[] | undefined;
  reviewed: Reviewed | undefined;
  /** Signed but not yet accepted by the gateway: kept so "try again" publishes the same bytes. */
  pending: SignedManifest | undefined;
  busy: boolean;
}

export interface CreatorSession {
  readonly state: CreatorState;
  /** The page-wide live region for status and errors. */
  readonly status: HTMLElement;
  /** The form changed: what was reviewed no longer holds. */
  formChanged(): void;
  /** Reloads the creator's head and history from the registry and redraws what shows them. */
  loadHead(): Promise<void>;
  /** Signs with this identity from now on (created, restored, recovered or loaded) and loads its head. */
  useIdentity(identity: CreatorIdentity): Promise<void>;
  /** Removes the identity from this browser and resets the page. */
  forgetIdentity(): Promise<void>;
  /** True when the gateway's head is still the one the next version will name. */
  headUnchanged(): Promise<boolean>;
}
