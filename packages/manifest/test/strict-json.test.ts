import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/support/fuzz.js';
import {
  hasSharedVectors,
  sharedVectorBytes,
  sharedVectorFiles,
  skipReason,
} from '../../../test/support/shared-vectors.js';
import { ERROR_CODES, type ErrorCode } from '../src/errors.js';
import { type JsonValue, parseJson, type StrictJsonOptions } from '../src/strict-json.js';
import { safeJson } from './json-arbitraries.js';

const utf8 = new TextEncoder();
const bytesOf = (text: string): Uint8Array => utf8.encode(text);

/** The strict parser's codes: every `JSON_*` code of the package. */
const JSON_CODES: readonly string[] = ERROR_CODES.filter((code) => code.startsWith('JSON_'));

/** Parses and returns the value, failing the test with the failure if there is one. */
function accept(input: Uint8Array | string, options?: StrictJsonOptions): JsonValue {
  const result = parseJson(input, options);
  if (!result.ok) expect.fail(`expected success, got ${result.code}: ${result.message}`);
  return result.value;
}

describe.skipIf(!hasSharedVectors)(`JSONTestSuite (nst/JSONTestSuite test_parsing)${skipReason}`, () => {
  const files = hasSharedVectors ? sharedVectorFiles('json-parsing') : [];
  const rejectFiles = files.filter((f) => f.startsWith('n_'));
  const acceptFiles = files.filter((f) => f.startsWith('y_'));
  // The strictness rules (DESIGN §2) that RFC 8259 leaves open; y_ files may trip only these.
  const strictnessCodes = ['JSON_DUPLICATE_KEY', 'JSON_LONE_SURROGATE', 'JSON_UNSAFE_INTEGER'];

  it('has all the vectors', () => {
    expect(rejectFiles).toHaveLength(188);
    expect(acceptFiles).toHaveLength(95);
  });

  it('rejects every n_ file', () => {
    const accepted: string[] = [];
    for (const file of rejectFiles) {
      const bytes = sharedVectorBytes(`json-parsing/${file}`);
      const result = parseJson(bytes, { allowFloats: true, maxDepth: 100_000 });
      if (result.ok) accepted.push(file);
      else expect(JSON_CODES, file).toContain(result.code);
    }
    expect(accepted).toEqual([]);
  });

  it('accepts every y_ file as JSON.parse reads it, or rejects it only for a strictness rule', () => {
    const rejected: string[] = [];
    let acceptedCount = 0;
    for (const file of acceptFiles) {
      const bytes = sharedVectorBytes(`json-parsing/${file}`);
      const result = parseJson(bytes, { allowFloats: true, maxDepth: 100_000 });
      if (result.ok) {
        acceptedCount++;
        expect(result.value, file).toEqual(JSON.parse(new TextDecoder().decode(bytes)));
      } else {
        expect(strictnessCodes, `${file}: ${result.message}`).toContain(result.code);
        rejected.push(`${file}: ${result.code}`);
      }
    }
    expect(rejected).toEqual([
      'y_object_duplicated_key.json: JSON_DUPLICATE_KEY',
      'y_object_duplicated_key_and_value.json: JSON_DUPLICATE_KEY',
    ]);
    expect(acceptedCount).toBe(93);
  });

  it('rejects the y_ files with fractions or exponents when floats are not allowed', () => {
    const floats = acceptFiles.filter((file) => {
      const r = parseJson(sharedVectorBytes(`json-parsing/${file}`));
      return !r.ok && r.code === 'JSON_FLOAT_NOT_ALLOWED';
    });
    expect(floats).toContain('y_number_real_capital_e.json');
    expect(floats).toContain('y_object_extreme_numbers.json');
    expect(floats).toHaveLength(15);
  });
});

interface Case {
  readonly id: string;
  readonly input: string | Uint8Array;
  readonly code: ErrorCode;
  readonly path?: string;
  readonly options?: StrictJsonOptions;
}

/** Each must fail with exactly this code (and this path, where given). */
const invalid: readonly Case[] = [
  // RFC 8259 grammar
  { id: 'empty input', input: '', code: 'JSON_SYNTAX' },
  { id: 'only whitespace', input: ' \n', code: 'JSON_SYNTAX' },
  {
    id: 'BOM in bytes (RFC 8259 §8.1)',
    input: new Uint8Array([0xef, 0xbb, 0xbf, 0x31]),
    code: 'JSON_SYNTAX',
  },
  { id: 'BOM in a string', input: '\ufeff1', code: 'JSON_SYNTAX' },
  { id: 'trailing comma in array', input: '[1,]', code: 'JSON_SYNTAX' },
  { id: 'trailing comma in object', input: '{"a":1,}', code: 'JSON_SYNTAX' },
  { id: 'leading zero', input: '[01]', code: 'JSON_SYNTAX' },
  { id: 'negative leading zero', input: '-01', code: 'JSON_SYNTAX' },
  { id: 'plus sign', input: '+1', code: 'JSON_SYNTAX' },
  { id: 'bare minus', input: '-', code: 'JSON_SYNTAX' },
  { id: 'fraction without digits', input: '1.', code: 'JSON_SYNTAX', options: { allowFloats: true } },
  { id: 'fraction without integer part', input: '.5', code: 'JSON_SYNTAX', options: { allowFloats: true } },
  { id: 'exponent without digits', input: '1e+', code: 'JSON_SYNTAX', options: { allowFloats: true } },
  { id: 'hex number', input: '0x10', code: 'JSON_SYNTAX' },
  { id: 'NaN', input: 'NaN', code: 'JSON_SYNTAX' },
  { id: 'Infinity', input: '[-Infinity]', code: 'JSON_SYNTAX' },
  { id: 'float overflow', input: '[1e400]', code: 'JSON_SYNTAX', options: { allowFloats: true } },
  { id: 'line comment', input: '[1]// c', code: 'JSON_SYNTAX' },
  { id: 'block comment', input: '[/* c */1]', code: 'JSON_SYNTAX' },
  { id: 'single quotes', input: "['a']", code: 'JSON_SYNTAX' },
  { id: 'unquoted key', input: '{a:1}', code: 'JSON_SYNTAX' },
  { id: 'missing colon', input: '{"a" 1}', code: 'JSON_SYNTAX' },
  { id: 'missing value', input: '{"a":}', code: 'JSON_SYNTAX' },
  { id: 'two values', input: '1 2', code: 'JSON_SYNTAX' },
  { id: 'unclosed array', input: '[1', code: 'JSON_SYNTAX' },
  { id: 'unclosed object', input: '{"a":1', code: 'JSON_SYNTAX' },
  { id: 'unterminated string', input: '"abc', code: 'JSON_SYNTAX' },
  { id: 'raw tab in string', input: '"a\tb"', code: 'JSON_SYNTAX' },
  { id: 'raw NUL in string', input: '"a\u0000"', code: 'JSON_SYNTAX' },
  { id: 'unknown escape', input: '"\\x41"', code: 'JSON_SYNTAX' },
  { id: 'short \\u escape', input: '"\\u12"', code: 'JSON_SYNTAX' },
  { id: 'non-hex \\u escape', input: '"\\u12G4"', code: 'JSON_SYNTAX' },
  { id: 'truncated literal', input: 'tru', code: 'JSON_SYNTAX' },
  { id: 'capitalised literal', input: 'True', code: 'JSON_SYNTAX' },
  { id: 'form feed is not whitespace', input: '\f1', code: 'JSON_SYNTAX' },
  { id: 'vertical tab is not whitespace', input: '[1,\v2]', code: 'JSON_SYNTAX' },
  { id: 'NBSP is not whitespace', input: '\u00a01', code: 'JSON_SYNTAX' },
  { id: 'U+2028 is not whitespace', input: '[1\u2028]', code: 'JSON_SYNTAX' },
  { id: 'lone surrogate outside a string', input: '[1]\ud800', code: 'JSON_SYNTAX' },
  // Encoding (RFC 8259 §8.1, RFC 3629)
  { id: 'invalid UTF-8 byte', input: new Uint8Array([0x22, 0xff, 0x22]), code: 'JSON_INVALID_UTF8' },
  { id: 'overlong UTF-8', input: new Uint8Array([0x22, 0xc0, 0xaf, 0x22]), code: 'JSON_INVALID_UTF8' },
  {
    id: 'UTF-8 encoded surrogate (CESU)',
    input: new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]),
    code: 'JSON_INVALID_UTF8',
  },
  { id: 'truncated UTF-8', input: new Uint8Array([0x22, 0xe2, 0x82]), code: 'JSON_INVALID_UTF8' },
  { id: 'UTF-16LE text', input: new Uint8Array([0xff, 0xfe, 0x31, 0x00]), code: 'JSON_INVALID_UTF8' },
  // Duplicate keys (RFC 7493 §2.3), compared after unescaping
  { id: 'duplicate key', input: '{"a":1,"a":2}', code: 'JSON_DUPLICATE_KEY', path: '/a' },
  { id: 'duplicate key, same value', input: '{"a":1,"b":2,"a":1}', code: 'JSON_DUPLICATE_KEY', path: '/a' },
  { id: 'duplicate key via escape', input: '{"a":1,"\\u0061":2}', code: 'JSON_DUPLICATE_KEY', path: '/a' },
  {
    id: 'nested duplicate key',
    input: '{"x":[0,{"k/~":1,"k/~":2}]}',
    code: 'JSON_DUPLICATE_KEY',
    path: '/x/1/k~1~0',
  },
  {
    id: 'duplicate __proto__',
    input: '{"__proto__":1,"__proto__":2}',
    code: 'JSON_DUPLICATE_KEY',
    path: '/__proto__',
  },
  { id: 'duplicate empty key', input: '{"":1,"":2}', code: 'JSON_DUPLICATE_KEY', path: '/' },
  // Lone surrogates (RFC 7493 §2.1)
  { id: 'escaped lone high surrogate', input: '["\\ud800"]', code: 'JSON_LONE_SURROGATE', path: '/0' },
  { id: 'escaped lone low surrogate', input: '{"a":"x\\uDC00"}', code: 'JSON_LONE_SURROGATE', path: '/a' },
  { id: 'escaped reversed pair', input: '"\\udc00\\ud800"', code: 'JSON_LONE_SURROGATE', path: '' },
  { id: 'escaped high + high', input: '"\\ud800\\ud800"', code: 'JSON_LONE_SURROGATE', path: '' },
  { id: 'escaped high + other escape', input: '"\\ud800\\n"', code: 'JSON_LONE_SURROGATE', path: '' },
  { id: 'raw lone high surrogate', input: '["a\ud800b"]', code: 'JSON_LONE_SURROGATE', path: '/0' },
  { id: 'raw lone low surrogate', input: '{"a":["\udc00"]}', code: 'JSON_LONE_SURROGATE', path: '/a/0' },
  { id: 'raw high + escaped low', input: '"\ud83d\\ude00"', code: 'JSON_LONE_SURROGATE', path: '' },
  { id: 'escaped high + raw low', input: '"\\ud83d\ude00"', code: 'JSON_LONE_SURROGATE', path: '' },
  { id: 'lone surrogate in a key', input: '{"a":{"\\udfff":1}}', code: 'JSON_LONE_SURROGATE', path: '/a' },
  {
    id: 'raw lone surrogate in a key',
    input: '[{"ok":1,"\ud800":1}]',
    code: 'JSON_LONE_SURROGATE',
    path: '/0',
  },
  // Integers (RFC 7493 §2.2)
  { id: '2^53', input: '9007199254740992', code: 'JSON_UNSAFE_INTEGER', path: '' },
  { id: '-2^53', input: '-9007199254740992', code: 'JSON_UNSAFE_INTEGER', path: '' },
  { id: '2^53 + 1', input: '[9007199254740993]', code: 'JSON_UNSAFE_INTEGER', path: '/0' },
  { id: 'huge integer', input: `{"n":${'9'.repeat(400)}}`, code: 'JSON_UNSAFE_INTEGER', path: '/n' },
  {
    id: 'unsafe integer with floats allowed',
    input: '[1.5,12345678901234567890]',
    code: 'JSON_UNSAFE_INTEGER',
    path: '/1',
    options: { allowFloats: true },
  },
  // Floats (DESIGN §2)
  { id: 'fraction', input: '{"a":[1.5]}', code: 'JSON_FLOAT_NOT_ALLOWED', path: '/a/0' },
  { id: 'exponent', input: '1E2', code: 'JSON_FLOAT_NOT_ALLOWED', path: '' },
  { id: 'zero fraction', input: '[1.0]', code: 'JSON_FLOAT_NOT_ALLOWED', path: '/0' },
  { id: 'negative exponent', input: '[0,-2e-3]', code: 'JSON_FLOAT_NOT_ALLOWED', path: '/1' },
  // Depth and size
  {
    id: 'depth 33',
    input: `${'['.repeat(33)}${']'.repeat(33)}`,
    code: 'JSON_TOO_DEEP',
    path: '/0'.repeat(32),
  },
  {
    id: 'depth 3 of 2',
    input: '{"a":[{"b":1}]}',
    code: 'JSON_TOO_DEEP',
    path: '/a/0',
    options: { maxDepth: 2 },
  },
  { id: 'any container at depth 0', input: '[]', code: 'JSON_TOO_DEEP', path: '', options: { maxDepth: 0 } },
  { id: 'bytes over maxBytes', input: bytesOf('[1,2]'), code: 'JSON_TOO_LARGE', options: { maxBytes: 4 } },
  { id: 'string over maxBytes', input: '[1,2]', code: 'JSON_TOO_LARGE', options: { maxBytes: 4 } },
  // "é" is one UTF-16 code unit but two UTF-8 bytes; "😀" is two units and four bytes.
  { id: 'string measured as UTF-8', input: '"é"', code: 'JSON_TOO_LARGE', options: { maxBytes: 3 } },
  { id: 'astral string measured as UTF-8', input: '"😀"', code: 'JSON_TOO_LARGE', options: { maxBytes: 5 } },
  {
    id: 'size before UTF-8',
    input: new Uint8Array([0xff, 0xff, 0xff]),
    code: 'JSON_TOO_LARGE',
    options: { maxBytes: 2 },
  },
];

describe('parseJson rejects', () => {
  it.each(invalid.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const result = parseJson(c.input, c.options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(c.code);
    expect(result.message).not.toBe('');
    if (c.path !== undefined) expect(result.path).toBe(c.path);
  });

  it('gives the offset of a syntax error, in bytes for bytes and code units for strings', () => {
    expect(parseJson('["é", x]')).toMatchObject({
      code: 'JSON_SYNTAX',
      message: expect.stringContaining('offset 6'),
    });
    expect(parseJson(bytesOf('["é", x]'))).toMatchObject({ message: expect.stringContaining('offset 7') });
    expect(parseJson(new Uint8Array([0x22, 0x61, 0xed, 0xa0, 0x80]))).toMatchObject({
      code: 'JSON_INVALID_UTF8',
      message: expect.stringContaining('offset 2'),
    });
  });

  it('reports the first problem in document order', () => {
    expect(parseJson('[1.5, 1e999999, {"a":1,"a":2}]')).toMatchObject({ code: 'JSON_FLOAT_NOT_ALLOWED' });
    expect(parseJson('[{"a":1,"a":2}, 1.5]')).toMatchObject({ code: 'JSON_DUPLICATE_KEY' });
    expect(parseJson('[1.5,')).toMatchObject({ code: 'JSON_FLOAT_NOT_ALLOWED' });
  });
});

describe('parseJson accepts', () => {
  it('every kind of value, with RFC 8259 whitespace', () => {
    expect(accept(' \t\r\n{ "a" : [ 1 , -2 , true , false , null , "s" , { } , [ ] ] } \n')).toEqual({
      a: [1, -2, true, false, null, 's', {}, []],
    });
    expect(accept('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u00e9\\uD83D\\uDE00"')).toBe('"\\/\b\f\n\r\t\u0000é😀');
    expect(accept('"😀 raw pair"')).toBe('😀 raw pair');
    expect(accept(bytesOf('{"k":"\u2028\u2029\u007f\ufffe\u{10ffff}"}'))).toEqual({
      k: '\u2028\u2029\u007f\ufffe\u{10ffff}',
    });
  });

  it('top-level scalars (RFC 8259 §2)', () => {
    expect(accept('0')).toBe(0);
    expect(accept('"x"')).toBe('x');
    expect(accept('null')).toBe(null);
    expect(accept(' true ')).toBe(true);
  });

  it('numbers: -0, the safe-integer bounds, and floats only when allowed', () => {
    expect(Object.is(accept('-0'), -0)).toBe(true); // as JSON.parse; JCS writes it as 0
    expect(accept('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(accept('-9007199254740991')).toBe(Number.MIN_SAFE_INTEGER);
    expect(accept('[123456789012345, 1234567890123456]')).toEqual([123456789012345, 1234567890123456]);
    expect(accept('1E2', { allowFloats: true })).toBe(100);
    expect(accept('[1.5,-0.0,2e-3,1e-400]', { allowFloats: true })).toEqual([1.5, -0, 0.002, 0]);
    expect(accept('1.7976931348623157e308', { allowFloats: true })).toBe(Number.MAX_VALUE);
  });

  it('"__proto__" and "constructor" as own data properties of a plain object', () => {
    const value = accept('{"__proto__":{"polluted":true},"constructor":{"prototype":1},"toString":2}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__', 'constructor', 'toString']);
    const proto = Object.getOwnPropertyDescriptor(value, '__proto__');
    expect(proto).toMatchObject({ value: { polluted: true }, enumerable: true, writable: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((value as Record<string, unknown>).constructor).toEqual({ prototype: 1 });
    expect(JSON.stringify(value)).toBe(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":1},"toString":2}',
    );
  });

  it('nesting up to maxDepth', () => {
    expect(accept(`${'['.repeat(32)}${']'.repeat(32)}`)).toBeDefined();
    expect(accept('{"a":{"b":1}}', { maxDepth: 2 })).toEqual({ a: { b: 1 } });
    expect(accept('1', { maxDepth: 0 })).toBe(1);
  });

  it('100,000 levels of nesting without overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parseJson(deep)).not.toThrow();
    expect(parseJson(deep)).toMatchObject({ ok: false, code: 'JSON_TOO_DEEP' });
    const objects = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    expect(parseJson(objects, { maxDepth: 100_000 }).ok).toBe(true);
    expect(parseJson(bytesOf(deep), { maxDepth: Number.POSITIVE_INFINITY }).ok).toBe(true);
  });

  it('input of exactly maxBytes', () => {
    expect(accept(bytesOf('[1,2]'), { maxBytes: 5 })).toEqual([1, 2]);
    expect(accept('"é"', { maxBytes: 4 })).toBe('é');
    expect(accept('"😀"', { maxBytes: 6 })).toBe('😀');
  });

  it('up to 1 MiB by default', () => {
    const max = `"${'a'.repeat(1_048_574)}"`;
    expect(accept(max)).toHaveLength(1_048_574);
    expect(parseJson(`${max} `)).toMatchObject({ code: 'JSON_TOO_LARGE' });
    expect(parseJson(new Uint8Array(1_048_577))).toMatchObject({ code: 'JSON_TOO_LARGE' });
  });

  it('a view into a larger buffer', () => {
    const buffer = bytesOf('xx[1]yy');
    expect(accept(buffer.subarray(2, 5))).toEqual([1]);
  });
});

describe('parseJson misuse', () => {
  it('throws TypeError for a wrong input type', () => {
    for (const input of [undefined, null, 1, {}, [1], new ArrayBuffer(2), new Uint16Array(2)]) {
      expect(() => parseJson(input as unknown as string)).toThrow(TypeError);
    }
  });

  it('throws for bad options', () => {
    expect(() => parseJson('1', null as unknown as StrictJsonOptions)).toThrow(TypeError);
    expect(() => parseJson('1', { maxDepth: '3' as unknown as number })).toThrow(TypeError);
    expect(() => parseJson('1', { allowFloats: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => parseJson('1', { maxBytes: -1 })).toThrow(RangeError);
    expect(() => parseJson('1', { maxDepth: 1.5 })).toThrow(RangeError);
    expect(() => parseJson('1', { maxBytes: Number.NaN })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests

/** Any UTF-16 code unit, lone surrogates included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** JSON text damaged by inserting, deleting or replacing a few characters. */
const damagedJson = fc
  .tuple(
    safeJson.map((v) => JSON.stringify(v)),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 3 }),
        fc.oneof(
          fc.constantFrom(
            ',',
            ':',
            '"',
            '\\',
            '[',
            ']',
            '{',
            '}',
            '-',
            '.',
            'e',
            '0',
            ' ',
            '\n',
            '\\u',
            '\ud800',
          ),
          fc.string({ unit: anyCodeUnit, maxLength: 2 }),
        ),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, remove, insert] of edits) {
      const i = at % (out.length + 1);
      out = out.slice(0, i) + insert + out.slice(i + remove);
    }
    return out;
  });

function expectJsonFailureOrValue(input: Uint8Array | string, options?: StrictJsonOptions): void {
  const result = parseJson(input, options);
  if (!result.ok) expect(JSON_CODES).toContain(result.code);
}

/** parseJson accepts a subset of what JSON.parse accepts, and agrees on the value. */
function expectAgreesWithJsonParse(text: string): void {
  const result = parseJson(text, { allowFloats: true, maxDepth: 10_000 });
  let reference: { value: unknown } | undefined;
  try {
    reference = { value: JSON.parse(text) };
  } catch {
    reference = undefined;
  }
  if (reference === undefined) {
    expect(result.ok).toBe(false);
  } else if (result.ok) {
    expect(result.value).toEqual(reference.value);
  } else {
    // JSON.parse is laxer only where the strict rules apply.
    expect(['JSON_DUPLICATE_KEY', 'JSON_LONE_SURROGATE', 'JSON_UNSAFE_INTEGER', 'JSON_SYNTAX']).toContain(
      result.code,
    );
    if (result.code === 'JSON_SYNTAX') expect(result.message).toMatch(/out of range/);
  }
}

describe('parseJson properties', () => {
  it('never throws on arbitrary strings, and fails only with JSON_* codes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => expectJsonFailureOrValue(s)),
      fuzzParams(),
    );
    fc.assert(
      fc.property(fc.string({ unit: anyCodeUnit }), (s) => expectJsonFailureOrValue(s)),
      fuzzParams(),
    );
  });

  it('never throws on arbitrary bytes, and fails only with JSON_* codes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => expectJsonFailureOrValue(b)),
      fuzzParams(),
    );
  });

  it('never throws on damaged JSON, as a string or as bytes', () => {
    fc.assert(
      fc.property(damagedJson, fc.boolean(), (text, allowFloats) => {
        expectJsonFailureOrValue(text, { allowFloats });
        expectJsonFailureOrValue(bytesOf(text), { allowFloats, maxDepth: 4 });
      }),
      fuzzParams(),
    );
  });

  it('agrees with JSON.parse on JSON.stringify of random values (safe integers, no floats)', () => {
    fc.assert(
      fc.property(safeJson, fc.constantFrom(undefined, 1, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(accept(text, { maxDepth: 1000 })).toEqual(JSON.parse(text));
        expect(accept(bytesOf(text), { maxDepth: 1000 })).toEqual(JSON.parse(text));
      }),
      fuzzParams(),
    );
  });

  it('accepts only what JSON.parse accepts, with the same value, on damaged JSON', () => {
    fc.assert(fc.property(damagedJson, expectAgreesWithJsonParse), fuzzParams());
  });

  it('agrees with JSON.parse on JSON.stringify of any finite double, when floats are allowed', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const text = JSON.stringify(d);
        if (/^-?\d+$/.test(text) && !Number.isSafeInteger(d)) {
          // Doubles from 2^53 up to 1e21 are written without exponent: an integer token, which the
          // safe-integer rule rejects even when floats are allowed.
          expect(parseJson(text, { allowFloats: true })).toMatchObject({ code: 'JSON_UNSAFE_INTEGER' });
        } else {
          expect(accept(text, { allowFloats: true })).toBe(JSON.parse(text));
        }
      }),
      fuzzParams(),
    );
  });
});
