import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { isAssentError, normalizeWorkId, sha256WorkId, type WorkId } from '@assent/manifest';
import { parse } from 'csv-parse';
import { readAudioTags } from './audio-tags.js';
import { cliError } from './errors.js';
import { createHashPool } from './file-hash.js';

/**
 * What a command works on: files (hashed, ISRC from tags), folders of them, lists of URLs or ids
 * (`.csv`, `.jsonl`, `.txt`) and ids given directly. Each becomes an item with its work ids.
 */
export interface WorkItem {
  /** Where it came from: a file path, `list.csv:12`, or the id as typed. */
  readonly source: string;
  /** Normalized ids: `sha256:` first for files, then ISRCs from the tags; one id for list entries. */
  readonly ids: readonly WorkId[];
  readonly title?: string;
  /** Why the item could not be identified (unreadable file, malformed id). */
  readonly error?: { readonly code: string; readonly message: string };
  /**
   * A list entry read with `normalize: false`: its id as spelled (`url:`, `isrc:` or the column's kind
   * added), not yet normalized, and `ids` empty. A verifier normalizes every id it is given anyway
   * (its result's `id`, or a `WORK_ID_*` warning), so `assent scan` leaves it to do that once.
   */
  readonly spelled?: string;
}

const ID_PREFIX = /^(sha256|cid|isrc|iswc|url|url-prefix):/;
const BARE_ISRC = /^[A-Za-z]{2}-?[A-Za-z0-9]{3}-?\d{2}-?\d{5}$/;
/** List formats `scan` reads; any other file is hashed as a work. */
export const LIST_EXTENSIONS = new Set(['.csv', '.jsonl', '.txt']);

/** True when the text is meant as a work id (`isrc:…`, `url:…`, …) or a bare http(s) URL. */
export function looksLikeId(text: string): boolean {
  return ID_PREFIX.test(text) || /^https?:\/\//i.test(text);
}

/** How text names a work id before normalization: a bare URL is `url:`, a bare ISRC `isrc:`. */
function spell(raw: string, kind: string | undefined): string {
  return kind !== undefined && !ID_PREFIX.test(raw)
    ? `${kind}:${raw}`
    : /^https?:\/\//i.test(raw)
      ? `url:${raw}`
      : BARE_ISRC.test(raw)
        ? `isrc:${raw}`
        : raw;
}

/** A list entry as spelled, for a consumer that normalizes ids itself (see {@link WorkItem.spelled}). */
function spelledItem(text: string, source: string, kind?: string): WorkItem {
  return { source, ids: [], spelled: spell(text.trim(), kind) };
}

/** A work id from text in a list or on the command line: a bare URL is `url:`, a bare ISRC `isrc:`. */
export function workIdFromText(text: string, source: string, kind?: string): WorkItem {
  const raw = text.trim();
  const id = normalizeWorkId(spell(raw, kind));
  return id.ok
    ? { source, ids: [id.value] }
    : { source, ids: [], error: { code: id.code, message: `${raw}: ${id.message}` } };
}

/** Collects an async iterable into an array, one push at a time (no spread of a whole list). */
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * Every regular file under a folder, in a stable order (names sorted within each folder), yielded as
 * the walk goes: only one folder's entries are held at a time per level. Hidden entries and symlinked
 * folders are skipped.
 */
export async function* walkFiles(dir: string): AsyncGenerator<string> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw cliError('FILE_UNREADABLE', `cannot read the folder ${dir}: ${(cause as Error).message}`, cause);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(path);
    else if (entry.isFile()) yield path;
  }
}

/** Every regular file under a folder, in a stable order; hidden entries and symlinked folders skipped. */
export function walk(dir: string): Promise<string[]> {
  return collect(walkFiles(dir));
}

/** Files being hashed and tag-read at once while a stream of files is turned into items. */
const FILE_WINDOW = 32;

/**
 * Items of files, in input order, as they are hashed (worker threads) with their tags read alongside.
 * At most {@link FILE_WINDOW} files are in progress, so a folder of any size streams through.
 */
export async function* fileItemsOf(
  paths: Iterable<string> | AsyncIterable<string>,
  onFile?: () => void,
): AsyncGenerator<WorkItem> {
  const pool = createHashPool();
  const itemOf = async (path: string): Promise<WorkItem> => {
    const [hash, tags] = await Promise.all([pool.hash(path), readAudioTags(path)]);
    onFile?.();
    if ('error' in hash)
      return { source: path, ids: [], error: { code: 'FILE_UNREADABLE', message: `${path}: ${hash.error}` } };
    const ids = [sha256WorkId(new Uint8Array(Buffer.from(hash.sha256, 'hex'))), ...tags.isrc];
    return tags.title === undefined ? { source: path, ids } : { source: path, ids, title: tags.title };
  };
  const window: Promise<WorkItem>[] = [];
  try {
    for await (const path of paths) {
      const pending = itemOf(path);
      // Settled later, in order; never an unhandled rejection meanwhile.
      pending.catch(() => {});
      window.push(pending);
      if (window.length >= FILE_WINDOW) yield await (window.shift() as Promise<WorkItem>);
    }
    for (let next = window.shift(); next !== undefined; next = window.shift()) yield await next;
  } finally {
    await pool.close();
  }
}

/** Items of files: hashed in parallel (worker threads), tags read alongside. */
export function fileItems(paths: readonly string[], onFile?: () => void): Promise<WorkItem[]> {
  return collect(fileItemsOf(paths, onFile));
}

const HEADER_KINDS: Readonly<Record<string, string | null>> = {
  url: 'url',
  link: 'url',
  id: null,
  work: null,
  work_id: null,
  isrc: 'isrc',
  iswc: 'iswc',
  sha256: 'sha256',
  cid: 'cid',
};

/** The item of one `.jsonl` line: a string, or an object with one of the {@link HEADER_KINDS} members. */
type ItemOf = (text: string, source: string, kind?: string) => WorkItem;

function jsonLineItem(line: string, source: string, itemOf: ItemOf): WorkItem | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { source, ids: [], error: { code: 'JSON_SYNTAX', message: `${source}: not JSON` } };
  }
  if (typeof value === 'string') return itemOf(value, source);
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const key = Object.keys(HEADER_KINDS).find((k) => typeof record[k] === 'string');
  if (key === undefined)
    return { source, ids: [], error: { code: 'USAGE', message: `${source}: no url, id or isrc member` } };
  return itemOf(record[key] as string, source, HEADER_KINDS[key] ?? undefined);
}

/** Items per chunk a list reader yields: one await per chunk, not per line (profiled at 10M lines). */
const CHUNK_ITEMS = 1024;

/**
 * Items of a `.txt` or `.jsonl` list, in chunks. The file is read in large pieces and cut at line
 * breaks as readline would (`\r\n`, `\n` or a lone `\r`), without a promise per line.
 */
async function* lineChunks(path: string, jsonl: boolean, itemOf: ItemOf): AsyncGenerator<WorkItem[]> {
  const breaks = /\r\n|\n|\r/;
  let n = 0;
  let rest = '';
  let out: WorkItem[] = [];
  const take = (raw: string) => {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '' || (!jsonl && line.trimStart().startsWith('#'))) return;
    const source = `${path}:${n}`;
    const item = jsonl ? jsonLineItem(line, source, itemOf) : itemOf(line, source);
    if (item !== undefined) out.push(item);
  };
  for await (const piece of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 18 })) {
    let text = rest + (piece as string);
    // A `\r` at the end may be the first half of a `\r\n`: it waits for the next piece.
    const carriage = text.endsWith('\r');
    if (carriage) text = text.slice(0, -1);
    const lines = text.split(breaks);
    rest = (lines.pop() as string) + (carriage ? '\r' : '');
    for (const line of lines) take(line);
    if (out.length >= CHUNK_ITEMS) {
      yield out;
      out = [];
    }
  }
  if (rest !== '') for (const line of rest.split(breaks)) if (line !== '') take(line);
  if (out.length > 0) yield out;
}

/**
 * Items of a `.csv` list, in chunks, read with csv-parse (RFC 4180: quoted cells may hold commas,
 * quotes and line breaks). A record that is not CSV (an unclosed quote) is an item with `CSV_SYNTAX`,
 * and reading goes on.
 */
async function* csvChunks(path: string, itemOf: ItemOf): AsyncGenerator<WorkItem[]> {
  let out: WorkItem[] = [];
  const parser = createReadStream(path).pipe(
    parse({
      bom: true,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: true,
      comment: '#',
      comment_no_infix: true,
      info: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        const line = (error as { lines?: number } | undefined)?.lines ?? 0;
        const source = `${path}:${line}`;
        out.push({
          source,
          ids: [],
          error: { code: 'CSV_SYNTAX', message: `${source}: ${error?.message ?? 'not CSV'}` },
        });
        return undefined;
      },
    }),
  );
  let columns: { index: number; kind: string | undefined }[] | undefined;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    const source = `${path}:${info.lines}`;
    if (columns === undefined) {
      const named = record
        .map((c, index) => ({ index, key: c.toLowerCase().replace(/[\s-]/g, '_') }))
        .filter(({ key }) => key in HEADER_KINDS)
        .map(({ index, key }) => ({ index, kind: HEADER_KINDS[key] ?? undefined }));
      if (named.length > 0 && record.every((c) => !looksLikeId(c))) {
        columns = named;
        continue;
      }
      columns = [{ index: 0, kind: undefined }];
    }
    for (const { index, kind } of columns) {
      const cell = record[index];
      if (cell !== undefined && cell !== '') out.push(itemOf(cell, source, kind));
    }
    if (out.length >= CHUNK_ITEMS) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

/** The items of a list in chunks (see {@link listItemsOf}); read errors are `FILE_UNREADABLE`. */
async function* listChunksOf(path: string, normalize = true): AsyncGenerator<WorkItem[]> {
  const ext = extname(path).toLowerCase();
  const itemOf = normalize ? workIdFromText : spelledItem;
  try {
    yield* ext === '.csv' ? csvChunks(path, itemOf) : lineChunks(path, ext === '.jsonl', itemOf);
  } catch (cause) {
    if (isAssentError(cause)) throw cause;
    throw cliError('FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, cause);
  }
}

/**
 * Items of a list, streamed: `.txt` (one URL or id a line, `#` comments), `.csv` (columns named `url`,
 * `id`, `work`, `isrc`, `iswc`, `sha256` or `cid`; without such a header, the first cell of each row),
 * `.jsonl` (a string, or an object with one of those members, a line). An unreadable file is
 * `FILE_UNREADABLE`; a bad line is an item with an `error`.
 */
export async function* listItemsOf(path: string): AsyncGenerator<WorkItem> {
  for await (const chunk of listChunksOf(path)) yield* chunk;
}

/** Items of a list (see {@link listItemsOf}), all at once. */
export async function listItems(path: string): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  for await (const chunk of listChunksOf(path)) for (const item of chunk) out.push(item);
  return out;
}

/** A command-line input, classified: an id, a folder, a list or a file. */
type Input =
  | { readonly kind: 'id'; readonly item: WorkItem }
  | { readonly kind: 'folder' | 'list' | 'file'; readonly path: string };

/** Classifies inputs before anything is read: a malformed id or a missing path fails at once. */
async function classify(inputs: readonly string[], lists: boolean): Promise<Input[]> {
  const out: Input[] = [];
  for (const input of inputs) {
    if (looksLikeId(input)) {
      const item = workIdFromText(input, input);
      if (item.error !== undefined) throw cliError(item.error.code, item.error.message);
      out.push({ kind: 'id', item });
      continue;
    }
    const info = await stat(input).catch((cause: Error) => {
      throw cliError('FILE_UNREADABLE', `cannot read ${input}: ${cause.message}`, cause);
    });
    out.push({
      kind: info.isDirectory()
        ? 'folder'
        : lists && LIST_EXTENSIONS.has(extname(input).toLowerCase())
          ? 'list'
          : 'file',
      path: input,
    });
  }
  return out;
}

/**
 * The items of command-line inputs as a stream of chunks, in the order given: ids, lists (when
 * `lists`), folders and files. Inputs are classified first, so a missing path or a malformed id fails
 * before any item is yielded; then lists are read and folders walked and hashed as the consumer pulls,
 * so memory stays flat whatever the dataset's size. Chunks are up to ~1,000 list items (a file's item
 * comes alone): a consumer awaits once per chunk, not once per item (`assent scan` at 10M lines).
 * `normalize: false` leaves list entries as spelled ({@link WorkItem.spelled}) for a consumer that
 * hands them to a verifier, which normalizes them anyway.
 * @example
 * for await (const chunk of await streamInputChunks(['./dataset', 'urls.txt'], { lists: true }))
 *   for (const item of chunk) console.log(item.source, item.ids);
 */
export async function streamInputChunks(
  inputs: readonly string[],
  options: { lists: boolean; onFile?: () => void; normalize?: boolean },
): Promise<AsyncIterable<WorkItem[]>> {
  const classified = await classify(inputs, options.lists);
  async function* pathsOf(run: readonly Input[]): AsyncGenerator<string> {
    for (const input of run) {
      if (input.kind === 'folder') yield* walkFiles(input.path);
      else if (input.kind === 'file') yield input.path;
    }
  }
  async function* filesOf(run: readonly Input[]): AsyncGenerator<WorkItem[]> {
    for await (const item of fileItemsOf(pathsOf(run), options.onFile)) yield [item];
  }
  return (async function* chunks() {
    // Consecutive folders and files share one hashing pool; ids and lists come between them, in order.
    let run: Input[] = [];
    for (const input of classified) {
      if (input.kind === 'folder' || input.kind === 'file') {
        run.push(input);
        continue;
      }
      if (run.length > 0) yield* filesOf(run);
      run = [];
      if (input.kind === 'id') yield [input.item];
      else yield* listChunksOf(input.path, options.normalize ?? true);
    }
    if (run.length > 0) yield* filesOf(run);
  })();
}

/**
 * The items of command-line inputs as a stream, one at a time, in the order given (see
 * {@link streamInputChunks}, which this flattens).
 * @example
 * for await (const item of await streamInputs(['./dataset', 'urls.txt'], { lists: true })) console.log(item.ids);
 */
export async function streamInputs(
  inputs: readonly string[],
  options: { lists: boolean; onFile?: () => void },
): Promise<AsyncIterable<WorkItem>> {
  const chunks = await streamInputChunks(inputs, options);
  return (async function* items() {
    for await (const chunk of chunks) yield* chunk;
  })();
}

/**
 * Classifies command-line inputs (ids, list files when `lists`, folders and files) and returns all
 * their items at once: the hashed files first, then ids and list entries. For datasets of any size,
 * {@link streamInputs} yields them one at a time instead.
 */
export async function resolveInputs(
  inputs: readonly string[],
  options: { lists: boolean; onFile?: () => void; onFilesFound?: (count: number) => void },
): Promise<WorkItem[]> {
  const files: string[] = [];
  const others: WorkItem[] = [];
  for (const input of await classify(inputs, options.lists)) {
    if (input.kind === 'id') others.push(input.item);
    else if (input.kind === 'list')
      for await (const chunk of listChunksOf(input.path)) for (const item of chunk) others.push(item);
    else if (input.kind === 'folder') for await (const path of walkFiles(input.path)) files.push(path);
    else files.push(input.path);
  }
  options.onFilesFound?.(files.length);
  const items = await fileItems(files, options.onFile);
  for (const item of others) items.push(item);
  return items;
}
