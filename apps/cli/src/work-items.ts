import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { normalizeWorkId, sha256WorkId, type WorkId } from '@assent/manifest';
import { type AudioTags, readAudioTags } from './audio-tags.js';
import { cliError } from './errors.js';
import { hashFiles } from './file-hash.js';

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
}

const ID_PREFIX = /^(sha256|cid|isrc|iswc|url|url-prefix):/;
const BARE_ISRC = /^[A-Za-z]{2}-?[A-Za-z0-9]{3}-?\d{2}-?\d{5}$/;
/** List formats `scan` reads; any other file is hashed as a work. */
export const LIST_EXTENSIONS = new Set(['.csv', '.jsonl', '.txt']);

/** True when the text is meant as a work id (`isrc:…`, `url:…`, …) or a bare http(s) URL. */
export function looksLikeId(text: string): boolean {
  return ID_PREFIX.test(text) || /^https?:\/\//i.test(text);
}

/** A work id from text in a list or on the command line: a bare URL is `url:`, a bare ISRC `isrc:`. */
export function workIdFromText(text: string, source: string, kind?: string): WorkItem {
  const raw = text.trim();
  const spelled =
    kind !== undefined && !ID_PREFIX.test(raw)
      ? `${kind}:${raw}`
      : /^https?:\/\//i.test(raw)
        ? `url:${raw}`
        : BARE_ISRC.test(raw)
          ? `isrc:${raw}`
          : raw;
  const id = normalizeWorkId(spelled);
  return id.ok
    ? { source, ids: [id.value] }
    : { source, ids: [], error: { code: id.code, message: `${raw}: ${id.message}` } };
}

/** Every regular file under a folder, in a stable order; hidden entries and symlinked folders skipped. */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
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
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Items of files: hashed in parallel (worker threads), tags read alongside. */
export async function fileItems(paths: readonly string[], onFile?: () => void): Promise<WorkItem[]> {
  const tagsOf = new Map<string, Promise<AudioTags>>();
  // Tags are read while the pool hashes: a handful at a time, since each read is small.
  const queue = [...paths];
  const tagWorkers = Array.from({ length: Math.min(8, queue.length) }, async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      const p = readAudioTags(path);
      tagsOf.set(path, p);
      await p;
    }
  });
  const [hashes] = await Promise.all([
    hashFiles(paths, onFile === undefined ? {} : { onFile }),
    ...tagWorkers,
  ]);
  const items: WorkItem[] = [];
  for (const hash of hashes) {
    if ('error' in hash) {
      items.push({
        source: hash.path,
        ids: [],
        error: { code: 'FILE_UNREADABLE', message: `${hash.path}: ${hash.error}` },
      });
      continue;
    }
    const tags: AudioTags = (await tagsOf.get(hash.path)) ?? { isrc: [] };
    const digest = Buffer.from(hash.sha256, 'hex');
    const ids = [sha256WorkId(new Uint8Array(digest)), ...tags.isrc];
    items.push(
      tags.title === undefined ? { source: hash.path, ids } : { source: hash.path, ids, title: tags.title },
    );
  }
  return items;
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

/** One CSV record's cells (RFC 4180 quoting; a record does not span lines here). */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

/**
 * Items of a list: `.txt` (one URL or id a line, `#` comments), `.csv` (columns named `url`, `id`,
 * `work`, `isrc`, `iswc`, `sha256` or `cid`; without such a header, the first cell of each row),
 * `.jsonl` (a string, or an object with one of those members, a line).
 */
export async function listItems(path: string): Promise<WorkItem[]> {
  const ext = extname(path).toLowerCase();
  const items: WorkItem[] = [];
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  let columns: { index: number; kind: string | undefined }[] | undefined;
  try {
    for await (const raw of lines) {
      n++;
      const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      const source = `${path}:${n}`;
      if (line.trim() === '' || (ext !== '.jsonl' && line.trimStart().startsWith('#'))) continue;
      if (ext === '.csv') {
        const cells = csvCells(line);
        if (n === 1 || columns === undefined) {
          const named = cells
            .map((c, index) => ({ index, key: c.toLowerCase().replace(/[\s-]/g, '_') }))
            .filter(({ key }) => key in HEADER_KINDS)
            .map(({ index, key }) => ({ index, kind: HEADER_KINDS[key] ?? undefined }));
          if (named.length > 0 && cells.every((c) => !looksLikeId(c))) {
            columns = named;
            continue;
          }
          columns ??= [{ index: 0, kind: undefined }];
        }
        for (const { index, kind } of columns) {
          const cell = cells[index];
          if (cell !== undefined && cell !== '') items.push(workIdFromText(cell, source, kind));
        }
      } else if (ext === '.jsonl') {
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          items.push({ source, ids: [], error: { code: 'JSON_SYNTAX', message: `${source}: not JSON` } });
          continue;
        }
        if (typeof value === 'string') items.push(workIdFromText(value, source));
        else if (typeof value === 'object' && value !== null) {
          const record = value as Record<string, unknown>;
          const key = Object.keys(HEADER_KINDS).find((k) => typeof record[k] === 'string');
          if (key === undefined)
            items.push({
              source,
              ids: [],
              error: { code: 'USAGE', message: `${source}: no url, id or isrc member` },
            });
          else items.push(workIdFromText(record[key] as string, source, HEADER_KINDS[key] ?? undefined));
        }
      } else items.push(workIdFromText(line, source));
    }
  } catch (cause) {
    throw cliError('FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, cause);
  }
  return items;
}

/** Classifies command-line inputs: ids, list files (when `lists`), folders and files. */
export async function resolveInputs(
  inputs: readonly string[],
  options: { lists: boolean; onFile?: () => void; onFilesFound?: (count: number) => void },
): Promise<WorkItem[]> {
  const files: string[] = [];
  const others: WorkItem[] = [];
  for (const input of inputs) {
    if (looksLikeId(input)) {
      const item = workIdFromText(input, input);
      if (item.error !== undefined) throw cliError(item.error.code, item.error.message);
      others.push(item);
      continue;
    }
    const info = await stat(input).catch((cause: Error) => {
      throw cliError('FILE_UNREADABLE', `cannot read ${input}: ${cause.message}`, cause);
    });
    if (info.isDirectory()) files.push(...(await walk(input)));
    else if (options.lists && LIST_EXTENSIONS.has(extname(input).toLowerCase()))
      others.push(...(await listItems(input)));
    else files.push(input);
  }
  options.onFilesFound?.(files.length);
  const hashed = await fileItems(files, options.onFile);
  return [...hashed, ...others];
}
