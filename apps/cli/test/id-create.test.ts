import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createIdentityBackup,
  generateIdentity,
  generateRecoveryKey,
  identityBackupText,
  nextKeyHashOfDid,
  openIdentityBackup,
  openIdentityBackupKeys,
  parseIdentityBackup,
  recoveryIdentityOf,
  secretKeyMultibase,
} from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assent, BIN, buildCli, json, ROOT, type Run } from './support/cli.js';

/**
 * `assent id create` and `id show` with recovery keys (issue #20, DESIGN-TRUST §2.3 item 5), end to
 * end through the built CLI: the recovery key is shown once (a printable sheet, or `recoveryPhrase`
 * in --json) and only its commitment is kept; replacing an identity takes --force and a typed
 * confirmation (on a real pseudo-terminal, through util-linux `script`, or --confirm without one);
 * the keystore is fsynced before and after its rename (seen with strace).
 */
const PASSPHRASE = 'correct horse battery staple';
let dir: string;
/** A port nothing listens on: signing starts from the local head, whatever runs on 8787. */
let deadGateway: string;

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-cli-id-create-'));
  deadGateway = await new Promise<string>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(`http://127.0.0.1:${port}`));
    });
  });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const envOf = (home: string) => ({
  ASSENT_HOME: join(dir, home),
  ASSENT_PASSPHRASE: PASSPHRASE,
  ASSENT_GATEWAY: deadGateway,
});
const keystoreText = (home: string) => readFileSync(join(dir, home, 'identity.json'), 'utf8');

/** Every file under a directory, as text (what a thief copying the data directory gets). */
function everyFile(path: string): string {
  return readdirSync(path, { withFileTypes: true })
    .map((entry) =>
      entry.isDirectory()
        ? everyFile(join(path, entry.name))
        : readFileSync(join(path, entry.name), 'latin1'),
    )
    .join('\n');
}

/** The words of a recovery sheet, by their numbers (the sheet numbers them down four columns). */
function sheetWords(sheet: string): string[] {
  const numbered = [...sheet.matchAll(/(\d+)\. ([a-z]+)/g)].map(
    (m) => [Number(m[1]), m[2] as string] as const,
  );
  return numbered.sort(([a], [b]) => a - b).map(([, word]) => word);
}

interface Created {
  did: string;
  creator: string;
  nextKeyHashes: string[];
  recoveryKeyHash: string;
  recoveryPhrase: string;
  keystore: string;
}

async function create(home: string, args: string[] = []): Promise<Created> {
  const run = await assent(['id', 'create', ...args, '--json'], envOf(home));
  expect(run.code, run.stderr).toBe(0);
  return json<Created>(run);
}

describe('assent id create makes a recovery key and shows it once', () => {
  it('--json: recoveryPhrase is the key whose hash the keystore keeps, and nothing on disk holds it', async () => {
    const created = await create('json', ['--name', 'The Flight']);
    expect(created.creator).toBe(created.did);
    expect(created.recoveryPhrase.split(' ')).toHaveLength(24);
    const recovery = await recoveryIdentityOf(created.recoveryPhrase);
    if (!recovery.ok) throw new Error(recovery.message);
    expect(recovery.value.did).not.toBe(created.did);
    // Two keys committed: the next key sealed in the keystore (for id rotate), then the recovery key.
    expect(created.recoveryKeyHash).toBe(nextKeyHashOfDid(recovery.value.did));
    expect(created.nextKeyHashes).toEqual([expect.stringMatching(/^Qm/), created.recoveryKeyHash]);

    const text = keystoreText('json');
    const parsed = parseIdentityBackup(text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.value).toMatchObject({
      did: created.did,
      creator: undefined,
      name: 'The Flight',
      nextKeyHashes: created.nextKeyHashes,
      format: 'identity-backup-v2',
      current: true,
    });
    const opened = await openIdentityBackupKeys(parsed.value, PASSPHRASE);
    if (!opened.ok) throw new Error(opened.message);
    expect(opened.value.identity.did).toBe(created.did);
    // The sealed next key is the first key committed, and neither it nor its public key is in clear.
    const next = opened.value.nextKey;
    if (next === undefined) throw new Error('no sealed next key');
    expect(nextKeyHashOfDid(next.did)).toBe(created.nextKeyHashes[0]);
    expect(next.did).not.toBe(recovery.value.did);
    expect(text).not.toContain(next.did.slice('did:key:'.length));
    expect(text).not.toContain(Buffer.from(next.secretKey).toString('base64'));
    expect(statSync(created.keystore).mode & 0o777).toBe(0o600);

    // The recovery secret never touches disk: not the words, nor the key in any encoding.
    const home = join(dir, 'json');
    expect(readdirSync(home)).toEqual(['identity.json']);
    const disk = everyFile(home);
    const secret = Buffer.from(recovery.value.secretKey);
    for (const form of [
      created.recoveryPhrase,
      created.recoveryPhrase.split(' ').slice(0, 3).join(' '),
      secret.toString('hex'),
      secret.toString('base64'),
      secretKeyMultibase(recovery.value.secretKey),
      secret.toString('latin1'),
      recovery.value.did,
    ])
      expect(disk).not.toContain(form);
  });

  it('prints a recovery sheet: title, creator, date, 24 numbered words in columns, what it is for', async () => {
    const run = await assent(['id', 'create', '--name', 'The Flight'], envOf('sheet'));
    expect(run.code, run.stderr).toBe(0);
    const shown = json<{ did: string; created: string; nextKeyHashes: string[] }>(
      await assent(['id', 'show', '--json'], envOf('sheet')),
    );
    const sheet = run.stdout.slice(run.stdout.indexOf('ASSENT RECOVERY SHEET'));
    expect(sheet).toContain(`Creator:  ${shown.did}`);
    expect(sheet).toContain('Name:     The Flight');
    expect(sheet).toContain(`Date:     ${shown.created.slice(0, 10)}`);
    expect(sheet).toContain('recover this identity with `assent id recover` if this key is');
    expect(sheet).toContain('lost or stolen');
    expect(sheet).toMatch(/offline/i);
    expect(run.stderr).toContain('shown only this once');
    // Four columns of six, numbered down each column; every line fits a printed page.
    const rows = sheet.split('\n').filter((line) => /^\s+\d+\. [a-z]+/.test(line));
    expect(rows).toHaveLength(6);
    expect(rows[0]).toMatch(/^\s+1\. [a-z]+\s+7\. [a-z]+\s+13\. [a-z]+\s+19\. [a-z]+$/);
    expect(rows[5]).toMatch(/^\s+6\. [a-z]+\s+12\. [a-z]+\s+18\. [a-z]+\s+24\. [a-z]+$/);
    for (const line of sheet.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    // The words as a person reads them off the sheet are the committed key.
    const words = sheetWords(sheet);
    expect(words).toHaveLength(24);
    const recovery = await recoveryIdentityOf(words.join(' '));
    if (!recovery.ok) throw new Error(recovery.message);
    expect(shown.nextKeyHashes[1]).toBe(nextKeyHashOfDid(recovery.value.did));
    expect(everyFile(join(dir, 'sheet'))).not.toContain(words.join(' '));
  });

  it('makes a different recovery key each time', async () => {
    const a = await create('fresh-a');
    const b = await create('fresh-b');
    expect(a.recoveryPhrase).not.toBe(b.recoveryPhrase);
    expect(a.nextKeyHashes).not.toEqual(b.nextKeyHashes);
  });
});

describe('assent sign commits to the recovery key', () => {
  /** Drafts and signs as version n + 1 of the local head; the signed manifest. */
  interface Signed {
    issuer: string;
    credentialSubject: { version: number; keyState?: { nextKeyHashes: string[] } };
  }

  async function signNext(home: string, n: number): Promise<Signed> {
    const draft = join(dir, `${home}-draft-${n}.json`);
    const out = join(dir, `${home}-signed-${n}.json`);
    const drafted = await assent(
      ['draft', 'isrc:USRC17607839', '--deny', n === 1 ? 'train-ai' : 'all', '-o', draft],
      envOf(home),
    );
    expect(drafted.code, drafted.stderr).toBe(0);
    const signed = await assent(['sign', draft, '-o', out, '--json'], envOf(home));
    expect(signed.code, signed.stderr).toBe(0);
    return JSON.parse(readFileSync(out, 'utf8')) as Signed;
  }

  it('version 1 carries the keystore’s nextKeyHashes, and version 2 the same, unchanged', async () => {
    const created = await create('signs');
    const v1 = await signNext('signs', 1);
    expect(v1.credentialSubject).toMatchObject({ keyState: { nextKeyHashes: created.nextKeyHashes } });
    expect(v1.issuer).toBe(created.did);
    const recovery = await recoveryIdentityOf(created.recoveryPhrase);
    expect(recovery.ok && nextKeyHashOfDid(recovery.value.did)).toBe(
      v1.credentialSubject.keyState?.nextKeyHashes[1],
    );
    const v2 = await signNext('signs', 2);
    expect(v2.credentialSubject.version).toBe(2);
    expect(v2.credentialSubject.keyState).toEqual(v1.credentialSubject.keyState);
  });

  it('a keystore from before recovery keys signs with no commitment, as before', async () => {
    const me = await generateIdentity();
    mkdirSync(join(dir, 'signs-old'));
    writeFileSync(
      join(dir, 'signs-old', 'identity.json'),
      identityBackupText(await createIdentityBackup(me, PASSPHRASE, { scrypt: { N: 2 ** 14, r: 8, p: 1 } })),
    );
    const v1 = await signNext('signs-old', 1);
    expect(v1.issuer).toBe(me.did);
    expect(v1.credentialSubject).not.toHaveProperty('keyState');
  });
});

describe('assent id show', () => {
  it('shows the creator id and whether a recovery key is committed', async () => {
    const created = await create('show');
    const shown = await assent(['id', 'show', '--json'], envOf('show'));
    expect(json(shown)).toMatchObject({
      did: created.did,
      creator: created.did,
      recoveryKeyCommitted: true,
      nextKeyHashes: created.nextKeyHashes,
    });
    const text = await assent(['id', 'show'], envOf('show'));
    expect(text.stdout).toContain(`creator ${created.did} (this key)`);
    expect(text.stdout).toContain(`recovery key committed: yes (${created.nextKeyHashes.join(', ')})`);
    expect(text.stdout).toContain('next key sealed: yes');
  });

  it('a rotated key shows its creator; a keystore from before recovery keys shows none committed', async () => {
    const inception = await generateIdentity();
    const current = await generateIdentity();
    const commitment = [nextKeyHashOfDid((await generateRecoveryKey()).identity.did)];
    const rotated = await createIdentityBackup(current, PASSPHRASE, {
      creator: inception.did,
      nextKeyHashes: commitment,
      scrypt: { N: 2 ** 14, r: 8, p: 1 },
    });
    mkdirSync(join(dir, 'rotated'));
    writeFileSync(join(dir, 'rotated', 'identity.json'), identityBackupText(rotated));
    expect(json(await assent(['id', 'show', '--json'], envOf('rotated')))).toMatchObject({
      did: current.did,
      creator: inception.did,
      recoveryKeyCommitted: true,
      nextKeyHashes: commitment,
    });
    expect((await assent(['id', 'show'], envOf('rotated'))).stdout).toContain(
      `creator ${inception.did} (this key is a rotated key of it)`,
    );

    const old = await createIdentityBackup(current, PASSPHRASE, { scrypt: { N: 2 ** 14, r: 8, p: 1 } });
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', 'identity.json'), identityBackupText(old));
    expect(json(await assent(['id', 'show', '--json'], envOf('old')))).toMatchObject({
      did: current.did,
      creator: current.did,
      recoveryKeyCommitted: false,
      nextKeyHashes: null,
    });
    expect((await assent(['id', 'show'], envOf('old'))).stdout).toContain('recovery key committed: no');
  });

  it('the creator and commitment survive the rewrite on unlock, export and import', async () => {
    const inception = await generateIdentity();
    const current = await generateIdentity();
    const commitment = [nextKeyHashOfDid((await generateRecoveryKey()).identity.did)];
    // Below the writers' cost: the first unlock (a sign) writes it again in the current format.
    const low = await createIdentityBackup(current, PASSPHRASE, {
      name: 'The Flight',
      creator: inception.did,
      nextKeyHashes: commitment,
      scrypt: { N: 2 ** 14, r: 8, p: 1 },
    });
    mkdirSync(join(dir, 'carry'));
    writeFileSync(join(dir, 'carry', 'identity.json'), identityBackupText(low));
    const env = envOf('carry');
    const draft = join(dir, 'carry-draft.json');
    expect((await assent(['draft', 'isrc:USRC17607839', '--deny', 'train-ai', '-o', draft], env)).code).toBe(
      0,
    );
    // A rotated key never starts a chain of its own (no head of its creator is at hand here), but the
    // unlock before that refusal rewrote the keystore.
    const signed = await assent(['sign', draft, '-o', join(dir, 'carry-signed.json'), '--json'], env);
    expect([signed.code, json(signed)]).toMatchObject([3, { error: { code: 'MANIFEST_NOT_FOUND' } }]);
    expect(json<{ error: { message: string } }>(signed).error.message).toContain(
      `a rotated key of ${inception.did}`,
    );
    const rewritten = JSON.parse(keystoreText('carry')) as Record<string, unknown>;
    expect(rewritten).toMatchObject({
      did: current.did,
      creator: inception.did,
      nextKeyHashes: commitment,
      kdf: { N: 2 ** 17 },
    });

    const backup = join(dir, 'carry-backup.json');
    expect((await assent(['id', 'export', '-o', backup], env)).code).toBe(0);
    const imported = await assent(['id', 'import', backup, '--json'], envOf('carry-imported'));
    expect(imported.code, imported.stderr).toBe(0);
    expect(json(await assent(['id', 'show', '--json'], envOf('carry-imported')))).toMatchObject({
      did: current.did,
      creator: inception.did,
      name: 'The Flight',
      nextKeyHashes: commitment,
    });
  });
});

describe('replacing an identity takes --force and a typed confirmation', () => {
  it('without a terminal: no --force is IDENTITY_EXISTS, no --confirm a usage error naming it, a wrong one refused', async () => {
    const first = await create('replace');
    const before = keystoreText('replace');
    const bare = await assent(['id', 'create', '--json'], envOf('replace'));
    expect([bare.code, json(bare)]).toMatchObject([2, { error: { code: 'IDENTITY_EXISTS' } }]);

    const forced = await assent(['id', 'create', '--force', '--json'], envOf('replace'));
    expect([forced.code, json(forced)]).toMatchObject([2, { error: { code: 'USAGE' } }]);
    const { message } = json<{ error: { message: string } }>(forced).error;
    expect(message).toContain('--confirm');
    expect(message).toContain(first.did);

    for (const wrong of [
      first.did.slice(0, -1),
      first.did.slice(-8),
      `${first.did} `,
      first.did.toLowerCase(),
    ]) {
      const run = await assent(['id', 'create', '--force', '--confirm', wrong, '--json'], envOf('replace'));
      expect([run.code, json(run)], wrong).toMatchObject([2, { error: { code: 'IDENTITY_EXISTS' } }]);
    }
    const noValue = await assent(['id', 'create', '--force', '--confirm'], envOf('replace'));
    expect(noValue.code).toBe(2);
    expect(keystoreText('replace')).toBe(before);

    const replaced = await create('replace', ['--force', '--confirm', first.did]);
    expect(replaced.did).not.toBe(first.did);
    expect(replaced.recoveryPhrase).not.toBe(first.recoveryPhrase);
    expect(json(await assent(['id', 'show', '--json'], envOf('replace')))).toMatchObject({
      did: replaced.did,
    });
  });

  it('a damaged keystore is never replaced blind', async () => {
    mkdirSync(join(dir, 'damaged'));
    writeFileSync(join(dir, 'damaged', 'identity.json'), '{"type":"AssentIdentityBackup"');
    const run = await assent(['id', 'create', '--force', '--json'], envOf('damaged'));
    expect([run.code, json(run)]).toMatchObject([3, { error: { code: 'KEYSTORE_INVALID' } }]);
    expect(json<{ error: { message: string } }>(run).error.message).toContain('move it aside');
    expect(readFileSync(join(dir, 'damaged', 'identity.json'), 'utf8')).toBe(
      '{"type":"AssentIdentityBackup"',
    );
  });

  it('assent id import asks the same before replacing another identity, not to re-import the same one', async () => {
    const mine = await create('import-mine');
    const backup = join(dir, 'import-mine.json');
    expect((await assent(['id', 'export', '-o', backup], envOf('import-mine'))).code).toBe(0);
    await create('import-other');
    const before = keystoreText('import-other');
    const forced = await assent(['id', 'import', backup, '--force', '--json'], envOf('import-other'));
    expect([forced.code, json(forced)]).toMatchObject([2, { error: { code: 'USAGE' } }]);
    expect(keystoreText('import-other')).toBe(before);
    const again = await assent(['id', 'import', backup, '--json'], envOf('import-mine'));
    expect([again.code, json(again)]).toMatchObject([0, { did: mine.did }]);
    // An older backup of the same key, without the commitment: the keystore keeps its own.
    const parsed = parseIdentityBackup(keystoreText('import-mine'));
    if (!parsed.ok) throw new Error(parsed.message);
    const opened = await openIdentityBackup(parsed.value, PASSPHRASE);
    if (!opened.ok) throw new Error(opened.message);
    const older = join(dir, 'import-mine-older.json');
    writeFileSync(
      older,
      identityBackupText(
        await createIdentityBackup(opened.value, PASSPHRASE, { scrypt: { N: 2 ** 14, r: 8, p: 1 } }),
      ),
    );
    expect((await assent(['id', 'import', older, '--json'], envOf('import-mine'))).code).toBe(0);
    // ... and its sealed next key, which the older backup does not hold.
    expect(json(await assent(['id', 'show', '--json'], envOf('import-mine')))).toMatchObject({
      did: mine.did,
      nextKeyHashes: mine.nextKeyHashes,
      nextKeySealed: true,
    });
    const other = json<{ did: string }>(await assent(['id', 'show', '--json'], envOf('import-other'))).did;
    const confirmed = await assent(
      ['id', 'import', backup, '--force', '--confirm', other, '--json'],
      envOf('import-other'),
    );
    expect([confirmed.code, json(confirmed)]).toMatchObject([0, { did: mine.did }]);
    expect(json(await assent(['id', 'show', '--json'], envOf('import-other')))).toMatchObject({
      did: mine.did,
      nextKeyHashes: mine.nextKeyHashes,
    });
  });

  const hasScript = (() => {
    try {
      execFileSync('script', ['--version'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  })();

  /** Runs `assent id create --force` on a pseudo-terminal and types `answer` at the confirmation. */
  function onTerminal(home: string, answer: string): Promise<Run> {
    const command = `'${process.execPath}' '${BIN}' id create --force`;
    const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...envOf(home) },
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let typed = false;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no answer on the terminal:\n${out}`));
      }, 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (!typed && out.includes('type the last 8 characters of its DID: ')) {
          typed = true;
          child.stdin.write(answer);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        child.stdin.end();
        resolve({ code: code ?? -1, stdout: out, stderr: '' });
      });
    });
  }

  it.skipIf(!hasScript)(
    `on a terminal: the DID's last 8 characters replace it; anything else or Ctrl-C does not${hasScript ? '' : ' (skipped: util-linux script is missing)'}`,
    async () => {
      const first = await create('terminal');
      const before = keystoreText('terminal');
      for (const answer of [
        'wrongone\r',
        `${first.did.slice(-7)}\r`,
        `${first.did.slice(-8).toUpperCase()}\r`,
        '\r',
        '\u0003',
      ]) {
        const run = await onTerminal('terminal', answer);
        expect(run.stdout, JSON.stringify(answer)).toContain(`This replaces the identity ${first.did}`);
        expect(run.code, run.stdout).toBe(2);
        expect(run.stdout).toMatch(
          answer === '\u0003' ? /error USAGE: interrupted/ : /error IDENTITY_EXISTS/,
        );
        expect(keystoreText('terminal')).toBe(before);
      }
      const run = await onTerminal('terminal', `${first.did.slice(-8)}\r`);
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).toContain('ASSENT RECOVERY SHEET');
      const now = json<{ did: string }>(await assent(['id', 'show', '--json'], envOf('terminal')));
      expect(now.did).not.toBe(first.did);
      expect(run.stdout).toContain(`Created ${now.did}`);
    },
    60_000,
  );
});

describe('the keystore write is durable', () => {
  const hasStrace = (() => {
    try {
      execFileSync('strace', ['-f', '-e', 'trace=fsync', 'true'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasStrace)(
    `fsyncs the temporary file before the rename and the directory after it${hasStrace ? '' : ' (skipped: strace is missing or cannot trace here)'}`,
    () => {
      const home = join(dir, 'durable');
      const log = join(dir, 'strace.log');
      execFileSync(
        'strace',
        [
          '-f',
          '-y',
          '-qq',
          '-e',
          'trace=fsync,fdatasync,rename,renameat,renameat2',
          '-o',
          log,
          process.execPath,
          BIN,
          'id',
          'create',
          '--json',
        ],
        { env: { PATH: process.env.PATH, NO_COLOR: '1', ...envOf('durable') }, cwd: ROOT, stdio: 'pipe' },
      );
      const keystore = join(home, 'identity.json');
      expect(existsSync(keystore)).toBe(true);
      const calls = readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line.includes(home));
      const fileSync = calls.findIndex((line) => /fsync\(\d+<[^>]*identity\.json\.\d+\.tmp>/.test(line));
      const renamed = calls.findIndex((line) =>
        /rename(at2?)?\(.*identity\.json\.\d+\.tmp.*identity\.json"/.test(line),
      );
      const dirSync = calls.findIndex(
        (line, i) =>
          i > renamed &&
          new RegExp(`fsync\\(\\d+<${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>`).test(line),
      );
      expect(fileSync, calls.join('\n')).toBeGreaterThanOrEqual(0);
      expect(renamed, calls.join('\n')).toBeGreaterThan(fileSync);
      expect(dirSync, calls.join('\n')).toBeGreaterThan(renamed);
      expect(readdirSync(home)).toEqual(['identity.json']);
    },
    60_000,
  );
});
