import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RegistryOptions } from '../src/index.js';

const ROOT = join(import.meta.dirname, '../../..');
const SCRIPT = join(import.meta.dirname, 'fixtures/registry-child.ts');

/** A registry node running in a child process (test/fixtures/registry-child.ts). */
export interface ChildRegistry {
  readonly multiaddrs: string[];
  readonly peerId: string;
  /** `{cid, issuer, version}` of every manifest the child acknowledged, in order. */
  readonly acks: { cid: string; issuer: string; version: number }[];
  readonly exited: Promise<number | null>;
  request<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  kill(signal: NodeJS.Signals): void;
  /** Graceful stop; kills after 10 s. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcessWithoutNullStreams>();

/** Kills every child still running (for afterEach/afterAll). */
export async function killAllChildren(): Promise<void> {
  const waits = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
  children.clear();
}

/** Spawns a registry node in its own process and waits until it listens. */
export async function spawnRegistry(options: RegistryOptions): Promise<ChildRegistry> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', SCRIPT, JSON.stringify(options)],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const acks: ChildRegistry['acks'] = [];
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<{ multiaddrs: string[]; peerId: string }>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`child exited (${code}) before ready: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let message: { type: string; id?: number; value?: unknown; message?: string } & Record<string, unknown>;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (message.type === 'ready') resolve(message as unknown as { multiaddrs: string[]; peerId: string });
      else if (message.type === 'ack') acks.push(message as unknown as ChildRegistry['acks'][number]);
      else if (message.id !== undefined) {
        const entry = waiting.get(message.id);
        waiting.delete(message.id);
        if (message.type === 'reply') entry?.resolve(message.value);
        else entry?.reject(new Error(message.message));
      }
    });
  });
  void exited.then(() => {
    for (const entry of waiting.values()) entry.reject(new Error(`child exited: ${stderr}`));
    waiting.clear();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const { multiaddrs, peerId } = await ready.finally(() => clearTimeout(timer));
  return {
    multiaddrs,
    peerId,
    acks,
    exited,
    request<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
      });
    },
    kill(signal) {
      child.kill(signal);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.stdin.write(`${JSON.stringify({ id: 0, op: 'stop' })}\n`);
      await exited;
      clearTimeout(timeout);
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
