import { checkChain, type VerifiedManifest, verifyCatalogPage, verifyManifest } from '@assent/manifest';
import type { BlockStore } from './block-store.js';
import type { ManifestIndex, ManifestWorks } from './manifest-index.js';
import type { ReindexReport } from './types.js';

/**
 * Rebuilds the index from the blocks on disk: every block that verifies as a canonical manifest is a
 * candidate; candidates are chained in version order with the same rules as ingest, and the works of
 * branch heads (inline and in their catalog pages) are indexed. The caller holds the write lock.
 */
export async function rebuildIndex(blocks: BlockStore, index: ManifestIndex): Promise<ReindexReport> {
  type Candidate = Pick<
    VerifiedManifest,
    'cid' | 'issuer' | 'version' | 'previous' | 'catalog' | 'creator' | 'keyState' | 'rotatedFrom'
  > & {
    readonly inline: string[];
  };
  const candidates: Candidate[] = [];
  let otherBlocks = 0;
  for await (const bytes of blocks.entries()) {
    const verified = await verifyManifest(bytes, { requireCanonical: true });
    if (!verified.ok) {
      otherBlocks++;
      continue;
    }
    // Keep only what chaining and indexing need: the documents themselves can be large.
    const { cid, issuer, version, previous, catalog, manifest, creator, keyState, rotatedFrom } =
      verified.value;
    const inline = manifest.credentialSubject.works.flatMap((w) => w.ids);
    candidates.push({ cid, issuer, version, previous, catalog, creator, keyState, rotatedFrom, inline });
  }
  candidates.sort((a, b) => a.version - b.version || (a.cid < b.cid ? -1 : 1));
  const accepted = new Map<string, Candidate>();
  const parents = new Set<string>();
  let unchained = 0;
  for (const candidate of candidates) {
    if (candidate.previous !== undefined) {
      const previous = accepted.get(candidate.previous);
      if (previous === undefined || !checkChain(previous, candidate).ok) {
        unchained++;
        continue;
      }
      parents.add(candidate.previous);
    }
    accepted.set(candidate.cid, candidate);
  }
  const rows: { manifest: Candidate; works: ManifestWorks }[] = [];
  for (const manifest of accepted.values()) {
    if (parents.has(manifest.cid)) {
      rows.push({ manifest, works: { inline: [], pages: [] } });
      continue;
    }
    const pages: { cid: string; ids: string[] }[] = [];
    for (const cid of manifest.catalog) {
      const bytes = await blocks.get(cid);
      const page =
        bytes === undefined ? undefined : verifyCatalogPage(bytes, { cid, issuer: manifest.issuer });
      if (page?.ok === true) pages.push({ cid, ids: page.value.works.flatMap((w) => w.ids) });
    }
    rows.push({ manifest, works: { inline: manifest.inline, pages } });
  }
  index.clear();
  index.transaction(() => {
    // When each manifest was first logged here is not in its blocks: unknown after a rebuild.
    for (const { manifest, works } of rows) index.add(manifest, works, null);
  });
  return { manifests: rows.length, unchained, otherBlocks };
}
