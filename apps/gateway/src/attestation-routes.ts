import { parseDidKey } from '@assent/manifest';
import { type AttestationSummary, MAX_ATTESTATION_LIST } from '@assent/registry';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { CORS } from './cors.js';
import { credentialAnswer } from './credential-answer.js';
import { errorResponse, json, toResponse } from './error-answer.js';
import { GatewayError } from './errors.js';
import { bodyOf, contentTypeOf } from './request-env.js';
import type { RouteContext } from './route-context.js';

/** Summaries per `GET /v1/attestations?subject=` answer by default. */
export const ATTESTATION_LIST_PAGE = 100;

/** An attestation as the API describes it: absent members are null, so every answer has one shape. */
function summaryJson(s: AttestationSummary) {
  return {
    cid: s.cid,
    issuer: s.issuer,
    subject: s.subject,
    role: s.role ?? null,
    validFrom: s.validFrom,
    validUntil: s.validUntil ?? null,
    isrcs: s.isrcs,
    isrcPrefixes: s.isrcPrefixes,
    urlPrefixes: s.urlPrefixes,
  };
}

/**
 * `POST /v1/attestations` (publish an attestation), `GET /v1/attestations/{cid}` (its bytes) and
 * `GET /v1/attestations?subject=DID` (those naming a creator). The node verifies each attestation
 * completely and trusts none: which attesters count is each verifier's trust list. Publishing has
 * the body cap, strict JSON, write rate limit and error answers of `POST /v1/manifests`, and is
 * same-origin only; the reads have CORS.
 */
export function addAttestationRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { registry } = ctx;

  app.post('/v1/attestations', async (c) => {
    const limited = ctx.rateLimited('write', ctx.clientKey(c));
    if (limited !== undefined) return toResponse(limited);
    if (contentTypeOf(c) !== 'application/json')
      throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'send a signed attestation as application/json');
    const bytes = await bodyOf(c, ctx.maxManifestBytes, ctx.bodyBudget);
    const result = await registry.attestations.add(bytes);
    if (!result.ok) return errorResponse(result.code, result.message, result.path);
    const { cid, status, attestation: a } = result.value;
    const summary: AttestationSummary = {
      cid,
      issuer: a.issuer,
      subject: a.subject,
      role: a.role,
      validFrom: a.validFrom,
      validUntil: a.validUntil,
      isrcs: a.isrcs.length,
      isrcPrefixes: a.isrcPrefixes.length,
      urlPrefixes: a.urlPrefixes.length,
    };
    return json(summaryJson(summary), status === 'new' ? 201 : 200);
  });

  app.get('/v1/attestations/:cid', (c) =>
    credentialAnswer(c, ctx, 'attestation', (cid) => registry.attestations.get(cid)),
  );

  app.get('/v1/attestations', (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    const subject = c.req.query('subject');
    if (subject === undefined || subject === '')
      return errorResponse('BAD_REQUEST', 'name the creator: ?subject=did:key:…', undefined, CORS);
    const did = parseDidKey(subject);
    if (!did.ok) return errorResponse(did.code, did.message, undefined, CORS);
    const limitText = c.req.query('limit');
    let limit = ATTESTATION_LIST_PAGE;
    if (limitText !== undefined) {
      limit = Number(limitText);
      if (!/^\d{1,4}$/.test(limitText) || limit < 1 || limit > MAX_ATTESTATION_LIST)
        return errorResponse(
          'BAD_REQUEST',
          `limit must be an integer from 1 to ${MAX_ATTESTATION_LIST}`,
          undefined,
          CORS,
        );
    }
    const attestations = registry.attestations.list(subject, { limit }).map(summaryJson);
    return json({ subject, attestations }, 200, CORS);
  });
}
