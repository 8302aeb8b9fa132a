import { createDecipheriv, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdentityBackupVector } from '../../../test/vectors/identity-backup/generate.js';
import { didOfSeed, jcs } from '../../../test/vectors/identity-backup/oracle.js';
import {
  createIdentityBackup,
  generateIdentity,
  identityBackupText,
  openIdentityBackup,
  parseIdentityBackup,
  SCRYPT_BOUNDS,
  SCRYPT_PARAMETERS,
} from '../src/index.js';

const vectorsDir = join(import.meta.dirname, '../../../test/vectors/identity-backup');
const vectors = JSON.parse(
  readFileSync(join(vectorsDir, 'identity-backup-vectors.json'), 'utf8'),
) as IdentityBackupVector[];
/** The lowest cost readers accept, to keep round trips quick; the default cost has its own test. */
const cheap = { scrypt: { N: 2 ** 14, r: 8, p: 1 } };

/** The outcome of reading and opening a file: its DID, or its error code. */
async function outcome(text: string, passphrase: string): Promise<string> {
  const parsed = parseIdentityBackup(text);
  if (!parsed.ok) return parsed.code;
  const opened = await openIdentityBackup(parsed.value, passphrase);
  return opened.ok ? opened.value.did : opened.code;
}

describe('identity backup vectors (test/vectors/identity-backup)', () => {
  it('has valid and invalid cases of every code', () => {
    expect(vectors.filter((v) => v.result === 'valid').length).toBeGreaterThanOrEqual(5);
    for (const code of ['KEYSTORE_INVALID', 'KEYSTORE_KDF_OUT_OF_BOUNDS', 'WRONG_PASSPHRASE'])
      expect(vectors.some((v) => v.code === code)).toBe(true);
  });
  for (const v of vectors) {
    it(`#${v.id} ${v.comment}: ${v.result === 'valid' ? 'opens' : v.code}`, async () => {
      expect(await outcome(v.input, v.passphrase)).toBe(v.result === 'valid' ? v.did : v.code);
    });
  }
});

describe('createIdentityBackup', () => {
  it('writes the current format at the writers’ cost, which opens and is current', async () => {
    const me = await generateIdentity();
    const backup = await createIdentityBackup(me, 'correct horse battery staple', { name: 'The Flight' });
    expect(backup).toMatchObject({
      type: 'AssentIdentityBackup',
      version: 2,
      did: me.did,
      name: 'The Flight',
      kdf: { name: 'scrypt', ...SCRYPT_PARAMETERS },
      cipher: { name: 'aes-256-gcm' },
    });
    expect(SCRYPT_PARAMETERS).toEqual({ N: 131072, r: 8, p: 1 });
    const parsed = parseIdentityBackup(identityBackupText(backup));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.value).toMatchObject({
      did: me.did,
      name: 'The Flight',
      format: 'identity-backup-v2',
      current: true,
    });
    const opened = await openIdentityBackup(parsed.value, 'correct horse battery staple');
    expect(opened.ok && opened.value.secretKey).toEqual(me.secretKey);
  });

  it('is opened by an independent implementation: node:crypto scrypt and AES-256-GCM', async () => {
    const me = await generateIdentity();
    const backup = await createIdentityBackup(me, 'caf\u00e9 passphrase', cheap);
    const { ciphertext, ...header } = backup;
    const key = scryptSync(
      'cafe\u0301 passphrase'.normalize('NFC'),
      Buffer.from(backup.kdf.salt, 'base64'),
      32,
      { N: backup.kdf.N, r: backup.kdf.r, p: backup.kdf.p, maxmem: 64 * 1024 * 1024 },
    );
    const sealed = Buffer.from(ciphertext, 'base64');
    expect(sealed).toHaveLength(48);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(backup.cipher.iv, 'base64'));
    decipher.setAAD(Buffer.from(jcs(header), 'utf8'));
    decipher.setAuthTag(sealed.subarray(32));
    const secret = Buffer.concat([decipher.update(sealed.subarray(0, 32)), decipher.final()]);
    expect(new Uint8Array(secret)).toEqual(me.secretKey);
    expect(didOfSeed(secret)).toBe(me.did);
  });

  it('uses a fresh salt and nonce every time and never holds the key in clear', async () => {
    const me = await generateIdentity();
    const a = await createIdentityBackup(me, 'correct horse battery staple', cheap);
    const b = await createIdentityBackup(me, 'correct horse battery staple', cheap);
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(a.cipher.iv).not.toBe(b.cipher.iv);
    const text = identityBackupText(a);
    for (const form of [
      Buffer.from(me.secretKey).toString('hex'),
      Buffer.from(me.secretKey).toString('base64'),
    ])
      expect(text).not.toContain(form);
  });

  it('refuses misuse: an empty passphrase, parameters outside the bounds, a bad name or date', async () => {
    const me = await generateIdentity();
    await expect(createIdentityBackup(me, '')).rejects.toThrow(RangeError);
    await expect(createIdentityBackup(me, 'x', { scrypt: { N: 2 ** 20, r: 8, p: 1 } })).rejects.toThrow(
      RangeError,
    );
    await expect(createIdentityBackup(me, 'x', { scrypt: { N: 1024, r: 8, p: 1 } })).rejects.toThrow(
      RangeError,
    );
    await expect(createIdentityBackup(me, 'x', { ...cheap, name: '' })).rejects.toThrow(RangeError);
    await expect(createIdentityBackup(me, 'x', { ...cheap, created: 'yesterday' })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('parseIdentityBackup', () => {
  it('reads the public part without the passphrase and says which files are to be rewritten', () => {
    const byComment = (c: string) => vectors.find((v) => v.comment === c) as IdentityBackupVector;
    const cli = parseIdentityBackup(byComment('a version-1 CLI keystore (scrypt 2^15)').input);
    expect(cli.ok && cli.value).toMatchObject({
      format: 'cli-keystore-v1',
      current: false,
      name: 'The Flight',
    });
    const web = parseIdentityBackup(byComment('a version-1 web backup (PBKDF2 600,000)').input);
    expect(web.ok && web.value).toMatchObject({ format: 'web-backup-v1', current: false, name: undefined });
    // Version 2 below the writers' cost is accepted but not current: a tool with the passphrase rewrites it.
    const low = parseIdentityBackup(byComment('version 2 at the lowest accepted cost').input);
    expect(low.ok && low.value).toMatchObject({ format: 'identity-backup-v2', current: false });
  });

  it('refuses a file over 64 KiB before parsing it', () => {
    const result = parseIdentityBackup(`{"type":"AssentIdentityBackup","pad":"${'x'.repeat(70_000)}"}`);
    expect(result.ok || result.code).toBe('KEYSTORE_INVALID');
  });
});

describe('parseIdentityBackup on arbitrary input (fast-check)', () => {
  const good = JSON.parse(
    (vectors.find((v) => v.comment === 'version 2 at the lowest accepted cost') as IdentityBackupVector)
      .input,
  ) as Record<string, Record<string, unknown>>;
  const codes = ['KEYSTORE_INVALID', 'KEYSTORE_KDF_OUT_OF_BOUNDS'];

  it('never throws on any text, and answers one of its codes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const result = parseIdentityBackup(text);
        expect(result.ok || codes.includes(result.code)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts scrypt parameters only within the bounds: never more than 256 MiB or 2^23 work', () => {
    const param = fc.oneof(
      fc.integer({ min: -4, max: 64 }),
      fc.integer({ min: 0, max: 53 }).map((e) => 2 ** e),
      fc.double(),
      fc.constant(Number.MAX_SAFE_INTEGER),
    );
    fc.assert(
      fc.property(param, param, param, (N, r, p) => {
        const text = JSON.stringify({ ...good, kdf: { ...good.kdf, N, r, p } });
        const result = parseIdentityBackup(text);
        if (!result.ok) {
          expect(codes).toContain(result.code);
          return;
        }
        expect(Number.isInteger(Math.log2(N))).toBe(true);
        expect(128 * N * r).toBeGreaterThanOrEqual(SCRYPT_BOUNDS.minMemory);
        expect(128 * N * r).toBeLessThanOrEqual(SCRYPT_BOUNDS.maxMemory);
        expect(N * r * p).toBeLessThanOrEqual(SCRYPT_BOUNDS.maxWork);
        expect(p).toBeLessThanOrEqual(SCRYPT_BOUNDS.maxP);
      }),
      { numRuns: 2000 },
    );
  });
});
