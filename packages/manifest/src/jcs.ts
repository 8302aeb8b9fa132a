import { fail, type Result } from './errors.js';
import {
  type JsonArray,
  type JsonObject,
  type JsonValue,
  parseJson,
  type StrictJsonOptions,
} from './strict-json.js';

/**
 * The JSON Canonicalization Scheme (RFC 8785): the one canonical form that manifests are signed,
 * hashed and stored in (STYLE §13: one canonicalizer for every app).
 */

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Depth from which {@link canonicalize} starts tracking ancestors to catch cycles. */
const CYCLE_CHECK_DEPTH = 128;

interface Frame {
  readonly container: JsonObject | JsonArray;
  /** Sorted member names of an object; undefined for an array. */
  readonly keys: string[] | undefined;
  next: number;
}

/**
 * A JSON string literal as RFC 8785 §3.2.2.2 prescribes, which is ECMAScript's JSON.stringify
 * escaping. Most strings need none, and are quoted without the native call.
 */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0xd800) return quoteSlow(s, i);
  }
  return `"${s}"`;
}

function quoteSlow(s: string, from: number): string {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    // RFC 7493 §2.1 (I-JSON): no lone surrogates. JSON.stringify would escape one as \udXXX.
    if (c > 0xdbff || (s.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) {
      throw new TypeError('canonicalize: a string holds a lone surrogate (RFC 7493 §2.1)');
    }
    i++;
  }
  return JSON.stringify(s);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  // Object.prototype of this realm, of another realm (a prototype without a prototype), or none.
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * Serializes a JSON value in RFC 8785 canonical form: no whitespace, object members sorted by
 * the UTF-16 code units of their names (§3.2.3), numbers as ECMAScript `Number::toString`
 * (§3.2.2.3, so `-0` is `"0"`), strings escaped as `JSON.stringify` does (§3.2.2.2).
 *
 * Iterative, so depth is bounded by memory rather than the call stack.
 *
 * @throws TypeError for anything that is not JSON: a non-finite number, a lone surrogate (I-JSON,
 *   RFC 7493 §2.1; never produced by {@link parseJson}), `undefined`, a function, a bigint, an
 *   array hole, an object that is not plain (a Date, a Map, a class instance) or a cycle.
 * @example
 * canonicalize({ b: [1, 'é'], a: null }); // '{"a":null,"b":[1,"é"]}'
 */
export function canonicalize(value: JsonValue): string {
  const frames: Frame[] = [];
  let ancestors: Set<object> | undefined;
  let out = '';
  let v: unknown = value;
  for (;;) {
    if (v === null) out += 'null';
    else
      switch (typeof v) {
        case 'string':
          out += quote(v);
          break;
        case 'number':
          if (!Number.isFinite(v))
            throw new TypeError(`canonicalize: ${v} is not a JSON number (RFC 8785 §3.2.2.3)`);
          out += String(v);
          break;
        case 'boolean':
          out += v ? 'true' : 'false';
          break;
        case 'object': {
          const container = v as JsonObject | JsonArray;
          if (frames.length >= CYCLE_CHECK_DEPTH) {
            ancestors ??= new Set(frames.map((f) => f.container));
            if (ancestors.has(container)) throw new TypeError('canonicalize: cyclic structure');
          }
          let keys: string[] | undefined;
          let first: unknown;
          if (Array.isArray(container)) {
            if (container.length === 0) {
              out += '[]';
              break;
            }
            out += '[';
            first = container[0];
            if (first === undefined && !(0 in container)) throw new TypeError('canonicalize: array hole');
          } else {
            if (!isPlainObject(container)) throw new TypeError('canonicalize: not a plain object');
            // RFC 8785 §3.2.3: sort by UTF-16 code units, which is what the default sort compares.
            keys = Object.keys(container).sort();
            const k = keys[0];
            if (k === undefined) {
              out += '{}';
              break;
            }
            out += `{${quote(k)}:`;
            first = container[k];
          }
          ancestors?.add(container);
          frames.push({ container, keys, next: 0 });
          v = first;
          continue;
        }
        default:
          throw new TypeError(`canonicalize: a value of type ${typeof v} is not JSON`);
      }

    // v is written: move to the next member, closing finished containers.
    for (;;) {
      const top = frames[frames.length - 1];
      if (top === undefined) {
        return out;
      }
      const next = ++top.next;
      const keys = top.keys;
      if (keys === undefined) {
        const array = top.container as JsonArray;
        if (next < array.length) {
          out += ',';
          v = array[next];
          if (v === undefined && !(next in array)) throw new TypeError('canonicalize: array hole');
          break;
        }
        out += ']';
      } else {
        const k = keys[next];
        if (k !== undefined) {
          out += `,${quote(k)}:`;
          v = (top.container as JsonObject)[k];
          break;
        }
        out += '}';
      }
      frames.pop();
      ancestors?.delete(top.container);
    }
  }
}

/**
 * The UTF-8 bytes of {@link canonicalize}: what is hashed, signed and stored (RFC 8785 §3.2.4).
 *
 * @throws TypeError as {@link canonicalize} does.
 */
export function canonicalBytes(value: JsonValue): Uint8Array {
  return utf8.encode(canonicalize(value));
}

/** TextDecoder refuses views on a SharedArrayBuffer in browsers. */
function copyIfShared(bytes: Uint8Array): Uint8Array {
  return typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer
    ? bytes.slice()
    : bytes;
}

/**
 * Strict-parses `bytes` ({@link parseJson}) and checks they are exactly their own RFC 8785 form,
 * as stored blocks and blocks from peers must be (DESIGN §2). Returns the parsed value, the
 * parser's failure, or `NOT_CANONICAL` with the offset of the first differing byte. Floats are
 * allowed only if `options.allowFloats` is.
 *
 * @throws TypeError if `bytes` is not a Uint8Array or an option has the wrong type.
 * @example
 * isCanonical(new TextEncoder().encode('{"b":1,"a":2}')); // { ok: false, code: 'NOT_CANONICAL', … }
 */
export function isCanonical(bytes: Uint8Array, options?: StrictJsonOptions): Result<JsonValue> {
  if (typeof bytes === 'string') throw new TypeError('isCanonical: bytes must be a Uint8Array');
  const parsed = parseJson(bytes, options);
  if (!parsed.ok) return parsed;
  // Cannot throw: parseJson yields only finite numbers and well-formed strings.
  const canonical = canonicalize(parsed.value);
  // Fast path: compare as text. Fatal UTF-8 decoding that keeps a BOM is one-to-one, so equal text
  // means equal bytes; parseJson has already decoded these bytes successfully.
  if (canonical.length <= bytes.length && canonical === utf8Decoder.decode(copyIfShared(bytes)))
    return parsed;
  const expected = utf8.encode(canonical);
  let i = 0;
  while (i < expected.length && expected[i] === bytes[i]) i++;
  return fail('NOT_CANONICAL', `Not in RFC 8785 canonical form: first difference at byte offset ${i}`);
}
