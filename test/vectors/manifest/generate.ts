/**
 * Writes `manifest-vectors.json`: our conformance corpus for consent manifests, in a Wycheproof-like
 * shape. Most cases must fail, each with its error code. Signing is deterministic (fixed keys and
 * times), so running this again reproduces the file byte for byte: `pnpm vectors`.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  canonicalize,
  type ErrorCode,
  identityFromSecretKey,
  type JsonObject,
  type ManifestDraft,
  signManifest,
} from '@assent/manifest';
import { createProof } from '@assent/manifest/data-integrity';
import { base58btc } from 'multiformats/bases/base58';
import { CID } from 'multiformats/cid';

export interface ManifestVector {
  id: number;
  comment: string;
  /** The exact JSON text a verifier is given. */
  input: string;
  result: 'valid' | 'invalid';
  /** The expected error code of an invalid case. */
  code?: ErrorCode;
}

const seed = (byte: number) => new Uint8Array(32).map((_, i) => (byte + i * 7) & 0xff);
const creator = await identityFromSecretKey(seed(1));
const stranger = await identityFromSecretKey(seed(2));
const created = '2026-11-26T10:00:00Z';

const draft: ManifestDraft = {
  default: { 'train-genai': 'deny', search: 'allow' },
  works: [
    {
      ids: ['isrc:USRC17607839', 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
      title: 'Track',
      policy: {
        'ai-input': {
          decision: 'conditional',
          conditions: { attribution: 'The Flight', licensees: ['did:web:example.ai'] },
        },
      },
    },
    { ids: ['url-prefix:https://soundcloud.com/the-flight/'] },
  ],
  validUntil: '2027-11-26T10:00:00Z',
};

const v1 = await signManifest(draft, { identity: creator, created });
const v2 = await signManifest(
  { ...draft, default: { all: 'deny' } },
  { identity: creator, created, head: v1 },
);
const base = JSON.parse(new TextDecoder().decode(v1.bytes)) as JsonObject;
const unsigned = (() => {
  const { proof: _proof, ...rest } = base;
  return rest;
})();

const cases: Omit<ManifestVector, 'id'>[] = [];
const valid = (comment: string, input: string) => cases.push({ comment, input, result: 'valid' });
const invalid = (comment: string, input: string, code: ErrorCode) =>
  cases.push({ comment, input, result: 'invalid', code });

/** A copy of the signed v1 with `edit` applied and the signature left as it was (tampering). */
function tampered(edit: (m: JsonObject) => void): string {
  const copy = structuredClone(base);
  edit(copy);
  return canonicalize(copy);
}

/** A copy of the unsigned v1 with `edit` applied, then signed properly: the schema alone must reject it. */
async function resigned(edit: (m: JsonObject) => void, by = creator): Promise<string> {
  const copy = structuredClone(unsigned);
  edit(copy);
  return canonicalize(
    await createProof(copy, { secretKey: by.secretKey, verificationMethod: by.verificationMethod, created }),
  );
}

/** The canonical v1 text with one substring replaced; throws if it is absent, so no case is vacuous. */
function edited(from: string, to: string): string {
  const text = canonicalize(base);
  if (!text.includes(from)) throw new Error(`generator: ${from} not found`);
  return text.replace(from, to);
}

const subject = (m: JsonObject) => m.credentialSubject as JsonObject;
const firstWork = (m: JsonObject) => (subject(m).works as JsonObject[])[0] as JsonObject;
const proof = (m: JsonObject) => m.proof as JsonObject;

valid('version 1, canonical bytes', new TextDecoder().decode(v1.bytes));
valid('version 2 naming version 1', new TextDecoder().decode(v2.bytes));
valid('version 1 pretty-printed: verifiers canonicalize before checking', JSON.stringify(base, null, 2));

// Strict JSON (spec §1.1)
invalid(
  'duplicate top-level member',
  edited('{"@context"', '{"issuer":"x","@context"'),
  'JSON_DUPLICATE_KEY',
);
invalid(
  'duplicate member deep in a policy: the last one would win in JSON.parse',
  edited('"train-genai":"deny"', '"train-genai":"deny","train-genai":"allow"'),
  'JSON_DUPLICATE_KEY',
);
invalid(
  'lone surrogate escaped in a title',
  edited('"title":"Track"', '"title":"Track\\ud800"'),
  'JSON_LONE_SURROGATE',
);
invalid('integer beyond 2^53', edited('"version":1', '"version":9007199254740993'), 'JSON_UNSAFE_INTEGER');
invalid('float version', edited('"version":1', '"version":1.0'), 'JSON_FLOAT_NOT_ALLOWED');
invalid('exponent version', edited('"version":1', '"version":1e0'), 'JSON_FLOAT_NOT_ALLOWED');
invalid('trailing comma', edited('"train-genai":"deny"}', '"train-genai":"deny",}'), 'JSON_SYNTAX');
invalid('nesting deeper than 32', `${'['.repeat(33)}${']'.repeat(33)}`, 'JSON_TOO_DEEP');
invalid('not an object', '[]', 'MANIFEST_SCHEMA');

// Schema (spec §2–§3)
invalid('unknown top-level member', await resigned((m) => (m.extra = true)), 'MANIFEST_UNKNOWN_FIELD');
invalid(
  'unknown member in the consent state',
  await resigned((m) => (subject(m).priority = 1)),
  'MANIFEST_UNKNOWN_FIELD',
);
invalid(
  'unknown member in a work',
  await resigned((m) => (firstWork(m).territory = 'US')),
  'MANIFEST_UNKNOWN_FIELD',
);
invalid(
  'unknown use term',
  await resigned((m) => (subject(m).default = { 'train-llm': 'deny' })),
  'MANIFEST_UNKNOWN_TERM',
);
invalid('version 0', await resigned((m) => (subject(m).version = 0)), 'MANIFEST_SCHEMA');
invalid('version 2 without previous', await resigned((m) => (subject(m).version = 2)), 'MANIFEST_SCHEMA');
invalid('version 1 with previous', await resigned((m) => (subject(m).previous = v2.cid)), 'MANIFEST_SCHEMA');
invalid(
  'conditional without conditions',
  await resigned((m) => (subject(m).default = { search: { decision: 'conditional' } })),
  'MANIFEST_SCHEMA',
);
invalid(
  'deny with conditions',
  await resigned(
    (m) => (subject(m).default = { search: { decision: 'deny', conditions: { attribution: 'x' } } }),
  ),
  'MANIFEST_SCHEMA',
);
invalid(
  'empty conditions',
  await resigned((m) => (subject(m).default = { search: { decision: 'conditional', conditions: {} } })),
  'MANIFEST_SCHEMA',
);
invalid(
  'licensee that is neither a DID nor a domain',
  await resigned((m) => {
    (((firstWork(m).policy as JsonObject)['ai-input'] as JsonObject).conditions as JsonObject).licensees = [
      'Example AI',
    ];
  }),
  'MANIFEST_SCHEMA',
);
invalid(
  'work id not in normal form',
  await resigned((m) => (firstWork(m).ids = ['isrc:us-rc1-76-07839'])),
  'WORK_ID_NOT_NORMALIZED',
);
invalid(
  'malformed sha256 id',
  await resigned((m) => (firstWork(m).ids = ['sha256:zz'])),
  'WORK_ID_SHA256_MALFORMED',
);
invalid('malformed ISRC', await resigned((m) => (firstWork(m).ids = ['isrc:123'])), 'WORK_ID_ISRC_MALFORMED');
invalid(
  'javascript: URL',
  await resigned((m) => (firstWork(m).ids = ['url:javascript:alert(1)'])),
  'WORK_ID_URL_SCHEME',
);
invalid(
  'unknown id kind',
  await resigned((m) => (firstWork(m).ids = ['spotify:track:1'])),
  'WORK_ID_UNKNOWN_KIND',
);
invalid('work without ids', await resigned((m) => (firstWork(m).ids = [])), 'MANIFEST_SCHEMA');
invalid(
  'the same work id twice',
  await resigned(
    (m) => (subject(m).works = [{ ids: ['isrc:USRC17607839'] }, { ids: ['isrc:USRC17607839'] }]),
  ),
  'MANIFEST_SCHEMA',
);
invalid(
  'previous is an identity CID',
  await resigned((m) => {
    subject(m).version = 2;
    subject(m).previous = 'bafkqaaa';
  }),
  'CID_IDENTITY_HASH',
);
invalid(
  'validUntil before validFrom',
  await resigned((m) => (m.validUntil = '2025-01-01T00:00:00Z')),
  'MANIFEST_SCHEMA',
);
invalid('impossible date', await resigned((m) => (m.validFrom = '2026-02-30T00:00:00Z')), 'MANIFEST_SCHEMA');
invalid(
  'date with a time zone offset',
  await resigned((m) => (m.validFrom = '2026-11-26T10:00:00+01:00')),
  'MANIFEST_SCHEMA',
);
invalid(
  'contexts in the wrong order',
  await resigned((m) => (m['@context'] = [...(m['@context'] as string[])].reverse())),
  'MANIFEST_SCHEMA',
);
invalid('wrong type', await resigned((m) => (m.type = ['VerifiableCredential'])), 'MANIFEST_SCHEMA');
invalid(
  'issuer is not a did:key',
  await resigned((m) => (m.issuer = 'did:web:example.com')),
  'MANIFEST_SCHEMA',
);
invalid('no proof', canonicalize(unsigned), 'PROOF_MISSING');
invalid(
  'unknown member in the proof',
  tampered((m) => (proof(m).nonce = 'x')),
  'MANIFEST_UNKNOWN_FIELD',
);

// Proof and signature (spec §4)
invalid(
  'title changed after signing',
  tampered((m) => (firstWork(m).title = 'Track 2')),
  'SIGNATURE_INVALID',
);
invalid(
  'deny flipped to allow after signing',
  tampered((m) => ((subject(m).default as JsonObject)['train-genai'] = 'allow')),
  'SIGNATURE_INVALID',
);
invalid(
  'validUntil extended after signing',
  tampered((m) => (m.validUntil = '2099-01-01T00:00:00Z')),
  'SIGNATURE_INVALID',
);
invalid(
  'proof created changed',
  tampered((m) => (proof(m).created = '2026-11-26T10:00:01Z')),
  'SIGNATURE_INVALID',
);
invalid(
  'signed by another key than the issuer’s',
  await resigned(() => {}, stranger),
  'PROOF_ISSUER_MISMATCH',
);
invalid(
  'verification method of another key',
  tampered((m) => (proof(m).verificationMethod = stranger.verificationMethod)),
  'SIGNATURE_INVALID',
);
invalid(
  'verification method fragment does not repeat the key',
  tampered((m) => (proof(m).verificationMethod = `${creator.did}#key-1`)),
  'DID_MALFORMED',
);
invalid(
  'small-order issuer key',
  tampered((m) => {
    const smallOrder = new Uint8Array(32);
    smallOrder[0] = 1;
    const did = `did:key:${base58btc.encode(new Uint8Array([0xed, 0x01, ...smallOrder]))}`;
    m.issuer = did;
    proof(m).verificationMethod = `${did}#${did.slice(8)}`;
  }),
  'KEY_SMALL_ORDER',
);
invalid(
  'S + L: a malleated signature',
  tampered((m) => {
    const sig = base58btc.decode(proof(m).proofValue as string);
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i] as number);
    s += 2n ** 252n + 27742317777372353535851937790883648493n;
    for (let i = 32; i < 64; i++) {
      sig[i] = Number(s & 0xffn);
      s >>= 8n;
    }
    proof(m).proofValue = base58btc.encode(sig);
  }),
  'SIGNATURE_NOT_CANONICAL',
);
invalid(
  'truncated proofValue',
  tampered((m) => (proof(m).proofValue = (proof(m).proofValue as string).slice(0, 40))),
  'SIGNATURE_MALFORMED',
);
invalid(
  'proofValue not multibase',
  tampered((m) => (proof(m).proofValue = 'abc')),
  'SIGNATURE_MALFORMED',
);
invalid(
  'other cryptosuite',
  tampered((m) => (proof(m).cryptosuite = 'eddsa-rdfc-2022')),
  'PROOF_UNSUPPORTED_CRYPTOSUITE',
);
invalid(
  'proof purpose authentication',
  tampered((m) => (proof(m).proofPurpose = 'authentication')),
  'PROOF_PURPOSE_MISMATCH',
);
invalid(
  'proof context shorter than the manifest’s',
  await (async () => {
    // Signed over a document naming only the VC context, then presented with both contexts.
    const copy = structuredClone(unsigned);
    copy['@context'] = ['https://www.w3.org/ns/credentials/v2'];
    const signed = await createProof(copy, {
      secretKey: creator.secretKey,
      verificationMethod: creator.verificationMethod,
      created,
    });
    signed['@context'] = unsigned['@context'] as string[];
    return canonicalize(signed);
  })(),
  'PROOF_CONTEXT_MISMATCH',
);

// Cases below were added later. They go last so that the ids above, which tests and docs cite, stay put.

// Work ids: url-prefix depth (vocabulary "Work identifiers", spec §6)
const directories = (n: number) => Array.from({ length: n }, (_, i) => `d${i + 1}/`).join('');
valid(
  'url-prefix 16 path segments deep: the limit',
  await resigned((m) => (firstWork(m).ids = [`url-prefix:https://example.com/${directories(16)}`])),
);
invalid(
  'url-prefix 17 path segments deep: one over the limit',
  await resigned((m) => (firstWork(m).ids = [`url-prefix:https://example.com/${directories(17)}`])),
  'WORK_ID_URL_MALFORMED',
);

// Block references (spec §1.3): the same sha2-256 digest under the raw codec, not json
const rawCodec = (cid: string) => CID.createV1(0x55, CID.parse(cid).multihash).toString();
invalid(
  'previous is a raw-codec CID',
  await resigned((m) => {
    subject(m).version = 2;
    subject(m).previous = rawCodec(v1.cid);
  }),
  'CID_UNSUPPORTED_CODEC',
);
invalid(
  'catalog names a raw-codec CID',
  await resigned((m) => (subject(m).catalog = [rawCodec(v2.cid)])),
  'CID_UNSUPPORTED_CODEC',
);

const vectors: ManifestVector[] = cases.map((c, i) => ({ id: i + 1, ...c }));
const out = join(dirname(fileURLToPath(import.meta.url)), 'manifest-vectors.json');
writeFileSync(
  out,
  `${JSON.stringify(
    {
      description:
        'Assent consent manifest conformance vectors. Each input is the exact JSON text given to verifyManifest; invalid cases name the expected error code (docs/errors.md). Generated by generate.ts.',
      creator: creator.did,
      numberOfTests: vectors.length,
      tests: vectors,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${vectors.length} vectors to ${out}`);
