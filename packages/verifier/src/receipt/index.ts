/**
 * `@assent/verifier/receipt`: the node's check receipts (docs/spec/receipt.md). `verifyReceipt` checks
 * one offline, in browsers and Node; `receiptItem` shows one result alone; a checkpoint memory catches
 * a log's two histories. A separate entry so that the main one, which a site embeds for the consent
 * check, stays within DESIGN §5's 60 KB gzip: this one brings `@assent/tlog` along. No I/O of its own
 * and no Node built-ins; the Node file store of checkpoints is `fileCheckpoints` in `@assent/verifier/node`.
 * @packageDocumentation
 */
export {
  type CheckpointMemory,
  type Equivocation,
  memoryCheckpoints,
  observeCheckpoint,
  type SeenCheckpoint,
} from '../checkpoint-memory.js';
export {
  type ConsentCheckReceipt,
  RECEIPT_CHUNK_SIZE,
  type ReceiptItem,
  type ReceiptLogInclusion,
  type ReceiptManifest,
  type ReceiptSubject,
  receiptChunkBytes,
  receiptItem,
  receiptLeafHashes,
  receiptResultsRoot,
} from '../receipt.js';
export {
  RECEIPT_ERROR_CODES,
  type ReceiptErrorCode,
  type ReceiptVerdict,
  type VerifiedReceipt,
  type VerifyReceiptOptions,
  verifyReceipt,
} from '../verify-receipt.js';
