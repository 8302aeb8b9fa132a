import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AssentError, ERROR_CODES, fail, isAssentError, ok, unwrap } from '../src/errors.js';

const doc = readFileSync(join(import.meta.dirname, '../../../docs/errors.md'), 'utf8');

/** The table rows of docs/errors.md as trimmed cells: [code, HTTP, CLI, meaning]. */
const rows = doc
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

describe('error codes', () => {
  it('are listed once each in docs/errors.md, with an HTTP status and a CLI exit code', () => {
    for (const code of ERROR_CODES) {
      const mine = rows.filter((cells) => cells[0] === `\`${code}\``);
      expect(mine, code).toHaveLength(1);
      const [, http, cli, meaning] = mine[0] as string[];
      expect(http, code).toMatch(/^[45]\d\d$/);
      expect(cli, code).toMatch(/^[1-5]$/);
      expect(meaning?.length, code).toBeGreaterThan(10);
    }
  });

  it('docs/errors.md lists no code the package does not have', () => {
    const known = new Set<string>(ERROR_CODES.map((code) => `\`${code}\``));
    expect(rows.map((cells) => cells[0]).filter((cell) => !known.has(cell as string))).toEqual([]);
  });

  it('are unique SCREAMING_SNAKE strings', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
  });

  it('unwrap returns a success value and throws a failure as an AssentError with its code and path', () => {
    expect(unwrap(ok(3))).toBe(3);
    try {
      unwrap(fail('JSON_SYNTAX', 'bad', '/a'));
      expect.unreachable();
    } catch (error) {
      expect(isAssentError(error, 'JSON_SYNTAX')).toBe(true);
      expect(error).toBeInstanceOf(AssentError);
      expect((error as AssentError).path).toBe('/a');
    }
  });
});
