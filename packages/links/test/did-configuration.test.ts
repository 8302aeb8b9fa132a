import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDidKey } from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlatform, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import {
  hasSharedVectors,
  SHARED_VECTORS_DIR,
  sharedVectorBytes,
  sharedVectorJson,
} from '../../../test/support/shared-vectors.js';
import { checkDidConfiguration, createLinkChecker } from '../src/index.js';

/**
 * The DIF Well Known DID Configuration vectors (decentralized-identity/well-known, Apache-2.0; see
 * ../shared/vectors/SOURCES.md), read in place. Entry [0] is a JSON-LD credential with an
 * Ed25519Signature2018 proof (URDNA2015: not checkable here, so never accepted); entry [1] a JWT signed
 * EdDSA by did:key:z6MkoTHs…. Every credential expired on 2025-12-04, so the clock is fixed before that.
 */
const FOLDER = 'did-configuration';
const present = hasSharedVectors && existsSync(join(SHARED_VECTORS_DIR, FOLDER));
if (!present && process.env.CI === 'true')
  throw new Error(`The DID Configuration vectors are missing from ${join(SHARED_VECTORS_DIR, FOLDER)}.`);
const skipReason = present ? '' : ` (skipped: ${join(SHARED_VECTORS_DIR, FOLDER)} is missing)`;

const DID = 'did:key:z6MkoTHsgNNrby8JzCNQ1iRLyW5QQ6R8Xuu6AA8igGrMVPUM';
const DOMAIN = 'identity.foundation';
const before = new Date('2024-06-01T00:00:00Z');
const after = new Date('2025-12-05T00:00:00Z');

type Resource = { '@context': string; linked_dids: unknown[] };
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe.skipIf(!present)(`DIF DID Configuration vectors${skipReason}`, () => {
  const resource = () => sharedVectorBytes(`${FOLDER}/did-configuration.json`);
  const parsed = () => sharedVectorJson<Resource>(`${FOLDER}/did-configuration.json`);

  it('the vector key pair is the did:key the credentials name', () => {
    const keys = sharedVectorJson<{ controller: string; publicKeyJwk: { x: string } }>(
      `${FOLDER}/generate-config/keys/did-key-ed25519.json`,
    );
    expect(keys.controller).toBe(DID);
    const did = parseDidKey(DID);
    expect(did.ok && Buffer.from(did.value.publicKey).toString('base64url')).toBe(keys.publicKeyJwk.x);
  });

  it('the spec example: its JWT entry verifies for the DID and the bare origin identity.foundation', async () => {
    expect(await checkDidConfiguration(resource(), { did: DID, domain: DOMAIN, at: before })).toEqual({
      ok: true,
      format: 'jwt',
    });
  });

  it("the generator's expected output verifies the same way", async () => {
    const fixture = sharedVectorBytes(`${FOLDER}/generate-config/__fixtures__/did-configuration.json`);
    expect(await checkDidConfiguration(fixture, { did: DID, domain: DOMAIN, at: before })).toMatchObject({
      ok: true,
    });
  });

  it('after exp (2025-12-04) the JWT no longer links', async () => {
    expect(await checkDidConfiguration(resource(), { did: DID, domain: DOMAIN, at: after })).toMatchObject({
      ok: false,
      reason: 'LINK_CREDENTIAL_INVALID',
    });
  });

  it('the JSON-LD entry alone (Ed25519Signature2018) is unsupported, never accepted', async () => {
    const onlyJsonLd = { ...parsed(), linked_dids: [parsed().linked_dids[0]] };
    expect(
      await checkDidConfiguration(encode(onlyJsonLd), { did: DID, domain: DOMAIN, at: before }),
    ).toMatchObject({
      ok: false,
      reason: 'LINK_CREDENTIAL_UNSUPPORTED',
    });
  });

  it('a JWT with one signature character changed, or its payload re-encoded with another origin, fails', async () => {
    const jwt = parsed().linked_dids[1] as string;
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const flipped = `${header}.${payload}.${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      vc: { credentialSubject: { origin: string } };
    };
    claims.vc.credentialSubject.origin = 'evil.example';
    const moved = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    for (const entry of [flipped, moved]) {
      const altered = { ...parsed(), linked_dids: [entry] };
      expect(
        await checkDidConfiguration(encode(altered), { did: DID, domain: DOMAIN, at: before }),
      ).toMatchObject({
        ok: false,
        reason: 'LINK_CREDENTIAL_INVALID',
      });
    }
  });

  it('the resource served for another domain does not link it, nor another DID', async () => {
    expect(
      await checkDidConfiguration(resource(), { did: DID, domain: 'example.com', at: before }),
    ).toMatchObject({
      ok: false,
      reason: 'LINK_CREDENTIAL_INVALID',
    });
    const other = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    expect(await checkDidConfiguration(resource(), { did: other, domain: DOMAIN, at: before })).toMatchObject(
      {
        ok: false,
        reason: 'LINK_NOT_NAMED',
      },
    );
  });

  describe('served at https://identity.foundation/.well-known/did-configuration.json (loopback)', () => {
    let dns: LoopbackDns;
    let web: FakePlatform;
    beforeAll(async () => {
      dns = await startLoopbackDns({ [DOMAIN]: { a: ['127.0.0.1'] } });
      web = await startFakePlatform({
        [`${DOMAIN}/.well-known/did-configuration.json`]: {
          type: 'application/json',
          body: new TextDecoder().decode(resource()),
        },
      });
    });
    afterAll(async () => {
      await web?.close();
      await dns?.close();
    });

    it('the checker finds the link after DNS and the assent-did file say nothing', async () => {
      const checker = createLinkChecker({
        allowInsecure: true,
        dnsServers: dns.servers,
        mapUrl: web.mapUrl,
        now: () => before,
      });
      const { observation, attempts } = await checker.check(DID, { type: 'domain', id: DOMAIN });
      expect(attempts.map((a) => a.observation.method)).toEqual([
        'dns-txt',
        'well-known',
        'did-configuration',
      ]);
      expect(observation).toMatchObject({ method: 'did-configuration', result: 'ok' });
    });
  });
});

describe('a DID Configuration resource that is not one', () => {
  const did = DID;
  it.each([
    ['{"linked_dids": []', 'LINK_MALFORMED'],
    ['{"@context": "https://example.com", "linked_dids": []}', 'LINK_MALFORMED'],
    ['{"@context": "https://identity.foundation/.well-known/did-configuration/v1"}', 'LINK_MALFORMED'],
    [
      '{"@context": "https://identity.foundation/.well-known/did-configuration/v1", "linked_dids": ["a.b", 3, null]}',
      'LINK_NOT_NAMED',
    ],
    [
      '{"@context": "https://identity.foundation/.well-known/did-configuration/v1", "linked_dids": [], "linked_dids": []}',
      'LINK_MALFORMED',
    ],
  ])('%s: %s', async (text, reason) => {
    expect(
      await checkDidConfiguration(new TextEncoder().encode(text), { did, domain: DOMAIN, at: before }),
    ).toMatchObject({
      ok: false,
      reason,
    });
  });
});
