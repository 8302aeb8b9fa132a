/**
 * Attestations (docs/spec/attestation.md): a third party — a label, a distributor, a collecting society,
 * an ISRC agency, a platform — states that a creator's DID speaks for some ISRCs, ISRC registrant
 * prefixes or URL prefixes. A VC 2.0 `["VerifiableCredential", "AssentAttestation"]` secured with
 * `eddsa-jcs-2022` by the attester's did:key. Whether an attester is trusted is the verifier's trust
 * list, not this module: a valid attestation by anyone verifies here, and `binding-scope.ts` gives it a
 * level only when its issuer is trusted. Runs in browsers and Node.
 */
import * as z from 'zod/mini';
import { MANIFEST_CONTEXT } from './context.js';
import { codedIssue, dateTimeSchema, proofShapeSchema } from './credential-parts.js';
import { createProof, verifySecuredDocument } from './data-integrity/eddsa-jcs-2022.js';
import { type Identity, parseDidKey } from './did-key.js';
import { AssentError, type ErrorCode, fail, ok, type Result } from './errors.js';
import { canonicalBytes, canonicalize } from './jcs.js';
import { blockCid } from './manifest.js';
import { failureFromZod, MAX_BLOCK_BYTES } from './schema.js';
import { type JsonObject, type JsonValue, parseJson } from './strict-json.js';
import { normalizeWorkId } from './work-id.js';

/** The credential type of an attestation. */
export const ATTESTATION_TYPE = 'AssentAttestation';
/** The most ISRCs one attestation names (a label's catalogue for one artist fits; a larger one is split). */
export const MAX_ATTESTED_ISRCS = 10_000;
/** The most ISRC registrant prefixes, and separately the most URL prefixes, one attestation names. */
export const MAX_ATTESTED_PREFIXES = 256;
/** The largest attestation, in canonical bytes: one block, like a manifest. */
export const MAX_ATTESTATION_BYTES = MAX_BLOCK_BYTES;

/** A role token: what the creator is to the attested works (`artist`, `label`, `publisher`, …). */
const ROLE = /^[a-z][a-z0-9-]{0,63}$/;
/** ISO 3901 country code and registrant code, printed form `CC-XXX`. */
const ISRC_PREFIX = /^[A-Z]{2}-[A-Z0-9]{3}$/;
const ISRC_PREFIX_INPUT = /^[A-Za-z0-9 -]{5,16}$/;

/** What an attestation says about the creator. At least one of the three scopes is present. */
export interface AttestationSubject {
  /** The creator's did:key. */
  readonly id: string;
  /** ISRCs in normal form without the `isrc:` kind: 12 upper-case characters, `USRC17607839`. */
  readonly isrcs?: readonly string[] | undefined;
  /** ISRC registrant prefixes `CC-XXX` (country and registrant code): every ISRC that starts with one. */
  readonly isrcPrefixes?: readonly string[] | undefined;
  /** URL prefixes in `url-prefix:` normal form without the kind: `https://soundcloud.com/the-flight/`. */
  readonly urlPrefixes?: readonly string[] | undefined;
  /** What the creator is to these works. */
  readonly role?: string | undefined;
}

/** A signed attestation credential. */
export interface AssentAttestation {
  readonly '@context': readonly string[];
  readonly type: readonly ['VerifiableCredential', 'AssentAttestation'];
  readonly issuer: string;
  readonly validFrom: string;
  readonly validUntil?: string | undefined;
  readonly credentialSubject: AttestationSubject;
  readonly proof?: JsonObject | undefined;
}

/** An attestation whose form, signature and validity period have been checked. */
export interface VerifiedAttestation {
  readonly attestation: AssentAttestation;
  /** CID of the canonical bytes (CIDv1, json, sha2-256), as a node stores it. */
  readonly cid: string;
  readonly bytes: Uint8Array;
  /** The attester's did:key. */
  readonly issuer: string;
  /** The creator's did:key. */
  readonly subject: string;
  readonly isrcs: readonly string[];
  readonly isrcPrefixes: readonly string[];
  readonly urlPrefixes: readonly string[];
  readonly role: string | undefined;
  readonly validFrom: string;
  readonly validUntil: string | undefined;
}

/** What an attester writes: ids in any accepted spelling; {@link signAttestation} normalizes them. */
export interface AttestationDraft {
  /** The creator's did:key. */
  readonly subject: string;
  /** ISRCs: `US-RC1-76-07839`, `usrc17607839`, `isrc:USRC17607839`, `ISRC USRC17607839`. */
  readonly isrcs?: Iterable<string>;
  /** Registrant prefixes: `US-RC1`, `usrc1`. */
  readonly isrcPrefixes?: Iterable<string>;
  /** URL prefixes: any http(s) URL; a `/` is added to a path that lacks one. */
  readonly urlPrefixes?: Iterable<string>;
  readonly role?: string;
  /** Defaults to the signing time. */
  readonly validFrom?: string;
  readonly validUntil?: string;
}

/** Options of {@link signAttestation}. */
export interface SignAttestationOptions {
  /** The attester's identity (its secret key signs). */
  readonly identity: Pick<Identity, 'did' | 'verificationMethod' | 'secretKey'>;
  /** Proof creation time, and `validFrom` unless the draft sets one. Defaults to now, to the second. */
  readonly created?: string;
}

/** Options of {@link verifyAttestation}. */
export interface VerifyAttestationOptions {
  /** The instant the attestation must be valid at; defaults to now. */
  readonly at?: Date;
}

const issue = codedIssue;

/** A string checked by `check`, which reports a failure with its own code. */
function checkedString(check: (value: string) => Result<unknown> | undefined) {
  return z.string().check(
    z.superRefine((value: string, ctx) => {
      const result = check(value);
      if (result !== undefined && !result.ok) issue(ctx, result.code, result.message);
    }),
  );
}

function normalIsrc(value: string): Result<unknown> {
  const normalized = normalizeWorkId(`isrc:${value}`);
  if (!normalized.ok) return normalized;
  return normalized.value === `isrc:${value}`
    ? ok(value)
    : fail('WORK_ID_NOT_NORMALIZED', `an attested ISRC is in normal form: ${normalized.value.slice(5)}`);
}

function normalUrlPrefix(value: string): Result<unknown> {
  const normalized = normalizeWorkId(`url-prefix:${value}`);
  if (!normalized.ok) return normalized;
  return normalized.value === `url-prefix:${value}`
    ? ok(value)
    : fail(
        'WORK_ID_NOT_NORMALIZED',
        `an attested URL prefix is in normal form: ${normalized.value.slice(11)}`,
      );
}

function normalIsrcPrefix(value: string): Result<unknown> {
  if (ISRC_PREFIX.test(value)) return ok(value);
  const normalized = normalizeIsrcPrefix(value);
  return normalized.ok
    ? fail('WORK_ID_NOT_NORMALIZED', `an ISRC prefix is in normal form: ${normalized.value}`)
    : normalized;
}

const didKey = checkedString((value) => parseDidKey(value));
const dateTime = dateTimeSchema;

function list(item: z.ZodMiniType<string, string>, max: number) {
  return z.array(item).check(
    z.minLength(1),
    z.maxLength(max),
    z.superRefine((values: string[], ctx) => {
      if (new Set(values).size !== values.length) issue(ctx, 'ATTESTATION_SCHEMA', 'a value is named twice');
    }),
  );
}

const subjectSchema = z
  .strictObject({
    id: didKey,
    isrcs: z.optional(list(checkedString(normalIsrc), MAX_ATTESTED_ISRCS)),
    isrcPrefixes: z.optional(list(checkedString(normalIsrcPrefix), MAX_ATTESTED_PREFIXES)),
    urlPrefixes: z.optional(list(checkedString(normalUrlPrefix), MAX_ATTESTED_PREFIXES)),
    role: z.optional(z.string().check(z.regex(ROLE, 'a role is a lower-case token such as artist'))),
  })
  .check(
    z.superRefine((s: { isrcs?: unknown; isrcPrefixes?: unknown; urlPrefixes?: unknown }, ctx) => {
      if (s.isrcs === undefined && s.isrcPrefixes === undefined && s.urlPrefixes === undefined)
        issue(ctx, 'ATTESTATION_SCHEMA', 'an attestation names isrcs, isrcPrefixes or urlPrefixes');
    }),
  );

const attestationSchema = z
  .strictObject({
    '@context': z.tuple([z.literal(MANIFEST_CONTEXT[0]), z.literal(MANIFEST_CONTEXT[1])]),
    type: z.tuple([z.literal('VerifiableCredential'), z.literal(ATTESTATION_TYPE)]),
    issuer: didKey,
    validFrom: dateTime,
    validUntil: z.optional(dateTime),
    credentialSubject: subjectSchema,
    proof: z.optional(proofShapeSchema),
  })
  .check(
    z.superRefine((a: { validFrom: string; validUntil?: string | undefined }, ctx) => {
      if (a.validUntil !== undefined && Date.parse(a.validUntil) <= Date.parse(a.validFrom))
        issue(ctx, 'ATTESTATION_SCHEMA', 'validUntil must be later than validFrom');
    }),
  );

/** The manifest codes a schema failure maps to, said of an attestation instead. */
const MANIFEST_SCHEMA_CODES: ReadonlySet<ErrorCode> = new Set([
  'MANIFEST_SCHEMA',
  'MANIFEST_UNKNOWN_FIELD',
  'MANIFEST_UNKNOWN_TERM',
]);

/**
 * Normalizes an ISRC registrant prefix (IFPI ISRC Handbook: country code and registrant code) to the
 * printed form `CC-XXX`: lower case is read as upper case, hyphens and spaces are ignored.
 *
 * @example normalizeIsrcPrefix('usrc1') // { ok: true, value: 'US-RC1' }
 */
export function normalizeIsrcPrefix(input: string): Result<string, 'ATTESTATION_ISRC_PREFIX_MALFORMED'> {
  if (typeof input !== 'string')
    throw new TypeError(`normalizeIsrcPrefix expects a string, got ${typeof input}`);
  const compact = ISRC_PREFIX_INPUT.test(input) ? input.replace(/[ -]/g, '').toUpperCase() : '';
  if (!/^[A-Z]{2}[A-Z0-9]{3}$/.test(compact)) {
    return fail(
      'ATTESTATION_ISRC_PREFIX_MALFORMED',
      'an ISRC prefix is CC-XXX: a 2-letter country code and a 3-character registrant code',
    );
  }
  return ok(`${compact.slice(0, 2)}-${compact.slice(2)}`);
}

function decode(input: Uint8Array | string | JsonObject): Result<JsonValue> {
  if (typeof input === 'string' || input instanceof Uint8Array)
    return parseJson(input, { maxBytes: MAX_ATTESTATION_BYTES });
  if (typeof input !== 'object' || input === null)
    throw new TypeError('expected JSON text, bytes or an object');
  return ok(input);
}

/**
 * Parses an attestation from untrusted JSON text, bytes or an object: strict JSON, then the schema.
 * Does not check the signature or the dates; {@link verifyAttestation} does.
 */
export function parseAttestation(input: Uint8Array | string | JsonObject): Result<AssentAttestation> {
  const value = decode(input);
  return value.ok ? attestationOf(value.value) : value;
}

function attestationOf(value: JsonValue): Result<AssentAttestation> {
  const parsed = attestationSchema.safeParse(value);
  if (!parsed.success) {
    const failure = failureFromZod(parsed.error);
    return MANIFEST_SCHEMA_CODES.has(failure.code)
      ? fail('ATTESTATION_SCHEMA', failure.message, failure.path)
      : failure;
  }
  if (parsed.data.proof === undefined) return fail('PROOF_MISSING', 'the attestation has no proof', '/proof');
  return ok(parsed.data as AssentAttestation);
}

/**
 * Verifies an attestation completely, offline: strict JSON, schema, size, the `eddsa-jcs-2022` proof by
 * the issuer's own did:key, and that `at` (default now) lies in `[validFrom, validUntil)`. Whether the
 * issuer is trusted is not checked here. Never throws for bad input.
 * @example
 * const result = await verifyAttestation(bytes);
 * if (result.ok && trusted.has(result.value.issuer)) console.log(result.value.isrcs.length);
 */
export async function verifyAttestation(
  input: Uint8Array | string | JsonObject,
  options: VerifyAttestationOptions = {},
): Promise<Result<VerifiedAttestation>> {
  const value = decode(input);
  if (!value.ok) return value;
  const parsed = attestationOf(value.value);
  if (!parsed.ok) return parsed;
  const attestation = parsed.value;
  let canonical: string;
  try {
    canonical = canonicalize(value.value);
  } catch (cause) {
    return fail('ATTESTATION_SCHEMA', `not a JSON document: ${(cause as Error).message}`);
  }
  const bytes = new TextEncoder().encode(canonical);
  if (bytes.length > MAX_ATTESTATION_BYTES)
    return fail('ATTESTATION_TOO_LARGE', `an attestation is at most ${MAX_ATTESTATION_BYTES} bytes`);
  const proof = await verifySecuredDocument(value.value, 'assertionMethod', canonical);
  if (!proof.ok) return proof;
  const proofContext = attestation.proof?.['@context'];
  if (
    proofContext !== undefined &&
    canonicalize(proofContext) !== canonicalize([...attestation['@context']])
  ) {
    return fail(
      'PROOF_CONTEXT_MISMATCH',
      "the proof's @context must equal the attestation's",
      '/proof/@context',
    );
  }
  // A valid signature by anyone but the issuer proves nothing about what the issuer attests.
  if (proof.value.controller !== attestation.issuer)
    return fail(
      'PROOF_ISSUER_MISMATCH',
      'the proof was not made with the issuer’s key',
      '/proof/verificationMethod',
    );
  const at = (options.at ?? new Date()).getTime();
  if (at < Date.parse(attestation.validFrom))
    return fail(
      'ATTESTATION_NOT_YET_VALID',
      `the attestation is valid from ${attestation.validFrom}`,
      '/validFrom',
    );
  if (attestation.validUntil !== undefined && at >= Date.parse(attestation.validUntil))
    return fail('ATTESTATION_EXPIRED', `the attestation ended at ${attestation.validUntil}`, '/validUntil');
  const subject = attestation.credentialSubject;
  return ok({
    attestation,
    cid: blockCid(bytes),
    bytes,
    issuer: attestation.issuer,
    subject: subject.id,
    isrcs: subject.isrcs ?? [],
    isrcPrefixes: subject.isrcPrefixes ?? [],
    urlPrefixes: subject.urlPrefixes ?? [],
    role: subject.role,
    validFrom: attestation.validFrom,
    validUntil: attestation.validUntil,
  });
}

function nowToTheSecond(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

/** Normalizes, de-duplicates and sorts one scope list, or throws its first failure with a path. */
function normalizeAll(
  values: Iterable<string> | undefined,
  normalize: (value: string) => Result<string, ErrorCode>,
  path: string,
): string[] | undefined {
  if (values === undefined) return undefined;
  const out = new Set<string>();
  let i = 0;
  for (const raw of values) {
    if (typeof raw !== 'string') throw new TypeError(`${path}/${i} is not a string`);
    const normalized = normalize(raw);
    if (!normalized.ok) throw new AssentError(normalized.code, normalized.message, { path: `${path}/${i}` });
    out.add(normalized.value);
    i++;
  }
  return out.size === 0 ? undefined : [...out].sort();
}

/** `ISRC US-RC1-76-07839`, `isrc:usrc17607839`, `US-RC1-76-07839` → `USRC17607839`. */
function normalizeAttestedIsrc(raw: string): Result<string, ErrorCode> {
  const body = raw.trim().replace(/^isrc[:\s]\s*/i, '');
  const normalized = normalizeWorkId(`isrc:${body}`);
  return normalized.ok ? ok(normalized.value.slice('isrc:'.length)) : normalized;
}

function normalizeAttestedUrlPrefix(raw: string): Result<string, ErrorCode> {
  const normalized = normalizeWorkId(`url-prefix:${raw.replace(/^url-prefix:/, '')}`);
  return normalized.ok ? ok(normalized.value.slice('url-prefix:'.length)) : normalized;
}

/**
 * Signs an attestation as the caller (a label, a distributor, a platform): ids are normalized, each
 * list de-duplicated and sorted, and the whole signed with `eddsa-jcs-2022`.
 * @throws AssentError with the failing id's code and path, `ATTESTATION_SCHEMA` (no scope, too many
 *   ids, a bad role or dates) or `ATTESTATION_TOO_LARGE`.
 * @example
 * const label = await generateIdentity();
 * const signed = await signAttestation({ subject: artist.did, isrcPrefixes: ['US-RC1'], role: 'artist' }, { identity: label });
 */
export async function signAttestation(
  draft: AttestationDraft,
  options: SignAttestationOptions,
): Promise<VerifiedAttestation> {
  const created = options.created ?? nowToTheSecond();
  const isrcs = normalizeAll(draft.isrcs, normalizeAttestedIsrc, '/credentialSubject/isrcs');
  const isrcPrefixes = normalizeAll(
    draft.isrcPrefixes,
    normalizeIsrcPrefix,
    '/credentialSubject/isrcPrefixes',
  );
  const urlPrefixes = normalizeAll(
    draft.urlPrefixes,
    normalizeAttestedUrlPrefix,
    '/credentialSubject/urlPrefixes',
  );
  const subject: JsonObject = {
    id: draft.subject,
    ...(isrcs === undefined ? {} : { isrcs }),
    ...(isrcPrefixes === undefined ? {} : { isrcPrefixes }),
    ...(urlPrefixes === undefined ? {} : { urlPrefixes }),
    ...(draft.role === undefined ? {} : { role: draft.role }),
  };
  const unsigned: JsonObject = {
    '@context': [...MANIFEST_CONTEXT],
    type: ['VerifiableCredential', ATTESTATION_TYPE],
    issuer: options.identity.did,
    validFrom: draft.validFrom ?? created,
    ...(draft.validUntil === undefined ? {} : { validUntil: draft.validUntil }),
    credentialSubject: subject,
  };
  const shape = attestationSchema.safeParse(unsigned);
  if (!shape.success) {
    const failure = failureFromZod(shape.error);
    const code = MANIFEST_SCHEMA_CODES.has(failure.code) ? 'ATTESTATION_SCHEMA' : failure.code;
    throw new AssentError(code, failure.message, failure.path === undefined ? {} : { path: failure.path });
  }
  if (canonicalBytes(unsigned).length > MAX_ATTESTATION_BYTES)
    throw new AssentError(
      'ATTESTATION_TOO_LARGE',
      `an attestation is at most ${MAX_ATTESTATION_BYTES} bytes`,
    );
  const signed = await createProof(unsigned, {
    secretKey: options.identity.secretKey,
    verificationMethod: options.identity.verificationMethod,
    created,
  });
  // Verified at its own validFrom, so an attestation that starts later can be signed ahead of time.
  const verified = await verifyAttestation(signed, {
    at: new Date(Date.parse(unsigned.validFrom as string)),
  });
  if (!verified.ok)
    throw new AssentError(verified.code, `the signed attestation does not verify: ${verified.message}`);
  return verified.value;
}
