import {
  blockCid,
  canonicalBytes,
  type JsonObject,
  type JsonValue,
  parseJson,
  parseManifest,
  type SignedManifest,
  urlPrefixesOf,
  type WorkId,
} from '@assent/manifest';
import type { CandidateSet, ManifestCandidate, ManifestSource } from './source.js';

/**
 * A manifest given to {@link memorySource}: its exact bytes, JSON text or an object (canonicalized),
 * a `SignedManifest` from `signManifest` (with its pages), or a {@link ManifestCandidate}.
 */
export type MemoryManifest = Uint8Array | string | JsonObject | SignedManifest | ManifestCandidate;

/** Options of {@link memorySource}. */
export interface MemorySourceOptions {
  /** Reported as the source's `asOf` (for `maxAge`); omit for a source that is always current. */
  readonly asOf?: string;
  /**
   * Signed link observations (`AssentLinkObservation` bytes) to offer with the manifests of the
   * creators they name. Not verified here: the verifier does that.
   */
  readonly observations?: Iterable<Uint8Array>;
  /** Attestations (`AssentAttestation` bytes) to offer with the manifests of the creators they name. */
  readonly attestations?: Iterable<Uint8Array>;
}

/** The creator a credential names (`credentialSubject.id`), read without verifying; undefined if none. */
function subjectOf(bytes: Uint8Array): string | undefined {
  const value = parseJson(bytes);
  if (!value.ok || typeof value.value !== 'object' || value.value === null) return undefined;
  const subject = (value.value as { credentialSubject?: { id?: unknown } }).credentialSubject;
  return typeof subject?.id === 'string' ? subject.id : undefined;
}

/** Credentials by the creator they name. */
function bySubject(credentials: Iterable<Uint8Array> | undefined): Map<string, Uint8Array[]> {
  const out = new Map<string, Uint8Array[]>();
  for (const bytes of credentials ?? []) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('memorySource: a credential is bytes');
    const subject = subjectOf(bytes);
    if (subject === undefined) continue;
    const list = out.get(subject);
    if (list === undefined) out.set(subject, [bytes]);
    else list.push(bytes);
  }
  return out;
}

interface Held {
  readonly cid: string;
  readonly bytes: Uint8Array;
  /** The creator it names (`credentialSubject.creator ?? issuer`), unverified. */
  readonly issuer: string;
  readonly version: number;
  readonly pages: ReadonlyMap<string, Uint8Array>;
  readonly ids: readonly string[];
  readonly catalog: readonly string[];
}

interface Hit {
  readonly held: Held;
  readonly page: string | undefined;
}

function toCandidate(input: MemoryManifest): ManifestCandidate {
  if (input instanceof Uint8Array) return { bytes: input };
  if (typeof input === 'string') {
    const value = parseJson(input);
    if (!value.ok) throw new TypeError(`memorySource: not JSON: ${value.code}: ${value.message}`);
    return { bytes: canonicalBytes(value.value) };
  }
  if (typeof input !== 'object' || input === null) throw new TypeError('memorySource: expected a manifest');
  const bytes = (input as { bytes?: unknown }).bytes;
  if (bytes instanceof Uint8Array) {
    const pages = (input as { pages?: unknown }).pages;
    if (Array.isArray(pages)) {
      const map = new Map((pages as SignedManifest['pages']).map((p) => [p.cid, p.bytes] as const));
      return { bytes, pages: map };
    }
    return input as ManifestCandidate;
  }
  return { bytes: canonicalBytes(input as JsonValue) };
}

function worksOfPage(bytes: Uint8Array): readonly { ids: readonly string[] }[] {
  const value = parseJson(bytes);
  if (!value.ok || typeof value.value !== 'object' || value.value === null) return [];
  const works = (value.value as { works?: unknown }).works;
  if (!Array.isArray(works)) return [];
  return works.filter(
    (w): w is { ids: string[] } =>
      typeof w === 'object' && w !== null && Array.isArray((w as { ids?: unknown }).ids),
  );
}

/**
 * A source over manifests held in memory: it offers, for each work, the head (highest version; every
 * branch of a fork) of each creator whose head names the work, with the catalog pages that name it,
 * and answers `heads(creators)` and `block(cid)` (every manifest given, heads or not, so a rotated
 * key's chain can be shown).
 * It reads manifests without verifying them: the verifier does that. Throws `TypeError` for input
 * that is not a manifest at all.
 * @example
 * const signed = await signManifest({ works: [{ ids: ['isrc:USRC17607839'], policy: { all: 'deny' } }] }, { identity });
 * const verifier = createVerifier({ source: memorySource([signed]) });
 */
export function memorySource(
  manifests: Iterable<MemoryManifest>,
  options: MemorySourceOptions = {},
): ManifestSource {
  const heads = new Map<string, Held[]>();
  /** Every manifest given, by CID: the versions before a head, for `block`. */
  const blocks = new Map<string, Uint8Array>();
  for (const input of manifests) {
    const candidate = toCandidate(input);
    const parsed = parseManifest(candidate.bytes);
    if (!parsed.ok) throw new TypeError(`memorySource: not a manifest: ${parsed.code}: ${parsed.message}`);
    const m = parsed.value;
    const held: Held = {
      cid: blockCid(candidate.bytes),
      bytes: candidate.bytes,
      // The creator it names (spec §5.5), read without verifying: heads are a creator's, across keys.
      issuer: m.credentialSubject.creator ?? m.issuer,
      version: m.credentialSubject.version,
      pages: candidate.pages ?? new Map(),
      ids: m.credentialSubject.works.flatMap((w) => w.ids),
      catalog: m.credentialSubject.catalog ?? [],
    };
    blocks.set(held.cid, held.bytes);
    const list = heads.get(held.issuer);
    const top = list?.[0];
    if (list === undefined || top === undefined || held.version > top.version) heads.set(held.issuer, [held]);
    else if (held.version === top.version && !list.some((h) => h.cid === held.cid)) list.push(held);
  }
  const index = new Map<string, Hit[]>();
  const add = (id: string, hit: Hit) => {
    const list = index.get(id);
    if (list === undefined) index.set(id, [hit]);
    else list.push(hit);
  };
  const byCid = new Map<string, Held>();
  for (const list of heads.values()) {
    for (const held of list) {
      byCid.set(held.cid, held);
      for (const id of held.ids) add(id, { held, page: undefined });
      for (const cid of held.catalog) {
        const bytes = held.pages.get(cid);
        if (bytes === undefined) continue;
        for (const work of worksOfPage(bytes)) for (const id of work.ids) add(id, { held, page: cid });
      }
    }
  }
  const asOf = options.asOf;
  const observed = bySubject(options.observations);
  const attested = bySubject(options.attestations);
  const answer = (manifests: ManifestCandidate[]): CandidateSet => {
    const issuers = new Set<string>();
    for (const m of manifests) {
      const held = byCid.get(m.cid as string);
      if (held !== undefined) issuers.add(held.issuer);
    }
    const observations = [...issuers].flatMap((issuer) => observed.get(issuer) ?? []);
    const attestations = [...issuers].flatMap((issuer) => attested.get(issuer) ?? []);
    return {
      manifests,
      ...(asOf === undefined ? {} : { asOf }),
      ...(observations.length === 0 ? {} : { observations }),
      ...(attestations.length === 0 ? {} : { attestations }),
    };
  };
  return {
    async candidates(works: readonly WorkId[]): Promise<CandidateSet> {
      const found = new Map<Held, Set<string>>();
      const want = (held: Held) => {
        let pages = found.get(held);
        if (pages === undefined) {
          pages = new Set();
          found.set(held, pages);
        }
        return pages;
      };
      for (const id of works) {
        for (const key of [id, ...urlPrefixesOf(id)]) {
          for (const hit of index.get(key) ?? []) {
            const pages = want(hit.held);
            if (hit.page !== undefined) pages.add(hit.page);
          }
        }
      }
      // Every branch of a forked creator, so the verifier sees the fork (source contract).
      for (const held of [...found.keys()]) for (const branch of heads.get(held.issuer) ?? []) want(branch);
      const out: ManifestCandidate[] = [];
      for (const [held, pages] of found) {
        const candidate: ManifestCandidate = { cid: held.cid, bytes: held.bytes };
        out.push(
          pages.size === 0
            ? candidate
            : {
                ...candidate,
                pages: new Map([...pages].map((cid) => [cid, held.pages.get(cid) as Uint8Array])),
              },
        );
      }
      return answer(out);
    },
    async block(cid: string): Promise<Uint8Array | undefined> {
      return blocks.get(cid);
    },
    async heads(issuers: readonly string[]): Promise<CandidateSet> {
      return answer(
        issuers.flatMap((issuer) => (heads.get(issuer) ?? []).map((h) => ({ cid: h.cid, bytes: h.bytes }))),
      );
    },
    // The manifests are fixed when the source is made: its answers never change.
    revision: () => 0,
  };
}
