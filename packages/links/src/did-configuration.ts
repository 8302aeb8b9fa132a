import {
  type JsonObject,
  type JsonValue,
  parseDidKey,
  parseJson,
  parseVerificationMethod,
  verifyEd25519,
} from '@assent/manifest';
import { verifyProof } from '@assent/manifest/data-integrity';
import type { LinkReason } from './link-reasons.js';

/**
 * DIF Well Known DID Configuration v1.0 (identity.foundation/.well-known/resources/did-configuration):
 * `/.well-known/did-configuration.json` holds `linked_dids`, Domain Linkage Credentials whose subject is
 * a DID and the origin, issued by that DID. Both formats are read:
 *
 * - **JWT** (`alg: EdDSA`, `kid` a did:key verification method): the signature over `header.payload`
 *   is checked with our strict RFC 8032 Ed25519 verifier; `iss` = `sub` = the DID, `nbf`/`exp` bound
 *   the time, `vc.credentialSubject` names the DID and the origin.
 * - **JSON-LD**: only a Data Integrity proof with `eddsa-jcs-2022` can be checked here (our verifier).
 *   The spec's own example uses `Ed25519Signature2018`, a detached JWS over the URDNA2015 RDF
 *   canonical form; that needs RDF canonicalization and the remote contexts, which a node does not
 *   fetch, so such an entry is `LINK_CREDENTIAL_UNSUPPORTED`, never accepted.
 *
 * The origin is compared as `https://host`: the spec writes it with the scheme, its JWT example
 * without (`identity.foundation`), so both spellings of the domain's own origin are accepted.
 */

/** The context a DID Configuration resource names. */
export const DID_CONFIGURATION_CONTEXT = 'https://identity.foundation/.well-known/did-configuration/v1';

/** What a DID Configuration resource says about one DID. */
export type DidConfigurationVerdict =
  | { readonly ok: true; readonly format: 'jwt' | 'json-ld' }
  | { readonly ok: false; readonly reason: LinkReason; readonly message: string };

/** Options of {@link checkDidConfiguration}. */
export interface DidConfigurationOptions {
  /** The DID that must be linked. */
  readonly did: string;
  /** The domain the resource was fetched from. */
  readonly domain: string;
  /** The time the credentials must be valid at. */
  readonly at: Date;
}

type EntryVerdict = DidConfigurationVerdict | { readonly ok: 'not-ours' };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `https://host`, `https://host/` and the bare `host` all name the origin `https://host`. */
function originMatches(origin: JsonValue | undefined, domain: string): boolean {
  if (typeof origin !== 'string') return false;
  try {
    const url = new URL(origin.includes('://') ? origin : `https://${origin}`);
    return (
      url.protocol === 'https:' &&
      url.hostname === domain &&
      url.port === '' &&
      (url.pathname === '/' || url.pathname === '')
    );
  } catch {
    return false;
  }
}

function hasType(value: JsonValue | undefined, type: string): boolean {
  return Array.isArray(value) ? value.includes(type) : value === type;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function base64url(part: string): Uint8Array | undefined {
  return BASE64URL.test(part) ? new Uint8Array(Buffer.from(part, 'base64url')) : undefined;
}

function jsonPart(part: string): JsonObject | undefined {
  const bytes = base64url(part);
  if (bytes === undefined) return undefined;
  const parsed = parseJson(bytes, { maxBytes: 65_536 });
  return parsed.ok && isObject(parsed.value) ? parsed.value : undefined;
}

const invalid = (message: string): EntryVerdict => ({
  ok: false,
  reason: 'LINK_CREDENTIAL_INVALID',
  message,
});

/** A JWT Domain Linkage Credential (DIF §"JSON Web Token Proof Format"). */
async function checkJwt(jwt: string, options: DidConfigurationOptions): Promise<EntryVerdict> {
  // An entry that cannot be read cannot be said to be anyone's: it is skipped like another DID's.
  const parts = jwt.split('.');
  if (parts.length !== 3) return { ok: 'not-ours' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = jsonPart(headerPart);
  const payload = jsonPart(payloadPart);
  const signature = base64url(signaturePart);
  if (header === undefined || payload === undefined || signature === undefined) return { ok: 'not-ours' };
  if (payload.iss !== options.did && payload.sub !== options.did) return { ok: 'not-ours' };
  if (header.alg !== 'EdDSA' || typeof header.kid !== 'string')
    return {
      ok: false,
      reason: 'LINK_CREDENTIAL_UNSUPPORTED',
      message: `JWT alg ${String(header.alg)} is not EdDSA with a kid`,
    };
  const method = parseVerificationMethod(header.kid);
  if (!method.ok || method.value.did !== options.did) return invalid('the JWT kid is not a key of the DID');
  if (payload.iss !== options.did || payload.sub !== options.did)
    return invalid('iss and sub must both be the DID');
  const now = options.at.getTime() / 1000;
  if (typeof payload.exp !== 'number' || payload.exp <= now) return invalid('the JWT has expired (exp)');
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now))
    return invalid('the JWT is not valid yet (nbf)');
  const vc = payload.vc;
  if (!isObject(vc) || !hasType(vc.type, 'DomainLinkageCredential'))
    return invalid('vc is not a DomainLinkageCredential');
  const subject = vc.credentialSubject;
  if (!isObject(subject) || subject.id !== options.did)
    return invalid('vc.credentialSubject.id is not the DID');
  if (!originMatches(subject.origin, options.domain))
    return invalid(`vc.credentialSubject.origin is not https://${options.domain}`);
  const message = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
  if (signature.length !== 64 || !(await verifyEd25519(signature, message, method.value.publicKey)))
    return invalid('the JWT signature does not verify');
  return { ok: true, format: 'jwt' };
}

/** A JSON-LD Domain Linkage Credential; only eddsa-jcs-2022 proofs can be checked. */
async function checkJsonLd(credential: JsonObject, options: DidConfigurationOptions): Promise<EntryVerdict> {
  const subject = credential.credentialSubject;
  if (credential.issuer !== options.did && !(isObject(subject) && subject.id === options.did))
    return { ok: 'not-ours' };
  const proof = credential.proof;
  if (!isObject(proof) || proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== 'eddsa-jcs-2022') {
    const kind = isObject(proof) ? String(proof.cryptosuite ?? proof.type) : 'none';
    return {
      ok: false,
      reason: 'LINK_CREDENTIAL_UNSUPPORTED',
      message: `a JSON-LD credential with a ${kind} proof cannot be checked here (only eddsa-jcs-2022)`,
    };
  }
  if (!hasType(credential.type, 'DomainLinkageCredential')) return invalid('not a DomainLinkageCredential');
  if (credential.issuer !== options.did || !isObject(subject) || subject.id !== options.did)
    return invalid('issuer and credentialSubject.id must both be the DID');
  if (!originMatches(subject.origin, options.domain))
    return invalid(`credentialSubject.origin is not https://${options.domain}`);
  const now = options.at.getTime();
  const from = credential.validFrom ?? credential.issuanceDate;
  const until = credential.validUntil ?? credential.expirationDate;
  if (typeof from !== 'string' || !(Date.parse(from) <= now))
    return invalid('the credential is not valid yet');
  if (until !== undefined && (typeof until !== 'string' || !(Date.parse(until) > now)))
    return invalid('the credential has expired');
  const verified = await verifyProof(credential);
  if (!verified.ok) return invalid(`the proof does not verify (${verified.code})`);
  if (verified.value.controller !== options.did) return invalid('the proof was not made with the DID');
  return { ok: true, format: 'json-ld' };
}

/**
 * Checks a DID Configuration resource (the fetched bytes) for a Domain Linkage Credential of `did` for
 * the domain. Ok when one verifies; otherwise the most telling failure: an invalid credential of the
 * DID, an unsupported one, or `LINK_NOT_NAMED` when no entry names the DID.
 */
export async function checkDidConfiguration(
  bytes: Uint8Array,
  options: DidConfigurationOptions,
): Promise<DidConfigurationVerdict> {
  if (!parseDidKey(options.did).ok) throw new TypeError('checkDidConfiguration expects a did:key');
  const parsed = parseJson(bytes, { maxBytes: bytes.length + 1 });
  if (!parsed.ok) return { ok: false, reason: 'LINK_MALFORMED', message: `not strict JSON: ${parsed.code}` };
  const resource = parsed.value;
  if (!isObject(resource) || !Array.isArray(resource.linked_dids))
    return {
      ok: false,
      reason: 'LINK_MALFORMED',
      message: 'not a DID Configuration resource (no linked_dids)',
    };
  const context = resource['@context'];
  if (
    context !== DID_CONFIGURATION_CONTEXT &&
    !(Array.isArray(context) && context.includes(DID_CONFIGURATION_CONTEXT))
  )
    return { ok: false, reason: 'LINK_MALFORMED', message: `@context is not ${DID_CONFIGURATION_CONTEXT}` };
  let best: DidConfigurationVerdict = {
    ok: false,
    reason: 'LINK_NOT_NAMED',
    message: 'no linked credential names the DID',
  };
  for (const entry of resource.linked_dids.slice(0, 64)) {
    const verdict =
      typeof entry === 'string'
        ? await checkJwt(entry, options)
        : isObject(entry)
          ? await checkJsonLd(entry, options)
          : undefined;
    if (verdict === undefined || verdict.ok === 'not-ours') continue;
    if (verdict.ok) return verdict;
    // An invalid credential of the DID says more than an unsupported one, which says more than none.
    if (
      best.ok === false &&
      (best.reason === 'LINK_NOT_NAMED' || verdict.reason === 'LINK_CREDENTIAL_INVALID')
    )
      best = verdict;
  }
  return best;
}
