import { domainToUnicode } from 'node:url';
import { isSharedHost, normalizeDomain } from '@assent/manifest';
import { parse } from 'tldts';
import type { LinkReason } from './link-reasons.js';

/**
 * Which domains may bind at L2 (DESIGN-TRUST §3.3 item 2): a registrable domain only — the name a
 * registrant holds directly under a public suffix, with the Public Suffix List's private section on
 * (tldts `allowPrivateDomains`), so neither `co.uk` nor `github.io` nor a tenant's `user.github.io`
 * binds. Shared hosts not on that list (`SHARED_HOSTS` of `@assent/manifest`: bucket, page and blog
 * hosts) never bind either, nor a label that mixes scripts or spells a Latin word in Cyrillic or Greek
 * look-alikes (UTS #39 §5.2, "Highly Restrictive"): such a name is a homograph of another.
 */
export type DomainVerdict = { readonly ok: true; readonly domain: string } | DomainRefusal;

/** Why a domain never binds. */
export interface DomainRefusal {
  readonly ok: false;
  readonly reason: Extract<LinkReason, `LINK_DOMAIN_${string}` | 'LINK_IDENTITY_INVALID'>;
  readonly message: string;
}

/** Options of {@link linkableDomain}. */
export interface DomainPolicyOptions {
  /**
   * Accept a name under a suffix the list does not know (`theflight.test`), as tests and local
   * setups use; such a name cannot be registered on the public internet. Off by default.
   */
  readonly allowUnknownSuffix?: boolean;
}

/** The scripts a label's letters may combine (UTS #39 §5.2 Highly Restrictive), besides one alone. */
const ALLOWED_MIXES: readonly (readonly string[])[] = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
];
const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Hebrew',
  'Arabic',
  'Devanagari',
  'Bengali',
  'Tamil',
  'Thai',
  'Georgian',
  'Ethiopic',
  'Hangul',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
].map((name) => ({ name, pattern: new RegExp(`^\\p{Script=${name}}$`, 'u') }));
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;
/** Cyrillic and Greek letters that look like Latin ones: a label made of these alone reads as Latin. */
const LATIN_LOOKALIKES = /^[аеорсухіјѕԁӏһԛԝүкмнтвαεικνορτυχ]+$/u;

function scriptOf(char: string): string | undefined {
  if (NEUTRAL.test(char)) return undefined;
  return SCRIPTS.find((s) => s.pattern.test(char))?.name ?? 'Other';
}

/** Why a Unicode label would be mistaken for another, or undefined. */
function confusion(label: string): string | undefined {
  const scripts = new Set<string>();
  for (const char of label) {
    const script = scriptOf(char);
    if (script !== undefined) scripts.add(script);
  }
  if (scripts.size > 1 && !ALLOWED_MIXES.some((mix) => [...scripts].every((s) => mix.includes(s))))
    return `mixes the scripts ${[...scripts].join(', ')}`;
  if (
    (scripts.has('Cyrillic') || scripts.has('Greek')) &&
    LATIN_LOOKALIKES.test(label.replace(/[-0-9]/g, ''))
  )
    return 'is spelled only with letters that look Latin';
  return undefined;
}

/**
 * Decides whether a domain may bind as a domain link: in normal form (lower-case A-labels), registrable,
 * not a shared host, not a confusable spelling.
 * @example linkableDomain('user.github.io') // { ok: false, reason: 'LINK_DOMAIN_SHARED_HOST', … }
 */
export function linkableDomain(domain: string, options: DomainPolicyOptions = {}): DomainVerdict {
  const normal = normalizeDomain(domain);
  if (!normal.ok || normal.value !== domain)
    return {
      ok: false,
      reason: 'LINK_IDENTITY_INVALID',
      message: `${JSON.stringify(domain)} is not a domain in normal form`,
    };
  const parsed = parse(domain, { allowPrivateDomains: true });
  if (parsed.publicSuffix === domain)
    return { ok: false, reason: 'LINK_DOMAIN_PUBLIC_SUFFIX', message: `${domain} is a public suffix` };
  if (parsed.isPrivate === true)
    return {
      ok: false,
      reason: 'LINK_DOMAIN_SHARED_HOST',
      message: `${domain} is a tenant of the shared host ${parsed.publicSuffix}`,
    };
  if (isSharedHost(domain))
    return { ok: false, reason: 'LINK_DOMAIN_SHARED_HOST', message: `${domain} is on a shared host` };
  if (parsed.isIcann !== true && options.allowUnknownSuffix !== true)
    return {
      ok: false,
      reason: 'LINK_DOMAIN_UNKNOWN_SUFFIX',
      message: `${domain} is not under a known public suffix`,
    };
  if (parsed.domain !== domain) {
    return {
      ok: false,
      reason: 'LINK_DOMAIN_NOT_REGISTRABLE',
      message: `${domain} is not a registrable domain; link ${parsed.domain ?? 'the registered name'} itself`,
    };
  }
  for (const label of domainToUnicode(domain).split('.')) {
    const why = confusion(label);
    if (why !== undefined)
      return { ok: false, reason: 'LINK_DOMAIN_CONFUSABLE', message: `${domain}: the label ${label} ${why}` };
  }
  return { ok: true, domain };
}
