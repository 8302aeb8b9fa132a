import { type IdentityEvidence, identityEvidenceOf, type LookupCandidate } from '@assent/registry';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { batchBody } from './batch-body.js';
import { zodFailure } from './check-input.js';
import { CORS } from './cors.js';
import { toResponse } from './error-answer.js';
import { signalOf } from './request-env.js';
import type { RouteContext } from './route-context.js';
import { CandidatesBodySchema, MAX_BATCH_WORKS } from './schemas.js';

const CANDIDATES_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  ...CORS,
});

/**
 * The body of `POST /v1/candidates` when it is exactly what `CandidatesBodySchema` accepts: `works`
 * (strings of at most 4,096 characters), an optional `use` string, nothing else. Checked by hand, as
 * `plainCheckBody` is; anything else goes to the schema, which says what is wrong.
 */
export function plainCandidatesBody(value: unknown): { works: string[] } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const body = value as Record<string, unknown>;
  for (const key in body) if (key !== 'use' && key !== 'works') return undefined;
  const { use, works } = body;
  if (use !== undefined && (typeof use !== 'string' || use.length > 64)) return undefined;
  if (!Array.isArray(works) || works.length > MAX_BATCH_WORKS) return undefined;
  for (const work of works) if (typeof work !== 'string' || work.length > 4096) return undefined;
  return { works: works as string[] };
}

const utf8 = new TextDecoder();

/**
 * `[{"cid":…,"pages":[…],"loggedAt":…},…]`: CIDs are base32 and `loggedAt` an ISO date-time the
 * node made (spec §5.5), so nothing needs escaping.
 */
function refsText(found: readonly LookupCandidate[]): string {
  let text = '[';
  for (let i = 0; i < found.length; i++) {
    const c = found[i] as LookupCandidate;
    text += `${i === 0 ? '' : ','}{"cid":"${c.cid}","pages":[`;
    let first = true;
    for (const page of c.pages.keys()) {
      text += first ? `"${page}"` : `,"${page}"`;
      first = false;
    }
    text += c.loggedAt === undefined ? ']}' : `],"loggedAt":"${c.loggedAt}"}`;
  }
  return `${text}]`;
}

/**
 * `{"asOf":…,"manifests":[{"cid":…,"pages":[…],"loggedAt":…},…],"predecessors":[…],"observations":[…],"attestations":[…]}`. CIDs are
 * base32 and `asOf` a UTC date-time made here: nothing in them needs escaping. Observations are the
 * node's signed credentials, stored as canonical JSON: their text is written as it is.
 */
export function candidatesText(
  asOf: string,
  found: readonly LookupCandidate[],
  evidence: IdentityEvidence = { observations: [], attestations: [] },
  predecessors: readonly LookupCandidate[] = [],
): string {
  let text = `{"asOf":"${asOf}","manifests":${refsText(found)}`;
  if (predecessors.length > 0) text += `,"predecessors":${refsText(predecessors)}`;
  if (evidence.observations.length > 0)
    text += `,"observations":[${evidence.observations.map((o) => utf8.decode(o)).join(',')}]`;
  if (evidence.attestations.length > 0)
    text += `,"attestations":[${evidence.attestations.map((a) => `"${a.cid}"`).join(',')}]`;
  return `${text}}`;
}

/**
 * `POST /v1/candidates`: the manifests this node's own verifier is given for these works
 * (`registry.lookupWorks`), by CID, with the catalog pages naming them, the node's signed observations
 * of their creators' identity links and the CIDs of the attestations naming them, and no decision. The verifier
 * SDK's `gatewaySource` asks this instead of `POST /v1/check`, whose verdicts it would only discard.
 * Body cap, strict parse, batch limit, read rate limit and CORS are those of `POST /v1/check`.
 */
export function addCandidateRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  app.post('/v1/candidates', async (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    const parsed = await batchBody(c, ctx, 'the works');
    if (parsed instanceof Response) return parsed;
    let body = plainCandidatesBody(parsed.value);
    if (body === undefined) {
      const checked = CandidatesBodySchema.safeParse(parsed.value);
      if (!checked.success) throw zodFailure(checked.error.issues);
      body = checked.data;
    }
    // What `registrySource` hands the node's own verifier: malformed ids skipped, url prefixes and
    // every branch head of a forked creator added.
    const signal = signalOf(c);
    const found = await ctx.registry.lookupWorks(body.works, { signal });
    const evidence = identityEvidenceOf(ctx.registry, found);
    // The versions before heads in their waiting window (spec §5.5), for the verifier to weigh.
    const earlier = await ctx.registry.predecessorsOf(found, body.works, { signal });
    return new Response(candidatesText(ctx.asOfText(), found, evidence, earlier), {
      headers: CANDIDATES_HEADERS,
    });
  });
}
