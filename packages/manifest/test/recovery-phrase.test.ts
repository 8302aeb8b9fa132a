import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams, fuzzTimeout } from '../../../test/support/fuzz.js';
import {
  hasSharedVectors,
  sharedVectorJson,
  sharedVectorText,
  skipReason,
} from '../../../test/support/shared-vectors.js';
import { didOfSeed } from '../../../test/vectors/identity-backup/oracle.js';
import {
  BIP39_ENGLISH_WORDLIST,
  generateRecoveryKey,
  identityFromSecretKey,
  type MnemonicLength,
  mnemonicEntropy,
  mnemonicOf,
  NEXT_KEY_HASH_PATTERN,
  nextKeyHashOfDid,
  RECOVERY_PHRASE_WORDS,
  recoveryIdentityOf,
  recoveryPhraseOf,
} from '../src/index.js';

/** trezor/python-mnemonic vectors.json: `[entropy hex, mnemonic, seed hex, xprv]` per language. */
type Bip39Vectors = Record<string, [string, string, string, string][]>;

describe.skipIf(!hasSharedVectors)(`BIP39 public vectors (../shared/vectors/bip39)${skipReason}`, () => {
  it('our word list is english.txt, word for word', () => {
    const text = sharedVectorText('bip39/english.txt');
    const words = text.split('\n');
    expect(words.pop()).toBe('');
    expect(words).toHaveLength(2048);
    expect(BIP39_ENGLISH_WORDLIST).toEqual(words);
  });

  it('every English vector: entropy → mnemonic and back, the 32-byte ones as recovery keys', async () => {
    const english = sharedVectorJson<Bip39Vectors>('bip39/vectors.json').english ?? [];
    expect(english).toHaveLength(24);
    const lengths = new Map<number, number>();
    for (const [entropyHex, mnemonic] of english) {
      const entropy = hexToBytes(entropyHex);
      lengths.set(entropy.length, (lengths.get(entropy.length) ?? 0) + 1);
      expect(mnemonicOf(entropy), entropyHex).toBe(mnemonic);
      const words = mnemonic.split(' ').length as MnemonicLength;
      const back = mnemonicEntropy(mnemonic, words);
      expect(back.ok && bytesToHex(back.value), entropyHex).toBe(entropyHex);
      if (entropy.length !== 32) continue;
      expect(words).toBe(RECOVERY_PHRASE_WORDS);
      expect(recoveryPhraseOf(entropy)).toBe(mnemonic);
      const recovered = await recoveryIdentityOf(mnemonic);
      if (!recovered.ok) throw new Error(recovered.message);
      // The phrase is the Ed25519 secret itself (not BIP39's PBKDF2 seed): node:crypto agrees on the key.
      expect(bytesToHex(recovered.value.secretKey)).toBe(entropyHex);
      expect(recovered.value.did).toBe(didOfSeed(entropy));
    }
    expect(Object.fromEntries(lengths)).toEqual({ 16: 8, 24: 8, 32: 8 });
  });
});

describe('recovery phrases', () => {
  const zero = new Uint8Array(32);
  const zeroPhrase = `${'abandon '.repeat(23)}art`;

  it('writes a key as 24 words and reads them back to the same key', async () => {
    expect(recoveryPhraseOf(zero)).toBe(zeroPhrase);
    const recovery = await generateRecoveryKey();
    expect(recovery.phrase.split(' ')).toHaveLength(24);
    expect(recovery.phrase).toBe(recoveryPhraseOf(recovery.identity.secretKey));
    expect(recovery.identity).toEqual(await identityFromSecretKey(recovery.identity.secretKey));
    const back = await recoveryIdentityOf(recovery.phrase);
    expect(back.ok && back.value).toEqual(recovery.identity);
    expect(nextKeyHashOfDid(recovery.identity.did)).toMatch(NEXT_KEY_HASH_PATTERN);
    const other = await generateRecoveryKey();
    expect(other.phrase).not.toBe(recovery.phrase);
  });

  it(
    'round-trips any 32-byte key (fast-check)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (secret) => {
          const phrase = recoveryPhraseOf(secret);
          expect(phrase).toMatch(/^[a-z]+( [a-z]+){23}$/);
          const back = await recoveryIdentityOf(phrase);
          expect(back.ok && bytesToHex(back.value.secretKey)).toBe(bytesToHex(secret));
        }),
        fuzzParams(),
      );
    },
    fuzzTimeout(30_000),
  );

  it('reads what people type: extra whitespace, line breaks, tabs, upper case', async () => {
    const recovery = await generateRecoveryKey();
    const words = recovery.phrase.split(' ');
    const typed = `\n  ${words
      .map((w, i) => (i % 3 === 0 ? w.toUpperCase() : i % 3 === 1 ? w[0]?.toUpperCase() + w.slice(1) : w))
      .map((w, i) => (i % 6 === 5 ? `${w}\n` : i % 2 === 0 ? `${w}\t ` : `${w}   `))
      .join('')}  \r\n`;
    const back = await recoveryIdentityOf(typed);
    expect(back.ok && back.value.did).toBe(recovery.identity.did);
  });

  it('refuses a wrong number of words, saying how many it found', async () => {
    for (const [text, count] of [
      ['', 'none'],
      ['   \n ', 'none'],
      ['abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', '12'],
      [`${'abandon '.repeat(22)}art`, '23'],
      [`${zeroPhrase} abandon`, '25'],
    ] as const) {
      const result = await recoveryIdentityOf(text);
      expect(result).toEqual({
        ok: false,
        code: 'RECOVERY_PHRASE_INVALID',
        message: `Not a recovery phrase: a recovery phrase is 24 words; this has ${count}.`,
      });
    }
  });

  it('refuses a word not in the list, naming it and where it is', async () => {
    const words = zeroPhrase.split(' ');
    words[4] = 'abandn';
    const one = await recoveryIdentityOf(words.join(' '));
    expect(one.ok || one.message).toBe(
      'Not a recovery phrase: word 5 "abandn" is not in the BIP39 English word list.',
    );
    words[9] = 'bitcoin';
    const two = await recoveryIdentityOf(words.join(' '));
    expect(two.ok || two.message).toBe(
      'Not a recovery phrase: word 5 "abandn", word 10 "bitcoin" are not in the BIP39 English word list.',
    );
    // Non-ASCII look-alikes are unknown words, not something close enough.
    const cyrillic = await recoveryIdentityOf(zeroPhrase.replace('art', 'аrt'));
    expect(cyrillic.ok || cyrillic.code).toBe('RECOVERY_PHRASE_INVALID');
  });

  it('refuses a bad checksum: a changed last word, two swapped words', async () => {
    const bad = await recoveryIdentityOf(`${'abandon '.repeat(23)}abandon`);
    expect(bad).toEqual({
      ok: false,
      code: 'RECOVERY_PHRASE_INVALID',
      message:
        'Not a recovery phrase: the words do not check out (BIP39 checksum): one is wrong, or two are swapped.',
    });
    // A swap that changes the key must fail unless the checksum happens to match (1 in 256): find one
    // of a real phrase's swaps that fails, and check that none of them opens the original key.
    const recovery = await generateRecoveryKey();
    const words = recovery.phrase.split(' ');
    let refused = 0;
    for (let i = 0; i < 23; i++) {
      if (words[i] === words[i + 1]) continue;
      const swapped = [...words];
      [swapped[i], swapped[i + 1]] = [words[i + 1] as string, words[i] as string];
      const result = await recoveryIdentityOf(swapped.join(' '));
      if (result.ok) expect(result.value.did).not.toBe(recovery.identity.did);
      else refused++;
    }
    expect(refused).toBeGreaterThan(15);
  });

  it(
    'never throws on any input, and refuses more than a page of text',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string(),
            fc
              .array(fc.constantFrom(...BIP39_ENGLISH_WORDLIST.slice(0, 64), 'X', ''), { maxLength: 30 })
              .map((w) => w.join(' ')),
          ),
          async (text) => {
            const result = await recoveryIdentityOf(text);
            expect(result.ok || result.code).toBe(result.ok ? true : 'RECOVERY_PHRASE_INVALID');
          },
        ),
        fuzzParams(),
      );
      const long = await recoveryIdentityOf(`${zeroPhrase}${' '.repeat(2000)}`);
      expect(long.ok || long.code).toBe('RECOVERY_PHRASE_INVALID');
      const notText = await recoveryIdentityOf(42 as unknown as string);
      expect(notText.ok || notText.code).toBe('RECOVERY_PHRASE_INVALID');
    },
    fuzzTimeout(30_000),
  );

  it('throws RangeError for misuse: a key or entropy of the wrong length', () => {
    expect(() => recoveryPhraseOf(new Uint8Array(31))).toThrow(RangeError);
    expect(() => recoveryPhraseOf(new Uint8Array(16))).toThrow(RangeError);
    expect(() => mnemonicOf(new Uint8Array(17))).toThrow(RangeError);
  });
});
