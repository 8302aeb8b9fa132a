/**
 * `@assent/links`: checks identity links in the identity → DID direction — that a domain (DNS TXT,
 * `.well-known/assent-did`, DIF DID Configuration) or a profile page (SoundCloud, Bandcamp, YouTube,
 * Mastodon, Bluesky, any page) names a creator's did:key — and reports each check as a
 * `LinkObservation` for a node to sign and log. Fetching is safe by default: https only, public
 * addresses only (checked on the address connected to), no redirects, 256 KiB, 5 s. Node only.
 * @packageDocumentation
 */
export { type AddressPolicy, isAllowedAddress } from './address-policy.js';
export {
  checkDidConfiguration,
  DID_CONFIGURATION_CONTEXT,
  type DidConfigurationOptions,
  type DidConfigurationVerdict,
} from './did-configuration.js';
export {
  type DomainPolicyOptions,
  type DomainRefusal,
  type DomainVerdict,
  linkableDomain,
} from './domain-policy.js';
export { containsToken } from './html-page.js';
export {
  type CheckLinkOptions,
  createLinkChecker,
  DEFAULT_BLUESKY_APPVIEW,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TIMEOUT_MS,
  type LinkAttempt,
  type LinkCheck,
  type LinkChecker,
  type LinkCheckerOptions,
} from './link-checker.js';
export { LINK_REASON_CODES, LINK_REASONS, type LinkReason } from './link-reasons.js';
export {
  createNameResolver,
  type DnsAnswer,
  type NameResolver,
  type NameResolverOptions,
} from './name-resolver.js';
export { profileAdapterFor } from './profile-page.js';
export { type HeadLocation, type RelMeMatch, relMeMatch } from './rel-me.js';
export {
  type FetchedResponse,
  type FetchOutcome,
  type SafeFetchOptions,
  type SafeRequest,
  safeFetch,
} from './safe-fetch.js';
