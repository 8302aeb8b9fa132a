/**
 * `assent serve --log-peer` (issue 18, docs/witnessing.md), over the built CLI: two nodes name each
 * other, learn each other's keys from `/.well-known/assent-node.json`, and each one's checkpoints
 * carry the other's cosignature. Bad values are USAGE.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, signManifest } from '@assent/manifest';
import { createNoteSigner, createNoteVerifier, parseVkey, verifyCheckpoint } from '@assent/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../packages/registry/test/child-registry.js';
import { assent, buildCli, json, type Served, serve } from './support/cli.js';

const dirs: string[] = [];
const running: Served[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-serve-log-peers-'));
  dirs.push(dir);
  return dir;
}

/** A port free now, so that two nodes can name each other before either listens. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  await buildCli();
}, 300_000);

afterAll(async () => {
  for (const s of running) await s.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function verifier(vkey: string) {
  const parsed = parseVkey(vkey);
  if (!parsed.ok) throw new Error(parsed.message);
  return createNoteVerifier(parsed.value);
}

describe('assent serve --log-peer', () => {
  it('two nodes naming each other: A’s checkpoint carries B’s cosignature, keys learned on first use', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const [dataA, dataB] = [tempDir(), tempDir()];
    const a = await serve(
      ['--data', dataA, '--port', String(portA), '--log-peer', `http://127.0.0.1:${portB}`],
      {
        ASSENT_HOME: dataA,
      },
    );
    running.push(a);
    const b = await serve(
      ['--data', dataB, '--port', String(portB), '--log-peer', `http://127.0.0.1:${portA}`],
      {
        ASSENT_HOME: dataB,
      },
    );
    running.push(b);
    expect(a.url).toBe(`http://127.0.0.1:${portA}`);
    const [nodeA, nodeB] = await Promise.all(
      [a, b].map(async (n) => (await fetch(`${n.url}/.well-known/assent-node.json`)).json()),
    );
    const manifest = await signManifest(
      { works: [{ ids: ['isrc:QZLPE2600001'], policy: { 'train-ai': 'deny' } }] },
      { identity: await generateIdentity() },
    );
    const published = await fetch(`${a.url}/v1/manifests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: manifest.bytes as BodyInit,
    });
    expect(published.status).toBe(201);
    const cosigned = await waitFor(
      async () => {
        const note = await (await fetch(`${a.url}/log/checkpoint`)).text();
        const checked = await verifyCheckpoint(note, {
          log: [verifier(nodeA.logVkey)],
          witnesses: [verifier(nodeB.witnessVkey)],
        });
        return checked.ok && checked.value.size === 1 && checked.value.cosignatures.length === 1
          ? checked.value
          : undefined;
      },
      "A's checkpoint cosigned by B",
      30_000,
    );
    expect(cosigned.cosignatures[0]?.name).toBe(`${nodeB.origin}/witness`);
  }, 90_000);

  it('answers a bad --log-peer with USAGE', async () => {
    const home = tempDir();
    const stranger = await createNoteSigner('example.org/log', new Uint8Array(32).fill(1));
    for (const value of [
      'ftp://example.org',
      'http://user:pass@example.org',
      'https://example.org not-a-vkey',
      `https://example.org ${stranger.vkey} ${stranger.vkey}`,
    ]) {
      const run = await assent(['serve', '--log-peer', value, '--json'], { ASSENT_HOME: home });
      expect(run.code, value).toBe(2);
      expect(json(run), value).toMatchObject({ error: { code: 'USAGE' } });
    }
  }, 60_000);
});
