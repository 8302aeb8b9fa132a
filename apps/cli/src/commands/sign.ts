import { writeFile } from 'node:fs/promises';
import {
  AssentError,
  checkChain,
  parseDraft,
  type SignedManifest,
  signManifest,
  type VerifiedManifest,
} from '@assent/manifest';
import type { Command, Context } from '../context.js';
import { cliError } from '../errors.js';
import { gatewayUrl } from '../gateway-client.js';
import { ownerOf } from '../keystore.js';
import { recordVersions } from '../known-versions.js';
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
  const owner = ownerOf(keystore);
  const head =
    options.head ??
    (await currentHead(ctx, owner, gateway, { requireGateway: options.requireGateway ?? false })).manifest;
  // A rotated key never starts a chain of its own: it signs for its creator, after the creator's head.
  if (head === undefined && keystore.creator !== undefined)
    throw cliError(
      'MANIFEST_NOT_FOUND',
      `${identity.did} is a rotated key of ${keystore.creator}, but ${gateway === undefined ? 'no gateway was asked and this machine holds' : `neither ${gateway} nor this machine holds`} the creator's head to sign after`,
    );
  // Version 1 commits to the keys the keystore holds the hashes of (manifest spec §5.5), and so does
  // the next version of a chain made before those commitments; later versions carry their head's.
  const nextKeyHashes = head?.keyState === undefined ? keystore.nextKeyHashes : undefined;
  const signed = await signManifest(draft.value, { identity, head, nextKeyHashes });
  // The node would refuse a broken step anyway; saying why here is kinder (spec §5.2, §5.5).
  if (head !== undefined) {
    const chain = checkChain(head, signed);
    if (!chain.ok)
      throw new AssentError(
        chain.code,
        `${chain.message}: the creator's head, version ${head.version} (${head.cid}), is signed by ${head.issuer}${head.issuer === identity.did ? '' : `, not by this key ${identity.did} (another device or a thief rotated it; see assent id watch)`}`,
      );
  }
  await saveSigned(ctx.home, signed);
  await recordVersions(ctx.home, [
    {
      cid: signed.cid,
      version: signed.version,
      creator: signed.creator,
      issuer: signed.issuer,
      source: 'signed',
    },
  ]);
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
      creator: signed.creator,
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
