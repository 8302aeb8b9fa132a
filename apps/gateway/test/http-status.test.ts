/**
 * The gateway maps codes to HTTP in one place (`HTTP_STATUS`); this checks it against docs/errors.md,
 * row by row, and that no code maps to 500.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HTTP_STATUS, httpStatusOf } from '../src/index.js';

const doc = readFileSync(join(import.meta.dirname, '../../../docs/errors.md'), 'utf8');

/** [section title, code, HTTP status] for every table row. */
const rows: [string, string, number][] = doc
  .split('\n## ')
  .slice(1)
  .flatMap((part) => {
    const title = part.slice(0, part.indexOf('\n'));
    return part
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => {
        const [code, http] = line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim());
        return [title, (code as string).slice(1, -1), Number(http)] as [string, string, number];
      });
  });

// Codes the gateway never answers: unsigned-signal issues, the CLI's own, and receipt verdicts (a
// verifier's, offline). The transparency log's are answered since the gateway serves the witness
// endpoint (issue 18).
const NOT_HTTP = ['Signals', 'CLI', 'Receipts'];

describe('HTTP_STATUS', () => {
  it('has the codes of docs/errors.md that a gateway answers, each with its documented status', () => {
    const served = rows.filter(([title]) => !NOT_HTTP.some((p) => title.startsWith(p)));
    expect({ ...HTTP_STATUS }).toEqual(Object.fromEntries(served.map(([, code, http]) => [code, http])));
  });

  it('maps no code to 500; an unknown code is a 503', () => {
    for (const status of Object.values(HTTP_STATUS)) expect(status).not.toBe(500);
    expect(httpStatusOf('SOMETHING_NEW')).toBe(503);
  });
});
