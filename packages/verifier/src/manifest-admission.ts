/**
 * Admission: turns what a source offered into verified cache entries. Each candidate is verified
 * (strict parse, canonical bytes, schema, proof) or found in the cache by its bytes, its catalog pages
 * are checked against the CIDs it lists, and a manifest found to break spec §3.1 is refused from then
 * on. What fails is dropped with a warning; a malformed answer throws `SOURCE_INVALID_RESPONSE`.
 */
import {
  AssentError,
  blockCid,
  PENDING_WINDOW_MS,
  type VerifiedManifest,
  verifyManifest,
} from '@assent/manifest';
import type { Warning } from './errors.js';
import { type KeyChains, needsKeyChain } from './key-chain.js';
import { addPage, entryOf, type ManifestCache, type ManifestEntry } from './manifest-cache.js';
import type { CandidateSet, ManifestCandidate } from './source.js';

/** Malformed manifests a verifier remembers refusing (the oldest forgotten first). */
const MAX_REFUSED = 4096;

/** Manifests verified at once; signature checks may run on WebCrypto in parallel. */
const VERIFY_CONCURRENCY = 32;

function invalidSource(message: string): AssentError<'SOURCE_INVALID_RESPONSE'> {
  return new AssentError('SOURCE_INVALID_RESPONSE', message);
}

/** Throws `SOURCE_INVALID_RESPONSE` unless `answer` has the shape of a {@link CandidateSet}. */
export function checkAnswer(answer: CandidateSet): void {
  if (typeof answer !== 'object' || answer === null || !Array.isArray(answer.manifests)) {
    throw invalidSource('the source answered without a manifests array');
  }
  if (answer.asOf !== undefined && typeof answer.asOf !== 'string')
    throw invalidSource('asOf must be a string');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  let i = 0;
  // Word by word when both views are aligned: manifests are compared on every batch (up to 1 MiB each).
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = a.length >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let w = 0; w < words; w++) if (wa[w] !== wb[w]) return false;
    i = words << 2;
  }
  for (; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Records when the source says it first logged a manifest (the latest answer wins), and the end of
 * its waiting window as an instant its answers may change at (pending-window.ts).
 */
function noteLoggedAt(entry: ManifestEntry, candidate: ManifestCandidate): void {
  if (typeof candidate.loggedAt !== 'string') return;
  const ms = Date.parse(candidate.loggedAt);
  if (!Number.isFinite(ms) || entry.loggedAtMs === ms) return;
  entry.loggedAtMs = ms;
  if (entry.previous !== undefined) entry.times.add(ms + PENDING_WINDOW_MS);
}

function refusedWarning(cid: string, why: string): Warning {
  return {
    code: 'MANIFEST_REJECTED',
    cid,
    message: `the source offered manifest ${cid}, which was rejected: ${why}`,
  };
}

/** Admits the candidates a source offers into a {@link ManifestCache}; one per verifier. */
export class ManifestAdmission {
  readonly #cache: ManifestCache;

  /**
   * Byte arrays already found to hold a held manifest's exact bytes, by identity. A local source
   * hands out the same array on every lookup, and comparing a 263 KB catalog manifest byte by byte
   * was four fifths of a warm single check (CPU profile, GET benchmark over a 12,000-work catalog).
   * A source that rewrites an array after handing it out gains nothing by it: decisions come from
   * the verified, parsed entry, never from the array, so it is as if it offered that manifest again.
   */
  readonly #knownBytes = new WeakMap<Uint8Array, ManifestEntry>();

  /**
   * Manifests found to break the spec only once one of their pages came (a work id named twice across
   * the manifest and its pages, spec §3.1), with why: refused whenever offered again, so that the
   * answer does not depend on which of their pages a later batch happens to bring.
   */
  readonly #refused = new Map<string, string>();

  readonly #keyChains: KeyChains;

  constructor(cache: ManifestCache, keyChains: KeyChains) {
    this.#cache = cache;
    this.#keyChains = keyChains;
  }

  /**
   * The entries of every candidate of `answer` that passes, in order; warnings for the others go to
   * `warnings`. When every candidate is already held, no promise is awaited per manifest.
   */
  async admitAll(
    answer: Pick<CandidateSet, 'manifests'>,
    warnings: Warning[],
    signal?: AbortSignal,
  ): Promise<ManifestEntry[]> {
    const entries: ManifestEntry[] = [];
    for (const candidate of answer.manifests) {
      const entry = this.#held(candidate);
      if (entry === undefined) return this.#admitEach(answer, warnings, signal);
      noteLoggedAt(entry, candidate);
      entries.push(entry);
    }
    return entries;
  }

  #isHeldBytes(entry: ManifestEntry, bytes: Uint8Array): boolean {
    if (this.#knownBytes.get(bytes) === entry) return true;
    if (!sameBytes(entry.bytes, bytes)) return false;
    this.#knownBytes.set(bytes, entry);
    return true;
  }

  /**
   * The cache entry of a candidate that needs no work: the same bytes as a held manifest, bringing no
   * page it lacks. Synchronous, so a warm check takes no turn of the event loop per manifest.
   */
  #held(candidate: ManifestCandidate): ManifestEntry | undefined {
    const bytes = candidate?.bytes;
    if (typeof candidate?.cid !== 'string' || !(bytes instanceof Uint8Array)) return undefined;
    const entry = this.#cache.get(candidate.cid);
    if (entry === undefined || !entry.creatorProven || !this.#isHeldBytes(entry, bytes)) return undefined;
    if (candidate.pages !== undefined)
      for (const cid of candidate.pages.keys()) if (!entry.pages.has(cid)) return undefined;
    return entry;
  }

  async #admitEach(
    answer: Pick<CandidateSet, 'manifests'>,
    warnings: Warning[],
    signal: AbortSignal | undefined,
  ): Promise<ManifestEntry[]> {
    const entries: ManifestEntry[] = [];
    for (let i = 0; i < answer.manifests.length; i += VERIFY_CONCURRENCY) {
      const admitted = await Promise.all(
        answer.manifests.slice(i, i + VERIFY_CONCURRENCY).map((m) => this.#admit(m, warnings, signal)),
      );
      admitted.forEach((entry, k) => {
        if (entry === undefined) return;
        noteLoggedAt(entry, answer.manifests[i + k] as ManifestCandidate);
        entries.push(entry);
      });
    }
    return entries;
  }

  /**
   * The entry of a verified manifest, with whom it speaks for (spec §5.5): a manifest signed by a
   * rotated key speaks for the creator it names once its chain is proven, for its own key while the
   * source cannot show the chain (`KEY_CHAIN_UNPROVEN`, and asked again next time), and for nobody
   * when a step of the chain breaks the rules (undefined: rejected and refused from now on).
   */
  async #entryOf(
    verified: VerifiedManifest,
    warnings: Warning[],
    signal: AbortSignal | undefined,
  ): Promise<ManifestEntry | undefined> {
    if (!needsKeyChain(verified)) return entryOf(verified);
    const verdict = await this.#keyChains.prove(verified, signal);
    if (verdict.kind === 'proven') return entryOf(verified, { creator: verdict.creator, proven: true });
    if (verdict.kind === 'unproven') {
      warnings.push({
        code: 'KEY_CHAIN_UNPROVEN',
        issuer: verified.issuer,
        cid: verified.cid,
        message: `manifest ${verified.cid} names ${verified.creator} as its creator, but ${verdict.message}; it speaks only for ${verified.issuer}`,
      });
      return entryOf(verified, { creator: verified.issuer, proven: false });
    }
    const why = `its key chain breaks: ${verdict.code}: ${verdict.message}`;
    this.#refuse(verified.cid, why);
    warnings.push(refusedWarning(verified.cid, why));
    return undefined;
  }

  #refuse(cid: string, why: string): void {
    if (this.#refused.size >= MAX_REFUSED) this.#refused.delete(this.#refused.keys().next().value as string);
    this.#refused.set(cid, why);
  }

  /** Verifies (or finds in the cache) one candidate and indexes the pages it brings. */
  async #admit(
    candidate: ManifestCandidate,
    warnings: Warning[],
    signal: AbortSignal | undefined,
  ): Promise<ManifestEntry | undefined> {
    const cache = this.#cache;
    const bytes = candidate?.bytes;
    if (!(bytes instanceof Uint8Array)) throw invalidSource('a candidate has no bytes');
    let entry: ManifestEntry | undefined;
    if (typeof candidate.cid === 'string') {
      const held = cache.get(candidate.cid);
      if (held?.creatorProven === true && this.#isHeldBytes(held, bytes)) entry = held;
    }
    if (entry === undefined) {
      const cid = blockCid(bytes);
      if (this.#refused.has(cid)) {
        warnings.push(refusedWarning(cid, this.#refused.get(cid) as string));
        return undefined;
      }
      entry = cache.get(cid);
      if (entry !== undefined && !entry.creatorProven) {
        // Held for its own key while its chain was unproven: try the chain again, as if new.
        cache.remove(entry);
        entry = undefined;
      }
      if (entry === undefined) {
        // Blocks from a source must be canonical (spec §1.2), so one manifest has one CID.
        const verified = await verifyManifest(bytes, { requireCanonical: true });
        // verifyManifest skips requireCanonical for Uint8Array input (manifest 0.1), so compare here.
        const failure = !verified.ok
          ? `${verified.code}: ${verified.message}`
          : sameBytes(verified.value.bytes, bytes)
            ? undefined
            : 'NOT_CANONICAL: the manifest bytes are not its JCS canonical form';
        if (!verified.ok || failure !== undefined) {
          warnings.push({
            code: 'MANIFEST_REJECTED',
            cid,
            message: `the source offered manifest ${cid}, which was rejected: ${failure}`,
          });
          return undefined;
        }
        entry = await this.#entryOf(verified.value, warnings, signal);
        if (entry === undefined) return undefined;
        cache.set(entry);
        this.#knownBytes.set(bytes, entry);
      }
    }
    if (candidate.pages !== undefined) {
      for (const [cid, pageBytes] of candidate.pages) {
        if (entry.pages.has(cid)) continue;
        if (!(pageBytes instanceof Uint8Array)) throw invalidSource(`catalog page ${cid} has no bytes`);
        const added = addPage(entry, cid, pageBytes);
        if (added.ok) cache.grew(entry, pageBytes.length, added.ids);
        else if (added.manifest === true) {
          // The manifest itself is malformed (spec §3.1): refused from now on, whichever pages come.
          const why = `catalog page ${cid}: ${added.code}: ${added.message}`;
          cache.remove(entry);
          this.#refuse(entry.cid, why);
          warnings.push(refusedWarning(entry.cid, why));
          return undefined;
        } else {
          warnings.push({
            code: 'CATALOG_PAGE_REJECTED',
            issuer: entry.issuer,
            cid,
            message: `catalog page ${cid} of manifest ${entry.cid} was rejected: ${added.code}: ${added.message}`,
          });
        }
      }
    }
    return entry;
  }
}
