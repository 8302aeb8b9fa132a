/**
 * `@assent/cli`: the `assent` command. Creators create an identity, draft, sign, publish and revoke
 * consent manifests; AI companies check works and scan datasets, verifying every manifest locally. The
 * commands are thin over `@assent/manifest`, `@assent/verifier` and `@assent/registry`. Node only.
 * @packageDocumentation
 */
export { CLI_ERROR_CODES, type CliErrorCode, exitCodeOf } from './errors.js';
export { type FileHash, type HashFilesOptions, hashFiles } from './file-hash.js';
export { openKeystore, parseKeystore, sealIdentity } from './keystore.js';
export { type MainOptions, main } from './main.js';
export { entryOf, type ScanEntry, type ScanSummary, summarize } from './scan-report.js';
