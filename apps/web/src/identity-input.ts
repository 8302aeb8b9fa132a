import {
  fail,
  type IdentityErrorCode,
  type IdentityLink,
  isSharedHost,
  normalizeDomain,
  normalizeProfileUrl,
  ok,
  type Result,
} from '@assent/manifest';

/**
 * Identity links as a person types and reads them (docs/spec/manifest.md §3.5): a bare name is a
 * domain, an `https://` URL a profile page — the rule `assent id link` follows — each in its one
 * normal form from `@assent/manifest`.
 */

/**
 * Turns what a person types into an identity link. A domain on a shared host (`*.github.io`, bucket
 * hosts) is refused here, since it can never show who someone is (docs/decisions.md §7).
 * @example identityFromText('TheFlight.com') // { ok: true, value: { type: 'domain', id: 'theflight.com' } }
 */
export function identityFromText(text: string): Result<IdentityLink, IdentityErrorCode> {
  const value = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const url = normalizeProfileUrl(value);
    return url.ok ? ok({ type: 'profile', id: url.value }) : url;
  }
  if (value.includes('/')) {
    return fail(
      'IDENTITY_PROFILE_MALFORMED',
      `A profile page is a full link (https://${value.slice(0, 80)}); a website is its bare name (theflight.com).`,
    );
  }
  const domain = normalizeDomain(value);
  if (!domain.ok) return domain;
  if (isSharedHost(domain.value)) {
    return fail(
      'IDENTITY_DOMAIN_MALFORMED',
      `${domain.value} is on a shared host, where anyone can get a name, so it never shows who you are. Link your page there as a profile instead (https://${domain.value}/…).`,
    );
  }
  return ok({ type: 'domain', id: domain.value });
}

/** A link as a reader says it: the domain, or the profile URL without `https://`. */
export function identityLabel(link: Pick<IdentityLink, 'id'> & { readonly type: string }): string {
  return link.type === 'profile' ? link.id.replace(/^https:\/\//, '') : link.id;
}

/** "profile link", "domain link". */
export function identityKind(type: string): string {
  return type === 'domain' ? 'domain link' : type === 'profile' ? 'profile link' : `${type} link`;
}
