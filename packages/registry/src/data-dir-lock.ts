import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AssentError } from '@assent/manifest';
import type { RegistryErrorCode } from './errors.js';

const openInThisProcess = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory for this process: one node per directory, or two writers would corrupt the
 * index. A lock left by a process that died (kill -9) is taken over.
 * @throws AssentError `REGISTRY_DATA_DIR_LOCKED` when a live process holds it.
 */
export function lockDataDir(dataDir: string): () => void {
  const dir = resolve(dataDir);
  const file = join(dir, 'LOCK');
  if (openInThisProcess.has(dir))
    throw new AssentError<RegistryErrorCode>('REGISTRY_DATA_DIR_LOCKED', `${dir} is open in this process`);
  let holder: number | undefined;
  try {
    holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    holder = undefined;
  }
  if (holder !== undefined && Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
    throw new AssentError<RegistryErrorCode>(
      'REGISTRY_DATA_DIR_LOCKED',
      `${dir} is held by process ${holder}`,
    );
  }
  writeFileSync(file, String(process.pid));
  openInThisProcess.add(dir);
  return () => {
    openInThisProcess.delete(dir);
    rmSync(file, { force: true });
  };
}
