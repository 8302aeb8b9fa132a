import fc from 'fast-check';
import { base16 } from 'multiformats/bases/base16';
import { base32, base32upper } from 'multiformats/bases/base32';
import { base36 } from 'multiformats/bases/base36';
import { base58btc } from 'multiformats/bases/base58';
import { base64url } from 'multiformats/bases/base64';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/support/fuzz.js';
import { ERROR_CODES, isAssentError } from '../src/errors.js';
import {
  assertWorkId,
  isNormalizedWorkId,
  isWorkId,
  MAX_URL_LENGTH,
  MAX_URL_PREFIX_SEGMENTS,
  MAX_WORK_ID_LENGTH,
  normalizeWorkId,
  parseCidString,
  parseNormalizedWorkId,
  sha256WorkId,
  urlPrefixesOf,
  type WorkId,
  workIdKind,
} from '../src/work-id.js';

const RUNS = fuzzParams(1000);
const RAW = 0x55;
const DAG_PB = 0x70;
const JSON_CODEC = 0x0200;

/** SHA-256("test"), a well-known digest. */
const TEST_HEX = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const TEST_DIGEST = Uint8Array.from(TEST_HEX.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
const RAW_CID = CID.createV1(RAW, Digest.create(0x12, TEST_DIGEST));
const RAW_CID_B32 = RAW_CID.toString(base32);
const JSON_CID = CID.createV1(JSON_CODEC, Digest.create(0x12, TEST_DIGEST)).toString(base32);
/** The IPFS docs' example CIDv0 and its CIDv1 (dag-pb, base32). */
const V0 = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG';
const V0_AS_V1 = 'bafybeie5nqv6kd3qnfjupgvz34woh3oksc3iau6abmyajn7qvtf6d2ho34';

const b32 = (bytes: Uint8Array): string => base32.encode(bytes);
const IDENTITY_CID = CID.createV1(RAW, Digest.create(0x00, new Uint8Array([1, 2, 3]))).toString(base32);
const SHA512_CID = CID.createV1(RAW, Digest.create(0x13, new Uint8Array(64))).toString(base32);
const BLAKE2B_CID = CID.createV1(RAW, Digest.create(0xb220, new Uint8Array(32))).toString(base32);
const TRUNCATED_CID = CID.createV1(RAW, Digest.create(0x12, new Uint8Array(20))).toString(base32);
const V0_BYTES_IN_BASE32 = b32(CID.parse(V0).bytes);
const NON_MINIMAL_VERSION = b32(Uint8Array.from([0x81, 0x00, RAW, 0x12, 0x20, ...TEST_DIGEST]));
const TRAILING_BYTE = b32(Uint8Array.from([...RAW_CID.bytes, 0]));

const VALID: readonly (readonly [input: string, normalized: string])[] = [
  // sha256
  [`sha256:${TEST_HEX.toUpperCase()}`, `sha256:${TEST_HEX}`],
  [`SHA256:${TEST_HEX}`, `sha256:${TEST_HEX}`],
  // cid: every accepted multibase, CIDv0 converted to v1 dag-pb
  [`cid:${RAW_CID_B32}`, `cid:${RAW_CID_B32}`],
  [`cid:${RAW_CID.toString(base32upper)}`, `cid:${RAW_CID_B32}`],
  [`cid:${RAW_CID.toString(base58btc)}`, `cid:${RAW_CID_B32}`],
  [`cid:${RAW_CID.toString(base36)}`, `cid:${RAW_CID_B32}`],
  [`cid:${RAW_CID.toString(base16)}`, `cid:${RAW_CID_B32}`],
  [`cid:${RAW_CID.toString(base64url)}`, `cid:${RAW_CID_B32}`],
  [`cid:${RAW_CID_B32}==`, `cid:${RAW_CID_B32}`],
  [`cid:${V0}`, `cid:${V0_AS_V1}`],
  [`CID:${V0_AS_V1}`, `cid:${V0_AS_V1}`],
  // isrc
  ['isrc:US-RC1-76-07839', 'isrc:USRC17607839'],
  ['isrc:usrc17607839', 'isrc:USRC17607839'],
  ['isrc:US RC1 76 07839', 'isrc:USRC17607839'],
  ['ISRC:GB-AYE-69-00531', 'isrc:GBAYE6900531'],
  // iswc (T-034.524.680-1 is the ISO 15707 example)
  ['iswc:T-034.524.680-1', 'iswc:T-034.524.680-1'],
  ['iswc:T0345246801', 'iswc:T-034.524.680-1'],
  ['iswc:t-034.524.680-1', 'iswc:T-034.524.680-1'],
  ['iswc:T-000.000.000-9', 'iswc:T-000.000.000-9'],
  // url
  ['url:https://soundcloud.com/the-flight/track', 'url:https://soundcloud.com/the-flight/track'],
  [
    'url:HTTPS://SoundCloud.COM:443/the-flight/./x/../track#t=1',
    'url:https://soundcloud.com/the-flight/track',
  ],
  ['url:http://example.com:80', 'url:http://example.com/'],
  ['url:http://example.com:8080/a', 'url:http://example.com:8080/a'],
  ['url:https://example.com./a', 'url:https://example.com/a'],
  ['url:https://bücher.de/straße?q=ä', 'url:https://xn--bcher-kva.de/stra%C3%9Fe?q=%C3%A4'],
  ['url:https://a.com/%7euser/%2f%e2%82%ac?q=%7E%2a&r=1', 'url:https://a.com/~user/%2F%E2%82%AC?q=~%2A&r=1'],
  ['url:https://a.com/a/%2e%2E/b', 'url:https://a.com/b'],
  ['url:https://a.com/x?', 'url:https://a.com/x'],
  ['url:https://a.com/x?b=2&a=1', 'url:https://a.com/x?b=2&a=1'],
  ['url:https://@a.com/', 'url:https://a.com/'],
  ['url:http://0x7f.1/', 'url:http://127.0.0.1/'],
  ['url:https://[0:0:0:0:0:0:0:1]:443/', 'url:https://[::1]/'],
  ['URL:https://a.com', 'url:https://a.com/'],
  // url-prefix: the path always ends with "/"
  ['url-prefix:https://soundcloud.com/the-flight/', 'url-prefix:https://soundcloud.com/the-flight/'],
  ['url-prefix:https://soundcloud.com/the-flight', 'url-prefix:https://soundcloud.com/the-flight/'],
  ['url-prefix:https://SOUNDCLOUD.com', 'url-prefix:https://soundcloud.com/'],
  ['url-prefix:https://a.com/x/#frag', 'url-prefix:https://a.com/x/'],
  ['url-prefix:https://a.com/x?', 'url-prefix:https://a.com/x/'],
];

const MALFORMED: readonly (readonly [input: string, code: string])[] = [
  // unknown kind
  ['', 'WORK_ID_UNKNOWN_KIND'],
  ['nope', 'WORK_ID_UNKNOWN_KIND'],
  [':abc', 'WORK_ID_UNKNOWN_KIND'],
  ['md5:d8e8fca2dc0f896fd7cb4cb0031ba249', 'WORK_ID_UNKNOWN_KIND'],
  ['ftp:example.com', 'WORK_ID_UNKNOWN_KIND'],
  ['urn:isrc:USRC17607839', 'WORK_ID_UNKNOWN_KIND'],
  ['url-prefixx:https://a.com/', 'WORK_ID_UNKNOWN_KIND'],
  [' url:https://a.com/', 'WORK_ID_UNKNOWN_KIND'],
  ['https://a.com/', 'WORK_ID_UNKNOWN_KIND'],
  // sha256
  ['sha256:zz', 'WORK_ID_SHA256_MALFORMED'],
  ['sha256:', 'WORK_ID_SHA256_MALFORMED'],
  [`sha256:${TEST_HEX.slice(1)}`, 'WORK_ID_SHA256_MALFORMED'],
  [`sha256:${TEST_HEX}0`, 'WORK_ID_SHA256_MALFORMED'],
  [`sha256:${TEST_HEX.slice(0, 63)}g`, 'WORK_ID_SHA256_MALFORMED'],
  [`sha256:0x${TEST_HEX.slice(2)}`, 'WORK_ID_SHA256_MALFORMED'],
  [`sha256:${TEST_HEX}\n`, 'WORK_ID_SHA256_MALFORMED'],
  [`sha256: ${TEST_HEX}`, 'WORK_ID_SHA256_MALFORMED'],
  // cid
  ['cid:', 'WORK_ID_CID_MALFORMED'],
  ['cid:hello', 'WORK_ID_CID_MALFORMED'],
  [`cid:${IDENTITY_CID}`, 'WORK_ID_CID_MALFORMED'],
  ['cid:bafkqaaa', 'WORK_ID_CID_MALFORMED'],
  [`cid:${SHA512_CID}`, 'WORK_ID_CID_MALFORMED'],
  [`cid:${BLAKE2B_CID}`, 'WORK_ID_CID_MALFORMED'],
  [`cid:${TRUNCATED_CID}`, 'WORK_ID_CID_MALFORMED'],
  [`cid:${V0_BYTES_IN_BASE32}`, 'WORK_ID_CID_MALFORMED'],
  [`cid:${NON_MINIMAL_VERSION}`, 'WORK_ID_CID_MALFORMED'],
  [`cid:${TRAILING_BYTE}`, 'WORK_ID_CID_MALFORMED'],
  [`cid:${RAW_CID_B32.slice(0, -1)}`, 'WORK_ID_CID_MALFORMED'],
  [`cid:${V0.slice(0, -1)}0`, 'WORK_ID_CID_MALFORMED'],
  [`cid:${V0.slice(0, 20)}`, 'WORK_ID_CID_MALFORMED'],
  [`cid:${'b'.repeat(300)}`, 'WORK_ID_CID_MALFORMED'],
  // isrc
  ['isrc:123', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:USRC1760783', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:USRC176078391', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:1SRC17607839', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:USRC1A607839', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:USRC176O7839', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:US_RC17607839', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:US\tRC17607839', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:USRC17607839\u00a0', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:ＵＳRC17607839', 'WORK_ID_ISRC_MALFORMED'],
  // one character past the normal form: the general path answers
  ['isrc:USRC17607839\n', 'WORK_ID_ISRC_MALFORMED'],
  ['isrc:USRC17607839 \u0000', 'WORK_ID_ISRC_MALFORMED'],
  // iswc
  ['iswc:T-034.524.680-2', 'WORK_ID_ISWC_MALFORMED'],
  ['iswc:T-34.524.680-1', 'WORK_ID_ISWC_MALFORMED'],
  ['iswc:T-034.524.680', 'WORK_ID_ISWC_MALFORMED'],
  ['iswc:034.524.680-1', 'WORK_ID_ISWC_MALFORMED'],
  ['iswc:T-034.524.680-10', 'WORK_ID_ISWC_MALFORMED'],
  ['iswc:T-０34.524.680-1', 'WORK_ID_ISWC_MALFORMED'],
  // url: scheme
  ['url:javascript:alert(1)', 'WORK_ID_URL_SCHEME'],
  ['url:JavaScript:alert(1)', 'WORK_ID_URL_SCHEME'],
  ['url:file:///etc/passwd', 'WORK_ID_URL_SCHEME'],
  ['url:data:text/html,<script>alert(1)</script>', 'WORK_ID_URL_SCHEME'],
  ['url:ftp://example.com/a', 'WORK_ID_URL_SCHEME'],
  ['url:ws://example.com/', 'WORK_ID_URL_SCHEME'],
  ['url:blob:https://example.com/uuid', 'WORK_ID_URL_SCHEME'],
  ['url-prefix:file:///etc/', 'WORK_ID_URL_SCHEME'],
  // url: malformed
  ['url:', 'WORK_ID_URL_MALFORMED'],
  ['url:example.com/a', 'WORK_ID_URL_MALFORMED'],
  ['url://example.com/a', 'WORK_ID_URL_MALFORMED'],
  ['url:https://', 'WORK_ID_URL_MALFORMED'],
  ['url:https://user:pass@example.com/', 'WORK_ID_URL_MALFORMED'],
  ['url:https://user@example.com/', 'WORK_ID_URL_MALFORMED'],
  ['url:https://:pass@example.com/', 'WORK_ID_URL_MALFORMED'],
  ['url:https://a.com/%zz', 'WORK_ID_URL_MALFORMED'],
  ['url:https://a.com/?q=100%', 'WORK_ID_URL_MALFORMED'],
  ['url:https://a.com/a b', 'WORK_ID_URL_MALFORMED'],
  ['url:https://a.com/\u202eexe.mp3', 'WORK_ID_URL_MALFORMED'],
  ['url:https://a.com/\u200b', 'WORK_ID_URL_MALFORMED'],
  ['url:https://a.com/\ud800', 'WORK_ID_URL_MALFORMED'],
  ['url:https://a.com/\n', 'WORK_ID_URL_MALFORMED'],
  ['url:https://ex ample.com/', 'WORK_ID_URL_MALFORMED'],
  ['url:https://./', 'WORK_ID_URL_MALFORMED'],
  ['url:https://a.com../', 'WORK_ID_URL_MALFORMED'],
  ['url:https://a.com:99999/', 'WORK_ID_URL_MALFORMED'],
  ['url:https://[::1/', 'WORK_ID_URL_MALFORMED'],
  [`url:https://a.com/${'x'.repeat(MAX_URL_LENGTH)}`, 'WORK_ID_URL_MALFORMED'],
  [`url:https://a.com/${'é'.repeat(400)}`, 'WORK_ID_URL_MALFORMED'],
  ['url-prefix:https://a.com/x?y=1', 'WORK_ID_URL_MALFORMED'],
];

describe('normalizeWorkId: valid inputs', () => {
  it.each(VALID)('%s → %s', (input, normalized) => {
    expect(normalizeWorkId(input)).toEqual({ ok: true, value: normalized });
    expect(normalizeWorkId(normalized)).toEqual({ ok: true, value: normalized });
    expect(isNormalizedWorkId(normalized)).toBe(true);
  });
});

describe('normalizeWorkId: ids already in normal form', () => {
  it.each(['isrc:USRC17607839', 'isrc:GBAYE6900531', `sha256:${TEST_HEX}`])(
    '%s is answered as given',
    (id) => {
      const result = normalizeWorkId(id);
      expect(result).toEqual({ ok: true, value: id });
    },
  );

  it('sends near-normal spellings down the general path, which normalizes them', () => {
    expect(normalizeWorkId(`sha256:${TEST_HEX.toUpperCase()}`)).toEqual({
      ok: true,
      value: `sha256:${TEST_HEX}`,
    });
    expect(normalizeWorkId('isrc:usrc17607839')).toEqual({ ok: true, value: 'isrc:USRC17607839' });
    expect(normalizeWorkId(`sha256:${TEST_HEX}\n`).ok).toBe(false);
    expect(normalizeWorkId(`sha256:${TEST_HEX}0`).ok).toBe(false);
  });
});

describe('normalizeWorkId: malformed inputs', () => {
  it.each(MALFORMED)('%j → %s', (input, code) => {
    const result = normalizeWorkId(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(code);
      expect(result.message.length).toBeLessThan(400);
    }
  });

  it('says which CID rule failed in the message', () => {
    const identity = normalizeWorkId(`cid:${IDENTITY_CID}`);
    expect(identity.ok === false && identity.message).toMatch(/identity.*CID_IDENTITY_HASH/);
    const sha512 = normalizeWorkId(`cid:${SHA512_CID}`);
    expect(sha512.ok === false && sha512.message).toMatch(/sha2-256.*CID_UNSUPPORTED_HASH/);
  });

  it('refuses ids longer than MAX_WORK_ID_LENGTH before any parsing', () => {
    const long = `isrc:${'-'.repeat(MAX_WORK_ID_LENGTH)}`;
    expect(normalizeWorkId(long)).toMatchObject({ ok: false, code: 'WORK_ID_ISRC_MALFORMED' });
    expect(normalizeWorkId(`url:https://a.com/${'a/../'.repeat(500)}`)).toMatchObject({
      ok: false,
      code: 'WORK_ID_URL_MALFORMED',
    });
  });

  it('never echoes long hostile input whole in a message', () => {
    const result = normalizeWorkId(`zzz${'<script>'.repeat(200)}`);
    expect(result.ok === false && result.message.length).toBeLessThan(200);
  });

  it('throws TypeError for a non-string (programmer misuse)', () => {
    expect(() => normalizeWorkId(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('parseNormalizedWorkId, isWorkId, assertWorkId', () => {
  it('accepts only the normal form and names it otherwise', () => {
    expect(parseNormalizedWorkId('isrc:USRC17607839')).toEqual({ ok: true, value: 'isrc:USRC17607839' });
    const result = parseNormalizedWorkId('isrc:US-RC1-76-07839');
    expect(result).toMatchObject({ ok: false, code: 'WORK_ID_NOT_NORMALIZED' });
    expect(result.ok === false && result.message).toContain('isrc:USRC17607839');
    expect(parseNormalizedWorkId('isrc:123')).toMatchObject({ ok: false, code: 'WORK_ID_ISRC_MALFORMED' });
  });

  it('isWorkId is a guard over unknown values', () => {
    expect(isWorkId('url:https://a.com/')).toBe(true);
    expect(isWorkId('url:https://A.com/')).toBe(false);
    expect(isWorkId(7)).toBe(false);
    expect(isWorkId(undefined)).toBe(false);
    expect(isNormalizedWorkId('url:https://a.com')).toBe(false);
  });

  it('assertWorkId throws AssentError with the code, TypeError for non-strings', () => {
    expect(() => assertWorkId('isrc:USRC17607839')).not.toThrow();
    let caught: unknown;
    try {
      assertWorkId('isrc:us-rc1-76-07839');
    } catch (error) {
      caught = error;
    }
    expect(isAssentError(caught, 'WORK_ID_NOT_NORMALIZED')).toBe(true);
    expect(() => assertWorkId('url:javascript:alert(1)')).toThrow(/scheme/);
    expect(() => assertWorkId(null)).toThrow(TypeError);
  });
});

describe('workIdKind', () => {
  it('reads the kind of a normalized id', () => {
    expect(workIdKind('url-prefix:https://a.com/' as WorkId)).toBe('url-prefix');
    expect(workIdKind('url:https://a.com/x:y' as WorkId)).toBe('url');
    expect(workIdKind(`sha256:${TEST_HEX}` as WorkId)).toBe('sha256');
    expect(() => workIdKind('bogus' as WorkId)).toThrow(TypeError);
  });
});

describe('sha256WorkId', () => {
  it('hex-encodes a 32-byte digest in lower case', () => {
    expect(sha256WorkId(TEST_DIGEST)).toBe(`sha256:${TEST_HEX}`);
    expect(isWorkId(sha256WorkId(new Uint8Array(32).fill(0xab)))).toBe(true);
  });

  it('throws on misuse', () => {
    expect(() => sha256WorkId(new Uint8Array(31))).toThrow(RangeError);
    expect(() => sha256WorkId([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('urlPrefixesOf', () => {
  it('lists the origin, then each enclosing directory', () => {
    expect(urlPrefixesOf('url:https://soundcloud.com/the-flight/sets/album?x=a/b' as WorkId)).toEqual([
      'url-prefix:https://soundcloud.com/',
      'url-prefix:https://soundcloud.com/the-flight/',
      'url-prefix:https://soundcloud.com/the-flight/sets/',
    ]);
    expect(urlPrefixesOf('url:https://a.com/' as WorkId)).toEqual(['url-prefix:https://a.com/']);
    expect(urlPrefixesOf('url:https://a.com/x/' as WorkId)).toEqual([
      'url-prefix:https://a.com/',
      'url-prefix:https://a.com/x/',
    ]);
    expect(urlPrefixesOf('url:http://[::1]:8080/a/b' as WorkId)).toEqual([
      'url-prefix:http://[::1]:8080/',
      'url-prefix:http://[::1]:8080/a/',
    ]);
  });

  it('includes a url-prefix itself and is empty for other kinds', () => {
    expect(urlPrefixesOf('url-prefix:https://a.com/x/' as WorkId)).toEqual([
      'url-prefix:https://a.com/',
      'url-prefix:https://a.com/x/',
    ]);
    expect(urlPrefixesOf('isrc:USRC17607839' as WorkId)).toEqual([]);
  });

  it('never lets /the-flight/ cover /the-flight-2/', () => {
    const prefixes = urlPrefixesOf('url:https://soundcloud.com/the-flight-2/track' as WorkId);
    expect(prefixes).not.toContain('url-prefix:https://soundcloud.com/the-flight/');
  });

  it('stops at the origin plus MAX_URL_PREFIX_SEGMENTS directories, however deep the URL (F3)', () => {
    expect(MAX_URL_PREFIX_SEGMENTS).toBe(16);
    const deep = normalizeWorkId(`url:https://a.example/${'s/'.repeat(999)}page?q=a/b`);
    if (!deep.ok) throw new Error(deep.message);
    const prefixes = urlPrefixesOf(deep.value);
    expect(prefixes).toEqual(
      Array.from({ length: 17 }, (_, depth) => `url-prefix:https://a.example/${'s/'.repeat(depth)}`),
    );
    // The deepest key is itself a valid id; one more segment is not, so nothing deeper can match.
    expect(isWorkId(prefixes[16])).toBe(true);
    expect(normalizeWorkId(`url-prefix:https://a.example/${'s/'.repeat(17)}`).ok).toBe(false);
  });

  it('gives a URL exactly MAX_URL_PREFIX_SEGMENTS deep all its enclosing directories, itself included', () => {
    const directory = `https://a.example/${'s/'.repeat(16)}`;
    expect(urlPrefixesOf(`url:${directory}` as WorkId)).toHaveLength(17);
    expect(urlPrefixesOf(`url:${directory}` as WorkId).at(-1)).toBe(`url-prefix:${directory}`);
    expect(urlPrefixesOf(`url-prefix:${directory}` as WorkId).at(-1)).toBe(`url-prefix:${directory}`);
    expect(urlPrefixesOf(`url:${directory}track` as WorkId).at(-1)).toBe(`url-prefix:${directory}`);
  });
});

describe('url-prefix depth (MAX_URL_PREFIX_SEGMENTS)', () => {
  const atLimit = `url-prefix:https://a.example/${Array.from({ length: 16 }, (_, i) => `d${i + 1}`).join('/')}/`;
  const tooDeep = `${atLimit}d17/`;

  it('accepts a prefix 16 segments deep, with or without its trailing slash', () => {
    expect(normalizeWorkId(atLimit)).toEqual({ ok: true, value: atLimit });
    expect(normalizeWorkId(atLimit.slice(0, -1))).toEqual({ ok: true, value: atLimit });
    expect(isWorkId(atLimit)).toBe(true);
  });

  it.each([
    ['17 segments', tooDeep],
    ['17 segments, the last without its slash', tooDeep.slice(0, -1)],
    ['17 empty segments', `url-prefix:https://a.example/${'/'.repeat(17)}`],
    ['18 segments once dot segments are resolved', `url-prefix:https://a.example/x/../${'s/'.repeat(18)}`],
    ['1,000 segments', `url-prefix:https://a.example/${'a/'.repeat(1000)}`],
  ])('refuses %s with WORK_ID_URL_MALFORMED and says why', (_name, input) => {
    const result = normalizeWorkId(input);
    expect(result).toMatchObject({ ok: false, code: 'WORK_ID_URL_MALFORMED' });
    expect(result.ok === false && result.message).toMatch(/path segments; at most 16 are allowed/);
    expect(parseNormalizedWorkId(input)).toMatchObject({ ok: false, code: 'WORK_ID_URL_MALFORMED' });
  });

  it('counts only real separators: dot segments resolved, %2F inside a segment', () => {
    const resolved = `url-prefix:https://a.example/x/y/../../${Array.from({ length: 16 }, () => 'd').join('/')}/`;
    expect(normalizeWorkId(resolved)).toEqual({
      ok: true,
      value: `url-prefix:https://a.example/${'d/'.repeat(16)}`,
    });
    const encoded = `${atLimit.slice(0, -1)}%2Fd17/`;
    expect(normalizeWorkId(encoded)).toEqual({ ok: true, value: encoded });
  });

  it('leaves url: ids of any depth alone', () => {
    const deepUrl = `url:https://a.example/${'a/'.repeat(1000)}`;
    expect(normalizeWorkId(deepUrl)).toEqual({ ok: true, value: deepUrl });
  });
});

describe('parseCidString', () => {
  it('accepts the canonical CIDv1 sha2-256 base32 form', () => {
    const result = parseCidString(RAW_CID_B32);
    expect(result.ok && result.value.toString()).toBe(RAW_CID_B32);
    expect(result.ok && result.value.version).toBe(1);
    expect(parseCidString(JSON_CID, { codec: JSON_CODEC }).ok).toBe(true);
  });

  it.each([
    ['', 'CID_MALFORMED'],
    ['hello', 'CID_MALFORMED'],
    [V0, 'CID_MALFORMED'],
    [V0_BYTES_IN_BASE32, 'CID_MALFORMED'],
    [RAW_CID.toString(base58btc), 'CID_MALFORMED'],
    [RAW_CID.toString(base32upper), 'CID_MALFORMED'],
    [TRUNCATED_CID, 'CID_MALFORMED'],
    [NON_MINIMAL_VERSION, 'CID_MALFORMED'],
    [TRAILING_BYTE, 'CID_MALFORMED'],
    [` ${RAW_CID_B32}`, 'CID_MALFORMED'],
    [`${RAW_CID_B32}===`, 'CID_MALFORMED'],
    [`${RAW_CID_B32.slice(0, -1)}${RAW_CID_B32.slice(-1).toUpperCase()}`, 'CID_MALFORMED'],
    [IDENTITY_CID, 'CID_IDENTITY_HASH'],
    ['bafkqaaa', 'CID_IDENTITY_HASH'],
    [SHA512_CID, 'CID_UNSUPPORTED_HASH'],
    [BLAKE2B_CID, 'CID_UNSUPPORTED_HASH'],
  ])('%j → %s', (input, code) => {
    expect(parseCidString(input)).toMatchObject({ ok: false, code });
  });

  it('checks the codec when asked', () => {
    expect(parseCidString(RAW_CID_B32, { codec: JSON_CODEC })).toMatchObject({
      ok: false,
      code: 'CID_UNSUPPORTED_CODEC',
    });
  });

  it('accepts other multibase encodings with anyBase, still v1 only', () => {
    for (const text of [RAW_CID.toString(base58btc), RAW_CID.toString(base36), RAW_CID.toString(base16)]) {
      const result = parseCidString(text, { anyBase: true });
      expect(result.ok && result.value.toString()).toBe(RAW_CID_B32);
    }
    expect(parseCidString(V0, { anyBase: true })).toMatchObject({ ok: false, code: 'CID_MALFORMED' });
    expect(parseCidString(IDENTITY_CID, { anyBase: true })).toMatchObject({ code: 'CID_IDENTITY_HASH' });
  });

  it('returns a CID whose string is recomputed, not echoed from the input', () => {
    const result = parseCidString(RAW_CID.toString(base58btc), { anyBase: true });
    expect(result.ok && result.value.toString()).toBe(RAW_CID_B32);
    expect(result.ok && result.value.code).toBe(RAW);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const KNOWN_CODES = new Set<string>(ERROR_CODES);

const upperOrLower = (text: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((flags) => [...text].map((c, i) => (flags[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

const hexDigest = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .chain((bytes) => upperOrLower([...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')));

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = `${LETTERS}0123456789`;
const chars = (alphabet: string, length: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: length, maxLength: length });

/** A valid ISRC in any spelling: case mixed, hyphens or spaces between the four parts. */
const isrcInput = fc
  .tuple(chars(LETTERS, 2), chars(ALNUM, 3), chars('0123456789', 2), chars('0123456789', 5))
  .chain(([cc, reg, yy, nnnnn]) =>
    fc
      .tuple(fc.constantFrom('', '-', ' '), upperOrLower(`${cc}|${reg}|${yy}|${nnnnn}`))
      .map(([sep, text]) => text.replaceAll('|', sep)),
  );

/** A valid ISWC in either form. */
const iswcInput = fc
  .tuple(chars('0123456789', 9), fc.boolean(), fc.constantFrom('T', 't'))
  .map(([digits, hyphenated, t]) => {
    let sum = 1;
    for (let i = 0; i < 9; i++) sum += (i + 1) * Number(digits[i]);
    const check = (10 - (sum % 10)) % 10;
    return hyphenated
      ? `${t}-${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6)}-${check}`
      : `${t}${digits}${check}`;
  });

const webUrl = fc.webUrl({
  withQueryParameters: true,
  withFragments: true,
  authoritySettings: { withIPv4: true, withIPv6: true, withIPv4Extended: true, withPort: true },
});

/** Rewrites a URL in ways that must not change its normal form. */
const messyUrl = fc
  .tuple(webUrl, fc.boolean(), fc.boolean(), fc.boolean(), fc.nat())
  .map(([url, upperScheme, addDotSegment, encodeLetter, at]) => {
    let out = url;
    if (upperScheme) out = out.replace(/^https?/, (s) => s.toUpperCase());
    // The path runs from the end of the authority to the first "?" or "#" (it may be empty).
    const authorityStart = out.indexOf('//') + 2;
    const delimiter = out.slice(authorityStart).search(/[/?#]/);
    const pathStart = delimiter === -1 ? out.length : authorityStart + delimiter;
    if (addDotSegment) out = `${out.slice(0, pathStart)}/x/..${out.slice(pathStart)}`;
    if (encodeLetter) {
      const end = out.slice(pathStart).search(/[?#]/);
      const pathEnd = end === -1 ? out.length : pathStart + end;
      // Letters outside existing %XX triplets.
      const letters = [...out.slice(pathStart, pathEnd).matchAll(/%[0-9A-Fa-f]{2}|([A-Za-z])/g)].filter(
        (m) => m[1] !== undefined,
      );
      const hit = letters[at % Math.max(letters.length, 1)];
      if (hit?.index !== undefined) {
        const i = pathStart + hit.index;
        out = `${out.slice(0, i)}%${out.charCodeAt(i).toString(16)}${out.slice(i + 1)}`;
      }
    }
    return { url, messy: out };
  });

const validIdInput = fc.oneof(
  hexDigest.map((hex) => `sha256:${hex}`),
  isrcInput.map((isrc) => `isrc:${isrc}`),
  iswcInput.map((iswc) => `iswc:${iswc}`),
  webUrl.map((url) => `url:${url}`),
  webUrl.map((url) => `url-prefix:${url}`),
  fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .map((d) => `cid:${CID.createV1(RAW, Digest.create(0x12, d))}`),
);

const KINDS = [
  'sha256:',
  'cid:',
  'isrc:',
  'iswc:',
  'url:',
  'url-prefix:',
  'URL:',
  'url:https://',
  'url:http://a.com/',
];
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.tuple(fc.constantFrom(...KINDS), fc.string({ unit: 'binary', maxLength: 200 })).map(([k, s]) => k + s),
  fc
    .tuple(fc.constantFrom(...KINDS), fc.string({ unit: 'binary-ascii', maxLength: 200 }))
    .map(([k, s]) => k + s),
);

describe('properties', () => {
  it('normalization is idempotent on generated ids (hashes, ISRCs, ISWCs, URLs, CIDs)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(validIdInput, (input) => {
        const once = normalizeWorkId(input);
        if (!once.ok) {
          // Only url-prefix may refuse a generated URL (it has a query).
          expect(input.startsWith('url-prefix:')).toBe(true);
          expect(once.code).toBe('WORK_ID_URL_MALFORMED');
          return;
        }
        accepted++;
        expect(normalizeWorkId(once.value)).toEqual(once);
        expect(isWorkId(once.value)).toBe(true);
        expect(once.value).toMatch(/^[\x21-\x7e]+$/);
        expect(once.value.length).toBeLessThanOrEqual(MAX_WORK_ID_LENGTH);
      }),
      RUNS,
    );
    expect(accepted).toBeGreaterThan(700);
  });

  it('URL normalization ignores scheme case, dot segments, encoded letters and fragments', () => {
    fc.assert(
      fc.property(messyUrl, ({ url, messy }) => {
        const clean = normalizeWorkId(`url:${url}`);
        expect(clean.ok).toBe(true);
        expect(normalizeWorkId(`url:${messy}`)).toEqual(clean);
      }),
      RUNS,
    );
  });

  it('every prefix urlPrefixesOf lists is a normalized url-prefix that covers the URL', () => {
    fc.assert(
      fc.property(webUrl, (url) => {
        const id = normalizeWorkId(`url:${url}`);
        if (!id.ok) return;
        const prefixes = urlPrefixesOf(id.value);
        expect(prefixes.length).toBeGreaterThan(0);
        const target = id.value.slice('url:'.length);
        for (const prefix of prefixes) {
          expect(isWorkId(prefix)).toBe(true);
          expect(target.startsWith(prefix.slice('url-prefix:'.length))).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('urlPrefixesOf never lists more than 1 + MAX_URL_PREFIX_SEGMENTS keys, each a valid url-prefix id, and misses no valid prefix', () => {
    // Paths of 0 to 40 segments, some long, some empty, with or without a trailing slash or query.
    const segment = fc.oneof(
      fc.constantFrom('', 'a', 'the-flight', '%2F', '..', '.'),
      fc.string({ unit: fc.constantFrom(...'abc-_~.0'), maxLength: 60 }),
    );
    const deepUrl = fc
      .tuple(
        webUrl,
        fc.array(segment, { maxLength: 40, size: 'max' }),
        fc.boolean(),
        fc.constantFrom('', '?x=a/b/c'),
        fc.constantFrom('url:', 'url-prefix:'),
      )
      .map(([url, segments, slash, query, kind]) => {
        const origin = new URL(url).origin;
        return `${kind}${origin}/${segments.join('/')}${slash ? '/' : ''}${query}`;
      });
    let accepted = 0;
    let deep = 0;
    fc.assert(
      fc.property(deepUrl, fc.nat(45), (input, cut) => {
        const id = normalizeWorkId(input);
        if (!id.ok) return;
        accepted++;
        const prefixes = urlPrefixesOf(id.value);
        expect(prefixes.length).toBeGreaterThan(0);
        expect(prefixes.length).toBeLessThanOrEqual(MAX_URL_PREFIX_SEGMENTS + 1);
        if (prefixes.length === MAX_URL_PREFIX_SEGMENTS + 1) deep++;
        const target = id.value.slice(id.value.indexOf(':') + 1);
        for (const [depth, prefix] of prefixes.entries()) {
          expect(parseNormalizedWorkId(prefix)).toEqual({ ok: true, value: prefix });
          const path = new URL(prefix.slice('url-prefix:'.length)).pathname;
          expect(path.split('/').length - 2).toBe(depth);
          expect(target.startsWith(prefix.slice('url-prefix:'.length))).toBe(true);
        }
        // Complete: every enclosing directory that is a valid url-prefix id is listed.
        const pathEnd = target.includes('?') ? target.indexOf('?') : target.length;
        let slash = target.indexOf('/', target.indexOf('//') + 2);
        for (let depth = 0; depth < cut && slash !== -1; depth++) slash = target.indexOf('/', slash + 1);
        if (slash !== -1 && slash < pathEnd) {
          const enclosing = `url-prefix:${target.slice(0, slash + 1)}`;
          expect(prefixes.includes(enclosing as WorkId)).toBe(isWorkId(enclosing));
        }
      }),
      RUNS,
    );
    // Both cases are exercised: ids that fill the bound and ids below it.
    expect(deep).toBeGreaterThan(RUNS.numRuns / 10);
    expect(accepted - deep).toBeGreaterThan(RUNS.numRuns / 10);
  });

  it('never throws on arbitrary strings and fails only with WORK_ID_* codes', () => {
    fc.assert(
      fc.property(anyString, (input) => {
        const result = normalizeWorkId(input);
        if (result.ok) {
          expect(normalizeWorkId(result.value)).toEqual(result);
        } else {
          expect(KNOWN_CODES.has(result.code)).toBe(true);
          expect(result.code).toMatch(/^WORK_ID_/);
        }
        const strict = parseNormalizedWorkId(input);
        if (!strict.ok) expect(strict.code).toMatch(/^WORK_ID_/);
      }),
      RUNS,
    );
  });

  it('parseCidString never throws on arbitrary strings and fails only with CID_* codes', () => {
    const cidLike = fc.oneof(
      anyString,
      fc
        .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567'), maxLength: 80 })
        .map((s) => `b${s}`),
      fc.uint8Array({ maxLength: 60 }).map((bytes) => base32.encode(bytes)),
      fc.uint8Array({ maxLength: 60 }).map((bytes) => base32.encode(Uint8Array.from([1, ...bytes]))),
    );
    fc.assert(
      fc.property(cidLike, fc.boolean(), (input, anyBase) => {
        const result = parseCidString(input, { anyBase });
        if (result.ok) {
          // Without anyBase only the canonical string is accepted: it is the CID's one spelling.
          if (!anyBase) expect(result.value.toString(base32)).toBe(input);
          expect(result.value.version).toBe(1);
          expect(result.value.multihash.code).toBe(0x12);
          expect(result.value.multihash.digest.length).toBe(32);
        } else {
          expect(KNOWN_CODES.has(result.code)).toBe(true);
          expect(result.code).toMatch(/^CID_/);
        }
      }),
      RUNS,
    );
  });

  it('a CIDv0 and its CIDv1 dag-pb form normalize to the same id', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (digest) => {
        const v0 = CID.createV0(Digest.create(0x12, digest));
        const v1 = CID.createV1(DAG_PB, Digest.create(0x12, digest));
        expect(normalizeWorkId(`cid:${v0}`)).toEqual({ ok: true, value: `cid:${v1.toString(base32)}` });
      }),
      RUNS,
    );
  });
});
