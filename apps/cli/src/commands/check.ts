import { isUseTerm, USE_TERMS } from '@assent/manifest';
import type { Command } from '../context.js';
import { cliError } from '../errors.js';
import { warningExitCode } from '../scan-report.js';
import { openVerifier, SOURCE_OPTIONS, sourceFault } from '../verifier-source.js';
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

/** `assent check WORK_ID --use TERM [--org DID] [--gateway URL]` */
export const check: Command = {
  usage: `assent check WORK_ID --use TERM [--org DID] [--gateway URL] [--offline [--data DIR]]
             [--fail-on deny|unknown] [--json]

Checks one work for one AI use. The gateway only supplies manifests: this CLI verifies each one and
decides locally (and remembers each creator's newest version in $ASSENT_HOME/verifier-state.json, so a
rolled-back gateway is caught, and exits 5: docs/errors.md gives each warning's exit code).
WORK_ID: isrc:…, url:… (or a bare https:// URL), sha256:…, …
Terms: all, tdm, train-ai, train-genai, ai-input, search.

Example:
  assent check isrc:USRC17607839 --use train-genai --org did:web:example.ai`,
  options: { ...SOURCE_OPTIONS, use: { type: 'string' }, 'fail-on': { type: 'string' } },
  async run(values, positionals, ctx) {
    const input = positionals[0];
    if (input === undefined) throw cliError('USAGE', 'missing WORK_ID');
    const use = useOf(values);
    const failOn = values['fail-on'] as string | undefined;
    if (failOn !== undefined && failOn !== 'deny' && failOn !== 'unknown')
      throw cliError('USAGE', '--fail-on takes deny or unknown');
    const item = workIdFromText(input, input);
    if (item.error !== undefined || item.ids[0] === undefined)
      throw cliError(item.error?.code ?? 'USAGE', item.error?.message ?? input);
    const open = await openVerifier(values, ctx);
    try {
      let result: Awaited<ReturnType<typeof open.verifier.check>>;
      try {
        result = await open.verifier.check({ work: item.ids[0], use, ...orgOf(values) });
      } catch (error) {
        if (error instanceof TypeError) throw cliError('USAGE', error.message);
        throw sourceFault(error, open.source);
      }
      const colour =
        result.decision === 'allow'
          ? ctx.style.ok
          : result.decision === 'conditional'
            ? ctx.style.warn
            : ctx.style.bad;
      ctx.emit(result, () =>
        [
          `${colour(result.decision)}${result.disputed ? ctx.style.warn(' (disputed)') : ''}  ${result.work} for ${use}`,
          result.reason,
          ...(result.conditions === undefined ? [] : [`conditions: ${JSON.stringify(result.conditions)}`]),
          ...result.evidence.map((e) =>
            ctx.style.dim(`evidence: ${e.cid} v${e.version} ${e.issuer} → ${e.decision} (${e.rule})`),
          ),
          ...result.warnings.map((w) => ctx.style.warn(`warning ${w.code}: ${w.message}`)),
        ].join('\n'),
      );
      const failed =
        failOn !== undefined &&
        (result.decision === 'deny' || (failOn === 'unknown' && result.decision === 'unknown'));
      // As scan: a warning's own exit code (docs/errors.md), the highest, over --fail-on's 1.
      return Math.max(failed ? 1 : 0, ...result.warnings.map((w) => warningExitCode(w.code)));
    } finally {
      await open.close();
    }
  },
};
