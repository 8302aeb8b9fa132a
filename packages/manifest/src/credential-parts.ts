/**
 * Schema parts the third-party credentials share (attestations, link observations): a UTC date-time,
 * the Data Integrity proof's shape, and a schema issue carrying a stable error code. Internal: not part
 * of the package's API.
 */
import * as z from 'zod/mini';
import type { ErrorCode } from './errors.js';
import { isDateTime } from './schema.js';

type Ctx = z.core.$RefinementCtx<unknown>;

/** Reports a schema failure with its own stable code (`failureFromZod` reads it back). */
export function codedIssue(ctx: Ctx, code: ErrorCode, message: string): void {
  ctx.addIssue({ code: 'custom', message, params: { assentCode: code } });
}

/** A UTC RFC 3339 date-time (`isDateTime`). */
export const dateTimeSchema = z
  .string()
  .check(z.refine(isDateTime, 'expected a UTC date-time such as 2026-11-26T10:00:00Z'));

/** The proof's shape; its values are judged by the Data Integrity verifier, each with its own code. */
export const proofShapeSchema = z.strictObject({
  type: z.string(),
  cryptosuite: z.string(),
  created: dateTimeSchema,
  verificationMethod: z.string(),
  proofPurpose: z.string(),
  proofValue: z.string(),
  '@context': z.optional(z.json()),
});
