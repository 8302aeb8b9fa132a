import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAssentError } from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileCheckpoints } from '../src/node/index.js';
import { observeCheckpoint } from '../src/receipt/index.js';

/**
 * The checkpoint memory in a file: what one run saw of a log, the next run still knows, so a log that
 * shows two histories to one verifier on two days is caught. Real files in a temp directory.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assent-checkpoints-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cp = (size: number, root: string) => ({
  size,
  root,
  note: `example.org/log\n${size}\n${root}\n\n— sig\n`,
});

describe('fileCheckpoints (@assent/verifier/node)', () => {
  it('keeps the largest checkpoint per log across processes, and catches a second history the next day', async () => {
    const path = join(dir, 'nested', 'checkpoints.json');
    const first = fileCheckpoints(path);
    expect(await observeCheckpoint(first, 'example.org/log', cp(5, 'AAAA'))).toBeUndefined();
    expect(await observeCheckpoint(first, 'example.org/log', cp(7, 'BBBB'))).toBeUndefined();
    // A smaller one is not remembered over the larger.
    expect(await observeCheckpoint(first, 'example.org/log', cp(6, 'CCCC'))).toBeUndefined();
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    // Another run, another instance over the same file.
    const next = fileCheckpoints(path);
    expect(await next.get('example.org/log')).toEqual(cp(7, 'BBBB'));
    const fork = await observeCheckpoint(next, 'example.org/log', cp(7, 'DDDD'));
    expect(fork).toEqual({ origin: 'example.org/log', notes: [cp(7, 'BBBB').note, cp(7, 'DDDD').note] });
  });

  it('refuses a file that is not a checkpoint memory (STATE_CORRUPT) and leaves it alone', async () => {
    const path = join(dir, 'other.json');
    await writeFile(path, '{"format":"something-else/1"}\n');
    const memory = fileCheckpoints(path);
    const code = await Promise.resolve()
      .then(() => memory.get('x'))
      .then(
        () => 'resolved',
        (error: unknown) => (isAssentError(error) ? error.code : String(error)),
      );
    expect(code).toBe('STATE_CORRUPT');
    await expect(memory.set('x', cp(1, 'AAAA'))).rejects.toMatchObject({ code: 'STATE_CORRUPT' });
    expect(await readFile(path, 'utf8')).toBe('{"format":"something-else/1"}\n');
  });
});
