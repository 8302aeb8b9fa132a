import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { CheckResult } from '@assent/verifier';
import type { Command, Context } from '../context.js';
import { cliError } from '../errors.js';
import { entryOf, type ScanEntry, summarize, summaryTable, toCsv } from '../scan-report.js';
import { openVerifier, SOURCE_OPTIONS, sourceFault } from '../verifier-source.js';
import { resolveInputs } from '../work-items.js';
import { orgOf, useOf } from './check.js';

/** Works per verifier call, and calls in flight: each call is one `POST /v1/check` batch. */
const CHUNK = 1000;
const CONCURRENCY = 4;

function progress(ctx: Context) {
  let last = 0;
  return (label: string, done: number, total: number, force = false) => {
    if (!ctx.interactive || ctx.json) return;
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const width = 24;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    process.stderr.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}\u001b[K`,
    );
    if (force) process.stderr.write('\n');
  };
}

/** `assent scan PATH... --use TERM` */
export const scan: Command = {
  usage: `assent scan PATH... --use TERM [--org DID] [--gateway URL] [--offline [--data DIR]]
            [--out FILE] [--format table|json|csv] [--fail-on deny|unknown] [--json]

Checks every item of a dataset. PATH is a folder (files hashed in parallel, ISRC read from tags), an
audio or other file, or a list: .csv (columns url, id, isrc, …), .jsonl or .txt of URLs or ids.
Works are checked in concurrent batches through the gateway (which only supplies manifests: each is
verified here), or with --offline against a local node's data. The report holds every item with its
decision, conditions and evidence; a summary table ends the run. Progress goes to stderr on a terminal.
--fail-on deny: exit 1 when an item is denied; --fail-on unknown: also when one is unknown or unreadable.

Example:
  assent scan ./dataset urls.csv --use train-genai --org did:web:example.ai --out report.json --fail-on deny`,
  options: {
    ...SOURCE_OPTIONS,
    use: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    'fail-on': { type: 'string' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length === 0)
      throw cliError('USAGE', 'missing PATH (a folder or a .csv/.jsonl/.txt list)');
    const use = useOf(values);
    const org = orgOf(values);
    const out = values.out as string | undefined;
    const outExt = out === undefined ? '' : extname(out).toLowerCase().slice(1);
    const format =
      (values.format as string | undefined) ??
      (ctx.json ? 'json' : outExt === 'json' || outExt === 'csv' ? outExt : 'table');
    if (format !== 'table' && format !== 'json' && format !== 'csv')
      throw cliError('USAGE', '--format takes table, json or csv');
    const failOn = values['fail-on'] as string | undefined;
    if (failOn !== undefined && failOn !== 'deny' && failOn !== 'unknown')
      throw cliError('USAGE', '--fail-on takes deny or unknown');

    const show = progress(ctx);
    let files = 0;
    let hashed = 0;
    const items = await resolveInputs(positionals, {
      lists: true,
      onFilesFound: (n) => {
        files = n;
      },
      onFile: () => show('hashing ', ++hashed, files),
    });
    if (files > 0) show('hashing ', hashed, files, true);

    const ids = [...new Set(items.flatMap((i) => i.ids))];
    const results = new Map<string, CheckResult>();
    const open = await openVerifier(values, ctx);
    const at = new Date().toISOString();
    try {
      let next = 0;
      let checked = 0;
      const worker = async () => {
        while (next < ids.length) {
          const chunk = ids.slice(next, next + CHUNK);
          next += CHUNK;
          const answers = await open.verifier.checkMany({ works: chunk, use, at, ...org });
          for (const r of answers) results.set(r.work, r);
          checked += chunk.length;
          show('checking', checked, ids.length);
        }
      };
      try {
        await Promise.all(
          Array.from({ length: Math.min(CONCURRENCY, Math.ceil(ids.length / CHUNK)) }, worker),
        );
      } catch (error) {
        if (error instanceof TypeError) throw cliError('USAGE', error.message);
        throw sourceFault(error, open.source);
      }
      if (ids.length > 0) show('checking', checked, ids.length, true);
    } finally {
      await open.close();
    }

    const entries: ScanEntry[] = items.map((item) =>
      entryOf(
        item,
        item.ids.map((id) => results.get(id)).filter((r): r is CheckResult => r !== undefined),
      ),
    );
    const summary = summarize(entries);
    const report = { use, ...org, at, source: open.source, summary, items: entries };
    const rendered =
      format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : format === 'csv'
          ? toCsv(entries)
          : `${entries
              .map((e) => {
                const colour =
                  e.decision === 'allow'
                    ? ctx.style.ok
                    : e.decision === 'conditional'
                      ? ctx.style.warn
                      : ctx.style.bad;
                return `${colour(e.decision.padEnd(11))} ${e.disputed ? 'disputed ' : ''}${e.source}  ${ctx.style.dim(e.decidedBy ?? e.reason)}`;
              })
              .join('\n')}\n`;
    const table = summaryTable(summary);
    if (out !== undefined) {
      try {
        await writeFile(out, rendered);
      } catch (cause) {
        throw cliError('FILE_UNWRITABLE', `cannot write ${out}: ${(cause as Error).message}`, cause);
      }
      if (ctx.json) ctx.write(`${JSON.stringify({ out, format, summary }, null, 2)}\n`);
      else ctx.write(`${table}\nReport: ${out} (${format})\n`);
    } else if (format === 'table') {
      ctx.write(`${rendered}\n${table}\n`);
    } else {
      ctx.write(rendered);
      if (!ctx.json) ctx.note(table);
    }
    const failed =
      failOn !== undefined &&
      (summary.deny > 0 || (failOn === 'unknown' && (summary.unknown > 0 || summary.errors > 0)));
    return failed ? 1 : 0;
  },
};
