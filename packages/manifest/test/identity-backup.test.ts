import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdentityBackupVector } from '../../../test/vectors/identity-backup/generate.js';
import { didOfSeed, jcs } from '../../../test/vectors/identity-backup/oracle.js';
import {
  createIdentityBackup,
  generateIdentity,
  generateRecoveryKey,
  identityBackupText,
  MAX_NEXT_KEYS,
  nextKeyHashOfDid,
  openIdentityBackup,
  openIdentityBackupKeys,
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

/** The oracle's RFC 8785 (objects, strings, integers) with lists, which `nextKeyHashes` is. */
function jcsWithLists(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jcsWithLists).join(',')}]`;
  if (typeof value !== 'object' || value === null) return jcs(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${jcsWithLists(v)}`).join(',')}}`;
}

describe('the creator and the next-key commitment (spec §2.1)', () => {
  const PASS = 'correct horse battery staple';

  /** A rotated key of a creator, with the commitment its recovery key makes. */
  async function rotated() {
    const inception = await generateIdentity();
    const current = await generateIdentity();
    const recovery = await generateRecoveryKey();
    return { inception, current, commitment: [nextKeyHashOfDid(recovery.identity.did)] };
  }

  it('writes both as public members, reads them without the passphrase, and opens', async () => {
    const { inception, current, commitment } = await rotated();
    const backup = await createIdentityBackup(current, PASS, {
      ...cheap,
      name: 'The Flight',
      creator: inception.did,
      nextKeyHashes: commitment,
    });
    expect(backup).toMatchObject({ did: current.did, creator: inception.did, nextKeyHashes: commitment });
    const parsed = parseIdentityBackup(identityBackupText(backup));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.value).toMatchObject({
      did: current.did,
      creator: inception.did,
      nextKeyHashes: commitment,
      format: 'identity-backup-v2',
    });
    const opened = await openIdentityBackup(parsed.value, PASS);
    expect(opened.ok && opened.value.did).toBe(current.did);
  });

  it('a first key carries the commitment alone; files without either still open', async () => {
    const me = await generateIdentity();
    const recovery = await generateRecoveryKey();
    const first = await createIdentityBackup(me, PASS, {
      ...cheap,
      nextKeyHashes: [nextKeyHashOfDid(recovery.identity.did)],
    });
    expect('creator' in first).toBe(false);
    const parsed = parseIdentityBackup(identityBackupText(first));
    expect(parsed.ok && [parsed.value.creator, parsed.value.nextKeyHashes]).toEqual([
      undefined,
      [nextKeyHashOfDid(recovery.identity.did)],
    ]);
    const plain = await createIdentityBackup(me, PASS, cheap);
    expect(Object.keys(plain)).not.toContain('nextKeyHashes');
    expect(await outcome(identityBackupText(plain), PASS)).toBe(me.did);
    // Every valid vector predates the two members: none has them, and all still open (first describe).
    for (const v of vectors.filter((v) => v.result === 'valid')) {
      const read = parseIdentityBackup(v.input);
      expect(read.ok && [read.value.creator, read.value.nextKeyHashes]).toEqual([undefined, undefined]);
    }
  });

  it('binds them: changing, dropping or adding either is WRONG_PASSPHRASE', async () => {
    const { inception, current, commitment } = await rotated();
    const backup = await createIdentityBackup(current, PASS, {
      ...cheap,
      creator: inception.did,
      nextKeyHashes: commitment,
    });
    const other = await rotated();
    const { creator: _c, ...withoutCreator } = backup;
    const { nextKeyHashes: _n, ...withoutCommitment } = backup;
    const tampered: [string, object][] = [
      ['another creator', { ...backup, creator: other.inception.did }],
      ['the creator dropped', withoutCreator],
      ['another commitment', { ...backup, nextKeyHashes: other.commitment }],
      ['a key added to the commitment', { ...backup, nextKeyHashes: [...commitment, ...other.commitment] }],
      ['the commitment dropped', withoutCommitment],
    ];
    const plain = await createIdentityBackup(current, PASS, cheap);
    tampered.push(
      ['a creator added', { ...plain, creator: inception.did }],
      ['a commitment added', { ...plain, nextKeyHashes: commitment }],
    );
    for (const [what, doc] of tampered) {
      expect(parseIdentityBackup(JSON.stringify(doc)).ok, what).toBe(true);
      expect(await outcome(JSON.stringify(doc), PASS), what).toBe('WRONG_PASSPHRASE');
    }
    expect(await outcome(identityBackupText(backup), PASS)).toBe(current.did);
  });

  it('refuses values spec §2.1 does not allow with KEYSTORE_INVALID, and writers refuse them too', async () => {
    const { inception, current, commitment } = await rotated();
    const backup = await createIdentityBackup(current, PASS, { ...cheap, creator: inception.did });
    const hash = commitment[0] as string;
    const many = await Promise.all(
      Array.from({ length: MAX_NEXT_KEYS + 1 }, async () => nextKeyHashOfDid((await generateIdentity()).did)),
    );
    const bad: [string, Record<string, unknown>][] = [
      ['the creator is the key itself', { creator: current.did }],
      ['the creator is not a did:key', { creator: 'did:web:example.com' }],
      ['the creator is not text', { creator: 7 }],
      ['an empty commitment', { nextKeyHashes: [] }],
      ['a commitment that is not a list', { nextKeyHashes: hash }],
      ['a multibase z hash', { nextKeyHashes: [`z${hash.slice(1)}`] }],
      ['a hash named twice', { nextKeyHashes: [hash, hash] }],
      ['too many hashes', { nextKeyHashes: many }],
    ];
    for (const [what, change] of bad) {
      const result = parseIdentityBackup(JSON.stringify({ ...backup, ...change }));
      expect(result.ok || result.code, what).toBe('KEYSTORE_INVALID');
      await expect(
        createIdentityBackup(current, PASS, { ...cheap, ...(change as object) }),
        what,
      ).rejects.toThrow(RangeError);
    }
  });

  it('a file written with node:crypto (scrypt, AES-256-GCM, JCS header as AAD) holding both opens', async () => {
    const { inception, current, commitment } = await rotated();
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const header = {
      type: 'AssentIdentityBackup',
      version: 2,
      did: current.did,
      creator: inception.did,
      created: '2026-12-07T16:00:00Z',
      nextKeyHashes: commitment,
      kdf: { name: 'scrypt', N: 2 ** 14, r: 8, p: 1, salt: salt.toString('base64') },
      cipher: { name: 'aes-256-gcm', iv: iv.toString('base64') },
    };
    const key = scryptSync(PASS, salt, 32, { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(jcsWithLists(header), 'utf8'));
    const sealed = Buffer.concat([cipher.update(current.secretKey), cipher.final(), cipher.getAuthTag()]);
    const text = JSON.stringify({ ...header, ciphertext: sealed.toString('base64') });
    expect(await outcome(text, PASS)).toBe(current.did);
    const parsed = parseIdentityBackup(text);
    expect(parsed.ok && parsed.value.creator).toBe(inception.did);
  });
});

describe('the sealed next key (spec §2.2)', () => {
  const PASS = 'correct horse battery staple';

  /** A key, the next key it commits to and a recovery key, as `assent id create` makes them. */
  async function keys() {
    const current = await generateIdentity();
    const next = await generateIdentity();
    const recovery = await generateRecoveryKey();
    return {
      current,
      next,
      commitment: [nextKeyHashOfDid(next.did), nextKeyHashOfDid(recovery.identity.did)],
    };
  }

  it('seals the next key under the same passphrase; it opens with the key, from the file text alone', async () => {
    const { current, next, commitment } = await keys();
    const backup = await createIdentityBackup(current, PASS, {
      ...cheap,
      nextKeyHashes: commitment,
      nextKey: next,
    });
    expect(Object.keys(backup.nextKey ?? {})).toEqual(['iv', 'ciphertext']);
    expect(backup.nextKey?.iv).not.toBe(backup.cipher.iv);
    const text = identityBackupText(backup);
    // The next key's public key is not in the file either: only its hash, as in the manifests.
    for (const form of [
      next.did,
      next.did.slice('did:key:'.length),
      Buffer.from(next.secretKey).toString('base64'),
      Buffer.from(next.secretKey).toString('hex'),
    ])
      expect(text).not.toContain(form);
    const parsed = parseIdentityBackup(text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.value).toMatchObject({ did: current.did, hasNextKey: true, nextKeyHashes: commitment });
    const opened = await openIdentityBackupKeys(parsed.value, PASS);
    if (!opened.ok) throw new Error(opened.message);
    expect([opened.value.identity.did, opened.value.nextKey?.did]).toEqual([current.did, next.did]);
    expect(opened.value.nextKey?.secretKey).toEqual(next.secretKey);
    expect(await outcome(text, PASS)).toBe(current.did);
    expect(await outcome(text, 'wrong passphrase')).toBe('WRONG_PASSPHRASE');
  });

  it('files without one open as before, with no next key', async () => {
    const { current, commitment } = await keys();
    const plain = await createIdentityBackup(current, PASS, { ...cheap, nextKeyHashes: commitment });
    expect('nextKey' in plain).toBe(false);
    const parsed = parseIdentityBackup(identityBackupText(plain));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.value.hasNextKey).toBe(false);
    const opened = await openIdentityBackupKeys(parsed.value, PASS);
    expect(opened.ok && opened.value.nextKey).toBeUndefined();
    for (const v of vectors.filter((v) => v.result === 'valid')) {
      const read = parseIdentityBackup(v.input);
      expect(read.ok && read.value.hasNextKey, v.comment).toBe(false);
      if (read.ok && read.value.format === 'identity-backup-v2') {
        const keys = await openIdentityBackupKeys(read.value, v.passphrase);
        expect(keys.ok && keys.value.nextKey, v.comment).toBeUndefined();
      }
    }
  });

  it('binds it: changing, dropping, adding or moving it from another file is WRONG_PASSPHRASE', async () => {
    const { current, next, commitment } = await keys();
    const backup = await createIdentityBackup(current, PASS, {
      ...cheap,
      nextKeyHashes: commitment,
      nextKey: next,
    });
    const sealed = backup.nextKey as { iv: string; ciphertext: string };
    const other = await createIdentityBackup(current, PASS, {
      ...cheap,
      nextKeyHashes: commitment,
      nextKey: next,
    });
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = (bytes[0] as number) ^ 1;
      return bytes.toString('base64');
    };
    const { nextKey: _dropped, ...withoutNext } = backup;
    const plain = await createIdentityBackup(current, PASS, { ...cheap, nextKeyHashes: commitment });
    const tampered: [string, object][] = [
      ['its ciphertext changed', { ...backup, nextKey: { ...sealed, ciphertext: flip(sealed.ciphertext) } }],
      ['its nonce changed', { ...backup, nextKey: { ...sealed, iv: flip(sealed.iv) } }],
      ['dropped', withoutNext],
      ['added to a file without one', { ...plain, nextKey: sealed }],
      ['taken from another file of the same key and passphrase', { ...backup, nextKey: other.nextKey }],
    ];
    for (const [what, doc] of tampered) {
      expect(parseIdentityBackup(JSON.stringify(doc)).ok, what).toBe(true);
      expect(await outcome(JSON.stringify(doc), PASS), what).toBe('WRONG_PASSPHRASE');
    }
  });

  it('refuses a next key spec §2.2 does not allow with KEYSTORE_INVALID, and writers refuse it too', async () => {
    const { current, next, commitment } = await keys();
    const backup = await createIdentityBackup(current, PASS, {
      ...cheap,
      nextKeyHashes: commitment,
      nextKey: next,
    });
    const sealed = backup.nextKey as { iv: string; ciphertext: string };
    const { nextKeyHashes: _n, ...withoutCommitment } = backup;
    const bad: [string, object][] = [
      ['not an object', { ...backup, nextKey: sealed.ciphertext }],
      ['an unknown member', { ...backup, nextKey: { ...sealed, did: next.did } }],
      ['no nonce', { ...backup, nextKey: { ciphertext: sealed.ciphertext } }],
      ['a short nonce', { ...backup, nextKey: { ...sealed, iv: 'AAAAAAAAAAAA' } }],
      [
        'a truncated ciphertext',
        { ...backup, nextKey: { ...sealed, ciphertext: sealed.ciphertext.slice(0, 44) } },
      ],
      ['the nonce of the key', { ...backup, nextKey: { ...sealed, iv: backup.cipher.iv } }],
      ['no commitment beside it', withoutCommitment],
    ];
    for (const [what, doc] of bad) {
      const result = parseIdentityBackup(JSON.stringify(doc));
      expect(result.ok || result.code, what).toBe('KEYSTORE_INVALID');
    }
    const stranger = await generateIdentity();
    for (const [what, options] of [
      ['a next key the commitment does not list', { nextKeyHashes: commitment, nextKey: stranger }],
      ['a next key without a commitment', { nextKey: next }],
      [
        'the key itself as its next key',
        { nextKeyHashes: [nextKeyHashOfDid(current.did)], nextKey: current },
      ],
    ] as const)
      await expect(createIdentityBackup(current, PASS, { ...cheap, ...options }), what).rejects.toThrow(
        RangeError,
      );
  });

  /** A version-2 file sealed with node:crypto alone, as spec §3.3 and §3.4 say, holding `next`. */
  function sealedWithNodeCrypto(current: Uint8Array, did: string, next: Uint8Array, commitment: string[]) {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const nextIv = randomBytes(12);
    const header = {
      type: 'AssentIdentityBackup',
      version: 2,
      did,
      created: '2026-12-07T16:00:00Z',
      nextKeyHashes: commitment,
      kdf: { name: 'scrypt', N: 2 ** 14, r: 8, p: 1, salt: salt.toString('base64') },
      cipher: { name: 'aes-256-gcm', iv: iv.toString('base64') },
    };
    const key = scryptSync(PASS, salt, 32, { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const gcm = (nonce: Buffer, aad: object, plaintext: Uint8Array) => {
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(jcsWithLists(aad), 'utf8'));
      return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString(
        'base64',
      );
    };
    const nextIvText = nextIv.toString('base64');
    const withNext = {
      ...header,
      nextKey: { iv: nextIvText, ciphertext: gcm(nextIv, { ...header, nextKey: { iv: nextIvText } }, next) },
    };
    return JSON.stringify({ ...withNext, ciphertext: gcm(iv, withNext, current) });
  }

  it('a file written with node:crypto holding a next key opens to both keys; one not committed is KEYSTORE_INVALID', async () => {
    const { current, next, commitment } = await keys();
    const text = sealedWithNodeCrypto(current.secretKey, current.did, next.secretKey, commitment);
    const parsed = parseIdentityBackup(text);
    if (!parsed.ok) throw new Error(parsed.message);
    const opened = await openIdentityBackupKeys(parsed.value, PASS);
    if (!opened.ok) throw new Error(opened.message);
    expect([opened.value.identity.did, opened.value.nextKey?.did]).toEqual([current.did, next.did]);

    const stranger = await generateIdentity();
    const uncommitted = parseIdentityBackup(
      sealedWithNodeCrypto(current.secretKey, current.did, stranger.secretKey, commitment),
    );
    if (!uncommitted.ok) throw new Error(uncommitted.message);
    const refused = await openIdentityBackupKeys(uncommitted.value, PASS);
    expect(refused.ok || refused.code).toBe('KEYSTORE_INVALID');
    // openIdentityBackup opens the key only for a file that holds a valid next key, too.
    expect((await openIdentityBackup(uncommitted.value, PASS)).ok).toBe(false);
  });
});
