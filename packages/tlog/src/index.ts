/**
 * `@assent/tlog`: transparency-log formats. RFC 6962/9162 Merkle hashing and proofs, C2SP signed
 * notes, vkeys, checkpoints, cosignatures, tlog-tiles paths and tlog-proof text. No I/O and no Node
 * built-ins: it runs in browsers and Node alike.
 * @packageDocumentation
 */
export * from './add-checkpoint.js';
export { decodeBase64, encodeBase64 } from './base64.js';
export * from './checkpoint.js';
export * from './cosignature.js';
export * from './errors.js';
export * from './merkle.js';
export * from './note.js';
export { hasForbiddenCharacter, isValidKeyName } from './note-characters.js';
export * from './note-key.js';
export * from './policy.js';
export * from './proof-text.js';
export * from './stored-tree.js';
export * from './tiles.js';
export * from './vkey.js';
