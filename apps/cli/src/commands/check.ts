import { isUseTerm, USE_TERMS, type UseTerm, type WorkId } from '@assent/manifest';
import type { CheckResult } from '@assent/verifier';
import type { CheckpointMemory } from '@assent/verifier/receipt';
import { claimantLine } from '../claimant-text.js';
import type { Command, Context } from '../context.js';
import { cliError, exitCodeOf } from '../errors.js';
import { IDENTITY_FLAGS_HELP } from '../identity-flags.js';
import type { ReceiptFailure } from '../receipt-failure.js';
import { writeReceiptFile } from '../receipt-file.js';
import { candidateBlocks, type ReceiptQuestion, requestReceipt, verifyAnswer } from '../receipt-request.js';
import { type ReceiptSummary, summarizeReceipt } from '../receipt-summary.js';
import { warningExitCode } from '../scan-report.js';
import { checkpointMemory, openVerifier, SOURCE_OPTIONS, sourceFault } from '../verifier-source.js';
import { workIdFromText } from '../work-items.js';

/** The `--use` flag, checked against the vocabulary. */
export function useOf(values: Record<string, unknown>) {
  const use = values.use as string | undefined;
  if (use === undefined) throw cliError('USAGE', `--use TERM is required; one of ${USE_TERMS.join(', ')}`);
  if (!isUseTerm(use))
    throw cliError('USAGE', `--use ${use}: not a use term; one of ${USE_TERMS.join(', ')}`);
  return use;
}

/** The `--org` flag, if any. */
export function orgOf(values: Record<string, unknown>): { org?: string } {
  const org = values.org as string | undefined;
  return org === undefined ? {} : { org };
}

/** One verdict as text: decision, reason, conditions, claimants, evidence, warnings. */
function resultText(result: CheckResult, ctx: Context): string {
  const colour =
    result.decision === 'allow'
      ? ctx.style.ok
      : result.decision === 'conditional'
        ? ctx.style.warn
        : ctx.style.bad;
  return [
    `${colour(result.decision)}${result.disputed ? ctx.style.warn(' (disputed)') : ''}  ${result.work} for ${result.use}`,
    result.reason,
    ...(result.conditions === undefined ? [] : [`conditions: ${JSON.stringify(result.conditions)}`]),
    ...result.claimants.map((c) => claimantLine(c)),
    ...result.evidence.map((e) =>
      ctx.style.dim(
        `evidence: ${e.cid} v${e.version} ${e.issuer} → ${e.decision} (${e.rule})${
          // A loosening waiting for its 72-hour window (docs/decisions.md §2.3): not counted yet.
          e.pendingUntil === undefined ? '' : `, waits until ${e.pendingUntil}`
        }`,
      ),
    ),
    ...result.warnings.map((w) => ctx.style.warn(`warning ${w.code}: ${w.message}`)),
  ].join('\n');
}

/** What became of `--receipt`: kept (verified, written) or refused (not written). */
type Kept =
  | { readonly file: string; readonly summary: ReceiptSummary }
  | { readonly failure: ReceiptFailure };

/**
 * Asks the node for the same check with a receipt, verifies it (deriving the decisions again from the
 * manifests the gateway names for these works) and holds it to this CLI's decisions; writes it only
 * when it passes.
 */
async function keepReceipt(
  file: string,
  gateway: string,
  question: ReceiptQuestion & { readonly works: readonly WorkId[]; readonly use: UseTerm },
  deciding: Promise<CheckResult[]>,
  seen: CheckpointMemory,
): Promise<Kept> {
  const [record, blocks, local] = await Promise.all([
    requestReceipt(gateway, question),
    candidateBlocks(gateway, question.works, question.use).catch((error: unknown) => {
      throw sourceFault(error, { gateway });
    }),
    deciding,
  ]);
  const verdict = await verifyAnswer(record, question, local, { manifests: blocks, seen });
  if (!verdict.ok) return { failure: verdict };
  await writeReceiptFile(file, record);
  return { file, summary: summarizeReceipt(verdict.value, record.results) };
}

/** `assent check WORK_ID... --use TERM [--org DID] [--gateway URL] [--receipt FILE]` */
export const check: Command = {
  usage: `assent check WORK_ID... --use TERM [--org DID] [--gateway URL] [--offline [--data DIR]]
             [--trust FILE] [--unbound-grants] [--receipt FILE] [--fail-on deny|unknown] [--json]

Checks works for one AI use. The gateway only supplies manifests: this CLI verifies each one and
decides locally (and remembers each creator's newest version in $ASSENT_HOME/verifier-state.json, so a
rolled-back gateway is caught, and exits 5: docs/errors.md gives each warning's exit code).
WORK_ID: isrc:…, url:… (or a bare https:// URL), sha256:…, …
Terms: all, tdm, train-ai, train-genai, ai-input, search.
With several WORK_IDs, --json prints {"results": [...]}; with one, the result itself.

--receipt FILE: also asks the gateway's node the same check (same works, use, org and time of use) with
a receipt it signs (POST /v1/check?receipt=1), verifies the receipt (the node's signature, its log
checkpoint and inclusion proofs, its results against the signed root, each decision derived again from
the manifests), checks that the node decided every work as this CLI did, and only then writes FILE:
{"receipt": {...}, "results": [...]}, the node's results exactly as it sent them, on one line.
Verify it again later, offline: assent receipt verify FILE. A receipt that fails is not written, and
the command exits with its code (4; 5 for EQUIVOCATION). Not with --offline: a receipt needs a node.

${IDENTITY_FLAGS_HELP}

Examples:
  assent check isrc:USRC17607839 --use train-genai --org did:web:example.ai
  assent check isrc:USRC17607839 isrc:GBAYE0601498 --use train-genai --receipt receipt.json`,
  options: {
    ...SOURCE_OPTIONS,
    use: { type: 'string' },
    'fail-on': { type: 'string' },
    receipt: { type: 'string' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length === 0) throw cliError('USAGE', 'missing WORK_ID');
    const use = useOf(values);
    const failOn = values['fail-on'] as string | undefined;
    if (failOn !== undefined && failOn !== 'deny' && failOn !== 'unknown')
      throw cliError('USAGE', '--fail-on takes deny or unknown');
    const receiptFile = values.receipt as string | undefined;
    if (receiptFile !== undefined && values.offline === true)
      throw cliError('USAGE', '--receipt needs a node to sign the receipt: not with --offline');
    const works = positionals.map((input) => {
      const item = workIdFromText(input, input);
      if (item.error !== undefined || item.ids[0] === undefined)
        throw cliError(item.error?.code ?? 'USAGE', item.error?.message ?? input);
      return item.ids[0];
    });
    // One time of use for the local decisions and the node's, so that a receipt answers the same check.
    const question = { works, use, ...orgOf(values), at: new Date().toISOString() };
    const open = await openVerifier(values, ctx);
    try {
      const deciding = open.verifier.checkMany(question).catch((error: unknown) => {
        throw error instanceof TypeError ? cliError('USAGE', error.message) : sourceFault(error, open.source);
      });
      const [results, kept] = await Promise.all([
        deciding,
        receiptFile === undefined || !('gateway' in open.source)
          ? undefined
          : keepReceipt(receiptFile, open.source.gateway, question, deciding, checkpointMemory(ctx)),
      ]);
      const receipt =
        kept === undefined
          ? {}
          : 'failure' in kept
            ? { receipt: { error: { code: kept.failure.code, message: kept.failure.message } } }
            : { receipt: { file: kept.file, ...kept.summary } };
      ctx.emit(results.length === 1 ? { ...results[0], ...receipt } : { results, ...receipt }, () =>
        results.map((r) => resultText(r, ctx)).join('\n\n'),
      );
      if (kept !== undefined && !ctx.json) {
        if ('failure' in kept)
          ctx.note(
            `${ctx.style.bad(`error ${kept.failure.code}`)}: ${kept.failure.message} (no receipt written)`,
          );
        else {
          const { summary } = kept;
          ctx.write(
            `receipt: ${kept.file}, signed by ${summary.node}; log ${summary.log.origin} at tree size ` +
              `${summary.log.treeSize}; ${summary.results} result${summary.results === 1 ? '' : 's'} checked ` +
              `against the signed root, ${summary.rederived} derived again from the manifests\n`,
          );
        }
      }
      const failed = (r: CheckResult) =>
        failOn !== undefined && (r.decision === 'deny' || (failOn === 'unknown' && r.decision === 'unknown'));
      // As scan: a warning's own exit code (docs/errors.md), the highest, over --fail-on's 1.
      return Math.max(
        0,
        ...results.map((r) => Math.max(failed(r) ? 1 : 0, ...r.warnings.map((w) => warningExitCode(w.code)))),
        kept !== undefined && 'failure' in kept ? exitCodeOf(kept.failure.code) : 0,
      );
    } finally {
      await open.close();
    }
  },
};
