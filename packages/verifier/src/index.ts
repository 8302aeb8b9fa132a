/**
 * `@assent/verifier`: decides AI-use consent locally from signed manifests. Sources only supply
 * manifests; the verifier verifies every one, remembers the newest version per creator (rollback
 * protection) and explains each decision. No I/O of its own and no Node built-ins: it runs in
 * browsers and Node. The Node-only file state store is at `@assent/verifier/node`; check receipts
 * (`verifyReceipt` and the rest) are at `@assent/verifier/receipt`, so a site that embeds the consent
 * check does not load them.
 * @packageDocumentation
 */
export {
  type DecisionRule,
  type Evidence,
  isLicensee,
  RESTRICTIVENESS,
} from './decide.js';
export { VERIFIER_ERROR_CODES, type VerifierErrorCode, type Warning, type WarningCode } from './errors.js';
export { type GatewaySourceOptions, gatewaySource } from './gateway-source.js';
export type {
  ClaimantAttestation,
  ClaimantLink,
  IdentityOptions,
} from './identity-standing.js';
export { type IndexedDbStateOptions, indexedDbState } from './indexeddb-state.js';
export { type MemoryManifest, type MemorySourceOptions, memorySource } from './memory-source.js';
export type { Claimant } from './ranking.js';
export {
  type CheckResultWithSignals,
  type SignalEvidence,
  type SignalLocation,
  type SignalsSource,
  type SignalsSourceOptions,
  signalsSource,
  type UnsignedEvidence,
  withSignals,
} from './signals-source.js';
export type { CandidateSet, CandidatesOptions, ManifestCandidate, ManifestSource } from './source.js';
export {
  type CreatorRecord,
  isCreatorRecord,
  MAX_BRANCHES,
  memoryState,
  mergeCreatorRecord,
  type StateStore,
} from './state.js';
export {
  type CheckManyRequest,
  type CheckOptions,
  type CheckRequest,
  type CheckResult,
  type CheckStreamRequest,
  createVerifier,
  type Verifier,
  type VerifierOptions,
} from './verifier.js';
