import { writeFile } from 'node:fs/promises';
import {
  AssentError,
  parseDraft,
  type SignedManifest,
  signManifest,
  type VerifiedManifest,
} from '@assent/manifest';
import type { Command, Context } from '../context.js';
import { cliError } from '../errors.js';
import { gatewayUrl } from '../gateway-client.js';
import { currentHead, saveSigned } from '../manifest-store.js';
import { unlockKeystore } from '../passphrase.js';
import { readInput } from '../read-input.js';

/**
 * Signs draft bytes as the creator's next version (previous = the current head) and keeps it in the
 * local store. Used by `sign`, `publish` (for drafts) and `revoke`.
 */
export async function signDraft(
  ctx: Context,
  bytes: Uint8Array | object,
  gateway: string | undefined,
  options: { requireGateway?: boolean; head?: VerifiedManifest | undefined } = {},
): Promise<SignedManifest> {
  const draft = parseDraft(bytes as Uint8Array);
  if (!draft.ok)
    throw new AssentError(
      draft.code,
      `the draft is malformed: ${draft.message}`,
      draft.path === undefined ? {} : { path: draft.path },
    );
  const { identity, keystore } = await unlockKeystore(ctx);
  const head =
    options.head ??
    (await currentHead(ctx, identity.did, gateway, { requireGateway: options.requireGateway ?? false }))
      .manifest;
  // Version 1 commits to the recovery key the keystore holds the hash of (manifest spec §5.5), and so
  // does the next version of a chain made before recovery keys; later versions carry their head's.
  const nextKeyHashes = head?.keyState === undefined ? keystore.nextKeyHashes : undefined;
  const signed = await signManifest(draft.value, { identity, head, nextKeyHashes });
  await saveSigned(ctx.home, signed);
  return signed;
}

/** `assent sign DRAFT.json [-o OUT]` */
export const sign: Command = {
  usage: `assent sign DRAFT.json [-o OUT] [--gateway URL] [--json]

Signs a draft with your identity as your next manifest version: version n + 1 naming your current head
(the gateway's, else the newest signed on this machine) as previous. Writes the signed manifest in its
canonical form to OUT or stdout and keeps a copy in $ASSENT_HOME/manifests.

Example:
  assent sign draft.json -o signed.json`,
  options: { out: { type: 'string', short: 'o' }, gateway: { type: 'string' } },
  async run(values, positionals, ctx) {
    const bytes = await readInput(positionals[0], 'DRAFT.json');
    const signed = await signDraft(ctx, bytes, gatewayUrl(values, ctx));
    const out = values.out as string | undefined;
    if (out !== undefined) {
      try {
        await writeFile(out, signed.bytes);
      } catch (cause) {
        throw cliError('FILE_UNWRITABLE', `cannot write ${out}: ${(cause as Error).message}`, cause);
      }
    } else if (!ctx.json) {
      ctx.write(`${new TextDecoder().decode(signed.bytes)}\n`);
      return 0;
    }
    const summary = {
      cid: signed.cid,
      issuer: signed.issuer,
      version: signed.version,
      previous: signed.previous ?? null,
      pages: signed.pages.map((p) => p.cid),
      file: out ?? null,
      ...(out === undefined ? { manifest: signed.manifest } : {}),
    };
    ctx.emit(summary, () => `${ctx.style.ok('Signed')} version ${signed.version}: ${signed.cid} → ${out}`);
    return 0;
  },
};
