import { generateRecoveryKey } from '@assent/manifest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIRMED_WORDS, confirmationPositions, mismatchedPositions } from '../src/word-confirmation.js';

describe('the two-word confirmation of a recovery sheet', () => {
  it('asks for two distinct positions of the phrase, in order, from any random source', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 24 }), fc.infiniteStream(fc.nat()), (count, stream) => {
        const randoms = stream[Symbol.iterator]();
        const positions = confirmationPositions(count, (n) => (randoms.next().value as number) % n);
        expect(positions).toHaveLength(CONFIRMED_WORDS);
        expect(new Set(positions).size).toBe(CONFIRMED_WORDS);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        for (const at of positions) expect(at >= 1 && at <= count).toBe(true);
      }),
    );
    expect(() => confirmationPositions(1)).toThrow(RangeError);
  });

  it('reaches every pair of the 24 positions with the platform’s randomness', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000 && seen.size < (24 * 23) / 2; i++)
      seen.add(confirmationPositions(24).join(','));
    expect(seen.size).toBe((24 * 23) / 2);
  });

  it('accepts the sheet’s words whatever the case and spaces, and names each wrong one', async () => {
    const { phrase } = await generateRecoveryKey();
    const words = phrase.split(' ');
    expect(
      mismatchedPositions(
        phrase,
        new Map([
          [3, ` ${words[2]?.toUpperCase()} `],
          [24, words[23] ?? ''],
        ]),
      ),
    ).toEqual([]);
    const other = words[2] === 'zoo' ? 'abandon' : 'zoo';
    expect(
      mismatchedPositions(
        phrase,
        new Map([
          [3, other],
          [24, ''],
        ]),
      ),
    ).toEqual([3, 24]);
    expect(mismatchedPositions(phrase, new Map([[4, words[2] ?? '']]))).toEqual(
      words[3] === words[2] ? [] : [4],
    );
  });
});
