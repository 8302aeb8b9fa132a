import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AssentError, type IdentityBackup } from '@assent/manifest';
import type { Context } from './context.js';
import { cliError, exitCodeOf } from './errors.js';
import { type PublishReceipt, publishToGateway } from './gateway-client.js';
import {
  keystorePath,
  parseKeystore,
  readKeystore,
  removePrivateFile,
  writeKeystore,
  writePrivateFile,
} from './keystore.js';

/**
 * A rotation signed but not yet known to be accepted (`assent id rotate`, `id recover`):
 * `$ASSENT_HOME/rotation-pending.json`, mode 0600, fsynced, written before the rotation is sent.
 * It holds the keystore to install once a node accepts the rotation, sealed like any keystore. So
 * `identity.json` changes only after a node accepted the rotation, and no key is lost on a crash:
 * before the node answers, `identity.json` holds the key the chain still has; after, this file holds
 * the keys the rotation committed to. No copy of the old keystore is kept: once the rotation is
 * accepted its key is spent (spec §5.5), and a copy would serve only a thief wanting to fork.
 */
export interface PendingRotation {
  readonly type: 'AssentPendingRotation';
  readonly kind: 'rotation' | 'recovery';
  /** The rotation, kept with its catalog pages in `$ASSENT_HOME/manifests`. */
  readonly cid: string;
  readonly version: number;
  /** The key `identity.json` held when it was signed (null: none); only that keystore is replaced. */
  readonly replaces: string | null;
  /** The keystore to install: the rotation's key, its sealed next key and the new commitment. */
  readonly keystore: IdentityBackup;
}

/** The file of a data directory. */
export function pendingRotationPath(home: string): string {
  return join(home, 'rotation-pending.json');
}

/** The pending rotation of a data directory, if there is one (`KEYSTORE_INVALID` when damaged). */
export async function readPendingRotation(home: string): Promise<PendingRotation | undefined> {
  const path = pendingRotationPath(home);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cliError('FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, cause);
  }
  let pending: Partial<PendingRotation>;
  try {
    pending = JSON.parse(text) as Partial<PendingRotation>;
  } catch {
    pending = {};
  }
  if (
    pending.type !== 'AssentPendingRotation' ||
    (pending.kind !== 'rotation' && pending.kind !== 'recovery') ||
    typeof pending.cid !== 'string' ||
    !Number.isSafeInteger(pending.version) ||
    (pending.replaces !== null && typeof pending.replaces !== 'string') ||
    typeof pending.keystore !== 'object'
  )
    throw cliError(
      'KEYSTORE_INVALID',
      `${path} is damaged: it holds keys, so move it aside, do not delete it`,
    );
  // The keystore inside is read as any keystore is: parsed strictly, opened only with its passphrase.
  parseKeystore(JSON.stringify(pending.keystore));
  return pending as PendingRotation;
}

/** Writes the pending rotation durably, before the rotation is sent anywhere. */
export function writePendingRotation(home: string, pending: PendingRotation): Promise<void> {
  return writePrivateFile(pendingRotationPath(home), `${JSON.stringify(pending, null, 2)}\n`);
}

/** `ROTATION_PENDING` when a rotation waits to be finished: nothing else may sign until it is. */
export async function assertNoPendingRotation(home: string): Promise<void> {
  const pending = await readPendingRotation(home);
  if (pending !== undefined)
    throw cliError(
      'ROTATION_PENDING',
      `a ${pending.kind} (version ${pending.version}, ${pending.cid}) was signed but no node has confirmed it yet: run assent id rotate to finish it (${pendingRotationPath(home)})`,
    );
}

/**
 * Sends the pending rotation to a gateway. A refusal (the node answered, with a code that is not an
 * operational fault) drops the pending file: nothing changed, and the keystore stays as it was. When
 * the outcome is unknown (unreachable, a timeout, a node fault: exit code 6), the file stays, and the
 * error says how to finish.
 */
export async function publishRotation(
  ctx: Context,
  gateway: string,
  pending: PendingRotation,
  manifest: { cid: string; bytes: Uint8Array },
  pages: readonly { cid: string; bytes: Uint8Array }[],
): Promise<PublishReceipt> {
  try {
    return await publishToGateway(gateway, manifest, pages);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = (error as Error).message;
    if (typeof code === 'string' && exitCodeOf(code) !== 6) {
      await removePrivateFile(pendingRotationPath(ctx.home));
      throw new AssentError(code, `${message}; the ${pending.kind} was refused: nothing changed`, {
        cause: error,
      });
    }
    throw new AssentError(
      typeof code === 'string' ? code : 'INTERNAL',
      `${message}; the ${pending.kind} may or may not have reached the node: run assent id rotate to finish it (the keys are kept in ${pendingRotationPath(ctx.home)})`,
      { cause: error },
    );
  }
}

/**
 * Installs the pending keystore as `identity.json` (fsynced) once a node accepted its rotation, then
 * removes the pending file. Only the keystore the rotation was signed against is replaced.
 */
export async function installPendingRotation(home: string, pending: PendingRotation): Promise<void> {
  const present = await readKeystore(home).then(
    (keystore) => keystore.did,
    (error: { code?: string }) => {
      if (error.code === 'IDENTITY_MISSING') return null;
      throw error;
    },
  );
  if (present !== pending.replaces)
    throw cliError(
      'IDENTITY_EXISTS',
      `${keystorePath(home)} holds ${present ?? 'no identity'}, not ${pending.replaces ?? 'none'} as when the ${pending.kind} was signed: the new keystore is left in ${pendingRotationPath(home)}`,
    );
  await writeKeystore(home, pending.keystore);
  await removePrivateFile(pendingRotationPath(home));
}
