/**
 * `@assent/verifier` benchmark (DESIGN §5 has no bar for it; reported only): `checkStream` throughput
 * in memory over 1,000,000 works of 100,000 creators (one signed manifest each, 10 works per
 * manifest), against a same-run baseline that answers the same question with a plain `Map` from work
 * id to (work policy, manifest default) and the same term resolution inlined — no normalization,
 * verification, rollback memory, evidence or reasons. The verifier's cache is warm (every manifest
 * verified once in the warm-up); the cold first pass, which verifies all 100,000 signatures, is
 * printed separately. Manifests are signed here with node:crypto over the `eddsa-jcs-2022` inputs of
 * `@assent/manifest/data-integrity` (noble would take ~2.5 min for 100,000); the verifier checks every
 * one. `ASSENT_BENCH_CREATORS` scales the run down.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import {
  ancestorsOf,
  canonicalBytes,
  didKeyFromPublicKey,
  type JsonObject,
  MANIFEST_CONTEXT,
  type UseTerm,
  verificationMethodOf,
} from '@assent/manifest';
import { proofInputs } from '@assent/manifest/data-integrity';
import { createVerifier, memorySource } from '@assent/verifier';
import { base58btc } from 'multiformats/bases/base58';
import { type ComparisonResult, compare } from './harness.js';

const CREATORS = Number(process.env.ASSENT_BENCH_CREATORS ?? 100_000);
const WORKS_PER_CREATOR = 10;
const USE: UseTerm = 'train-genai';
const CREATED = '2026-01-01T00:00:00Z';

function isrcOf(n: number): string {
  const registrant = Math.floor(n / 100_000)
    .toString(36)
    .toUpperCase()
    .padStart(3, '0');
  return `isrc:QZ${registrant}26${String(n % 100_000).padStart(5, '0')}`;
}

type Statement = string | { decision: string; conditions?: Record<string, unknown> };
type Policy = Partial<Record<UseTerm, Statement>>;

function subjectOf(creator: number) {
  const works = Array.from({ length: WORKS_PER_CREATOR }, (_, i) => {
    const n = creator * WORKS_PER_CREATOR + i;
    const policy: Policy | undefined =
      i === 0
        ? { 'ai-input': { decision: 'conditional', conditions: { attribution: `Artist ${creator}` } } }
        : i === 1
          ? { 'train-ai': 'allow' }
          : undefined;
    return { ids: [isrcOf(n)], title: `Track ${i + 1}`, ...(policy === undefined ? {} : { policy }) };
  });
  return { version: 1, default: { 'train-genai': 'deny', search: 'allow' }, works };
}

/** One creator's signed manifest: the same eddsa-jcs-2022 proof `signManifest` makes, signed by node:crypto. */
function signedManifest(creator: number): Uint8Array {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'jwk' }).x as string;
  const did = didKeyFromPublicKey(new Uint8Array(Buffer.from(raw, 'base64url')));
  const unsigned = {
    '@context': [...MANIFEST_CONTEXT],
    type: ['VerifiableCredential', 'ConsentManifest'],
    issuer: did,
    validFrom: CREATED,
    credentialSubject: subjectOf(creator),
  } as unknown as JsonObject;
  const config = {
    type: 'DataIntegrityProof',
    cryptosuite: 'eddsa-jcs-2022',
    created: CREATED,
    verificationMethod: verificationMethodOf(did),
    proofPurpose: 'assertionMethod',
    '@context': [...MANIFEST_CONTEXT],
  };
  const { hashData } = proofInputs(unsigned, config);
  const signature = sign(null, hashData, privateKey);
  return canonicalBytes({
    ...unsigned,
    proof: { ...config, proofValue: base58btc.encode(signature) },
  } as JsonObject);
}

/** The baseline's decision: the work's policy for the use or an ancestor, then the default's. */
function baselineDecision(policy: Policy | undefined, defaults: Policy, chain: readonly UseTerm[]): string {
  for (const term of chain) {
    const s = policy?.[term];
    if (s !== undefined) return typeof s === 'string' ? s : s.decision;
  }
  for (const term of chain) {
    const s = defaults[term];
    if (s !== undefined) return typeof s === 'string' ? s : s.decision;
  }
  return 'unknown';
}

export async function verifierBenchmarks(): Promise<ComparisonResult[]> {
  const started = performance.now();
  const manifests = Array.from({ length: CREATORS }, (_, i) => signedManifest(i));
  const signedIn = (performance.now() - started) / 1000;
  const works = Array.from({ length: CREATORS * WORKS_PER_CREATOR }, (_, n) => isrcOf(n));

  const source = memorySource(manifests);
  const verifier = createVerifier({ source, cacheBytes: 1024 * 1024 * 1024 });
  const counts = { allow: 0, deny: 0, conditional: 0, unknown: 0 };
  const candidate = async () => {
    for await (const result of verifier.checkStream({ works, use: USE })) counts[result.decision]++;
  };
  const cold = performance.now();
  await candidate();
  const coldSeconds = (performance.now() - cold) / 1000;
  if (counts.deny !== CREATORS * (WORKS_PER_CREATOR - 1) || counts.allow !== CREATORS) {
    throw new Error(`unexpected decisions: ${JSON.stringify(counts)}`);
  }

  const index = new Map<string, { policy: Policy | undefined; defaults: Policy }>();
  for (let c = 0; c < CREATORS; c++) {
    const subject = subjectOf(c);
    for (const w of subject.works)
      index.set(w.ids[0] as string, { policy: w.policy, defaults: subject.default as Policy });
  }
  const chain = [USE, ...ancestorsOf(USE)];
  let sink = 0;
  const baseline = () => {
    for (const work of works) {
      const hit = index.get(work);
      if (hit !== undefined && baselineDecision(hit.policy, hit.defaults, chain) === 'deny') sink++;
    }
  };
  console.log(
    `[verifier bench] ${CREATORS.toLocaleString('en-US')} creators × ${WORKS_PER_CREATOR} works: signed in ${signedIn.toFixed(1)} s; ` +
      `cold checkStream (verifies every manifest) ${coldSeconds.toFixed(1)} s = ${Math.round(works.length / coldSeconds).toLocaleString('en-US')} works/s`,
  );
  const result = await compare({
    name: `checkStream, in memory, warm cache (${works.length.toLocaleString('en-US')} works, ${CREATORS.toLocaleString('en-US')} creators)`,
    unit: 'works',
    bar: null,
    baselineName: 'Map lookup + inlined term resolution',
    ops: works.length,
    candidate,
    baseline,
  });
  if (sink < 0) console.log(sink);
  return [result];
}
