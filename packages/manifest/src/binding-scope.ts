/**
 * Binding levels and scopes (DESIGN-TRUST §3.3 items 3–4; docs/spec/manifest.md §3.5): what a checked
 * identity link, or a trusted attestation, lets a creator speak for. Level says how strong the evidence
 * is; scope says which works it covers, and an allow needs both. The verifier ranks claimants with
 * these, so they run in browsers: no public-suffix list here (a domain reaches this point only after
 * `@assent/links` found it registrable), only the shared-host list, refused again for defence in depth.
 *
 * | level | binding                  | scope                                                               |
 * |-------|--------------------------|---------------------------------------------------------------------|
 * | L0    | none                     | nothing                                                             |
 * | L1    | a profile page           | the profile URL, and URLs under it by whole path segments           |
 * | L2    | a domain                 | http(s) URLs whose host is the domain or a name under it            |
 * | L3    | a trusted attestation    | its ISRCs, ISRC registrant prefixes and URL prefixes                |
 *
 * Hashes, CIDs and ISWCs are covered by no binding: anyone can hash a file.
 */
import type { IdentityLink } from './identity-link.js';
import { urlPrefixesOf, type WorkId } from './work-id.js';

/** L0 none, L1 profile, L2 domain, L3 trusted attestation (L4, a qualified seal, is out of scope). */
export type BindingLevel = 0 | 1 | 2 | 3;

/** The level of each kind of binding. */
export const BINDING_LEVEL = { none: 0, profile: 1, domain: 2, attestation: 3 } as const;

/** A checked profile link: L1 over the profile URL and what lies under it. */
export interface ProfileBinding {
  readonly kind: 'profile';
  readonly level: 1;
  /** The profile URL in normal form (`normalizeProfileUrl`). */
  readonly profile: string;
}

/** A checked domain link: L2 over the domain's hosts. */
export interface DomainBinding {
  readonly kind: 'domain';
  readonly level: 2;
  /** The registrable domain, lower-case A-labels. */
  readonly domain: string;
}

/** An attestation by a trusted attester: L3 over what it names. */
export interface AttestationBinding {
  readonly kind: 'attestation';
  readonly level: 3;
  readonly attester: string;
  /** ISRCs, 12 characters, as in `isrc:` ids. */
  readonly isrcs: ReadonlySet<string>;
  /** Registrant prefixes in their compact form, 5 characters (`USRC1`), to compare with an ISRC's start. */
  readonly isrcPrefixes: ReadonlySet<string>;
  /** URL prefixes as `url-prefix:` ids. */
  readonly urlPrefixes: ReadonlySet<string>;
}

/** Anything that lets a creator speak for works. */
export type Binding = ProfileBinding | DomainBinding | AttestationBinding;

/**
 * Hosts whose names are handed out to many unrelated tenants (pages, buckets, apps, blogs, shops): no
 * name at or under them binds as a domain, since the tenant of `user.github.io` is not the owner of
 * `github.io`, nor the other way round. Many are private suffixes of the Public Suffix List too;
 * `@assent/links` refuses those from the list itself. Tenants link such pages as profiles (L1).
 */
export const SHARED_HOSTS: readonly string[] = [
  // code hosting and static pages
  'github.io',
  'githubusercontent.com',
  'gitlab.io',
  'bitbucket.io',
  'codeberg.page',
  'sourceforge.io',
  'readthedocs.io',
  'gitbook.io',
  'netlify.app',
  'netlify.com',
  'vercel.app',
  'now.sh',
  'pages.dev',
  'workers.dev',
  'surge.sh',
  'neocities.org',
  'glitch.me',
  'repl.co',
  'replit.app',
  'web.app',
  'firebaseapp.com',
  'appspot.com',
  'herokuapp.com',
  'fly.dev',
  'onrender.com',
  'railway.app',
  'azurewebsites.net',
  'azurestaticapps.net',
  'cloudapp.net',
  'ngrok.io',
  'ngrok.app',
  'ngrok-free.app',
  // buckets and content delivery
  'amazonaws.com',
  'cloudfront.net',
  'windows.net',
  'googleapis.com',
  'googleusercontent.com',
  'digitaloceanspaces.com',
  'linodeobjects.com',
  'wasabisys.com',
  'backblazeb2.com',
  'r2.dev',
  'b-cdn.net',
  'dropboxusercontent.com',
  'ipfs.io',
  'dweb.link',
  'w3s.link',
  // blogs, shops and artist pages on subdomains
  'blogspot.com',
  'wordpress.com',
  'tumblr.com',
  'substack.com',
  'medium.com',
  'wixsite.com',
  'weebly.com',
  'squarespace.com',
  'webflow.io',
  'framer.website',
  'carrd.co',
  'notion.site',
  'myshopify.com',
  'itch.io',
  'bandcamp.com',
];

const SHARED = new Set(SHARED_HOSTS);

/** True when `domain` is a shared host or a name under one ({@link SHARED_HOSTS}). */
export function isSharedHost(domain: string): boolean {
  for (let rest = domain; ; ) {
    if (SHARED.has(rest)) return true;
    const dot = rest.indexOf('.');
    if (dot === -1) return false;
    rest = rest.slice(dot + 1);
  }
}

/**
 * The binding a checked identity link gives: L1 for a profile, L2 for a domain; undefined for a domain
 * on a shared host, which never binds. The caller decides that the link holds (a fresh `ok` observation).
 */
export function identityBinding(link: IdentityLink): ProfileBinding | DomainBinding | undefined {
  if (link.type === 'profile') return { kind: 'profile', level: 1, profile: link.id };
  if (isSharedHost(link.id)) return undefined;
  return { kind: 'domain', level: 2, domain: link.id };
}

/** The parts of a verified attestation a binding needs (`VerifiedAttestation` has them). */
export interface AttestedScope {
  readonly issuer: string;
  readonly isrcs: readonly string[];
  readonly isrcPrefixes: readonly string[];
  readonly urlPrefixes: readonly string[];
}

/**
 * The L3 binding a verified attestation gives when its issuer is on the verifier's trust list, else
 * undefined: an attestation by anyone else is worth nothing (L0), however well signed.
 */
export function attestationBinding(
  attestation: AttestedScope,
  trustedAttesters: { has(did: string): boolean },
): AttestationBinding | undefined {
  if (!trustedAttesters.has(attestation.issuer)) return undefined;
  return {
    kind: 'attestation',
    level: 3,
    attester: attestation.issuer,
    isrcs: new Set(attestation.isrcs),
    isrcPrefixes: new Set(attestation.isrcPrefixes.map((p) => p.replace('-', ''))),
    urlPrefixes: new Set(attestation.urlPrefixes.map((p) => `url-prefix:${p}`)),
  };
}

/** The URL of a `url:` or `url-prefix:` id, or undefined for other kinds. */
function urlOf(work: WorkId): string | undefined {
  if (work.startsWith('url:')) return work.slice('url:'.length);
  if (work.startsWith('url-prefix:')) return work.slice('url-prefix:'.length);
  return undefined;
}

/** The host name of a normalized URL, without its port. */
function hostnameOf(url: string): string {
  const start = url.indexOf('//') + 2;
  const end = url.indexOf('/', start);
  const host = url.slice(start, end === -1 ? undefined : end);
  // An IPv6 literal has colons of its own; it never equals a domain, so the port does not matter.
  const colon = host.startsWith('[') ? -1 : host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** A profile covers its own page (any query) and whatever lies under it by whole path segments. */
function profileCovers(profile: string, url: string): boolean {
  if (url === profile) return true;
  if (url.startsWith(profile) && url[profile.length] === '?') return true;
  return url.startsWith(profile.endsWith('/') ? profile : `${profile}/`);
}

/** A domain covers http and https URLs of its own name and of every name under it, on any port. */
function domainCovers(domain: string, url: string): boolean {
  const host = hostnameOf(url);
  return host === domain || host.endsWith(`.${domain}`);
}

/**
 * True when `binding` covers the work: a `url:` or `url-prefix:` id under a bound profile, domain or
 * attested URL prefix, or an `isrc:` id an attestation names or whose registrant prefix it names. A
 * `url-prefix:` is covered only when all of it is (a prefix above the profile is not).
 *
 * @example
 * bindingCovers({ kind: 'profile', level: 1, profile: 'https://soundcloud.com/the-flight' },
 *   'url:https://soundcloud.com/the-flight/track' as WorkId) // true
 */
export function bindingCovers(binding: Binding, work: WorkId): boolean {
  if (binding.kind === 'attestation') {
    if (work.startsWith('isrc:')) {
      const isrc = work.slice('isrc:'.length);
      return binding.isrcs.has(isrc) || binding.isrcPrefixes.has(isrc.slice(0, 5));
    }
    if (binding.urlPrefixes.size === 0 || urlOf(work) === undefined) return false;
    return urlPrefixesOf(work).some((prefix) => binding.urlPrefixes.has(prefix));
  }
  const url = urlOf(work);
  if (url === undefined) return false;
  return binding.kind === 'profile' ? profileCovers(binding.profile, url) : domainCovers(binding.domain, url);
}

/** The highest level among the bindings that cover the work; 0 when none does. */
export function coveringLevel(bindings: Iterable<Binding>, work: WorkId): BindingLevel {
  let level: BindingLevel = 0;
  for (const binding of bindings) {
    if (binding.level > level && bindingCovers(binding, work)) level = binding.level;
  }
  return level;
}

/**
 * The highest level a creator holds anywhere, whatever it covers: what an allow for a hash or a CID
 * needs (at least L1 somewhere), since no binding covers those.
 */
export function highestLevel(bindings: Iterable<Binding>): BindingLevel {
  let level: BindingLevel = 0;
  for (const binding of bindings) if (binding.level > level) level = binding.level;
  return level;
}
