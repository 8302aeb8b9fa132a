/**
 * `@assent/tlog`: transparency-log formats. RFC 6962/9162 Merkle hashing and proofs, C2SP signed
 * notes, vkeys, checkpoints, cosignatures, tlog-tiles paths and tlog-proof text. No I/O and no Node
 * built-ins: it runs in browsers and Node alike.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './merkle.js';
