import type { CheckResult, Claimant, ClaimantAttestation, ClaimantLink, Evidence } from '@assent/verifier';
import { type Child, h } from './element.js';
import { identityKind, identityLabel } from './identity-input.js';
import { manifestLink } from './manifest-link.js';
import { relativeDay } from './relative-time.js';

/**
 * Who signed what a lookup shows (docs/decisions.md §7): each claimant of the work with the identity
 * links and attestations that show who it is, bound ones first, and whether another claimant outranks
 * it. Everything here comes from manifests, observations and attestations that anyone can write, so it
 * goes in as text (element.ts), never as HTML, and link ids are shown, not followed.
 */

/** When, in words: "today", "3 days ago"; "at an unknown time" for a date that does not parse. */
function when(iso: string | undefined, now: Date): string {
  return (iso === undefined ? undefined : relativeDay(iso, now)) ?? 'at an unknown time';
}

/** The words after a link: its kind and what the newest trusted check found. */
function linkStatus(link: ClaimantLink, now: Date): string {
  const kind = identityKind(link.type);
  const at = when(link.observedAt, now);
  if (link.bound) {
    return link.state === 'temp_failure'
      ? `${kind}, confirmed before; the last check, ${at}, could not reach it`
      : `${kind}, checked ${at}`;
  }
  switch (link.state) {
    case 'unobserved':
      return `${kind}, not checked yet`;
    case 'perm_failure':
      return `${kind}, not confirmed when checked ${at}`;
    case 'temp_failure':
      return `${kind}, not confirmed: it could not be checked (${at})`;
    default:
      return link.level === 0
        ? `${kind} on a shared host, which never shows who someone is`
        : `${kind}, last confirmed ${at}: too long ago to count`;
  }
}

function linkItem(link: ClaimantLink, now: Date): HTMLElement {
  return h(
    'span',
    {
      class: link.bound ? 'identity-link bound' : 'identity-link unbound',
      'data-identity': `${link.type}:${link.id}`,
      'data-state': link.state,
    },
    identityLabel(link),
    link.bound ? ' ✓' : '',
    ` (${linkStatus(link, now)})`,
  );
}

function attestationItem(a: ClaimantAttestation): HTMLElement {
  return h(
    'span',
    { class: a.trusted ? 'attestation bound' : 'attestation unbound', 'data-attester': a.attester },
    'attested by ',
    h('code', { class: 'did' }, a.attester),
    a.role === undefined ? '' : ` as ${a.role}`,
    a.trusted ? ' (trusted)' : ' (not on this page’s trust list, so it does not count)',
  );
}

/** Items joined by "; " for one line of text. */
function joined(items: readonly HTMLElement[]): Child[] {
  return items.flatMap((item, i) => (i === 0 ? [item] : ['; ', item]));
}

/** What a claimant's level means for this work, in one sentence. */
function standingText(c: Claimant, work: string): string | undefined {
  const scoped = /^(url|url-prefix|isrc):/.test(work);
  if (c.outranked)
    return 'Outranked: another signer has a checked link covering this work, and this signer has none, so its answer does not count here.';
  if (c.inScope) return `A checked link covers this work (level ${c.level} of 3).`;
  if (!scoped)
    return c.level > 0
      ? `Anyone can fingerprint a file, so no link covers it; this signer has a checked link elsewhere (level ${c.level}).`
      : undefined;
  const bound = c.links.some((l) => l.bound) || c.attestations.some((a) => a.trusted);
  return bound ? 'Its checked links do not cover this work.' : undefined;
}

function claimantItem(c: Claimant, evidence: readonly Evidence[], work: string, now: Date): HTMLElement {
  const bound = [
    ...c.links.filter((l) => l.bound).map((l) => linkItem(l, now)),
    ...c.attestations.filter((a) => a.trusted).map(attestationItem),
  ];
  const unbound = [
    ...c.links.filter((l) => !l.bound).map((l) => linkItem(l, now)),
    ...c.attestations.filter((a) => !a.trusted).map(attestationItem),
  ];
  const standing = standingText(c, work);
  return h(
    'li',
    { class: c.outranked ? 'claimant outranked' : 'claimant', 'data-issuer': c.issuer },
    h(
      'p',
      { class: 'signer' },
      'Signed by ',
      h('code', { class: 'did' }, c.issuer),
      ' — ',
      ...(bound.length > 0 ? joined(bound) : [h('span', { class: 'no-link' }, 'no checked identity link')]),
    ),
    unbound.length > 0 && h('p', { class: 'hint not-counted' }, 'Not counted: ', ...joined(unbound)),
    standing !== undefined && h('p', { class: c.outranked ? 'notice standing' : 'hint standing' }, standing),
    ...evidence.map((e) =>
      h(
        'p',
        { class: 'hint version', 'data-cid': e.cid },
        `Manifest version ${e.version} · `,
        manifestLink(e.cid, 'view it'),
        h('span', { class: 'signed-at', 'data-cid': e.cid }),
      ),
    ),
  );
}

/**
 * The signers behind a result: each claimant with its links (the evidence list of the result, grouped
 * by issuer); a manifest whose issuer is no claimant is listed after them, as before identity links.
 */
export function claimantList(result: CheckResult, now: Date = new Date()): HTMLElement | false {
  const seen = new Set<string>();
  const evidence = result.evidence.filter((e) => !seen.has(e.cid) && seen.add(e.cid));
  if (evidence.length === 0 && result.claimants.length === 0) return false;
  const byIssuer = new Map<string, Evidence[]>();
  for (const e of evidence) byIssuer.set(e.issuer, [...(byIssuer.get(e.issuer) ?? []), e]);
  const claimed = new Set(result.claimants.map((c) => c.issuer));
  // Those who count first, the outranked after them: the order of results is by DID otherwise.
  const claimants = [...result.claimants].sort((a, b) => Number(a.outranked) - Number(b.outranked));
  return h(
    'div',
    { class: 'claimants' },
    h('h3', {}, 'Who signed'),
    h(
      'ul',
      { class: 'evidence' },
      ...claimants.map((c) => claimantItem(c, byIssuer.get(c.issuer) ?? [], result.id ?? result.work, now)),
      ...evidence
        .filter((e) => !claimed.has(e.issuer))
        .map((e) =>
          h(
            'li',
            { 'data-cid': e.cid },
            'Signed by ',
            h('code', { class: 'did' }, e.issuer),
            `, version ${e.version} · `,
            manifestLink(e.cid, 'manifest'),
            h('span', { class: 'signed-at', 'data-cid': e.cid }),
          ),
        ),
    ),
  );
}
