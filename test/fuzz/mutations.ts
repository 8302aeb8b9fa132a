import fc from 'fast-check';

/**
 * Arbitraries that damage valid input in the ways hostile or broken clients do, so generated cases
 * reach past the first syntax check: byte edits, JSON fragments spliced in, and structural edits of
 * the parsed value (a member replaced, removed or duplicated) re-serialized.
 */

/** Fragments that are interesting inside JSON text and its strings. */
const FRAGMENTS = [
  '"',
  '\\',
  '\\u0000',
  '\\ud800',
  '\\udc00',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  ' ',
  '\n',
  '\u00a0',
  '\ufeff',
  '1e400',
  '-0',
  '9007199254740993',
  '0.5',
  'null',
  'true',
  '"proof":{}',
  '"issuer":"did:key:z6Mk"',
  '"version":0',
  '"@context":[]',
  '"__proto__":{}',
  '\u00e9',
  '\ud83c\udfb5',
];

type Edit =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly byte: number }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'truncate'; readonly at: number };

const encoder = new TextEncoder();

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.constantFrom(...FRAGMENTS).map((f) => encoder.encode(f)),
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
    ),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function applyEdit(bytes: Uint8Array, e: Edit): Uint8Array {
  if (bytes.length === 0) return e.kind === 'insert' ? e.bytes : bytes;
  const at = e.at % bytes.length;
  switch (e.kind) {
    case 'flip': {
      const out = bytes.slice();
      out[at] = (out[at] as number) ^ (1 << e.bit);
      return out;
    }
    case 'set': {
      const out = bytes.slice();
      out[at] = e.byte;
      return out;
    }
    case 'delete':
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + e.length)]);
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, at), ...e.bytes, ...bytes.subarray(at)]);
    case 'truncate':
      return bytes.slice(0, at);
  }
}

/** `base` with one to four byte-level edits. */
export function mutatedBytes(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .array(edit, { minLength: 1, maxLength: 4 })
    .map((edits) => edits.reduce((bytes, e) => applyEdit(bytes, e), base));
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path into a JSON value (object members and array items), the root excluded. */
function pathsOf(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push([...prefix, i]);
      pathsOf(item, [...prefix, i], out);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.push([...prefix, key]);
      pathsOf(item, [...prefix, key], out);
    }
  }
  return out;
}

/** Interesting replacement values: other types, edge numbers, spoofed identifiers. */
const replacement: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(
    null,
    '',
    0,
    -1,
    2 ** 53,
    [],
    {},
    'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
    'isrc:USRC17607839',
    'url-prefix:https://',
    'allow',
    'deny',
    'conditional',
    'train-genai',
    'eddsa-jcs-2022',
    'z',
    '2099-01-01T00:00:00Z',
    'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea',
  ),
);

/**
 * `text` parsed (it must be JSON), with one member or item replaced or removed, re-serialized; or the
 * text with one member written twice (a duplicate key, which strict parsing must refuse).
 */
export function mutatedJson(text: string): fc.Arbitrary<string> {
  const value = JSON.parse(text) as Json;
  const paths = pathsOf(value);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(fc.nat(paths.length - 1), fc.option(replacement, { freq: 4 })).map(([i, next]) => {
        const copy = structuredClone(value);
        const path = paths[i] as (string | number)[];
        let parent = copy as Record<string | number, Json>;
        for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
        const last = path[path.length - 1] as string | number;
        if (next === null && !Array.isArray(parent)) delete parent[last];
        else if (next === null) (parent as unknown as Json[]).splice(last as number, 1);
        else parent[last] = next;
        return JSON.stringify(copy);
      }),
    },
    {
      weight: 1,
      arbitrary: fc.nat(paths.length - 1).map((i) => {
        // The member named by the path written twice: `{"a":1}` → `{"a":null,"a":1}`.
        const path = paths[i] as (string | number)[];
        const key = path[path.length - 1];
        if (typeof key !== 'string') return `${text.slice(0, -1)},"proof":{}}`;
        const member = `${JSON.stringify(key)}:`;
        const at = text.indexOf(member);
        return at < 0 ? text : `${text.slice(0, at)}${member}null,${text.slice(at)}`;
      }),
    },
  );
}
