import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BIP39_ENGLISH_WORDLIST,
  createIdentityBackup,
  generateIdentity,
  generateRecoveryKey,
  identityBackupText,
  nextKeyHashOfDid,
  openIdentityBackupKeys,
  parseIdentityBackup,
  recoveryIdentityOf,
} from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assent, BIN, buildCli, json, type Run, type Served, serve } from './support/cli.js';

/**
 * Key rotation and recovery through the built CLI against a real registry node and its gateway on
 * 127.0.0.1 (issue #20, docs/spec/manifest.md §5.5, DESIGN-TRUST §2.3): `id create` commits version 1
 * to a sealed next key and the recovery key; `id rotate` moves to the next key; `id recover` takes
 * the creator back from the 24 words printed on the sheet, on top of the head or forking away from a
 * thief's versions; `id watch` alerts on versions this device did not make; `sign`/`publish` build on
 * the creator's head after every rotation. One fault is injected with a proxy in front of the real
 * gateway (the node's answer to a rotation lost on the way back), as nothing else can cause it.
 */
const PASSPHRASE = 'correct horse battery staple';
/** Each story runs the built CLI a dozen times or more, each unlock an scrypt of 0.7 s on 2 cores. */
const STORY_TIMEOUT = 180_000;
const WORK = 'isrc:USRC17607839';
let dir: string;
let node: Served;
/** A port nothing listens on. */
let deadGateway: string;

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-cli-rotation-'));
  node = await serve(['--data', join(dir, 'node')], { ASSENT_HOME: join(dir, 'node') });
  deadGateway = await new Promise<string>((resolve) => {
    const server = createTcpServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(`http://127.0.0.1:${port}`));
    });
  });
}, 120_000);

afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const home = (name: string) => join(dir, name);
const envOf = (name: string, extra: Record<string, string> = {}) => ({
  ASSENT_HOME: home(name),
  ASSENT_PASSPHRASE: PASSPHRASE,
  ASSENT_GATEWAY: node.url,
  ...extra,
});

/** The words of a recovery sheet, by their numbers (the sheet numbers them down four columns). */
function sheetWords(text: string): string {
  const sheet = text.slice(text.indexOf('ASSENT RECOVERY SHEET'));
  const numbered = [...sheet.matchAll(/(\d+)\. ([a-z]+)/g)].map(
    (m) => [Number(m[1]), m[2] as string] as const,
  );
  const words = numbered.sort(([a], [b]) => a - b).map(([, word]) => word);
  expect(words).toHaveLength(24);
  return words.join(' ');
}

function ok(run: Run): Run {
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  return run;
}

interface Created {
  did: string;
  nextKeyHashes: string[];
  recoveryKeyHash: string;
  recoveryPhrase: string;
}

async function create(name: string): Promise<Created> {
  return json<Created>(ok(await assent(['id', 'create', '--json'], envOf(name))));
}

interface Receipt {
  cid: string;
  version: number;
  issuer: string;
  created: boolean;
}

/** Drafts from the creator's head with policy flags and publishes (signed on the way). */
async function publish(name: string, flags: string[], extra: Record<string, string> = {}): Promise<Receipt> {
  const draft = join(dir, `${name}-draft-${Math.random().toString(36).slice(2)}.json`);
  ok(await assent(['draft', WORK, ...flags, '-o', draft], envOf(name, extra)));
  return json<Receipt>(ok(await assent(['publish', draft, '--json'], envOf(name, extra))));
}

interface CreatorAnswer {
  issuer: string;
  creator: string;
  version: number;
  forked: boolean;
  heads: { cid: string; version: number }[];
  history: { cid: string; version: number; previous?: string }[];
}

async function creatorOf(key: string): Promise<CreatorAnswer> {
  const response = await fetch(`${node.url}/v1/creators/${encodeURIComponent(key)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as CreatorAnswer;
}

interface Subject {
  version: number;
  previous?: string;
  creator?: string;
  rotation?: { from: string };
  keyState?: { nextKeyHashes: string[] };
  default?: unknown;
  works: { ids: string[]; policy?: Record<string, unknown> }[];
}

async function manifestOf(cid: string): Promise<{ issuer: string; credentialSubject: Subject }> {
  const response = await fetch(`${node.url}/v1/manifests/${cid}`, {
    headers: { accept: 'application/json' },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { issuer: string; credentialSubject: Subject };
}

/** The keystore of a data directory, read and opened as any tool would. */
async function keystoreOf(name: string, passphrase = PASSPHRASE) {
  const text = readFileSync(join(home(name), 'identity.json'), 'utf8');
  const parsed = parseIdentityBackup(text);
  if (!parsed.ok) throw new Error(parsed.message);
  const opened = await openIdentityBackupKeys(parsed.value, passphrase);
  if (!opened.ok) throw new Error(opened.message);
  return { text, ...parsed.value, ...opened.value };
}

/** Every file under a directory, as text (what a thief copying the data directory gets). */
function everyFile(path: string): string {
  return readdirSync(path, { withFileTypes: true })
    .map((e) =>
      e.isDirectory() ? everyFile(join(path, e.name)) : readFileSync(join(path, e.name), 'latin1'),
    )
    .join('\n');
}

describe('deny fast, allow after 72 hours (docs/decisions.md §2.3)', () => {
  it(
    'a grant just published waits: check says so and decides by the version before; a deny counts at once',
    async () => {
      await create('waiting');
      await publish('waiting', ['--deny', 'train-genai']);
      const granted = await publish('waiting', ['--allow', 'train-genai']);
      const text = ok(await assent(['check', WORK, '--use', 'train-genai'], envOf('waiting')));
      expect(text.stdout).toMatch(/^deny/);
      expect(text.stdout).toContain(`evidence: ${granted.cid} v2`);
      expect(text.stdout).toMatch(/, waits until \d{4}-\d\d-\d\dT/);
      const held = json<{
        decision: string;
        evidence: { cid: string; claims: boolean; pendingUntil?: string }[];
      }>(await assent(['check', WORK, '--use', 'train-genai', '--json'], envOf('waiting')));
      expect(held.evidence[0]).toMatchObject({ cid: granted.cid, claims: false });
      expect(Date.parse(held.evidence[0]?.pendingUntil as string) - Date.now()).toBeGreaterThan(
        71 * 60 * 60 * 1000,
      );
      await publish('waiting', ['--deny', 'train-genai']);
      const denied = json<{ decision: string }>(
        await assent(['check', WORK, '--use', 'train-genai', '--json'], envOf('waiting')),
      );
      expect(denied.decision).toBe('deny');
    },
    STORY_TIMEOUT,
  );
});

describe('identity links after a rotation', () => {
  it(
    'id link tells the creator to publish its creator id, not the rotated key’s DID',
    async () => {
      const created = await create('linked');
      await publish('linked', ['--deny', 'train-genai']);
      ok(await assent(['id', 'rotate', '--json'], envOf('linked')));
      const draft = join(dir, 'linked-link-draft.json');
      const linked = json<{ did: string; publish: { dnsTxt: { value: string } } }>(
        ok(await assent(['id', 'link', 'theflight.com', '--draft', draft, '--json'], envOf('linked'))),
      );
      expect(linked.did).toBe(created.did);
      expect(linked.publish.dnsTxt.value).toBe(`did=${created.did}`);
    },
    STORY_TIMEOUT,
  );
});

describe('assent id rotate: a planned rotation with the current key at hand', () => {
  it(
    'create → publish → rotate → publish: the node accepts every version, and any key answers for the creator',
    async () => {
      const created = await create('planned');
      const start = await keystoreOf('planned');
      expect(start.hasNextKey).toBe(true);
      const firstNext = start.nextKey;
      if (firstNext === undefined) throw new Error('no next key');

      const v1 = await publish('planned', ['--deny', 'train-genai']);
      expect(v1).toMatchObject({ version: 1, issuer: created.did, created: true });
      expect((await manifestOf(v1.cid)).credentialSubject.keyState?.nextKeyHashes).toEqual(
        created.nextKeyHashes,
      );

      const rotated = json<{
        creator: string;
        did: string;
        from: string;
        cid: string;
        version: number;
        previous: string;
        nextKeyHashes: string[];
      }>(ok(await assent(['id', 'rotate', '--json'], envOf('planned'))));
      // Signed by the next key version 1 committed to; commits to a fresh next key and the SAME recovery key.
      expect(rotated).toMatchObject({
        creator: created.did,
        did: firstNext.did,
        from: created.did,
        version: 2,
        previous: v1.cid,
      });
      expect(rotated.nextKeyHashes).toHaveLength(2);
      expect(rotated.nextKeyHashes[1]).toBe(created.recoveryKeyHash);
      expect(rotated.nextKeyHashes[0]).not.toBe(created.nextKeyHashes[0]);
      const v2 = await manifestOf(rotated.cid);
      expect(v2.issuer).toBe(firstNext.did);
      expect(v2.credentialSubject).toMatchObject({
        version: 2,
        previous: v1.cid,
        creator: created.did,
        rotation: { from: created.did },
        keyState: { nextKeyHashes: rotated.nextKeyHashes },
      });
      // The consent state is carried unchanged.
      const v1Subject = (await manifestOf(v1.cid)).credentialSubject;
      expect([v2.credentialSubject.default, v2.credentialSubject.works]).toEqual([
        v1Subject.default,
        v1Subject.works,
      ]);

      // The keystore, written once the node accepted: current = the old next key, a fresh sealed next key.
      const after = await keystoreOf('planned');
      expect(after).toMatchObject({
        did: firstNext.did,
        creator: created.did,
        nextKeyHashes: rotated.nextKeyHashes,
      });
      expect(nextKeyHashOfDid(after.nextKey?.did as string)).toBe(rotated.nextKeyHashes[0]);
      // The old key is spent and kept nowhere; nothing is left pending.
      expect(everyFile(home('planned'))).not.toContain(
        Buffer.from(start.identity.secretKey).toString('base64'),
      );
      expect(
        readdirSync(home('planned')).filter((f) => f.startsWith('identity') || f.includes('pending')),
      ).toEqual(['identity.json']);
      expect(statSync(join(home('planned'), 'identity.json')).mode & 0o777).toBe(0o600);

      // publish again: built on the rotation, signed by the new key, naming the creator, same commitment.
      const v3 = await publish('planned', ['--deny', 'all']);
      expect(v3).toMatchObject({ version: 3, issuer: firstNext.did, created: true });
      const v3Subject = (await manifestOf(v3.cid)).credentialSubject;
      expect(v3Subject).toMatchObject({
        previous: rotated.cid,
        creator: created.did,
        keyState: { nextKeyHashes: rotated.nextKeyHashes },
      });
      expect(v3Subject.rotation).toBeUndefined();

      for (const key of [created.did, firstNext.did]) {
        const answer = await creatorOf(key);
        expect(answer).toMatchObject({ issuer: key, creator: created.did, version: 3, forked: false });
        expect(answer.history.map((h) => h.cid)).toEqual([v1.cid, rotated.cid, v3.cid]);
      }

      // And again: the fresh next key signs the next rotation, the recovery key still committed.
      const again = json<{ did: string; version: number; nextKeyHashes: string[] }>(
        ok(await assent(['id', 'rotate', '--json'], envOf('planned'))),
      );
      expect(again).toMatchObject({ did: after.nextKey?.did, version: 4 });
      expect(again.nextKeyHashes[1]).toBe(created.recoveryKeyHash);
      const v5 = await publish('planned', ['--allow', 'search']);
      expect(v5).toMatchObject({ version: 5, issuer: again.did });
      expect((await creatorOf(again.did)).creator).toBe(created.did);

      // The sheet lost (or seen): --new-recovery commits to a fresh recovery key and shows it once.
      const resheeted = json<{ version: number; nextKeyHashes: string[]; recoveryPhrase: string }>(
        ok(await assent(['id', 'rotate', '--new-recovery', '--json'], envOf('planned'))),
      );
      expect(resheeted.version).toBe(6);
      const newSheet = await recoveryIdentityOf(resheeted.recoveryPhrase);
      if (!newSheet.ok) throw new Error(newSheet.message);
      expect(resheeted.nextKeyHashes).toHaveLength(2);
      expect(resheeted.nextKeyHashes[1]).toBe(nextKeyHashOfDid(newSheet.value.did));
      expect(resheeted.nextKeyHashes).not.toContain(created.recoveryKeyHash);
      const oldSheet = await assent(
        ['id', 'recover', '--creator', created.did, '--json'],
        envOf('planned-elsewhere', { ASSENT_RECOVERY_PHRASE: created.recoveryPhrase }),
      );
      expect([oldSheet.code, json(oldSheet)]).toMatchObject([
        5,
        { error: { code: 'NEXT_KEY_NOT_COMMITTED' } },
      ]);
      expect(everyFile(home('planned'))).not.toContain(resheeted.recoveryPhrase);

      // Every version was made here: the watcher has nothing to say.
      const watched = await assent(['id', 'watch', '--once', '--json'], envOf('planned'));
      expect([watched.code, json(watched)]).toMatchObject([0, { versions: 6, alerts: [], code: null }]);
    },
    STORY_TIMEOUT,
  );

  it(
    'refuses what it cannot do: nothing published yet, or a keystore that seals no next key',
    async () => {
      await create('unpublished');
      const nothing = await assent(['id', 'rotate', '--json'], envOf('unpublished'));
      expect([nothing.code, json(nothing)]).toMatchObject([3, { error: { code: 'MANIFEST_NOT_FOUND' } }]);

      // A keystore from before the sealed next key: the recovery phrase is the only way to rotate.
      const me = await generateIdentity();
      const recovery = await generateRecoveryKey();
      mkdirSync(home('old-keystore'));
      writeFileSync(
        join(home('old-keystore'), 'identity.json'),
        identityBackupText(
          await createIdentityBackup(me, PASSPHRASE, {
            nextKeyHashes: [nextKeyHashOfDid(recovery.identity.did)],
            scrypt: { N: 2 ** 14, r: 8, p: 1 },
          }),
        ),
      );
      await publish('old-keystore', ['--deny', 'train-ai']);
      const missing = await assent(['id', 'rotate', '--json'], envOf('old-keystore'));
      expect([missing.code, json(missing)]).toMatchObject([2, { error: { code: 'NEXT_KEY_MISSING' } }]);
      expect(json<{ error: { message: string } }>(missing).error.message).toContain('assent id recover');
      // ... and the recovery phrase does: the creator is not stuck.
      const recovered = await assent(
        ['id', 'recover', '--json'],
        envOf('old-keystore', { ASSENT_RECOVERY_PHRASE: recovery.phrase }),
      );
      expect(recovered.code, recovered.stdout).toBe(0);
      expect(json(recovered)).toMatchObject({
        creator: me.did,
        recovery: { version: 2, issuer: recovery.identity.did },
      });
    },
    STORY_TIMEOUT,
  );
});

describe('assent id recover: the keystore lost, the creator taken back from the 24 words', () => {
  it(
    'recovers from the words printed on the sheet, prints a new sheet, and publishing goes on with the new key',
    async () => {
      const first = ok(await assent(['id', 'create'], envOf('lost')));
      const words = sheetWords(first.stdout);
      const creator = (first.stdout.match(/Created (did:key:\S+)/) as RegExpMatchArray)[1] as string;
      const v1 = await publish('lost', ['--deny', 'train-genai', '--allow', 'search']);
      const rotated = json<{ did: string; cid: string }>(
        ok(await assent(['id', 'rotate', '--json'], envOf('lost'))),
      );

      // The laptop is gone: a new data directory, only the words and (any key of) the creator remain.
      const recovered = ok(
        await assent(
          ['id', 'recover', '--creator', rotated.did],
          envOf('new-laptop', { ASSENT_RECOVERY_PHRASE: words }),
        ),
      );
      expect(recovered.stdout).toContain(`Recovered ${creator}: version 3`);
      const newWords = sheetWords(recovered.stdout);
      expect(newWords).not.toBe(words);
      expect(recovered.stdout).toContain(`Creator:  ${creator}`);

      const answer = await creatorOf(creator);
      expect(answer).toMatchObject({ creator, version: 4, forked: false });
      const [r3, r4] = answer.history.slice(2);
      const old = await recoveryIdentityOf(words);
      if (!old.ok) throw new Error(old.message);
      // Version 3 is the recovery: signed by the key of the words, committed to since version 1.
      const recovery = await manifestOf(r3?.cid as string);
      expect(recovery.issuer).toBe(old.value.did);
      expect(recovery.credentialSubject).toMatchObject({
        previous: rotated.cid,
        creator,
        rotation: { from: rotated.did },
      });
      // The new sheet's key is committed; the consent state is version 1's.
      const fresh = await recoveryIdentityOf(newWords);
      if (!fresh.ok) throw new Error(fresh.message);
      expect(recovery.credentialSubject.keyState?.nextKeyHashes[1]).toBe(nextKeyHashOfDid(fresh.value.did));
      const v1Subject = (await manifestOf(v1.cid)).credentialSubject;
      expect([recovery.credentialSubject.default, recovery.credentialSubject.works]).toEqual([
        v1Subject.default,
        v1Subject.works,
      ]);
      // Version 4 moves on from the key of the words at once: the typed words sign nothing more.
      const moved = await manifestOf(r4?.cid as string);
      expect(moved.credentialSubject).toMatchObject({ rotation: { from: old.value.did }, creator });
      const keystore = await keystoreOf('new-laptop');
      expect(keystore).toMatchObject({
        did: moved.issuer,
        creator,
        nextKeyHashes: moved.credentialSubject.keyState?.nextKeyHashes,
      });
      expect(keystore.nextKeyHashes?.[1]).toBe(nextKeyHashOfDid(fresh.value.did));
      // Neither sheet is on disk, in any form.
      const disk = everyFile(home('new-laptop'));
      for (const text of [words, newWords, newWords.split(' ').slice(0, 3).join(' ')])
        expect(disk).not.toContain(text);
      expect(disk).not.toContain(Buffer.from(old.value.secretKey).toString('base64'));

      const v5 = await publish('new-laptop', ['--deny', 'ai-input']);
      expect(v5).toMatchObject({ version: 5, issuer: moved.issuer, created: true });
      expect((await manifestOf(v5.cid)).credentialSubject).toMatchObject({ previous: r4?.cid, creator });

      // The old words are spent: the chain commits to them no more.
      const spent = await assent(
        ['id', 'recover', '--creator', creator, '--json'],
        envOf('spent', { ASSENT_RECOVERY_PHRASE: words }),
      );
      expect([spent.code, json(spent)]).toMatchObject([5, { error: { code: 'NEXT_KEY_NOT_COMMITTED' } }]);
      expect(existsSync(home('spent'))).toBe(false);
      // The new words work, and --json hands over the next sheet's words.
      const again = await assent(
        ['id', 'recover', '--creator', creator, '--json'],
        envOf('newer-laptop', { ASSENT_RECOVERY_PHRASE: newWords.toUpperCase().replaceAll(' ', '  ') }),
      );
      expect(again.code, again.stdout).toBe(0);
      const result = json<{
        recovery: { version: number; issuer: string };
        recoveryPhrase: string;
        did: string;
      }>(again);
      expect(result.recovery).toMatchObject({ version: 6, issuer: fresh.value.did });
      expect(result.recoveryPhrase.split(' ')).toHaveLength(24);
      expect((await creatorOf(result.did)).version).toBe(7);
    },
    STORY_TIMEOUT,
  );

  it(
    'refuses a phrase that is not one (RECOVERY_PHRASE_INVALID) and the words of a key not committed (NEXT_KEY_NOT_COMMITTED); nothing is published',
    async () => {
      const created = await create('refusals');
      await publish('refusals', ['--deny', 'train-ai']);
      const before = await creatorOf(created.did);
      const words = created.recoveryPhrase.split(' ');
      // A last word from the list whose checksum bits do not match (BIP39: the last word carries them).
      let badChecksum = '';
      for (const word of BIP39_ENGLISH_WORDLIST) {
        const candidate = [...words.slice(0, 23), word].join(' ');
        if (!(await recoveryIdentityOf(candidate)).ok) {
          badChecksum = candidate;
          break;
        }
      }
      for (const [what, phrase] of [
        ['23 words', words.slice(0, 23).join(' ')],
        ['a word not in the list', [...words.slice(0, 23), 'assent'].join(' ')],
        ['a bad checksum', badChecksum],
      ] as const) {
        const run = await assent(
          ['id', 'recover', '--creator', created.did, '--json'],
          envOf('refusals-elsewhere', { ASSENT_RECOVERY_PHRASE: phrase }),
        );
        expect([run.code, json(run)], what).toMatchObject([
          3,
          { error: { code: 'RECOVERY_PHRASE_INVALID' } },
        ]);
      }
      // Another creator's sheet: a valid phrase whose key this chain never committed to.
      const other = await create('other-creator');
      const uncommitted = await assent(
        ['id', 'recover', '--json'],
        envOf('refusals', { ASSENT_RECOVERY_PHRASE: other.recoveryPhrase }),
      );
      expect([uncommitted.code, json(uncommitted)]).toMatchObject([
        5,
        { error: { code: 'NEXT_KEY_NOT_COMMITTED' } },
      ]);
      expect(json<{ error: { message: string } }>(uncommitted).error.message).toContain(
        'nothing was published',
      );
      // No terminal and no ASSENT_RECOVERY_PHRASE: a usage error, not a hang.
      const noPhrase = await assent(['id', 'recover', '--json'], envOf('refusals'));
      expect([noPhrase.code, json(noPhrase)]).toMatchObject([2, { error: { code: 'USAGE' } }]);
      // Another creator's keystore is replaced only with --force and a confirmation, as id create asks.
      const foreign = await assent(
        ['id', 'recover', '--creator', created.did, '--json'],
        envOf('other-creator', { ASSENT_RECOVERY_PHRASE: created.recoveryPhrase }),
      );
      expect([foreign.code, json(foreign)]).toMatchObject([2, { error: { code: 'IDENTITY_EXISTS' } }]);
      expect((await keystoreOf('other-creator')).did).toBe(other.did);

      const after = await creatorOf(created.did);
      expect(after.history).toEqual(before.history);
      expect((await keystoreOf('refusals')).did).toBe(created.did);
      expect(existsSync(home('refusals-elsewhere'))).toBe(false);
    },
    STORY_TIMEOUT,
  );
});

describe('a thief with a copy of the keystore: watch, then recover from before the theft', () => {
  it(
    'id watch --once reports the thief’s version and not the device’s own; recover --from 1 forks away; both branches stay on the node',
    async () => {
      const created = await create('victim');
      const v1 = await publish('victim', ['--deny', 'train-genai']);
      // The thief copies the data directory and knows the passphrase.
      mkdirSync(home('thief'));
      cpSync(join(home('victim'), 'identity.json'), join(home('thief'), 'identity.json'));
      const stolen = await publish('thief', ['--allow', 'all']);
      expect(stolen).toMatchObject({ version: 2, issuer: created.did });

      const watched = await assent(['id', 'watch', '--once', '--json'], envOf('victim'));
      expect(watched.code).toBe(1);
      const report = json<{
        code: string;
        versions: number;
        alerts: { cid: string; version: number; issuer: string }[];
      }>(watched);
      expect(report).toMatchObject({ code: 'FOREIGN_VERSIONS', versions: 2 });
      expect(report.alerts).toEqual([
        expect.objectContaining({ cid: stolen.cid, version: 2, issuer: created.did }),
      ]);
      expect(watched.stderr).toContain(
        `ALERT version 2 of ${created.did} was not made on this device: ${stolen.cid}`,
      );
      expect(watched.stderr).not.toContain(v1.cid);
      // With a gateway that cannot be read too, the alert is still printed, and the exit is the higher 6.
      const partly = await assent(
        ['id', 'watch', '--once', '--gateway', node.url, '--gateway', deadGateway],
        envOf('victim'),
      );
      expect(partly.code).toBe(6);
      expect(partly.stderr).toContain(stolen.cid);
      expect(partly.stderr).toContain('GATEWAY_UNREACHABLE');

      const recovered = await assent(
        ['id', 'recover', '--from', '1', '--json'],
        envOf('victim', { ASSENT_RECOVERY_PHRASE: created.recoveryPhrase }),
      );
      expect(recovered.code, recovered.stdout).toBe(0);
      const result = json<{
        recovery: { cid: string; version: number; previous: string; forked: boolean };
        rotation: { cid: string; version: number };
        did: string;
      }>(recovered);
      expect(result.recovery).toMatchObject({ version: 2, previous: v1.cid, forked: true });
      expect(result.rotation).toMatchObject({ version: 3 });

      const answer = await creatorOf(created.did);
      expect(answer.forked).toBe(true);
      const atTwo = answer.history
        .filter((h) => h.version === 2)
        .map((h) => h.cid)
        .sort();
      expect(atTwo).toEqual([stolen.cid, result.recovery.cid].sort());
      expect(answer.heads).toEqual([expect.objectContaining({ cid: result.rotation.cid, version: 3 })]);
      // The recovery carries version 1's consent, not the thief's "allow all".
      const [recovery, good] = await Promise.all([manifestOf(result.recovery.cid), manifestOf(v1.cid)]);
      expect([recovery.credentialSubject.default, recovery.credentialSubject.works]).toEqual([
        good.credentialSubject.default,
        good.credentialSubject.works,
      ]);

      // The recovery settled what it forked away from: the watcher is quiet again...
      ok(await assent(['id', 'watch', '--once'], envOf('victim')));
      // ... until the thief goes on; and the device builds on its own branch whatever the thief does.
      const more = await publish('thief', ['--allow', 'train-ai']);
      expect(more).toMatchObject({ version: 3, issuer: created.did });
      const alert = await assent(['id', 'watch', '--once', '--json'], envOf('victim'));
      expect([alert.code, json<{ alerts: { cid: string }[] }>(alert).alerts.map((a) => a.cid)]).toEqual([
        1,
        [more.cid],
      ]);
      const mine = await publish('victim', ['--deny', 'all']);
      expect(mine).toMatchObject({ version: 4, issuer: result.did });
      expect((await manifestOf(mine.cid)).credentialSubject.previous).toBe(result.rotation.cid);
      // The thief's branch outgrows it: the device still continues its own, and says so.
      await publish('thief', ['--allow', 'search']);
      const ahead = await publish('thief', ['--allow', 'ai-input']);
      expect(ahead.version).toBe(5);
      const draft = join(dir, 'victim-outgrown.json');
      ok(await assent(['draft', WORK, '--deny', 'search', '-o', draft], envOf('victim')));
      const outgrown = ok(await assent(['publish', draft, '--json'], envOf('victim')));
      expect(json(outgrown)).toMatchObject({ version: 5, issuer: result.did });
      expect(outgrown.stderr).toContain('continuing your own branch from version 4');
      // Acknowledged after review, a version no longer alerts.
      const [third] = json<{ alerts: { cid: string }[] }>(
        await assent(['id', 'watch', '--once', '--json'], envOf('victim')),
      ).alerts;
      ok(await assent(['id', 'watch', '--ack', third?.cid as string], envOf('victim')));
      const left = json<{ alerts: { cid: string }[] }>(
        await assent(['id', 'watch', '--once', '--json'], envOf('victim')),
      ).alerts;
      expect(left.map((a) => a.cid)).not.toContain(third?.cid);
      expect(left).toHaveLength(2);
    },
    STORY_TIMEOUT,
  );

  it(
    'recover never picks a branch for the creator: at a forked version it asks for the CID',
    async () => {
      const created = await create('forked');
      await publish('forked', ['--deny', 'train-genai']);
      // A copy of the whole data directory at version 1, then both sides publish a version 2.
      cpSync(home('forked'), home('forker'), { recursive: true });
      const mine = await publish('forked', ['--deny', 'all']);
      const draft = join(dir, 'forker-draft.json');
      const signedFile = join(dir, 'forker-signed.json');
      const offline = { ASSENT_GATEWAY: deadGateway };
      ok(await assent(['draft', WORK, '--allow', 'all', '-o', draft], envOf('forker', offline)));
      ok(await assent(['sign', draft, '-o', signedFile], envOf('forker', offline)));
      const theirs = json<Receipt>(ok(await assent(['publish', signedFile, '--json'], envOf('forker'))));
      expect([mine.version, theirs.version]).toEqual([2, 2]);
      expect((await creatorOf(created.did)).forked).toBe(true);

      const phrase = { ASSENT_RECOVERY_PHRASE: created.recoveryPhrase };
      for (const from of [[], ['--from', '2']]) {
        const run = await assent(['id', 'recover', ...from, '--json'], envOf('forked', phrase));
        expect([run.code, json(run)], from.join(' ')).toMatchObject([2, { error: { code: 'USAGE' } }]);
        const { message } = json<{ error: { message: string } }>(run).error;
        expect(message).toContain(mine.cid);
        expect(message).toContain(theirs.cid);
      }
      const chosen = await assent(['id', 'recover', '--from', mine.cid, '--json'], envOf('forked', phrase));
      expect(chosen.code, chosen.stdout).toBe(0);
      expect(json(chosen)).toMatchObject({ recovery: { version: 3, previous: mine.cid } });
    },
    STORY_TIMEOUT,
  );

  it(
    'id watch without --once polls and prints a JSON line per new version it did not make',
    async () => {
      const created = await create('polled');
      await publish('polled', ['--deny', 'train-genai']);
      mkdirSync(home('polled-thief'));
      cpSync(join(home('polled'), 'identity.json'), join(home('polled-thief'), 'identity.json'));
      const child: ChildProcess = spawn(process.execPath, [BIN, 'id', 'watch', '--interval', '1', '--json'], {
        env: { PATH: process.env.PATH, NO_COLOR: '1', ...envOf('polled') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        // A quiet poll first: the device's own version is no event.
        await new Promise((r) => setTimeout(r, 2500));
        expect(out).toBe('');
        const stolen = await publish('polled-thief', ['--allow', 'all']);
        const deadline = Date.now() + 20_000;
        while (!out.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        const events = out
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(events).toEqual([
          expect.objectContaining({
            event: 'alert',
            creator: created.did,
            cid: stolen.cid,
            version: 2,
            issuer: created.did,
          }),
        ]);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    },
    STORY_TIMEOUT,
  );
});

describe('a rotation whose answer is lost on the way back', () => {
  /** A proxy to the real gateway that forwards a publish, lets the node accept it, and drops the answer. */
  async function lossyProxy(target: string): Promise<{ url: string; server: Server }> {
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const init: RequestInit = {
        method: req.method ?? 'GET',
        headers: req.headers as Record<string, string>,
      };
      if (chunks.length > 0) init.body = Buffer.concat(chunks);
      const answer = await fetch(`${target}${req.url}`, init);
      const body = Buffer.from(await answer.arrayBuffer());
      if (req.method === 'POST' && req.url === '/v1/manifests') {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
  }

  it(
    'keeps the new keys pending (no key lost), stops signing with ROTATION_PENDING, and id rotate finishes it',
    async () => {
      const created = await create('lossy');
      await publish('lossy', ['--deny', 'train-genai']);
      const before = readFileSync(join(home('lossy'), 'identity.json'), 'utf8');
      const proxy = await lossyProxy(node.url);
      let rotation: Run;
      try {
        rotation = await assent(['id', 'rotate', '--json', '--gateway', proxy.url], envOf('lossy'));
      } finally {
        proxy.server.close();
      }
      expect([rotation.code, json(rotation)]).toMatchObject([6, { error: { code: 'GATEWAY_UNREACHABLE' } }]);
      expect(json<{ error: { message: string } }>(rotation).error.message).toContain(
        'run assent id rotate to finish it',
      );
      // The node took it; the keystore did not change; the new keys wait, sealed, mode 0600.
      const answer = await creatorOf(created.did);
      expect(answer.version).toBe(2);
      expect(readFileSync(join(home('lossy'), 'identity.json'), 'utf8')).toBe(before);
      const pendingPath = join(home('lossy'), 'rotation-pending.json');
      expect(statSync(pendingPath).mode & 0o777).toBe(0o600);
      const pending = JSON.parse(readFileSync(pendingPath, 'utf8')) as { cid: string; keystore: object };
      expect(pending.cid).toBe(answer.heads[0]?.cid);

      // Nothing signs with a key that may be spent.
      for (const args of [
        ['revoke', '--use', 'all'],
        ['id', 'recover'],
      ]) {
        const run = await assent(
          [...args, '--json'],
          envOf('lossy', { ASSENT_RECOVERY_PHRASE: created.recoveryPhrase }),
        );
        expect([run.code, json(run)], args.join(' ')).toMatchObject([
          6,
          { error: { code: 'ROTATION_PENDING' } },
        ]);
      }

      const finished = await assent(['id', 'rotate', '--json'], envOf('lossy'));
      expect([finished.code, json(finished)]).toMatchObject([
        0,
        { finished: 'rotation', cid: pending.cid, version: 2, creator: created.did, created: false },
      ]);
      expect(existsSync(pendingPath)).toBe(false);
      const keystore = await keystoreOf('lossy');
      expect(keystore).toMatchObject({
        creator: created.did,
        nextKeyHashes: (await manifestOf(pending.cid)).credentialSubject.keyState?.nextKeyHashes,
      });
      expect(keystore.did).toBe((await manifestOf(pending.cid)).issuer);
      const v3 = await publish('lossy', ['--deny', 'all']);
      expect(v3).toMatchObject({ version: 3, issuer: keystore.did });
    },
    STORY_TIMEOUT,
  );
});
