import { generateIdentity } from '@assent/manifest';
import { describe, expect, it } from 'vitest';
import { BackupError, createBackup, openBackup } from '../src/identity-backup.js';

// The browser uses 600,000 iterations; the minimum a file may carry keeps these tests fast.
const fast = { iterations: 100_000 };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof BackupError ? error.code : String(error);
  }
}

describe('identity backup', () => {
  it('round-trips an identity with its passphrase', async () => {
    const me = await generateIdentity();
    const text = await createBackup(me, 'a long passphrase', fast);
    expect(text).not.toContain('z3u2');
    const back = await openBackup(text, 'a long passphrase');
    expect(back.did).toBe(me.did);
    expect(back.secretKey).toEqual(me.secretKey);
  });

  it('refuses a wrong passphrase, a relabelled DID and a file that is not a backup', async () => {
    const me = await generateIdentity();
    const other = await generateIdentity();
    const text = await createBackup(me, 'a long passphrase', fast);
    expect(await codeOf(openBackup(text, 'another passphrase'))).toBe('BACKUP_WRONG_PASSPHRASE');
    const relabelled = JSON.stringify({ ...JSON.parse(text), did: other.did });
    expect(await codeOf(openBackup(relabelled, 'a long passphrase'))).toBe('BACKUP_WRONG_PASSPHRASE');
    expect(await codeOf(openBackup('not json', 'x'))).toBe('BACKUP_INVALID');
    expect(await codeOf(openBackup('{"format":"other"}', 'x'))).toBe('BACKUP_INVALID');
    const slow = JSON.stringify({ ...JSON.parse(text), kdf: { ...JSON.parse(text).kdf, iterations: 1e9 } });
    expect(await codeOf(openBackup(slow, 'a long passphrase'))).toBe('BACKUP_INVALID');
  });

  it('refuses a short passphrase', async () => {
    const me = await generateIdentity();
    expect(await codeOf(createBackup(me, 'short', fast))).toBe('BACKUP_WEAK_PASSPHRASE');
  });
});
