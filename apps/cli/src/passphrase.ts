import { createInterface } from 'node:readline/promises';
import type { Identity, ParsedIdentityBackup } from '@assent/manifest';
import type { Context } from './context.js';
import { cliError } from './errors.js';
import { openKeystoreKeys, publicPartOf, readKeystore, sealIdentity, writeKeystore } from './keystore.js';
import { assertNoPendingRotation } from './rotation-pending.js';

/** True when stdin is a terminal: a person can be asked there. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true;
}

/**
 * Reads one line typed on the terminal, echoed (for what is not secret: a confirmation). Ctrl-C or
 * the end of input is `USAGE` ("interrupted"), so nothing goes ahead on a half-answered question.
 */
export async function promptLine(question: string): Promise<string> {
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const stop = new AbortController();
  const interrupted = () => stop.abort();
  lines.on('SIGINT', interrupted);
  lines.on('close', interrupted);
  try {
    return await lines.question(question, { signal: stop.signal });
  } catch (cause) {
    process.stderr.write('\n');
    throw cliError('USAGE', 'interrupted', cause);
  } finally {
    lines.off('close', interrupted);
    lines.close();
  }
}

/** Reads one line from the terminal without echo. */
function promptHidden(question: string): Promise<string> {
  const { stdin, stderr } = process;
  return new Promise((resolve, reject) => {
    stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (error === undefined) resolve(value);
      else reject(error);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(cliError('USAGE', 'interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The passphrase: `ASSENT_PASSPHRASE`, else a prompt on the terminal (twice when `confirm`).
 * Without either, `PASSPHRASE_REQUIRED`.
 */
export async function passphrase(
  ctx: Context,
  options: { confirm?: boolean; purpose?: string } = {},
): Promise<string> {
  const fromEnv = ctx.env.ASSENT_PASSPHRASE;
  if (fromEnv !== undefined) {
    if (fromEnv === '') throw cliError('PASSPHRASE_REQUIRED', 'ASSENT_PASSPHRASE is empty');
    return fromEnv;
  }
  if (process.stdin.isTTY !== true)
    throw cliError('PASSPHRASE_REQUIRED', 'no terminal to ask for the passphrase: set ASSENT_PASSPHRASE');
  const first = await promptHidden(
    `Passphrase${options.purpose === undefined ? '' : ` (${options.purpose})`}: `,
  );
  if (first.length === 0) throw cliError('PASSPHRASE_REQUIRED', 'an empty passphrase is not accepted');
  if (options.confirm === true && (await promptHidden('Again: ')) !== first)
    throw cliError('USAGE', 'the two passphrases differ');
  return first;
}

/**
 * The creator's identity from the keystore, unlocked with the passphrase. A keystore in an older format
 * or below the writers' cost is written again in the current one while the passphrase is at hand
 * (identity backup spec §6: read old, write new).
 */
export async function unlockIdentity(ctx: Context): Promise<Identity> {
  return (await unlockKeystore(ctx)).identity;
}

/**
 * {@link unlockIdentity}, with the keystore's public part beside the key: its creator and the
 * commitment the creator's next manifest carries when its chain has none yet (identity backup §2.1),
 * and the committed next key it seals, if any (§2.2). `ROTATION_PENDING` while a rotation waits to be
 * finished: the key in the keystore may be spent already.
 */
export async function unlockKeystore(
  ctx: Context,
): Promise<{ identity: Identity; nextKey: Identity | undefined; keystore: ParsedIdentityBackup }> {
  await assertNoPendingRotation(ctx.home);
  const keystore = await readKeystore(ctx.home);
  const secret = await passphrase(ctx, { purpose: `${keystore.did.slice(0, 20)}…` });
  const { identity, nextKey } = await openKeystoreKeys(keystore, secret);
  if (!keystore.current)
    await writeKeystore(ctx.home, await sealIdentity(identity, secret, publicPartOf(keystore), nextKey));
  return { identity, nextKey, keystore };
}
