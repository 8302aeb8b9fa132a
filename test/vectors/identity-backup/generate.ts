/**
 * Writes `identity-backup-vectors.json`: conformance cases for the identity backup
 * (docs/spec/identity-backup.md), in a Wycheproof-like shape. Most must fail, each with its code.
 *
 * The version-2 files are written here by an implementation independent of @assent/manifest:
 * node:crypto's scrypt and AES-256-GCM, a JCS of our own for the flat header, and did:key from
 * node:crypto's Ed25519. Salts and nonces are fixed, so running this again reproduces the file byte
 * for byte: `pnpm vectors`. The two version-1 files beside it were written by the code that version 2
 * replaces (@assent/cli's keystore and the web app's backup at commit b76bad4) and are kept as data.
 */
import { createCipheriv, scryptSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { didOfSeed, jcs } from './oracle.js';

export interface IdentityBackupVector {
  id: number;
  comment: string;
  /** The exact file text a reader is given. */
  input: string;
  passphrase: string;
  result: 'valid' | 'invalid';
  /** The DID a valid case opens to. */
  did?: string;
  /** The expected error code of an invalid case. */
  code?: 'KEYSTORE_INVALID' | 'KEYSTORE_KDF_OUT_OF_BOUNDS' | 'WRONG_PASSPHRASE';
}

const here = dirname(fileURLToPath(import.meta.url));
const PASSPHRASE = 'correct horse battery staple';
const seed = (byte: number) => new Uint8Array(32).map((_, i) => (byte + i * 7) & 0xff);

interface Header {
  type: string;
  version: number;
  did: string;
  name?: string;
  created: string;
  kdf: { name: string; N: number; r: number; p: number; salt: string };
  cipher: { name: string; iv: string };
}

/** Seals `secret` under the header with node:crypto: scrypt, then AES-256-GCM with JCS(header) as AAD. */
function seal(header: Header, secret: Uint8Array, passphrase = PASSPHRASE): Record<string, unknown> {
  const { N, r, p } = header.kdf;
  const key = scryptSync(passphrase.normalize('NFC'), Buffer.from(header.kdf.salt, 'base64'), 32, {
    N,
    r,
    p,
    maxmem: 256 * 1024 * 1024,
  });
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(header.cipher.iv, 'base64'));
  cipher.setAAD(Buffer.from(jcs(header), 'utf8'));
  const body = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
  return { ...header, ciphertext: body.toString('base64') };
}

const text = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;
const me = seed(1);
const did = didOfSeed(me);
const other = didOfSeed(seed(2));
const salt = Buffer.from(new Uint8Array(16).map((_, i) => i * 11)).toString('base64');
const iv = Buffer.from(new Uint8Array(12).map((_, i) => 200 - i)).toString('base64');
/** The lowest cost readers accept (16 MiB), so the suite stays quick; writers use N = 2^17. */
const cheap: Header = {
  type: 'AssentIdentityBackup',
  version: 2,
  did,
  name: 'The Flight',
  created: '2026-12-07T16:00:00Z',
  kdf: { name: 'scrypt', N: 2 ** 14, r: 8, p: 1, salt },
  cipher: { name: 'aes-256-gcm', iv },
};
const good = seal(cheap, me);
const with_ = (changes: Record<string, unknown>) => text({ ...good, ...changes });
const kdf = (changes: Record<string, unknown>) => with_({ kdf: { ...cheap.kdf, ...changes } });
const flip = (b64: string, at: number) => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[at] = (bytes[at] as number) ^ 1;
  return bytes.toString('base64');
};
const cliV1 = readFileSync(join(here, 'legacy-cli-keystore-v1.json'), 'utf8');
const webV1 = readFileSync(join(here, 'legacy-web-backup-v1.json'), 'utf8');
const goodText = text(good);

const cases: Omit<IdentityBackupVector, 'id'>[] = [
  {
    comment: 'version 2 at the lowest accepted cost',
    input: goodText,
    passphrase: PASSPHRASE,
    result: 'valid',
    did,
  },
  {
    comment: 'version 2 without a name, p = 2, a 32-byte salt, compact JSON',
    input: JSON.stringify(
      seal(
        {
          ...cheap,
          name: undefined as unknown as string,
          kdf: { ...cheap.kdf, p: 2, salt: Buffer.alloc(32, 7).toString('base64') },
        },
        me,
      ),
    ),
    passphrase: PASSPHRASE,
    result: 'valid',
    did,
  },
  {
    comment: 'the passphrase is NFC-normalized: a decomposed é opens a file sealed with the composed one',
    input: text(seal(cheap, me, 'caf\u00e9 au lait, s’il vous plaît')),
    passphrase: 'cafe\u0301 au lait, s’il vous plaît',
    result: 'valid',
    did,
  },
  {
    comment: 'a version-1 CLI keystore (scrypt 2^15)',
    input: cliV1,
    passphrase: PASSPHRASE,
    result: 'valid',
    did,
  },
  {
    comment: 'a version-1 web backup (PBKDF2 600,000)',
    input: webV1,
    passphrase: PASSPHRASE,
    result: 'valid',
    did,
  },
  {
    comment: 'wrong passphrase',
    input: goodText,
    passphrase: 'correct horse battery stapler',
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'wrong passphrase, version-1 CLI keystore',
    input: cliV1,
    passphrase: 'nope',
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'wrong passphrase, version-1 web backup',
    input: webV1,
    passphrase: 'nope',
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'one bit of the ciphertext flipped',
    input: with_({ ciphertext: flip(good.ciphertext as string, 3) }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'one bit of the tag flipped',
    input: with_({ ciphertext: flip(good.ciphertext as string, 47) }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'the name changed (it is authenticated)',
    input: with_({ name: 'Someone Else' }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'the name removed',
    input: with_({ name: undefined }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'the created date changed',
    input: with_({ created: '2020-01-01T00:00:00Z' }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'relabelled with another DID',
    input: with_({ did: other }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'the nonce changed',
    input: with_({ cipher: { ...cheap.cipher, iv: flip(iv, 0) } }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'N doubled (another key is derived)',
    input: kdf({ N: 2 ** 15 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'relabelled version-1 CLI keystore',
    input: text({ ...JSON.parse(cliV1), did: other }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'WRONG_PASSPHRASE',
  },
  {
    comment: 'sealed correctly, but the key inside is another DID’s',
    input: text(seal(cheap, seed(2))),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'N = 2^30: 1 TiB of memory asked for',
    input: kdf({ N: 2 ** 30 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'N = 2^52: a power of two far above any bound',
    input: kdf({ N: 2 ** 52 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'N = 2^20, r = 8: 1 GiB of memory',
    input: kdf({ N: 2 ** 20 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'r = 2^20',
    input: kdf({ r: 2 ** 20 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'p = 10^6: hours of work',
    input: kdf({ p: 1_000_000 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'N·r·p = 2^24, above the work bound',
    input: kdf({ N: 2 ** 17, p: 16 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'N = 2: no cost at all',
    input: kdf({ N: 2 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'N = 2^13, r = 8: below 16 MiB',
    input: kdf({ N: 2 ** 13 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'N not a power of two',
    input: kdf({ N: 20_000 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'p = 0',
    input: kdf({ p: 0 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'N = -16384',
    input: kdf({ N: -16384 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'version-1 CLI keystore asking for N = 2^30',
    input: text({ ...JSON.parse(cliV1), kdf: { ...JSON.parse(cliV1).kdf, N: 2 ** 30 } }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'version-1 web backup asking for 10^9 PBKDF2 iterations',
    input: text({ ...JSON.parse(webV1), kdf: { ...JSON.parse(webV1).kdf, iterations: 1_000_000_000 } }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'version-1 web backup with 1,000 PBKDF2 iterations',
    input: text({ ...JSON.parse(webV1), kdf: { ...JSON.parse(webV1).kdf, iterations: 1000 } }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_KDF_OUT_OF_BOUNDS',
  },
  {
    comment: 'N as a float',
    input: goodText.replace('"N": 16384', '"N": 16384.5'),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'N as a string',
    input: kdf({ N: '16384' }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'the file cut in half',
    input: goodText.slice(0, goodText.length >> 1),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'the file cut before its closing brace',
    input: goodText.slice(0, goodText.lastIndexOf('}')),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'an empty file',
    input: '',
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'the ciphertext truncated by 3 bytes',
    input: with_({
      ciphertext: Buffer.from(good.ciphertext as string, 'base64')
        .subarray(0, 45)
        .toString('base64'),
    }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'the ciphertext missing',
    input: with_({ ciphertext: undefined }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'the ciphertext with a line break (not strict base64)',
    input: with_({
      ciphertext: `${(good.ciphertext as string).slice(0, 20)}\n${(good.ciphertext as string).slice(20)}`,
    }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'a 16-byte nonce',
    input: with_({ cipher: { ...cheap.cipher, iv: Buffer.alloc(16, 1).toString('base64') } }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'an 8-byte salt',
    input: kdf({ salt: Buffer.alloc(8, 1).toString('base64') }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'version 3',
    input: with_({ version: 3 }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'an unknown member',
    input: with_({ hint: 'my dog' }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'a duplicate member',
    input: goodText.replace('"version": 2,', '"version": 2,\n  "version": 2,'),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'PBKDF2 in a version-2 file',
    input: with_({ kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: 600000, salt } }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'a cipher other than AES-256-GCM',
    input: with_({ cipher: { ...cheap.cipher, name: 'chacha20-poly1305' } }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'a did:key that is not Ed25519',
    input: with_({ did: 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme' }),
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
  {
    comment: 'a manifest, not a backup',
    input: '{"type":["VerifiableCredential","ConsentManifest"]}',
    passphrase: PASSPHRASE,
    result: 'invalid',
    code: 'KEYSTORE_INVALID',
  },
];

const vectors: IdentityBackupVector[] = cases.map((c, i) => ({ id: i + 1, ...c }));
writeFileSync(join(here, 'identity-backup-vectors.json'), `${JSON.stringify(vectors, null, 2)}\n`);
