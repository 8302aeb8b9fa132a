/**
 * `@assent/verifier/node`: Node-only parts of the verifier. The rest of the package runs in browsers.
 * @packageDocumentation
 */
export { fileCheckpoints } from './file-checkpoints.js';
export { type FileStateOptions, fileState } from './file-state.js';
export { type NodeSignalsSourceOptions, signalsSource } from './signals-source.js';
