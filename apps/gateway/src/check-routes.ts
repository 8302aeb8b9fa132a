import type { CheckResult } from '@assent/verifier';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { batchBody } from './batch-body.js';
import { checkManyBody, checkOneText } from './check-answer.js';
import { type CheckInput, checkOptions, plainCheckBody, plainCheckQuery, zodFailure } from './check-input.js';
import { CORS } from './cors.js';
import { errorAnswer, type PlainAnswer, toResponse } from './error-answer.js';
import { chunkLeafHash, type ReceiptQuery, signReceipt, wantsReceipt } from './receipt-answer.js';
import { signalOf } from './request-env.js';
import type { RouteContext } from './route-context.js';
import { CheckBodySchema, CheckQuerySchema } from './schemas.js';

const CHECK_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  ...CORS,
});

/** The answer to `GET /v1/check` with these (decoded) query parameters; throws a `GatewayError` for bad ones. */
export type CheckOne = (query: Record<string, string>) => Promise<PlainAnswer>;

/** What a receipt states the check asked: the validated options and the time of use decided for. */
function queryOf(options: ReturnType<typeof checkOptions>, at: string): ReceiptQuery {
  return options.org === undefined ? { use: options.use, at } : { use: options.use, org: options.org, at };
}

/** `GET /v1/check` and `POST /v1/check` (each with `receipt=1` for a signed receipt); answers the GET route's own function for the Node server. */
export function addCheckRoutes(app: OpenAPIHono, ctx: RouteContext): CheckOne {
  const { verifier } = ctx;

  /** The verifier's result for `GET /v1/check`'s parameters, or the error answer of a bad work id. */
  const decideOne = async (
    raw: Record<string, string>,
  ): Promise<{ result: CheckResult; options: ReturnType<typeof checkOptions> } | PlainAnswer> => {
    let query = plainCheckQuery(raw);
    if (query === undefined) {
      const checked = CheckQuerySchema.safeParse(raw);
      if (!checked.success) throw zodFailure(checked.error.issues);
      query = checked.data;
    }
    const options = checkOptions(query);
    const result = await verifier.check(
      options.org === undefined && options.at === undefined
        ? { use: options.use, work: query.work }
        : { ...options, work: query.work },
    );
    // A malformed id is the client's error here (a batch answers it per work instead); the verifier
    // normalized it already and says why in its warning.
    if (result.id === null) {
      const why = result.warnings[0] ?? { code: 'BAD_REQUEST', message: 'work is not a work id' };
      return errorAnswer(why.code, why.message, undefined, CORS);
    }
    return { result, options };
  };

  const checkOne: CheckOne = async (raw) => {
    const decided = await decideOne(raw);
    if (!('result' in decided)) return decided;
    return { status: 200, headers: CHECK_HEADERS, body: checkOneText(ctx.answerHead(), decided.result) };
  };

  /** `GET /v1/check?…&receipt=1`: the answer, and the receipt signed over its one result. */
  const checkOneWithReceipt = async (raw: Record<string, string>): Promise<PlainAnswer> => {
    const decided = await decideOne(raw);
    if (!('result' in decided)) return decided;
    const { result, options } = decided;
    const chunk = new TextEncoder().encode(JSON.stringify([result]));
    const signed = await signReceipt(ctx, queryOf(options, result.at), [result], [chunkLeafHash(chunk)]);
    const body = checkOneText(ctx.answerHead(), result);
    return {
      status: 200,
      headers: CHECK_HEADERS,
      body: `${body.slice(0, -1)},"receipt":${JSON.stringify(signed)}}`,
    };
  };

  app.get('/v1/check', async (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    const { receipt, ...query } = c.req.query();
    if (!wantsReceipt(receipt)) return toResponse(await checkOne(query));
    return toResponse(await checkOneWithReceipt(query));
  });

  app.post('/v1/check', async (c) => {
    const limited = ctx.rateLimited('read', ctx.clientKey(c), CORS);
    if (limited !== undefined) return toResponse(limited);
    const receipt = wantsReceipt(c.req.query('receipt'));
    const parsed = await batchBody(c, ctx, 'the check');
    if (parsed instanceof Response) return parsed;
    let body: (CheckInput & { works: string[] }) | undefined = plainCheckBody(parsed.value);
    if (body === undefined) {
      const checked = CheckBodySchema.safeParse(parsed.value);
      if (!checked.success) throw zodFailure(checked.error.issues);
      body = checked.data;
    }
    const options = checkOptions(body);
    const results = await verifier.checkMany({ ...options, works: body.works, signal: signalOf(c) });
    const receipting = receipt
      ? {
          leafHash: chunkLeafHash,
          sign: (leafHashes: readonly Uint8Array[]) =>
            signReceipt(
              ctx,
              queryOf(options, results[0]?.at ?? ctx.now().toISOString()),
              results,
              leafHashes,
            ),
        }
      : undefined;
    return new Response(checkManyBody(ctx.answerHead(), results, receipting), {
      headers: { 'content-type': 'application/json', ...CORS },
    });
  });

  return checkOne;
}
