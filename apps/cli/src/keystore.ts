import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  createIdentityBackup,
  type Identity,
  type IdentityBackup,
  identityBackupText,
  openIdentityBackup,
  type ParsedIdentityBackup,
  parseIdentityBackup,
  unwrap,
} from '@assent/manifest';
import { cliError } from './errors.js';

/**
 * The CLI keystore: the creator's identity backup (docs/spec/identity-backup.md, `@assent/manifest`)
 * in `$ASSENT_HOME/identity.json`, mode 0600. The same file is what `assent id export` writes and the
 * web app restores from.
 */

/** The keystore file in a data directory. */
export function keystorePath(home: string): string {
  return join(home, 'identity.json');
}

/** Reads an untrusted backup or keystore (`KEYSTORE_INVALID`, `KEYSTORE_KDF_OUT_OF_BOUNDS`). */
export function parseKeystore(text: string): ParsedIdentityBackup {
  return unwrap(parseIdentityBackup(text));
}

/** Opens a keystore with its passphrase (`WRONG_PASSPHRASE`, `KEYSTORE_INVALID`). */
export async function openKeystore(keystore: ParsedIdentityBackup, passphrase: string): Promise<Identity> {
  return unwrap(await openIdentityBackup(keystore, passphrase));
}

/** Seals an identity as a current-format backup (spec §3). */
export function sealIdentity(
  identity: Identity,
  passphrase: string,
  keep: { name?: string | undefined; created?: string | undefined } = {},
): Promise<IdentityBackup> {
  return createIdentityBackup(identity, passphrase, {
    ...(keep.name === undefined ? {} : { name: keep.name }),
    ...(keep.created === undefined ? {} : { created: keep.created }),
  });
}

/** Reads the keystore of a data directory (`IDENTITY_MISSING` when there is none). */
export async function readKeystore(home: string): Promise<ParsedIdentityBackup> {
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

/** Writes a backup as the data directory's keystore (mode 0600). */
export function writeKeystore(home: string, backup: IdentityBackup): Promise<void> {
  return writePrivateFile(keystorePath(home), identityBackupText(backup));
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
