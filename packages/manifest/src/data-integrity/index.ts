/**
 * `@assent/manifest/data-integrity`: W3C Data Integrity EdDSA Cryptosuites v1.0, cryptosuite
 * `eddsa-jcs-2022`, over any JSON-LD document.
 * @packageDocumentation
 */
export {
  type CreateProofOptions,
  createProof,
  DATA_INTEGRITY_PROOF,
  EDDSA_JCS_2022,
  type ProofInputs,
  proofInputs,
  type VerifiedProof,
  type VerifyProofOptions,
  verifyProof,
} from './eddsa-jcs-2022.js';
