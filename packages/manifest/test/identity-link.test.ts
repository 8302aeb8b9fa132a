import { describe, expect, it } from 'vitest';
import { createProof } from '../src/data-integrity/index.js';
import { identityFromSecretKey } from '../src/did-key.js';
import {
  assentToken,
  MAX_IDENTITIES,
  normalizeDomain,
  normalizeIdentity,
  normalizeProfileUrl,
  parseNormalizedIdentity,
} from '../src/identity-link.js';
import { parseDraft, signManifest, verifyManifest } from '../src/manifest.js';
import { deriveNextDraft, snapshotOf } from '../src/next-version.js';
import type { JsonObject } from '../src/strict-json.js';

const created = '2026-11-26T10:00:00Z';
const identity = (byte: number) => identityFromSecretKey(new Uint8Array(32).fill(byte));

describe('normalizeDomain', () => {
  it.each([
    ['theflight.com', 'theflight.com'],
    ['TheFlight.COM', 'theflight.com'],
    ['theflight.com.', 'theflight.com'],
    ['Bücher.de', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['аpple.com', 'xn--pple-43d.com'],
    ['a-b.co.uk', 'a-b.co.uk'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeDomain(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'empty'],
    ['localhost', 'a single label'],
    ['1.2.3.4', 'an IPv4 address'],
    ['a.123', 'a numeric last label'],
    ['[::1]', 'an IPv6 literal'],
    ['theflight.com:443', 'a port'],
    ['https://theflight.com', 'a URL'],
    ['theflight.com/path', 'a path'],
    ['user@theflight.com', 'credentials'],
    ['the flight.com', 'a space'],
    ['the_flight.com', 'an underscore'],
    ['-theflight.com', 'a leading hyphen'],
    ['theflight-.com', 'a trailing hyphen'],
    ['ab--cd.com', 'a reserved R-LDH label'],
    ['xn--abc.com', 'invalid Punycode'],
    ['a..b', 'an empty label'],
    ['the%41flight.com', 'a percent-encoding'],
    ['theflight.com\u200b', 'a zero-width space'],
    [`${'a'.repeat(64)}.com`, 'a 64-character label'],
    [`${'a.'.repeat(127)}com`, 'more than 253 characters'],
  ])('refuses %j (%s)', (input) => {
    expect(normalizeDomain(input)).toMatchObject({ ok: false, code: 'IDENTITY_DOMAIN_MALFORMED' });
  });
});

describe('normalizeProfileUrl', () => {
  it.each([
    ['https://soundcloud.com/the-flight', 'https://soundcloud.com/the-flight'],
    ['HTTPS://SoundCloud.com/the-flight', 'https://soundcloud.com/the-flight'],
    ['https://theflight.bandcamp.com', 'https://theflight.bandcamp.com/'],
    ['https://mastodon.social/@theflight', 'https://mastodon.social/@theflight'],
    ['https://www.youtube.com/@theflight#about', 'https://www.youtube.com/@theflight'],
    ['https://example.com/a/./b/../c', 'https://example.com/a/c'],
    ['https://example.com/%7euser', 'https://example.com/~user'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeProfileUrl(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['http://soundcloud.com/the-flight', 'plain http'],
    ['https://soundcloud.com/the-flight?ref=x', 'a query'],
    ['https://soundcloud.com:8443/the-flight', 'a port'],
    ['https://user:pw@soundcloud.com/the-flight', 'credentials'],
    ['https://127.0.0.1/the-flight', 'an IP address'],
    ['https://[::1]/x', 'an IPv6 address'],
    ['https://localhost/x', 'a single-label host'],
    ['javascript:alert(1)', 'another scheme'],
    ['soundcloud.com/the-flight', 'no scheme'],
    [`https://example.com/${'a/'.repeat(17)}`, 'more than 16 segments'],
    [`https://example.com/${'a'.repeat(1100)}`, 'longer than 1024 characters'],
  ])('refuses %j (%s)', (input) => {
    expect(normalizeProfileUrl(input)).toMatchObject({ ok: false, code: 'IDENTITY_PROFILE_MALFORMED' });
  });
});

describe('normalizeIdentity / parseNormalizedIdentity', () => {
  it('names an unknown type with its own code', () => {
    expect(normalizeIdentity({ type: 'isrc-registrant', id: 'US-RC1' })).toMatchObject({
      ok: false,
      code: 'IDENTITY_UNKNOWN_TYPE',
    });
  });

  it('accepts only the normal form where a signed manifest holds it', () => {
    expect(parseNormalizedIdentity({ type: 'domain', id: 'theflight.com' }).ok).toBe(true);
    expect(parseNormalizedIdentity({ type: 'domain', id: 'TheFlight.com' })).toMatchObject({
      ok: false,
      code: 'IDENTITY_NOT_NORMALIZED',
    });
    expect(parseNormalizedIdentity({ type: 'domain', id: 'bücher.de' })).toMatchObject({
      ok: false,
      code: 'IDENTITY_NOT_NORMALIZED',
    });
    expect(parseNormalizedIdentity({ type: 'profile', id: 'https://theflight.bandcamp.com' })).toMatchObject({
      ok: false,
      code: 'IDENTITY_NOT_NORMALIZED',
    });
  });

  it('writes the proof token as assent: and the full did:key', async () => {
    const me = await identity(1);
    expect(assentToken(me.did)).toBe(`assent:${me.did}`);
  });
});

describe('credentialSubject.identities in a manifest', () => {
  it('is signed with the manifest: signManifest normalizes them, verifyManifest returns them', async () => {
    const me = await identity(2);
    const signed = await signManifest(
      {
        works: [],
        identities: [
          { type: 'domain', id: 'TheFlight.com' },
          { type: 'profile', id: 'https://SoundCloud.com/the-flight' },
        ],
      },
      { identity: me, created },
    );
    expect(signed.manifest.credentialSubject.identities).toEqual([
      { type: 'domain', id: 'theflight.com' },
      { type: 'profile', id: 'https://soundcloud.com/the-flight' },
    ]);
    const verified = await verifyManifest(signed.bytes, { requireCanonical: true });
    expect(verified.ok).toBe(true);
  });

  it('keeps a manifest without identities valid and its bytes unchanged', async () => {
    const me = await identity(2);
    const signed = await signManifest({ works: [] }, { identity: me, created });
    expect('identities' in signed.manifest.credentialSubject).toBe(false);
    expect((await verifyManifest(signed.bytes)).ok).toBe(true);
  });

  it('changing a claimed identity after signing breaks the signature', async () => {
    const me = await identity(2);
    const signed = await signManifest(
      { works: [], identities: [{ type: 'domain', id: 'theflight.com' }] },
      { identity: me, created },
    );
    const altered = structuredClone(signed.manifest) as unknown as JsonObject;
    (altered.credentialSubject as { identities: { id: string }[] }).identities[0] = {
      type: 'domain',
      id: 'impostor.com',
    } as never;
    expect(await verifyManifest(altered)).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
  });

  /** Signs a manifest with the given subject members, bypassing signManifest's normalization. */
  async function signedWith(identities: unknown): Promise<JsonObject> {
    const me = await identity(4);
    return createProof(
      {
        '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/assent/v1'],
        type: ['VerifiableCredential', 'ConsentManifest'],
        issuer: me.did,
        validFrom: created,
        credentialSubject: { version: 1, works: [], identities } as JsonObject,
      },
      { secretKey: me.secretKey, verificationMethod: me.verificationMethod, created },
    );
  }

  it.each([
    [[{ type: 'email', id: 'a@b.com' }], 'IDENTITY_UNKNOWN_TYPE', '/credentialSubject/identities/0'],
    [[{ type: 'domain', id: 'localhost' }], 'IDENTITY_DOMAIN_MALFORMED', '/credentialSubject/identities/0'],
    [[{ type: 'domain', id: 'Theflight.com' }], 'IDENTITY_NOT_NORMALIZED', '/credentialSubject/identities/0'],
    [
      [{ type: 'profile', id: 'http://a.com/x' }],
      'IDENTITY_PROFILE_MALFORMED',
      '/credentialSubject/identities/0',
    ],
    [
      [
        { type: 'domain', id: 'theflight.com' },
        { type: 'domain', id: 'theflight.com' },
      ],
      'IDENTITY_DUPLICATE',
      '/credentialSubject/identities',
    ],
    [[{ type: 'domain', id: 'theflight.com', verified: true }], 'MANIFEST_UNKNOWN_FIELD', undefined],
    [[], 'MANIFEST_SCHEMA', '/credentialSubject/identities'],
    [
      Array.from({ length: MAX_IDENTITIES + 1 }, (_, i) => ({ type: 'domain', id: `d${i}.com` })),
      'MANIFEST_SCHEMA',
      '/credentialSubject/identities',
    ],
    ['theflight.com', 'MANIFEST_SCHEMA', '/credentialSubject/identities'],
  ])('refuses %j with %s', async (identities, code, path) => {
    const result = await verifyManifest(await signedWith(identities));
    expect(result).toMatchObject({ ok: false, code });
    if (path !== undefined) expect(result).toMatchObject({ path });
  });

  it('accepts exactly 32 identities', async () => {
    const identities = Array.from({ length: MAX_IDENTITIES }, (_, i) => ({
      type: 'domain',
      id: `d${i}.com`,
    }));
    expect((await verifyManifest(await signedWith(identities))).ok).toBe(true);
  });

  it('a draft refuses two spellings of one identity', () => {
    expect(
      parseDraft({
        identities: [
          { type: 'domain', id: 'theflight.com' },
          { type: 'domain', id: 'THEFLIGHT.com' },
        ],
      }),
    ).toMatchObject({ ok: false, code: 'IDENTITY_DUPLICATE' });
  });

  it('the next version keeps the identities, and link / unlink change them', async () => {
    const me = await identity(5);
    const v1 = await signManifest(
      { works: [], identities: [{ type: 'domain', id: 'theflight.com' }] },
      { identity: me, created },
    );
    const kept = deriveNextDraft(snapshotOf(v1.manifest), [{ op: 'deny', uses: ['train-genai'] }]);
    expect(kept).toMatchObject({
      ok: true,
      value: { identities: [{ type: 'domain', id: 'theflight.com' }] },
    });
    const changed = deriveNextDraft(snapshotOf(v1.manifest), [
      { op: 'link', identities: [{ type: 'profile', id: 'https://SoundCloud.com/the-flight' }] },
      { op: 'link', identities: [{ type: 'domain', id: 'THEFLIGHT.com' }] },
      { op: 'unlink', identities: [{ type: 'domain', id: 'theflight.com' }] },
    ]);
    expect(changed).toMatchObject({
      ok: true,
      value: { identities: [{ type: 'profile', id: 'https://soundcloud.com/the-flight' }] },
    });
    const none = deriveNextDraft(snapshotOf(v1.manifest), [
      { op: 'unlink', identities: [{ type: 'domain', id: 'theflight.com' }] },
    ]);
    expect(none.ok && 'identities' in none.value).toBe(false);
    const bad = deriveNextDraft(snapshotOf(v1.manifest), [
      { op: 'link', identities: [{ type: 'domain', id: 'x' }] },
    ]);
    expect(bad).toMatchObject({
      ok: false,
      code: 'IDENTITY_DOMAIN_MALFORMED',
      path: '/changes/0/identities/0',
    });
    if (!changed.ok) return;
    const v2 = await signManifest(changed.value, { identity: me, head: v1, created });
    expect(v2.manifest.credentialSubject.identities).toEqual([
      { type: 'profile', id: 'https://soundcloud.com/the-flight' },
    ]);
  });
});
