/**
 * The data-directory lock across real processes: taking it is atomic, so two processes racing for it
 * are never both inside, and a lock left by a dead process is taken over.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAssentError } from '@assent/manifest';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../src/data-dir-lock.js';

const ROOT = join(import.meta.dirname, '../../..');
const CONTENDER = join(import.meta.dirname, 'fixtures/lock-contender.ts');
const MODULE = join(import.meta.dirname, '../src/data-dir-lock.ts');

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-lock-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid as number;
}

/** Runs a contender process to its end and answers what it printed. */
function contend(dir: string, times: number): Promise<{ taken: number; overlaps: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', CONTENDER, MODULE, dir, String(times)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`contender exited ${code}: ${err}`)),
    );
  });
}

describe('lockDataDir', () => {
  it('two processes racing for a directory, from a stale lock, are never both inside', async () => {
    const dir = tempDir();
    // Left by a holder that died: the first takers race to take it over.
    writeFileSync(join(dir, 'LOCK'), String(deadPid()));
    const runs = [contend(dir, 200), contend(dir, 200)];
    writeFileSync(join(dir, 'GO'), '');
    const results = await Promise.all(runs);
    expect(results).toEqual([
      { taken: 200, overlaps: 0 },
      { taken: 200, overlaps: 0 },
    ]);
    // Every lock was released and nothing was left beside it.
    expect(readdirSync(dir).sort()).toEqual(['GO']);
  }, 60_000);

  it('takes over a lock whose holder died or that holds no pid; refuses a live holder’s', () => {
    const dir = tempDir();
    for (const stale of [String(deadPid()), '', 'garbage']) {
      writeFileSync(join(dir, 'LOCK'), stale);
      const release = lockDataDir(dir);
      expect(() => lockDataDir(dir)).toThrow(/open in this process/);
      release();
      expect(readdirSync(dir)).toEqual([]);
    }
    // The test runner's parent is alive and is not this process.
    writeFileSync(join(dir, 'LOCK'), String(process.ppid));
    let refused: unknown;
    try {
      lockDataDir(dir);
    } catch (error) {
      refused = error;
    }
    expect(isAssentError(refused, 'REGISTRY_DATA_DIR_LOCKED')).toBe(true);
    expect(String((refused as Error).message)).toContain(String(process.ppid));
  });

  it('releasing removes only its own lock', () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    // Someone else's lock now (e.g. after a takeover while this process was frozen): left alone.
    writeFileSync(join(dir, 'LOCK'), String(process.ppid));
    release();
    expect(readdirSync(dir)).toEqual(['LOCK']);
  });
});
