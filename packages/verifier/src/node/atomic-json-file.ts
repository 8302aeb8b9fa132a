import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AssentError } from '@assent/manifest';

/**
 * A verifier's memory file, written whole or not at all: a temporary file beside it, fsynced, renamed
 * over the old one, so a crash leaves either the old content or the new, never a torn file.
 * `STATE_UNAVAILABLE` when it cannot be written.
 */
export async function writeJsonAtomically(path: string, value: unknown, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(`${JSON.stringify(value)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => {});
    throw new AssentError('STATE_UNAVAILABLE', `cannot write ${path}`, { cause });
  }
}

/**
 * The parsed JSON of a verifier's memory file, or undefined when there is none yet:
 * `STATE_UNAVAILABLE` when it cannot be read, `STATE_CORRUPT` when it is not JSON.
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AssentError('STATE_UNAVAILABLE', `cannot read ${path}`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AssentError('STATE_CORRUPT', `${path} is not JSON`, { cause });
  }
}
