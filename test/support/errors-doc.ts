import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * docs/errors.md as data: each `## ` section's title and its table rows as trimmed cells
 * [code (with backticks), HTTP, CLI, meaning]. The one reader for the tests that check the doc.
 */
export function errorsDocSections(): Map<string, string[][]> {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
  const sections = new Map<string, string[][]>();
  for (const part of doc.split('\n## ').slice(1)) {
    const title = part.slice(0, part.indexOf('\n'));
    const rows = part
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    sections.set(title, rows);
  }
  return sections;
}
