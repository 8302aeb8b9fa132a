import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliError } from './errors.js';

/**
 * The versions of a creator this device knows as its own: `$ASSENT_HOME/known-versions.jsonl`, one
 * JSON object a line, appended as the device signs, publishes, rotates and recovers. `assent id watch`
 * alerts on every version of the creator that is not in it (DESIGN-TRUST §2.3 item 8). The manifests
 * folder cannot serve: it keeps heads fetched from gateways too, a thief's among them.
 */

/** How a version came to be known here. */
export type KnownVersionSource =
  /** signed here (`sign`, `publish DRAFT`, `revoke`) */
  | 'signed'
  /** a signed file published from here (`publish SIGNED.json`) */
  | 'published'
  /** a rotation signed here (`id rotate`) */
  | 'rotation'
  /** a recovery signed here (`id recover`) */
  | 'recovery'
  /** a version a recovery built on, or one of its predecessors: the creator's own by that recovery */
  | 'adopted'
  /** a version a recovery forked away from, known and undone */
  | 'disowned'
  /** a version reviewed and accepted with `id watch --ack` */
  | 'acknowledged';

/** One line of the record. */
export interface KnownVersion {
  readonly cid: string;
  readonly version: number;
  readonly creator: string;
  /** The key that signed it, when known (not for `acknowledged`). */
  readonly issuer?: string | undefined;
  readonly source: KnownVersionSource;
  /** When it was recorded, ISO 8601. */
  readonly at: string;
}

/** The record file of a data directory. */
export function knownVersionsPath(home: string): string {
  return join(home, 'known-versions.jsonl');
}

/**
 * Appends versions to the record. Not secret, and not fsynced: a line lost in a crash only makes
 * `id watch` alert once on a version of the device's own, which `--ack` settles.
 */
export async function recordVersions(
  home: string,
  versions: readonly Omit<KnownVersion, 'at'>[],
): Promise<void> {
  if (versions.length === 0) return;
  const at = new Date().toISOString();
  const text = versions.map((v) => `${JSON.stringify({ ...v, at })}\n`).join('');
  try {
    await mkdir(home, { recursive: true, mode: 0o700 });
    await appendFile(knownVersionsPath(home), text, { mode: 0o600 });
  } catch (cause) {
    throw cliError(
      'FILE_UNWRITABLE',
      `cannot write ${knownVersionsPath(home)}: ${(cause as Error).message}`,
      cause,
    );
  }
}

/** The record, by CID (the first line of a CID wins); lines that do not read are skipped. */
export async function knownVersions(home: string): Promise<Map<string, KnownVersion>> {
  let text: string;
  try {
    text = await readFile(knownVersionsPath(home), 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw cliError(
      'FILE_UNREADABLE',
      `cannot read ${knownVersionsPath(home)}: ${(cause as Error).message}`,
      cause,
    );
  }
  const known = new Map<string, KnownVersion>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let entry: Partial<KnownVersion>;
    try {
      entry = JSON.parse(line) as Partial<KnownVersion>;
    } catch {
      // A line cut short by a crash: the rest of the record still counts.
      continue;
    }
    if (typeof entry.cid === 'string' && !known.has(entry.cid)) known.set(entry.cid, entry as KnownVersion);
  }
  return known;
}
