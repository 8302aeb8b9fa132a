import type { LinkResult } from '@assent/manifest';

/**
 * Why a link check did not end `ok`: the `reason` of a `LinkObservation`. Stable codes, public API
 * (listed in packages/links/README.md, "Reasons"); never renamed, only added to. Each has one result: a
 * `temp_failure` is worth retrying (the 7-day grace of DESIGN-TRUST §3.3 item 7 applies), a
 * `perm_failure` means the identity does not name the creator now.
 */
export const LINK_REASONS = {
  // The identity can never bind: nothing is fetched (method `policy`).
  LINK_IDENTITY_INVALID: 'perm_failure',
  LINK_DOMAIN_PUBLIC_SUFFIX: 'perm_failure',
  LINK_DOMAIN_SHARED_HOST: 'perm_failure',
  LINK_DOMAIN_NOT_REGISTRABLE: 'perm_failure',
  LINK_DOMAIN_UNKNOWN_SUFFIX: 'perm_failure',
  LINK_DOMAIN_CONFUSABLE: 'perm_failure',
  // Fetching (safe-fetch.ts).
  LINK_URL_REFUSED: 'perm_failure',
  LINK_ADDRESS_REFUSED: 'perm_failure',
  LINK_DNS_NOT_FOUND: 'perm_failure',
  LINK_DNS_FAILED: 'temp_failure',
  LINK_CONNECT_FAILED: 'temp_failure',
  LINK_TLS_FAILED: 'temp_failure',
  LINK_TIMEOUT: 'temp_failure',
  LINK_HTTP_NOT_FOUND: 'perm_failure',
  LINK_HTTP_REFUSED: 'perm_failure',
  LINK_HTTP_UNAVAILABLE: 'temp_failure',
  LINK_REDIRECT_REFUSED: 'perm_failure',
  LINK_BODY_TOO_LARGE: 'perm_failure',
  LINK_CONTENT_TYPE: 'perm_failure',
  // What was read.
  LINK_MALFORMED: 'perm_failure',
  LINK_NOT_NAMED: 'perm_failure',
  LINK_OTHER_DID: 'perm_failure',
  LINK_AMBIGUOUS: 'perm_failure',
  LINK_CREDENTIAL_INVALID: 'perm_failure',
  LINK_CREDENTIAL_UNSUPPORTED: 'perm_failure',
  LINK_ACCOUNT_MISMATCH: 'perm_failure',
} as const satisfies Record<string, Exclude<LinkResult, 'ok'>>;

/** A stable reason code of a failed link check. */
export type LinkReason = keyof typeof LINK_REASONS;

/** Every reason code, for docs and tests. */
export const LINK_REASON_CODES = Object.keys(LINK_REASONS) as LinkReason[];
