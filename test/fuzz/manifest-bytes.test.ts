/**
 * Fuzzing manifest bytes (issue 9), beyond packages/manifest/test (which flips one character of
 * canonical text and feeds `parseManifest` arbitrary text): byte-level edits, spliced JSON fragments
 * and structural edits of signed manifests and catalog pages, and arbitrary bytes. `parseManifest`,
 * `verifyManifest` and `verifyCatalogPage` never throw, fail only with a code docs/errors.md lists,
 * and accept only what the creator signed (the same CID).
 */
import {
  generateIdentity,
  parseManifest,
  type SignedManifest,
  signManifest,
  verifyCatalogPage,
  verifyManifest,
} from '@assent/manifest';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fuzzParams, fuzzTimeout } from '../support/fuzz.js';
import { DOCUMENTED_STATUS } from './documented-error.js';
import { mutatedBytes, mutatedJson } from './mutations.js';

const TIMEOUT = fuzzTimeout(60_000);
const decoder = new TextDecoder();
const encoder = new TextEncoder();

let signed: SignedManifest;
let paged: SignedManifest;

beforeAll(async () => {
  const me = await generateIdentity();
  const v1 = await signManifest(
    { default: { search: 'allow' }, works: [{ ids: ['isrc:USRC17607839'] }] },
    {
      identity: me,
    },
  );
  signed = await signManifest(
    {
      default: { 'train-genai': 'deny', search: 'allow' },
      validUntil: '2030-01-01T00:00:00Z',
      works: [
        { ids: ['isrc:USRC17607839', 'url:https://soundcloud.com/the-flight/track'], title: 'Track' },
        {
          ids: ['url-prefix:https://soundcloud.com/the-flight/'],
          policy: {
            'ai-input': {
              decision: 'conditional',
              conditions: { attribution: 'The Flight', licensees: ['did:web:example.ai'] },
            },
          },
        },
      ],
    },
    { identity: me, head: v1 },
  );
  paged = await signManifest(
    {
      default: { all: 'deny' },
      works: Array.from({ length: 4 }, (_, i) => ({ ids: [`isrc:QZ00126${String(i).padStart(5, '0')}`] })),
    },
    { identity: await generateIdentity(), inlineBudgetBytes: 0 },
  );
}, 30_000);

/** A failure names a documented code; anything accepted is the manifest that was signed. */
function expectSignedOrDocumented(
  result: Awaited<ReturnType<typeof verifyManifest>>,
  original: SignedManifest,
): void {
  if (result.ok) {
    expect(result.value.cid).toBe(original.cid);
    expect(decoder.decode(result.value.bytes)).toBe(decoder.decode(original.bytes));
  } else {
    expect(DOCUMENTED_STATUS.has(result.code), result.code).toBe(true);
    expect(typeof result.message).toBe('string');
  }
}

describe('verifyManifest on damaged and arbitrary bytes', () => {
  it(
    'byte-level edits of a signed manifest',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutatedBytes(signed.bytes), async (bytes) => {
          expectSignedOrDocumented(await verifyManifest(bytes), signed);
          const parsed = parseManifest(bytes);
          if (!parsed.ok) expect(DOCUMENTED_STATUS.has(parsed.code), parsed.code).toBe(true);
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );

  it(
    'structural edits of a signed manifest (a member replaced, removed or duplicated)',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutatedJson(decoder.decode(signed.bytes)), async (text) => {
          expectSignedOrDocumented(await verifyManifest(text), signed);
          expectSignedOrDocumented(await verifyManifest(encoder.encode(text)), signed);
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );

  it(
    'arbitrary bytes and JSON values, also when the canonical form is required',
    async () => {
      const input = fc.oneof(
        fc.uint8Array({ maxLength: 500 }),
        fc.json({ maxDepth: 5 }).map((s) => encoder.encode(s)),
        fc.jsonValue({ maxDepth: 4 }).map((v) => encoder.encode(JSON.stringify(v) ?? 'null')),
      );
      await fc.assert(
        fc.asyncProperty(input, fc.boolean(), async (bytes, requireCanonical) => {
          const result = await verifyManifest(bytes, { requireCanonical });
          expect(result.ok).toBe(false);
          if (!result.ok) expect(DOCUMENTED_STATUS.has(result.code), result.code).toBe(true);
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );
});

describe('verifyCatalogPage on damaged bytes', () => {
  it(
    'accepts only the page bytes its CID names, from the issuer the manifest names',
    () => {
      const page = paged.pages[0];
      if (page === undefined) throw new Error('the manifest has no catalog page');
      const expected = { cid: page.cid, issuer: paged.issuer };
      const input = fc.oneof(
        mutatedBytes(page.bytes),
        mutatedJson(decoder.decode(page.bytes)).map((s) => encoder.encode(s)),
        fc.uint8Array({ maxLength: 300 }),
      );
      fc.assert(
        fc.property(input, fc.boolean(), (bytes, otherIssuer) => {
          const result = verifyCatalogPage(
            bytes,
            otherIssuer ? { ...expected, issuer: signed.issuer } : expected,
          );
          if (result.ok) {
            expect(otherIssuer).toBe(false);
            expect(decoder.decode(bytes)).toBe(decoder.decode(page.bytes));
          } else {
            expect(DOCUMENTED_STATUS.has(result.code), result.code).toBe(true);
          }
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );
});
