import { workIdFromText } from './work-input.js';

/**
 * Reads a list of works from a text or CSV file: one work a line (a row), each cell an ISRC, a link or
 * a work id (`isrc:…`, `url:…`). A first row that holds no id is a header; a header cell named
 * `title` (or `name`) marks the column of the works' titles. A row whose cells do not all read as ids
 * is reported by line number, and nothing of it is added.
 */
export interface WorkList {
  readonly works: readonly { readonly ids: readonly string[]; readonly title?: string }[];
  readonly problems: readonly string[];
}

/** Rows of RFC 4180 CSV (quoted cells may hold commas, quotes as `""` and line breaks); `,` `;` or tab. */
export function csvRows(text: string): string[][] {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const separator = firstLine.includes('\t')
    ? '\t'
    : firstLine.includes(';') && !firstLine.includes(',')
      ? ';'
      : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (c === separator) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** The works a list names. `name` (the file's) decides whether it is read as CSV (`.csv`) or lines. */
export function readWorkList(text: string, name: string): WorkList {
  const rows = /\.csv$/i.test(name) ? csvRows(text) : text.split(/\r?\n|\r/).map((line) => [line]);
  const works: { ids: string[]; title?: string }[] = [];
  const problems: string[] = [];
  let titleColumn = -1;
  for (const [r, row] of rows.entries()) {
    const cells = row.map((c) => c.trim());
    if (cells.every((c) => c === '')) continue;
    const ids: string[] = [];
    const bad: string[] = [];
    let title: string | undefined;
    for (const [c, cell] of cells.entries()) {
      if (cell === '') continue;
      if (c === titleColumn) {
        title = cell.slice(0, 512);
        continue;
      }
      const id = workIdFromText(cell);
      if (id.ok) ids.push(id.value);
      else bad.push(cell);
    }
    if (r === 0 && ids.length === 0) {
      // A header row: remember where the titles are.
      titleColumn = cells.findIndex((c) => /^(title|name)$/i.test(c));
      continue;
    }
    if (bad.length > 0 || ids.length === 0) {
      problems.push(
        `Line ${r + 1}: “${bad.join('”, “').slice(0, 120)}” is not an ISRC, a link or a work id.`,
      );
      continue;
    }
    works.push(title === undefined ? { ids } : { ids, title });
  }
  return { works, problems };
}
