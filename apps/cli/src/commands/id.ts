import { readFile, stat } from 'node:fs/promises';
import { generateIdentity, identityBackupText } from '@assent/manifest';
import type { Command, Context } from '../context.js';
import { cliError } from '../errors.js';
import {
  keystorePath,
  openKeystore,
  parseKeystore,
  readKeystore,
  sealIdentity,
  writeKeystore,
  writePrivateFile,
} from '../keystore.js';
import { passphrase } from '../passphrase.js';

async function refuseOverwrite(ctx: Context, force: boolean): Promise<void> {
  if (force) return;
  const exists = await stat(keystorePath(ctx.home)).then(
    () => true,
    () => false,
  );
  if (exists)
    throw cliError(
      'IDENTITY_EXISTS',
      `${keystorePath(ctx.home)} already holds an identity (use --force to replace it)`,
    );
}

/** `assent id create [--name N]` */
export const create: Command = {
  usage: `assent id create [--name N] [--force] [--json]

Creates your identity: an Ed25519 did:key. The secret key is stored encrypted (scrypt + AES-256-GCM,
docs/spec/identity-backup.md) with your passphrase in $ASSENT_HOME/identity.json (mode 0600). The
passphrase is asked on the terminal, or read from ASSENT_PASSPHRASE.

Example:
  assent id create --name "The Flight"`,
  options: { name: { type: 'string' }, force: { type: 'boolean' } },
  async run(values, _positionals, ctx) {
    await refuseOverwrite(ctx, values.force === true);
    const secret = await passphrase(ctx, { confirm: true, purpose: 'new identity' });
    const identity = await generateIdentity();
    const keystore = await sealIdentity(identity, secret, { name: values.name as string | undefined });
    await writeKeystore(ctx.home, keystore);
    ctx.emit({ did: identity.did, name: keystore.name ?? null, keystore: keystorePath(ctx.home) }, () =>
      [
        `${ctx.style.ok('Created')} ${identity.did}`,
        ctx.style.dim(`Keystore: ${keystorePath(ctx.home)} (keep a backup: assent id export -o FILE)`),
      ].join('\n'),
    );
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
    ctx.emit(
      {
        did: keystore.did,
        name: keystore.name ?? null,
        created: keystore.created ?? null,
        keystore: keystorePath(ctx.home),
      },
      () =>
        `${keystore.did}${keystore.name === undefined ? '' : `  ${keystore.name}`}${keystore.created === undefined ? '' : `\ncreated ${keystore.created}`}`,
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
    const identity = await openKeystore(keystore, secret);
    const backup = await sealIdentity(identity, secret, { name: keystore.name, created: keystore.created });
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
  usage: `assent id import [FILE] [--force] [--json]

Restores an identity from an encrypted backup (FILE, or stdin): one written by assent id export or
downloaded from the web app, in the current format or an older one (docs/spec/identity-backup.md).
The backup's passphrase is asked (or read from ASSENT_PASSPHRASE) and stays the keystore's; a wrong
one is WRONG_PASSPHRASE, a damaged file KEYSTORE_INVALID, one asking for an absurd key derivation
KEYSTORE_KDF_OUT_OF_BOUNDS. The keystore is written in the current format, mode 0600.

Example:
  assent id import ~/assent-backup.json`,
  options: { force: { type: 'boolean' } },
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
    const identity = await openKeystore(backup, secret);
    await refuseOverwrite(ctx, values.force === true);
    const keystore = await sealIdentity(identity, secret, { name: backup.name, created: backup.created });
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
