import { describe, expect, it } from 'vitest';
import { signAttestation } from '../src/attestation.js';
import {
  attestationBinding,
  type Binding,
  bindingCovers,
  coveringLevel,
  highestLevel,
  identityBinding,
  isSharedHost,
} from '../src/binding-scope.js';
import { identityFromSecretKey } from '../src/did-key.js';
import { unwrap } from '../src/errors.js';
import { normalizeDomain } from '../src/identity-link.js';
import { normalizeWorkId, type WorkId } from '../src/work-id.js';

const id = (text: string): WorkId => unwrap(normalizeWorkId(text));
const profile = identityBinding({ type: 'profile', id: 'https://soundcloud.com/the-flight' }) as Binding;
const domain = identityBinding({ type: 'domain', id: 'theflight.com' }) as Binding;

describe('levels', () => {
  it('a profile is L1, a domain L2, a trusted attestation L3', () => {
    expect(profile).toMatchObject({ kind: 'profile', level: 1 });
    expect(domain).toMatchObject({ kind: 'domain', level: 2 });
  });
});

describe('profile scope (L1): the profile page and URLs under it, by whole path segments', () => {
  it.each([
    ['url:https://soundcloud.com/the-flight', true],
    ['url:https://soundcloud.com/the-flight?in=sets', true],
    ['url:https://soundcloud.com/the-flight/track-1', true],
    ['url-prefix:https://soundcloud.com/the-flight/', true],
    ['url-prefix:https://soundcloud.com/the-flight/sets/', true],
    ['url:https://soundcloud.com/the-flight-2/track', false],
    ['url:https://soundcloud.com/other/track', false],
    ['url-prefix:https://soundcloud.com/', false],
    ['url:http://soundcloud.com/the-flight/track', false],
    ['url:https://m.soundcloud.com/the-flight/track', false],
    ['isrc:USRC17607839', false],
    ['sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', false],
  ])('%s → %s', (work, covered) => {
    expect(bindingCovers(profile, id(work))).toBe(covered);
  });

  it('a profile at the root of a host covers the host', () => {
    const bandcamp = identityBinding({ type: 'profile', id: 'https://theflight.bandcamp.com/' }) as Binding;
    expect(bindingCovers(bandcamp, id('url:https://theflight.bandcamp.com/album/x'))).toBe(true);
    expect(bindingCovers(bandcamp, id('url:https://other.bandcamp.com/album/x'))).toBe(false);
  });
});

describe('domain scope (L2): http(s) URLs on the domain and the names under it', () => {
  it.each([
    ['url:https://theflight.com/', true],
    ['url:http://theflight.com/music/track.mp3', true],
    ['url:https://www.theflight.com:8443/x', true],
    ['url-prefix:https://cdn.theflight.com/audio/', true],
    ['url:https://theflight.com.evil.net/x', false],
    ['url:https://nottheflight.com/x', false],
    ['url:https://xn--thflight-z5a.com/x', false],
    ['isrc:USRC17607839', false],
  ])('%s → %s', (work, covered) => {
    expect(bindingCovers(domain, id(work))).toBe(covered);
  });

  it('an IDN homograph binds only itself, never its ASCII look-alike', () => {
    const homograph = unwrap(normalizeDomain('аpple.com')); // Cyrillic а
    expect(homograph).toBe('xn--pple-43d.com');
    const binding = identityBinding({ type: 'domain', id: homograph }) as Binding;
    expect(bindingCovers(binding, id('url:https://apple.com/music'))).toBe(false);
    expect(bindingCovers(binding, id('url:https://аpple.com/music'))).toBe(true);
  });

  it('a shared host never binds as a domain (defence in depth; @assent/links refuses it first)', () => {
    for (const shared of [
      'github.io',
      'user.github.io',
      'bucket.s3.amazonaws.com',
      'x.bandcamp.com',
      'a.pages.dev',
    ]) {
      expect(isSharedHost(shared), shared).toBe(true);
      expect(identityBinding({ type: 'domain', id: shared }), shared).toBeUndefined();
    }
    expect(isSharedHost('theflight.com')).toBe(false);
    expect(isSharedHost('notgithub.io.example')).toBe(false);
    expect(isSharedHost('mygithub.io')).toBe(false);
  });
});

describe('attestation scope (L3): only with a trusted issuer', async () => {
  const label = await identityFromSecretKey(new Uint8Array(32).fill(7));
  const artist = await identityFromSecretKey(new Uint8Array(32).fill(8));
  const signed = await signAttestation(
    {
      subject: artist.did,
      isrcs: ['GB-AAA-01-00001'],
      isrcPrefixes: ['US-RC1'],
      urlPrefixes: ['https://soundcloud.com/the-flight/'],
    },
    { identity: label, created: '2026-11-26T10:00:00Z' },
  );

  it('an untrusted issuer gives nothing', () => {
    expect(attestationBinding(signed, new Set())).toBeUndefined();
    expect(attestationBinding(signed, new Set([artist.did]))).toBeUndefined();
  });

  const binding = attestationBinding(signed, new Set([label.did])) as Binding;

  it.each([
    ['isrc:GBAAA0100001', true],
    ['isrc:GBAAA0100002', false],
    ['isrc:USRC17607839', true],
    ['isrc:USRC27607839', false],
    ['url:https://soundcloud.com/the-flight/track', true],
    ['url-prefix:https://soundcloud.com/the-flight/sets/', true],
    ['url:https://soundcloud.com/the-flight', false],
    ['url-prefix:https://soundcloud.com/', false],
    ['iswc:T-345.246.800-3', false],
  ])('%s → %s', (work, covered) => {
    expect(binding.level).toBe(3);
    expect(bindingCovers(binding, id(work))).toBe(covered);
  });

  it('coveringLevel takes the highest covering binding; highestLevel ignores scope', () => {
    const all = [profile, domain, binding];
    expect(coveringLevel(all, id('url:https://soundcloud.com/the-flight/track'))).toBe(3);
    expect(coveringLevel([profile, domain], id('url:https://soundcloud.com/the-flight/track'))).toBe(1);
    expect(coveringLevel(all, id('url:https://theflight.com/a'))).toBe(2);
    expect(coveringLevel(all, id('url:https://elsewhere.com/a'))).toBe(0);
    const hash = id('sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
    expect(coveringLevel(all, hash)).toBe(0);
    expect(highestLevel([profile])).toBe(1);
    expect(highestLevel(all)).toBe(3);
    expect(highestLevel([])).toBe(0);
  });
});
