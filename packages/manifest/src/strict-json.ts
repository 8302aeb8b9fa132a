import { type ErrorCode, type Failure, fail, ok, type Result } from './errors.js';

/**
 * A strict JSON parser for untrusted input: RFC 8259 grammar exactly, plus the I-JSON limits of
 * RFC 7493 that `JSON.parse` cannot enforce (it drops duplicate keys, rounds big integers and
 * accepts lone surrogates). One pass, no recursion: the nesting depth is bounded by an explicit
 * stack, so hostile input can neither overflow the call stack nor pollute prototypes.
 */

/** A JSON value as {@link parseJson} returns it and {@link canonicalize} accepts it. */
export type JsonValue = null | boolean | number | string | JsonArray | JsonObject;

/** A JSON array. */
export type JsonArray = JsonValue[];

/** A JSON object: a plain object (prototype `Object.prototype`) with own, enumerable members. */
export type JsonObject = { [key: string]: JsonValue };

/** Limits for {@link parseJson}. */
export interface StrictJsonOptions {
  /** Largest input accepted, in UTF-8 bytes (a string is measured as UTF-8). Default 1 MiB. */
  maxBytes?: number;
  /** Deepest nesting accepted; the top-level array or object is depth 1. Default 32. */
  maxDepth?: number;
  /** Accept numbers with a fraction or exponent (they must still be finite). Default false. */
  allowFloats?: boolean;
}

/** Default {@link StrictJsonOptions.maxBytes}: 1 MiB, the largest block DESIGN §2 allows. */
export const DEFAULT_MAX_BYTES = 1_048_576;
/** Default {@link StrictJsonOptions.maxDepth}. */
export const DEFAULT_MAX_DEPTH = 32;

// RFC 8259 §8.1: JSON exchanged between systems is UTF-8. `fatal` rejects ill-formed sequences
// (including encoded surrogates, RFC 3629 §3); `ignoreBOM` keeps a BOM in the text so the grammar
// rejects it (RFC 8259 §8.1: implementations MUST NOT add a BOM).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const hasOwn = Object.prototype.hasOwnProperty;
/**
 * Names that `obj[name] = v` would resolve on Object.prototype: `__proto__` (whose setter changes
 * the prototype) and the methods (read-only once a hardened realm freezes Object.prototype).
 * Measured faster than an `in` lookup per member.
 */
const PROTOTYPE_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  '__proto__',
]);

/** Internal: carries a failure out of the parse loop; never escapes {@link parseJson}. */
class Abort {
  constructor(readonly failure: Failure) {}
}

interface Limits {
  readonly maxBytes: number;
  readonly maxDepth: number;
  readonly allowFloats: boolean;
}

const DEFAULT_LIMITS: Limits = {
  maxBytes: DEFAULT_MAX_BYTES,
  maxDepth: DEFAULT_MAX_DEPTH,
  allowFloats: false,
};

function limitOption(options: StrictJsonOptions, name: 'maxBytes' | 'maxDepth', fallback: number): number {
  const value: unknown = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`options.${name} must be a number`);
  if (!(value >= 0 && (Number.isInteger(value) || value === Number.POSITIVE_INFINITY))) {
    throw new RangeError(`options.${name} must be a non-negative integer or Infinity`);
  }
  return value;
}

function readOptions(options: StrictJsonOptions | undefined): Limits {
  if (options === undefined) return DEFAULT_LIMITS;
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const allowFloats: unknown = options.allowFloats;
  if (allowFloats !== undefined && typeof allowFloats !== 'boolean') {
    throw new TypeError('options.allowFloats must be a boolean');
  }
  return {
    maxBytes: limitOption(options, 'maxBytes', DEFAULT_MAX_BYTES),
    maxDepth: limitOption(options, 'maxDepth', DEFAULT_MAX_DEPTH),
    allowFloats: allowFloats === true,
  };
}

function isUint8Array(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]')
  );
}

/** UTF-8 length of `s[0, end)`; a lone surrogate counts 3 bytes, as TextEncoder writes U+FFFD. */
function utf8Length(s: string, end: number): number {
  let bytes = end;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // the pair is 2 code units and 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Offset of the first ill-formed UTF-8 sequence (WHATWG Encoding §4.1 / RFC 3629 §4), or -1. */
function invalidUtf8Offset(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // UTF-16 surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || d < lo || d > hi) return i;
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return -1;
}

/** RFC 6901 §3: `~` → `~0`, `/` → `~1`. */
function pointerToken(key: string): string {
  return key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key;
}

/** Hostile input can be a megabyte long: messages quote at most 40 characters of it. */
function excerpt(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function describeChar(c: number): string {
  if (Number.isNaN(c)) return 'end of input';
  if (c === 0xfeff) return 'byte order mark U+FEFF (RFC 8259 §8.1)';
  const hex = c.toString(16).toUpperCase().padStart(4, '0');
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `U+${hex}`;
}

/** RFC 8259 §7: the two-character escapes. */
const SIMPLE_ESCAPES: Readonly<Record<number, string>> = {
  34: '"',
  92: '\\',
  47: '/',
  98: '\b',
  102: '\f',
  110: '\n',
  114: '\r',
  116: '\t',
};

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

class Parser {
  readonly s: string;
  readonly bytes: boolean;
  readonly maxDepth: number;
  readonly allowFloats: boolean;
  /** Position after the last token read by a helper. */
  pos = 0;
  /** Open containers, outermost first; `keys[d]` is the member being read in `stack[d]`. */
  readonly stack: (JsonObject | JsonArray)[] = [];
  readonly keys: string[] = [];

  constructor(s: string, bytes: boolean, limits: Limits) {
    this.s = s;
    this.bytes = bytes;
    this.maxDepth = limits.maxDepth;
    this.allowFloats = limits.allowFloats;
  }

  /** Offset in the caller's units: bytes for a Uint8Array, UTF-16 code units for a string. */
  offset(i: number): number {
    return this.bytes ? utf8Length(this.s, i) : i;
  }

  /** JSON Pointer of the value being read at depth `depth` (all open containers by default). */
  path(depth = this.stack.length): string {
    let p = '';
    for (let d = 0; d < depth; d++) {
      const c = this.stack[d];
      p += Array.isArray(c) ? `/${c.length}` : `/${pointerToken(this.keys[d] ?? '')}`;
    }
    return p;
  }

  abort(code: ErrorCode, message: string, path?: string): never {
    throw new Abort(fail(code, message, path));
  }

  syntax(what: string, i: number): never {
    this.abort('JSON_SYNTAX', `${what} at offset ${this.offset(i)}`);
  }

  unexpected(i: number, expected: string): never {
    this.syntax(`Unexpected ${describeChar(this.s.charCodeAt(i))}, expected ${expected}`, i);
  }

  /** RFC 8259 §2: insignificant whitespace is space, tab, LF and CR only. */
  ws(i: number): number {
    const s = this.s;
    let c = s.charCodeAt(i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++i);
    return i;
  }

  parse(): JsonValue {
    const s = this.s;
    const n = s.length;
    const stack = this.stack;
    const keys = this.keys;
    const maxDepth = this.maxDepth;
    let i = this.ws(0);
    let value: JsonValue;
    for (;;) {
      // A value starts at i (whitespace already skipped).
      const c = s.charCodeAt(i);
      if (c === 34) {
        value = this.string(i, false);
        i = this.pos;
      } else if (c === 123) {
        // '{'
        if (stack.length >= maxDepth) this.tooDeep(i);
        i = this.ws(i + 1);
        const d = s.charCodeAt(i);
        if (d === 125) {
          value = {};
          i++;
        } else if (d === 34) {
          stack.push({});
          keys[stack.length - 1] = this.string(i, true);
          i = this.colon(this.pos);
          continue;
        } else this.unexpected(i, "a string key or '}'");
      } else if (c === 91) {
        // '['
        if (stack.length >= maxDepth) this.tooDeep(i);
        i = this.ws(i + 1);
        if (s.charCodeAt(i) === 93) {
          value = [];
          i++;
        } else {
          stack.push([]);
          continue;
        }
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        value = this.number(i);
        i = this.pos;
      } else if (c === 116 && s.startsWith('true', i)) {
        value = true;
        i += 4;
      } else if (c === 102 && s.startsWith('false', i)) {
        value = false;
        i += 5;
      } else if (c === 110 && s.startsWith('null', i)) {
        value = null;
        i += 4;
      } else if (c === 116 || c === 102 || c === 110) {
        this.syntax('Invalid literal, expected true, false or null', i);
      } else this.unexpected(i, 'a JSON value');

      // A value ends at i: store it in its container, then read ',' or the closing bracket.
      for (;;) {
        const depth = stack.length;
        i = this.ws(i);
        if (depth === 0) {
          if (i !== n) this.unexpected(i, 'end of input');
          return value;
        }
        const top = stack[depth - 1] as JsonObject | JsonArray;
        const c2 = s.charCodeAt(i);
        if (Array.isArray(top)) {
          top.push(value);
          if (c2 === 44) {
            i = this.ws(i + 1);
            break;
          }
          if (c2 !== 93) this.unexpected(i, "',' or ']'");
        } else {
          const key = keys[depth - 1] as string;
          // Assignment would run the inherited `__proto__` setter (prototype pollution) or fail on
          // a frozen Object.prototype: define such members as own data properties instead.
          if (PROTOTYPE_NAMES.has(key)) {
            Object.defineProperty(top, key, { value, writable: true, enumerable: true, configurable: true });
          } else top[key] = value;
          if (c2 === 44) {
            i = this.ws(i + 1);
            if (s.charCodeAt(i) !== 34) this.unexpected(i, 'a string key');
            const next = this.string(i, true);
            // RFC 8259 §4: names SHOULD be unique; RFC 7493 §2.3 (I-JSON): MUST be. Compared after
            // unescaping, so "a" and "\u0061" collide.
            if (hasOwn.call(top, next)) {
              this.abort(
                'JSON_DUPLICATE_KEY',
                `Duplicate object key ${JSON.stringify(excerpt(next))} at offset ${this.offset(i)}`,
                `${this.path(depth - 1)}/${pointerToken(next)}`,
              );
            }
            keys[depth - 1] = next;
            i = this.colon(this.pos);
            break;
          }
          if (c2 !== 125) this.unexpected(i, "',' or '}'");
        }
        i++;
        stack.pop();
        value = top;
      }
    }
  }

  tooDeep(i: number): never {
    this.abort(
      'JSON_TOO_DEEP',
      `Nesting deeper than ${this.maxDepth} levels at offset ${this.offset(i)}`,
      this.path(),
    );
  }

  /** Reads ':' and the whitespace after it; returns the start of the member's value. */
  colon(i: number): number {
    i = this.ws(i);
    if (this.s.charCodeAt(i) !== 58) this.unexpected(i, "':'");
    return this.ws(i + 1);
  }

  /** RFC 8259 §7. `s[start]` is the opening quote; sets `pos` after the closing quote. */
  string(start: number, isKey: boolean): string {
    const s = this.s;
    let i = start + 1;
    let run = i;
    let out = '';
    for (;;) {
      const c = s.charCodeAt(i);
      // Fast path: plain characters are copied later as one slice.
      if (c >= 32 && c !== 34 && c !== 92 && c < 0xd800) {
        i++;
        continue;
      }
      if (c === 34) {
        this.pos = i + 1;
        return run === start + 1 ? s.slice(run, i) : out + s.slice(run, i);
      }
      if (c === 92) {
        out += s.slice(run, i);
        const e = s.charCodeAt(i + 1);
        if (e === 117) {
          const u = this.hex4(i + 2);
          if (u >= 0xd800 && u <= 0xdfff) {
            // RFC 8259 §7 / RFC 7493 §2.1: an escaped surrogate must be half of an escaped pair.
            const lo = s.charCodeAt(i + 6) === 92 && s.charCodeAt(i + 7) === 117 ? this.hex4(i + 8) : -1;
            if (u > 0xdbff || lo < 0xdc00 || lo > 0xdfff) this.loneSurrogate(i, isKey);
            out += String.fromCharCode(u, lo);
            i += 12;
          } else {
            out += String.fromCharCode(u);
            i += 6;
          }
        } else {
          const ch = SIMPLE_ESCAPES[e];
          if (ch === undefined) this.syntax(`Invalid escape ${describeChar(e)}`, i + 1);
          out += ch;
          i += 2;
        }
        run = i;
        continue;
      }
      if (c >= 0xd800) {
        if (c > 0xdfff) {
          i++;
          continue;
        }
        // A raw surrogate is only possible in string input: fatal UTF-8 decoding rejects them.
        if (c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
          i += 2;
          continue;
        }
        this.loneSurrogate(i, isKey);
      }
      if (Number.isNaN(c)) this.syntax('Unterminated string', i);
      // RFC 8259 §7: U+0000 through U+001F must be escaped.
      this.syntax(`Unescaped control character ${describeChar(c)} in string`, i);
    }
  }

  hex4(i: number): number {
    const s = this.s;
    const a = hexDigit(s.charCodeAt(i));
    const b = hexDigit(s.charCodeAt(i + 1));
    const c = hexDigit(s.charCodeAt(i + 2));
    const d = hexDigit(s.charCodeAt(i + 3));
    if ((a | b | c | d) < 0) this.syntax('Invalid \\u escape: expected 4 hex digits', i - 2);
    return (a << 12) | (b << 8) | (c << 4) | d;
  }

  loneSurrogate(i: number, isKey: boolean): never {
    // A key with a lone surrogate cannot be named in a pointer: point at its object instead.
    this.abort(
      'JSON_LONE_SURROGATE',
      `Lone surrogate in ${isKey ? 'an object key' : 'a string'} at offset ${this.offset(i)}`,
      this.path(isKey ? this.stack.length - 1 : this.stack.length),
    );
  }

  /** RFC 8259 §6. Sets `pos` after the number. */
  number(start: number): number {
    const s = this.s;
    let i = start;
    let c = s.charCodeAt(i);
    let value = 0;
    if (c === 45) c = s.charCodeAt(++i);
    const digitsStart = i;
    if (c === 48) {
      c = s.charCodeAt(++i);
      if (c >= 48 && c <= 57) this.syntax('Leading zero in number', i - 1);
    } else if (c >= 49 && c <= 57) {
      do {
        value = value * 10 + (c - 48);
        c = s.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
    } else this.unexpected(i, 'a digit');
    const digits = i - digitsStart;
    let float = false;
    if (c === 46) {
      float = true;
      c = s.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) this.unexpected(i, 'a digit after the decimal point');
      do c = s.charCodeAt(++i);
      while (c >= 48 && c <= 57);
    }
    if (c === 101 || c === 69) {
      float = true;
      c = s.charCodeAt(++i);
      if (c === 43 || c === 45) c = s.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) this.unexpected(i, 'a digit in the exponent');
      do c = s.charCodeAt(++i);
      while (c >= 48 && c <= 57);
    }
    this.pos = i;
    const negative = digitsStart !== start;
    if (float) {
      if (!this.allowFloats) {
        this.abort(
          'JSON_FLOAT_NOT_ALLOWED',
          `Number ${excerpt(s.slice(start, i))} has a fraction or exponent at offset ${this.offset(start)}`,
          this.path(),
        );
      }
      const f = Number(s.slice(start, i));
      // RFC 7493 §2.2: a number that overflows IEEE 754 binary64 cannot be represented.
      if (!Number.isFinite(f)) this.syntax(`Number ${excerpt(s.slice(start, i))} is out of range`, start);
      return f;
    }
    // Up to 15 digits the running value is exact; longer ones are parsed (correctly rounded) and
    // checked. RFC 7493 §2.2: integers beyond ±(2^53−1) lose precision in binary64.
    if (digits > 15) {
      value = Number(s.slice(digitsStart, i));
      if (!Number.isSafeInteger(value)) {
        this.abort(
          'JSON_UNSAFE_INTEGER',
          `Integer ${excerpt(s.slice(start, i))} is outside ±(2^53−1) at offset ${this.offset(start)}`,
          this.path(),
        );
      }
    }
    return negative ? -value : value;
  }
}

/**
 * Parses untrusted JSON strictly: RFC 8259 grammar exactly, and the I-JSON rules (RFC 7493) that
 * `JSON.parse` cannot enforce. Never throws for bad input; returns a failure with a stable code:
 *
 * - `JSON_TOO_LARGE`: more than `maxBytes` UTF-8 bytes (checked before anything else);
 * - `JSON_INVALID_UTF8`: bytes that are not well-formed UTF-8;
 * - `JSON_SYNTAX`: anything outside RFC 8259 (a BOM, comments, trailing commas, leading zeros,
 *   other whitespace…) or a float that overflows; the message gives the offset (bytes for a
 *   `Uint8Array`, UTF-16 code units for a string);
 * - `JSON_DUPLICATE_KEY`, `JSON_LONE_SURROGATE`, `JSON_UNSAFE_INTEGER`, `JSON_FLOAT_NOT_ALLOWED`,
 *   `JSON_TOO_DEEP`, each with `path`, a JSON Pointer (RFC 6901) to the offending value.
 *
 * The first problem in document order is reported. Objects are plain objects whose keys are all
 * own data properties (`"__proto__"` included), so parsing cannot change any prototype. `-0` is
 * kept as `-0`, as `JSON.parse` does.
 *
 * @throws TypeError if `input` is neither a string nor a Uint8Array, or an option has the wrong
 *   type; RangeError if a limit is negative or not an integer.
 * @example
 * const r = parseJson(new TextEncoder().encode('{"a":1,"a":2}'));
 * // { ok: false, code: 'JSON_DUPLICATE_KEY', path: '/a', message: '…' }
 */
export function parseJson(input: Uint8Array | string, options?: StrictJsonOptions): Result<JsonValue> {
  const limits = readOptions(options);
  let text: string;
  let bytes: boolean;
  if (typeof input === 'string') {
    // UTF-8 is never shorter than UTF-16 code units and never longer than 3 bytes per unit.
    if (
      input.length > limits.maxBytes ||
      (input.length * 3 > limits.maxBytes && utf8Length(input, input.length) > limits.maxBytes)
    ) {
      return fail('JSON_TOO_LARGE', `Input is larger than ${limits.maxBytes} bytes`);
    }
    text = input;
    bytes = false;
  } else if (isUint8Array(input)) {
    if (input.length > limits.maxBytes) {
      return fail('JSON_TOO_LARGE', `Input is ${input.length} bytes, more than ${limits.maxBytes}`);
    }
    // TextDecoder refuses views on a SharedArrayBuffer in browsers; copy those first.
    const view =
      typeof SharedArrayBuffer !== 'undefined' && input.buffer instanceof SharedArrayBuffer
        ? input.slice()
        : input;
    try {
      text = utf8.decode(view);
    } catch {
      return fail('JSON_INVALID_UTF8', `Invalid UTF-8 at byte offset ${invalidUtf8Offset(view)}`);
    }
    bytes = true;
  } else {
    throw new TypeError('parseJson: input must be a string or a Uint8Array');
  }
  try {
    return ok(new Parser(text, bytes, limits).parse());
  } catch (e) {
    if (e instanceof Abort) return e.failure;
    throw e;
  }
}
