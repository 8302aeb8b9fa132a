import { RECEIPT_ERROR_CODES } from '@assent/verifier/receipt';
import { describe, expect, it } from 'vitest';
import { RECEIPT_EXPLANATIONS } from '../src/receipt-explanations.js';
import { readReceiptFile } from '../src/receipt-file.js';

/** Stand-ins: the parser only tells the kinds of kept value apart; verifyReceipt judges the receipt. */
const receipt = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential', 'ConsentCheckReceipt'],
  issuer: 'did:key:z6Mk…',
};
const result = { work: 'isrc:USRC17607839', decision: 'deny', evidence: [] };

describe('receipt files', () => {
  it('reads a POST answer, {receipt, results} and {receipt, item} as one JSON value', () => {
    expect(readReceiptFile(JSON.stringify({ asOf: 'x', results: [result], receipt }))).toEqual({
      receipts: [{ receipt, results: [result] }],
      problems: [],
    });
    const item = { index: 3, chunk: [result], path: [] };
    expect(readReceiptFile(`\uFEFF${JSON.stringify({ receipt, item })}\n`).receipts).toEqual([
      { receipt, item },
    ]);
  });

  it('reads a GET answer as its one result, members in the order sent, without asOf, checkpoint and receipt', () => {
    const text =
      '{"asOf":"t","checkpoint":{"size":2},"work":"isrc:USRC17607839","id":"isrc:USRC17607839","decision":"deny","evidence":[],"receipt":{}}';
    const [kept] = readReceiptFile(text).receipts;
    // The chunk's leaf is JSON.stringify of the result: it must give the bytes the node hashed.
    expect(JSON.stringify(kept?.results)).toBe(
      '[{"work":"isrc:USRC17607839","id":"isrc:USRC17607839","decision":"deny","evidence":[]}]',
    );
  });

  it('reads a bare receipt, with no results to check', () => {
    expect(readReceiptFile(JSON.stringify(receipt)).receipts).toEqual([{ receipt }]);
  });

  it('reads JSON Lines by line number, and reports lines that hold no receipt', () => {
    const lines = [
      JSON.stringify({ asOf: 'x', results: [result], receipt }),
      '',
      'not json',
      JSON.stringify({ hello: 'world' }),
      JSON.stringify({ receipt, results: 'many' }),
      JSON.stringify({ receipt, item: 7 }),
      JSON.stringify({ receipt, results: [] }),
    ].join('\r\n');
    const file = readReceiptFile(lines);
    expect(file.receipts.map((r) => r.line)).toEqual([1, 7]);
    expect(file.problems).toEqual([
      'Line 3 is not JSON.',
      'Line 4 holds no receipt.',
      'Line 5 keeps results that are not a list.',
      'Line 6 keeps an item that is not {index, chunk, path}.',
    ]);
  });

  it('says when a file is empty or holds no receipt', () => {
    expect(readReceiptFile(' \n').problems).toEqual(['The file is empty.']);
    expect(readReceiptFile('[1, 2]').problems).toEqual(['The file holds no receipt.']);
  });

  it('explains every code verifyReceipt has, in words', () => {
    expect(Object.keys(RECEIPT_EXPLANATIONS).sort()).toEqual([...RECEIPT_ERROR_CODES].sort());
  });
});
