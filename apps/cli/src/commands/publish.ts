import {
  AssentError,
  MAX_DRAFT_BYTES,
  parseJson,
  type SignedManifest,
  type VerifiedManifest,
  verifyManifest,
} from '@assent/manifest';
import type { Command } from '../context.js';
import { gatewayUrl, publishToGateway } from '../gateway-client.js';
import { ownerOf, readKeystore } from '../keystore.js';
import { recordVersions } from '../known-versions.js';
import { pagesAtHand, saveSigned } from '../manifest-store.js';
import { readInput } from '../read-input.js';
import { signDraft } from './sign.js';

/** `assent publish SIGNED.json [--gateway URL]` */
export const publish: Command = {
  usage: `assent publish SIGNED.json|DRAFT.json [--gateway URL] [--json]

Publishes a signed manifest to a gateway (POST /v1/manifests). A draft is signed first, as the next
version after the gateway's head of your creator (after a rotation too: the head is looked up by
creator id, and the version names the creator). The manifest is verified here before it is sent.

Example:
  assent publish signed.json --gateway http://127.0.0.1:8787`,
  options: { gateway: { type: 'string' } },
  async run(values, positionals, ctx) {
    const gateway = gatewayUrl(values, ctx);
    const bytes = await readInput(positionals[0], 'SIGNED.json');
    const parsed = parseJson(bytes, { maxBytes: MAX_DRAFT_BYTES });
    if (!parsed.ok) throw new AssentError(parsed.code, parsed.message);
    const value = parsed.value;
    const isManifest =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      ('proof' in value || 'credentialSubject' in value);
    let manifest: VerifiedManifest;
    if (isManifest) {
      const verified = await verifyManifest(bytes);
      if (!verified.ok)
        throw new AssentError(verified.code, `the manifest does not verify: ${verified.message}`);
      manifest = verified.value;
    } else {
      manifest = await signDraft(ctx, value as object, gateway, { requireGateway: true });
    }
    const pages =
      'pages' in manifest
        ? (manifest as SignedManifest).pages
        : await pagesAtHand(ctx.home, manifest, positionals[0]);
    const receipt = await publishToGateway(gateway, manifest, pages);
    await saveSigned(ctx.home, manifest);
    // A signed file of this device's creator, published from here, is one of its own versions.
    const owner = await readKeystore(ctx.home).then(ownerOf, () => undefined);
    if (isManifest && owner?.creator === manifest.creator)
      await recordVersions(ctx.home, [
        {
          cid: manifest.cid,
          version: manifest.version,
          creator: manifest.creator,
          issuer: manifest.issuer,
          source: 'published',
        },
      ]);
    ctx.emit(
      { ...receipt, gateway, signed: !isManifest },
      () =>
        `${ctx.style.ok(receipt.created ? 'Published' : 'Already published')} version ${receipt.version}: ${receipt.cid} to ${gateway}`,
    );
    return 0;
  },
};
