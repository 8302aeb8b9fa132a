import fc from 'fast-check';
import type { JsonValue } from '../src/strict-json.js';

/** fast-check arbitraries shared by the strict JSON and JCS property tests. */

/** Object keys, including the ones that trip naive parsers and sorters. */
export const key = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom('__proto__', 'constructor', 'a', '10', '9', 'é', '😀'),
);

/** Strings dense in the characters that escaping and sorting must get right. */
export const trickyString = fc.string({
  unit: fc.constantFrom(
    'a',
    'B',
    '"',
    '\\',
    '/',
    '\n',
    '\u0000',
    '\u001f',
    '\u007f',
    'é',
    '\u2028',
    '\ufb33',
    '😀',
  ),
  maxLength: 8,
});

/** JSON values with safe integers only (no floats), well-formed strings, any keys. */
export const { value: safeJson } = fc.letrec<{
  value: JsonValue;
  array: JsonValue[];
  object: Record<string, JsonValue>;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    trickyString,
    fc.integer({ min: -1000, max: 1000 }),
    fc.string({ unit: 'binary' }),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 6 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 6, noNullPrototype: true }),
}));
