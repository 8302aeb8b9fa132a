import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, isAssentError, signManifest } from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, memorySource, mergeCreatorRecord } from '../src/index.js';
import { fileState } from '../src/node/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assent-verifier-state-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (version: number, cids: string[], seenAt = '2026-01-01T00:00:00.000Z') => ({
  version,
  cids,
  seenAt,
});

describe('mergeCreatorRecord', () => {
  it('never lowers a version and unites fork branches', () => {
    expect(mergeCreatorRecord(record(3, ['c']), record(2, ['b']))).toEqual(record(3, ['c']));
    expect(mergeCreatorRecord(record(2, ['b']), record(3, ['c']))).toEqual(record(3, ['c']));
    expect(mergeCreatorRecord(record(2, ['b']), record(2, ['a'])).cids).toEqual(['a', 'b']);
  });
});

describe('fileState (@assent/verifier/node)', () => {
  it('remembers the newest version across restarts, so a rollback is caught by a new process', async () => {
    const path = join(dir, 'nested', 'state.json');
    const me = await generateIdentity();
    const X = 'isrc:USRC17607839';
    const v1 = await signManifest({ works: [{ ids: [X], policy: { all: 'allow' } }] }, { identity: me });
    const v2 = await signManifest(
      { works: [{ ids: [X], policy: { all: 'deny' } }] },
      { identity: me, head: v1 },
    );
    await createVerifier({ source: memorySource([v2]), state: fileState(path) }).check({
      work: X,
      use: 'tdm',
    });
    const saved = JSON.parse(await readFile(path, 'utf8')) as {
      creators: Record<string, { version: number }>;
    };
    expect(saved.creators[me.did]?.version).toBe(2);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const later = await createVerifier({ source: memorySource([v1]), state: fileState(path) }).check({
      work: X,
      use: 'tdm',
    });
    expect([later.decision, later.rule, later.warnings[0]?.code]).toEqual([
      'deny',
      'content-unavailable',
      'ROLLBACK_DETECTED',
    ]);
    expect((await readdir(join(dir, 'nested'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('merges concurrent saves without losing any', async () => {
    const path = join(dir, 'concurrent.json');
    const store = fileState(path);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.save(new Map([[`did:key:z${i}`, record(i + 1, [`c${i}`])]])),
      ),
    );
    const loaded = await fileState(path).load(Array.from({ length: 20 }, (_, i) => `did:key:z${i}`));
    expect(loaded.size).toBe(20);
  });

  it('refuses a file that is not verifier state (STATE_CORRUPT) and leaves it alone', async () => {
    for (const text of [
      'not json',
      '{"format":"something-else","creators":{}}',
      '{"format":"assent-verifier-state/1","creators":{"d":{"version":-1}}}',
    ]) {
      const path = join(dir, 'corrupt.json');
      await writeFile(path, text);
      const error = await fileState(path)
        .load(['d'])
        .catch((e: unknown) => e);
      expect(isAssentError(error, 'STATE_CORRUPT'), String(error)).toBe(true);
      expect(await readFile(path, 'utf8')).toBe(text);
    }
  });

  it('reports an unreadable path as STATE_UNAVAILABLE', async () => {
    const error = await fileState(dir)
      .load(['d'])
      .catch((e: unknown) => e);
    expect(isAssentError(error, 'STATE_UNAVAILABLE')).toBe(true);
  });
});
