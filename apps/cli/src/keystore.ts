import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  createIdentityBackup,
  type Identity,
  type IdentityBackup,
  identityBackupText,
  type OpenedIdentityBackup,
  openIdentityBackupKeys,
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
  return (await openKeystoreKeys(keystore, passphrase)).identity;
}

/** {@link openKeystore}, with the committed next key the keystore seals, if any (spec §2.2). */
export async function openKeystoreKeys(
  keystore: ParsedIdentityBackup,
  passphrase: string,
): Promise<OpenedIdentityBackup> {
  return unwrap(await openIdentityBackupKeys(keystore, passphrase));
}

/** Whose versions a keystore signs: the creator id (spec §5.5) and the key it holds now. */
export interface Owner {
  /** The did:key of the creator's version 1. */
  readonly creator: string;
  /** The key this keystore signs with: the creator itself until a rotation. */
  readonly did: string;
}

/** The owner of a keystore: its creator (itself when it names none) and its key. */
export function ownerOf(keystore: Pick<ParsedIdentityBackup, 'did' | 'creator'>): Owner {
  return { creator: keystore.creator ?? keystore.did, did: keystore.did };
}

/**
 * The public part of a keystore that travels with its key when it is sealed again (rewritten,
 * exported, imported): its name and date, and the creator and commitment of spec §2.1.
 */
export interface KeystorePublicPart {
  readonly name?: string | undefined;
  readonly created?: string | undefined;
  /** The creator id when the key is a rotated one. */
  readonly creator?: string | undefined;
  /** The commitment the creator's next manifest carries when its chain has none yet. */
  readonly nextKeyHashes?: readonly string[] | undefined;
}

/** What of a keystore read from a file is sealed again with its key. */
export function publicPartOf(keystore: ParsedIdentityBackup): KeystorePublicPart {
  return {
    name: keystore.name,
    created: keystore.created,
    creator: keystore.creator,
    nextKeyHashes: keystore.nextKeyHashes,
  };
}

/**
 * Seals an identity as a current-format backup (spec §3), keeping the public part given, and the
 * committed next key beside it when there is one (spec §2.2).
 */
export function sealIdentity(
  identity: Identity,
  passphrase: string,
  keep: KeystorePublicPart = {},
  nextKey?: Identity,
): Promise<IdentityBackup> {
  return createIdentityBackup(identity, passphrase, {
    ...(keep.name === undefined ? {} : { name: keep.name }),
    ...(keep.created === undefined ? {} : { created: keep.created }),
    ...(keep.creator === undefined ? {} : { creator: keep.creator }),
    ...(keep.nextKeyHashes === undefined ? {} : { nextKeyHashes: keep.nextKeyHashes }),
    ...(nextKey === undefined ? {} : { nextKey }),
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

/**
 * Writes a file atomically and durably with mode 0600 (created so, never world-readable even for a
 * moment): the text goes to a temporary file that is fsynced before it is renamed over `path`, and
 * the directory is fsynced after, so that a crash or power cut leaves the old file or the new one,
 * whole, never an empty or half-written keystore (rename alone orders nothing on disk).
 */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const file = await open(temp, 'w', 0o600);
    try {
      // A temporary file left by an earlier crash keeps its mode: set it again before writing.
      await file.chmod(0o600);
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    await syncDirectory(dirname(path));
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw cliError('FILE_UNWRITABLE', `cannot write ${path}: ${(cause as Error).message}`, cause);
  }
}

/** Removes a file written by {@link writePrivateFile}, durably: the directory is fsynced after. */
export async function removePrivateFile(path: string): Promise<void> {
  try {
    await rm(path, { force: true });
    await syncDirectory(dirname(path));
  } catch (cause) {
    throw cliError('FILE_UNWRITABLE', `cannot remove ${path}: ${(cause as Error).message}`, cause);
  }
}

/** fsyncs a directory, so that a rename in it is on disk. Windows cannot open one: nothing to do there. */
async function syncDirectory(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
