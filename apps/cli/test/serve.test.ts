/**
 * `assent serve`'s issue-17 flags, over the built CLI: --fsync and --peer-allow are accepted and reach
 * the node, read limits answer 429 with Retry-After, bad values are USAGE, and logs are pino JSON lines
 * on stderr (the gateway's requests, the node's lines beside them).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assent, BIN, buildCli, json, type Served, serve } from './support/cli.js';

const dirs: string[] = [];
const running: Served[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-serve-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  await buildCli();
}, 300_000);

afterAll(async () => {
  for (const s of running) await s.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// A well-formed libp2p peer id (Ed25519) of no node here.
const STRANGER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';

describe('assent serve', () => {
  it('takes --fsync and --peer-allow, and limits each client’s reads with --read-rate/--read-burst', async () => {
    const data = tempDir();
    const node = await serve(
      ['--data', data, '--fsync', '--peer-allow', STRANGER, '--read-rate', '0.01', '--read-burst', '2'],
      { ASSENT_HOME: data },
    );
    running.push(node);
    const health = await (await fetch(`${node.url}/healthz`)).json();
    expect(health).toMatchObject({ ok: true, manifests: 0, peers: [] });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${node.url}/v1/check?work=isrc:USRC17607839&use=search`);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('answers bad read limits and peer ids with USAGE', async () => {
    const home = tempDir();
    for (const args of [
      ['serve', '--read-rate', 'lots'],
      ['serve', '--read-burst', '0'],
      ['serve', '--read-rate', '0', '--read-burst', '5'],
      ['serve', '--peer-allow', 'not a peer id'],
    ]) {
      const run = await assent([...args, '--json'], { ASSENT_HOME: home });
      expect(run.code, args.join(' ')).toBe(2);
      expect(json(run), args.join(' ')).toMatchObject({ error: { code: 'USAGE' } });
    }
  });

  it('names the node log with --log-origin on first start, and refuses another origin later', async () => {
    const data = tempDir();
    const node = await serve(['--data', data, '--log-origin', 'example.org/assent/log'], {
      ASSENT_HOME: data,
    });
    const described = (await (await fetch(`${node.url}/.well-known/assent-node.json`)).json()) as {
      origin: string;
      logVkey: string;
    };
    expect(described.origin).toBe('example.org/assent/log');
    expect(described.logVkey.startsWith('example.org/assent/log+')).toBe(true);
    expect((await (await fetch(`${node.url}/log/checkpoint`)).text()).split('\n')[0]).toBe(
      'example.org/assent/log',
    );
    await node.stop();
    const again = await assent(['serve', '--data', data, '--log-origin', 'other.example/log', '--json'], {
      ASSENT_HOME: data,
    });
    expect(again.code).toBe(6);
    expect(json(again)).toMatchObject({ error: { code: 'REGISTRY_LOG_ORIGIN_FIXED' } });
    const spaced = await assent(['serve', '--data', data, '--log-origin', 'a b', '--json'], {
      ASSENT_HOME: data,
    });
    expect(spaced.code).toBe(2);
    expect(json(spaced)).toMatchObject({ error: { code: 'USAGE' } });
  }, 60_000);

  it('logs requests as pino JSON lines on stderr; stdout holds only where it listens', async () => {
    const data = tempDir();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', '--data', data], {
      env: { PATH: process.env.PATH, NO_COLOR: '1', ASSENT_HOME: data } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          try {
            resolve((JSON.parse(out) as { url: string }).url);
          } catch {
            // not the whole document yet
          }
        });
        child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      await (await fetch(`${url}/v1/check?work=isrc:nope&use=search`)).arrayBuffer();
      let line: Record<string, unknown> | undefined;
      for (let i = 0; i < 100 && line === undefined; i++) {
        line = err
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === 'request');
        if (line === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(line).toMatchObject({
        level: 30,
        method: 'GET',
        route: '/v1/check',
        status: 400,
        client: '127.0.0.1',
        code: 'WORK_ID_ISRC_MALFORMED',
      });
      expect(JSON.parse(out)).toMatchObject({ url });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
