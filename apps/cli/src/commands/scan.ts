import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { CheckResult } from '@assent/verifier';
import type { Command, Context } from '../context.js';
import { cliError } from '../errors.js';
import { IDENTITY_FLAGS_HELP } from '../identity-flags.js';
import { ReceiptRejected, reportReceiptFailure } from '../receipt-failure.js';
import { formatReceiptRecord } from '../receipt-file.js';
import { requestReceipt, verifyAnswer } from '../receipt-request.js';
import { csvRows, entryOf, type ScanEntry, ScanTally, summaryTable, tableLine } from '../scan-report.js';
import { checkpointMemory, openVerifier, SOURCE_OPTIONS, sourceFault } from '../verifier-source.js';
import { streamInputChunks, type WorkItem } from '../work-items.js';
import { orgOf, useOf } from './check.js';

/**
 * Work ids per gateway request (`POST /v1/candidates`; half the API's limit of 10,000) and batches in
 * flight: the node looks up the next while an answer is verified, decided and written. Memory holds at most this many batches of items
 * and entries, plus the one being read. A 10,000,000-line list peaked at 269 MB RSS with three in
 * flight and 271 MB with two (bar 300 MB): V8's heap sizing, not the depth, sets the peak, so three.
 * With --receipt, each batch in flight also holds the node's receipted answer (about 2 MB of JSON).
 */
const BATCH = 5_000;
const IN_FLIGHT = 3;
/** Characters of report text gathered before a write to the output. */
const WRITE_CHUNK = 1 << 16;

const FORMATS = ['table', 'json', 'jsonl', 'csv'] as const;
type Format = (typeof FORMATS)[number];

/** A batch's report entries, and with --receipt its verified receipt as a line of the receipt file. */
interface Checked {
  readonly entries: ScanEntry[];
  readonly receipt?: string | undefined;
}

/** Progress on stderr, when it is a terminal: items checked so far, files hashed. */
function progress(ctx: Context) {
  let last = 0;
  return (checked: number, hashed: number, done = false) => {
    if (!ctx.interactive || ctx.json) return;
    const now = Date.now();
    if (!done && now - last < 100) return;
    last = now;
    process.stderr.write(
      `\rscan: ${checked.toLocaleString('en-US')} items checked${hashed > 0 ? `, ${hashed.toLocaleString('en-US')} files hashed` : ''}\u001b[K${done ? '\n' : ''}`,
    );
  };
}

/** Text written to a stream in chunks, waiting for it to drain: output never piles up in memory. */
function sinkOf(stream: NodeJS.WritableStream, what: string) {
  let buffer = '';
  let failure: Error | undefined;
  stream.on('error', (error: Error) => {
    failure = error;
  });
  const fail = () =>
    cliError('FILE_UNWRITABLE', `cannot write ${what}: ${(failure as Error).message}`, failure);
  const flush = async () => {
    if (failure !== undefined) throw fail();
    if (buffer === '') return;
    const text = buffer;
    buffer = '';
    if (!stream.write(text))
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('error', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('error', done);
      });
    if (failure !== undefined) throw fail();
  };
  return {
    async write(text: string) {
      buffer += text;
      if (buffer.length >= WRITE_CHUNK) await flush();
    },
    flush,
  };
}

/** `assent scan PATH... --use TERM` */
export const scan: Command = {
  usage: `assent scan PATH... --use TERM [--org DID] [--gateway URL] [--offline [--data DIR]]
            [--out FILE] [--format table|json|jsonl|csv] [--receipt FILE] [--fail-on deny|unknown]
            [--trust FILE] [--unbound-grants] [--json]

Checks every item of a dataset. PATH is a folder (files hashed in parallel, ISRC read from tags), an
audio or other file, or a list: .csv (columns url, id, isrc, …), .jsonl or .txt of URLs or ids.
Items are read as a stream and checked in batches of 5,000 (three in flight) through the gateway
(which only supplies manifests: each is verified here), or with --offline against a local node's data.
The report is written as it goes, in input order: every item with its decision, conditions, evidence
and warnings; memory stays flat whatever the dataset's size. A summary table ends the run (with a row
per warning code). Progress goes to stderr on a terminal. --format defaults to the --out extension.
Exit codes: 1 when --fail-on matches (deny: an item is denied; unknown: also unknown or unreadable);
the warning's own code when an item carries one (5 ROLLBACK_DETECTED, HEAD_MISSING, FORKED; 4
MANIFEST_REJECTED; 3 CATALOG_PAGE_REJECTED; 1 STALE, INSUFFICIENT_BINDING), the highest if several;
the report is complete.

--receipt FILE: each batch is also asked of the gateway's node with a receipt it signs (one more
POST /v1/check?receipt=1 per batch), verified as it arrives (signature, log checkpoint and inclusion
proofs, results against the signed root) and held to this CLI's own decisions; FILE gets a line per
batch, in input order, as JSON Lines: {"receipt": {...}, "results": [...]}, the node's results exactly as
sent (one per work id asked, not per report item). A receipt that fails stops the scan with its code
(4; 5 for EQUIVOCATION); every line already written verified. Verify the file again, offline, with
assent receipt verify FILE. Not with --offline: a receipt needs a node.

${IDENTITY_FLAGS_HELP}

Example:
  assent scan ./dataset urls.csv --use train-genai --org did:web:example.ai --out report.jsonl --fail-on deny`,
  options: {
    ...SOURCE_OPTIONS,
    use: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    'fail-on': { type: 'string' },
    receipt: { type: 'string' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length === 0)
      throw cliError('USAGE', 'missing PATH (a folder or a .csv/.jsonl/.txt list)');
    const use = useOf(values);
    const org = orgOf(values);
    const out = values.out as string | undefined;
    const outExt = out === undefined ? '' : extname(out).toLowerCase().slice(1);
    // The file's extension names its format; without one, --json's JSON, else the table.
    const format = ((values.format as string | undefined) ??
      (FORMATS.includes(outExt as Format) ? outExt : ctx.json ? 'json' : 'table')) as Format;
    if (!FORMATS.includes(format)) throw cliError('USAGE', '--format takes table, json, jsonl or csv');
    const failOn = values['fail-on'] as 'deny' | 'unknown' | undefined;
    if (failOn !== undefined && failOn !== 'deny' && failOn !== 'unknown')
      throw cliError('USAGE', '--fail-on takes deny or unknown');
    const receiptsTo = values.receipt as string | undefined;
    if (receiptsTo !== undefined && values.offline === true)
      throw cliError('USAGE', '--receipt needs a node to sign the receipts: not with --offline');
    if (receiptsTo !== undefined && out !== undefined && resolve(receiptsTo) === resolve(out))
      throw cliError('USAGE', '--receipt and --out name the same file');

    // Every input is classified (a missing path, a malformed id fail here) before anything is written.
    const show = progress(ctx);
    let hashed = 0;
    let checked = 0;
    const chunks = await streamInputChunks(positionals, {
      lists: true,
      normalize: false,
      onFile: () => {
        hashed++;
        show(checked, hashed);
      },
    });
    const verifying = await openVerifier(values, ctx, { batchSize: BATCH });
    let file: Awaited<ReturnType<typeof open>> | undefined;
    if (out !== undefined) {
      try {
        file = await open(out, 'w');
      } catch (cause) {
        await verifying.close();
        throw cliError('FILE_UNWRITABLE', `cannot write ${out}: ${(cause as Error).message}`, cause);
      }
    }
    let receiptFile: Awaited<ReturnType<typeof open>> | undefined;
    if (receiptsTo !== undefined) {
      try {
        receiptFile = await open(receiptsTo, 'w');
      } catch (cause) {
        await verifying.close();
        await file?.close();
        throw cliError('FILE_UNWRITABLE', `cannot write ${receiptsTo}: ${(cause as Error).message}`, cause);
      }
    }
    const stream = file === undefined ? ctx.stdout : file.createWriteStream();
    const sink = sinkOf(stream, out ?? 'stdout');
    const receiptStream = receiptFile?.createWriteStream();
    const receipts =
      receiptStream === undefined || !('gateway' in verifying.source)
        ? undefined
        : {
            gateway: verifying.source.gateway,
            sink: sinkOf(receiptStream, receiptsTo as string),
            // The largest checkpoint per log, across batches and runs: two histories are caught.
            seen: checkpointMemory(ctx),
            written: 0,
          };
    /** Writes out the receipt lines and closes their file. */
    const closeReceipts = async () => {
      if (receipts === undefined || receiptStream === undefined) return;
      await receipts.sink.flush();
      receiptStream.end();
      await once(receiptStream, 'close');
      receiptFile = undefined;
    };
    const tally = new ScanTally();
    const at = new Date().toISOString();
    const head = { use, ...org, at, source: verifying.source };
    let first = true;

    // The JSON document opens with the first answer, so that a source that fails at once (a gateway
    // down) leaves stdout holding only the error document `--json` promises.
    const opening = () => (format === 'json' ? `${JSON.stringify(head).slice(0, -1)},"items":[\n` : '');
    const write = async ({ entries, receipt }: Checked) => {
      let text = first ? opening() : '';
      if (format === 'csv') text = csvRows(entries, first);
      else
        for (const e of entries) {
          if (format === 'json') text += `${first ? '' : ',\n'}${JSON.stringify(e)}`;
          else if (format === 'jsonl') text += `${JSON.stringify(e)}\n`;
          else text += `${tableLine(e, ctx.style)}\n`;
          first = false;
        }
      first = false;
      for (const e of entries) tally.add(e);
      checked += entries.length;
      show(checked, hashed);
      await sink.write(text);
      if (receipt !== undefined && receipts !== undefined) {
        await receipts.sink.write(`${receipt}\n`);
        receipts.written++;
      }
    };
    /**
     * Checks a batch's ids in one verifier call; the results come back in order, item by item. With
     * --receipt, the node is asked the same batch at once, and its receipt verified before the batch
     * is written: the line of the receipt file (`ReceiptRejected` when it fails).
     */
    const check = async (batch: readonly WorkItem[], works: readonly string[]): Promise<Checked> => {
      const [results, record] = await Promise.all([
        works.length === 0 ? [] : verifying.verifier.checkMany({ works, use, at, ...org }),
        works.length === 0 || receipts === undefined
          ? undefined
          : requestReceipt(receipts.gateway, { works, use, at, ...org }),
      ]);
      let receipt: string | undefined;
      if (record !== undefined && receipts !== undefined) {
        const verdict = await verifyAnswer(record, { works, use, at, ...org }, results, {
          seen: receipts.seen,
        });
        if (!verdict.ok)
          throw new ReceiptRejected({
            ...verdict,
            message: `the receipt for the batch from ${batch[0]?.source}: ${verdict.message}`,
          });
        receipt = formatReceiptRecord(record);
      }
      const entries: ScanEntry[] = [];
      let next = 0;
      for (const item of batch) {
        if (item.spelled === undefined) {
          entries.push(entryOf(item, results.slice(next, next + item.ids.length)));
          next += item.ids.length;
          continue;
        }
        // A list entry, normalized by the verifier: its result's id, or why it is not a work id.
        const result = results[next++] as CheckResult;
        if (result.id !== null) entries.push(entryOf({ source: item.source, ids: [result.id] }, [result]));
        else {
          const why = result.warnings[0];
          const error = {
            code: why?.code ?? 'USAGE',
            message: `${item.spelled}: ${why?.message ?? 'not a work id'}`,
          };
          entries.push(entryOf({ source: item.source, ids: [], error }, []));
        }
      }
      return { entries, receipt };
    };

    try {
      const pending: Promise<Checked>[] = [];
      let batch: WorkItem[] = [];
      let works: string[] = [];
      const send = async () => {
        const sent = check(batch, works);
        // Awaited in order below; meanwhile a failure must not count as unhandled.
        sent.catch(() => {});
        pending.push(sent);
        batch = [];
        works = [];
        if (pending.length >= IN_FLIGHT) await write(await (pending.shift() as Promise<Checked>));
      };
      try {
        for await (const chunk of chunks)
          for (const item of chunk) {
            const count = item.spelled === undefined ? item.ids.length : 1;
            if (works.length + count > BATCH && batch.length > 0) await send();
            batch.push(item);
            if (item.spelled === undefined) for (const id of item.ids) works.push(id);
            else works.push(item.spelled);
          }
        if (batch.length > 0) await send();
        for (let p = pending.shift(); p !== undefined; p = pending.shift()) await write(await p);
      } catch (error) {
        if (error instanceof ReceiptRejected) {
          // What was written stays: the report up to the batch before, and every receipt, verified.
          await sink.flush();
          await closeReceipts();
          return reportReceiptFailure(ctx, error.failure);
        }
        if (error instanceof TypeError) throw cliError('USAGE', error.message);
        throw sourceFault(error, verifying.source);
      }
      const summary = tally.summary();
      const warnings = tally.warnings();
      if (first) await sink.write(format === 'csv' ? csvRows([], true) : opening());
      if (format === 'json')
        await sink.write(
          `\n],"summary":${JSON.stringify(summary)},"warnings":${JSON.stringify(warnings)}}\n`,
        );
      await sink.flush();
      if (file !== undefined) {
        stream.end();
        await once(stream, 'close');
        file = undefined;
      }
      await closeReceipts();
      show(checked, hashed, true);
      const kept =
        receipts === undefined ? undefined : { file: receiptsTo as string, receipts: receipts.written };
      const table = `${summaryTable(summary, warnings)}${
        kept === undefined ? '' : `\nReceipts: ${kept.file} (${kept.receipts}, each verified)`
      }`;
      if (out !== undefined) {
        if (ctx.json)
          ctx.write(
            `${JSON.stringify({ out, format, summary, warnings, ...(kept === undefined ? {} : { receipts: kept }) }, null, 2)}\n`,
          );
        else ctx.write(`${table}\nReport: ${out} (${format})\n`);
      } else if (format === 'table') ctx.write(`\n${table}\n`);
      else if (!ctx.json) ctx.note(table);
      return tally.exitCode(failOn);
    } finally {
      await verifying.close();
      // Only after a failure: the report stops where the failure stopped it.
      if (file !== undefined) await file.close().catch(() => {});
      if (receiptFile !== undefined) await receiptFile.close().catch(() => {});
    }
  },
};
