import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { MANIFEST_CONTEXT } from './context.js';
import { createProof, verifySecuredDocument } from './data-integrity/eddsa-jcs-2022.js';
import type { Identity } from './did-key.js';
import { AssentError, fail, ok, type Result, unwrap } from './errors.js';
import { normalizeIdentity } from './identity-link.js';
import { canonicalBytes, canonicalize, isCanonical } from './jcs.js';
import { type KeyState, nextKeyHashOfDid } from './key-state.js';
import {
  type CatalogPage,
  type ConsentManifest,
  catalogPageSchema,
  consentManifestSchema,
  failureFromZod,
  MAX_BLOCK_BYTES,
  MAX_CATALOG_PAGES,
  type ManifestDraft,
  manifestDraftSchema,
  type UnsignedManifest,
  type Work,
} from './schema.js';
import { sha256 } from './sha256.js';
import { type JsonObject, type JsonValue, parseJson } from './strict-json.js';
import { normalizeWorkId } from './work-id.js';

/** Multicodec `json` (0x0200): manifests and catalog pages are stored as their JCS bytes. */
export const JSON_CODEC = 0x0200;
/** Multicodec `sha2-256`. */
const SHA2_256 = 0x12;

/** The default room for works inside the manifest itself; the rest goes to catalog pages. */
export const DEFAULT_INLINE_BUDGET_BYTES = 256 * 1024;

/** A content-addressed block: canonical bytes and their CID. */
export interface Block {
  readonly cid: string;
  readonly bytes: Uint8Array;
}

/** A catalog page with its block. */
export interface CatalogPageBlock extends Block {
  readonly page: CatalogPage;
}

/** A manifest whose form and signature have been verified. */
export interface VerifiedManifest extends Block {
  readonly manifest: ConsentManifest;
  readonly issuer: string;
  readonly version: number;
  readonly previous: string | undefined;
  /** CIDs of the catalog pages the manifest binds; verify each with {@link verifyCatalogPage}. */
  readonly catalog: readonly string[];
  /**
   * The creator (spec §5.5): the did:key that issued version 1 of the chain, for the chain's whole
   * life — `credentialSubject.creator` when another key signed, else the issuer.
   */
  readonly creator: string;
  /** The keys that may sign the next rotation (`credentialSubject.keyState`), if the chain commits. */
  readonly keyState: KeyState | undefined;
  /** On a rotation: the key this version's issuer replaces (`credentialSubject.rotation.from`). */
  readonly rotatedFrom: string | undefined;
}

/** A freshly signed manifest and the catalog pages it references. */
export interface SignedManifest extends VerifiedManifest {
  readonly pages: readonly CatalogPageBlock[];
}

/**
 * Where a new version starts from: the creator's current head (a {@link VerifiedManifest} is one).
 * Its key fields carry the chain's creator and commitment forward; without them the new version
 * names no creator and carries no commitment, which a chain that commits refuses.
 */
export interface ManifestHead {
  readonly cid: string;
  readonly version: number;
  readonly issuer?: string | undefined;
  readonly creator?: string | undefined;
  readonly keyState?: KeyState | undefined;
}

/** Options of {@link signManifest}. */
export interface SignManifestOptions {
  /** The creator's identity (its secret key signs). */
  readonly identity: Pick<Identity, 'did' | 'verificationMethod' | 'secretKey'>;
  /** The creator's current head; the new manifest is its next version. Omit for version 1. */
  readonly head?: ManifestHead | undefined;
  /** Proof creation time, and `validFrom` unless the draft sets one. Defaults to now, to the second. */
  readonly created?: string;
  /** Bytes of works kept inline before the rest goes to catalog pages (default 256 KiB). */
  readonly inlineBudgetBytes?: number;
  /**
   * The keys that may sign the next rotation, as {@link nextKeyHash}es (spec §5.5): version 1 and a
   * rotation commit with them. An ordinary version carries its head's commitment unchanged, and takes
   * these only when the head commits to none.
   */
  readonly nextKeyHashes?: readonly string[] | undefined;
  /**
   * Sign a rotation (spec §5.5): `identity` is a key the head committed to, and replaces the head's
   * issuer. Needs the head's `issuer` and new `nextKeyHashes`. `head` may be an earlier version than
   * the newest (a recovery). Whether the head committed to this key is the chain's rule
   * ({@link checkChain}), not checked here.
   */
  readonly rotation?: boolean;
}

/** Options of {@link verifyManifest}. */
export interface VerifyManifestOptions {
  /**
   * Require the input bytes to be the manifest's canonical (JCS) form, as blocks from peers and
   * stores must be. Ignored for object input.
   */
  readonly requireCanonical?: boolean;
}

/** The CID (v1, codec json, sha2-256, base32) of canonical bytes. */
export function blockCid(bytes: Uint8Array): string {
  return CID.createV1(JSON_CODEC, Digest.create(SHA2_256, sha256(bytes))).toString();
}

/**
 * The CID of a manifest: CIDv1, codec json (0x0200), sha2-256 over its exact JCS bytes.
 * @example
 * manifestCid(signed.manifest) === signed.cid; // 'bagaaiera…'
 */
export function manifestCid(manifest: ConsentManifest | JsonObject): string {
  return blockCid(canonicalBytes(manifest as JsonObject));
}

function decode(input: Uint8Array | string | JsonObject): Result<JsonValue> {
  if (typeof input === 'string' || input instanceof Uint8Array)
    return parseJson(input, { maxBytes: MAX_BLOCK_BYTES });
  if (typeof input !== 'object' || input === null)
    throw new TypeError('expected JSON text, bytes or an object');
  return ok(input);
}

/** The canonical text of a value that came in as an object, where a caller may have put non-JSON values. */
function canonicalOf(value: JsonValue): Result<string> {
  try {
    return ok(canonicalize(value));
  } catch (cause) {
    return fail('MANIFEST_SCHEMA', `not a JSON document: ${(cause as Error).message}`);
  }
}

/**
 * Parses a manifest from untrusted JSON text, bytes or an object: strict JSON, then the schema. Does not
 * check the signature; use {@link verifyManifest} for that.
 */
export function parseManifest(input: Uint8Array | string | JsonObject): Result<ConsentManifest> {
  const value = decode(input);
  if (!value.ok) return value;
  const parsed = consentManifestSchema.safeParse(value.value);
  if (!parsed.success) return failureFromZod(parsed.error);
  if (parsed.data.proof === undefined) return fail('PROOF_MISSING', 'the manifest has no proof', '/proof');
  return ok(parsed.data);
}

/**
 * Verifies a manifest completely, offline: strict JSON, schema, size, and the `eddsa-jcs-2022` proof by
 * the issuer's own key. Returns the manifest with its CID and canonical bytes. Never throws for bad input.
 * @example
 * const result = await verifyManifest(bytes);
 * if (result.ok) console.log(result.value.cid, result.value.version);
 */
export async function verifyManifest(
  input: Uint8Array | string | JsonObject,
  options: VerifyManifestOptions = {},
): Promise<Result<VerifiedManifest>> {
  const value = decode(input);
  if (!value.ok) return value;
  const parsed = consentManifestSchema.safeParse(value.value);
  if (!parsed.success) return failureFromZod(parsed.error);
  const manifest = parsed.data;
  const canonical = canonicalOf(value.value);
  if (!canonical.ok) return canonical;
  const bytes = new TextEncoder().encode(canonical.value);
  if (bytes.length > MAX_BLOCK_BYTES)
    return fail('MANIFEST_TOO_LARGE', `a manifest is at most ${MAX_BLOCK_BYTES} bytes`);
  if (options.requireCanonical === true && (typeof input === 'string' || input instanceof Uint8Array)) {
    const raw = typeof input === 'string' ? new TextEncoder().encode(input) : input;
    if (!sameBytes(raw, bytes))
      return fail('NOT_CANONICAL', 'the manifest bytes are not its JCS canonical form');
  }
  const proof = await verifySecuredDocument(value.value, 'assertionMethod', canonical.value);
  if (!proof.ok) return proof;
  // The spec lets a proof's @context be a prefix of the document's; ours must be all of it, or the
  // signature would cover a document that names fewer contexts than the one stored.
  const proofContext = manifest.proof?.['@context'];
  if (proofContext !== undefined && canonicalize(proofContext) !== canonicalize(manifest['@context'])) {
    return fail(
      'PROOF_CONTEXT_MISMATCH',
      "the proof's @context must equal the manifest's",
      '/proof/@context',
    );
  }
  // The key that signed must be the issuer's: a valid signature by anyone else proves nothing.
  if (proof.value.controller !== manifest.issuer) {
    return fail(
      'PROOF_ISSUER_MISMATCH',
      'the proof was not made with the issuer’s key',
      '/proof/verificationMethod',
    );
  }
  const subject = manifest.credentialSubject;
  return ok({
    manifest,
    cid: blockCid(bytes),
    bytes,
    issuer: manifest.issuer,
    version: subject.version,
    previous: subject.previous,
    catalog: subject.catalog ?? [],
    creator: subject.creator ?? manifest.issuer,
    keyState: subject.keyState,
    rotatedFrom: subject.rotation?.from,
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Verifies a catalog page block fetched by the CID a verified manifest names: the bytes must hash to that
 * CID, be canonical, fit the schema and belong to the same issuer.
 */
export function verifyCatalogPage(
  bytes: Uint8Array,
  expected: { cid: string; issuer: string },
): Result<CatalogPage> {
  if (bytes.length > MAX_BLOCK_BYTES)
    return fail('CATALOG_PAGE_INVALID', `a catalog page is at most ${MAX_BLOCK_BYTES} bytes`);
  if (blockCid(bytes) !== expected.cid)
    return fail('CID_MISMATCH', `the page bytes do not hash to ${expected.cid}`);
  const canonical = isCanonical(bytes, { maxBytes: MAX_BLOCK_BYTES });
  if (!canonical.ok) return canonical;
  const parsed = catalogPageSchema.safeParse(canonical.value);
  if (!parsed.success) {
    const failure = failureFromZod(parsed.error);
    return fail('CATALOG_PAGE_INVALID', failure.message, failure.path);
  }
  if (parsed.data.issuer !== expected.issuer)
    return fail('CATALOG_PAGE_INVALID', 'the catalog page names another issuer', '/issuer');
  return ok(parsed.data);
}

/** The chain facts of a manifest that {@link checkChain} weighs: all of a {@link VerifiedManifest}'s. */
export type ChainLink = Pick<
  VerifiedManifest,
  'cid' | 'issuer' | 'version' | 'previous' | 'creator' | 'keyState' | 'rotatedFrom'
>;

function sameKeyState(a: KeyState | undefined, b: KeyState | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalize(a as unknown as JsonObject) === canonicalize(b as unknown as JsonObject);
}

/**
 * The key rules of one step of a chain (spec §5.5): the same creator; an ordinary version is signed
 * by its predecessor's key and carries its commitment unchanged (or makes the first one); a rotation
 * is signed by a key its predecessor committed to, replacing the key that signed the predecessor.
 */
function checkKeys(previous: ChainLink, next: Omit<ChainLink, 'cid'>): Result<true> {
  if (next.creator !== previous.creator) {
    return fail(
      'ROTATION_CREATOR_MISMATCH',
      `version ${next.version} belongs to ${next.creator}, its predecessor to ${previous.creator}`,
    );
  }
  if (next.rotatedFrom === undefined) {
    if (next.issuer !== previous.issuer)
      return fail('CHAIN_ISSUER_MISMATCH', 'the two manifests have different issuers');
    if (previous.keyState !== undefined && !sameKeyState(previous.keyState, next.keyState)) {
      return fail(
        'KEY_COMMITMENT_CHANGED',
        `version ${next.version} changes its predecessor's keyState; only a rotation commits anew`,
      );
    }
    return ok(true);
  }
  if (next.rotatedFrom !== previous.issuer) {
    return fail(
      'ROTATION_CREATOR_MISMATCH',
      `version ${next.version} rotates from ${next.rotatedFrom}, but ${previous.issuer} signed its predecessor`,
    );
  }
  const committed = previous.keyState?.nextKeyHashes ?? [];
  if (!committed.includes(nextKeyHashOfDid(next.issuer))) {
    return fail(
      'NEXT_KEY_NOT_COMMITTED',
      `version ${next.version} is signed by ${next.issuer}, a key its predecessor did not commit to`,
    );
  }
  if (next.keyState === undefined)
    return fail('EMPTY_NEXT_KEYS', `rotation ${next.version} commits to no next key`);
  return ok(true);
}

/**
 * Checks that `next` is the version after `previous` in one creator's chain (spec §5), under the key
 * rules of §5.5. A recovery is a rotation whose `previous` is an earlier version than the newest: each
 * step is checked alone, and which branch stands is the verifier's rule, not this one's.
 */
export function checkChain(previous: ChainLink, next: Omit<ChainLink, 'cid'>): Result<true> {
  const keys = checkKeys(previous, next);
  if (!keys.ok) return keys;
  if (next.version !== previous.version + 1) {
    return fail('CHAIN_VERSION_GAP', `version ${next.version} cannot follow version ${previous.version}`);
  }
  if (next.previous !== previous.cid) {
    return fail(
      'CHAIN_PREVIOUS_MISMATCH',
      `version ${next.version} names ${String(next.previous)}, not ${previous.cid}`,
    );
  }
  return ok(true);
}

/**
 * The largest draft text {@link parseDraft} reads: a draft is not a block, it holds every work before
 * they are cut into pages (at most {@link MAX_CATALOG_PAGES} pages of 1 MiB plus the manifest), and a
 * pretty-printed draft is about twice its canonical size.
 */
export const MAX_DRAFT_BYTES = 2 * (MAX_CATALOG_PAGES + 1) * MAX_BLOCK_BYTES;

/**
 * Parses a creator's draft: strict JSON (up to {@link MAX_DRAFT_BYTES}), the draft schema, then every
 * work id normalized. A work id named twice (in any spelling) is an error rather than a silent merge.
 */
export function parseDraft(input: Uint8Array | string | JsonObject): Result<ManifestDraft> {
  const value =
    typeof input === 'string' || input instanceof Uint8Array
      ? parseJson(input, { maxBytes: MAX_DRAFT_BYTES })
      : decode(input);
  if (!value.ok) return value;
  const parsed = manifestDraftSchema.safeParse(value.value);
  if (!parsed.success) return failureFromZod(parsed.error);
  // The schema checked each identity, and duplicates among their normal forms: keep the normal forms.
  const draft: ManifestDraft =
    parsed.data.identities === undefined
      ? parsed.data
      : { ...parsed.data, identities: parsed.data.identities.map((link) => unwrap(normalizeIdentity(link))) };
  if (draft.works === undefined) return ok(draft);
  const seen = new Set<string>();
  const works: Work[] = [];
  for (const [w, work] of draft.works.entries()) {
    const ids: string[] = [];
    for (const [i, raw] of work.ids.entries()) {
      const id = normalizeWorkId(raw);
      if (!id.ok) return { ...id, path: `/works/${w}/ids/${i}` };
      if (seen.has(id.value))
        return fail('MANIFEST_SCHEMA', `work id ${id.value} is named more than once`, `/works/${w}/ids/${i}`);
      seen.add(id.value);
      ids.push(id.value);
    }
    works.push({ ...work, ids });
  }
  return ok({ ...draft, works });
}

function nowToTheSecond(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

/** Splits works into those kept inline and catalog pages of at most one block each. */
function packWorks(
  works: readonly Work[],
  issuer: string,
  inlineBudget: number,
): { inline: Work[]; pages: CatalogPageBlock[] } {
  const sizes = works.map((w) => canonicalBytes(w as JsonObject).length + 1);
  const inline: Work[] = [];
  let used = 0;
  let i = 0;
  for (; i < works.length && used + (sizes[i] as number) <= inlineBudget; i++) {
    used += sizes[i] as number;
    inline.push(works[i] as Work);
  }
  const pages: CatalogPageBlock[] = [];
  const overhead = canonicalBytes({ issuer, type: 'ConsentCatalogPage', works: [] }).length;
  while (i < works.length) {
    const pageWorks: Work[] = [];
    let size = overhead;
    for (
      ;
      i < works.length && (pageWorks.length === 0 || size + (sizes[i] as number) <= MAX_BLOCK_BYTES);
      i++
    ) {
      size += sizes[i] as number;
      pageWorks.push(works[i] as Work);
    }
    const page: CatalogPage = { type: 'ConsentCatalogPage', issuer, works: pageWorks };
    const bytes = canonicalBytes(page as JsonObject);
    if (bytes.length > MAX_BLOCK_BYTES)
      throw new AssentError('CATALOG_TOO_LARGE', 'a single work does not fit in a catalog page');
    pages.push({ cid: blockCid(bytes), bytes, page });
  }
  if (pages.length > MAX_CATALOG_PAGES) {
    throw new AssentError(
      'CATALOG_TOO_LARGE',
      `the works need ${pages.length} catalog pages; at most ${MAX_CATALOG_PAGES} are allowed`,
    );
  }
  return { inline, pages };
}

/**
 * The key fields of a new version (spec §5.5): its commitment, and on a key other than the creator's
 * first, the creator it belongs to and, for a rotation, the key it replaces.
 * @throws AssentError `EMPTY_NEXT_KEYS` for a rotation without new hashes, `KEY_COMMITMENT_CHANGED`
 * for new hashes on an ordinary version whose head already commits.
 */
function keyFieldsOf(
  did: string,
  head: ManifestHead | undefined,
  options: Pick<SignManifestOptions, 'nextKeyHashes' | 'rotation'>,
): Pick<UnsignedManifest['credentialSubject'], 'keyState' | 'creator' | 'rotation'> {
  const fresh =
    options.nextKeyHashes === undefined ? undefined : { nextKeyHashes: [...options.nextKeyHashes] };
  if (head === undefined) {
    if (options.rotation === true) throw new TypeError('a rotation needs the head it follows');
    return fresh === undefined ? {} : { keyState: fresh };
  }
  const creator = head.creator ?? head.issuer;
  const named = creator === undefined || creator === did ? {} : { creator };
  if (options.rotation === true) {
    if (head.issuer === undefined) throw new TypeError('a rotation needs the issuer of its head');
    if (fresh === undefined || fresh.nextKeyHashes.length === 0)
      throw new AssentError('EMPTY_NEXT_KEYS', 'a rotation must commit to the keys that may rotate next');
    return { keyState: fresh, ...named, rotation: { from: head.issuer } };
  }
  if (head.keyState === undefined) return { ...(fresh === undefined ? {} : { keyState: fresh }), ...named };
  if (fresh !== undefined && !sameKeyState(fresh, head.keyState))
    throw new AssentError('KEY_COMMITMENT_CHANGED', 'only a rotation may commit to other keys');
  return { keyState: { nextKeyHashes: [...head.keyState.nextKeyHashes] }, ...named };
}

/**
 * Signs a creator's draft as the next manifest of their chain: works are normalized, what does not fit
 * inline goes to catalog pages (each ≤ 1 MiB, bound by CID), and the whole is signed with
 * `eddsa-jcs-2022`.
 * @throws AssentError with the draft's failure code when the draft is invalid, or `CATALOG_TOO_LARGE`.
 * @example
 * const me = await generateIdentity();
 * const v1 = await signManifest({ default: { 'train-genai': 'deny', search: 'allow' }, works: [{ ids: ['isrc:USRC17607839'] }] }, { identity: me });
 * const v2 = await signManifest(nextDraft, { identity: me, head: v1 });
 */
export async function signManifest(
  draft: ManifestDraft | JsonObject | string,
  options: SignManifestOptions,
): Promise<SignedManifest> {
  const parsed = parseDraft(draft as JsonObject);
  if (!parsed.ok) {
    throw new AssentError(
      parsed.code,
      parsed.message,
      parsed.path === undefined ? {} : { path: parsed.path },
    );
  }
  const { identity, head } = options;
  const created = options.created ?? nowToTheSecond();
  const keys = keyFieldsOf(identity.did, head, options);
  const { inline, pages } = packWorks(
    parsed.value.works ?? [],
    identity.did,
    options.inlineBudgetBytes ?? DEFAULT_INLINE_BUDGET_BYTES,
  );
  const subject: UnsignedManifest['credentialSubject'] = {
    version: head === undefined ? 1 : head.version + 1,
    ...(head === undefined ? {} : { previous: head.cid }),
    ...(parsed.value.default === undefined ? {} : { default: parsed.value.default }),
    works: inline,
    ...(pages.length === 0 ? {} : { catalog: pages.map((p) => p.cid) }),
    ...(parsed.value.identities === undefined ? {} : { identities: parsed.value.identities }),
    ...keys,
  };
  const unsigned: UnsignedManifest = {
    '@context': [...MANIFEST_CONTEXT],
    type: ['VerifiableCredential', 'ConsentManifest'],
    issuer: identity.did,
    validFrom: parsed.value.validFrom ?? created,
    ...(parsed.value.validUntil === undefined ? {} : { validUntil: parsed.value.validUntil }),
    credentialSubject: subject,
  };
  const signed = await createProof(unsigned as JsonObject, {
    secretKey: identity.secretKey,
    verificationMethod: identity.verificationMethod,
    created,
  });
  const verified = await verifyManifest(signed);
  if (!verified.ok)
    throw new AssentError(verified.code, `the signed manifest does not verify: ${verified.message}`);
  return { ...verified.value, pages };
}
