import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AssentError, checkChain, parseCidString, verifyCatalogPage, verifyManifest } from '@assent/manifest';
import type { Command } from '../context.js';
import { cliError } from '../errors.js';
import { loadBlock } from '../manifest-store.js';

/** A block by CID: beside the file (`<cid>.json`), else in $ASSENT_HOME/manifests. */
async function blockAtHand(
  home: string,
  near: string | undefined,
  cid: string,
): Promise<Uint8Array | undefined> {
  if (near !== undefined) {
    const beside = await readFile(join(dirname(near), `${cid}.json`)).catch(() => undefined);
    if (beside !== undefined) return new Uint8Array(beside);
  }
  return loadBlock(home, cid);
}

/** `assent verify FILE|CID` */
export const verify: Command = {
  usage: `assent verify FILE|CID [--json]

Verifies a manifest offline: strict JSON, schema, the eddsa-jcs-2022 signature by the issuer's own key,
its catalog pages and, when the previous version is at hand (beside the file as <cid>.json, or in
$ASSENT_HOME/manifests), the chain. A CID is looked up in $ASSENT_HOME/manifests. No network.
Exit codes: 0 valid · 3 malformed · 4 signature rejected · 5 chain conflict.

Example:
  assent verify signed.json`,
  options: {},
  async run(_values, positionals, ctx) {
    const target = positionals[0];
    if (target === undefined) throw cliError('USAGE', 'missing FILE or CID');
    let bytes: Uint8Array | undefined;
    let file: string | undefined;
    try {
      bytes = new Uint8Array(await readFile(target));
      file = target;
    } catch (cause) {
      if (!parseCidString(target).ok)
        throw cliError('FILE_UNREADABLE', `cannot read ${target}: ${(cause as Error).message}`, cause);
      bytes = await loadBlock(ctx.home, target);
      if (bytes === undefined)
        throw cliError('MANIFEST_NOT_FOUND', `${target} is not in ${join(ctx.home, 'manifests')}`);
    }
    const result = await verifyManifest(bytes);
    if (!result.ok)
      throw new AssentError(
        result.code,
        result.message,
        result.path === undefined ? {} : { path: result.path },
      );
    const m = result.value;
    if (file === undefined && m.cid !== target)
      throw cliError('CID_MISMATCH', `the stored bytes hash to ${m.cid}, not ${target}`);
    const pages = { verified: 0, missing: [] as string[] };
    for (const cid of m.catalog) {
      const page = await blockAtHand(ctx.home, file, cid);
      if (page === undefined) {
        pages.missing.push(cid);
        continue;
      }
      const checked = verifyCatalogPage(page, { cid, issuer: m.issuer });
      if (!checked.ok) throw new AssentError(checked.code, `catalog page ${cid}: ${checked.message}`);
      pages.verified++;
    }
    let chain: 'first-version' | 'verified' | 'previous-not-at-hand' = 'first-version';
    if (m.previous !== undefined) {
      const prevBytes = await blockAtHand(ctx.home, file, m.previous);
      if (prevBytes === undefined) chain = 'previous-not-at-hand';
      else {
        const prev = await verifyManifest(prevBytes);
        if (!prev.ok) throw new AssentError(prev.code, `the previous version ${m.previous}: ${prev.message}`);
        const linked = checkChain(prev.value, m);
        if (!linked.ok) throw new AssentError(linked.code, linked.message);
        chain = 'verified';
      }
    }
    ctx.emit(
      {
        valid: true,
        cid: m.cid,
        issuer: m.issuer,
        version: m.version,
        previous: m.previous ?? null,
        chain,
        pages,
        validFrom: m.manifest.validFrom,
        validUntil: m.manifest.validUntil ?? null,
      },
      () =>
        [
          `${ctx.style.ok('valid')} ${m.cid}`,
          `issuer   ${m.issuer}`,
          `version  ${m.version}${m.previous === undefined ? '' : ` (previous ${m.previous})`}`,
          `chain    ${chain}`,
          ...(m.catalog.length === 0
            ? []
            : [`pages    ${pages.verified} verified, ${pages.missing.length} not at hand`]),
        ].join('\n'),
    );
    return 0;
  },
};
