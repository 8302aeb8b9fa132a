import { deriveNextDraft } from '@assent/manifest';
import { describe, expect, it } from 'vitest';
import { changesOf, formOf, identityChanges } from '../src/consent-form.js';
import { creatorLinksOf } from '../src/gateway-client.js';
import { identityFromText, identityLabel } from '../src/identity-input.js';

const profile = { type: 'profile', id: 'https://soundcloud.com/the-flight' } as const;
const domain = { type: 'domain', id: 'theflight.com' } as const;
const old = { type: 'domain', id: 'old-blog.example' } as const;

describe('identity links in the next version', () => {
  const current = { works: [{ ids: ['isrc:USRC17607839'] }], identities: [profile, old] };

  it('reads the claimed links into the form, which then changes nothing', () => {
    const form = formOf(current);
    expect(form.identities).toEqual([profile, old]);
    expect(identityChanges(current, form)).toEqual([]);
    expect(changesOf(current, form)).toEqual([]);
  });

  it('turns links added and removed in the form into unlink and link changes that deriveNextDraft applies', () => {
    const form = formOf(current);
    form.identities = [profile, domain];
    const changes = changesOf(current, form);
    expect(changes).toEqual([
      { op: 'unlink', identities: [old] },
      { op: 'link', identities: [domain] },
    ]);
    const next = deriveNextDraft(current, changes);
    expect(next.ok && next.value.identities).toEqual([profile, domain]);
  });

  it('removing every link leaves the next version claiming none', () => {
    const form = formOf(current);
    form.identities = [];
    const next = deriveNextDraft(current, changesOf(current, form));
    expect(next.ok && next.value.identities).toBeUndefined();
  });
});

describe('identityFromText', () => {
  it('reads a bare name as a domain and an https URL as a profile, each normalized', () => {
    expect(identityFromText(' TheFlight.COM. ')).toEqual({ ok: true, value: domain });
    expect(identityFromText('https://SoundCloud.com/the-flight')).toEqual({ ok: true, value: profile });
  });

  it('refuses a shared host, a path without a scheme and markup, saying why', () => {
    const shared = identityFromText('the-flight.github.io');
    expect(shared.ok || shared.message).toContain('shared host');
    const bare = identityFromText('soundcloud.com/the-flight');
    expect(bare.ok || bare.message).toContain('https://soundcloud.com/the-flight');
    expect(identityFromText('<img src=x onerror=alert(1)>').ok).toBe(false);
    expect(identityFromText('http://theflight.com/about').ok).toBe(false);
  });

  it('labels a profile without its scheme', () => {
    expect(identityLabel(profile)).toBe('soundcloud.com/the-flight');
    expect(identityLabel(domain)).toBe('theflight.com');
  });
});

describe('creatorLinksOf', () => {
  it('is undefined for a node that reports no links, and empty for none claimed', () => {
    expect(creatorLinksOf(undefined)).toBeUndefined();
    expect(creatorLinksOf({ links: 'no' })).toBeUndefined();
    expect(creatorLinksOf([])).toEqual([]);
  });

  it('keeps the members it knows, of the right types, and drops entries it cannot read', () => {
    expect(
      creatorLinksOf([
        {
          identity: domain,
          state: 'ok',
          bound: true,
          observedAt: '2026-06-01T00:00:00Z',
          nextCheckAt: '2026-06-02T00:00:00Z',
          method: 'dns-txt',
          reason: 7,
          extra: 'x',
        },
        { identity: { type: 'profile' }, state: 'ok', bound: true },
        { identity: profile, bound: 'yes', state: 'perm_failure', reason: 'LINK_NOT_NAMED' },
        null,
        'text',
      ]),
    ).toEqual([
      {
        identity: domain,
        state: 'ok',
        bound: true,
        observedAt: '2026-06-01T00:00:00Z',
        nextCheckAt: '2026-06-02T00:00:00Z',
        method: 'dns-txt',
      },
      { identity: profile, state: 'perm_failure', bound: false, reason: 'LINK_NOT_NAMED' },
    ]);
  });
});
