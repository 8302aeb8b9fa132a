import { fail, ok } from '@assent/manifest';
import { decodeBase64, encodeBase64 } from './base64.js';
import type { TlogResult } from './errors.js';
import { hasForbiddenCharacter, isValidKeyName } from './note-characters.js';
import { formatKeyId } from './vkey.js';

/**
 * C2SP signed notes (c2sp.org/signed-note): text, a blank line, then signature lines
 * `— <name> <base64(key ID ‖ signature)>`. Parsing is strict; verification follows §Signatures:
 * unknown keys are ignored, a known key's bad signature rejects the note, and at least one known key
 * must verify.
 */

/** The most bytes a note may have: room for 16 ML-DSA-44 cosignatures (~3.3 kB each) and the text. */
export const MAX_NOTE_BYTES = 128 * 1024;
/**
 * The most signature lines a note may carry. signed-note §Format: verifiers "MUST accept at least up to
 * 16 signatures" and SHOULD cap them; 100 is golang.org/x/mod/sumdb/note's limit.
 */
export const MAX_NOTE_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 '; // em dash, space

/** One signature line of a note. */
export interface NoteSignature {
  /** The key name. */
  readonly name: string;
  /** The 32-bit key ID from the first four bytes. */
  readonly keyId: number;
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array;
  /** The line as written, without the final newline. */
  readonly line: string;
}

/** A parsed, not yet verified, signed note. */
export interface Note {
  /** The note text, including its final newline, excluding the separating blank line. */
  readonly text: string;
  /** The signature lines in order. */
  readonly signatures: readonly NoteSignature[];
}

/** Something that can check one signature line of a note (see `createNoteVerifier`). */
export interface NoteVerifier {
  /** The key name it answers for. */
  readonly name: string;
  /** The key ID it answers for. */
  readonly keyId: number;
  /** The signature type byte of its key. */
  readonly type: number;
  /** True when `signature` (the bytes after the key ID) is valid for the note text. */
  verify(text: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** Something that can sign a note text (see `createNoteSigner`, `createCosigner`). */
export interface NoteSigner {
  /** The key name written in the signature line. */
  readonly name: string;
  /** The key ID written in the signature. */
  readonly keyId: number;
  /** The signature bytes (after the key ID) over the note text. */
  sign(text: Uint8Array): Promise<Uint8Array>;
}

/** A note whose signatures were checked against a set of known keys. */
export interface VerifiedNote extends Note {
  /** Signatures by known keys, each verified (one per key: repeats are dropped). */
  readonly verified: readonly (NoteSignature & { readonly type: number })[];
  /** Signatures by keys not in the set: ignored, as signed-note §Signatures requires. */
  readonly unknown: readonly NoteSignature[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(message: string) {
  return fail('NOTE_MALFORMED' as const, message);
}

/** The text of a note given as text or UTF-8 bytes, within the size cap, or why it is not acceptable. */
function noteText(input: string | Uint8Array): TlogResult<string> {
  const tooLarge = () => fail('NOTE_TOO_LARGE' as const, `the note is larger than ${MAX_NOTE_BYTES} bytes`);
  if (typeof input === 'string') {
    // UTF-8 never takes fewer bytes than UTF-16 code units, so a long string is refused unencoded.
    if (input.length > MAX_NOTE_BYTES) return tooLarge();
    if (new TextEncoder().encode(input).length > MAX_NOTE_BYTES) return tooLarge();
    return ok(input);
  }
  if (!(input instanceof Uint8Array)) throw new TypeError('a note is a string or a Uint8Array');
  if (input.length > MAX_NOTE_BYTES) return tooLarge();
  try {
    return ok(utf8.decode(input));
  } catch {
    return malformed('the note is not valid UTF-8');
  }
}

/**
 * Parses a signed note without verifying it (C2SP signed-note §Format). Refused as `NOTE_MALFORMED`:
 * invalid UTF-8, ASCII control characters other than newline, no blank line before the signatures,
 * no signatures, a line that is not `— <name> <base64>`, a bad key name, non-canonical base64, or a
 * signature shorter than 5 bytes. Larger than {@link MAX_NOTE_BYTES} or more than
 * {@link MAX_NOTE_SIGNATURES} lines is `NOTE_TOO_LARGE`.
 */
export function parseNote(input: string | Uint8Array): TlogResult<Note> {
  const decoded = noteText(input);
  if (!decoded.ok) return decoded;
  const all = decoded.value;
  // signed-note §Format: valid UTF-8 (no lone surrogate), no ASCII control characters but newline.
  if (hasForbiddenCharacter(all)) return malformed('the note holds a control character or a lone surrogate');
  // signed-note §Format: "the text is separated from the signatures by the last empty line".
  const split = all.lastIndexOf('\n\n');
  if (split < 0) return malformed('no blank line separates the text from the signatures');
  const text = all.slice(0, split + 1);
  const block = all.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n'))
    return malformed('the signature lines must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) {
    return fail('NOTE_TOO_LARGE', `more than ${MAX_NOTE_SIGNATURES} signature lines`);
  }
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    if (!line.startsWith(SIGNATURE_PREFIX)) return malformed('a signature line must start with "— "');
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) return malformed('a signature line is "— <name> <base64>"');
    const name = rest.slice(0, space);
    if (!isValidKeyName(name)) return malformed('a key name is empty or holds a space or "+"');
    const bytes = decodeBase64(rest.slice(space + 1));
    if (bytes === undefined) return malformed('a signature is not canonical base64');
    if (bytes.length < 5) return malformed('a signature is shorter than a key ID and one byte');
    const keyId = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
    signatures.push({ name, keyId, signature: bytes.slice(4), line });
  }
  return ok({ text, signatures });
}

/**
 * Parses a note and checks its signatures against `verifiers` (C2SP signed-note §Signatures):
 * - a signature whose (name, key ID) pair is unknown is ignored ("MUST ignore"), even when the name or
 *   the ID alone matches a known key;
 * - a known key's signature that fails rejects the note (`NOTE_SIGNATURE_INVALID`; the spec says
 *   SHOULD, and a forged line next to a good one is evidence of an attack, so we do);
 * - when no known key verifies, the note is rejected (`NOTE_UNVERIFIED`, "MUST reject").
 * Two verifiers with the same name and key ID are a programming error (TypeError).
 */
export async function verifyNote(
  input: string | Uint8Array | Note,
  verifiers: readonly NoteVerifier[],
): Promise<TlogResult<VerifiedNote>> {
  let note: Note;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const parsed = parseNote(input);
    if (!parsed.ok) return parsed;
    note = parsed.value;
  } else {
    note = input;
  }
  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const key = `${v.name}+${formatKeyId(v.keyId)}`;
    if (known.has(key)) throw new TypeError(`two verifiers for the key ${key}`);
    known.set(key, v);
  }
  const textBytes = new TextEncoder().encode(note.text);
  const verified: (NoteSignature & { type: number })[] = [];
  const unknown: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const sig of note.signatures) {
    const key = `${sig.name}+${formatKeyId(sig.keyId)}`;
    const verifier = known.get(key);
    if (verifier === undefined) {
      unknown.push(sig);
      continue;
    }
    if (!(await verifier.verify(textBytes, sig.signature))) {
      return fail('NOTE_SIGNATURE_INVALID', `the signature by the known key ${key} does not verify`);
    }
    if (!seen.has(key)) {
      seen.add(key);
      verified.push({ ...sig, type: verifier.type });
    }
  }
  if (verified.length === 0) return fail('NOTE_UNVERIFIED', 'no signature by a known key');
  return ok({ text: note.text, signatures: note.signatures, verified, unknown });
}

/** Formats one signature line, without its newline. */
export function formatSignatureLine(name: string, keyId: number, signature: Uint8Array): string {
  if (!isValidKeyName(name)) throw new TypeError(`not a valid note key name: ${JSON.stringify(name)}`);
  const bytes = new Uint8Array(4 + signature.length);
  new DataView(bytes.buffer).setUint32(0, keyId >>> 0, false);
  bytes.set(signature, 4);
  return `${SIGNATURE_PREFIX}${name} ${encodeBase64(bytes)}`;
}

/**
 * Signs a note text with each signer and returns the whole note. When `note` is a parsed {@link Note},
 * its existing signature lines are kept (a witness's cosignature is appended to the log's), except a
 * line by the same (name, key ID) as a signer, which is replaced. Throws TypeError when the text does
 * not end in a newline or holds a control character or lone surrogate (signed-note §Format).
 * @example
 * const signed = await signNote('example.com/log\n1\nAAAA…=\n', [signer]);
 */
export async function signNote(note: string | Note, signers: readonly NoteSigner[]): Promise<string> {
  const text = typeof note === 'string' ? note : note.text;
  const existing = typeof note === 'string' ? [] : note.signatures;
  if (!text.endsWith('\n')) throw new TypeError('a note text ends with a newline');
  if (hasForbiddenCharacter(text)) {
    throw new TypeError('a note text is UTF-8 with no control characters other than newline');
  }
  const textBytes = new TextEncoder().encode(text);
  const replaced = new Set(signers.map((s) => `${s.name}+${formatKeyId(s.keyId)}`));
  const lines = existing
    .filter((sig) => !replaced.has(`${sig.name}+${formatKeyId(sig.keyId)}`))
    .map((s) => s.line);
  for (const signer of signers) {
    lines.push(formatSignatureLine(signer.name, signer.keyId, await signer.sign(textBytes)));
  }
  if (lines.length === 0) throw new TypeError('a note needs at least one signature');
  return `${text}\n${lines.join('\n')}\n`;
}
