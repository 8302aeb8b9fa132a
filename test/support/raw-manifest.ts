/**
 * Signed manifests and catalog pages of shapes `signManifest` refuses to make (it checks its drafts):
 * for tests of what a registry or a verifier does with a creator-signed document that breaks the spec.
 */
import { canonicalBytes, type Identity, type JsonObject, MANIFEST_CONTEXT } from '@assent/manifest';
import { createProof } from '@assent/manifest/data-integrity';

/** Signs a hand-built `credentialSubject` as the creator's manifest; answers its canonical bytes. */
export async function signRaw(identity: Identity, subject: JsonObject): Promise<Uint8Array> {
  const unsigned: JsonObject = {
    '@context': [...MANIFEST_CONTEXT],
    type: ['VerifiableCredential', 'ConsentManifest'],
    issuer: identity.did,
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: subject,
  };
  const signed = await createProof(unsigned, {
    secretKey: identity.secretKey,
    verificationMethod: identity.verificationMethod,
    created: '2026-01-01T00:00:00Z',
  });
  return canonicalBytes(signed);
}

/** A catalog page of `issuer`: one work per entry, an id alone or an id with its policy. */
export function rawPage(issuer: string, works: readonly (string | JsonObject)[]): Uint8Array {
  return canonicalBytes({
    issuer,
    type: 'ConsentCatalogPage',
    works: works.map((work) => (typeof work === 'string' ? { ids: [work] } : work)),
  });
}
