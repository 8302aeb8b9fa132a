/**
 * Key chains (docs/spec/manifest.md §5.5): whether a manifest signed by a rotated key speaks for the
 * creator it names. Anyone can write `creator` into a manifest; only a chain of versions back to the
 * creator's version 1, each step by `checkChain`, shows that the key signing it was committed to. The
 * verifier walks `previous` through the source's blocks and remembers what it proved.
 */
import {
  blockCid,
  type ChainLink,
  checkChain,
  type VerifiedManifest,
  verifyManifest,
} from '@assent/manifest';

/** Reads a manifest block by CID; undefined when the source does not hold it. */
export type BlockReader = (cid: string, signal: AbortSignal | undefined) => Promise<Uint8Array | undefined>;

/** How a rotated manifest stands. */
export type KeyChainVerdict =
  /** Its chain reaches the creator's version 1, every step valid: it speaks for `creator`. */
  | { readonly kind: 'proven'; readonly creator: string }
  /** A step breaks the rules (a forgery or a broken chain): the manifest counts for nothing. */
  | { readonly kind: 'broken'; readonly code: string; readonly message: string }
  /** The source could not show the chain: the manifest speaks only for the key that signed it. */
  | { readonly kind: 'unproven'; readonly message: string };

/** Versions walked back at most for one manifest: a longer chain is left unproven. */
export const MAX_CHAIN_WALK = 10_000;

/** Proven manifests remembered (the oldest forgotten first); a forgotten one is walked again. */
const MAX_PROVEN = 65_536;

/** True when a manifest's creator is not self-evident: another key signs, or it rotates. */
export function needsKeyChain(m: Pick<VerifiedManifest, 'creator' | 'issuer' | 'rotatedFrom'>): boolean {
  return m.creator !== m.issuer || m.rotatedFrom !== undefined;
}

/** Proves key chains against one source; one per verifier. */
export class KeyChains {
  readonly #read: BlockReader | undefined;
  /** CID → the creator its chain was proven to reach. */
  readonly #proven = new Map<string, string>();

  constructor(read: BlockReader | undefined) {
    this.#read = read;
  }

  /**
   * Walks `manifest`'s chain back to version 1 (or to a manifest proven before), checking every
   * step. Verifies each block it reads as a canonical manifest under the CID its successor names.
   */
  async prove(manifest: VerifiedManifest, signal?: AbortSignal): Promise<KeyChainVerdict> {
    const creator = manifest.creator;
    const walked: string[] = [];
    let current: ChainLink = manifest;
    for (let steps = 0; ; steps++) {
      if (this.#proven.get(current.cid) === creator) break;
      walked.push(current.cid);
      if (current.version === 1 || current.previous === undefined) {
        if (current.issuer !== creator) {
          return {
            kind: 'broken',
            code: 'ROTATION_CREATOR_MISMATCH',
            message: `the chain of ${manifest.cid} starts at ${current.issuer}, not at its creator ${creator}`,
          };
        }
        break;
      }
      if (steps >= MAX_CHAIN_WALK)
        return { kind: 'unproven', message: `its chain is longer than ${MAX_CHAIN_WALK} versions` };
      if (this.#read === undefined)
        return { kind: 'unproven', message: 'the source cannot show the versions before it' };
      const cid: string = current.previous;
      const bytes = await this.#read(cid, signal);
      if (bytes === undefined)
        return {
          kind: 'unproven',
          message: `the source does not hold version ${current.version - 1} (${cid})`,
        };
      // Bytes that are not the block named are the source's fault, not the manifest's: unproven.
      if (blockCid(bytes) !== cid)
        return { kind: 'unproven', message: `the source's bytes for ${cid} hash to another CID` };
      // The block named is itself no valid manifest: the chain is broken for good.
      const previous = await verifyManifest(bytes, { requireCanonical: true });
      if (!previous.ok) {
        return {
          kind: 'broken',
          code: previous.code,
          message: `version ${current.version - 1}: ${previous.message}`,
        };
      }
      const step = checkChain(previous.value, current);
      if (!step.ok) return { kind: 'broken', code: step.code, message: step.message };
      current = previous.value;
    }
    for (const cid of walked) this.#remember(cid, creator);
    return { kind: 'proven', creator };
  }

  #remember(cid: string, creator: string): void {
    this.#proven.delete(cid);
    this.#proven.set(cid, creator);
    if (this.#proven.size > MAX_PROVEN) {
      const oldest = this.#proven.keys().next().value as string;
      this.#proven.delete(oldest);
    }
  }
}
