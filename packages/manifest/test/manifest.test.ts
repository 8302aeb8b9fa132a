import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/support/fuzz.js';
import type { ManifestVector } from '../../../test/vectors/manifest/generate.js';
import { createProof } from '../src/data-integrity/index.js';
import { type Identity, identityFromSecretKey } from '../src/did-key.js';
import { isAssentError, unwrap } from '../src/errors.js';
import { canonicalize } from '../src/jcs.js';
import {
  blockCid,
  checkChain,
  JSON_CODEC,
  manifestCid,
  parseDraft,
  parseManifest,
  type SignedManifest,
  signManifest,
  verifyCatalogPage,
  verifyManifest,
} from '../src/manifest.js';
import { MAX_BLOCK_BYTES } from '../src/schema.js';
import { type JsonObject, parseJson } from '../src/strict-json.js';

const corpus = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../test/vectors/manifest/manifest-vectors.json'), 'utf8'),
) as { numberOfTests: number; tests: ManifestVector[] };

const created = '2026-11-26T10:00:00Z';
const identity = (byte: number) => identityFromSecretKey(new Uint8Array(32).fill(byte));

describe('manifest conformance corpus (test/vectors/manifest)', () => {
  it('holds enough cases, most of them invalid', () => {
    expect(corpus.tests.length).toBe(corpus.numberOfTests);
    expect(corpus.tests.filter((t) => t.result === 'invalid').length).toBeGreaterThanOrEqual(45);
  });

  for (const t of corpus.tests) {
    it(`#${t.id} ${t.comment}: ${t.result}${t.code ? ` (${t.code})` : ''}`, async () => {
      for (const input of [t.input, new TextEncoder().encode(t.input)]) {
        const result = await verifyManifest(input);
        if (t.result === 'valid') expect(result).toMatchObject({ ok: true });
        else expect(result).toMatchObject({ ok: false, code: t.code });
      }
    });
  }
});

describe('signManifest / verifyManifest', () => {
  it('signs a draft, normalizing ids, and verifies it; the CID covers the exact JCS bytes', async () => {
    const me = await identity(3);
    const signed = await signManifest(
      {
        default: { 'train-genai': 'deny', search: 'allow' },
        works: [
          {
            ids: [
              'isrc:us-rc1-76-07839',
              'SHA256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08',
            ],
          },
        ],
      },
      { identity: me, created },
    );
    expect(signed.version).toBe(1);
    expect(signed.issuer).toBe(me.did);
    expect(signed.manifest.credentialSubject.works[0]?.ids).toEqual([
      'isrc:USRC17607839',
      'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ]);
    expect(new TextDecoder().decode(signed.bytes)).toBe(canonicalize(signed.manifest as JsonObject));
    expect(signed.cid).toBe(blockCid(signed.bytes));
    expect(manifestCid(signed.manifest)).toBe(signed.cid);
    expect(signed.cid.startsWith('bagaaiera')).toBe(true);
    const again = unwrap(await verifyManifest(signed.bytes, { requireCanonical: true }));
    expect(again.cid).toBe(signed.cid);
  });

  it('rejects non-canonical bytes when the caller requires the canonical form', async () => {
    const me = await identity(4);
    const signed = await signManifest({ default: { all: 'deny' } }, { identity: me, created });
    const pretty = JSON.stringify(signed.manifest, null, 1);
    expect(await verifyManifest(pretty)).toMatchObject({ ok: true, value: { cid: signed.cid } });
    expect(await verifyManifest(pretty, { requireCanonical: true })).toMatchObject({
      ok: false,
      code: 'NOT_CANONICAL',
    });
  });

  it('chains versions: v2 names v1, and checkChain catches gaps, forks across creators and wrong links', async () => {
    const me = await identity(5);
    const other = await identity(6);
    const v1 = await signManifest({ default: { all: 'allow' } }, { identity: me, created });
    const v2 = await signManifest({ default: { all: 'deny' } }, { identity: me, created, head: v1 });
    const v3 = await signManifest({ default: { search: 'allow' } }, { identity: me, created, head: v2 });
    expect(v2.previous).toBe(v1.cid);
    expect(checkChain(v1, v2)).toEqual({ ok: true, value: true });
    expect(checkChain(v1, v3)).toMatchObject({ ok: false, code: 'CHAIN_VERSION_GAP' });
    const theirs = await signManifest({ default: { all: 'deny' } }, { identity: other, created, head: v1 });
    expect(checkChain(v1, theirs)).toMatchObject({ ok: false, code: 'CHAIN_ISSUER_MISMATCH' });
    const fork = await signManifest(
      { default: { all: 'deny' } },
      { identity: me, created, head: { cid: v3.cid, version: 1 } },
    );
    expect(checkChain(v1, fork)).toMatchObject({ ok: false, code: 'CHAIN_PREVIOUS_MISMATCH' });
  });

  it('refuses an invalid draft with the draft’s own code and path', async () => {
    const me = await identity(7);
    const attempt = signManifest({ works: [{ ids: ['isrc:123'] }] } as JsonObject, { identity: me, created });
    await expect(attempt).rejects.toSatisfy((e: unknown) => isAssentError(e, 'WORK_ID_ISRC_MALFORMED'));
    expect(
      parseDraft({ works: [{ ids: ['isrc:USRC17607839'] }, { ids: ['isrc:US-RC1-76-07839'] }] }),
    ).toMatchObject({
      ok: false,
      code: 'MANIFEST_SCHEMA',
      path: '/works/1/ids/0',
    });
    expect(parseDraft('{"works":[],"works":[]}')).toMatchObject({ ok: false, code: 'JSON_DUPLICATE_KEY' });
  });

  it('rejects documents over 1 MiB before parsing them', async () => {
    const huge = `{"title":"${'a'.repeat(MAX_BLOCK_BYTES)}"}`;
    expect(await verifyManifest(huge)).toMatchObject({ ok: false, code: 'JSON_TOO_LARGE' });
    expect(parseManifest(new TextEncoder().encode(huge))).toMatchObject({
      ok: false,
      code: 'JSON_TOO_LARGE',
    });
  });
});

describe('catalog pages', () => {
  let me: Identity;
  let signed: SignedManifest;
  const works = Array.from({ length: 100_000 }, (_, i) => ({
    ids: [`isrc:QZ${String(i % 1000).padStart(3, '0')}26${String(i).padStart(5, '0')}`],
    title: `Track ${i}`,
  }));

  it('a label publishes 100,000 works with every block ≤ 1 MiB, all covered by the signature', async () => {
    me = await identity(8);
    signed = await signManifest({ default: { 'train-ai': 'deny' }, works }, { identity: me, created });
    expect(signed.bytes.length).toBeLessThanOrEqual(MAX_BLOCK_BYTES);
    expect(signed.pages.length).toBeGreaterThan(1);
    expect(signed.catalog).toEqual(signed.pages.map((p) => p.cid));
    let count = signed.manifest.credentialSubject.works.length;
    for (const page of signed.pages) {
      expect(page.bytes.length).toBeLessThanOrEqual(MAX_BLOCK_BYTES);
      const verified = unwrap(verifyCatalogPage(page.bytes, { cid: page.cid, issuer: me.did }));
      count += verified.works.length;
    }
    expect(count).toBe(100_000);
    expect(await verifyManifest(signed.bytes, { requireCanonical: true })).toMatchObject({ ok: true });
  });

  it('a page that was swapped, altered, re-serialized or belongs to someone else is rejected', async () => {
    const [first, second] = signed.pages;
    if (first === undefined || second === undefined) throw new Error('expected two pages');
    expect(verifyCatalogPage(second.bytes, { cid: first.cid, issuer: me.did })).toMatchObject({
      code: 'CID_MISMATCH',
    });
    const altered = first.bytes.slice();
    altered[100] = (altered[100] as number) ^ 1;
    expect(verifyCatalogPage(altered, { cid: first.cid, issuer: me.did })).toMatchObject({
      code: 'CID_MISMATCH',
    });
    const small = { ...first.page, works: first.page.works.slice(0, 2) };
    const pretty = new TextEncoder().encode(JSON.stringify(small, null, 1));
    expect(verifyCatalogPage(pretty, { cid: blockCid(pretty), issuer: me.did })).toMatchObject({
      code: 'NOT_CANONICAL',
    });
    expect(verifyCatalogPage(first.bytes, { cid: first.cid, issuer: (await identity(9)).did })).toMatchObject(
      {
        code: 'CATALOG_PAGE_INVALID',
      },
    );
  });
});

describe('block references name json blocks (spec §1.3, threat model F4)', () => {
  const RAW = 0x55;
  const OTHER_CODECS = [
    ['raw', RAW],
    ['dag-pb', 0x70],
    ['dag-cbor', 0x71],
  ] as const;
  /** The same sha2-256 digest as `cid`, under another codec: bytes-wise it names the same block. */
  const recoded = (cid: string, codec: number) => CID.createV1(codec, CID.parse(cid).multihash).toString();

  /** The unsigned form of `signed` with `edit` applied, signed again by `me`: only the schema can object. */
  async function resigned(signed: SignedManifest, me: Identity, edit: (subject: JsonObject) => void) {
    const { proof: _proof, ...unsigned } = structuredClone(signed.manifest) as JsonObject;
    edit(unsigned.credentialSubject as JsonObject);
    const document = await createProof(unsigned, {
      secretKey: me.secretKey,
      verificationMethod: me.verificationMethod,
      created,
    });
    return canonicalize(document);
  }

  it.each(OTHER_CODECS)('refuses a signed manifest whose previous is a %s CID', async (_name, codec) => {
    const me = await identity(11);
    const v1 = await signManifest({ default: { all: 'deny' } }, { identity: me, created });
    const v2 = await signManifest({ default: { all: 'allow' } }, { identity: me, created, head: v1 });
    // Control: re-signing with the json CID verifies, so only the codec can fail below.
    expect(await verifyManifest(await resigned(v2, me, () => {}))).toMatchObject({ ok: true });
    const text = await resigned(v2, me, (subject) => (subject.previous = recoded(v1.cid, codec)));
    for (const result of [await verifyManifest(text), parseManifest(text)]) {
      expect(result).toMatchObject({
        ok: false,
        code: 'CID_UNSUPPORTED_CODEC',
        path: '/credentialSubject/previous',
      });
      expect(result.ok === false && result.message).toContain(`0x${codec.toString(16)}`);
    }
  });

  it.each(OTHER_CODECS)('refuses a signed manifest naming a %s CID in catalog', async (_name, codec) => {
    const me = await identity(12);
    const works = Array.from({ length: 40 }, (_, i) => ({
      ids: [`isrc:QZABC26${String(i).padStart(5, '0')}`],
    }));
    const signed = await signManifest({ works }, { identity: me, created, inlineBudgetBytes: 200 });
    const [page] = signed.catalog;
    if (page === undefined) throw new Error('expected a catalog page');
    expect(await verifyManifest(await resigned(signed, me, () => {}))).toMatchObject({ ok: true });
    // The json entry passes; the second names the same digest under another codec.
    const text = await resigned(signed, me, (subject) => {
      subject.catalog = [page, recoded(page, codec)];
    });
    expect(await verifyManifest(text)).toMatchObject({
      ok: false,
      code: 'CID_UNSUPPORTED_CODEC',
      path: '/credentialSubject/catalog/1',
    });
  });

  it('accepts only the json codec the signer writes, and the signer refuses a head of another codec', async () => {
    const me = await identity(13);
    const v1 = await signManifest({ default: { all: 'deny' } }, { identity: me, created });
    expect(CID.parse(v1.cid).code).toBe(JSON_CODEC);
    const head = { cid: recoded(v1.cid, RAW), version: 1 };
    await expect(signManifest({}, { identity: me, created, head })).rejects.toSatisfy((e: unknown) =>
      isAssentError(e, 'CID_UNSUPPORTED_CODEC'),
    );
  });
});

describe('properties', () => {
  it('sign → verify round-trips for arbitrary policies, and changing any byte of the signed content fails', async () => {
    const me = await identity(10);
    const term = fc.constantFrom('all', 'tdm', 'train-ai', 'train-genai', 'ai-input', 'search');
    const statement = fc.oneof(
      fc.constantFrom('allow', 'deny'),
      fc.record({
        decision: fc.constant('conditional'),
        conditions: fc.record({ attribution: fc.string({ minLength: 1, maxLength: 40 }) }),
      }),
    );
    const policy = fc.dictionary(term, statement, { maxKeys: 4 });
    const isrc = fc
      .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99_999 }))
      .map(([y, n]) => `isrc:GBAYE${String(y).padStart(2, '0')}${String(n).padStart(5, '0')}`);
    await fc.assert(
      fc.asyncProperty(
        policy,
        fc.uniqueArray(isrc, { minLength: 1, maxLength: 5 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.nat(),
        async (defaults, ids, title, at) => {
          const signed = await signManifest(
            { default: defaults, works: [{ ids, title }] },
            { identity: me, created },
          );
          const verified = await verifyManifest(signed.bytes, { requireCanonical: true });
          expect(verified).toMatchObject({ ok: true, value: { cid: signed.cid } });
          // Flip one character of the canonical text; any outcome but acceptance with the same meaning fails.
          const text = new TextDecoder().decode(signed.bytes);
          const i = at % text.length;
          const flipped = text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 1) + text.slice(i + 1);
          const result = await verifyManifest(flipped);
          if (result.ok) {
            // Only a change JCS erases (none exists in canonical text) could verify; it would keep the CID.
            expect(result.value.cid).toBe(signed.cid);
          } else {
            expect(result.code).toMatch(/^[A-Z_]+$/);
          }
        },
      ),
      fuzzParams(),
    );
  });

  it('parseManifest never throws on arbitrary text or JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.json()), (text) => {
        const result = parseManifest(text);
        expect(result.ok).toBe(false);
      }),
      fuzzParams(),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = parseJson(JSON.stringify(value) ?? 'null', { allowFloats: true });
        if (
          parsed.ok &&
          typeof parsed.value === 'object' &&
          parsed.value !== null &&
          !Array.isArray(parsed.value)
        ) {
          expect(parseManifest(parsed.value).ok).toBe(false);
        }
      }),
      fuzzParams(),
    );
  });
});
