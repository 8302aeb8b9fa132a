import * as z from 'zod/mini';
import { ASSENT_CONTEXT_V1_URL, VC_V2_CONTEXT_URL } from './context.js';
import { type ErrorCode, type Failure, fail } from './errors.js';
import {
  type IdentityLink,
  type IdentityType,
  identityKey,
  MAX_IDENTITIES,
  normalizeIdentity,
  parseNormalizedIdentity,
} from './identity-link.js';
import { MAX_NEXT_KEYS, NEXT_KEY_HASH_PATTERN } from './key-state.js';
import { USE_TERMS } from './vocabulary.js';
import { normalizeWorkId, parseCidString } from './work-id.js';

/**
 * The consent manifest schema (docs/spec/manifest.md §3). Every object is closed: an unknown field in
 * our namespace is an error, never ignored, so nothing that orders or scopes consent can hide.
 */

/** The largest block: a manifest or a catalog page, in canonical bytes. */
export const MAX_BLOCK_BYTES = 1_048_576;
/** The most catalog pages one manifest may reference (256 × 1 MiB bounds what a node fetches). */
export const MAX_CATALOG_PAGES = 256;
/** The most identifiers one work may carry. */
export const MAX_IDS_PER_WORK = 64;
/** The most licensees one condition may name. */
export const MAX_LICENSEES = 1000;

type AssentIssueParams = { assentCode: ErrorCode };
type Ctx = z.core.$RefinementCtx<unknown>;

function assentIssue(ctx: Ctx, code: ErrorCode, message: string): void {
  ctx.addIssue({ code: 'custom', message, params: { assentCode: code } satisfies AssentIssueParams });
}

/** A string of `min` to `max` UTF-16 code units. */
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));

/** RFC 3339 date-time in UTC (`Z`), seconds required, up to millisecond fraction. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;

/** True for a UTC RFC 3339 date-time that names a real instant, e.g. `2026-11-26T10:00:00Z`. */
export function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}

const dateTime = z
  .string()
  .check(z.refine(isDateTime, 'expected a UTC date-time such as 2026-11-26T10:00:00Z'));

/**
 * Multicodec `json` (0x0200), the codec of every block (= `JSON_CODEC` of manifest.ts, which imports
 * this module and so cannot be imported here).
 */
const BLOCK_CODEC = 0x0200;

/**
 * The CID of a block (`previous`, `catalog`): CIDv1, json codec, sha2-256, canonical base32 (spec
 * §1.3). Another codec names bytes that are not a manifest or a page, so it is refused here rather
 * than later, when the chain or the page is checked.
 */
const blockCidString = z.string().check(
  z.superRefine((value: string, ctx) => {
    const parsed = parseCidString(value, { codec: BLOCK_CODEC });
    if (!parsed.ok) assentIssue(ctx, parsed.code, parsed.message);
  }),
);

/** A work identifier that must already be in normal form (signed documents). */
const normalizedWorkId = z.string().check(
  z.superRefine((value: string, ctx) => {
    const normalized = normalizeWorkId(value);
    if (!normalized.ok) assentIssue(ctx, normalized.code, normalized.message);
    else if (normalized.value !== value) {
      assentIssue(ctx, 'WORK_ID_NOT_NORMALIZED', `work id must be in normal form: ${normalized.value}`);
    }
  }),
);

/** A work identifier in any accepted spelling (drafts); parseDraft normalizes it. */
const anyWorkId = z.string().check(
  z.superRefine((value: string, ctx) => {
    const normalized = normalizeWorkId(value);
    if (!normalized.ok) assentIssue(ctx, normalized.code, normalized.message);
  }),
);

const DID_KEY = /^did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}$/;
const didKey = z.string().check(z.regex(DID_KEY, 'expected a did:key (did:key:z6Mk…)'));

/** A licensee: an organisation DID (`did:web:…`, `did:key:…`) or a lower-case domain name. */
const ORG_ID =
  /^(?:did:[a-z0-9]+:[A-Za-z0-9._%:-]{1,256}|(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$/;

/** True for an organisation id a licensee list or a check's `org` may hold. */
export function isOrgId(value: string): boolean {
  return ORG_ID.test(value);
}

const orgId = z
  .string()
  .check(z.regex(ORG_ID, 'expected an organisation DID (did:web:…, did:key:…) or a lower-case domain'));

const CONDITION_NAME = /^[a-z][a-z0-9-]{0,63}$/;

const compensation = z
  .strictObject({
    terms: z.optional(text(1, 2048)),
    contact: z.optional(text(1, 512)),
  })
  .check(
    z.refine(
      (c) => c.terms !== undefined || c.contact !== undefined,
      'compensation names terms or a contact',
    ),
  );

/**
 * Conditions on a grant. Names beyond the four known ones are kept (and signed) so that a newer
 * vocabulary stays verifiable; a verifier that does not know one treats the grant as `deny`.
 */
const conditions = z
  .catchall(
    z.object({
      attribution: z.optional(text(1, 1024)),
      compensation: z.optional(compensation),
      licensees: z.optional(z.array(orgId).check(z.minLength(1), z.maxLength(MAX_LICENSEES))),
      until: z.optional(dateTime),
    }),
    z.json(),
  )
  .check(
    z.superRefine((value: Record<string, unknown>, ctx) => {
      const names = Object.keys(value);
      if (names.length === 0)
        assentIssue(ctx, 'MANIFEST_SCHEMA', 'conditions must name at least one condition');
      for (const name of names) {
        if (!CONDITION_NAME.test(name)) assentIssue(ctx, 'MANIFEST_SCHEMA', `bad condition name: ${name}`);
      }
    }),
  );

const statement = z.union([
  z.enum(['allow', 'deny']),
  z
    .strictObject({
      decision: z.enum(['allow', 'deny', 'conditional']),
      conditions: z.optional(conditions),
    })
    .check(
      z.superRefine((s: { decision: string; conditions?: unknown }, ctx) => {
        if (s.decision === 'conditional' && s.conditions === undefined) {
          assentIssue(ctx, 'MANIFEST_SCHEMA', 'a conditional decision needs conditions');
        }
        if (s.decision !== 'conditional' && s.conditions !== undefined) {
          assentIssue(
            ctx,
            'MANIFEST_SCHEMA',
            `conditions belong only to a conditional decision, not ${s.decision}`,
          );
        }
      }),
    ),
]);

const policy = z.partialRecord(z.enum(USE_TERMS), statement);

function workSchema(id: z.ZodMiniType<string, string>) {
  return z.strictObject({
    ids: z.array(id).check(z.minLength(1), z.maxLength(MAX_IDS_PER_WORK)),
    title: z.optional(text(1, 512)),
    policy: z.optional(policy),
  });
}

const work = workSchema(normalizedWorkId);

/** Rejects a work id named twice, by any works of one document. */
function uniqueIds(works: readonly { ids: readonly string[] }[], ctx: Ctx): void {
  const seen = new Set<string>();
  for (const w of works) {
    for (const id of w.ids) {
      if (seen.has(id)) assentIssue(ctx, 'MANIFEST_SCHEMA', `work id ${id} is named more than once`);
      seen.add(id);
    }
  }
}

/**
 * One identity the creator claims (spec §3.5). The type is checked here rather than by an enum so that
 * an unknown one gets its own code; `normalize` says whether the id must already be in normal form.
 */
function identitySchema(normalized: boolean) {
  const type = z.custom<IdentityType>((value) => typeof value === 'string', 'expected a string');
  return z.strictObject({ type, id: z.string() }).check(
    z.superRefine((value: { type: string; id: string }, ctx) => {
      const checked = normalized ? parseNormalizedIdentity(value) : normalizeIdentity(value);
      if (!checked.ok) assentIssue(ctx, checked.code, checked.message);
    }),
  );
}

/** Rejects an identity claimed twice; keys are compared as normalized when `normalize` is set. */
function uniqueIdentities(normalize: boolean) {
  return z.superRefine((links: { type: string; id: string }[], ctx) => {
    const seen = new Set<string>();
    for (const link of links) {
      const normal = normalize ? normalizeIdentity(link) : undefined;
      const key = identityKey(normal?.ok === true ? normal.value : (link as IdentityLink));
      if (seen.has(key)) assentIssue(ctx, 'IDENTITY_DUPLICATE', `the identity ${key} is claimed twice`);
      seen.add(key);
    }
  });
}

function identitiesSchema(normalized: boolean) {
  return z
    .array(identitySchema(normalized))
    .check(z.minLength(1), z.maxLength(MAX_IDENTITIES), uniqueIdentities(!normalized));
}

const MAX_VERSION = 2 ** 31 - 1;

/**
 * `keyState` (spec §5.5): the hashes of the keys that may sign the next rotation, each once. An empty
 * list would commit to no key at all: it has its own code, as a rotation without one does.
 */
const keyState = z.strictObject({
  nextKeyHashes: z
    .array(z.string().check(z.regex(NEXT_KEY_HASH_PATTERN, 'expected a key hash (Qm… base58btc)')))
    .check(
      z.maxLength(MAX_NEXT_KEYS),
      z.superRefine((hashes: string[], ctx) => {
        if (hashes.length === 0) assentIssue(ctx, 'EMPTY_NEXT_KEYS', 'nextKeyHashes commits to no key');
        if (new Set(hashes).size !== hashes.length)
          assentIssue(ctx, 'MANIFEST_SCHEMA', 'a key hash is listed twice in nextKeyHashes');
      }),
    ),
});

/** `rotation` (spec §5.5): this version is signed by a key its predecessor committed to, replacing `from`. */
const rotation = z.strictObject({ from: didKey });

const credentialSubject = z
  .strictObject({
    version: z.int().check(z.gte(1), z.lte(MAX_VERSION)),
    previous: z.optional(blockCidString),
    default: z.optional(policy),
    works: z.array(work),
    catalog: z.optional(z.array(blockCidString).check(z.minLength(1), z.maxLength(MAX_CATALOG_PAGES))),
    identities: z.optional(identitiesSchema(true)),
    keyState: z.optional(keyState),
    creator: z.optional(didKey),
    rotation: z.optional(rotation),
  })
  .check(
    z.superRefine(
      (
        s: {
          version: number;
          previous?: string | undefined;
          works: Work[];
          catalog?: string[] | undefined;
          keyState?: unknown;
          creator?: string | undefined;
          rotation?: unknown;
        },
        ctx,
      ) => {
        // Chain rule (spec §5): version 1 starts a chain; every later version names its predecessor.
        if (s.version === 1 && s.previous !== undefined) {
          assentIssue(ctx, 'MANIFEST_SCHEMA', 'version 1 must not name a previous manifest');
        }
        if (s.version > 1 && s.previous === undefined) {
          assentIssue(ctx, 'MANIFEST_SCHEMA', `version ${s.version} must name its previous manifest`);
        }
        // Spec §5.5: version 1's issuer is the creator; only a later version can rotate or name it.
        if (s.version === 1 && (s.creator !== undefined || s.rotation !== undefined)) {
          assentIssue(
            ctx,
            'MANIFEST_SCHEMA',
            'version 1 is the creator: it names no creator and rotates nothing',
          );
        }
        if (s.rotation !== undefined && s.keyState === undefined) {
          assentIssue(ctx, 'EMPTY_NEXT_KEYS', 'a rotation must commit to the keys that may rotate next');
        }
        uniqueIds(s.works, ctx);
        if (s.catalog !== undefined && new Set(s.catalog).size !== s.catalog.length) {
          assentIssue(ctx, 'MANIFEST_SCHEMA', 'a catalog page is referenced twice');
        }
      },
    ),
  );

const manifestContext = z.tuple([z.literal(VC_V2_CONTEXT_URL), z.literal(ASSENT_CONTEXT_V1_URL)]);

/**
 * The proof's shape only; its values (type, cryptosuite, purpose, context, signature) are judged by
 * `verifyProof`, which gives each failure its own code.
 */
const proof = z.strictObject({
  type: text(1, 64),
  cryptosuite: text(1, 64),
  created: dateTime,
  verificationMethod: text(1, 256),
  proofPurpose: text(1, 64),
  proofValue: text(1, 128),
  '@context': z.optional(z.json()),
});

const unsignedManifestShape = {
  '@context': manifestContext,
  type: z.tuple([z.literal('VerifiableCredential'), z.literal('ConsentManifest')]),
  issuer: didKey,
  validFrom: dateTime,
  validUntil: z.optional(dateTime),
  credentialSubject,
};

type Validity = { validFrom?: string | undefined; validUntil?: string | undefined };

type Signer = {
  issuer: string;
  credentialSubject: { creator?: string | undefined; rotation?: { from: string } | undefined };
};

/**
 * Spec §5.5: `creator` is there exactly when another key than the creator's first signs, so a
 * manifest's creator is `creator ?? issuer` with one spelling; a rotation replaces another key.
 */
function signerRules<T extends Signer>() {
  return z.superRefine((m: T, ctx) => {
    const { creator, rotation } = m.credentialSubject;
    if (creator !== undefined && creator === m.issuer) {
      assentIssue(ctx, 'MANIFEST_SCHEMA', 'creator is named only when another key signs');
    }
    if (rotation !== undefined && rotation.from === m.issuer) {
      assentIssue(ctx, 'MANIFEST_SCHEMA', 'a rotation replaces another key than its own');
    }
  });
}

function validityOrder<T extends Validity>() {
  return z.superRefine((m: T, ctx) => {
    if (
      m.validFrom !== undefined &&
      m.validUntil !== undefined &&
      Date.parse(m.validUntil) <= Date.parse(m.validFrom)
    ) {
      assentIssue(ctx, 'MANIFEST_SCHEMA', 'validUntil must be later than validFrom');
    }
  });
}

/** Schema of a signed consent manifest (the proof's presence is checked by parse and verify). */
export const consentManifestSchema = z
  .strictObject({ ...unsignedManifestShape, proof: z.optional(proof) })
  .check(validityOrder(), signerRules());

/** Schema of a manifest before its proof is added. */
export const unsignedManifestSchema = z
  .strictObject(unsignedManifestShape)
  .check(validityOrder(), signerRules());

/** Schema of a catalog page: works beyond what fits in the manifest, bound to it by CID. */
export const catalogPageSchema = z
  .strictObject({
    type: z.literal('ConsentCatalogPage'),
    issuer: didKey,
    works: z.array(work).check(z.minLength(1)),
  })
  .check(z.superRefine((page: { works: Work[] }, ctx) => uniqueIds(page.works, ctx)));

/** Schema of a draft: what a creator writes before signing. Ids may be in any accepted spelling. */
export const manifestDraftSchema = z
  .strictObject({
    default: z.optional(policy),
    works: z.optional(z.array(workSchema(anyWorkId))),
    identities: z.optional(identitiesSchema(false)),
    validFrom: z.optional(dateTime),
    validUntil: z.optional(dateTime),
  })
  .check(validityOrder());

/** A signed consent manifest. */
export type ConsentManifest = z.output<typeof consentManifestSchema>;
/** A consent manifest without its proof. */
export type UnsignedManifest = z.output<typeof unsignedManifestSchema>;
/** The `credentialSubject` of a manifest: the creator's complete consent state. */
export type ConsentState = ConsentManifest['credentialSubject'];
/** A work and its policy. */
export type Work = z.output<typeof work>;
/** An identity claimed in a manifest (`credentialSubject.identities`), in normal form. */
export type ClaimedIdentity = z.output<ReturnType<typeof identitySchema>>;
/** Use term → statement. */
export type Policy = z.output<typeof policy>;
/** `allow`, `deny`, or a decision object with conditions. */
export type Statement = z.output<typeof statement>;
/** Conditions on a grant. */
export type Conditions = z.output<typeof conditions>;
/** A catalog page. */
export type CatalogPage = z.output<typeof catalogPageSchema>;
/** A draft, as a creator writes it. */
export type ManifestDraft = z.output<typeof manifestDraftSchema>;

function pointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** Maps the first zod issue to a stable Assent failure with a JSON Pointer to the offending value. */
export function failureFromZod(error: z.core.$ZodError): Failure {
  const issue = error.issues[0];
  if (issue === undefined) return fail('MANIFEST_SCHEMA', 'invalid document');
  const path = pointer(issue.path);
  const params = (issue as { params?: Partial<AssentIssueParams> }).params;
  if (params?.assentCode !== undefined) return fail(params.assentCode, issue.message, path);
  const parent = issue.path[issue.path.length - 1];
  if (
    issue.code === 'invalid_key' ||
    (issue.code === 'unrecognized_keys' && (parent === 'default' || parent === 'policy'))
  ) {
    return fail('MANIFEST_UNKNOWN_TERM', `unknown use term at ${path || '/'}: ${issue.message}`, path);
  }
  if (issue.code === 'unrecognized_keys') {
    return fail('MANIFEST_UNKNOWN_FIELD', `unknown field ${issue.keys.join(', ')} at ${path || '/'}`, path);
  }
  return fail('MANIFEST_SCHEMA', `${path || '/'}: ${issue.message}`, path);
}
