import { readFile, stat } from 'node:fs/promises';
import { generateIdentity } from '@assent/manifest';
import type { Command, Context } from '../context.js';
import { cliError } from '../errors.js';
import {
  decryptKeystore,
  encryptIdentity,
  keystorePath,
  parseKeystore,
  readKeystore,
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

Creates your identity: an Ed25519 did:key. The secret key is stored encrypted (scrypt + AES-256-GCM)
with your passphrase in $ASSENT_HOME/identity.json (mode 0600). The passphrase is asked on the
terminal, or read from ASSENT_PASSPHRASE.

Example:
  assent id create --name "The Flight"`,
  options: { name: { type: 'string' }, force: { type: 'boolean' } },
  async run(values, _positionals, ctx) {
    await refuseOverwrite(ctx, values.force === true);
    const secret = await passphrase(ctx, { confirm: true, purpose: 'new identity' });
    const identity = await generateIdentity();
    const keystore = await encryptIdentity(identity, secret, values.name as string | undefined);
    await writePrivateFile(keystorePath(ctx.home), `${JSON.stringify(keystore, null, 2)}\n`);
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
        created: keystore.created,
        keystore: keystorePath(ctx.home),
      },
      () =>
        `${keystore.did}${keystore.name === undefined ? '' : `  ${keystore.name}`}\ncreated ${keystore.created}`,
    );
    return 0;
  },
};

/** `assent id export [-o FILE]` */
export const exportIdentity: Command = {
  usage: `assent id export [-o FILE] [--json]

Writes an encrypted backup of your identity (the keystore, still encrypted with your passphrase) to
FILE or stdout. The passphrase is checked first, so you never keep a backup you cannot open.

Example:
  assent id export -o ~/assent-backup.json`,
  options: { out: { type: 'string', short: 'o' } },
  async run(values, _positionals, ctx) {
    const keystore = await readKeystore(ctx.home);
    await decryptKeystore(keystore, await passphrase(ctx, { purpose: 'to export' }));
    const text = `${JSON.stringify(keystore, null, 2)}\n`;
    const out = values.out as string | undefined;
    if (out === undefined) {
      if (ctx.json) ctx.emit({ did: keystore.did, backup: keystore }, () => '');
      else ctx.write(text);
      return 0;
    }
    await writePrivateFile(out, text);
    ctx.emit({ did: keystore.did, file: out }, () => `${ctx.style.ok('Exported')} ${keystore.did} to ${out}`);
    return 0;
  },
};

/** `assent id import FILE` */
export const importIdentity: Command = {
  usage: `assent id import [FILE] [--force] [--json]

Restores an identity from an encrypted backup (FILE, or stdin). The backup's passphrase is asked (or
read from ASSENT_PASSPHRASE); a wrong one is refused with WRONG_PASSPHRASE.

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
    const keystore = parseKeystore(text);
    await decryptKeystore(keystore, await passphrase(ctx, { purpose: 'of the backup' }));
    await refuseOverwrite(ctx, values.force === true);
    await writePrivateFile(keystorePath(ctx.home), `${JSON.stringify(keystore, null, 2)}\n`);
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
