import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { type Identity, identityFromSecretKey } from './did-key.js';
import { randomSecretKey } from './ed25519.js';
import { fail, ok, type Result } from './errors.js';

/**
 * The recovery key (docs/spec/manifest.md §5.5; DESIGN-TRUST §2.3 item 5): the key a creator's
 * manifests commit to as the next one, written down once as a 24-word BIP39 phrase. The phrase
 * encodes the key's 32-byte Ed25519 secret (RFC 8032 §5.1.5) as BIP39 *entropy* (256 bits and an
 * 8-bit checksum = 24 words of 11 bits); it is not BIP39's PBKDF2 seed, so the words are the key
 * itself and no passphrase is involved.
 */

/** How many words a recovery phrase has: 256 bits of key and 8 of checksum, 11 bits a word. */
export const RECOVERY_PHRASE_WORDS = 24;

/** The BIP39 English word list (2048 words, `abandon` … `zoo`), for pickers and word checks. */
export const BIP39_ENGLISH_WORDLIST: readonly string[] = Object.freeze([...wordlist]);

/** A fresh recovery key and the phrase that writes it down. */
export interface RecoveryKey {
  /** The key itself; its did:key's {@link nextKeyHashOfDid} is what manifests commit to. */
  readonly identity: Identity;
  /** The 24 words, lower case, separated by single spaces. */
  readonly phrase: string;
}

/** Longest text read as a phrase: 24 words of at most 8 letters need 215; anything far longer is not one. */
const MAX_PHRASE_LENGTH = 1024;
const WORD_COUNTS = [12, 15, 18, 21, 24] as const;
/** One of the lengths BIP39 defines: 128 to 256 bits in steps of 32. */
export type MnemonicLength = (typeof WORD_COUNTS)[number];

const wordIndex: ReadonlyMap<string, number> = new Map(wordlist.map((word, i) => [word, i]));

/**
 * Makes a new recovery key from the platform's CSPRNG and its phrase. Show the phrase once and
 * keep only the key's commitment: the secret must not be stored next to the current key.
 * @example
 * const recovery = await generateRecoveryKey();
 * const commitment = nextKeyHashOfDid(recovery.identity.did); // what version 1 carries
 * recovery.phrase; // 'abandon ability …' (24 words) for the recovery sheet
 */
export async function generateRecoveryKey(): Promise<RecoveryKey> {
  const identity = await identityFromSecretKey(randomSecretKey());
  return { identity, phrase: recoveryPhraseOf(identity.secretKey) };
}

/**
 * The 24-word phrase of a 32-byte Ed25519 secret key.
 * @throws RangeError when the key is not 32 bytes.
 */
export function recoveryPhraseOf(secretKey: Uint8Array): string {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32)
    throw new RangeError('an Ed25519 secret key is 32 bytes');
  return mnemonicOf(secretKey);
}

/**
 * The BIP39 English mnemonic of 16, 20, 24, 28 or 32 bytes of entropy (BIP39 "Generating the
 * mnemonic"): the code path of {@link recoveryPhraseOf}, open to every length so that the public
 * BIP39 vectors of every length run through it.
 * @throws RangeError for another length.
 */
export function mnemonicOf(entropy: Uint8Array): string {
  if (!(entropy instanceof Uint8Array) || ![16, 20, 24, 28, 32].includes(entropy.length))
    throw new RangeError('BIP39 entropy is 16, 20, 24, 28 or 32 bytes');
  return entropyToMnemonic(entropy, wordlist);
}

/**
 * Reads a BIP39 English mnemonic of `words` words back into its entropy. Forgiving about what
 * people type (any whitespace between words, leading and trailing, upper case), strict about the
 * words: the count, each word in the list, and the checksum. Never throws for bad input.
 */
export function mnemonicEntropy(
  text: string,
  words: MnemonicLength = RECOVERY_PHRASE_WORDS,
): Result<Uint8Array, 'RECOVERY_PHRASE_INVALID'> {
  if (typeof text !== 'string') return invalid('a recovery phrase is text');
  if (text.length > MAX_PHRASE_LENGTH)
    return invalid(`a recovery phrase is ${words} words, not ${text.length} characters of text`);
  const found = text
    .toLowerCase()
    .split(/\s+/u)
    .filter((word) => word !== '');
  if (found.length !== words)
    return invalid(
      `a recovery phrase is ${words} words; this has ${found.length === 0 ? 'none' : found.length}`,
    );
  const unknown = found.flatMap((word, i) => (wordIndex.has(word) ? [] : [`word ${i + 1} "${word}"`]));
  if (unknown.length > 0)
    return invalid(
      `${unknown.length === 1 ? `${unknown[0]} is` : `${unknown.slice(0, 4).join(', ')}${unknown.length > 4 ? ', …' : ''} are`} not in the BIP39 English word list`,
    );
  try {
    return ok(mnemonicToEntropy(found.join(' '), wordlist));
  } catch {
    // The count and every word were checked above: what is left is the checksum (BIP39: the last
    // word carries the first bits of SHA-256(entropy)).
    return invalid('the words do not check out (BIP39 checksum): one is wrong, or two are swapped');
  }
}

/**
 * The recovery key a 24-word phrase writes down. `RECOVERY_PHRASE_INVALID`, with what is wrong, for
 * a wrong number of words, a word not in the BIP39 English list, or a bad checksum.
 * @example
 * const recovered = await recoveryIdentityOf(typedWords);
 * if (!recovered.ok) console.error(recovered.message);
 * else nextKeyHashOfDid(recovered.value.did); // must be in the head's keyState.nextKeyHashes
 */
export async function recoveryIdentityOf(
  phrase: string,
): Promise<Result<Identity, 'RECOVERY_PHRASE_INVALID'>> {
  const entropy = mnemonicEntropy(phrase, RECOVERY_PHRASE_WORDS);
  if (!entropy.ok) return entropy;
  return ok(await identityFromSecretKey(entropy.value));
}

function invalid(why: string): Result<never, 'RECOVERY_PHRASE_INVALID'> {
  return fail('RECOVERY_PHRASE_INVALID', `Not a recovery phrase: ${why}.`);
}
