import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flac, mp3, wav } from './support/audio-fixtures.js';
import { assent, buildCli, json } from './support/cli.js';

/**
 * The creator's commands, end to end through the built CLI, with no gateway reachable: identity
 * (create, show, export, import, wrong passphrase), draft from real audio files (MP3 with an ID3v2.4
 * TSRC frame, FLAC with an ISRC Vorbis comment, a WAV without tags) and ids, sign, verify.
 */
let dir: string;
let env: Record<string, string>;
/** A port nothing listens on: taken and released, so connections are refused. */
let deadGateway: string;

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-cli-creator-'));
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      server.close(() => resolve(address.port));
    });
  });
  deadGateway = `http://127.0.0.1:${port}`;
  env = { ASSENT_HOME: join(dir, 'home'), ASSENT_PASSPHRASE: 'correct horse', ASSENT_GATEWAY: deadGateway };
  const music = join(dir, 'music');
  mkdirSync(join(music, 'album'), { recursive: true });
  writeFileSync(join(music, '01 Intro.mp3'), mp3({ isrc: 'US-RC1-76-07839', title: 'Intro', seed: 1 }));
  writeFileSync(
    join(music, 'album', '02 Night.flac'),
    flac({ isrc: 'gbaye0601498', title: 'Night', seed: 2 }),
  );
  writeFileSync(join(music, 'album', '03 Room.wav'), wav({ seed: 3 }));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;

describe('assent id', () => {
  it('creates an identity in a 0600 keystore and shows it', async () => {
    const created = await assent(['id', 'create', '--name', 'The Flight', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const { did } = json<{ did: string }>(created);
    expect(did).toMatch(/^did:key:z6Mk/);
    const keystore = join(env.ASSENT_HOME as string, 'identity.json');
    expect(statSync(keystore).mode & 0o777).toBe(0o600);
    expect(readFileSync(keystore, 'utf8')).not.toContain('secretKey');
    const shown = json<{ did: string; name: string }>(await assent(['id', 'show', '--json'], env));
    expect(shown).toMatchObject({ did, name: 'The Flight' });
    const again = await assent(['id', 'create', '--json'], env);
    expect(again.code).toBe(2);
    expect(json(again)).toEqual({ error: { code: 'IDENTITY_EXISTS', message: expect.any(String) } });
  });

  it('exports an encrypted backup and imports it elsewhere; a wrong passphrase is WRONG_PASSPHRASE (exit 4)', async () => {
    const { did } = json<{ did: string }>(await assent(['id', 'show', '--json'], env));
    const backup = join(dir, 'backup.json');
    const wrong = await assent(['id', 'export', '-o', backup, '--json'], {
      ...env,
      ASSENT_PASSPHRASE: 'wrong',
    });
    expect(wrong.code).toBe(4);
    expect(json(wrong)).toMatchObject({ error: { code: 'WRONG_PASSPHRASE' } });
    const exported = await assent(['id', 'export', '-o', backup, '--json'], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const other = { ...env, ASSENT_HOME: join(dir, 'other-home') };
    const refused = await assent(['id', 'import', backup, '--json'], { ...other, ASSENT_PASSPHRASE: 'nope' });
    expect(refused.code).toBe(4);
    expect(json(refused)).toMatchObject({ error: { code: 'WRONG_PASSPHRASE' } });
    const imported = await assent(['id', 'import', backup, '--json'], other);
    expect(imported.code, imported.stderr).toBe(0);
    expect(json(await assent(['id', 'show', '--json'], other))).toMatchObject({ did });
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, '{"type":"something else"}');
    const invalid = await assent(['id', 'import', garbage, '--json', '--force'], other);
    expect([invalid.code, json(invalid)]).toMatchObject([3, { error: { code: 'KEYSTORE_INVALID' } }]);
  });

  it('needs a passphrase: without a terminal or ASSENT_PASSPHRASE, PASSPHRASE_REQUIRED (exit 2)', async () => {
    const run = await assent(['id', 'export', '--json'], { ...env, ASSENT_PASSPHRASE: undefined });
    expect([run.code, json(run)]).toMatchObject([2, { error: { code: 'PASSPHRASE_REQUIRED' } }]);
    const missing = await assent(['id', 'show', '--json'], { ...env, ASSENT_HOME: join(dir, 'empty') });
    expect([missing.code, json(missing)]).toMatchObject([2, { error: { code: 'IDENTITY_MISSING' } }]);
  });
});

describe('assent draft, sign, verify', () => {
  it('drafts a folder of audio files (hashes, ISRCs from tags) and ids, with the policy flags', async () => {
    const music = join(dir, 'music');
    const run = await assent(
      [
        'draft',
        music,
        'isrc:QZ-ABC-26-00001',
        'url-prefix:https://SoundCloud.com/the-flight/',
        '--deny',
        'train-genai',
        '--allow',
        'search',
        '--conditional',
        'ai-input',
        '--attribution',
        'The Flight',
        '--default-deny',
        '-o',
        join(dir, 'draft.json'),
        '--json',
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    // No gateway answers: the draft starts from the local head, with a warning on stderr.
    expect(run.stderr).toContain('cannot reach the gateway');
    const draft = JSON.parse(readFileSync(join(dir, 'draft.json'), 'utf8'));
    const policy = {
      'train-genai': 'deny',
      search: 'allow',
      'ai-input': { decision: 'conditional', conditions: { attribution: 'The Flight' } },
    };
    expect(draft).toEqual({
      default: { all: 'deny' },
      works: [
        { ids: [sha256(join(music, '01 Intro.mp3')), 'isrc:USRC17607839'], title: 'Intro', policy },
        { ids: [sha256(join(music, 'album', '02 Night.flac')), 'isrc:GBAYE0601498'], title: 'Night', policy },
        { ids: [sha256(join(music, 'album', '03 Room.wav'))], title: '03 Room', policy },
        { ids: ['isrc:QZABC2600001'], policy },
        { ids: ['url-prefix:https://soundcloud.com/the-flight/'], policy },
      ],
    });
  });

  it('signs version 1, verifies it offline; version 2 chains to it', async () => {
    const signed = join(dir, 'v1.json');
    const run = await assent(['sign', join(dir, 'draft.json'), '-o', signed, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const v1 = json<{ cid: string; version: number; previous: null }>(run);
    expect(v1).toMatchObject({ version: 1, previous: null });
    const verified = await assent(['verify', signed, '--json'], env);
    expect(verified.code).toBe(0);
    expect(json(verified)).toMatchObject({ valid: true, cid: v1.cid, version: 1, chain: 'first-version' });
    // By CID, from the local store.
    expect((await assent(['verify', v1.cid], env)).code).toBe(0);

    const v2file = join(dir, 'v2.json');
    const v2 = json<{ version: number; previous: string }>(
      await assent(['sign', join(dir, 'draft.json'), '-o', v2file, '--json'], env),
    );
    expect(v2).toMatchObject({ version: 2, previous: v1.cid });
    expect(json(await assent(['verify', v2file, '--json'], env))).toMatchObject({
      version: 2,
      chain: 'verified',
    });
  });

  it('rejects a tampered manifest (exit 4) and a malformed one (exit 3)', async () => {
    const text = readFileSync(join(dir, 'v1.json'), 'utf8');
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, text.replace('"search":"allow"', '"search":"deny"'));
    const bad = await assent(['verify', tampered, '--json'], env);
    expect([bad.code, json(bad)]).toMatchObject([4, { error: { code: 'SIGNATURE_INVALID' } }]);
    const malformed = join(dir, 'malformed.json');
    writeFileSync(malformed, text.replace('{', '{"issuer":"did:key:z6Mkx",'));
    const dup = await assent(['verify', malformed, '--json'], env);
    expect([dup.code, json(dup)]).toMatchObject([3, { error: { code: 'JSON_DUPLICATE_KEY' } }]);
    const human = await assent(['verify', tampered], env);
    expect(human.stderr).toContain('SIGNATURE_INVALID');
  });

  it('refuses a malformed draft (exit 3) and an unreadable file (FILE_UNREADABLE, exit 2)', async () => {
    const draft = join(dir, 'bad-draft.json');
    writeFileSync(draft, JSON.stringify({ works: [{ ids: ['isrc:nope'] }] }));
    const bad = await assent(['sign', draft, '--json'], env);
    expect([bad.code, json(bad)]).toMatchObject([3, { error: { code: 'WORK_ID_ISRC_MALFORMED' } }]);
    const unknownTerm = join(dir, 'bad-term.json');
    writeFileSync(unknownTerm, JSON.stringify({ default: { 'sell-it': 'allow' } }));
    const term = await assent(['sign', unknownTerm, '--json'], env);
    expect([term.code, json(term)]).toMatchObject([3, { error: { code: 'MANIFEST_UNKNOWN_TERM' } }]);
    const missing = await assent(['draft', join(dir, 'no-such-folder'), '--json'], env);
    expect([missing.code, json(missing)]).toMatchObject([2, { error: { code: 'FILE_UNREADABLE' } }]);
    const gone = await assent(['verify', join(dir, 'nothing.json'), '--json'], env);
    expect([gone.code, json(gone)]).toMatchObject([2, { error: { code: 'FILE_UNREADABLE' } }]);
  });
});

describe('every command', () => {
  const commands = [
    ['id', 'create'],
    ['id', 'show'],
    ['id', 'export'],
    ['id', 'import'],
    ['draft'],
    ['sign'],
    ['publish'],
    ['revoke'],
    ['verify'],
    ['check'],
    ['scan'],
    ['serve'],
  ];
  it('has --help with an example', async () => {
    for (const command of commands) {
      const run = await assent([...command, '--help'], env);
      expect(run.code, command.join(' ')).toBe(0);
      expect(run.stdout, command.join(' ')).toContain(`assent ${command.join(' ')}`);
      expect(run.stdout, command.join(' ')).toContain('Example');
    }
    const bare = await assent([], env);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain('Usage: assent <command>');
    const overview = await assent(['--help'], env);
    for (const command of commands) expect(overview.stdout).toContain(`  ${command.join(' ')} `);
  });

  it('answers misuse with USAGE (exit 2), as JSON with --json', async () => {
    for (const args of [
      ['frobnicate'],
      ['scan', '--use'],
      ['check', 'isrc:USRC17607839', '--use', 'sell'],
      ['draft', '--bogus'],
      ['serve', '--write-rate', 'fast'],
      ['serve', '--write-burst', '0'],
      ['serve', '--write-rate', '0', '--write-burst', '5'],
    ]) {
      const run = await assent([...args, '--json'], env);
      expect(run.code, args.join(' ')).toBe(2);
      expect(json(run), args.join(' ')).toMatchObject({ error: { code: 'USAGE' } });
    }
  });

  it('reports an unreachable gateway as GATEWAY_UNREACHABLE (exit 6)', async () => {
    for (const args of [
      ['check', 'isrc:USRC17607839', '--use', 'train-genai'],
      ['scan', join(dir, 'music'), '--use', 'train-genai'],
      ['publish', join(dir, 'v1.json')],
      ['revoke', '--use', 'ai-input'],
    ]) {
      const run = await assent([...args, '--json', '--gateway', deadGateway], env);
      expect(run.code, args.join(' ')).toBe(6);
      expect(json(run), args.join(' ')).toMatchObject({ error: { code: 'GATEWAY_UNREACHABLE' } });
    }
  });
});
