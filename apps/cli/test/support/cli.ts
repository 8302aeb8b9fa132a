import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root and the built CLI the tests run as a subprocess. */
export const ROOT = join(import.meta.dirname, '../../../..');
export const BIN = join(ROOT, 'apps/cli/dist/bin.js');

/**
 * Builds the CLI as `pnpm --filter @assent/cli build` does: its references and itself with `tsc -b`
 * (incremental: quick when up to date), then the start-up bundle. Test files run
 * in parallel workers, so a lock directory keeps two builds from writing dist/ at once.
 */
export async function buildCli(): Promise<void> {
  const lock = join(ROOT, 'apps/cli/.build-lock');
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (i > 1200) throw new Error(`could not take ${lock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'apps/cli'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    execFileSync(process.execPath, [join(ROOT, 'apps/cli/bundle.mjs')], { cwd: ROOT, stdio: 'pipe' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** What a run printed and how it ended. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node apps/cli/dist/bin.js …` with the given environment (stdin closed, not a terminal). */
export function assent(
  args: readonly string[],
  env: Record<string, string | undefined>,
  cwd?: string,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: { PATH: process.env.PATH, NO_COLOR: '1', ...env } as NodeJS.ProcessEnv,
        cwd: cwd ?? ROOT,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/** Parses the JSON a `--json` run printed. */
export function json<T = Record<string, unknown>>(run: Run): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

/** A running `assent serve`. */
export interface Served {
  readonly url: string;
  readonly multiaddrs: string[];
  readonly child: ChildProcess;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `assent serve --port 0 --json` and waits for it to say where it listens. */
export function serve(args: readonly string[], env: Record<string, string | undefined>): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', '--quiet', ...args], {
    env: { PATH: process.env.PATH, NO_COLOR: '1', ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}\n${err}`)), 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        const info = JSON.parse(out) as { url: string; multiaddrs: string[] };
        clearTimeout(timer);
        resolve({
          url: info.url,
          multiaddrs: info.multiaddrs,
          child,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      } catch {
        // Not the whole document yet.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}:\n${out}\n${err}`));
    });
  });
}
