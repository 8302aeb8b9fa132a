/**
 * The part of RFC 9651 (Structured Field Values for HTTP) that AIPREF needs: parsing a Dictionary
 * (§4.2.2) strictly, and serializing one whose values are Tokens (§4.1.2). The parser implements
 * the full Dictionary grammar so that exactly the inputs RFC 9651 rejects are rejected; values
 * other than Tokens are kept only as their kind, which is all AIPREF looks at (vocab §6.4).
 */

/** A parsed Dictionary member value, reduced to what a preference reader needs. */
export type FieldValue =
  | { readonly kind: 'token'; readonly value: string }
  | { readonly kind: 'other' } // Integer, Decimal, String, Byte Sequence, Boolean, Date, Display String
  | { readonly kind: 'inner-list' };

/** The result of {@link parseDictionary}: members in first-seen order, or why it failed. */
export type DictionaryResult =
  | { readonly ok: true; readonly members: ReadonlyMap<string, FieldValue> }
  | { readonly ok: false; readonly message: string; readonly offset: number };

class ParseError {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

const LCALPHA = /[a-z]/;
const KEY_CHAR = /[a-z0-9_\-.*]/;
const ALPHA = /[A-Za-z]/;
const DIGIT = /[0-9]/;
// tchar (RFC 9110 §5.6.2) plus ":" and "/" (RFC 9651 §3.3.4).
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;
const BASE64_CHAR = /[A-Za-z0-9+/=]/;

class Parser {
  pos = 0;
  constructor(readonly input: string) {}

  peek(): string {
    return this.input[this.pos] ?? '';
  }
  fail(message: string): never {
    throw new ParseError(message, this.pos);
  }
  skipSP(): void {
    while (this.peek() === ' ') this.pos++;
  }
  skipOWS(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  /** §4.2.2 Parsing a Dictionary. */
  dictionary(): Map<string, FieldValue> {
    const members = new Map<string, FieldValue>();
    while (!this.atEnd()) {
      const key = this.key();
      let value: FieldValue;
      if (this.peek() === '=') {
        this.pos++;
        value = this.itemOrInnerList();
      } else {
        value = { kind: 'other' }; // Boolean true
        this.parameters();
      }
      // "overwrite its value": the last occurrence wins (vocab §6.4 notes the consequence).
      members.set(key, value);
      this.skipOWS();
      if (this.atEnd()) return members;
      if (this.peek() !== ',') this.fail('expected "," between dictionary members');
      this.pos++;
      this.skipOWS();
      if (this.atEnd()) this.fail('trailing comma');
    }
    return members;
  }

  /** §4.2.3.3 Parsing a Key. */
  key(): string {
    const first = this.peek();
    if (!(LCALPHA.test(first) || first === '*')) this.fail('a key starts with a-z or "*"');
    const start = this.pos;
    while (KEY_CHAR.test(this.peek()) && !this.atEnd()) this.pos++;
    return this.input.slice(start, this.pos);
  }

  itemOrInnerList(): FieldValue {
    if (this.peek() === '(') {
      this.innerList();
      return { kind: 'inner-list' };
    }
    return this.item();
  }

  /** §4.2.1.2 Parsing an Inner List. */
  innerList(): void {
    this.pos++; // "("
    while (!this.atEnd()) {
      this.skipSP();
      if (this.peek() === ')') {
        this.pos++;
        this.parameters();
        return;
      }
      this.item();
      const next = this.peek();
      if (next !== ' ' && next !== ')') this.fail('expected SP or ")" in an inner list');
    }
    this.fail('unterminated inner list');
  }

  /** §4.2.3 Parsing an Item. */
  item(): FieldValue {
    const value = this.bareItem();
    this.parameters();
    return value;
  }

  /** §4.2.3.1 Parsing a Bare Item. */
  bareItem(): FieldValue {
    const c = this.peek();
    if (c === '-' || DIGIT.test(c)) this.number();
    else if (c === '"') this.string();
    else if (c === '*' || ALPHA.test(c)) return { kind: 'token', value: this.token() };
    else if (c === ':') this.byteSequence();
    else if (c === '?') this.boolean();
    else if (c === '@') this.date();
    else if (c === '%') this.displayString();
    else this.fail('unrecognised item');
    return { kind: 'other' };
  }

  /** §4.2.3.2 Parsing Parameters (values are ignored: AIPREF defines none, vocab §6.3). */
  parameters(): void {
    while (this.peek() === ';') {
      this.pos++;
      this.skipSP();
      this.key();
      if (this.peek() === '=') {
        this.pos++;
        this.bareItem();
      }
    }
  }

  /** §4.2.4 Parsing an Integer or Decimal. */
  number(): void {
    if (this.peek() === '-') this.pos++;
    if (!DIGIT.test(this.peek()) || this.atEnd()) this.fail('expected a digit');
    let digits = 0;
    let decimal = false;
    let fraction = 0;
    while (!this.atEnd()) {
      const c = this.peek();
      if (DIGIT.test(c)) {
        digits++;
        if (decimal) fraction++;
        this.pos++;
      } else if (c === '.' && !decimal) {
        if (digits > 12) this.fail('decimal integer part longer than 12 digits');
        decimal = true;
        this.pos++;
      } else break;
      if (!decimal && digits > 15) this.fail('integer longer than 15 digits');
      if (decimal && digits > 15) this.fail('decimal longer than 16 characters');
    }
    if (decimal && (fraction === 0 || fraction > 3)) this.fail('a decimal has 1 to 3 fraction digits');
  }

  /** §4.2.5 Parsing a String. */
  string(): void {
    this.pos++; // DQUOTE
    while (!this.atEnd()) {
      const c = this.peek();
      this.pos++;
      if (c === '\\') {
        const next = this.peek();
        if (next !== '"' && next !== '\\') this.fail('bad escape in a string');
        this.pos++;
      } else if (c === '"') return;
      else if (c < ' ' || c > '~') this.fail('a string holds only printable ASCII');
    }
    this.fail('unterminated string');
  }

  /** §4.2.6 Parsing a Token. */
  token(): string {
    const start = this.pos;
    this.pos++;
    while (!this.atEnd() && TOKEN_CHAR.test(this.peek())) this.pos++;
    return this.input.slice(start, this.pos);
  }

  /** §4.2.7 Parsing a Byte Sequence. */
  byteSequence(): void {
    this.pos++; // ":"
    while (!this.atEnd()) {
      const c = this.peek();
      this.pos++;
      if (c === ':') return;
      if (!BASE64_CHAR.test(c)) this.fail('bad character in a byte sequence');
    }
    this.fail('unterminated byte sequence');
  }

  /** §4.2.8 Parsing a Boolean. */
  boolean(): void {
    this.pos++; // "?"
    const c = this.peek();
    if (c !== '0' && c !== '1') this.fail('a boolean is ?0 or ?1');
    this.pos++;
  }

  /** §4.2.9 Parsing a Date. */
  date(): void {
    this.pos++; // "@"
    const start = this.pos;
    this.number();
    if (this.input.slice(start, this.pos).includes('.')) this.fail('a date is an integer');
  }

  /** §4.2.10 Parsing a Display String. */
  displayString(): void {
    this.pos++; // "%"
    if (this.peek() !== '"') this.fail('expected DQUOTE after "%"');
    this.pos++;
    const bytes: number[] = [];
    while (!this.atEnd()) {
      const c = this.peek();
      this.pos++;
      if (c < ' ' || c > '~') this.fail('a display string holds only printable ASCII');
      if (c === '%') {
        const hex = this.input.slice(this.pos, this.pos + 2);
        if (!/^[0-9a-f]{2}$/.test(hex)) this.fail('a display string uses lower-case %xx escapes');
        bytes.push(Number.parseInt(hex, 16));
        this.pos += 2;
      } else if (c === '"') {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
        } catch {
          this.fail('a display string is UTF-8');
        }
        return;
      } else bytes.push(c.charCodeAt(0));
    }
    this.fail('unterminated display string');
  }
}

/**
 * Parses a Dictionary structured field (RFC 9651 §4.2, with §4.2.2 for the Dictionary). Several
 * field lines are joined with ", " first (§4.2). Never throws: a failure is a result, and the
 * caller treats it as "no preferences" (AIPREF vocab §6.4).
 */
export function parseDictionary(lines: string | readonly string[]): DictionaryResult {
  const input = typeof lines === 'string' ? lines : lines.join(', ');
  // §4.2: fail on anything outside ASCII.
  for (let i = 0; i < input.length; i++) {
    if (input.charCodeAt(i) > 0x7f) return { ok: false, message: 'not ASCII', offset: i };
  }
  const parser = new Parser(input);
  try {
    parser.skipSP();
    const members = parser.dictionary();
    parser.skipSP();
    if (!parser.atEnd()) parser.fail('unexpected trailing characters');
    return { ok: true, members };
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, message: error.message, offset: error.offset };
    throw error;
  }
}

const KEY = /^[a-z*][a-z0-9_\-.*]*$/;
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;

/**
 * Serializes a Dictionary whose values are all Tokens (RFC 9651 §4.1.2), as `a=x, b=y`. Throws a
 * `TypeError` for a key or token that the grammar does not allow (a bug in the caller).
 */
export function serializeTokenDictionary(members: Iterable<readonly [string, string]>): string {
  const parts: string[] = [];
  for (const [key, token] of members) {
    if (!KEY.test(key)) throw new TypeError(`not a structured-field key: ${JSON.stringify(key)}`);
    if (!TOKEN.test(token)) throw new TypeError(`not a structured-field token: ${JSON.stringify(token)}`);
    parts.push(`${key}=${token}`);
  }
  return parts.join(', ');
}
