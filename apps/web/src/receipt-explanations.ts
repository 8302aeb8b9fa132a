import type { ReceiptErrorCode } from '@assent/verifier/receipt';

/**
 * What each code of `verifyReceipt` means, for a person holding the receipt (docs/spec/receipt.md §4,
 * docs/errors.md "Receipts"). A `Record` over the code union, so a new code cannot go unexplained.
 */
export const RECEIPT_EXPLANATIONS: Readonly<Record<ReceiptErrorCode, string>> = {
  RECEIPT_MALFORMED:
    'This is not a check receipt, or a part of it is missing or of the wrong kind. The file may have been cut short or edited by hand.',
  RECEIPT_NODE_UNTRUSTED:
    'The receipt was signed by a node that is not among the nodes you said you trust. Its other checks were not run.',
  RECEIPT_CHECKPOINT_INVALID:
    'The node’s log checkpoint does not hold: it is not signed by the log’s key, or not of the log and size the receipt states, or, with a witness policy, not cosigned by enough of your witnesses.',
  RECEIPT_INCLUSION_INVALID:
    'A manifest the decisions rest on is not proven to be in the node’s log under this checkpoint: its proof is missing, altered, or of another entry.',
  RECEIPT_RESULTS_INVALID:
    'The results kept with the receipt are not the ones the node signed: one was changed, added, removed or moved, or names a manifest the receipt does not prove.',
  RECEIPT_SIGNATURE_INVALID:
    'The node’s signature does not match: something it covers (a date, the node, the question asked, the log) was changed after signing, or another key signed it.',
  RECEIPT_DECISION_MISMATCH:
    'The creators’ own signed manifests give another decision than the one the node signed. The node answered wrongly, and this receipt is the evidence.',
  RECEIPT_STALE:
    'The receipt is older than the age you accept: its checkpoint was signed (or last cosigned by a witness) before that.',
  EQUIVOCATION:
    'The node’s log has shown two histories: this browser has seen another checkpoint of the same size with a different root, both signed by the log. Keep both as evidence.',
};
