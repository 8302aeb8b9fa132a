import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Identity, identityFromSecretKey, parseDidKey } from '@assent/manifest';
import { cliError } from './errors.js';

/**
 * The CLI keystore: the creator's Ed25519 secret key, encrypted with AES-256-GCM under a key derived
 * from a passphrase with scrypt (RFC 7914). The DID is authenticated as associated data, so a keystore
 * cannot be relabelled. The same document is the encrypted backup that `assent id export` writes.
 */
export interface Keystore {
  readonly type: 'AssentKeystore';
  readonly version: 1;
  readonly did: string;
  readonly name?: string;
  readonly created: string;
  readonly kdf: {
    readonly name: 'scrypt';
    readonly N: number;
    readonly r: number;
    readonly p: number;
    readonly salt: string;
  };
  readonly cipher: { readonly name: 'aes-256-gcm'; readonly iv: string; readonly tag: string };
  readonly ciphertext: string;
}

/** scrypt cost: N = 2^15, r = 8 (~32 MiB, ~0.1 s here): the OWASP minimum for scrypt. */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
/** The most a keystore may ask for: a hostile file must not make us allocate without bound. */
const MAX_N = 2 ** 20;

/** The keystore file in a data directory. */
export function keystorePath(home: string): string {
  return join(home, 'identity.json');
}

function deriveKey(
  passphrase: string,
  salt: Uint8Array,
  kdf: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r + 16 * 1024 * 1024 },
      (error, key) => (error === null ? resolve(key) : reject(error)),
    );
  });
}

/** Encrypts an identity's secret key under a passphrase. */
export async function encryptIdentity(
  identity: Identity,
  passphrase: string,
  name?: string,
): Promise<Keystore> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, COST);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(identity.did, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(identity.secretKey), cipher.final()]);
  return {
    type: 'AssentKeystore',
    version: 1,
    did: identity.did,
    ...(name === undefined ? {} : { name }),
    created: `${new Date().toISOString().slice(0, 19)}Z`,
    kdf: { name: 'scrypt', ...COST, salt: salt.toString('base64') },
    cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
    ciphertext: ciphertext.toString('base64'),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the shape of an untrusted keystore document (`KEYSTORE_INVALID` otherwise). */
export function parseKeystore(text: string): Keystore {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw cliError('KEYSTORE_INVALID', 'not an Assent keystore: the file is not JSON');
  }
  const bad = (why: string) => cliError('KEYSTORE_INVALID', `not an Assent keystore: ${why}`);
  if (!isObject(value) || value.type !== 'AssentKeystore' || value.version !== 1)
    throw bad('wrong type or version');
  const { kdf, cipher } = value;
  if (typeof value.did !== 'string' || !parseDidKey(value.did).ok) throw bad('no valid did');
  if (!isObject(kdf) || kdf.name !== 'scrypt' || typeof kdf.salt !== 'string')
    throw bad('unknown key derivation');
  for (const k of ['N', 'r', 'p'] as const) {
    const n = kdf[k];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw bad(`bad scrypt ${k}`);
  }
  if ((kdf.N as number) > MAX_N || (kdf.r as number) > 32 || (kdf.p as number) > 16)
    throw bad('scrypt cost too high');
  if (
    !isObject(cipher) ||
    cipher.name !== 'aes-256-gcm' ||
    typeof cipher.iv !== 'string' ||
    typeof cipher.tag !== 'string'
  )
    throw bad('unknown cipher');
  if (typeof value.ciphertext !== 'string') throw bad('no ciphertext');
  if (value.name !== undefined && typeof value.name !== 'string') throw bad('bad name');
  return value as unknown as Keystore;
}

/**
 * Decrypts a keystore. A wrong passphrase (the GCM tag does not verify) is `WRONG_PASSPHRASE`; a key
 * that does not belong to the keystore's DID is `KEYSTORE_INVALID`.
 */
export async function decryptKeystore(keystore: Keystore, passphrase: string): Promise<Identity> {
  const key = await deriveKey(passphrase, Buffer.from(keystore.kdf.salt, 'base64'), keystore.kdf);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(keystore.cipher.iv, 'base64'));
  decipher.setAAD(Buffer.from(keystore.did, 'utf8'));
  decipher.setAuthTag(Buffer.from(keystore.cipher.tag, 'base64'));
  let secretKey: Buffer;
  try {
    secretKey = Buffer.concat([
      decipher.update(Buffer.from(keystore.ciphertext, 'base64')),
      decipher.final(),
    ]);
  } catch (cause) {
    throw cliError('WRONG_PASSPHRASE', 'the passphrase does not open this keystore', cause);
  }
  if (secretKey.length !== 32)
    throw cliError('KEYSTORE_INVALID', 'the keystore does not hold an Ed25519 key');
  const identity = await identityFromSecretKey(new Uint8Array(secretKey));
  if (identity.did !== keystore.did)
    throw cliError('KEYSTORE_INVALID', 'the key in the keystore is not its did');
  return identity;
}

/** Reads the keystore of a data directory (`IDENTITY_MISSING` when there is none). */
export async function readKeystore(home: string): Promise<Keystore> {
  let text: string;
  try {
    text = await readFile(keystorePath(home), 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT')
      throw cliError('IDENTITY_MISSING', `no identity in ${home}; run: assent id create`);
    throw cliError(
      'FILE_UNREADABLE',
      `cannot read ${keystorePath(home)}: ${(cause as Error).message}`,
      cause,
    );
  }
  return parseKeystore(text);
}

/** Writes a file atomically with mode 0600 (created so, never world-readable even for a moment). */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, text, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (cause) {
    throw cliError('FILE_UNWRITABLE', `cannot write ${path}: ${(cause as Error).message}`, cause);
  }
}
