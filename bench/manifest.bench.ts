/**
 * `@assent/manifest` benchmarks (DESIGN §5): manifest verification against a baseline of JCS +
 * node:crypto Ed25519 verify on the same documents (bar ≥ 0.7×), signing, and CIDs.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import {
  deriveNextDraft,
  generateIdentity,
  type Identity,
  manifestCid,
  type SignedManifest,
  signManifest,
  verifyManifest,
} from '@assent/manifest';
import canonicalizeBaseline from 'canonicalize';
import { base58btc } from 'multiformats/bases/base58';
import { type Comparison, type ComparisonResult, compare } from './harness.js';

const DOCS = 2000;
const CREATORS = 50;
const CONCURRENCY = 64;

function spki(publicKey: Uint8Array): KeyObject {
  return createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]),
    format: 'der',
    type: 'spki',
  });
}

function pkcs8(secretKey: Uint8Array): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), secretKey]),
    format: 'der',
    type: 'pkcs8',
  });
}

const jcs = (value: unknown) => canonicalizeBaseline(value) as string;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** A typical manifest: a dozen works, a default policy and one conditional grant (~2 KB). */
function draftFor(creator: number, n: number) {
  return {
    default: { 'train-genai': 'deny' as const, search: 'allow' as const },
    works: Array.from({ length: 12 }, (_, i) => ({
      ids: [`isrc:QZ${String(creator).padStart(3, '0')}26${String(n * 12 + i).padStart(5, '0')}`],
      title: `Track ${i + 1}`,
      ...(i === 0
        ? {
            policy: {
              'ai-input': {
                decision: 'conditional' as const,
                conditions: { attribution: `Artist ${creator}` },
              },
            },
          }
        : {}),
    })),
  };
}

/** The baseline's work for one document: parse, JCS of document and proof config, two SHA-256, verify. */
function baselineVerify(bytes: Uint8Array, keys: Map<string, KeyObject>, decoder: TextDecoder): boolean {
  const doc = JSON.parse(decoder.decode(bytes)) as {
    proof: { proofValue: string; verificationMethod: string };
  };
  const { proof, ...unsecured } = doc;
  const { proofValue, ...config } = proof;
  const data = Buffer.concat([sha256(jcs(config)), sha256(jcs(unsecured))]);
  const key = keys.get(proof.verificationMethod) as KeyObject;
  return verify(null, data, key, base58btc.decode(proofValue));
}

export async function manifestBenchmarks(): Promise<ComparisonResult[]> {
  const identities: Identity[] = [];
  for (let i = 0; i < CREATORS; i++) identities.push(await generateIdentity());
  const keys = new Map(identities.map((id) => [id.verificationMethod, spki(id.publicKey)]));
  const signed: SignedManifest[] = [];
  for (let i = 0; i < DOCS; i++) {
    const identity = identities[i % CREATORS] as Identity;
    signed.push(await signManifest(draftFor(i % CREATORS, i), { identity }));
  }
  const docs = signed.map((s) => s.bytes);
  const decoder = new TextDecoder();
  const meanBytes = Math.round(docs.reduce((n, d) => n + d.length, 0) / docs.length);

  const baselineAll = () => {
    for (const bytes of docs)
      if (!baselineVerify(bytes, keys, decoder)) throw new Error('baseline rejected a manifest');
  };

  const verifySerial: Comparison = {
    name: `verifyManifest, awaited one at a time (${meanBytes} B docs; latency, no bar)`,
    unit: 'manifests',
    bar: null,
    baselineName: 'JSON.parse + JCS + node:crypto verify',
    ops: DOCS,
    baseline: baselineAll,
    candidate: async () => {
      for (const bytes of docs)
        if (!(await verifyManifest(bytes)).ok) throw new Error('rejected a valid manifest');
    },
  };

  const verifyConcurrent: Comparison = {
    ...verifySerial,
    name: `verifyManifest throughput, ${CONCURRENCY} in flight (${meanBytes} B docs)`,
    bar: 0.7,
    candidate: async () => {
      for (let i = 0; i < docs.length; i += CONCURRENCY) {
        const results = await Promise.all(
          docs.slice(i, i + CONCURRENCY).map((bytes) => verifyManifest(bytes)),
        );
        if (results.some((r) => !r.ok)) throw new Error('rejected a valid manifest');
      }
    },
  };

  const me = identities[0] as Identity;
  const privateKey = pkcs8(me.secretKey);
  const SIGNS = 300;
  const signing: Comparison = {
    name: 'signManifest (draft → signed, verified, CID)',
    unit: 'manifests',
    bar: null,
    baselineName: 'JCS + node:crypto sign',
    ops: SIGNS,
    baseline: () => {
      for (let i = 0; i < SIGNS; i++) {
        const unsigned = { ...(signed[i] as SignedManifest).manifest, proof: undefined };
        sign(null, Buffer.concat([sha256(jcs({ created: 'x' })), sha256(jcs(unsigned))]), privateKey);
      }
    },
    candidate: async () => {
      for (let i = 0; i < SIGNS; i++) await signManifest(draftFor(0, i), { identity: me });
    },
  };

  const manifests = signed.map((s) => s.manifest);
  const cids: Comparison = {
    name: 'manifestCid',
    unit: 'CIDs',
    bar: null,
    baselineName: 'JCS (canonicalize) + node:crypto SHA-256',
    ops: DOCS,
    baseline: () => {
      for (const m of manifests) sha256(jcs(m));
    },
    candidate: () => {
      for (const m of manifests) manifestCid(m);
    },
  };

  // A label's catalog (issue 16): the CLI's path from a list of ISRCs to signed blocks, against only
  // canonicalizing and hashing the blocks it ends with.
  const CATALOG = 100_000;
  const isrcs = Array.from({ length: CATALOG }, (_, i) => `isrc:QZDZ5${String(i).padStart(7, '0')}`);
  const draftAndSign = async () => {
    const next = deriveNextDraft({ works: [] }, [
      { op: 'add-works', works: isrcs.map((id) => ({ ids: [id] })) },
      { op: 'set', uses: ['train-genai'], statement: 'deny' },
      { op: 'set', uses: ['search'], statement: 'allow' },
    ]);
    if (!next.ok) throw new Error(next.message);
    return signManifest(next.value, { identity: me });
  };
  const catalog = await draftAndSign();
  const blocks = [{ ...catalog.manifest, proof: undefined }, ...catalog.pages.map((p) => p.page)];
  const catalogSigning: Comparison = {
    name: `draft + sign a ${CATALOG.toLocaleString('en')}-work catalog (deriveNextDraft, signManifest: ${catalog.pages.length} pages)`,
    unit: 'works',
    bar: null,
    baselineName: 'JCS (canonicalize) + node:crypto SHA-256 of the same blocks',
    ops: CATALOG,
    baseline: () => {
      for (const block of blocks) sha256(jcs(block));
    },
    candidate: async () => {
      await draftAndSign();
    },
  };

  const results: ComparisonResult[] = [];
  for (const c of [verifySerial, verifyConcurrent, signing, cids]) results.push(await compare(c));
  results.push(await compare(catalogSigning, 3));
  return results;
}
