/**
 * The JSON-LD contexts a manifest names. The Assent context ships in this package as
 * `context/v1.jsonld` (export `@assent/manifest/context/v1.jsonld`); {@link ASSENT_CONTEXT_V1} is the
 * same document, so a verifier's document loader can serve it without any network fetch.
 */

/** The VC Data Model 2.0 base context. */
export const VC_V2_CONTEXT_URL = 'https://www.w3.org/ns/credentials/v2';

/** The URL manifests name the Assent v1 context by. It is an identifier: verification never fetches it. */
export const ASSENT_CONTEXT_V1_URL = 'https://w3id.org/assent/v1';

const NS = 'https://w3id.org/assent#';

/**
 * The Assent v1 JSON-LD context. Policies, works and conditions are JSON literals (`@json`): their
 * keys are Assent vocabulary terms, and treating them as literals keeps JSON-LD processors from
 * needing a term for every use and condition name. Identities, the key commitment and a rotation
 * are literals for the same reason; `creator` names the creator's first did:key as an IRI.
 */
export const ASSENT_CONTEXT_V1 = {
  '@context': {
    '@protected': true,
    ConsentManifest: `${NS}ConsentManifest`,
    ConsentCatalogPage: `${NS}ConsentCatalogPage`,
    version: { '@id': `${NS}version`, '@type': 'http://www.w3.org/2001/XMLSchema#integer' },
    previous: { '@id': `${NS}previous` },
    default: { '@id': `${NS}defaultPolicy`, '@type': '@json' },
    works: { '@id': `${NS}works`, '@type': '@json' },
    catalog: { '@id': `${NS}catalog`, '@container': '@list' },
    identities: { '@id': `${NS}identities`, '@type': '@json' },
    keyState: { '@id': `${NS}keyState`, '@type': '@json' },
    creator: { '@id': `${NS}creator`, '@type': '@id' },
    rotation: { '@id': `${NS}rotation`, '@type': '@json' },
  },
} as const;

/** The `@context` every Assent manifest carries, in this order. */
export const MANIFEST_CONTEXT = [VC_V2_CONTEXT_URL, ASSENT_CONTEXT_V1_URL] as const;
