/**
 * What a node saw when it checked one identity link in the identity → DID direction (DESIGN-TRUST §3.3
 * item 6). `@assent/links` produces these in Node; a node signs and logs them; verifiers, in browsers
 * too, read them. Only the shape lives here, so the verifier needs nothing from `@assent/links`.
 */
import type { IdentityLink } from './identity-link.js';

/**
 * How the link was checked. `policy` means nothing was fetched: the identity can never bind (a public
 * suffix, a shared host, a URL no adapter may fetch).
 */
export const LINK_METHODS = [
  'policy',
  'dns-txt',
  'well-known',
  'did-configuration',
  'profile-text',
  'rel-me',
] as const;

/** A way of checking a link. */
export type LinkMethod = (typeof LINK_METHODS)[number];

/** The Keybase proof states a check can end in (`ProofState` OK, TEMP_FAILURE, PERM_FAILURE). */
export const LINK_RESULTS = ['ok', 'temp_failure', 'perm_failure'] as const;

/** `ok`: the identity names the creator. `temp_failure`: could not tell (retry). `perm_failure`: it does not. */
export type LinkResult = (typeof LINK_RESULTS)[number];

/** The per-platform readers of profile pages; `page` is the generic one. */
export const PROFILE_ADAPTERS = ['soundcloud', 'bandcamp', 'youtube', 'mastodon', 'bluesky', 'page'] as const;

/** A profile page reader. */
export type ProfileAdapter = (typeof PROFILE_ADAPTERS)[number];

/** One check of one link, as a node records it. */
export interface LinkObservation {
  /** The creator's did:key. */
  readonly creator: string;
  /** The identity the creator's manifest claims. */
  readonly identity: IdentityLink;
  readonly method: LinkMethod;
  readonly result: LinkResult;
  /** When the check ended, a UTC date-time. */
  readonly observedAt: string;
  /**
   * `sha256:` and the lower-case hex SHA-256 of what was read (the response body, or the TXT records one
   * a line), or null when nothing was read (a refused address, a DNS failure, a timeout before a byte).
   */
  readonly evidenceHash: string | null;
  /** For a profile: the reader that decided. */
  readonly adapter?: ProfileAdapter;
  /** When the result is not `ok`: a stable `LINK_*` code of `@assent/links` saying why. */
  readonly reason?: string;
}
