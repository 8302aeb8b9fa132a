import { scryptAsync } from '@noble/hashes/scrypt.js';
import { type Identity, identityFromSecretKey, parseDidKey, parseSecretKeyMultibase } from './did-key.js';
import { fail, ok, type Result } from './errors.js';
import { canonicalize } from './jcs.js';
import { MAX_NEXT_KEYS, NEXT_KEY_HASH_PATTERN, nextKeyHashOfDid } from './key-state.js';
import { parseJson } from './strict-json.js';

/**
 * The encrypted identity backup (docs/spec/identity-backup.md): one format for the CLI's keystore on
 * disk, `assent id export` / `import`, and the web app's backup file. The 32-byte Ed25519 secret key
 * is sealed with AES-256-GCM under a key derived from the passphrase with scrypt (RFC 7914); the
 * rest of the document is the associated data, so nothing in it can be changed without the file
 * failing to open. Readers also open the two formats it replaces. WebCrypto and @noble/hashes only:
 * it runs in browsers and Node alike (on Node the native scrypt, which gives the same bytes faster).
 */

/** The `type` of a backup document. */
export const IDENTITY_BACKUP_TYPE = 'AssentIdentityBackup';
/** The `version` writers write (1 was two formats: the CLI keystore and the web backup, §6). */
export const IDENTITY_BACKUP_VERSION = 2;

/** scrypt cost parameters (RFC 7914 §2): CPU/memory cost `N`, block size `r`, parallelism `p`. */
export interface ScryptParameters {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * What writers use (spec §3): N = 2^17, r = 8, p = 1, the first of OWASP's scrypt settings (2023):
 * 128 MiB of memory, about 0.7 s in Node and in Chromium on this project's test machines.
 */
export const SCRYPT_PARAMETERS: ScryptParameters = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/**
 * What readers accept (spec §4), so the cost can be raised later without a new version, while a
 * hostile file cannot make a reader allocate gigabytes or spin for minutes, nor pass off a cost too
 * low to mean anything. Memory is 128·N·r bytes; work is N·r·p (2^20 for the writers' setting).
 */
export const SCRYPT_BOUNDS = Object.freeze({
  minMemory: 2 ** 24,
  maxMemory: 2 ** 28,
  maxWork: 2 ** 23,
  maxP: 16,
});

/** Iteration bounds for the PBKDF2 of version-1 web backups, which readers still open (spec §6). */
export const PBKDF2_BOUNDS = Object.freeze({ minIterations: 100_000, maxIterations: 10_000_000 });

/** The shortest passphrase the apps accept for a new backup (spec §5; a writer-side policy). */
export const MIN_PASSPHRASE_LENGTH = 10;

/** The codes of {@link parseIdentityBackup} and {@link openIdentityBackup} (docs/errors.md). */
export type IdentityBackupErrorCode = 'KEYSTORE_INVALID' | 'KEYSTORE_KDF_OUT_OF_BOUNDS' | 'WRONG_PASSPHRASE';

/** A version-2 backup document, as written (spec §2). Binary fields are base64 (RFC 4648 §4). */
export interface IdentityBackup {
  readonly type: typeof IDENTITY_BACKUP_TYPE;
  readonly version: typeof IDENTITY_BACKUP_VERSION;
  readonly did: string;
  /**
   * The creator id (the did:key of the creator's version 1) when the sealed key is a rotated one,
   * so not `did` (spec §2.1). Absent: the key is the creator's first, and `did` is the creator id.
   */
  readonly creator?: string;
  readonly name?: string;
  /** When the identity was created, `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly created: string;
  /**
   * The commitment (`keyState.nextKeyHashes`, manifest spec §5.5) the creator's next manifest must
   * carry when its chain has none yet: the hash of the recovery key made with this key (spec §2.1).
   */
  readonly nextKeyHashes?: readonly string[];
  /**
   * The committed next key, sealed like the key itself (spec §2.2): the key a planned rotation signs
   * with. Its public key is not written: its hash in `nextKeyHashes` is all anyone sees before use.
   */
  readonly nextKey?: SealedNextKey;
  readonly kdf: ScryptParameters & { readonly name: 'scrypt'; readonly salt: string };
  readonly cipher: { readonly name: 'aes-256-gcm'; readonly iv: string };
  /** AES-256-GCM of the 32-byte secret key, the 16-byte tag appended (48 bytes). */
  readonly ciphertext: string;
}

/** The `nextKey` member (spec §2.2): a second key sealed under the same passphrase, its own nonce. */
export interface SealedNextKey {
  /** A fresh 12-byte AES-GCM nonce, never the `cipher.iv` (base64). */
  readonly iv: string;
  /** AES-256-GCM of the next key's 32-byte secret, the 16-byte tag appended (48 bytes, base64). */
  readonly ciphertext: string;
}

/** Which format a file was written in: the current one, or one of the two it replaces (spec §6). */
export type IdentityBackupFormat = 'identity-backup-v2' | 'cli-keystore-v1' | 'web-backup-v1';

/** A backup file read and checked, not yet opened: its public part and what it takes to open it. */
export interface ParsedIdentityBackup {
  readonly did: string;
  /** The creator id when the key is a rotated one (spec §2.1); undefined when it is `did`. */
  readonly creator: string | undefined;
  readonly name: string | undefined;
  readonly created: string | undefined;
  /** The commitment the creator's next manifest carries when it has none yet (spec §2.1). */
  readonly nextKeyHashes: readonly string[] | undefined;
  /** True when the file seals a committed next key beside the key (spec §2.2). */
  readonly hasNextKey: boolean;
  readonly format: IdentityBackupFormat;
  /**
   * True when the file is in the current format at no less than the writers' cost: keeping it as
   * it is loses nothing. Otherwise a tool that holds the passphrase writes it again (spec §6).
   */
  readonly current: boolean;
  /** @internal What {@link openIdentityBackup} needs. */
  readonly sealed: Sealed;
}

type Kdf =
  | { readonly name: 'scrypt'; readonly params: ScryptParameters; readonly salt: Uint8Array<ArrayBuffer> }
  | { readonly name: 'pbkdf2'; readonly iterations: number; readonly salt: Uint8Array<ArrayBuffer> };

interface Sealed {
  readonly kdf: Kdf;
  readonly iv: Uint8Array<ArrayBuffer>;
  /** Ciphertext with the GCM tag appended, as WebCrypto takes it. */
  readonly ciphertext: Uint8Array<ArrayBuffer>;
  readonly aad: Uint8Array<ArrayBuffer>;
  /** The plaintext: the raw 32-byte key, or (web v1) its Multikey text. */
  readonly plaintext: 'raw' | 'multikey';
  /** The sealed next key (spec §2.2) and its associated data. */
  readonly next?: {
    readonly iv: Uint8Array<ArrayBuffer>;
    readonly ciphertext: Uint8Array<ArrayBuffer>;
    readonly aad: Uint8Array<ArrayBuffer>;
  };
}

/** Largest backup file read: a real one is under 1 KB. */
const MAX_BACKUP_BYTES = 64 * 1024;
const MAX_NAME_LENGTH = 256;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const CREATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

// ---------- writing ----------

/** What a backup may carry beside the key: all of it public, all of it authenticated (spec §2, §3.3). */
export interface IdentityBackupOptions {
  readonly name?: string;
  /** `YYYY-MM-DDTHH:MM:SSZ`; now when absent. */
  readonly created?: string;
  /** The creator id when the key is a rotated one: an Ed25519 did:key other than the key's own. */
  readonly creator?: string;
  /** The commitment for the creator's next manifest: 1 to {@link MAX_NEXT_KEYS} distinct `Qm…` hashes. */
  readonly nextKeyHashes?: readonly string[];
  /**
   * The committed next key to seal beside the key (spec §2.2): its hash must be in `nextKeyHashes`,
   * and it must not be the key itself.
   */
  readonly nextKey?: Pick<Identity, 'did' | 'secretKey'>;
  readonly scrypt?: ScryptParameters;
}

/**
 * Seals an identity under a passphrase as a version-2 backup (spec §3). The passphrase is
 * NFC-normalized and UTF-8 encoded; salt and nonce are fresh random bytes.
 * @throws RangeError for an empty passphrase, scrypt parameters outside {@link SCRYPT_BOUNDS}, or a
 * name, date, creator or commitment that spec §2 does not allow.
 * @example
 * const backup = await createIdentityBackup(me, 'correct horse battery staple', { name: 'The Flight' });
 * const text = identityBackupText(backup); // what `assent id export` and the web app's download hold
 */
export async function createIdentityBackup(
  identity: Pick<Identity, 'did' | 'secretKey'>,
  passphrase: string,
  options: IdentityBackupOptions = {},
): Promise<IdentityBackup> {
  if (passphrase.length === 0) throw new RangeError('an empty passphrase protects nothing');
  if (identity.secretKey.length !== KEY_BYTES) throw new RangeError('an Ed25519 secret key is 32 bytes');
  const params = options.scrypt ?? SCRYPT_PARAMETERS;
  const problem = scryptProblem(params);
  if (problem !== undefined) throw new RangeError(`scrypt parameters: ${problem}`);
  if (options.name !== undefined && !validName(options.name))
    throw new RangeError(`a name is 1 to ${MAX_NAME_LENGTH} characters`);
  const created = options.created ?? `${new Date().toISOString().slice(0, 19)}Z`;
  if (!CREATED.test(created)) throw new RangeError('created is YYYY-MM-DDTHH:MM:SSZ');
  if (options.creator !== undefined) {
    const problem = creatorProblem(options.creator, identity.did);
    if (problem !== undefined) throw new RangeError(problem);
  }
  if (options.nextKeyHashes !== undefined) {
    const problem = nextKeyHashesProblem(options.nextKeyHashes);
    if (problem !== undefined) throw new RangeError(problem);
  }
  const next = options.nextKey;
  if (next !== undefined) {
    if (next.secretKey.length !== KEY_BYTES) throw new RangeError('an Ed25519 secret key is 32 bytes');
    if (next.did === identity.did) throw new RangeError('the next key is the key itself');
    if (!options.nextKeyHashes?.includes(nextKeyHashOfDid(next.did)))
      throw new RangeError('the next key is not one nextKeyHashes commits to');
  }
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const nextIv = next === undefined ? undefined : distinctNonce(iv);
  const base = {
    type: IDENTITY_BACKUP_TYPE,
    version: IDENTITY_BACKUP_VERSION,
    did: identity.did,
    ...(options.creator === undefined ? {} : { creator: options.creator }),
    ...(options.name === undefined ? {} : { name: options.name }),
    created,
    ...(options.nextKeyHashes === undefined ? {} : { nextKeyHashes: [...options.nextKeyHashes] }),
    kdf: { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: toBase64(salt) },
    cipher: { name: 'aes-256-gcm', iv: toBase64(iv) },
  } as const;
  const key = await aesKey(await scryptKey(passphrase, salt, params), 'encrypt');
  // Spec §3.4: the next key first, bound to the header with its nonce; then the key, bound to all of it.
  const header =
    next === undefined || nextIv === undefined
      ? base
      : {
          ...base,
          nextKey: {
            iv: toBase64(nextIv),
            ciphertext: toBase64(
              await seal(
                key,
                nextIv,
                next.secretKey,
                headerAad({ ...base, nextKey: { iv: toBase64(nextIv) } }),
              ),
            ),
          },
        };
  const ciphertext = await seal(key, iv, identity.secretKey, headerAad(header));
  return { ...header, ciphertext: toBase64(ciphertext) };
}

/** AES-256-GCM with a 128-bit tag appended to the ciphertext, as WebCrypto gives it. */
async function seal(
  key: CryptoKey,
  iv: Uint8Array<ArrayBuffer>,
  plaintext: Uint8Array,
  aad: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: aad, tagLength: TAG_BYTES * 8 },
      key,
      new Uint8Array(plaintext),
    ),
  );
}

/** A fresh random nonce other than `used`: two messages under one GCM key must never share one. */
function distinctNonce(used: Uint8Array): Uint8Array<ArrayBuffer> {
  for (;;) {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    if (iv.some((byte, i) => byte !== used[i])) return iv;
  }
}

/** The file text of a backup: pretty-printed JSON and a final newline. */
export function identityBackupText(backup: IdentityBackup): string {
  return `${JSON.stringify(backup, null, 2)}\n`;
}

// ---------- reading ----------

/**
 * Reads a backup file of any supported format (spec §4, §6) without the passphrase: its DID, name
 * and whether it is current. Expected failures are results: `KEYSTORE_INVALID` (not JSON, truncated,
 * a wrong shape, type or version, bad base64 or lengths), `KEYSTORE_KDF_OUT_OF_BOUNDS` (a cost a
 * reader refuses to pay, or one too low to protect anything).
 */
export function parseIdentityBackup(
  input: string | Uint8Array,
): Result<ParsedIdentityBackup, IdentityBackupErrorCode> {
  const json = parseJson(input, { maxBytes: MAX_BACKUP_BYTES });
  if (!json.ok) return invalid(`it is not JSON (${json.message})`);
  const doc = json.value;
  if (!isRecord(doc)) return invalid('it is not a JSON object');
  if (doc.type === IDENTITY_BACKUP_TYPE) return parseV2(doc);
  if (doc.type === 'AssentKeystore' && doc.version === 1) return parseCliV1(doc);
  if (doc.format === 'assent-identity-backup' && doc.version === 1) return parseWebV1(doc);
  return invalid('unknown type or version');
}

/** A backup opened with its passphrase: the key, and the committed next key when one is sealed. */
export interface OpenedIdentityBackup {
  readonly identity: Identity;
  /** The committed next key (spec §2.2), or undefined when the file seals none. */
  readonly nextKey: Identity | undefined;
}

/**
 * Opens a parsed backup with its passphrase (spec §4.3).
 * `WRONG_PASSPHRASE` when the AES-GCM tag does not verify: a wrong passphrase, or a file altered
 * anywhere in its sealed or authenticated parts (GCM cannot tell the two apart).
 * `KEYSTORE_INVALID` when it opens but does not hold the key of its DID.
 */
export async function openIdentityBackup(
  backup: ParsedIdentityBackup,
  passphrase: string,
): Promise<Result<Identity, IdentityBackupErrorCode>> {
  const opened = await openIdentityBackupKeys(backup, passphrase);
  return opened.ok ? ok(opened.value.identity) : opened;
}

/**
 * {@link openIdentityBackup}, with the committed next key the file seals beside the key (spec §2.2),
 * from one key derivation. `KEYSTORE_INVALID` also when the next key does not open or is not one the
 * file's `nextKeyHashes` commits to.
 * @example
 * const opened = await openIdentityBackupKeys(parsed, passphrase);
 * if (opened.ok && opened.value.nextKey) signManifest(draft, { identity: opened.value.nextKey, head, rotation: true, nextKeyHashes });
 */
export async function openIdentityBackupKeys(
  backup: ParsedIdentityBackup,
  passphrase: string,
): Promise<Result<OpenedIdentityBackup, IdentityBackupErrorCode>> {
  const { kdf, iv, ciphertext, aad, plaintext, next } = backup.sealed;
  const raw =
    kdf.name === 'scrypt'
      ? await scryptKey(passphrase, kdf.salt, kdf.params)
      : await pbkdf2Key(passphrase, kdf.salt, kdf.iterations);
  const key = await aesKey(raw, 'decrypt');
  const opened = await unseal(key, iv, ciphertext, aad);
  if (opened === undefined) {
    return fail(
      'WRONG_PASSPHRASE',
      'Wrong passphrase: it does not open this backup (or the file was changed since it was written).',
    );
  }
  let secretKey: Uint8Array = opened;
  if (plaintext === 'multikey') {
    const decoded = parseSecretKeyMultibase(new TextDecoder().decode(opened));
    if (!decoded.ok) return invalid('the key inside is malformed');
    secretKey = decoded.value;
  }
  if (secretKey.length !== KEY_BYTES) return invalid('the key inside is not an Ed25519 key');
  const identity = await identityFromSecretKey(secretKey);
  if (identity.did !== backup.did) return invalid('the key inside is not the key of its DID');
  if (next === undefined) return ok({ identity, nextKey: undefined });
  // The key's tag covers the sealed next key already: a next key that fails here was sealed wrong.
  const nextSecret = await unseal(key, next.iv, next.ciphertext, next.aad);
  if (nextSecret === undefined || nextSecret.length !== KEY_BYTES)
    return invalid('the next key inside does not open');
  const nextKey = await identityFromSecretKey(nextSecret);
  if (nextKey.did === identity.did || !backup.nextKeyHashes?.includes(nextKeyHashOfDid(nextKey.did)))
    return invalid('the next key inside is not one its nextKeyHashes commits to');
  return ok({ identity, nextKey });
}

/** AES-256-GCM decryption; undefined when the tag does not verify. */
async function unseal(
  key: CryptoKey,
  iv: Uint8Array<ArrayBuffer>,
  ciphertext: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv, additionalData: aad, tagLength: TAG_BYTES * 8 },
        key,
        ciphertext,
      ),
    );
  } catch {
    return undefined;
  }
}

function parseV2(doc: Record<string, unknown>): Result<ParsedIdentityBackup, IdentityBackupErrorCode> {
  if (doc.version !== IDENTITY_BACKUP_VERSION)
    return invalid(`version ${String(doc.version)} is not supported`);
  const extra = unknownMember(doc, [
    'type',
    'version',
    'did',
    'creator',
    'name',
    'created',
    'nextKeyHashes',
    'nextKey',
    'kdf',
    'cipher',
    'ciphertext',
  ]);
  if (extra !== undefined) return invalid(`unknown member "${extra}"`);
  const did = checkDid(doc.did);
  if (!did.ok) return did;
  if (doc.name !== undefined && !validName(doc.name)) return invalid('a bad name');
  if (typeof doc.created !== 'string' || !CREATED.test(doc.created)) return invalid('a bad created date');
  if (doc.creator !== undefined) {
    const problem = creatorProblem(doc.creator, did.value);
    if (problem !== undefined) return invalid(problem);
  }
  if (doc.nextKeyHashes !== undefined) {
    const problem = nextKeyHashesProblem(doc.nextKeyHashes);
    if (problem !== undefined) return invalid(problem);
  }
  const { kdf, cipher } = doc;
  if (!isRecord(kdf) || kdf.name !== 'scrypt') return invalid('the key derivation is not scrypt');
  if (unknownMember(kdf, ['name', 'N', 'r', 'p', 'salt']) !== undefined) return invalid('unknown kdf member');
  const scrypt = scryptOf(kdf);
  if (!scrypt.ok) return scrypt;
  if (
    !isRecord(cipher) ||
    cipher.name !== 'aes-256-gcm' ||
    unknownMember(cipher, ['name', 'iv']) !== undefined
  )
    return invalid('the cipher is not aes-256-gcm');
  const salt = bytesOf(kdf.salt, 'salt');
  if (!salt.ok) return salt;
  const iv = bytesOf(cipher.iv, 'iv', IV_BYTES);
  if (!iv.ok) return iv;
  const ciphertext = bytesOf(doc.ciphertext, 'ciphertext', KEY_BYTES + TAG_BYTES);
  if (!ciphertext.ok) return ciphertext;
  const header = Object.fromEntries(Object.entries(doc).filter(([key]) => key !== 'ciphertext'));
  let next: Sealed['next'];
  if (doc.nextKey !== undefined) {
    const sealed = doc.nextKey;
    if (!isRecord(sealed) || unknownMember(sealed, ['iv', 'ciphertext']) !== undefined)
      return invalid('nextKey is not {iv, ciphertext}');
    if (doc.nextKeyHashes === undefined) return invalid('a next key without the nextKeyHashes it is one of');
    const nextIv = bytesOf(sealed.iv, 'next key iv', IV_BYTES);
    if (!nextIv.ok) return nextIv;
    // Spec §3.4: two messages under one GCM key with one nonce would give both keys away.
    if (sealed.iv === cipher.iv) return invalid('the next key reuses the nonce of the key');
    const nextCiphertext = bytesOf(sealed.ciphertext, 'next key ciphertext', KEY_BYTES + TAG_BYTES);
    if (!nextCiphertext.ok) return nextCiphertext;
    next = {
      iv: nextIv.value,
      ciphertext: nextCiphertext.value,
      aad: headerAad({ ...header, nextKey: { iv: sealed.iv } }),
    };
  }
  const params = scrypt.value;
  const current =
    params.N * params.r >= SCRYPT_PARAMETERS.N * SCRYPT_PARAMETERS.r &&
    params.N * params.r * params.p >= SCRYPT_PARAMETERS.N * SCRYPT_PARAMETERS.r * SCRYPT_PARAMETERS.p;
  return ok({
    did: did.value,
    creator: doc.creator as string | undefined,
    name: doc.name as string | undefined,
    created: doc.created,
    nextKeyHashes: doc.nextKeyHashes as readonly string[] | undefined,
    hasNextKey: next !== undefined,
    format: 'identity-backup-v2',
    current,
    sealed: {
      kdf: { name: 'scrypt', params, salt: salt.value },
      iv: iv.value,
      ciphertext: ciphertext.value,
      aad: headerAad(header),
      plaintext: 'raw',
      ...(next === undefined ? {} : { next }),
    },
  });
}

/** The CLI keystore of @assent/cli 0.1: scrypt, AES-256-GCM with a separate tag, the DID as AAD. */
function parseCliV1(doc: Record<string, unknown>): Result<ParsedIdentityBackup, IdentityBackupErrorCode> {
  const did = checkDid(doc.did);
  if (!did.ok) return did;
  if (doc.name !== undefined && !validName(doc.name)) return invalid('a bad name');
  const { kdf, cipher } = doc;
  if (!isRecord(kdf) || kdf.name !== 'scrypt') return invalid('the key derivation is not scrypt');
  const scrypt = scryptOf(kdf);
  if (!scrypt.ok) return scrypt;
  if (!isRecord(cipher) || cipher.name !== 'aes-256-gcm') return invalid('the cipher is not aes-256-gcm');
  const salt = bytesOf(kdf.salt, 'salt');
  if (!salt.ok) return salt;
  const iv = bytesOf(cipher.iv, 'iv', IV_BYTES);
  if (!iv.ok) return iv;
  const tag = bytesOf(cipher.tag, 'tag', TAG_BYTES);
  if (!tag.ok) return tag;
  const body = bytesOf(doc.ciphertext, 'ciphertext', KEY_BYTES);
  if (!body.ok) return body;
  const ciphertext = new Uint8Array(KEY_BYTES + TAG_BYTES);
  ciphertext.set(body.value, 0);
  ciphertext.set(tag.value, KEY_BYTES);
  return ok({
    did: did.value,
    creator: undefined,
    name: doc.name as string | undefined,
    nextKeyHashes: undefined,
    hasNextKey: false,
    created: typeof doc.created === 'string' && CREATED.test(doc.created) ? doc.created : undefined,
    format: 'cli-keystore-v1',
    current: false,
    sealed: {
      kdf: { name: 'scrypt', params: scrypt.value, salt: salt.value },
      iv: iv.value,
      ciphertext,
      aad: utf8(did.value),
      plaintext: 'raw',
    },
  });
}

/** The web app's backup before version 2: PBKDF2-HMAC-SHA-256, the Multikey text sealed. */
function parseWebV1(doc: Record<string, unknown>): Result<ParsedIdentityBackup, IdentityBackupErrorCode> {
  const did = checkDid(doc.did);
  if (!did.ok) return did;
  const { kdf, cipher } = doc;
  if (!isRecord(kdf) || kdf.name !== 'PBKDF2' || kdf.hash !== 'SHA-256')
    return invalid('the key derivation is not PBKDF2-SHA-256');
  const iterations = kdf.iterations;
  if (typeof iterations !== 'number' || !Number.isSafeInteger(iterations))
    return invalid('a bad iteration count');
  if (iterations < PBKDF2_BOUNDS.minIterations || iterations > PBKDF2_BOUNDS.maxIterations)
    return fail(
      'KEYSTORE_KDF_OUT_OF_BOUNDS',
      `PBKDF2 iterations must be ${PBKDF2_BOUNDS.minIterations} to ${PBKDF2_BOUNDS.maxIterations}, not ${iterations}`,
    );
  if (!isRecord(cipher) || cipher.name !== 'AES-GCM') return invalid('the cipher is not AES-GCM');
  const salt = bytesOf(kdf.salt, 'salt');
  if (!salt.ok) return salt;
  const iv = bytesOf(cipher.iv, 'iv', IV_BYTES);
  if (!iv.ok) return iv;
  const ciphertext = bytesOf(doc.ciphertext, 'ciphertext');
  if (!ciphertext.ok) return ciphertext;
  if (ciphertext.value.length <= TAG_BYTES || ciphertext.value.length > 256)
    return invalid('a bad ciphertext length');
  return ok({
    did: did.value,
    creator: undefined,
    name: undefined,
    created: undefined,
    nextKeyHashes: undefined,
    hasNextKey: false,
    format: 'web-backup-v1',
    current: false,
    sealed: {
      kdf: { name: 'pbkdf2', iterations, salt: salt.value },
      iv: iv.value,
      ciphertext: ciphertext.value,
      aad: utf8(`assent-identity-backup/1 ${did.value}`),
      plaintext: 'multikey',
    },
  });
}

// ---------- parts ----------

function invalid(why: string): Result<never, IdentityBackupErrorCode> {
  return fail('KEYSTORE_INVALID', `This is not an Assent identity backup, or it is damaged: ${why}.`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownMember(value: Record<string, unknown>, known: readonly string[]): string | undefined {
  return Object.keys(value).find((key) => !known.includes(key));
}

function validName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= MAX_NAME_LENGTH;
}

/** Spec §2.1: a creator is an Ed25519 did:key, named only when it is not the sealed key's own. */
function creatorProblem(creator: unknown, did: string): string | undefined {
  if (typeof creator !== 'string' || !parseDidKey(creator).ok) return 'the creator is not an Ed25519 did:key';
  if (creator === did) return 'the creator is the key itself (it is named only for a rotated key)';
  return undefined;
}

/** Spec §2.1: 1 to MAX_NEXT_KEYS distinct hashes in did:webvh's format (manifest spec §5.5). */
function nextKeyHashesProblem(hashes: unknown): string | undefined {
  if (!Array.isArray(hashes) || hashes.length === 0 || hashes.length > MAX_NEXT_KEYS)
    return `nextKeyHashes is a list of 1 to ${MAX_NEXT_KEYS} key hashes`;
  if (!hashes.every((hash) => typeof hash === 'string' && NEXT_KEY_HASH_PATTERN.test(hash)))
    return 'nextKeyHashes holds something other than a key hash (Qm…)';
  if (new Set(hashes).size !== hashes.length) return 'nextKeyHashes names a key twice';
  return undefined;
}

function checkDid(did: unknown): Result<string, IdentityBackupErrorCode> {
  if (typeof did !== 'string' || !parseDidKey(did).ok) return invalid('no valid Ed25519 did:key');
  return ok(did);
}

/** Why scrypt parameters are outside the bounds of spec §4.2, or undefined when they are inside. */
function scryptProblem({ N, r, p }: ScryptParameters): string | undefined {
  for (const [name, n] of [
    ['N', N],
    ['r', r],
    ['p', p],
  ] as const) {
    if (!Number.isSafeInteger(n) || n < 1) return `${name} must be a positive integer`;
  }
  // No bitwise test: it would wrap above 2^31. The memory bound below refuses any huge N anyway.
  if (N < 2 || !Number.isInteger(Math.log2(N))) return 'N must be a power of two';
  const memory = 128 * N * r;
  if (memory < SCRYPT_BOUNDS.minMemory)
    return `128·N·r = ${memory} bytes is below ${SCRYPT_BOUNDS.minMemory}`;
  if (memory > SCRYPT_BOUNDS.maxMemory)
    return `128·N·r = ${memory} bytes is above ${SCRYPT_BOUNDS.maxMemory}`;
  if (p > SCRYPT_BOUNDS.maxP) return `p = ${p} is above ${SCRYPT_BOUNDS.maxP}`;
  if (N * r * p > SCRYPT_BOUNDS.maxWork) return `N·r·p = ${N * r * p} is above ${SCRYPT_BOUNDS.maxWork}`;
  return undefined;
}

function scryptOf(kdf: Record<string, unknown>): Result<ScryptParameters, IdentityBackupErrorCode> {
  const { N, r, p } = kdf;
  if (typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number')
    return invalid('scrypt N, r and p must be numbers');
  const params = { N, r, p };
  const problem = scryptProblem(params);
  if (problem !== undefined)
    return fail(
      'KEYSTORE_KDF_OUT_OF_BOUNDS',
      `The backup asks for a key derivation this reader refuses: ${problem}.`,
    );
  return ok(params);
}

function bytesOf(
  value: unknown,
  what: string,
  length?: number,
): Result<Uint8Array<ArrayBuffer>, IdentityBackupErrorCode> {
  const bytes = typeof value === 'string' ? fromBase64(value) : undefined;
  if (bytes === undefined) return invalid(`the ${what} is not base64`);
  if (length !== undefined && bytes.length !== length)
    return invalid(`the ${what} is ${bytes.length} bytes, not ${length}`);
  if (what === 'salt' && (bytes.length < SALT_BYTES || bytes.length > 64))
    return invalid('a bad salt length');
  return ok(bytes);
}

function headerAad(header: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  // Spec §3.3: the associated data is the JCS (RFC 8785) form of everything but `ciphertext`.
  return utf8(canonicalize(header as Parameters<typeof canonicalize>[0]));
}

function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** Strict base64 (RFC 4648 §4, padded, no whitespace, canonical trailing bits), else undefined. */
function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64.test(text)) return undefined;
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return toBase64(bytes) === text ? bytes : undefined;
}

function aesKey(raw: Uint8Array<ArrayBuffer>, use: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, [use]);
}

async function pbkdf2Key(
  passphrase: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const material = await crypto.subtle.importKey('raw', passphraseBytes(passphrase), 'PBKDF2', false, [
    'deriveBits',
  ]);
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
      material,
      KEY_BYTES * 8,
    ),
  );
}

/** Spec §3.1: the passphrase is NFC-normalized, then UTF-8 encoded. */
function passphraseBytes(passphrase: string): Uint8Array<ArrayBuffer> {
  return utf8(passphrase.normalize('NFC'));
}

interface NodeScrypt {
  scrypt(
    password: Uint8Array,
    salt: Uint8Array,
    keylen: number,
    options: { N: number; r: number; p: number; maxmem: number },
    callback: (error: Error | null, key: Uint8Array) => void,
  ): void;
}

/** Node's crypto through `process.getBuiltinModule` (Node ≥ 20.16), with no import; else undefined. */
function nodeCrypto(): NodeScrypt | undefined {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  try {
    return host.process?.getBuiltinModule?.('node:crypto') as NodeScrypt | undefined;
  } catch {
    return undefined;
  }
}

const native = nodeCrypto();

/** scrypt to a 32-byte key: Node's native scrypt where there is one, else @noble/hashes (same bytes). */
async function scryptKey(
  passphrase: string,
  salt: Uint8Array,
  { N, r, p }: ScryptParameters,
): Promise<Uint8Array<ArrayBuffer>> {
  const password = passphraseBytes(passphrase);
  // Memory is bounded by scryptProblem before we get here; maxmem only has to let that through.
  const maxmem = 128 * N * r + 128 * r * p + 2 ** 20;
  if (native !== undefined) {
    const key = await new Promise<Uint8Array>((resolve, reject) =>
      native.scrypt(password, salt, KEY_BYTES, { N, r, p, maxmem }, (error, derived) =>
        error === null ? resolve(derived) : reject(error),
      ),
    );
    return new Uint8Array(key);
  }
  return new Uint8Array(await scryptAsync(password, salt, { N, r, p, dkLen: KEY_BYTES, maxmem }));
}
