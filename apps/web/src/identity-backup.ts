import {
  type Identity,
  identityFromSecretKey,
  parseDidKey,
  parseSecretKeyMultibase,
  secretKeyMultibase,
} from '@assent/manifest';

/**
 * The encrypted identity backup: the secret key (Multikey `z3u2…`) sealed with AES-256-GCM under a
 * key derived from a passphrase with PBKDF2-HMAC-SHA-256 (NIST SP 800-132; 600,000 iterations as
 * OWASP recommends for PBKDF2-SHA256). The DID is bound as additional authenticated data, so a
 * backup cannot be relabelled. All WebCrypto: it runs in browsers and Node alike.
 */
export const BACKUP_FORMAT = 'assent-identity-backup';
export const BACKUP_ITERATIONS = 600_000;
/** Bounds on a file's iteration count: too few is weak, too many would hang the page. */
const MIN_ITERATIONS = 100_000;
const MAX_ITERATIONS = 10_000_000;
/** The shortest passphrase accepted for a new backup. */
export const MIN_PASSPHRASE_LENGTH = 10;

export interface IdentityBackup {
  readonly format: typeof BACKUP_FORMAT;
  readonly version: 1;
  readonly did: string;
  readonly kdf: {
    readonly name: 'PBKDF2';
    readonly hash: 'SHA-256';
    readonly iterations: number;
    readonly salt: string;
  };
  readonly cipher: { readonly name: 'AES-GCM'; readonly iv: string };
  readonly ciphertext: string;
}

export type BackupErrorCode = 'BACKUP_WRONG_PASSPHRASE' | 'BACKUP_INVALID' | 'BACKUP_WEAK_PASSPHRASE';

/** A backup that cannot be made or opened; `code` says why. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function aad(did: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${BACKUP_FORMAT}/1 ${did}`);
}

async function keyFrom(
  passphrase: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(passphrase.normalize('NFC')),
    'PBKDF2',
    false,
    ['deriveKey'],
  );
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** Encrypts an identity with a passphrase into backup file text (JSON). */
export async function createBackup(
  identity: Pick<Identity, 'did' | 'secretKey'>,
  passphrase: string,
  options: { iterations?: number } = {},
): Promise<string> {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new BackupError(
      'BACKUP_WEAK_PASSPHRASE',
      `Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`,
    );
  }
  const iterations = options.iterations ?? BACKUP_ITERATIONS;
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await keyFrom(passphrase, salt, iterations);
  const plaintext = new TextEncoder().encode(secretKeyMultibase(identity.secretKey));
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(identity.did) }, key, plaintext),
  );
  const backup: IdentityBackup = {
    format: BACKUP_FORMAT,
    version: 1,
    did: identity.did,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64(salt) },
    cipher: { name: 'AES-GCM', iv: toBase64(iv) },
    ciphertext: toBase64(ciphertext),
  };
  return `${JSON.stringify(backup, null, 2)}\n`;
}

function invalid(detail: string): BackupError {
  return new BackupError('BACKUP_INVALID', `This is not an Assent identity backup file (${detail}).`);
}

function parseBackup(text: string): IdentityBackup {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('it is not JSON');
  }
  const b = value as Partial<IdentityBackup> | null;
  if (typeof b !== 'object' || b === null || b.format !== BACKUP_FORMAT) throw invalid('unknown format');
  if (b.version !== 1) throw invalid(`version ${String(b.version)} is not supported`);
  if (typeof b.did !== 'string' || !parseDidKey(b.did).ok) throw invalid('no valid did:key');
  const { kdf, cipher } = b;
  if (kdf?.name !== 'PBKDF2' || kdf.hash !== 'SHA-256' || typeof kdf.salt !== 'string')
    throw invalid('bad key derivation');
  if (
    !Number.isSafeInteger(kdf.iterations) ||
    kdf.iterations < MIN_ITERATIONS ||
    kdf.iterations > MAX_ITERATIONS
  ) {
    throw invalid('bad iteration count');
  }
  if (cipher?.name !== 'AES-GCM' || typeof cipher.iv !== 'string' || typeof b.ciphertext !== 'string') {
    throw invalid('bad cipher');
  }
  return b as IdentityBackup;
}

/**
 * Opens backup file text with its passphrase.
 * @throws BackupError `BACKUP_WRONG_PASSPHRASE` when the passphrase does not open it (or the file was
 * altered: AES-GCM cannot tell the two apart), `BACKUP_INVALID` for anything that is not a backup.
 */
export async function openBackup(text: string, passphrase: string): Promise<Identity> {
  const backup = parseBackup(text);
  let salt: Uint8Array<ArrayBuffer>;
  let iv: Uint8Array<ArrayBuffer>;
  let ciphertext: Uint8Array<ArrayBuffer>;
  try {
    salt = fromBase64(backup.kdf.salt);
    iv = fromBase64(backup.cipher.iv);
    ciphertext = fromBase64(backup.ciphertext);
  } catch {
    throw invalid('bad base64');
  }
  if (iv.length !== 12 || salt.length < 8) throw invalid('bad salt or nonce');
  const key = await keyFrom(passphrase, salt, backup.kdf.iterations);
  let plaintext: Uint8Array;
  try {
    plaintext = new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad(backup.did) }, key, ciphertext),
    );
  } catch {
    throw new BackupError(
      'BACKUP_WRONG_PASSPHRASE',
      'Wrong passphrase: this passphrase does not open the backup (or the file was changed).',
    );
  }
  const secretKey = parseSecretKeyMultibase(new TextDecoder().decode(plaintext));
  if (!secretKey.ok) throw invalid('the key inside is malformed');
  const identity = await identityFromSecretKey(secretKey.value);
  if (identity.did !== backup.did) throw invalid('the key inside does not match its DID');
  return identity;
}
