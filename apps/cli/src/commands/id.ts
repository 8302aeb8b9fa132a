import { readFile } from 'node:fs/promises';
import {
  AssentError,
  generateIdentity,
  generateRecoveryKey,
  identityBackupText,
  nextKeyHashOfDid,
  type ParsedIdentityBackup,
} from '@assent/manifest';
import type { Command, Context } from '../context.js';
import { cliError } from '../errors.js';
import {
  keystorePath,
  openKeystoreKeys,
  parseKeystore,
  publicPartOf,
  readKeystore,
  sealIdentity,
  writeKeystore,
  writePrivateFile,
} from '../keystore.js';
import { canPrompt, passphrase, promptLine } from '../passphrase.js';

/** How many of the DID's last characters a person types to confirm replacing it. */
const CONFIRM_CHARACTERS = 8;

/** The keystore already in the data directory, or undefined when there is none. */
export async function existingKeystore(ctx: Context): Promise<ParsedIdentityBackup | undefined> {
  let text: string;
  try {
    text = await readFile(keystorePath(ctx.home), 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cliError(
      'FILE_UNREADABLE',
      `cannot read ${keystorePath(ctx.home)}: ${(cause as Error).message}`,
      cause,
    );
  }
  try {
    return parseKeystore(text);
  } catch (error) {
    // A damaged keystore has no DID to confirm: it is moved aside by hand, never overwritten blind.
    if (error instanceof AssentError)
      throw new AssentError(
        error.code,
        `${error.message} ${keystorePath(ctx.home)} is not replaced: move it aside to create or import another identity.`,
      );
    throw error;
  }
}

/**
 * Stops a command from overwriting the only copy of a key by accident: an identity in the data
 * directory is replaced only with `--force` and a typed confirmation, the DID's last characters on
 * a terminal or `--confirm <DID>` without one. Nothing to confirm when `replacement` is that DID.
 * Returns the keystore there was, if any.
 */
export async function confirmReplace(
  ctx: Context,
  values: Record<string, unknown>,
  replacement?: string,
): Promise<ParsedIdentityBackup | undefined> {
  const existing = await existingKeystore(ctx);
  if (existing === undefined || existing.did === replacement) return existing;
  const { did } = existing;
  const path = keystorePath(ctx.home);
  if (values.force !== true)
    throw cliError(
      'IDENTITY_EXISTS',
      `${path} already holds the identity ${did} (use --force to replace it)`,
    );
  const confirm = values.confirm as string | undefined;
  if (confirm !== undefined) {
    // The whole DID, exactly: a prefix or a near miss names some other identity.
    if (confirm !== did)
      throw cliError(
        'IDENTITY_EXISTS',
        `--confirm names ${JSON.stringify(confirm)}, but ${path} holds ${did}: nothing was replaced`,
      );
    return existing;
  }
  if (!canPrompt())
    throw cliError(
      'USAGE',
      `replacing the identity ${did} in ${path} loses its key unless you have a backup (assent id export); with no terminal to confirm on, pass --confirm ${did}`,
    );
  const tail = did.slice(-CONFIRM_CHARACTERS);
  ctx.note(
    `${ctx.style.warn('This replaces the identity')} ${did}${existing.name === undefined ? '' : ` (${existing.name})`}.\n` +
      'Its key is lost unless you have a backup of it (assent id export).',
  );
  const typed = await promptLine(
    `To replace it, type the last ${CONFIRM_CHARACTERS} characters of its DID: `,
  );
  if (typed.trim() !== tail)
    throw cliError('IDENTITY_EXISTS', `the confirmation does not match ${did}: nothing was replaced`);
  return existing;
}

/**
 * The recovery sheet of `assent id create`: printable text, the 24 words numbered down four columns,
 * with what they are for. It is shown once; nothing writes it to disk.
 */
export function recoverySheet(options: {
  creator: string;
  name?: string | undefined;
  created: string;
  phrase: string;
}): string {
  const words = options.phrase.split(' ');
  const rows = Math.ceil(words.length / 4);
  const grid: string[] = [];
  for (let row = 0; row < rows; row++) {
    const cells: string[] = [];
    for (let column = 0; column < 4; column++) {
      const i = column * rows + row;
      const word = words[i];
      if (word !== undefined) cells.push(`${String(i + 1).padStart(2)}. ${word.padEnd(8)}`);
    }
    grid.push(`    ${cells.join('    ').trimEnd()}`);
  }
  return [
    'ASSENT RECOVERY SHEET',
    '=====================',
    '',
    `Creator:  ${options.creator}`,
    ...(options.name === undefined ? [] : [`Name:     ${options.name}`]),
    `Date:     ${options.created.slice(0, 10)}`,
    '',
    `Recovery phrase (${words.length} words):`,
    '',
    ...grid,
    '',
    'What it is for',
    '  These words are the recovery key of the creator above. Your manifests',
    '  commit to it as a key that may take over from the key on this',
    '  device: recover this identity with `assent id recover` if this key is',
    '  lost or stolen. That makes new keys, publishes the change and prints a',
    '  new sheet; this one is then spent.',
    '',
    'Keep it offline',
    '  Write the words down or print this sheet, and keep it somewhere safe,',
    '  away from this computer. Never type them into a website, photograph them',
    '  or store them online: anyone who has them can take over your consent',
    '  manifests. They are shown only this once and are not stored anywhere.',
  ].join('\n');
}

/** `assent id create [--name N]` */
export const create: Command = {
  usage: `assent id create [--name N] [--force [--confirm DID]] [--json]

Creates your identity: an Ed25519 did:key, and two keys that may take over from it. The secret key
is stored encrypted (scrypt + AES-256-GCM, docs/spec/identity-backup.md) with your passphrase in
$ASSENT_HOME/identity.json (mode 0600), and beside it, sealed the same way, the next key that
assent id rotate signs with. The passphrase is asked on the terminal, or read from ASSENT_PASSPHRASE.

The recovery key is shown once, as 24 words on a printable recovery sheet (in --json, the field
recoveryPhrase, which the caller must store): write them down and keep them offline. Only its hash
is kept; your first manifest commits to both keys (nextKeyHashes: the next key's, then the recovery
key's). If your key is lost or stolen, assent id recover takes the identity back with the 24 words.

An identity already in $ASSENT_HOME is replaced only with --force and a typed confirmation: the
last 8 characters of its DID on a terminal, or --confirm with its whole DID without one.

Example:
  assent id create --name "The Flight"`,
  options: { name: { type: 'string' }, force: { type: 'boolean' }, confirm: { type: 'string' } },
  async run(values, _positionals, ctx) {
    await confirmReplace(ctx, values);
    const secret = await passphrase(ctx, { confirm: true, purpose: 'new identity' });
    const identity = await generateIdentity();
    // Spec §5.5: version 1 commits to the next key (sealed here, for a planned rotation) and to the
    // recovery key (on paper only, for when this device's keys are lost or stolen).
    const next = await generateIdentity();
    const recovery = await generateRecoveryKey();
    const recoveryKeyHash = nextKeyHashOfDid(recovery.identity.did);
    const nextKeyHashes = [nextKeyHashOfDid(next.did), recoveryKeyHash];
    const keystore = await sealIdentity(
      identity,
      secret,
      { name: values.name as string | undefined, nextKeyHashes },
      next,
    );
    await writeKeystore(ctx.home, keystore);
    const path = keystorePath(ctx.home);
    if (ctx.json) {
      ctx.emit(
        {
          did: identity.did,
          creator: identity.did,
          name: keystore.name ?? null,
          created: keystore.created,
          keystore: path,
          nextKeyHashes,
          recoveryKeyHash,
          recoveryPhrase: recovery.phrase,
        },
        () => '',
      );
      return 0;
    }
    ctx.write(
      `${[
        `${ctx.style.ok('Created')} ${identity.did}`,
        ctx.style.dim(`Keystore: ${path} (keep a backup: assent id export -o FILE)`),
        '',
        recoverySheet({
          creator: identity.did,
          name: keystore.name,
          created: keystore.created,
          phrase: recovery.phrase,
        }),
      ].join('\n')}\n`,
    );
    ctx.note(ctx.style.warn('Write down the 24 words now: they are shown only this once.'));
    return 0;
  },
};

/** `assent id show` */
export const show: Command = {
  usage: `assent id show [--json]

Shows your identity (no passphrase needed: only the public part is read).

Example:
  assent id show --json`,
  options: {},
  async run(_values, _positionals, ctx) {
    const keystore = await readKeystore(ctx.home);
    const creator = keystore.creator ?? keystore.did;
    const committed = keystore.nextKeyHashes !== undefined;
    ctx.emit(
      {
        did: keystore.did,
        creator,
        name: keystore.name ?? null,
        created: keystore.created ?? null,
        recoveryKeyCommitted: committed,
        nextKeyHashes: keystore.nextKeyHashes ?? null,
        nextKeySealed: keystore.hasNextKey,
        keystore: keystorePath(ctx.home),
      },
      () =>
        [
          `${keystore.did}${keystore.name === undefined ? '' : `  ${keystore.name}`}`,
          ...(keystore.created === undefined ? [] : [`created ${keystore.created}`]),
          `creator ${creator}${keystore.creator === undefined ? ' (this key)' : ' (this key is a rotated key of it)'}`,
          committed
            ? `recovery key committed: yes (${keystore.nextKeyHashes?.join(', ')})`
            : 'recovery key committed: no (this keystore holds no recovery key commitment)',
          keystore.hasNextKey
            ? 'next key sealed: yes (assent id rotate can rotate to it)'
            : 'next key sealed: no (rotate with the recovery phrase: assent id recover)',
        ].join('\n'),
    );
    return 0;
  },
};

/** `assent id export [-o FILE]` */
export const exportIdentity: Command = {
  usage: `assent id export [-o FILE] [--json]

Writes an encrypted backup of your identity to FILE (mode 0600) or stdout, sealed again with your
passphrase in the current format (docs/spec/identity-backup.md). The web app restores it ("Restore an
identity from a backup file"), and so does assent id import. The passphrase is checked first, so you
never keep a backup you cannot open.

Example:
  assent id export -o ~/assent-backup.json`,
  options: { out: { type: 'string', short: 'o' } },
  async run(values, _positionals, ctx) {
    const keystore = await readKeystore(ctx.home);
    const secret = await passphrase(ctx, { purpose: 'to export' });
    const { identity, nextKey } = await openKeystoreKeys(keystore, secret);
    const backup = await sealIdentity(identity, secret, publicPartOf(keystore), nextKey);
    const out = values.out as string | undefined;
    if (out === undefined) {
      if (ctx.json) ctx.emit({ did: backup.did, backup }, () => '');
      else ctx.write(identityBackupText(backup));
      return 0;
    }
    await writePrivateFile(out, identityBackupText(backup));
    ctx.emit({ did: backup.did, file: out }, () => `${ctx.style.ok('Exported')} ${backup.did} to ${out}`);
    return 0;
  },
};

/** `assent id import FILE` */
export const importIdentity: Command = {
  usage: `assent id import [FILE] [--force [--confirm DID]] [--json]

Restores an identity from an encrypted backup (FILE, or stdin): one written by assent id export or
downloaded from the web app, in the current format or an older one (docs/spec/identity-backup.md).
The backup's passphrase is asked (or read from ASSENT_PASSPHRASE) and stays the keystore's; a wrong
one is WRONG_PASSPHRASE, a damaged file KEYSTORE_INVALID, one asking for an absurd key derivation
KEYSTORE_KDF_OUT_OF_BOUNDS. The keystore is written in the current format, mode 0600, with the
backup's creator and recovery key commitment. Another identity already in $ASSENT_HOME is replaced
only with --force and a typed confirmation, as for assent id create.

Example:
  assent id import ~/assent-backup.json`,
  options: { force: { type: 'boolean' }, confirm: { type: 'string' } },
  async run(values, positionals, ctx) {
    const file = positionals[0];
    let text: string;
    try {
      text = file === undefined || file === '-' ? await readStdin() : await readFile(file, 'utf8');
    } catch (cause) {
      throw cliError('FILE_UNREADABLE', `cannot read ${file}: ${(cause as Error).message}`, cause);
    }
    const backup = parseKeystore(text);
    const secret = await passphrase(ctx, { purpose: 'of the backup' });
    const { identity, nextKey } = await openKeystoreKeys(backup, secret);
    const existing = await confirmReplace(ctx, values, identity.did);
    const imported = publicPartOf(backup);
    // The same key again (say, from an older backup): keep what the keystore knows and the file does
    // not, its sealed next key included, which only the same passphrase opens.
    let keep = imported;
    let next = nextKey;
    if (existing?.did === identity.did) {
      keep = {
        ...imported,
        creator: imported.creator ?? existing.creator,
        nextKeyHashes: imported.nextKeyHashes ?? existing.nextKeyHashes,
      };
      if (next === undefined && existing.hasNextKey) {
        const kept = await openKeystoreKeys(existing, secret).catch((error: { code?: string }) => {
          if (error.code !== 'WRONG_PASSPHRASE') throw error;
          throw cliError(
            'WRONG_PASSPHRASE',
            `${keystorePath(ctx.home)} seals a next key under another passphrase than the backup's: importing would lose it, so nothing was imported (export the keystore first, or import a backup made with its passphrase)`,
          );
        });
        next = kept.nextKey;
        keep = { ...keep, nextKeyHashes: existing.nextKeyHashes };
      }
    }
    const keystore = await sealIdentity(identity, secret, keep, next);
    await writeKeystore(ctx.home, keystore);
    ctx.emit(
      { did: keystore.did, keystore: keystorePath(ctx.home) },
      () => `${ctx.style.ok('Imported')} ${keystore.did}`,
    );
    return 0;
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
