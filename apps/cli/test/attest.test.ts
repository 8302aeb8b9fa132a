import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAttestation } from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assent, buildCli, json, type Served, serve } from './support/cli.js';

/**
 * A label attests its artist's catalogue through the built CLI against two real nodes (`assent serve`:
 * Helia, SQLite, the gateway on 127.0.0.1), B peering with A: published to A, listed there, and
 * replicated to B.
 */
let dir: string;
let nodeA: Served;
let nodeB: Served;
let labelEnv: Record<string, string>;
let artistDid: string;

/** 1,000 ISRCs, in the spellings a label's export has: hyphens, lower case, an `ISRC` prefix. */
const CATALOGUE = Array.from({ length: 1000 }, (_, i) => {
  const isrc = `QZDZ526${String(i + 1).padStart(5, '0')}`;
  if (i % 3 === 0) return `${isrc.slice(0, 2)}-${isrc.slice(2, 5)}-${isrc.slice(5, 7)}-${isrc.slice(7)}`;
  if (i % 3 === 1) return isrc.toLowerCase();
  return `ISRC ${isrc}`;
});

async function ok(args: string[], env: Record<string, string>): Promise<Record<string, unknown>> {
  const run = await assent([...args, '--json'], env);
  expect(run.code, `assent ${args.join(' ')}\n${run.stderr}`).toBe(0);
  return json(run);
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-cli-attest-'));
  nodeA = await serve(['--data', join(dir, 'node-a')], { ASSENT_HOME: join(dir, 'node-a') });
  nodeB = await serve(['--data', join(dir, 'node-b'), '--peer', nodeA.multiaddrs[0] as string], {
    ASSENT_HOME: join(dir, 'node-b'),
  });
  labelEnv = {
    ASSENT_HOME: join(dir, 'label'),
    ASSENT_PASSPHRASE: 'label passphrase',
    ASSENT_GATEWAY: nodeA.url,
  };
  await ok(['id', 'create'], labelEnv);
  const artist = { ASSENT_HOME: join(dir, 'artist'), ASSENT_PASSPHRASE: 'artist passphrase' };
  artistDid = (await ok(['id', 'create'], artist)).did as string;
}, 120_000);

afterAll(async () => {
  await nodeB?.stop();
  await nodeA?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('assent attest', () => {
  it('a label attests 1,000 ISRCs to an artist with --publish; the node lists it and a peer replicates it', async () => {
    const file = join(dir, 'catalogue.txt');
    writeFileSync(file, `# The Flight, full catalogue\n${CATALOGUE.join('\n')}\n\n`);
    const out = join(dir, 'attestation.json');
    const run = await assent(
      ['attest', artistDid, '--isrc-file', file, '--role', 'artist', '--publish', '-o', out],
      labelEnv,
    );
    expect(run.code, run.stderr).toBe(0);
    // The CID alone on stdout; what happened on stderr.
    const cid = run.stdout.trim();
    expect(cid).toMatch(/^bagaaiera[a-z2-7]+$/);
    expect(run.stderr).toContain('Attested 1000 ISRCs');
    expect(run.stderr).toContain(`Published to ${nodeA.url}`);

    // -o wrote the signed credential: it verifies, by the label, for the artist, every ISRC normalized.
    const bytes = new Uint8Array(readFileSync(out));
    const verified = await verifyAttestation(bytes);
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    const labelDid = (await ok(['id', 'show'], labelEnv)).did;
    expect(verified.value).toMatchObject({ cid, issuer: labelDid, subject: artistDid, role: 'artist' });
    expect(verified.value.isrcs).toHaveLength(1000);
    expect(verified.value.isrcs).toContain('QZDZ52600001');
    // A copy is kept with the identity.
    expect(new Uint8Array(readFileSync(join(dir, 'label', 'attestations', `${cid}.json`)))).toEqual(bytes);

    const listed = await fetch(`${nodeA.url}/v1/attestations?subject=${encodeURIComponent(artistDid)}`);
    expect(await listed.json()).toEqual({
      subject: artistDid,
      attestations: [
        {
          cid,
          issuer: labelDid,
          subject: artistDid,
          role: 'artist',
          validFrom: verified.value.validFrom,
          validUntil: null,
          isrcs: 1000,
          isrcPrefixes: 0,
          urlPrefixes: 0,
        },
      ],
    });
    const fetched = await fetch(`${nodeA.url}/v1/attestations/${cid}`);
    expect(new Uint8Array(await fetched.arrayBuffer())).toEqual(bytes);

    // Node B never saw the request: it fetched the attestation from A, verified and stored it.
    const onB = await waitFor(async () => {
      const res = await fetch(`${nodeB.url}/v1/attestations/${cid}`);
      return res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : undefined;
    }, 'the attestation on node B');
    expect(onB).toEqual(bytes);
    const listedOnB = await (
      await fetch(`${nodeB.url}/v1/attestations?subject=${encodeURIComponent(artistDid)}`)
    ).json();
    expect(listedOnB.attestations.map((a: { cid: string }) => a.cid)).toEqual([cid]);
  }, 120_000);

  it('--json describes it; without --publish nothing is sent, and the copy kept can be posted later', async () => {
    const url = 'https://soundcloud.com/the-flight';
    const first = await ok(
      ['attest', artistDid, '--url-prefix', url, '--isrc-prefix', 'qz-dz5', '--valid-until', '2099-06-30'],
      labelEnv,
    );
    expect(first).toMatchObject({
      subject: artistDid,
      role: null,
      validUntil: '2099-06-30T00:00:00Z',
      isrcs: 0,
      isrcPrefixes: 1,
      urlPrefixes: 1,
      file: null,
      published: null,
    });
    const bytes = readFileSync(first.kept as string);
    expect(JSON.parse(bytes.toString()).credentialSubject).toMatchObject({
      isrcPrefixes: ['QZ-DZ5'],
      urlPrefixes: ['https://soundcloud.com/the-flight/'],
    });
    const posted = await fetch(`${nodeA.url}/v1/attestations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bytes,
    });
    expect(posted.status).toBe(201);
  });

  it('refuses bad input with stable exit codes, before anything is signed or sent', async () => {
    const cases: [string[], number, string][] = [
      [['attest'], 2, 'USAGE'],
      [['attest', artistDid], 2, 'USAGE'],
      [['attest', 'did:key:nope', '--isrc', 'QZDZ52600001'], 3, 'DID_MALFORMED'],
      [['attest', artistDid, '--isrc', 'not-an-isrc'], 3, 'WORK_ID_ISRC_MALFORMED'],
      [['attest', artistDid, '--isrc-prefix', 'QZ'], 3, 'ATTESTATION_ISRC_PREFIX_MALFORMED'],
      [['attest', artistDid, '--url-prefix', 'ftp://x.example/'], 3, 'WORK_ID_URL_SCHEME'],
      [['attest', artistDid, '--isrc', 'QZDZ52600001', '--role', 'Lead Artist'], 3, 'ATTESTATION_SCHEMA'],
      [['attest', artistDid, '--isrc', 'QZDZ52600001', '--valid-until', 'soon'], 2, 'USAGE'],
      // Ended before it starts: the signer refuses it.
      [
        ['attest', artistDid, '--isrc', 'QZDZ52600001', '--valid-until', '2020-01-01'],
        3,
        'ATTESTATION_SCHEMA',
      ],
      [['attest', artistDid, '--isrc-file', join(dir, 'missing.txt')], 2, 'FILE_UNREADABLE'],
      [['attest', artistDid, '--isrc', 'QZDZ52600001', '--publish', '--gateway', 'ftp://x'], 2, 'USAGE'],
      [
        ['attest', artistDid, '--isrc', 'QZDZ52600001', '--publish', '--gateway', 'http://127.0.0.1:9'],
        6,
        'GATEWAY_UNREACHABLE',
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => assent([...args, '--json'], labelEnv)));
    for (const [i, [args, code, error]] of cases.entries()) {
      const run = runs[i] as (typeof runs)[number];
      expect(run.code, `${args.join(' ')}\n${run.stdout}${run.stderr}`).toBe(code);
      expect(json<{ error: { code: string } }>(run).error.code, args.join(' ')).toBe(error);
    }
    const noIdentity = await assent(['attest', artistDid, '--isrc', 'QZDZ52600001'], {
      ASSENT_HOME: join(dir, 'nobody'),
    });
    expect(noIdentity.code).toBe(2);
    expect(noIdentity.stderr).toContain('IDENTITY_MISSING');
    // A malformed ISRC is found before the identity is even read.
    const typo = await assent(['attest', artistDid, '--isrc', 'QZDZ5260000'], {
      ASSENT_HOME: join(dir, 'nobody'),
    });
    expect(typo.code).toBe(3);
    expect(typo.stderr).toContain('WORK_ID_ISRC_MALFORMED');
  }, 120_000);

  it('--help explains the command with an example, and the overview lists it', async () => {
    const help = await assent(['attest', '--help'], labelEnv);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('assent attest DID');
    expect(help.stdout).toContain('--isrc-file');
    expect(help.stdout).toContain('Examples:');
    const overview = await assent(['--help'], labelEnv);
    expect(overview.stdout).toMatch(/^ {2}attest +sign that a creator speaks/m);
  });
});
