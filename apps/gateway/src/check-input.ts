import { isOrgId, isUseTerm, type UseTerm } from '@assent/manifest';
import { GatewayError } from './errors.js';
import { MAX_BATCH_WORKS } from './schemas.js';

/** The parameters both check routes share. */
export interface CheckInput {
  readonly use: string;
  readonly org?: string | undefined;
  readonly at?: string | undefined;
}

/**
 * The body of `POST /v1/check` when it is exactly what `CheckBodySchema` accepts: `use`, `works`
 * (strings of at most 4,096 characters), optional `org` and `at`, nothing else. Checked by hand
 * because the schema's parse was a few percent of a 10,000-work check; anything else goes to the
 * schema, which says what is wrong.
 */
export function plainCheckBody(value: unknown): (CheckInput & { works: string[] }) | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const body = value as Record<string, unknown>;
  for (const key in body)
    if (key !== 'use' && key !== 'works' && key !== 'org' && key !== 'at') return undefined;
  const { use, works, org, at } = body;
  if (typeof use !== 'string' || use.length > 64) return undefined;
  if (org !== undefined && (typeof org !== 'string' || org.length > 2048)) return undefined;
  if (at !== undefined && (typeof at !== 'string' || at.length > 64)) return undefined;
  if (!Array.isArray(works) || works.length > MAX_BATCH_WORKS) return undefined;
  for (const work of works) if (typeof work !== 'string' || work.length > 4096) return undefined;
  return { use, works: works as string[], org: org as string | undefined, at: at as string | undefined };
}

/**
 * `GET /v1/check`'s parameters when they are what `CheckQuerySchema` accepts, checked by hand (the
 * schema's parse cost more than a reused check); anything else goes to the schema, which says what is
 * wrong.
 */
export function plainCheckQuery(query: Record<string, string>): (CheckInput & { work: string }) | undefined {
  const { work, use, org, at } = query;
  if (work === undefined || work.length > 4096 || use === undefined || use.length > 64) return undefined;
  if ((org !== undefined && org.length > 2048) || (at !== undefined && at.length > 64)) return undefined;
  return { work, use, org, at };
}

/** Validates `use`, `org`, `at` into verifier options; answers the gateway's own 4xx codes. */
export function checkOptions(input: CheckInput): { use: UseTerm; org?: string; at?: string } {
  if (!isUseTerm(input.use)) {
    throw new GatewayError(
      'USE_TERM_UNKNOWN',
      `use must be a v1 term (all, tdm, train-ai, train-genai, ai-input, search)`,
    );
  }
  let org: string | undefined;
  if (input.org !== undefined) {
    org = input.org.startsWith('did:') ? input.org : input.org.toLowerCase();
    if (!isOrgId(org)) throw new GatewayError('ORG_MALFORMED', 'org must be a DID or a domain name');
  }
  if (input.at !== undefined && !Number.isFinite(Date.parse(input.at))) {
    throw new GatewayError('BAD_REQUEST', 'at must be a date-time');
  }
  const options: { use: UseTerm; org?: string; at?: string } = { use: input.use };
  if (org !== undefined) options.org = org;
  if (input.at !== undefined) options.at = input.at;
  return options;
}

/** A schema's first complaint as a `BAD_REQUEST`, with the JSON Pointer of where it is. */
export function zodFailure(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): GatewayError {
  const first = issues[0];
  const pointer = first === undefined ? '' : first.path.map((p) => `/${String(p)}`).join('');
  return new GatewayError(
    'BAD_REQUEST',
    first === undefined ? 'invalid request' : `${pointer || '/'}: ${first.message}`,
    pointer,
  );
}
