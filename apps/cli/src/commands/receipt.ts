import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDidKey } from '@assent/manifest';
import { parseTlogPolicy } from '@assent/tlog';
import {
  type ConsentCheckReceipt,
  RECEIPT_CHUNK_SIZE,
  type ReceiptItem,
  receiptItem,
  type VerifyReceiptOptions,
  verifyReceipt,
} from '@assent/verifier/receipt';
import type { Command, Style } from '../context.js';
import { cliError, exitCodeOf } from '../errors.js';
import { type ReceiptFailure, reportReceiptFailure } from '../receipt-failure.js';
import {
  formatReceiptRecord,
  type ReceiptItemRecord,
  type ReceiptRecord,
  readReceiptFile,
  writeReceiptFile,
} from '../receipt-file.js';
import { type ReceiptSummary, receiptSummaryLines, summarizeReceipt } from '../receipt-summary.js';
import { checkpointMemory } from '../verifier-source.js';

/** `--item N` / `N`: a result's index, counted from 0 across the file's receipts. */
function indexOf(text: string, what: string): number {
  const n = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw cliError('USAGE', `${what} takes a result's index (0, 1, …), got ${text}`);
  return n;
}

/**
 * The receipt as `receiptItem` reads its chunk size, when it states a usable one; else none (the
 * default), and `verifyReceipt` refuses the receipt's shape.
 */
function chunkSizeOf(receipt: unknown): Pick<ConsentCheckReceipt, 'credentialSubject'> | undefined {
  const size = (receipt as { credentialSubject?: { results?: { chunkSize?: unknown } } } | undefined)
    ?.credentialSubject?.results?.chunkSize;
  return Number.isSafeInteger(size) && (size as number) >= 1
    ? (receipt as Pick<ConsentCheckReceipt, 'credentialSubject'>)
    : undefined;
}

/** The result an item shows (its chunk holds the results around it). */
function itemResult(item: ReceiptItem, receipt: unknown): unknown {
  const size = chunkSizeOf(receipt)?.credentialSubject.results.chunkSize ?? RECEIPT_CHUNK_SIZE;
  return item.chunk[item.index % size];
}

/**
 * Finds result `n`, counted from 0 across the file's `{receipt, results}` records (a scan's receipt
 * file: across its lines), and shows it alone. A line that is not a record, before it is found, makes
 * the count unknowable: its failure is answered instead.
 */
async function findItem(
  path: string,
  n: number,
): Promise<{ record: ReceiptItemRecord; line: number } | { line: number; failure: ReceiptFailure }> {
  let offset = 0;
  for await (const entry of readReceiptFile(path)) {
    if ('failure' in entry) return entry;
    const { record, line } = entry;
    if (!('results' in record))
      throw cliError(
        'USAGE',
        `${path} line ${line} holds one result alone already: give it to receipt verify as it is`,
      );
    if (n < offset + record.results.length) {
      const item = receiptItem(record.results, n - offset, chunkSizeOf(record.receipt));
      return { record: { receipt: record.receipt, item }, line };
    }
    offset += record.results.length;
  }
  throw cliError('USAGE', `no result ${n}: ${path} holds ${offset} (counted from 0 across its receipts)`);
}

/** Every regular file in a folder (symlinks followed), as raw blocks: manifests and catalog pages. */
async function readBlocks(dir: string): Promise<Uint8Array[]> {
  const unreadable = (cause: unknown) =>
    cliError('FILE_UNREADABLE', `cannot read the folder ${dir}: ${(cause as Error).message}`, cause);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (cause) {
    throw unreadable(cause);
  }
  const blocks: Uint8Array[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      if ((await stat(path)).isFile()) blocks.push(new Uint8Array(await readFile(path)));
    } catch (cause) {
      throw cliError('FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, cause);
    }
  }
  return blocks;
}

/** `--policy FILE`: a C2SP tlog-policy, refused with its own code (`POLICY_MALFORMED`) before any receipt. */
async function readPolicy(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw cliError('FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, cause);
  }
  const parsed = parseTlogPolicy(text);
  if (!parsed.ok) throw cliError(parsed.code, `--policy ${path}: ${parsed.message}`);
  return text;
}

/** One receipt's outcome, as `--json` prints it. */
type Outcome = { readonly receipt: number; readonly line: number } & (
  | ({
      readonly ok: true;
      readonly item?: { readonly index: number; readonly result: unknown };
    } & ReceiptSummary)
  | ({ readonly ok: false } & ReceiptFailure)
);

/** An entry of the file (with `--item`, the one record that holds result `index`). */
type Entry =
  | { readonly line: number; readonly record: ReceiptRecord | ReceiptItemRecord; readonly index?: number }
  | { readonly line: number; readonly failure: ReceiptFailure };

/** Verifies one entry: its outcome, and the results it shows (all of them, or the one alone). */
async function verifyEntry(
  receipt: number,
  entry: Entry,
  options: VerifyReceiptOptions,
): Promise<{ outcome: Outcome; shown: readonly unknown[] }> {
  const { line } = entry;
  if ('failure' in entry) return { outcome: { receipt, line, ok: false, ...entry.failure }, shown: [] };
  const { record } = entry;
  const verdict = await verifyReceipt(
    record.receipt,
    'results' in record ? { ...options, results: record.results } : { ...options, item: record.item },
  );
  if (!verdict.ok) return { outcome: { receipt, line, ...verdict }, shown: [] };
  const shown = 'results' in record ? record.results : [itemResult(record.item, record.receipt)];
  const summary = summarizeReceipt(verdict.value, shown);
  // --item N: the index asked (across the file); an item file: its place in its receipt.
  const item = 'item' in record ? { index: entry.index ?? record.item.index, result: shown[0] } : undefined;
  return {
    outcome: { receipt, line, ok: true, ...summary, ...(item === undefined ? {} : { item }) },
    shown,
  };
}

/** An outcome as text: what the receipt proves, or its failure. */
function outcomeText(
  outcome: Outcome,
  shown: readonly unknown[],
  options: { readonly rederiving: boolean; readonly policy: boolean; readonly style: Style },
): string {
  const { style } = options;
  const head = `receipt ${outcome.receipt} (line ${outcome.line})`;
  if (!outcome.ok)
    return [
      `${head}: ${style.bad(outcome.code)}: ${outcome.message}`,
      ...(outcome.equivocation?.notes ?? []).map((note) => style.dim(note.trimEnd())),
    ].join('\n');
  const alone = outcome.item === undefined ? '' : `, result ${outcome.item.index} alone`;
  return [`${head}: ${style.ok('verified')}${alone}`, ...receiptSummaryLines(outcome, shown, options)].join(
    '\n',
  );
}

/** `assent receipt verify FILE [--manifests DIR] [--node DID ...] [--policy FILE] [--item N]` */
export const verify: Command = {
  usage: `assent receipt verify FILE [--manifests DIR] [--node DID ...] [--policy FILE] [--item N] [--json]

Verifies check receipts offline (docs/spec/receipt.md §4): each node's signature, its log checkpoint
and the inclusion of every manifest the results rest on, and the results against the signed root.
FILE: what check --receipt, scan --receipt or receipt item wrote: {"receipt", "results"} or
{"receipt", "item"}, one JSON object or JSON Lines of them (a line per batch of a scan).
  --manifests DIR  every regular file in DIR is a raw block (a manifest or a catalog page, its exact
                   bytes, e.g. from GET /v1/manifests/CID and GET /ipfs/CID): each result whose
                   manifests are all there is decided again, and must come out the same
  --node DID       accept only receipts signed by these node DIDs (repeat the flag for several)
  --policy FILE    a C2SP tlog-policy: the logs to accept and the witnesses whose cosignatures the
                   checkpoint needs (without one, the log key the receipt states, no witnesses)
  --item N         verify only result N (from 0, across the file's receipts), alone: its chunk and
                   audit path, as receipt item writes them
Prints what each receipt proves: the node, the log (origin, tree size, root), the witnesses that
cosigned, how many results were checked and derived again, and the decisions; and per failure its
code. Exit codes: 0 every receipt verified; 3 RECEIPT_MALFORMED; 4 a signature, checkpoint, proof,
result or decision that fails (RECEIPT_*); 5 EQUIVOCATION (two trees of one size signed by one log);
the highest when several fail.

Examples:
  assent receipt verify receipt.json --manifests ./blocks --node did:key:z6Mk…
  assent receipt verify scan-receipts.jsonl --item 1234`,
  options: {
    manifests: { type: 'string' },
    node: { type: 'string', multiple: true },
    policy: { type: 'string' },
    item: { type: 'string' },
  },
  async run(values, positionals, ctx) {
    const [path, extra] = positionals;
    if (path === undefined) throw cliError('USAGE', 'missing FILE');
    if (extra !== undefined) throw cliError('USAGE', `one FILE, got also ${extra}`);
    const nodes = values.node as string[] | undefined;
    for (const did of nodes ?? [])
      if (!parseDidKey(did).ok) throw cliError('USAGE', `--node ${did}: not a node DID (did:key:…)`);
    const policy = values.policy === undefined ? undefined : await readPolicy(values.policy as string);
    const manifests =
      values.manifests === undefined ? undefined : await readBlocks(values.manifests as string);
    const itemIndex = values.item === undefined ? undefined : indexOf(values.item as string, '--item');
    const options: VerifyReceiptOptions = {
      ...(nodes === undefined ? {} : { trustedNodes: nodes }),
      ...(policy === undefined ? {} : { policy }),
      ...(manifests === undefined ? {} : { manifests }),
      // The largest checkpoint per log, across the file and earlier runs: two histories are caught.
      seen: checkpointMemory(ctx),
    };
    const text = { rederiving: manifests !== undefined, policy: policy !== undefined, style: ctx.style };

    // With --item, only the record that holds result N; else every record, as the file is read.
    const entries: AsyncIterable<Entry> =
      itemIndex === undefined
        ? readReceiptFile(path)
        : (async function* () {
            const found = await findItem(path, itemIndex);
            yield 'failure' in found ? found : { ...found, index: itemIndex };
          })();
    // Text is written as the file is read; only --json keeps every outcome, for its one document.
    const outcomes: Outcome[] = [];
    const checked = { receipts: 0, verified: 0, results: 0, rederived: 0 };
    let exit = 0;
    for await (const entry of entries) {
      const { outcome, shown } = await verifyEntry(++checked.receipts, entry, options);
      if (outcome.ok) {
        checked.verified++;
        checked.results += outcome.results;
        checked.rederived += outcome.rederived;
      } else exit = Math.max(exit, exitCodeOf(outcome.code));
      if (ctx.json) outcomes.push(outcome);
      else ctx.write(`${outcomeText(outcome, shown, text)}\n`);
    }
    const ok = checked.verified === checked.receipts;
    if (ctx.json) ctx.write(`${JSON.stringify({ file: path, ok, checked, receipts: outcomes }, null, 2)}\n`);
    else {
      const { receipts, verified, results, rederived } = checked;
      ctx.write(
        `${path}: ${verified} of ${receipts} receipt${receipts === 1 ? '' : 's'} verified; ` +
          `${results} result${results === 1 ? '' : 's'} checked against the signed root` +
          `${manifests === undefined ? '' : `, ${rederived} derived again from the manifests`}\n`,
      );
    }
    return exit;
  },
};

/** `assent receipt item FILE N [--out F]` */
export const item: Command = {
  usage: `assent receipt item FILE N [--out F] [--json]

Writes the evidence for one work alone: {"receipt": {...}, "item": {"index", "chunk", "path"}}, the
receipt and result N of its answer with the results of its chunk (100 per chunk) and the chunk's audit
path to the signed root (docs/spec/receipt.md §3). FILE: what check --receipt or scan --receipt wrote
({"receipt", "results"}, or JSON Lines of them); N counts the results from 0 across the file's receipts
(a scan's: one per work id asked, in input order); "index" in the item is the result's place in its own
receipt. The item is verified before it is written. To F (one line of JSON), else on stdout.

Example:
  assent receipt item receipt.json 0 --out work-0.json && assent receipt verify work-0.json`,
  options: { out: { type: 'string' } },
  async run(values, positionals, ctx) {
    const [path, n, extra] = positionals;
    if (path === undefined || n === undefined) throw cliError('USAGE', 'missing FILE or N');
    if (extra !== undefined) throw cliError('USAGE', `FILE and N, got also ${extra}`);
    const index = indexOf(n, 'N');
    const found = await findItem(path, index);
    if ('failure' in found) return reportReceiptFailure(ctx, found.failure);
    const { record } = found;
    const verdict = await verifyReceipt(record.receipt, { item: record.item });
    if (!verdict.ok) return reportReceiptFailure(ctx, verdict);
    const result = itemResult(record.item, record.receipt) as { work?: unknown; decision?: unknown };
    const out = values.out as string | undefined;
    if (out === undefined) {
      ctx.write(`${formatReceiptRecord(record)}\n`);
      return 0;
    }
    await writeReceiptFile(out, record);
    ctx.emit(
      { out, index, work: result.work, decision: result.decision, node: verdict.value.node },
      () => `${out}: result ${index} alone (${String(result.work)} → ${String(result.decision)}), verified`,
    );
    return 0;
  },
};
