/**
 * Signed link observations (docs/spec/observation.md; DESIGN-TRUST §3.3 items 6–7): a node states what
 * it saw when it checked one identity link of a creator. A VC 2.0
 * `["VerifiableCredential", "AssentLinkObservation"]` secured with `eddsa-jcs-2022` by the node's did:key
 * (the observer). Verifiers, in browsers too, read these and decide which observers they trust; the
 * rule by which an observation keeps a link bound ({@link linkHolds}) lives here so that a node and a
 * verifier apply the same one.
 */
import * as z from 'zod/mini';
import { MANIFEST_CONTEXT } from './context.js';
import { codedIssue, dateTimeSchema, proofShapeSchema } from './credential-parts.js';
import { createProof, verifySecuredDocument } from './data-integrity/eddsa-jcs-2022.js';
import { type Identity, parseDidKey } from './did-key.js';
import { AssentError, type ErrorCode, fail, ok, type Result } from './errors.js';
import { parseNormalizedIdentity } from './identity-link.js';
import { canonicalize } from './jcs.js';
import { LINK_METHODS, LINK_RESULTS, type LinkObservation, PROFILE_ADAPTERS } from './link-observation.js';
import { blockCid } from './manifest.js';
import { failureFromZod } from './schema.js';
import { type JsonObject, type JsonValue, parseJson } from './strict-json.js';

/** The credential type of a signed link observation. */
export const LINK_OBSERVATION_TYPE = 'AssentLinkObservation';
/** The largest observation credential, in canonical bytes (one is about 900). */
export const MAX_OBSERVATION_BYTES = 8 * 1024;
/** How long a temporary failure keeps a link bound after its last success (DESIGN-TRUST §3.3 item 7). */
export const LINK_GRACE_MS = 7 * 24 * 3600 * 1000;
/** How old an observation may be and still bind an allow, by default (DESIGN-TRUST §3.3 item 7). */
export const DEFAULT_OBSERVATION_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

/** A link observation whose form and signature have been checked. */
export interface VerifiedObservation {
  /** What was seen. */
  readonly observation: LinkObservation;
  /** The node that saw it: the credential's issuer, a did:key. */
  readonly observer: string;
  /** The last time this observer saw the link `ok` (this observation's time when it is `ok`). */
  readonly lastOkAt: string | undefined;
  /** CID of the canonical bytes (CIDv1, json, sha2-256). */
  readonly cid: string;
  readonly bytes: Uint8Array;
}

/** Options of {@link signObservation}. */
export interface SignObservationOptions {
  /** The observing node's identity (its secret key signs). */
  readonly identity: Pick<Identity, 'did' | 'verificationMethod' | 'secretKey'>;
  /**
   * The last time this node saw the link `ok`, when that was before this observation (a temporary
   * failure within its grace still binds). Ignored when the observation is itself `ok`.
   */
  readonly lastOkAt?: string;
}

const issue = codedIssue;
const dateTime = dateTimeSchema;
const didKey = z.string().check(
  z.superRefine((value: string, ctx) => {
    const parsed = parseDidKey(value);
    if (!parsed.ok) issue(ctx, parsed.code, parsed.message);
  }),
);
const identitySchema = z.strictObject({ type: z.string(), id: z.string() }).check(
  z.superRefine((value: { type: string; id: string }, ctx) => {
    const parsed = parseNormalizedIdentity(value);
    if (!parsed.ok) issue(ctx, parsed.code, parsed.message);
  }),
);

const subjectSchema = z
  .strictObject({
    id: didKey,
    identity: identitySchema,
    method: z.enum(LINK_METHODS),
    result: z.enum(LINK_RESULTS),
    observedAt: dateTime,
    evidenceHash: z.nullable(z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/))),
    adapter: z.optional(z.enum(PROFILE_ADAPTERS)),
    reason: z.optional(z.string().check(z.regex(/^LINK_[A-Z0-9_]{1,60}$/))),
    lastOkAt: z.optional(dateTime),
  })
  .check(
    z.superRefine(
      (
        s: { result: string; observedAt: string; lastOkAt?: string | undefined; reason?: string | undefined },
        ctx,
      ) => {
        if (s.result === 'ok' && s.lastOkAt !== undefined)
          issue(ctx, 'OBSERVATION_SCHEMA', 'an ok observation has no lastOkAt (it is its own)');
        if (s.lastOkAt !== undefined && Date.parse(s.lastOkAt) > Date.parse(s.observedAt))
          issue(ctx, 'OBSERVATION_SCHEMA', 'lastOkAt is not after observedAt');
        if (s.result === 'ok' && s.reason !== undefined)
          issue(ctx, 'OBSERVATION_SCHEMA', 'an ok observation has no reason');
      },
    ),
  );

const credentialSchema = z
  .strictObject({
    '@context': z.tuple([z.literal(MANIFEST_CONTEXT[0]), z.literal(MANIFEST_CONTEXT[1])]),
    type: z.tuple([z.literal('VerifiableCredential'), z.literal(LINK_OBSERVATION_TYPE)]),
    issuer: didKey,
    validFrom: dateTime,
    credentialSubject: subjectSchema,
    proof: z.optional(proofShapeSchema),
  })
  .check(
    z.superRefine((c: { validFrom: string; credentialSubject: { observedAt: string } }, ctx) => {
      if (c.validFrom !== c.credentialSubject.observedAt)
        issue(ctx, 'OBSERVATION_SCHEMA', 'validFrom is the observation time');
    }),
  );

type Credential = z.infer<typeof credentialSchema>;

function schemaFailure(error: z.core.$ZodError): Result<never> {
  const failure = failureFromZod(error);
  return failure.code.startsWith('MANIFEST_')
    ? fail('OBSERVATION_SCHEMA', failure.message, failure.path)
    : failure;
}

/**
 * Verifies a link observation completely, offline: strict JSON, schema, size and the `eddsa-jcs-2022`
 * proof by the issuer's own did:key. Whether the observer is trusted, and whether the observation still
 * binds, is the verifier's question ({@link linkHolds}). Never throws for bad input.
 * @example
 * const seen = await verifyObservation(bytes);
 * if (seen.ok && linkHolds(seen.value, Date.now())) console.log(seen.value.observation.identity.id);
 */
export async function verifyObservation(
  input: Uint8Array | string | JsonObject,
): Promise<Result<VerifiedObservation>> {
  let value: JsonValue;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const parsed = parseJson(input, { maxBytes: MAX_OBSERVATION_BYTES });
    if (!parsed.ok) return parsed;
    value = parsed.value;
  } else {
    if (typeof input !== 'object' || input === null)
      throw new TypeError('expected JSON text, bytes or an object');
    value = input;
  }
  const parsed = credentialSchema.safeParse(value);
  if (!parsed.success) return schemaFailure(parsed.error);
  const credential = parsed.data as Credential;
  if (credential.proof === undefined) return fail('PROOF_MISSING', 'the observation has no proof', '/proof');
  const canonical = canonicalize(value);
  const bytes = new TextEncoder().encode(canonical);
  if (bytes.length > MAX_OBSERVATION_BYTES)
    return fail('OBSERVATION_SCHEMA', `an observation is at most ${MAX_OBSERVATION_BYTES} bytes`);
  const proof = await verifySecuredDocument(value, 'assertionMethod', canonical);
  if (!proof.ok) return proof;
  const proofContext = credential.proof['@context'];
  if (proofContext !== undefined && canonicalize(proofContext) !== canonicalize([...credential['@context']]))
    return fail(
      'PROOF_CONTEXT_MISMATCH',
      "the proof's @context must equal the observation's",
      '/proof/@context',
    );
  if (proof.value.controller !== credential.issuer)
    return fail(
      'PROOF_ISSUER_MISMATCH',
      'the proof was not made with the observer’s key',
      '/proof/verificationMethod',
    );
  const s = credential.credentialSubject;
  const observation: LinkObservation = {
    creator: s.id,
    identity: { type: s.identity.type as 'domain' | 'profile', id: s.identity.id },
    method: s.method,
    result: s.result,
    observedAt: s.observedAt,
    evidenceHash: s.evidenceHash,
    ...(s.adapter === undefined ? {} : { adapter: s.adapter }),
    ...(s.reason === undefined ? {} : { reason: s.reason }),
  };
  return ok({
    observation,
    observer: credential.issuer,
    lastOkAt: s.result === 'ok' ? s.observedAt : s.lastOkAt,
    cid: blockCid(bytes),
    bytes,
  });
}

/**
 * Signs what a node saw as an observation credential of the node (`eddsa-jcs-2022`, proof created at
 * the observation time).
 * @throws AssentError `OBSERVATION_SCHEMA` when the observation is not well formed.
 * @example
 * const { observation } = await checker.check(did, link);
 * const signed = await signObservation(observation, { identity: nodeIdentity });
 */
export async function signObservation(
  observation: LinkObservation,
  options: SignObservationOptions,
): Promise<VerifiedObservation> {
  const observedAt = observation.observedAt;
  const lastOkAt = observation.result === 'ok' ? undefined : options.lastOkAt;
  const subject: JsonObject = {
    id: observation.creator,
    identity: { type: observation.identity.type, id: observation.identity.id },
    method: observation.method,
    result: observation.result,
    observedAt,
    evidenceHash: observation.evidenceHash,
    ...(observation.adapter === undefined ? {} : { adapter: observation.adapter }),
    ...(observation.reason === undefined ? {} : { reason: observation.reason }),
    ...(lastOkAt === undefined ? {} : { lastOkAt }),
  };
  const unsigned: JsonObject = {
    '@context': [...MANIFEST_CONTEXT],
    type: ['VerifiableCredential', LINK_OBSERVATION_TYPE],
    issuer: options.identity.did,
    validFrom: observedAt,
    credentialSubject: subject,
  };
  const shape = credentialSchema.safeParse(unsigned);
  if (!shape.success) {
    const failure = schemaFailure(shape.error) as { code: ErrorCode; message: string; path?: string };
    throw new AssentError(
      failure.code,
      failure.message,
      failure.path === undefined ? {} : { path: failure.path },
    );
  }
  const signed = await createProof(unsigned, {
    secretKey: options.identity.secretKey,
    verificationMethod: options.identity.verificationMethod,
    // A proof's `created` is to the second, as every Assent credential's.
    created: `${new Date(Date.parse(observedAt)).toISOString().slice(0, 19)}Z`,
  });
  const verified = await verifyObservation(signed);
  if (!verified.ok)
    throw new AssentError(verified.code, `the signed observation does not verify: ${verified.message}`);
  return verified.value;
}

/** Options of {@link linkHolds}. */
export interface LinkHoldsOptions {
  /** The oldest observation that binds, in milliseconds (default 30 days). */
  readonly maxAgeMs?: number;
  /** How long a temporary failure binds after the last success (default 7 days). */
  readonly graceMs?: number;
}

/**
 * Whether an observation keeps its link bound at `nowMs` (DESIGN-TRUST §3.3 item 7): it is no older than
 * `maxAgeMs`, and it is `ok`, or a `temp_failure` within `graceMs` of the last `ok` this observer saw. A
 * `perm_failure` (the proof is gone) never binds; nor does an observation from the future.
 */
export function linkHolds(
  seen: Pick<VerifiedObservation, 'observation' | 'lastOkAt'>,
  nowMs: number,
  options: LinkHoldsOptions = {},
): boolean {
  const maxAge = options.maxAgeMs ?? DEFAULT_OBSERVATION_MAX_AGE_MS;
  const grace = options.graceMs ?? LINK_GRACE_MS;
  const observedMs = Date.parse(seen.observation.observedAt);
  if (!(observedMs <= nowMs && nowMs - observedMs <= maxAge)) return false;
  if (seen.observation.result === 'ok') return true;
  if (seen.observation.result !== 'temp_failure' || seen.lastOkAt === undefined) return false;
  return observedMs - Date.parse(seen.lastOkAt) <= grace;
}
