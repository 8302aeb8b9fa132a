/**
 * W3C Data Integrity EdDSA Cryptosuites v1.0, cryptosuite `eddsa-jcs-2022` (§3.3), over any JSON-LD
 * document. JCS (RFC 8785) needs no JSON-LD processing, so verification never fetches a context.
 *
 * Only `did:key` verification methods are resolved (no network); a proof naming anything else fails
 * with `DID_MALFORMED` or `DID_UNSUPPORTED_KEY_TYPE`.
 */

import { base58btc } from 'multiformats/bases/base58';
import { type DidKey, parseVerificationMethodForSignature } from '../did-key.js';
import { checkPublicKey, isCanonicalScalar, signEd25519, verifyEd25519 } from '../ed25519.js';
import { fail, ok, type Result } from '../errors.js';
import { canonicalBytes, canonicalize } from '../jcs.js';
import { sha256 } from '../sha256.js';
import { type JsonObject, type JsonValue, parseJson } from '../strict-json.js';

export const DATA_INTEGRITY_PROOF = 'DataIntegrityProof';
export const EDDSA_JCS_2022 = 'eddsa-jcs-2022';

/** Options of {@link createProof}. */
export interface CreateProofOptions {
  /** The 32-byte Ed25519 secret key (seed). */
  readonly secretKey: Uint8Array;
  /** The verification method id, e.g. `did:key:z6Mk…#z6Mk…`. */
  readonly verificationMethod: string;
  /** An XML Schema dateTimeStamp; defaults to now, to the second. */
  readonly created?: string;
  /** Defaults to `assertionMethod`. */
  readonly proofPurpose?: string;
}

/** Options of {@link verifyProof}. */
export interface VerifyProofOptions {
  /** The purpose the proof must state; defaults to `assertionMethod`. */
  readonly expectedProofPurpose?: string;
}

/** What a valid proof says. */
export interface VerifiedProof {
  readonly verificationMethod: string;
  /** The DID that controls the verification method. */
  readonly controller: string;
  readonly publicKey: Uint8Array;
  readonly proofPurpose: string;
  readonly created: string | undefined;
}

/** The intermediate values of §3.3.4–§3.3.5, exposed for conformance tests against the W3C vectors. */
export interface ProofInputs {
  readonly canonicalDocument: Uint8Array;
  readonly canonicalProofConfig: Uint8Array;
  /** SHA-256(canonical proof config) ‖ SHA-256(canonical document), 64 bytes. */
  readonly hashData: Uint8Array;
}

const DATE_TIME_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Transformation and hashing (§3.3.4 and §3.3.5): JCS of the unsecured document and of the proof
 * configuration, each hashed with SHA-256, proof-configuration hash first.
 */
export function proofInputs(unsecuredDocument: JsonObject, proofConfig: JsonObject): ProofInputs {
  const canonicalDocument = canonicalBytes(unsecuredDocument);
  const canonicalProofConfig = canonicalBytes(proofConfig);
  const hashData = new Uint8Array(64);
  hashData.set(sha256(canonicalProofConfig), 0);
  hashData.set(sha256(canonicalDocument), 32);
  return { canonicalDocument, canonicalProofConfig, hashData };
}

function nowToTheSecond(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

/**
 * Adds an `eddsa-jcs-2022` DataIntegrityProof to a document (§3.3.1 Create Proof). The proof
 * configuration carries the document's `@context` (§3.3.6), as the 2025 vectors do.
 * @throws TypeError if the document already has a proof or is not a JSON object.
 * @example
 * const signed = await createProof(credential, { secretKey, verificationMethod: me.verificationMethod });
 */
export async function createProof(document: JsonObject, options: CreateProofOptions): Promise<JsonObject> {
  if (!isObject(document)) throw new TypeError('createProof expects a JSON object');
  if ('proof' in document)
    throw new TypeError('the document already has a proof; proof sets are not supported');
  const created = options.created ?? nowToTheSecond();
  if (!DATE_TIME_STAMP.test(created)) throw new RangeError('created must be an XML Schema dateTimeStamp');
  const proofConfig: { [key: string]: JsonValue } = {
    type: DATA_INTEGRITY_PROOF,
    cryptosuite: EDDSA_JCS_2022,
    created,
    verificationMethod: options.verificationMethod,
    proofPurpose: options.proofPurpose ?? 'assertionMethod',
  };
  const context = document['@context'];
  if (context !== undefined) proofConfig['@context'] = context;
  const { hashData } = proofInputs(document, proofConfig);
  const signature = await signEd25519(hashData, options.secretKey);
  return { ...document, proof: { ...proofConfig, proofValue: base58btc.encode(signature) } };
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => sameJson(x, b[i] as JsonValue))
    );
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => k in b && sameJson(a[k] as JsonValue, b[k] as JsonValue))
    );
  }
  return false;
}

/**
 * §3.3.2 step 4: when the proof names a context, the document's context must begin with the same
 * entries in the same order, and the proof's context is then used for the document.
 */
function checkContext(unsecured: JsonObject, proofContext: JsonValue): Result<JsonObject> {
  const asList = (v: JsonValue | undefined): JsonValue[] =>
    v === undefined ? [] : Array.isArray(v) ? v : [v];
  const documentContext = asList(unsecured['@context']);
  const required = asList(proofContext);
  if (
    required.length > documentContext.length ||
    !required.every((entry, i) => sameJson(entry, documentContext[i] as JsonValue))
  ) {
    return fail('PROOF_CONTEXT_MISMATCH', "the document's @context does not start with the proof's @context");
  }
  return ok({ ...unsecured, '@context': proofContext });
}

/**
 * Verifies an `eddsa-jcs-2022` DataIntegrityProof (§3.3.2 Verify Proof). Takes a parsed document, or
 * untrusted JSON text or bytes, which are parsed strictly first. Never throws for bad input.
 * @example
 * const result = await verifyProof(signed);
 * if (!result.ok) console.error(result.code, result.message);
 */
export async function verifyProof(
  document: JsonObject | string | Uint8Array,
  options: VerifyProofOptions = {},
): Promise<Result<VerifiedProof>> {
  let secured: JsonValue;
  if (typeof document === 'string' || document instanceof Uint8Array) {
    const parsed = parseJson(document);
    if (!parsed.ok) return parsed;
    secured = parsed.value;
  } else {
    secured = document;
  }
  return verifySecuredDocument(secured, options.expectedProofPurpose ?? 'assertionMethod');
}

/**
 * The body of {@link verifyProof} for a parsed document. Not part of the public subpath: callers that
 * already hold the canonical form of the document (the full secured document, as a manifest verifier
 * does to compute its CID) pass it so the unsecured part is not canonicalized a second time.
 * @internal
 */
export async function verifySecuredDocument(
  secured: JsonValue,
  expectedPurpose: string,
  canonicalSecured?: string,
): Promise<Result<VerifiedProof>> {
  if (!isObject(secured)) return fail('PROOF_MALFORMED', 'a secured document is a JSON object');
  const { proof, ...unsecured } = secured;
  if (proof === undefined) return fail('PROOF_MISSING', 'the document has no proof', '/proof');
  if (!isObject(proof)) {
    return fail(
      'PROOF_MALFORMED',
      'proof sets and chains are not supported: proof must be one object',
      '/proof',
    );
  }
  const { proofValue, ...proofConfig } = proof;
  if (proofConfig.type !== DATA_INTEGRITY_PROOF || proofConfig.cryptosuite !== EDDSA_JCS_2022) {
    return fail(
      'PROOF_UNSUPPORTED_CRYPTOSUITE',
      `only ${DATA_INTEGRITY_PROOF} with ${EDDSA_JCS_2022} is supported`,
      '/proof',
    );
  }
  if (proofConfig.proofPurpose !== expectedPurpose) {
    return fail(
      'PROOF_PURPOSE_MISMATCH',
      `the proof purpose must be ${expectedPurpose}`,
      '/proof/proofPurpose',
    );
  }
  const created = proofConfig.created;
  if (created !== undefined && (typeof created !== 'string' || !DATE_TIME_STAMP.test(created))) {
    return fail('PROOF_MALFORMED', 'proof.created must be a dateTimeStamp', '/proof/created');
  }
  if (typeof proofConfig.verificationMethod !== 'string') {
    return fail('PROOF_MALFORMED', 'proof.verificationMethod must be a string', '/proof/verificationMethod');
  }
  // The key's curve check rides on the signature check (verifyEd25519); when anything below fails,
  // the full key check answers first, so the code is the one a full parse of the method gives.
  const method = parseVerificationMethodForSignature(proofConfig.verificationMethod);
  if (!method.ok) return { ...method, path: '/proof/verificationMethod' };
  const verified = await verifyWithMethod(
    method.value,
    unsecured,
    proof,
    proofConfig,
    proofValue,
    canonicalSecured,
  );
  if (verified.ok)
    return ok(verifiedProof(method.value, proofConfig.verificationMethod, expectedPurpose, created));
  const key = checkPublicKey(method.value.publicKey);
  return key.ok ? verified : { ...key, path: '/proof/verificationMethod' };
}

/** The rest of {@link verifySecuredDocument} once the verification method is parsed. */
async function verifyWithMethod(
  method: DidKey,
  unsecured: JsonObject,
  proof: JsonObject,
  proofConfig: JsonObject,
  proofValue: JsonValue | undefined,
  canonicalSecured: string | undefined,
): Promise<Result<true>> {
  const signature = decodeProofValue(proofValue);
  if (!signature.ok) return signature;
  // RFC 8032 §5.1.7 / §8.4: reject S ≥ L, which would make signatures malleable.
  if (!isCanonicalScalar(signature.value)) {
    return fail(
      'SIGNATURE_NOT_CANONICAL',
      'the signature scalar S is not below the group order',
      '/proof/proofValue',
    );
  }
  let unsecuredDocument: JsonObject = unsecured;
  let canonicalDocument: Uint8Array | undefined;
  if (proofConfig['@context'] !== undefined) {
    const contextual = checkContext(unsecured, proofConfig['@context']);
    if (!contextual.ok) return contextual;
    unsecuredDocument = contextual.value;
    // The document's context is replaced only when it differs; when equal, the given form still holds.
    if (
      canonicalSecured !== undefined &&
      sameJson(proofConfig['@context'], unsecured['@context'] as JsonValue)
    ) {
      canonicalDocument = withoutProof(canonicalSecured, proof);
    }
  } else if (canonicalSecured !== undefined) {
    canonicalDocument = withoutProof(canonicalSecured, proof);
  }
  const canonicalProofConfig = canonicalBytes(proofConfig);
  const hashData = new Uint8Array(64);
  hashData.set(sha256(canonicalProofConfig), 0);
  hashData.set(sha256(canonicalDocument ?? canonicalBytes(unsecuredDocument)), 32);
  const valid = await verifyEd25519(signature.value, hashData, method.publicKey);
  if (!valid) return fail('SIGNATURE_INVALID', 'the signature does not verify', '/proof/proofValue');
  return ok(true);
}

/**
 * Members that may follow `proof` in a canonical document for the cut below to be safe: plain strings
 * and arrays of strings, so no later member can hold a nested copy of the proof's text.
 */
const TRAILING_MEMBERS =
  /^(?:,"(?:type|validFrom|validUntil)":(?:"[^"\\]*"|\[(?:"[^"\\]*"(?:,"[^"\\]*")*)?\]))*\}$/;

/**
 * The canonical form of a document without its `proof` member, cut from the canonical form of the whole.
 * JCS serializes an object's members in sorted order, so removing one member's text leaves exactly the
 * canonical form of the rest — provided the cut is the top-level member. That is certain when nothing
 * after it can contain an object ({@link TRAILING_MEMBERS}); otherwise this returns undefined and the
 * caller canonicalizes the unsecured document itself.
 */
function withoutProof(canonicalSecured: string, proof: JsonObject): Uint8Array | undefined {
  const member = `,"proof":${canonicalize(proof)}`;
  const at = canonicalSecured.lastIndexOf(member);
  if (at < 0) return undefined;
  const rest = canonicalSecured.slice(at + member.length);
  if (!TRAILING_MEMBERS.test(rest)) return undefined;
  return new TextEncoder().encode(canonicalSecured.slice(0, at) + rest);
}

function verifiedProof(
  method: DidKey,
  id: string,
  purpose: string,
  created: JsonValue | undefined,
): VerifiedProof {
  return {
    verificationMethod: id,
    controller: method.did,
    publicKey: method.publicKey,
    proofPurpose: purpose,
    created: typeof created === 'string' ? created : undefined,
  };
}

function decodeProofValue(value: JsonValue | undefined): Result<Uint8Array> {
  if (typeof value !== 'string' || !value.startsWith('z') || value.length > 100) {
    return fail(
      'SIGNATURE_MALFORMED',
      'proofValue must be a multibase base58btc string',
      '/proof/proofValue',
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(value);
  } catch {
    return fail('SIGNATURE_MALFORMED', 'proofValue is not valid base58btc', '/proof/proofValue');
  }
  if (bytes.length !== 64)
    return fail('SIGNATURE_MALFORMED', 'an Ed25519 signature is 64 bytes', '/proof/proofValue');
  return ok(bytes);
}
