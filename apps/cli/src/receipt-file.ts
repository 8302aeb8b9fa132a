import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { ReceiptItem } from '@assent/verifier/receipt';
import { cliError } from './errors.js';
import type { ReceiptFailure } from './receipt-failure.js';

/**
 * The receipt files the CLI writes and reads (apps/cli/README.md, "Receipts"): a JSON object per
 * receipt, `{"receipt", "results"}` (`check --receipt`, and a line per batch of `scan --receipt`) or
 * `{"receipt", "item"}` (`receipt item`: one result alone). A file holds one such object, or JSON Lines
 * of them. The results are kept exactly as the node's answer had them: the receipt's leaves are their
 * `JSON.stringify` bytes (docs/spec/receipt.md §2), so parsing and writing them back rebuilds the same
 * leaves, and any re-shaping would not.
 */

/** A receipt with every result of the answer it was signed over. */
export interface ReceiptRecord {
  readonly receipt: unknown;
  readonly results: readonly unknown[];
}

/** A receipt with one result shown alone (`receiptItem`). */
export interface ReceiptItemRecord {
  readonly receipt: unknown;
  readonly item: ReceiptItem;
}

/** One object of a receipt file, or why it is not one. `line`: where it starts (1-based). */
export type ReceiptFileEntry =
  | { readonly line: number; readonly record: ReceiptRecord | ReceiptItemRecord }
  | { readonly line: number; readonly failure: ReceiptFailure };

/** The JSON text of a record, on one line (a file of them is JSON Lines). */
export function formatReceiptRecord(record: ReceiptRecord | ReceiptItemRecord): string {
  return 'results' in record
    ? JSON.stringify({ receipt: record.receipt, results: record.results })
    : JSON.stringify({ receipt: record.receipt, item: record.item });
}

/** Writes a file holding one record (one line: the file is also JSON Lines); `FILE_UNWRITABLE` if it cannot. */
export async function writeReceiptFile(
  path: string,
  record: ReceiptRecord | ReceiptItemRecord,
): Promise<void> {
  try {
    await writeFile(path, `${formatReceiptRecord(record)}\n`);
  } catch (cause) {
    throw cliError('FILE_UNWRITABLE', `cannot write ${path}: ${(cause as Error).message}`, cause);
  }
}

/** Larger than this, a file that is not JSON Lines is not read whole (V8's strings end near 512 MB). */
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

const malformed = (message: string): ReceiptFailure => ({ code: 'RECEIPT_MALFORMED', message });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A parsed JSON value as a record, or why it is not one. */
function recordOf(
  value: unknown,
  where: string,
): { record: ReceiptRecord | ReceiptItemRecord } | { failure: ReceiptFailure } {
  const what = `${where}: not {"receipt", "results"} or {"receipt", "item"}`;
  if (!isObject(value) || !isObject(value.receipt)) return { failure: malformed(what) };
  const results = value.results;
  const item = value.item;
  if (Array.isArray(results) && item === undefined) return { record: { receipt: value.receipt, results } };
  if (isObject(item) && results === undefined)
    return { record: { receipt: value.receipt, item: item as unknown as ReceiptItem } };
  return { failure: malformed(what) };
}

/**
 * The records of a receipt file, in order, read a line at a time: a scan's receipts (a line per batch
 * of 5,000 results) are never all in memory. A file whose first line is not JSON is read as one JSON
 * document (a pretty-printed receipt). A line that is not a record is a `RECEIPT_MALFORMED` entry; a
 * file that cannot be read is `FILE_UNREADABLE`.
 */
export async function* readReceiptFile(path: string): AsyncGenerator<ReceiptFileEntry> {
  let size: number;
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw new Error('not a file');
    size = stats.size;
  } catch (cause) {
    throw cliError('FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, cause);
  }
  const input = createReadStream(path);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  let records = 0;
  let whole = false;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        if (records === 0) {
          whole = true;
          break;
        }
        yield { line, failure: malformed(`line ${line} is not JSON`) };
        continue;
      }
      records++;
      yield { line, ...recordOf(value, `line ${line}`) };
    }
  } catch (cause) {
    throw cliError('FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, cause);
  } finally {
    lines.close();
    input.destroy();
  }
  if (whole) {
    if (size > MAX_DOCUMENT_BYTES) {
      yield {
        line: 1,
        failure: malformed(`${path} is neither JSON Lines nor a JSON document of at most 256 MiB`),
      };
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(await readFile(path, 'utf8'));
    } catch (cause) {
      yield { line: 1, failure: malformed(`${path} is not JSON: ${(cause as Error).message}`) };
      return;
    }
    yield { line: 1, ...recordOf(value, path) };
    return;
  }
  if (records === 0) yield { line: 1, failure: malformed(`${path} holds no receipt`) };
}
