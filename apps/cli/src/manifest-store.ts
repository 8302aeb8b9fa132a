import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type CatalogPage,
  type CatalogPageBlock,
  type ConsentSnapshot,
  snapshotOf,
  type VerifiedManifest,
  verifyCatalogPage,
  verifyManifest,
} from '@assent/manifest';
import type { Context } from './context.js';
import { cliError } from './errors.js';
import { fetchBlock, fetchCreatorHistory, fetchHeads, fetchManifest } from './gateway-client.js';
import type { Owner } from './keystore.js';

/**
 * The creator's own manifests on this machine: `$ASSENT_HOME/manifests/<cid>.json` (canonical bytes,
 * pages too, and the heads fetched from gateways) and `$ASSENT_HOME/head.json` (the newest version
 * signed here, by creator). `assent verify` finds a manifest's previous version there; `sign`
 * continues the chain from it when no gateway knows better.
 */
function manifestsDir(home: string): string {
  return join(home, 'manifests');
}

/** Keeps a block (a manifest or a catalog page) by CID. */
export async function saveBlock(home: string, cid: string, bytes: Uint8Array): Promise<void> {
  try {
    await mkdir(manifestsDir(home), { recursive: true, mode: 0o700 });
    await writeFile(join(manifestsDir(home), `${cid}.json`), bytes);
  } catch (cause) {
    throw cliError(
      'FILE_UNWRITABLE',
      `cannot write to ${manifestsDir(home)}: ${(cause as Error).message}`,
      cause,
    );
  }
}

/** A block kept by {@link saveBlock}, or undefined. */
export async function loadBlock(home: string, cid: string): Promise<Uint8Array | undefined> {
  if (!/^[a-z0-9]+$/.test(cid)) return undefined;
  try {
    return new Uint8Array(await readFile(join(manifestsDir(home), `${cid}.json`)));
  } catch {
    return undefined;
  }
}

/**
 * The catalog pages of a manifest that are at hand (beside `near`, or kept here), to publish with it.
 * Pages not at hand are left out: the node may hold them already (unchanged pages keep their CIDs).
 */
export async function pagesAtHand(
  home: string,
  manifest: VerifiedManifest,
  near?: string,
): Promise<{ cid: string; bytes: Uint8Array }[]> {
  const pages: { cid: string; bytes: Uint8Array }[] = [];
  for (const cid of manifest.catalog) {
    const beside =
      near === undefined
        ? undefined
        : await readFile(join(dirname(near), `${cid}.json`)).catch(() => undefined);
    const bytes = beside === undefined ? await loadBlock(home, cid) : new Uint8Array(beside);
    if (bytes !== undefined && verifyCatalogPage(bytes, { cid, issuer: manifest.issuer }).ok)
      pages.push({ cid, bytes });
  }
  return pages;
}

/** Keeps a signed manifest and its pages, and makes it the local head when it is newer. */
export async function saveSigned(
  home: string,
  signed: VerifiedManifest & { pages?: readonly CatalogPageBlock[] },
): Promise<void> {
  await saveBlock(home, signed.cid, signed.bytes);
  for (const page of signed.pages ?? []) await saveBlock(home, page.cid, page.bytes);
  const local = await localHead(home, { creator: signed.creator, did: signed.issuer });
  if (local === undefined || signed.version > local.version || signed.rotatedFrom !== undefined) {
    await writeFile(
      join(home, 'head.json'),
      `${JSON.stringify(
        { creator: signed.creator, did: signed.issuer, cid: signed.cid, version: signed.version },
        null,
        2,
      )}\n`,
    );
  }
}

/**
 * The newest manifest of the owner's creator signed or seen on this machine. `head.json` from before
 * rotation names only `did`, which was then the creator.
 */
export async function localHead(home: string, owner: Owner): Promise<VerifiedManifest | undefined> {
  let record: { creator?: unknown; did?: unknown; cid?: unknown };
  try {
    record = JSON.parse(await readFile(join(home, 'head.json'), 'utf8')) as typeof record;
  } catch {
    return undefined;
  }
  if ((record.creator ?? record.did) !== owner.creator || typeof record.cid !== 'string') return undefined;
  const bytes = await loadBlock(home, record.cid);
  if (bytes === undefined) return undefined;
  const verified = await verifyManifest(bytes);
  return verified.ok && verified.value.cid === record.cid && verified.value.creator === owner.creator
    ? verified.value
    : undefined;
}

/** Where the head came from. */
export interface CurrentHead {
  readonly manifest: VerifiedManifest | undefined;
  readonly from: 'gateway' | 'local' | 'none';
}

/** The branch to build on among heads: the one signed by `did` when there is one, then the lowest CID. */
function pick(heads: readonly VerifiedManifest[], did: string): VerifiedManifest | undefined {
  const byCid = [...heads].sort((a, b) => (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0));
  return byCid.find((h) => h.issuer === did) ?? byCid[0];
}

/**
 * The newest tip of the creator's history signed by `did`, from the whole history: after a recovery
 * fork, a thief's branch may outgrow the creator's, and the gateway names only the newest as heads.
 */
async function ownTip(gateway: string, owner: Owner): Promise<VerifiedManifest | undefined> {
  const listed = await fetchCreatorHistory(gateway, owner.creator);
  if (listed === undefined) return undefined;
  const named = new Set(listed.history.flatMap((r) => (r.previous === undefined ? [] : [r.previous])));
  const tips = listed.history.filter((r) => !named.has(r.cid)).sort((a, b) => b.version - a.version);
  for (const tip of tips) {
    const manifest = await fetchManifest(gateway, tip.cid);
    if (manifest !== undefined && manifest.creator === owner.creator && manifest.issuer === owner.did)
      return manifest;
  }
  return undefined;
}

/**
 * The creator's current head: the newer of the gateway's (`GET /v1/creators/{creator}`, verified)
 * and the one kept here. The gateway answers for the creator across all its keys (spec §5.5); of
 * its branches, the one signed by the owner's key is built on, and when none of the newest is, the
 * newest branch tip that is (a recovery fork a thief's branch outgrew), with a warning. When the
 * gateway cannot be reached and `requireGateway` is false, the local one, with a warning; with
 * `requireGateway`, `GATEWAY_UNREACHABLE`.
 */
export async function currentHead(
  ctx: Context,
  owner: Owner,
  gateway: string | undefined,
  options: { requireGateway?: boolean } = {},
): Promise<CurrentHead> {
  const local = await localHead(ctx.home, owner);
  let remote: VerifiedManifest | undefined;
  if (gateway !== undefined) {
    try {
      const heads = await fetchHeads(gateway, owner.creator, owner.creator);
      remote = pick(heads, owner.did);
      if (remote !== undefined && remote.issuer !== owner.did) {
        const own = await ownTip(gateway, owner);
        if (own !== undefined) {
          ctx.note(
            ctx.style.warn(
              `warning: the newest version of ${owner.creator} (${remote.version}, ${remote.cid}) is signed by ${remote.issuer}, not by this key; continuing your own branch from version ${own.version} (assent id watch lists the versions this device did not make)`,
            ),
          );
          remote = own;
        }
      }
    } catch (error) {
      if (options.requireGateway === true || (error as { code?: string }).code !== 'GATEWAY_UNREACHABLE')
        throw error;
      ctx.note(ctx.style.warn(`warning: ${(error as Error).message}; continuing from the local head`));
    }
  }
  // The local head wins only when it is newer and this key's: an older key's head is no place to build.
  if (
    remote !== undefined &&
    (local === undefined || local.issuer !== owner.did || remote.version >= local.version)
  ) {
    await saveBlock(ctx.home, remote.cid, remote.bytes);
    return { manifest: remote, from: 'gateway' };
  }
  return local === undefined ? { manifest: undefined, from: 'none' } : { manifest: local, from: 'local' };
}

/**
 * A manifest's complete state, catalog pages included (fetched from the gateway when not kept here,
 * each verified against its CID and issuer): what `deriveNextDraft` starts from.
 */
export async function snapshotOfHead(
  ctx: Context,
  head: VerifiedManifest,
  gateway: string | undefined,
): Promise<ConsentSnapshot> {
  const pages = new Map<string, CatalogPage>();
  for (const cid of head.catalog) {
    let bytes = await loadBlock(ctx.home, cid);
    if (bytes === undefined && gateway !== undefined) bytes = await fetchBlock(gateway, cid);
    if (bytes === undefined)
      throw cliError('MANIFEST_NOT_FOUND', `catalog page ${cid} of ${head.cid} is not at hand`);
    const page = verifyCatalogPage(bytes, { cid, issuer: head.issuer });
    if (!page.ok) throw cliError(page.code, page.message);
    await saveBlock(ctx.home, cid, bytes);
    pages.set(cid, page.value);
  }
  return snapshotOf(head.manifest, pages);
}
