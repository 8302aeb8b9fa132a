import { errorsDocSections } from '../support/errors-doc.js';

const rows = [...errorsDocSections().values()].flat();
const codeOf = (row: string[]) => (row[0] ?? '').replaceAll('`', '');

/** Every public error code of docs/errors.md with its HTTP status (the one list, STYLE §6). */
export const DOCUMENTED_STATUS: ReadonlyMap<string, number> = new Map(
  rows.map((row) => [codeOf(row), Number(row[1])]),
);

/** Every public error code of docs/errors.md with its CLI exit code. */
export const DOCUMENTED_EXIT: ReadonlyMap<string, number> = new Map(
  rows.map((row) => [codeOf(row), Number(row[2])]),
);

/**
 * What is wrong with a gateway's answer to untrusted input, or undefined when nothing is: the status
 * is 2xx or 4xx (never 5xx, DESIGN §5), and an error is `{"error":{"code","message"}}` (an optional
 * `path` beside them) whose code docs/errors.md lists with exactly this status.
 */
export function answerProblem(status: number, body: string): string | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status < 400 || status >= 500) return `HTTP ${status}: ${body.slice(0, 300)}`;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return `HTTP ${status} with a body that is not JSON: ${body.slice(0, 120)}`;
  }
  const error = (value as { error?: unknown } | null)?.error as
    | { code?: unknown; message?: unknown; path?: unknown }
    | undefined;
  if (typeof value !== 'object' || value === null || Object.keys(value).join() !== 'error')
    return `HTTP ${status}: not an error body: ${body.slice(0, 120)}`;
  if (typeof error !== 'object' || error === null) return `HTTP ${status}: error is not an object`;
  const extra = Object.keys(error).filter((k) => k !== 'code' && k !== 'message' && k !== 'path');
  if (extra.length > 0) return `HTTP ${status}: unexpected members ${extra.join(', ')}`;
  if (typeof error.code !== 'string' || typeof error.message !== 'string')
    return `HTTP ${status}: code and message must be strings`;
  if (error.path !== undefined && typeof error.path !== 'string')
    return `HTTP ${status}: path is not a string`;
  if (/\n\s+at /.test(error.message)) return `HTTP ${status}: the message carries a stack trace`;
  const documented = DOCUMENTED_STATUS.get(error.code);
  if (documented === undefined) return `HTTP ${status}: ${error.code} is not in docs/errors.md`;
  if (documented !== status) return `HTTP ${status}: docs/errors.md gives ${error.code} HTTP ${documented}`;
  return undefined;
}
