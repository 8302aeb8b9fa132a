/**
 * `@assent/manifest`: the consent manifest format. Vocabulary, strict JSON, JCS, work identifiers,
 * did:key identities, `eddsa-jcs-2022` signing and verification, CIDs and chain rules. No I/O and no
 * Node built-ins: it runs in browsers and Node alike.
 * @packageDocumentation
 */
export * from './attestation.js';
export * from './binding-scope.js';
export * from './context.js';
export * from './did-key.js';
export {
  checkPublicKey,
  isCanonicalScalar,
  type PublicKeyProblem,
  publicKeyProblem,
  type VerifyPath,
  verifyEd25519,
  verifyEd25519Reference,
  verifyEd25519With,
} from './ed25519.js';
export * from './errors.js';
export * from './identity-backup.js';
export * from './identity-link.js';
export * from './jcs.js';
export * from './key-state.js';
export * from './link-observation.js';
export * from './manifest.js';
export * from './next-version.js';
export * from './observation-credential.js';
export * from './recovery-phrase.js';
export * from './schema.js';
export * from './strict-json.js';
export * from './vocabulary.js';
export * from './work-id.js';
