import { createHash } from 'node:crypto';
import { type IdentityLink, type LinkObservation, normalizeIdentity, parseDidKey } from '@assent/manifest';
import { checkBlueskyProfile } from './bluesky-profile.js';
import { checkDomainMethods } from './domain-link.js';
import { checkMastodonProfile } from './mastodon-profile.js';
import { type CheckContext, failed, type MethodOutcome } from './method-outcome.js';
import { createNameResolver } from './name-resolver.js';
import { checkAnyPage, checkPlatformPage, profileAdapterFor } from './profile-page.js';
import { safeFetch } from './safe-fetch.js';

/** The deadline of one request (DESIGN-TRUST §3.3 item 8). */
export const DEFAULT_TIMEOUT_MS = 5_000;
/** The most bytes of one response read (DESIGN-TRUST §3.3 item 8). */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
/** The AppView that answers Bluesky profile reads by default. */
export const DEFAULT_BLUESKY_APPVIEW = 'https://public.api.bsky.app';
const DEFAULT_USER_AGENT = 'Assent-links/0.1 (+https://w3id.org/assent)';

/** Options of {@link createLinkChecker}. */
export interface LinkCheckerOptions {
  /**
   * Allow loopback addresses, plain http and domains under suffixes the Public Suffix List does not
   * know (`.test`): for tests and local use only. Private ranges stay refused. Off by default.
   */
  readonly allowInsecure?: boolean;
  /** DNS servers for every look-up (`'127.0.0.1:5300'`); the system's when omitted. */
  readonly dnsServers?: readonly string[];
  /** The deadline of one request in milliseconds (default 5 s). */
  readonly timeoutMs?: number;
  /** The most bytes of a response read (default 256 KiB). */
  readonly maxBodyBytes?: number;
  readonly userAgent?: string;
  /** The clock (observation times, credential validity). */
  readonly now?: () => Date;
  /** The atproto AppView for Bluesky profiles (default {@link DEFAULT_BLUESKY_APPVIEW}). */
  readonly blueskyAppView?: string;
  /**
   * Where a URL is really fetched from: tests and local setups send `https://theflight.test/…` to a
   * loopback server. The address policy applies to the URL asked and to the one fetched.
   */
  readonly mapUrl?: (url: URL) => URL;
}

/** Options of one check. */
export interface CheckLinkOptions {
  readonly signal?: AbortSignal;
  /**
   * The creator's pages a `rel="me"` link may point to, e.g. `https://node.example/c/<did>`: the node
   * knows its own public address. Without them only the token counts on profile pages.
   */
  readonly relMeTargets?: readonly string[];
}

/** One method tried, with what a person should read about it. */
export interface LinkAttempt {
  readonly observation: LinkObservation;
  readonly message: string;
}

/** The result of checking one identity: the observation to sign and log, and every method tried. */
export interface LinkCheck {
  /**
   * The method that found the creator named; else the one most worth reporting: a temporary failure
   * (retry), then a failure that says something (another DID, a bad credential), then the first.
   */
  readonly observation: LinkObservation;
  readonly message: string;
  readonly attempts: readonly LinkAttempt[];
}

/** Checks identity links in the identity → DID direction. */
export interface LinkChecker {
  /**
   * Checks that the identity names the creator. Never throws for what the network or a page does;
   * throws `TypeError` when `creator` is not a did:key (misuse).
   * @example
   * const checker = createLinkChecker();
   * const { observation } = await checker.check(did, { type: 'domain', id: 'theflight.com' });
   * // observation.result: 'ok' | 'temp_failure' | 'perm_failure'
   */
  check(creator: string, identity: IdentityLink, options?: CheckLinkOptions): Promise<LinkCheck>;
}

/** Reasons that say only "nothing there": a failure with another reason is more worth reporting. */
const NOTHING_THERE = new Set(['LINK_DNS_NOT_FOUND', 'LINK_HTTP_NOT_FOUND', 'LINK_NOT_NAMED']);

function summaryOf(outcomes: readonly MethodOutcome[]): MethodOutcome {
  return (
    outcomes.find((o) => o.result === 'ok') ??
    outcomes.find((o) => o.result === 'temp_failure') ??
    outcomes.find((o) => o.reason !== undefined && !NOTHING_THERE.has(o.reason)) ??
    (outcomes[0] as MethodOutcome)
  );
}

function evidenceHash(evidence: Uint8Array | undefined): string | null {
  return evidence === undefined ? null : `sha256:${createHash('sha256').update(evidence).digest('hex')}`;
}

async function checkProfile(context: CheckContext, profile: string): Promise<MethodOutcome> {
  const url = new URL(profile);
  const adapter = profileAdapterFor(url);
  switch (adapter) {
    case 'soundcloud':
    case 'bandcamp':
    case 'youtube':
      return checkPlatformPage(context, url, adapter);
    case 'bluesky':
      return checkBlueskyProfile(context, url);
    case 'mastodon':
      return checkMastodonProfile(context, url);
    case 'page':
      return checkAnyPage(context, url);
  }
}

/**
 * Creates a link checker (Node only). All fetching is https, public addresses only (checked on the
 * address connected to), no redirects, 256 KiB and 5 s a request; DNS through one `node:dns` Resolver.
 * @example
 * const checker = createLinkChecker({ dnsServers: ['9.9.9.9'] });
 * const { observation } = await checker.check(me.did, { type: 'profile', id: 'https://soundcloud.com/the-flight' });
 */
export function createLinkChecker(options: LinkCheckerOptions = {}): LinkChecker {
  const allowInsecure = options.allowInsecure === true;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const resolver = createNameResolver({
    timeoutMs: Math.min(timeoutMs, 2_000),
    ...(options.dnsServers === undefined ? {} : { servers: options.dnsServers }),
  });
  const now = options.now ?? (() => new Date());
  const fetchOptions = {
    allowInsecure,
    resolver,
    timeoutMs,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    mapUrl: options.mapUrl,
  };
  return {
    async check(creator, identity, checkOptions = {}) {
      if (!parseDidKey(creator).ok) throw new TypeError('the creator is a did:key');
      const context: CheckContext = {
        creator,
        fetch: (url, request) => safeFetch(url, { ...request, signal: checkOptions.signal }, fetchOptions),
        resolver,
        now,
        relMeTargets: checkOptions.relMeTargets ?? [],
        blueskyAppView: options.blueskyAppView ?? DEFAULT_BLUESKY_APPVIEW,
        allowInsecure,
      };
      const normal = normalizeIdentity(identity);
      let outcomes: MethodOutcome[];
      if (!normal.ok || normal.value.id !== identity.id)
        outcomes = [
          failed(
            'policy',
            'LINK_IDENTITY_INVALID',
            normal.ok ? 'the identity is not in normal form' : normal.message,
          ),
        ];
      else if (identity.type === 'domain') outcomes = await checkDomainMethods(context, identity.id);
      else outcomes = [await checkProfile(context, identity.id)];
      const observedAt = now().toISOString();
      const attempts = outcomes.map((outcome) => ({
        observation: {
          creator,
          identity: { type: identity.type, id: identity.id },
          method: outcome.method,
          result: outcome.result,
          observedAt,
          evidenceHash: evidenceHash(outcome.evidence),
          ...(outcome.adapter === undefined ? {} : { adapter: outcome.adapter }),
          ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
        } satisfies LinkObservation,
        message: outcome.message,
      }));
      const summary = attempts[outcomes.indexOf(summaryOf(outcomes))] as LinkAttempt;
      return { observation: summary.observation, message: summary.message, attempts };
    },
  };
}
