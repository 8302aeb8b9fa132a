import { createRoute, z } from '@hono/zod-openapi';

/**
 * The request and response schemas of the HTTP API. Requests are validated with them, and the OpenAPI
 * document (`/openapi.json`, `/docs`) is generated from them: one source for both.
 */

/** Works per `POST /v1/check` or `POST /v1/candidates` request (DESIGN §4). */
export const MAX_BATCH_WORKS = 10_000;

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'SIGNATURE_INVALID', description: 'docs/errors.md' }),
      message: z.string(),
      path: z.string().optional().openapi({ description: 'JSON Pointer into the offending input' }),
    }),
  })
  .openapi('Error');

const CidString = z.string().max(200).openapi({ example: 'bagaaierab…', description: 'CIDv1, base32' });

export const ReceiptSchema = z
  .object({
    cid: CidString,
    issuer: z.string().openapi({ example: 'did:key:z6Mk…' }),
    version: z.number().int().positive(),
    forked: z.boolean().openapi({ description: 'the creator now has several heads of one version' }),
  })
  .openapi('IngestReceipt');

const ManifestRefSchema = z
  .object({ cid: CidString, version: z.number().int().positive(), previous: CidString.optional() })
  .openapi('ManifestRef');

const CreatorLinkSchema = z
  .object({
    identity: z.object({
      type: z.enum(['domain', 'profile']),
      id: z.string().openapi({ example: 'https://soundcloud.com/the-flight' }),
    }),
    state: z.enum(['looking', 'ok', 'temp_failure', 'perm_failure']).openapi({
      description:
        '`looking` until the first check ends, then the result of the latest (Keybase proof states)',
    }),
    bound: z.boolean().openapi({
      description:
        'the latest observation binds now (`linkHolds`): `ok`, or `temp_failure` within 7 days of the last `ok`; at most 30 days old',
    }),
    observedAt: z.string().optional().openapi({ description: 'when the latest check ended' }),
    lastOkAt: z.string().optional().openapi({ description: 'the last `ok`, with no `perm_failure` since' }),
    nextCheckAt: z.string().openapi({ description: 'when this node checks the link next' }),
    method: z
      .enum(['policy', 'dns-txt', 'well-known', 'did-configuration', 'profile-text', 'rel-me'])
      .optional(),
    reason: z
      .string()
      .optional()
      .openapi({ description: 'why not `ok`: a `LINK_*` code', example: 'LINK_NOT_NAMED' }),
    observation: CidString.optional().openapi({
      description: 'the latest signed observation: `GET /v1/observations/{cid}`',
    }),
  })
  .openapi('CreatorLink');

export const CreatorSchema = z
  .object({
    issuer: z.string().openapi({ description: 'the did:key asked about' }),
    creator: z.string().openapi({
      description:
        'the creator it speaks for: the did:key of version 1, the same for every key of a rotated chain (spec §5.5)',
    }),
    head: CidString.openapi({ description: 'the head (the first branch, in CID order, when forked)' }),
    heads: z.array(ManifestRefSchema).openapi({ description: 'every branch at the highest version' }),
    version: z.number().int().positive(),
    forked: z.boolean(),
    history: z.array(ManifestRefSchema).openapi({
      description: 'a page of the manifests held, oldest first: versions after `after`, at most `limit`',
    }),
    next: z.string().nullable().openapi({
      description: 'the path of the next page (also a `Link: <…>; rel="next"` header), or null on the last',
      example: '/v1/creators/did%3Akey%3Az6Mk…?after=100&limit=100',
    }),
    links: z.array(CreatorLinkSchema).openapi({
      description:
        'the identities the creator’s newest heads claim, as this node last checked them (docs/spec/observation.md)',
    }),
  })
  .openapi('Creator');

export const CreatorQuerySchema = z.object({
  after: z
    .string()
    .optional()
    .openapi({ description: 'history after this version (default 0: from the first)', example: '100' }),
  limit: z
    .string()
    .optional()
    .openapi({ description: 'history entries per page, 1 to 1,000 (default 100)', example: '100' }),
});

const DidString = z.string().max(200).openapi({ example: 'did:key:z6Mk…' });

export const AttestationSummarySchema = z
  .object({
    cid: CidString,
    issuer: DidString.openapi({ description: "the attester's did:key" }),
    subject: DidString.openapi({ description: "the creator's did:key" }),
    role: z.string().nullable().openapi({ example: 'artist' }),
    validFrom: z.string().openapi({ example: '2026-11-26T10:00:00Z' }),
    validUntil: z.string().nullable().openapi({ description: 'null: no end' }),
    isrcs: z.number().int().openapi({ description: 'how many ISRCs it names' }),
    isrcPrefixes: z.number().int().openapi({ description: 'how many ISRC registrant prefixes it names' }),
    urlPrefixes: z.number().int().openapi({ description: 'how many URL prefixes it names' }),
  })
  .openapi('AttestationSummary');

export const AttestationListSchema = z
  .object({
    subject: DidString,
    attestations: z.array(AttestationSummarySchema).openapi({
      description:
        'the attestations this node holds naming the creator, expired ones too, newest stored first',
    }),
  })
  .openapi('AttestationList');

export const HealthSchema = z
  .object({
    ok: z.boolean(),
    manifests: z.number().int(),
    asOf: z.string().openapi({ description: 'when the index was last known to hold what its peers held' }),
    peers: z.array(
      z.object({
        peer: z.string().nullable().openapi({ description: 'libp2p peer id, when known' }),
        address: z.string().nullable().openapi({ description: 'the configured multiaddr, if configured' }),
        connected: z.boolean(),
        lastSync: z
          .string()
          .nullable()
          .openapi({ description: 'when a catch-up with the peer last completed; null: never' }),
      }),
    ),
  })
  .openapi('Health');

const Decision = z.enum(['allow', 'deny', 'conditional', 'unknown']);

const EvidenceSchema = z
  .object({
    cid: CidString,
    issuer: z.string(),
    version: z.number().int().positive(),
    page: CidString.optional().openapi({ description: 'the catalog page naming the work' }),
    decision: Decision,
    term: z.string().nullable(),
    rule: z.string(),
    matched: z.string().nullable(),
    conditions: z.record(z.string(), z.unknown()).optional(),
    claims: z.boolean(),
  })
  .openapi('Evidence');

export const CheckResultSchema = z
  .object({
    work: z.string(),
    id: z.string().nullable().openapi({ description: 'the normal form, or null when invalid' }),
    use: z.string(),
    at: z.string(),
    decision: Decision,
    conditions: z.record(z.string(), z.unknown()).optional(),
    disputed: z.boolean(),
    term: z.string().nullable(),
    rule: z.string().openapi({ description: 'docs/decisions.md' }),
    reason: z.string(),
    evidence: z.array(EvidenceSchema).openapi({
      description:
        'every head manifest naming the work (directly, by url-prefix or in a catalog page), every branch of a forked creator',
    }),
    warnings: z.array(z.object({ code: z.string(), message: z.string() }).passthrough()),
  })
  .openapi('CheckResult');

const AsOf = z.string().openapi({
  example: '2026-06-01T09:59:12Z',
  description: 'when the index was last known complete (UTC)',
});

/** The node's latest signed checkpoint, which an answer stands on (docs/api.md). */
const CheckpointRef = z
  .object({
    size: z.number().int().openapi({ description: "the tree size of the node's log" }),
    signedAt: z.string().openapi({ description: 'when the node signed it (its own clock)' }),
  })
  .openapi('CheckpointRef');

export const CheckManyResponseSchema = z
  .object({ asOf: AsOf, checkpoint: CheckpointRef, results: z.array(CheckResultSchema) })
  .openapi('CheckManyResponse');

export const CheckOneResponseSchema = CheckResultSchema.extend({
  asOf: AsOf,
  checkpoint: CheckpointRef,
}).openapi('CheckOneResponse');

const UseParam = z.string().max(64).openapi({ example: 'train-genai', description: 'a v1 use term' });
const OrgParam = z
  .string()
  .max(2048)
  .optional()
  .openapi({ example: 'did:web:example.ai', description: 'the checking organisation (DID or domain)' });
const AtParam = z
  .string()
  .max(64)
  .optional()
  .openapi({ example: '2026-06-01T00:00:00Z', description: 'time of use (default: now)' });

export const CheckQuerySchema = z.object({
  work: z.string().max(4096).openapi({ example: 'isrc:USRC17607839' }),
  use: UseParam,
  org: OrgParam,
  at: AtParam,
});

export const CheckBodySchema = z
  .object({
    use: UseParam,
    org: OrgParam,
    at: AtParam,
    works: z
      .array(z.string().max(4096))
      .max(MAX_BATCH_WORKS)
      .openapi({ example: ['isrc:USRC17607839'] }),
  })
  .strict()
  .openapi('CheckRequest');

export const CandidatesBodySchema = z
  .object({
    use: UseParam.optional().openapi({ description: 'accepted for symmetry with POST /v1/check; ignored' }),
    works: z
      .array(z.string().max(4096))
      .max(MAX_BATCH_WORKS)
      .openapi({ example: ['isrc:USRC17607839'] }),
  })
  .strict()
  .openapi('CandidatesRequest');

export const CandidatesResponseSchema = z
  .object({
    asOf: AsOf,
    manifests: z.array(
      z
        .object({
          cid: CidString,
          pages: z.array(CidString).openapi({ description: 'the catalog pages naming any of the works' }),
        })
        .openapi('Candidate'),
    ),
  })
  .openapi('CandidatesResponse');

/** OpenAPI responses of the given error statuses, each the error body of docs/errors.md. */
export const errors = (statuses: readonly number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: 'error', content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  );

export const routes = [
  createRoute({
    method: 'post',
    path: '/v1/manifests',
    summary: 'Publish a signed manifest',
    description:
      'A signed manifest as JSON (any JSON text passing the strict parse; it is canonicalized before storing), or a CARv1 (`application/vnd.ipld.car`) whose one root is the manifest and which carries its catalog pages. Verified before anything is stored; nothing from a rejected request is stored. Writes are rate limited per client.',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.object({}).passthrough().openapi({ description: 'a signed manifest' }),
          },
          'application/vnd.ipld.car': { schema: z.string().openapi({ format: 'binary' }) },
        },
      },
    },
    responses: {
      201: { description: 'stored', content: { 'application/json': { schema: ReceiptSchema } } },
      200: { description: 'already held', content: { 'application/json': { schema: ReceiptSchema } } },
      ...errors([400, 409, 413, 415, 422, 429, 503]),
    },
  }),
  createRoute({
    method: 'get',
    path: '/v1/manifests/{cid}',
    summary: "A manifest's exact bytes",
    description: 'The exact stored bytes (the JCS canonical form the CID hashes). Immutable.',
    request: { params: z.object({ cid: CidString }) },
    responses: {
      200: {
        description: 'the bytes',
        content: { 'application/json': { schema: z.object({}).passthrough() } },
      },
      ...errors([400, 404, 429]),
    },
  }),
  createRoute({
    method: 'get',
    path: '/v1/creators/{did}',
    summary: "A creator's heads and a page of history",
    description:
      'The DID is percent-encoded in the path. History is paged by version: follow `next` until it is null.',
    request: {
      params: z.object({ did: z.string().openapi({ example: 'did%3Akey%3Az6Mk…' }) }),
      query: CreatorQuerySchema,
    },
    responses: {
      200: { description: 'the creator', content: { 'application/json': { schema: CreatorSchema } } },
      ...errors([400, 404, 429]),
    },
  }),
  createRoute({
    method: 'get',
    path: '/v1/observations/{cid}',
    summary: 'A link observation’s exact bytes',
    description:
      'An `AssentLinkObservation` credential this node signed (docs/spec/observation.md), as named by a `link` leaf of its log or a creator’s `links[].observation`. Immutable.',
    request: { params: z.object({ cid: CidString }) },
    responses: {
      200: {
        description: 'the bytes',
        content: { 'application/json': { schema: z.object({}).passthrough() } },
      },
      ...errors([400, 404, 429]),
    },
  }),
  createRoute({
    method: 'post',
    path: '/v1/attestations',
    summary: 'Publish a signed attestation',
    description:
      'A third party’s signed statement that a creator’s DID speaks for ISRCs, ISRC prefixes or URL prefixes (docs/spec/attestation.md), as JSON (any JSON text passing the strict parse; canonicalized before storing). Verified completely (schema, the issuer’s signature, valid now) before anything is stored; nothing from a rejected request is stored. The node trusts no attester: verifiers apply their own trust list. Stored attestations replicate to the node’s peers. Same body cap and write rate limit as `POST /v1/manifests`; same-origin only.',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.object({}).passthrough().openapi({ description: 'a signed attestation' }),
          },
        },
      },
    },
    responses: {
      201: {
        description: 'stored',
        content: { 'application/json': { schema: AttestationSummarySchema } },
      },
      200: {
        description: 'already held',
        content: { 'application/json': { schema: AttestationSummarySchema } },
      },
      ...errors([400, 413, 415, 422, 429, 503]),
    },
  }),
  createRoute({
    method: 'get',
    path: '/v1/attestations',
    summary: 'The attestations naming a creator',
    description:
      'Summaries, newest stored first; fetch one’s bytes with GET /v1/attestations/{cid} and verify it yourself.',
    request: {
      query: z.object({
        subject: DidString.openapi({ description: "the creator's did:key" }),
        limit: z.string().optional().openapi({ description: '1 to 1,000 (default 100)', example: '100' }),
      }),
    },
    responses: {
      200: {
        description: 'the attestations',
        content: { 'application/json': { schema: AttestationListSchema } },
      },
      ...errors([400, 429]),
    },
  }),
  createRoute({
    method: 'get',
    path: '/v1/attestations/{cid}',
    summary: "An attestation's exact bytes",
    description: 'The exact stored bytes (the JCS canonical form the CID hashes). Immutable.',
    request: { params: z.object({ cid: CidString }) },
    responses: {
      200: {
        description: 'the bytes',
        content: { 'application/json': { schema: z.object({}).passthrough() } },
      },
      ...errors([400, 404, 429]),
    },
  }),
  createRoute({
    method: 'get',
    path: '/v1/check',
    summary: 'Check one work',
    description: 'Decided by @assent/verifier over this node’s registry.',
    request: { query: CheckQuerySchema },
    responses: {
      200: {
        description: 'the decision',
        content: { 'application/json': { schema: CheckOneResponseSchema } },
      },
      ...errors([400, 429, 503]),
    },
  }),
  createRoute({
    method: 'post',
    path: '/v1/check',
    summary: 'Check up to 10,000 works',
    description:
      'One result per work, in request order. A malformed work id gets `decision: unknown`, `rule: invalid-work-id` and its code in `warnings`; the rest of the batch is still answered.',
    request: {
      body: { required: true, content: { 'application/json': { schema: CheckBodySchema } } },
    },
    responses: {
      200: {
        description: 'the decisions',
        content: { 'application/json': { schema: CheckManyResponseSchema } },
      },
      ...errors([400, 413, 415, 429, 503]),
    },
  }),
  createRoute({
    method: 'post',
    path: '/v1/candidates',
    summary: 'The manifests naming up to 10,000 works',
    description:
      'What the verifier SDK needs to decide itself: every head manifest this node’s own verifier is given for these works (named directly, by url-prefix or in a catalog page; every branch of a forked creator), with the CIDs of the catalog pages naming them. No decisions. Malformed ids are skipped. Fetch the bytes with GET /v1/manifests/{cid} and GET /ipfs/{cid}.',
    request: {
      body: { required: true, content: { 'application/json': { schema: CandidatesBodySchema } } },
    },
    responses: {
      200: {
        description: 'the manifests',
        content: { 'application/json': { schema: CandidatesResponseSchema } },
      },
      ...errors([400, 413, 415, 429, 503]),
    },
  }),
  createRoute({
    method: 'get',
    path: '/ipfs/{cid}',
    summary: 'Trustless gateway: a raw block',
    description:
      'IPFS trustless gateway (raw blocks only): send `Accept: application/vnd.ipld.raw` or `?format=raw`. The client verifies the bytes against the CID.',
    request: {
      params: z.object({ cid: CidString }),
      query: z.object({ format: z.string().optional().openapi({ example: 'raw' }) }),
    },
    responses: {
      200: {
        description: 'the block',
        content: { 'application/vnd.ipld.raw': { schema: z.string().openapi({ format: 'binary' }) } },
      },
      ...errors([400, 404, 406, 429]),
    },
  }),
  createRoute({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness and freshness',
    description: 'Fails (503 REGISTRY_STOPPED) when the registry node is stopped.',
    responses: {
      200: {
        description: 'ok',
        content: { 'application/json': { schema: HealthSchema } },
      },
      ...errors([503]),
    },
  }),
  createRoute({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    responses: {
      200: { description: 'text exposition format', content: { 'text/plain': { schema: z.string() } } },
    },
  }),
] as const;
