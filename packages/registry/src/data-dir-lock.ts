import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AssentError } from '@assent/manifest';
import type { RegistryErrorCode } from './errors.js';

const openInThisProcess = new Set<string>();

/** Attempts before giving up on a lock that keeps changing hands under us. */
const ATTEMPTS = 16;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function locked(message: string): AssentError<RegistryErrorCode> {
  return new AssentError<RegistryErrorCode>('REGISTRY_DATA_DIR_LOCKED', message);
}

/** The LOCK file's text, or undefined when there is none. */
function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Creates `file` holding `text`, all or nothing: the text goes to a private file first, which is then
 * hard-linked to `file`. link(2) fails with EEXIST when `file` exists, so two processes can never both
 * create it, and nobody ever reads a LOCK whose text is not written yet (as with `open(…, 'wx')`).
 */
function create(file: string, text: string): boolean {
  const mine = `${file}.${text.replace(/\W/g, '-')}`;
  writeFileSync(mine, text, { flag: 'wx' });
  try {
    linkSync(mine, file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(mine, { force: true });
  }
}

/**
 * Removes a LOCK whose holder is dead, if it still holds `seen`: the file is first renamed aside
 * (atomic), then its text compared. When another process replaced the stale lock with its own in the
 * meantime, that lock is linked back, so a live holder's lock is never thrown away.
 */
function removeStale(file: string, seen: string): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') === seen) return;
    try {
      linkSync(aside, file);
    } catch (error) {
      // EEXIST: a third process created a lock in the instant the live one was aside; both now hold
      // one, which needs three processes starting at once on a directory whose holder died.
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * Takes the data directory for this process: one node per directory, or two writers would corrupt the
 * index. Taking it is atomic (the LOCK file is created with link(2), which fails if it exists), so of
 * two processes starting at once exactly one gets it. A lock left by a process that died (kill -9) is
 * taken over. The function returned releases it (removing LOCK only while it is still this one).
 * @throws AssentError `REGISTRY_DATA_DIR_LOCKED` when a live process holds it.
 */
export function lockDataDir(dataDir: string): () => void {
  const dir = resolve(dataDir);
  const file = join(dir, 'LOCK');
  if (openInThisProcess.has(dir)) throw locked(`${dir} is open in this process`);
  // The pid says who holds it; the nonce tells this lock from an older one left by the same pid.
  const text = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (create(file, text)) {
      openInThisProcess.add(dir);
      return () => {
        openInThisProcess.delete(dir);
        if (readLock(file) === text) rmSync(file, { force: true });
      };
    }
    const seen = readLock(file);
    if (seen === undefined) continue; // released meanwhile: try again
    const holder = Number.parseInt(seen, 10);
    // Only a live process other than this one holds it; garbage, a dead pid or our own pid (left by a
    // process that had this pid before) is a stale lock.
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder))
      throw locked(`${dir} is held by process ${holder}`);
    removeStale(file, seen);
  }
  throw locked(`${dir}: its LOCK kept changing hands; another process is taking it`);
}
