import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assent, buildCli, json, ROOT } from './support/cli.js';

/**
 * The identity backup through the built CLI (docs/spec/identity-backup.md): files of the formats that
 * came before version 2 still load and are written again in version 2 ("read old, write new"), and
 * every damaged or hostile file gets its code and exit code. Moving identities to and from the web app
 * is apps/web/test/identity-portability.e2e.test.ts.
 */
const vectors = join(ROOT, 'test/vectors/identity-backup');
const PASSPHRASE = 'correct horse battery staple';
/** The DID the vector files hold (seed 1 of test/vectors/identity-backup/generate.ts). */
const DID = 'did:key:z6MkuoKgo7fLusrzHKPgn7WKFauxQJjRhzsXkUWndXECW2gX';
let dir: string;

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-cli-backup-'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const envOf = (home: string) => ({ ASSENT_HOME: join(dir, home), ASSENT_PASSPHRASE: PASSPHRASE });
const keystoreOf = (home: string) =>
  JSON.parse(readFileSync(join(dir, home, 'identity.json'), 'utf8')) as Record<string, unknown>;

describe('assent id with older files', () => {
  it('uses a version-1 CLI keystore and rewrites it as version 2, mode 0600, when it unlocks it', async () => {
    const env = envOf('old-cli');
    mkdirSync(env.ASSENT_HOME, { recursive: true });
    copyFileSync(join(vectors, 'legacy-cli-keystore-v1.json'), join(env.ASSENT_HOME, 'identity.json'));
    const shown = await assent(['id', 'show', '--json'], env);
    expect(json(shown)).toMatchObject({ did: DID, name: 'The Flight' });
    expect(keystoreOf('old-cli')).toMatchObject({ type: 'AssentKeystore', version: 1 });

    const drafted = await assent(
      ['draft', 'isrc:USRC17607839', '--deny', 'train-ai', '-o', join(dir, 'd.json')],
      env,
    );
    expect(drafted.code, drafted.stderr).toBe(0);
    const signed = await assent(['sign', join(dir, 'd.json'), '-o', join(dir, 's.json'), '--json'], env);
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).issuer).toBe(DID);

    const upgraded = keystoreOf('old-cli');
    expect(upgraded).toMatchObject({
      type: 'AssentIdentityBackup',
      version: 2,
      did: DID,
      name: 'The Flight',
      kdf: { name: 'scrypt', N: 2 ** 17, r: 8, p: 1 },
    });
    expect(statSync(join(env.ASSENT_HOME, 'identity.json')).mode & 0o777).toBe(0o600);
    expect(json(await assent(['id', 'show', '--json'], env))).toMatchObject({ did: DID, name: 'The Flight' });
  });

  it('imports a version-1 web backup and exports version 2, which imports again', async () => {
    const env = envOf('old-web');
    const imported = await assent(
      ['id', 'import', join(vectors, 'legacy-web-backup-v1.json'), '--json'],
      env,
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(json(imported)).toMatchObject({ did: DID });
    expect(keystoreOf('old-web')).toMatchObject({ type: 'AssentIdentityBackup', version: 2, did: DID });
    expect(statSync(join(env.ASSENT_HOME, 'identity.json')).mode & 0o777).toBe(0o600);

    const exported = await assent(['id', 'export', '--json'], env);
    expect(exported.code, exported.stderr).toBe(0);
    const { backup } = json<{ backup: Record<string, unknown> }>(exported);
    expect(backup).toMatchObject({ type: 'AssentIdentityBackup', version: 2, did: DID });
    const file = join(dir, 'exported.json');
    writeFileSync(file, JSON.stringify(backup));
    const again = await assent(['id', 'import', file, '--json'], envOf('again'));
    expect([again.code, json(again)]).toMatchObject([0, { did: DID }]);
  });
});

describe('assent id import refuses damaged and hostile files with stable codes', () => {
  const cases = JSON.parse(readFileSync(join(vectors, 'identity-backup-vectors.json'), 'utf8')) as {
    comment: string;
    input: string;
    passphrase: string;
    code?: string;
  }[];
  const pick = (comment: string) => {
    const found = cases.find((c) => c.comment === comment);
    if (found === undefined) throw new Error(`no vector "${comment}"`);
    return found;
  };
  for (const [comment, code, exit] of [
    ['wrong passphrase', 'WRONG_PASSPHRASE', 4],
    ['one bit of the ciphertext flipped', 'WRONG_PASSPHRASE', 4],
    ['N = 2^30: 1 TiB of memory asked for', 'KEYSTORE_KDF_OUT_OF_BOUNDS', 3],
    ['version-1 web backup asking for 10^9 PBKDF2 iterations', 'KEYSTORE_KDF_OUT_OF_BOUNDS', 3],
    ['the file cut in half', 'KEYSTORE_INVALID', 3],
    ['the ciphertext truncated by 3 bytes', 'KEYSTORE_INVALID', 3],
  ] as const) {
    it(`${comment}: ${code}, exit ${exit}, nothing written`, async () => {
      const vector = pick(comment);
      expect(vector.code).toBe(code);
      const file = join(dir, 'hostile.json');
      writeFileSync(file, vector.input);
      const home = `refused-${code}-${exit}`;
      const run = await assent(['id', 'import', file, '--json'], {
        ...envOf(home),
        ASSENT_PASSPHRASE: vector.passphrase,
      });
      expect([run.code, json(run)]).toMatchObject([exit, { error: { code } }]);
      const missing = await assent(['id', 'show', '--json'], envOf(home));
      expect(json(missing)).toMatchObject({ error: { code: 'IDENTITY_MISSING' } });
    });
  }
});
