/**
 * Interoperability with an independent, standard VC implementation (DESIGN.md §2, spec §4.4): Digital
 * Bazaar's `@digitalbazaar/vc` + `@digitalbazaar/data-integrity` + `@digitalbazaar/eddsa-jcs-2022-cryptosuite`
 * verify our signed manifests, and `jsonld` expands them in safe mode, with a document loader that serves
 * only local documents and throws for anything else: no network fetch is needed to verify.
 *
 * Note: the eddsa-jcs-2022 verifier itself loads no context (JCS signs the JSON, not RDF); only the did:key
 * is resolved. That every term is defined is what the safe-mode expansion below shows.
 *
 * The reverse direction holds too: a manifest signed by the standard library verifies with our
 * `verifyProof` and `verifyManifest`, and both sides produce the very same signature.
 */
import { readFileSync } from 'node:fs';
import {
  ASSENT_CONTEXT_V1,
  ASSENT_CONTEXT_V1_URL,
  type ConsentManifest,
  identityFromSecretKey,
  type JsonObject,
  manifestCid,
  nextKeyHash,
  nextKeyHashOfDid,
  type SignedManifest,
  signManifest,
  VC_V2_CONTEXT_URL,
  verifyManifest,
} from '@assent/manifest';
import { verifyProof } from '@assent/manifest/data-integrity';
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as didKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { createSignCryptosuite, createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const NS = 'https://w3id.org/assent#';
const CRED = 'https://www.w3.org/2018/credentials#';
const XSD_INTEGER = 'http://www.w3.org/2001/XMLSchema#integer';
const SEC = 'https://w3id.org/security#';

/** The property IRIs a manifest may expand to: VC v2, Data Integrity, and the Assent context. */
const KNOWN_PROPERTY_IRIS = [
  `${CRED}issuer`,
  `${CRED}validFrom`,
  `${CRED}validUntil`,
  `${CRED}credentialSubject`,
  `${SEC}proof`,
  `${SEC}cryptosuite`,
  `${SEC}proofPurpose`,
  `${SEC}proofValue`,
  `${SEC}verificationMethod`,
  'http://purl.org/dc/terms/created',
  `${NS}version`,
  `${NS}previous`,
  `${NS}defaultPolicy`,
  `${NS}works`,
  `${NS}catalog`,
  `${NS}identities`,
  `${NS}keyState`,
  `${NS}creator`,
  `${NS}rotation`,
];

const created = '2026-11-26T10:00:00Z';
/** The verifier's clock, after every manifest's validFrom and before its validUntil. */
const now = '2026-12-01T00:00:00Z';

// ---------------------------------------------------------------------------------------------------
// The document loader: local documents only.

const vcV2Context = credentialsContexts.get(VC_V2_CONTEXT_URL);
if (vcV2Context === undefined)
  throw new Error('@digitalbazaar/credentials-context does not ship the VC v2 context');

/** Our context as the package ships it: read from disk, not from the TypeScript constant. */
const assentContextFile: unknown = JSON.parse(
  readFileSync(new URL('../../packages/manifest/context/v1.jsonld', import.meta.url), 'utf8'),
);

const didKeyDriver = didKey.driver();
didKeyDriver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from });

/** Every URL any library asked the loader for, served or refused. */
const requested: string[] = [];

class NetworkFetchRefused extends Error {}

async function documentLoader(url: string) {
  requested.push(url);
  const served = (document: unknown) => ({ contextUrl: null, documentUrl: url, document });
  if (url === VC_V2_CONTEXT_URL) return served(vcV2Context);
  if (url === ASSENT_CONTEXT_V1_URL) return served(assentContextFile);
  // did:key documents are derived from the key itself, by Digital Bazaar's own did:key driver.
  if (url.startsWith('did:key:')) return served(await didKeyDriver.get({ url }));
  throw new NetworkFetchRefused(`the test document loader refuses to fetch ${url}`);
}

/** Belt and braces: if anything bypassed the loader and used fetch, the test would fail. */
const fetchSpy = vi.fn((input: unknown) =>
  Promise.reject(new Error(`fetch is disabled in this test: ${String(input)}`)),
);
beforeAll(() => {
  vi.stubGlobal('fetch', fetchSpy);
});
afterAll(() => {
  vi.unstubAllGlobals();
});

// ---------------------------------------------------------------------------------------------------
// Helpers.

const verifySuite = () => new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() });

async function standardVerify(credential: object) {
  return vc.verifyCredential({ credential, suite: verifySuite(), documentLoader, now });
}

function errorText(result: { error?: unknown; results?: { error?: unknown }[] }): string {
  const errors = [result.error, ...(result.results ?? []).map((r) => r.error)].filter((e) => e !== undefined);
  return errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : JSON.stringify(e))).join('; ');
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Collects every property IRI of an expanded document, not descending into JSON literals. */
function propertyIris(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) propertyIris(item, into);
  } else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (record['@type'] === '@json') return into;
    for (const [key, value] of Object.entries(record)) {
      if (!key.startsWith('@')) into.add(key);
      propertyIris(value, into);
    }
  }
  return into;
}

async function safeExpand(document: object) {
  return jsonld.expand(document, { documentLoader, safe: true });
}

/** The expanded credentialSubject node of an expanded manifest. */
function subjectOf(expanded: Record<string, unknown>[]): Record<string, unknown> {
  const subjects = expanded[0]?.[`${CRED}credentialSubject`] as Record<string, unknown>[] | undefined;
  const subject = subjects?.[0];
  if (subject === undefined) throw new Error('no credentialSubject in the expansion');
  return subject;
}

// ---------------------------------------------------------------------------------------------------
// The manifests.

const identityPromise = identityFromSecretKey(new Uint8Array(32).fill(1));
/** The key version 1 commits to (a creator's recovery key), and the one the rotation commits to. */
const recoveryPromise = identityFromSecretKey(new Uint8Array(32).fill(2));
const spareKeyPromise = identityFromSecretKey(new Uint8Array(32).fill(3));

/** Version 1 committing to the recovery key, claiming an identity (spec §3.5, §5.5). */
async function committedVersionOne(): Promise<SignedManifest> {
  return signManifest(
    {
      default: { 'train-genai': 'deny' },
      identities: [{ type: 'domain', id: 'theflight.example' }],
      validUntil: '2027-11-26T10:00:00Z',
    },
    {
      identity: await identityPromise,
      created,
      nextKeyHashes: [nextKeyHashOfDid((await recoveryPromise).did)],
    },
  );
}

/** Version 2: the recovery key rotates the creator, committing to a spare key. */
async function rotation(): Promise<SignedManifest> {
  return signManifest(
    { default: { 'train-genai': 'deny', search: 'deny' } },
    {
      identity: await recoveryPromise,
      created: '2026-11-27T10:00:00Z',
      head: await committedVersionOne(),
      rotation: true,
      nextKeyHashes: [nextKeyHashOfDid((await spareKeyPromise).did)],
    },
  );
}

interface Case {
  readonly name: string;
  readonly make: () => Promise<SignedManifest>;
  /** Changes one value of the signed manifest. */
  readonly tamper: (m: ConsentManifest) => void;
}

async function versionOne(): Promise<SignedManifest> {
  return signManifest(
    { default: { 'train-genai': 'deny', search: 'allow' }, validUntil: '2027-11-26T10:00:00Z' },
    { identity: await identityPromise, created },
  );
}

const cases: readonly Case[] = [
  {
    name: 'a default policy only',
    make: versionOne,
    tamper: (m) => {
      (m.credentialSubject.default as Record<string, unknown>)['train-genai'] = 'allow';
    },
  },
  {
    name: 'works with conditional policies (attribution, licensees)',
    make: async () =>
      signManifest(
        {
          default: { all: 'deny', search: 'allow' },
          works: [
            {
              ids: [
                'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
                'isrc:USRC17607839',
              ],
              title: 'Track',
              policy: {
                'ai-input': {
                  decision: 'conditional',
                  conditions: { attribution: 'The Flight', licensees: ['did:web:example.ai', 'example.org'] },
                },
                'train-genai': 'deny',
              },
            },
            {
              ids: ['url-prefix:https://soundcloud.com/the-flight/'],
              policy: {
                'train-ai': {
                  decision: 'conditional',
                  conditions: { attribution: 'The Flight', until: '2027-06-01T00:00:00Z' },
                },
              },
            },
          ],
        },
        { identity: await identityPromise, created },
      ),
    tamper: (m) => {
      const statement = m.credentialSubject.works[0]?.policy?.['ai-input'];
      if (typeof statement !== 'object' || statement.conditions?.licensees === undefined) {
        throw new Error('the conditional case lost its licensees');
      }
      statement.conditions.licensees[0] = 'did:web:evil.example';
    },
  },
  {
    name: 'works in catalog pages (catalog CIDs)',
    make: async () =>
      signManifest(
        {
          default: { 'train-ai': 'deny' },
          works: [
            { ids: ['isrc:USRC17607839'], policy: { search: 'allow' } },
            { ids: ['isrc:USRC17607840'], policy: { search: 'deny' } },
            { ids: ['url:https://soundcloud.com/the-flight/track'] },
          ],
        },
        // A tiny inline budget: the first work stays inline, the rest go to a catalog page.
        { identity: await identityPromise, created, inlineBudgetBytes: 80 },
      ),
    tamper: (m) => {
      const catalog = m.credentialSubject.catalog as string[];
      // Another well-formed CID: the signature must bind exactly the pages that were signed.
      catalog[0] = manifestCid({ other: 'page' });
    },
  },
  {
    name: 'version 2 naming version 1 in previous',
    make: async () => {
      const v1 = await versionOne();
      return signManifest(
        { default: { 'train-genai': 'deny', search: 'deny' }, works: [{ ids: ['isrc:USRC17607839'] }] },
        { identity: await identityPromise, created: '2026-11-27T10:00:00Z', head: v1 },
      );
    },
    tamper: (m) => {
      m.credentialSubject.version = 3;
    },
  },
  {
    name: 'a key commitment and claimed identities (version 1 of a rotatable chain)',
    make: committedVersionOne,
    tamper: (m) => {
      (m.credentialSubject.keyState?.nextKeyHashes as string[])[0] = nextKeyHash('z6MkTamperedKeyHash');
    },
  },
  {
    name: 'a rotation (creator, rotation, a new commitment)',
    make: rotation,
    tamper: (m) => {
      m.credentialSubject.creator = 'did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf';
    },
  },
  {
    name: 'an ordinary version signed by the rotated key',
    make: async () =>
      signManifest(
        { default: { 'train-genai': 'deny', search: 'allow' } },
        { identity: await recoveryPromise, created: '2026-11-28T10:00:00Z', head: await rotation() },
      ),
    tamper: (m) => {
      const hashes = m.credentialSubject.keyState?.nextKeyHashes as string[] | undefined;
      if (hashes === undefined) throw new Error('the rotated case lost its keyState');
      hashes.push(nextKeyHash('z6MkAddedKey'));
    },
  },
];

// ---------------------------------------------------------------------------------------------------

describe('the document loader', () => {
  it('serves our context exactly as ASSENT_CONTEXT_V1 (v1.jsonld and context.ts are identical)', () => {
    expect(assentContextFile).toEqual(ASSENT_CONTEXT_V1);
  });

  it('refuses every URL it does not hold locally', async () => {
    for (const url of [
      'https://w3id.org/security/data-integrity/v2',
      'https://w3id.org/security/multikey/v1',
      'https://www.w3.org/ns/did/v1',
      'https://w3id.org/assent/v2',
      'did:web:example.ai',
    ]) {
      await expect(documentLoader(url)).rejects.toBeInstanceOf(NetworkFetchRefused);
    }
  });

  it('makes jsonld fail on a context it does not hold, so the loader is really in use', async () => {
    await expect(
      jsonld.expand(
        { '@context': 'https://example.org/unknown-context', name: 'x' },
        { documentLoader, safe: true },
      ),
    ).rejects.toThrow();
  });
});

describe.each(cases)('manifest with $name', ({ make, tamper }) => {
  let signed: SignedManifest;
  beforeAll(async () => {
    signed = await make();
  });

  it('verifies with our verifier', async () => {
    expect(await verifyManifest(signed.bytes, { requireCanonical: true })).toMatchObject({ ok: true });
  });

  it('verifies with the standard verifier (@digitalbazaar/vc + eddsa-jcs-2022)', async () => {
    const result = await standardVerify(clone(signed.manifest));
    expect(errorText(result)).toBe('');
    expect(result.verified).toBe(true);
  });

  it('verifies with the standard verifier when parsed straight from the signed bytes', async () => {
    const parsed = JSON.parse(new TextDecoder().decode(signed.bytes)) as object;
    expect((await standardVerify(parsed)).verified).toBe(true);
  });

  it('is rejected by the standard verifier (and by ours) once one value is changed', async () => {
    const changed = clone(signed.manifest);
    tamper(changed);
    expect(changed).not.toEqual(signed.manifest);
    const result = await standardVerify(changed);
    expect(result.verified).toBe(false);
    expect(errorText(result)).toMatch(/Invalid signature/);
    expect(await verifyManifest(changed as unknown as JsonObject)).toMatchObject({ ok: false });
  });

  it('expands in JSON-LD safe mode with every term defined (none dropped, none issuer-dependent)', async () => {
    const expanded = await safeExpand(clone(signed.manifest));
    expect(expanded).toHaveLength(1);
    const root = expanded[0] as Record<string, unknown>;
    expect(root['@type']).toEqual([`${CRED}VerifiableCredential`, `${NS}ConsentManifest`]);

    // Every property, at any depth (proof included), maps to the IRI its vocabulary defines for it.
    for (const iri of propertyIris(expanded)) expect(KNOWN_PROPERTY_IRIS).toContain(iri);

    // Each subject property expanded under our context, with the intended typing.
    const subject = subjectOf(expanded);
    const m = signed.manifest.credentialSubject;
    expect(subject[`${NS}version`]).toEqual([{ '@value': m.version, '@type': XSD_INTEGER }]);
    expect(subject[`${NS}works`]).toEqual([{ '@value': m.works, '@type': '@json' }]);
    if (m.default !== undefined)
      expect(subject[`${NS}defaultPolicy`]).toEqual([{ '@value': m.default, '@type': '@json' }]);
    if (m.previous !== undefined) expect(subject[`${NS}previous`]).toEqual([{ '@value': m.previous }]);
    if (m.catalog !== undefined) {
      expect(subject[`${NS}catalog`]).toEqual([{ '@list': m.catalog.map((cid) => ({ '@value': cid })) }]);
    }
    if (m.keyState !== undefined)
      expect(subject[`${NS}keyState`]).toEqual([{ '@value': m.keyState, '@type': '@json' }]);
    if (m.identities !== undefined)
      expect(subject[`${NS}identities`]).toEqual([{ '@value': m.identities, '@type': '@json' }]);
    if (m.rotation !== undefined)
      expect(subject[`${NS}rotation`]).toEqual([{ '@value': m.rotation, '@type': '@json' }]);
    if (m.creator !== undefined) expect(subject[`${NS}creator`]).toEqual([{ '@id': m.creator }]);
    const expectedSubjectKeys = [
      'version',
      'previous',
      'default',
      'works',
      'catalog',
      'identities',
      'keyState',
      'creator',
      'rotation',
    ].filter((k) => k in m);
    expect(Object.keys(subject)).toHaveLength(expectedSubjectKeys.length);
  });
});

describe('what the checks rest on', () => {
  it('the standard eddsa-jcs-2022 verifier loads no JSON-LD context at all, only the did:key', async () => {
    const signed = await versionOne();
    const asked: string[] = [];
    const didKeyOnly = async (url: string) => {
      asked.push(url);
      if (url.startsWith('did:key:')) return documentLoader(url);
      throw new NetworkFetchRefused(`the did:key-only loader refuses ${url}`);
    };
    const result = await vc.verifyCredential({
      credential: clone(signed.manifest),
      suite: verifySuite(),
      documentLoader: didKeyOnly,
      now,
    });
    expect(errorText(result)).toBe('');
    expect(result.verified).toBe(true);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((url) => url.startsWith('did:key:'))).toBe(true);
  });

  it('safe mode rejects an undefined term (the VC v2 context has no @vocab fallback)', async () => {
    const signed = await versionOne();
    const withUnknown = clone(signed.manifest) as unknown as { credentialSubject: Record<string, unknown> };
    withUnknown.credentialSubject.notAnAssentTerm = 'x';
    await expect(safeExpand(withUnknown)).rejects.toThrow(/safe mode/i);
    const topLevel = { ...clone(signed.manifest), notAnAssentTerm: 'x' };
    await expect(safeExpand(topLevel)).rejects.toThrow(/safe mode/i);
  });

  it('the standard verifier refuses a manifest whose validity period does not cover its clock', async () => {
    const signed = await versionOne();
    const early = await vc.verifyCredential({
      credential: clone(signed.manifest),
      suite: verifySuite(),
      documentLoader,
      now: '2026-11-01T00:00:00Z',
    });
    expect(early.verified).toBe(false);
    const late = await vc.verifyCredential({
      credential: clone(signed.manifest),
      suite: verifySuite(),
      documentLoader,
      now: '2028-01-01T00:00:00Z',
    });
    expect(late.verified).toBe(false);
  });
});

describe('the case-specific content really is present', () => {
  it('covers conditions, catalog CIDs and a previous link', async () => {
    const [, conditional, catalog, v2] = await Promise.all(cases.map((c) => c.make()));
    const statement = conditional?.manifest.credentialSubject.works[0]?.policy?.['ai-input'];
    expect(statement).toMatchObject({ decision: 'conditional', conditions: { attribution: 'The Flight' } });
    expect(catalog?.manifest.credentialSubject.catalog).toHaveLength(1);
    expect(catalog?.manifest.credentialSubject.works).toHaveLength(1);
    expect(v2?.version).toBe(2);
    expect(v2?.previous).toMatch(/^bagaaiera/);
  });
});

describe('reverse direction: signed by the standard library, verified by ours', () => {
  /** The key pair of the seed whose bytes are all `fill` (1: the creator's, 2: its recovery key). */
  async function standardKeyPair(fill = 1) {
    const me = await identityFromSecretKey(new Uint8Array(32).fill(fill));
    const keyPair = await Ed25519Multikey.generate({
      seed: new Uint8Array(32).fill(fill),
      controller: me.did,
    });
    return { me, keyPair };
  }

  async function standardSign(credential: object, date: string, fill = 1) {
    const { keyPair } = await standardKeyPair(fill);
    const suite = new DataIntegrityProof({
      signer: keyPair.signer(),
      date,
      cryptosuite: createSignCryptosuite(),
    });
    return vc.issue({ credential, suite, documentLoader, now });
  }

  it('derives the same did:key and verification method from the same seed', async () => {
    const { me, keyPair } = await standardKeyPair();
    expect(keyPair.id).toBe(me.verificationMethod);
    const { didDocument } = await didKeyDriver.fromKeyPair({ verificationKeyPair: keyPair });
    expect(didDocument.id).toBe(me.did);
    expect(didDocument.assertionMethod).toEqual([me.verificationMethod]);
  });

  it.each(cases)(
    'a manifest with $name: same signature, same CID, verifies with verifyProof and verifyManifest',
    async ({ make }) => {
      const ours = await make();
      const { proof, ...unsigned } = clone(ours.manifest);
      if (proof === undefined) throw new Error('signed manifest without proof');

      // The rotation cases are signed by the recovery key (seed 2), the rest by the creator's (seed 1).
      const fill = ours.issuer === (await recoveryPromise).did ? 2 : 1;
      const theirs = await standardSign(unsigned, proof.created, fill);
      expect((theirs.proof as { proofValue: unknown }).proofValue).toBe(proof.proofValue);
      expect(manifestCid(theirs as JsonObject)).toBe(ours.cid);

      const verified = await verifyProof(theirs as JsonObject);
      expect(verified).toMatchObject({
        ok: true,
        value: { controller: ours.issuer, proofPurpose: 'assertionMethod' },
      });
      expect(await verifyManifest(theirs as JsonObject)).toMatchObject({
        ok: true,
        value: { cid: ours.cid },
      });
    },
  );

  it('a general VC (not a manifest) signed by the standard library verifies with verifyProof; a change breaks it', async () => {
    const { me } = await standardKeyPair();
    const credential = {
      '@context': [VC_V2_CONTEXT_URL],
      type: ['VerifiableCredential'],
      issuer: me.did,
      validFrom: '2026-11-26T10:00:00Z',
      credentialSubject: { id: 'did:web:example.ai', name: 'Example AI' },
    };
    const signed = await standardSign(credential, '2026-11-26T10:00:00Z');
    expect((await standardVerify(signed)).verified).toBe(true);
    expect(await verifyProof(signed as JsonObject)).toMatchObject({
      ok: true,
      value: { controller: me.did },
    });

    const changed = clone(signed);
    (changed.credentialSubject as { name: string }).name = 'Someone Else';
    expect(await verifyProof(changed as JsonObject)).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
  });
});

describe('no network', () => {
  it('asked the loader only for local documents, and never called fetch', () => {
    const served = requested.filter(
      (url) => url === VC_V2_CONTEXT_URL || url === ASSENT_CONTEXT_V1_URL || url.startsWith('did:key:'),
    );
    expect(served.length).toBeGreaterThan(0);
    // The only refusals are the ones the loader test provoked on purpose.
    expect(requested.filter((url) => !served.includes(url)).sort()).toEqual(
      [
        'did:web:example.ai',
        'https://example.org/unknown-context',
        'https://w3id.org/assent/v2',
        'https://w3id.org/security/data-integrity/v2',
        'https://w3id.org/security/multikey/v1',
        'https://www.w3.org/ns/did/v1',
      ].sort(),
    );
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
