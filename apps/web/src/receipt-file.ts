import type { ReceiptItem } from '@assent/verifier/receipt';

/**
 * Reads the receipts a file keeps. A file is one JSON value or JSON Lines (one value a line, what
 * `assent scan --receipt` writes); each value is one of:
 * - a `POST /v1/check?receipt=1` answer, `{asOf, results, receipt}`, or `{receipt, results}`;
 * - one result shown alone, `{receipt, item}` (`receiptItem`);
 * - a `GET /v1/check?…&receipt=1` answer: the result's members, with `asOf` and `checkpoint` first and
 *   `receipt` last;
 * - a bare receipt (its signature and log can be checked, not its results).
 * Values are kept as parsed: a chunk's leaf is `JSON.stringify` of its results, so their member order
 * must stay as the node wrote it (docs/spec/receipt.md §2). Lines that hold no receipt are reported by
 * number.
 */

/** A receipt as kept, with the results (or the one item) kept beside it. */
export interface KeptReceipt {
  /** Its line in a JSON Lines file; undefined when the file is one JSON value. */
  readonly line?: number;
  readonly receipt: unknown;
  readonly results?: readonly unknown[];
  readonly item?: ReceiptItem;
}

export interface ReceiptFile {
  readonly receipts: readonly KeptReceipt[];
  readonly problems: readonly string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isReceipt(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.type) && value.type.includes('ConsentCheckReceipt');
}

/** What one JSON value keeps, or why it keeps no receipt. */
function keptOf(value: unknown): Omit<KeptReceipt, 'line'> | string {
  if (!isObject(value)) return 'holds no receipt';
  if (!('receipt' in value)) return isReceipt(value) ? { receipt: value } : 'holds no receipt';
  const { receipt } = value;
  if ('results' in value) {
    return Array.isArray(value.results)
      ? { receipt, results: value.results }
      : 'keeps results that are not a list';
  }
  if ('item' in value) {
    // The item's members are checked by verifyReceipt, which names a bad one by its code.
    return isObject(value.item)
      ? { receipt, item: value.item as unknown as ReceiptItem }
      : 'keeps an item that is not {index, chunk, path}';
  }
  if ('decision' in value) {
    // A GET answer: the result is every member but asOf, checkpoint and receipt, in the order sent.
    const { asOf: _asOf, checkpoint: _checkpoint, receipt: _receipt, ...result } = value;
    return { receipt, results: [result] };
  }
  return { receipt };
}

/** The receipts in a file's text, and the lines that hold none. */
export function readReceiptFile(text: string): ReceiptFile {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return { receipts: [], problems: ['The file is empty.'] };
  let whole: unknown;
  let isJson = true;
  try {
    whole = JSON.parse(body);
  } catch {
    isJson = false;
  }
  if (isJson) {
    const kept = keptOf(whole);
    return typeof kept === 'string'
      ? { receipts: [], problems: [`The file ${kept}.`] }
      : { receipts: [kept], problems: [] };
  }
  const receipts: KeptReceipt[] = [];
  const problems: string[] = [];
  for (const [i, raw] of body.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`Line ${i + 1} is not JSON.`);
      continue;
    }
    const kept = keptOf(value);
    if (typeof kept === 'string') problems.push(`Line ${i + 1} ${kept}.`);
    else receipts.push({ line: i + 1, ...kept });
  }
  return { receipts, problems };
}
