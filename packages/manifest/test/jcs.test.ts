import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../test/support/fuzz.js';
import {
  hasSharedVectors,
  sharedVectorBytes,
  sharedVectorFiles,
  skipReason,
} from '../../../test/support/shared-vectors.js';
import { canonicalBytes, canonicalize, isCanonical } from '../src/jcs.js';
import { type JsonValue, parseJson } from '../src/strict-json.js';
import { safeJson } from './json-arbitraries.js';

const utf8 = new TextEncoder();
const bytesOf = (text: string): Uint8Array => utf8.encode(text);

function parsed(text: string, allowFloats = false): JsonValue {
  const result = parseJson(text, { allowFloats, maxDepth: 1000 });
  if (!result.ok) expect.fail(`${result.code}: ${result.message}`);
  return result.value;
}

describe.skipIf(!hasSharedVectors)(
  `JCS reference vectors (cyberphone/json-canonicalization)${skipReason}`,
  () => {
    const files = hasSharedVectors ? sharedVectorFiles('jcs/input') : [];

    it('has all the vectors', () => {
      expect(files).toEqual([
        'arrays.json',
        'french.json',
        'structures.json',
        'unicode.json',
        'values.json',
        'weird.json',
      ]);
    });

    it.each(files)('%s: canonical bytes are byte-exact', (file) => {
      const input = parseJson(sharedVectorBytes(`jcs/input/${file}`), { allowFloats: true });
      if (!input.ok) expect.fail(`${input.code}: ${input.message}`);
      const expected = sharedVectorBytes(`jcs/output/${file}`);
      expect(canonicalBytes(input.value)).toEqual(expected);
      expect(isCanonical(expected, { allowFloats: true })).toEqual(input);
      expect(isCanonical(sharedVectorBytes(`jcs/input/${file}`), { allowFloats: true })).toMatchObject({
        code: 'NOT_CANONICAL',
      });
    });
  },
);

describe('canonicalize', () => {
  it('sorts members by UTF-16 code units, not code points or locale (RFC 8785 §3.2.3)', () => {
    // U+1F600 is D83D DE00 in UTF-16, so it sorts before U+FB33 although its code point is larger.
    const value = { '\ufb33': 1, '😀': 2, é: 3, e: 4, E: 5, '10': 6, '9': 7, '': 8, aa: 9, a: 10 };
    expect(canonicalize(value)).toBe('{"":8,"10":6,"9":7,"E":5,"a":10,"aa":9,"e":4,"é":3,"😀":2,"\ufb33":1}');
  });

  it('sorts nested objects and keeps array order', () => {
    expect(canonicalize({ b: [3, { z: 1, y: [] }, 1], a: {} })).toBe('{"a":{},"b":[3,{"y":[],"z":1},1]}');
  });

  it('escapes strings as RFC 8785 §3.2.2.2 does', () => {
    const all = Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c)).join('');
    expect(canonicalize(all)).toBe(
      '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f' +
        '\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"',
    );
    expect(canonicalize('"\\/\u007f\u2028\u2029é😀<')).toBe('"\\"\\\\/\u007f\u2028\u2029é😀<"');
    expect(canonicalize({ 'k"\n': 'v' })).toBe('{"k\\"\\n":"v"}');
  });

  it('writes numbers as ECMAScript Number::toString (RFC 8785 §3.2.2.3, Appendix B)', () => {
    // RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
    const table: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    const view = new DataView(new ArrayBuffer(8));
    for (const [bits, text] of table) {
      view.setBigUint64(0, BigInt(`0x${bits}`));
      expect(canonicalize(view.getFloat64(0)), bits).toBe(text);
    }
  });

  it('writes -0 as 0', () => {
    expect(canonicalize(-0)).toBe('0');
    expect(canonicalize(parsed('[-0]'))).toBe('[0]');
  });

  it('keeps "__proto__" and "constructor" members', () => {
    expect(canonicalize(parsed('{"constructor":1,"__proto__":{"a":2}}'))).toBe(
      '{"__proto__":{"a":2},"constructor":1}',
    );
    expect(canonicalize(Object.assign(Object.create(null) as object, { b: 1, a: 2 }) as JsonValue)).toBe(
      '{"a":2,"b":1}',
    );
  });

  it('handles 100,000 levels of nesting without overflowing the stack', () => {
    const deep = parseJson(`${'[{"a":'.repeat(50_000)}1${'}]'.repeat(50_000)}`, { maxDepth: 100_000 });
    if (!deep.ok) expect.fail(deep.message);
    const text = canonicalize(deep.value);
    expect(text).toHaveLength(50_000 * 8 + 1);
  });

  it('throws TypeError for what is not JSON', () => {
    const cyclic: JsonValue[] = [1];
    cyclic.push(cyclic);
    const deepCycle: Record<string, JsonValue> = {};
    let cursor = deepCycle;
    for (let i = 0; i < 300; i++) {
      const next: Record<string, JsonValue> = {};
      cursor.x = next;
      cursor = next;
    }
    cursor.back = deepCycle;
    const holey: unknown[] = [1];
    holey[2] = 3;
    class Point {
      x = 1;
    }
    const bad: unknown[] = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      [Number.NEGATIVE_INFINITY],
      '\ud800',
      ['ok', 'x\udc00y'],
      { '\ud83d': 1 },
      '\ude00\ud83d',
      undefined,
      { a: undefined },
      holey,
      () => 1,
      1n,
      Symbol('s'),
      new Date(0),
      new Map(),
      new Point(),
      new Uint8Array(1),
      cyclic,
      deepCycle,
    ];
    for (const value of bad) expect(() => canonicalize(value as JsonValue), String(value)).toThrow(TypeError);
  });

  it('accepts escaped-looking text that holds no lone surrogate', () => {
    expect(canonicalize('\\ud800')).toBe('"\\\\ud800"');
    expect(canonicalize('\ud83d\ude00\\')).toBe('"😀\\\\"');
  });
});

describe('canonicalBytes', () => {
  it('is the UTF-8 of canonicalize', () => {
    expect(canonicalBytes({ é: ['😀'] })).toEqual(bytesOf('{"é":["😀"]}'));
    expect(canonicalBytes(null)).toEqual(bytesOf('null'));
  });
});

describe('isCanonical', () => {
  it('returns the value of canonical bytes', () => {
    expect(isCanonical(bytesOf('{"a":[1,"é",null],"b":{}}'))).toEqual({
      ok: true,
      value: { a: [1, 'é', null], b: {} },
    });
    expect(isCanonical(bytesOf('1.5'), { allowFloats: true })).toEqual({ ok: true, value: 1.5 });
  });

  it.each([
    ['whitespace', '{"a": 1}', 5],
    ['trailing newline', '{"a":1}\n', 7],
    ['member order', '{"b":1,"a":2}', 2],
    ['needless escape', '"\\u0041"', 1],
    ['escaped slash', '"\\/"', 1],
    ['upper-case hex escape', '"\\u001F"', 6],
    ['negative zero', '-0', 0],
    ['escaped non-ASCII', '["\\u00e9"]', 2],
  ])('rejects %s as NOT_CANONICAL', (_name, text, offset) => {
    expect(isCanonical(bytesOf(text))).toEqual({
      ok: false,
      code: 'NOT_CANONICAL',
      message: `Not in RFC 8785 canonical form: first difference at byte offset ${offset}`,
    });
  });

  it('rejects non-canonical numbers when floats are allowed', () => {
    for (const text of ['1.0', '1E2', '0.10', '1e30', '1e21', '2E-3', '1.5e0']) {
      expect(isCanonical(bytesOf(text), { allowFloats: true }), text).toMatchObject({
        code: 'NOT_CANONICAL',
      });
    }
    expect(isCanonical(bytesOf('[1e+21,1e+30,0.002]'), { allowFloats: true }).ok).toBe(true);
  });

  it('passes strict-parse failures through', () => {
    expect(isCanonical(bytesOf('{"a":1,"a":1}'))).toMatchObject({ code: 'JSON_DUPLICATE_KEY', path: '/a' });
    expect(isCanonical(new Uint8Array([0xef, 0xbb, 0xbf, 0x31]))).toMatchObject({ code: 'JSON_SYNTAX' });
    expect(isCanonical(new Uint8Array([0x22, 0xff, 0x22]))).toMatchObject({ code: 'JSON_INVALID_UTF8' });
    expect(isCanonical(bytesOf('1.5'))).toMatchObject({ code: 'JSON_FLOAT_NOT_ALLOWED' });
    expect(isCanonical(bytesOf('[[1]]'), { maxDepth: 1 })).toMatchObject({ code: 'JSON_TOO_DEEP' });
    expect(isCanonical(bytesOf('[1]'), { maxBytes: 2 })).toMatchObject({ code: 'JSON_TOO_LARGE' });
  });

  it('throws TypeError for a string', () => {
    expect(() => isCanonical('1' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests

/** Compares by UTF-16 code units, written out rather than relying on the default sort. */
function compareCodeUnits(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A plain recursive JCS, as RFC 8785 §3.2 reads, to check the iterative one against. */
function referenceJcs(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(referenceJcs).join(',')}]`;
  const keys = Object.keys(value).sort(compareCodeUnits);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${referenceJcs(value[k] as JsonValue)}`).join(',')}}`;
}

/** The same value with every object's members inserted in another order. */
function reordered(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(reordered);
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(value).reverse()) {
    Object.defineProperty(out, k, {
      value: reordered(value[k] as JsonValue),
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

describe('JCS properties', () => {
  it('parseJson(canonicalize(v)) round-trips and canonicalize is idempotent', () => {
    fc.assert(
      fc.property(safeJson, (v) => {
        const text = canonicalize(v);
        const back = parsed(text);
        expect(back).toEqual(v);
        expect(canonicalize(back)).toBe(text);
        expect(isCanonical(bytesOf(text), { maxDepth: 1000 })).toEqual({ ok: true, value: back });
      }),
      fuzzParams(),
    );
  });

  it('matches a reference JCS construction and ignores member order', () => {
    fc.assert(
      fc.property(safeJson, (v) => {
        const text = canonicalize(v);
        expect(text).toBe(referenceJcs(v));
        expect(canonicalize(reordered(v))).toBe(text);
        expect(new TextDecoder().decode(canonicalBytes(v))).toBe(text);
      }),
      fuzzParams(),
    );
  });

  it('canonicalizes any pretty-printed text to the same form', () => {
    fc.assert(
      fc.property(safeJson, fc.constantFrom(1, 2, '\t', ' \r\n'), (v, indent) => {
        expect(canonicalize(parsed(JSON.stringify(v, null, indent)))).toBe(canonicalize(v));
      }),
      fuzzParams(),
    );
  });

  it('writes every finite double as JSON.stringify does, and reads it back', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const text = canonicalize(d);
        expect(text).toBe(JSON.stringify(d));
        expect(text).toBe(String(d));
        // Integer-form text beyond 2^53 is refused by the safe-integer rule even with floats allowed.
        if (Number.isSafeInteger(d) || !/^-?\d+$/.test(text)) {
          const back = parseJson(text, { allowFloats: true });
          expect(back).toEqual({ ok: true, value: d === 0 ? 0 : d });
          expect(isCanonical(bytesOf(text), { allowFloats: true }).ok).toBe(true);
        }
      }),
      fuzzParams(),
    );
  });
});
