import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assent, buildCli, json, type Run, type Served, serve } from '../../apps/cli/test/support/cli.js';
import { waitFor } from '../../packages/registry/test/child-registry.js';

/**
 * Issue 19's label scenario, through the built CLI against two real nodes (`assent serve`: Helia, SQLite
 * in a temp directory, the HTTP gateway on 127.0.0.1; B names A as its peer). A label attests 1,000
 * ISRCs to an artist and publishes the attestation to A; the artist publishes a manifest allowing them
 * to B; an AI company scans a list of the ISRCs through B, with and without the label on its trust list
 * (docs/decisions.md §7: an ISRC is covered only by an attestation from a trusted attester). Nothing is
 * faked: no link is involved, so neither the fake platform nor the loopback DNS is needed.
 */
let dir: string;
let nodeA: Served | undefined;
let nodeB: Served | undefined;

const COUNT = 1000;
const ISRCS = Array.from({ length: COUNT }, (_, i) => `QZLBL26${String(i + 1).padStart(5, '0')}`);

interface Report {
  summary: {
    items: number;
    allow: number;
    conditional: number;
    deny: number;
    unknown: number;
    errors: number;
  };
  items: { ids: string[]; decision: string; warnings: { code: string }[] }[];
}

async function run(args: readonly string[], env: Record<string, string>, code = 0): Promise<Run> {
  const done = await assent(args, env);
  expect(done.code, `assent ${args.join(' ')}\n${done.stdout.slice(0, 2000)}\n${done.stderr}`).toBe(code);
  return done;
}

function home(name: string, gateway: Served): Record<string, string> {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return { ASSENT_HOME: path, ASSENT_PASSPHRASE: `${name} passphrase`, ASSENT_GATEWAY: gateway.url };
}

async function createIdentity(env: Record<string, string>, name: string): Promise<string> {
  return json<{ did: string }>(await run(['id', 'create', '--name', name, '--json'], env)).did;
}

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-e2e-label-'));
  const dataA = join(dir, 'node-a');
  nodeA = await serve(['--data', dataA], { ASSENT_HOME: dataA });
  const dataB = join(dir, 'node-b');
  nodeB = await serve(['--data', dataB, '--peer', nodeA.multiaddrs[0] as string], { ASSENT_HOME: dataB });
}, 120_000);

afterAll(async () => {
  await Promise.all(
    [nodeA, nodeB].map(async (node) => {
      if (node === undefined) return;
      const timer = setTimeout(() => node.child.kill('SIGKILL'), 10_000);
      await node.stop();
      clearTimeout(timer);
    }),
  );
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}, 60_000);

describe('a label attests 1,000 ISRCs to an artist', () => {
  let company: Record<string, string>;
  let list: string;
  let trustLabel: string;
  let trustOther: string;

  /** `assent scan LIST --use train-genai --json` through B, with these extra flags. */
  async function scan(extra: readonly string[], code: number): Promise<Report> {
    const done = await run(
      ['scan', list, '--use', 'train-genai', '--gateway', (nodeB as Served).url, '--json', ...extra],
      company,
      code,
    );
    return json<Report>(done);
  }

  beforeAll(async () => {
    const a = nodeA as Served;
    const b = nodeB as Served;
    const label = home('label', a);
    const artist = home('artist', b);
    company = home('company', b);
    const [labelDid, artistDid, { did: otherDid }] = await Promise.all([
      createIdentity(label, 'Leeds Records'),
      createIdentity(artist, 'The Flight'),
      // Another attester: only its DID is needed, for the trust list.
      generateIdentity(),
    ]);
    // The label's catalogue (bare ISRCs) and the company's dataset (work ids), one per line.
    const catalogue = join(dir, 'catalogue.txt');
    writeFileSync(catalogue, `# Leeds Records: The Flight\n${ISRCS.join('\n')}\n`);
    list = join(dir, 'dataset.txt');
    writeFileSync(list, `${ISRCS.map((isrc) => `isrc:${isrc}`).join('\n')}\n`);
    trustLabel = join(dir, 'trust-label.txt');
    writeFileSync(trustLabel, `# the attesters we trust\n${labelDid}\n`);
    trustOther = join(dir, 'trust-other.txt');
    writeFileSync(trustOther, `${otherDid} # not the artist's label\n`);

    const attested = json<{
      cid: string;
      issuer: string;
      subject: string;
      isrcs: number;
      published: unknown;
    }>(
      await run(
        ['attest', artistDid, '--isrc-file', catalogue, '--role', 'artist', '--publish', '--json'],
        label,
      ),
    );
    expect(attested).toMatchObject({ issuer: labelDid, subject: artistDid, isrcs: COUNT });
    expect(attested.published).toMatchObject({ created: true });

    const draft = join(artist.ASSENT_HOME as string, 'draft.json');
    await run(['draft', list, '--allow', 'train-genai', '-o', draft, '--json'], artist);
    expect(json<{ version: number }>(await run(['publish', draft, '--json'], artist)).version).toBe(1);

    // The attestation went to A, the manifest to B: scans ask B, so wait until A's attestation is there.
    await waitFor(
      async () => {
        const response = await fetch(`${b.url}/v1/attestations?subject=${encodeURIComponent(artistDid)}`);
        if (response.status !== 200) return undefined;
        const { attestations } = (await response.json()) as { attestations: { cid: string }[] };
        return attestations.some((x) => x.cid === attested.cid) ? true : undefined;
      },
      'the attestation on B',
      30_000,
    );
  }, 90_000);

  it('a verifier trusting the label: every ISRC allowed', async () => {
    const report = await scan(['--trust', trustLabel], 0);
    expect(report.summary).toMatchObject({ items: COUNT, allow: COUNT, unknown: 0, deny: 0, errors: 0 });
    expect(report.items.every((item) => item.warnings.length === 0)).toBe(true);
  });

  it('without a trust list: every ISRC unknown, INSUFFICIENT_BINDING (exit 1)', async () => {
    const report = await scan([], 1);
    expect(report.summary).toMatchObject({ items: COUNT, allow: 0, unknown: COUNT, errors: 0 });
    for (const item of report.items) {
      expect(item.decision).toBe('unknown');
      expect(item.warnings.map((w) => w.code)).toEqual(['INSUFFICIENT_BINDING']);
    }
  });

  it('trusting another attester: every ISRC unknown (an untrusted attestation changes nothing)', async () => {
    const report = await scan(['--trust', trustOther], 1);
    expect(report.summary).toMatchObject({ items: COUNT, allow: 0, unknown: COUNT, errors: 0 });
    for (const item of report.items) {
      expect(item.decision).toBe('unknown');
      expect(item.warnings.map((w) => w.code)).toEqual(['INSUFFICIENT_BINDING']);
    }
  });
});
