import { canonicalize, type JsonValue, type UseTerm, type WorkId } from '@assent/manifest';
import { type CheckResult, gatewaySource } from '@assent/verifier';
import { type CheckpointMemory, type VerifiedReceipt, verifyReceipt } from '@assent/verifier/receipt';
import { cliError } from './errors.js';
import { gatewayRequest } from './gateway-client.js';
import type { ReceiptFailure } from './receipt-failure.js';
import type { ReceiptRecord } from './receipt-file.js';

/**
 * The receipts `check --receipt` and `scan --receipt` keep: the same question asked of the gateway's
 * node with `POST /v1/check?receipt=1` (docs/spec/receipt.md §1), verified offline as it arrives, and
 * held to what was asked and to what this CLI decided itself from the manifests it verified.
 */

/** The check a receipt must answer: the works in order, and the use, organisation and time of use. */
export interface ReceiptQuestion {
  readonly works: readonly string[];
  readonly use: string;
  readonly org?: string;
  readonly at: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Asks the gateway's node to decide the works and sign a receipt over its answer. The results are kept
 * as parsed, never re-shaped: the receipt's leaves are their exact serialization.
 */
export async function requestReceipt(gateway: string, question: ReceiptQuestion): Promise<ReceiptRecord> {
  const { works, use, org, at } = question;
  const answer = await gatewayRequest(gateway, '/v1/check?receipt=1', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ use, ...(org === undefined ? {} : { org }), at, works }),
  });
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(answer?.bytes));
  } catch (cause) {
    throw cliError('GATEWAY_ERROR', 'POST /v1/check?receipt=1: the body is not JSON', cause);
  }
  if (!isObject(body) || !Array.isArray(body.results) || body.results.length !== works.length)
    throw cliError('GATEWAY_ERROR', `POST /v1/check?receipt=1: not {"results"} with ${works.length} results`);
  if (!isObject(body.receipt))
    throw cliError('GATEWAY_ERROR', 'POST /v1/check?receipt=1: the gateway answered without a receipt');
  return { receipt: body.receipt, results: body.results };
}

/**
 * The blocks the node's decisions rest on, to derive them again: the manifests and catalog pages naming
 * these works (normal-form ids), asked as the verifier asks (`POST /v1/candidates`), and checked
 * against their CIDs by `gatewaySource`. A node's manifest this answer lacks only means its results are
 * not derived again; `verifyAnswer` still holds them to this CLI's own decisions.
 */
export async function candidateBlocks(
  gateway: string,
  works: readonly WorkId[],
  use: UseTerm,
): Promise<Uint8Array[]> {
  const found = await gatewaySource(gateway, { timeout: 30_000 }).candidates(works, { use });
  const blocks: Uint8Array[] = [];
  for (const m of found.manifests) {
    blocks.push(m.bytes);
    for (const page of m.pages?.values() ?? []) blocks.push(page);
  }
  return blocks;
}

/** The members of a result that say what was decided (those `verifyReceipt` derives again). */
function verdictOf(result: Pick<CheckResult, 'decision' | 'term' | 'disputed' | 'conditions'>): string {
  // The node's result is only as well formed as verifyReceipt checked it: absent members count as null.
  return canonicalize({
    decision: result.decision,
    term: result.term ?? null,
    disputed: result.disputed === true,
    conditions: (result.conditions ?? null) as JsonValue,
  });
}

/** The node's spelling of an organisation: a DID as is, a domain in lower case (docs/api.md). */
const orgSpelling = (org: string | undefined) =>
  org === undefined || org.startsWith('did:') ? org : org.toLowerCase();

/**
 * Verifies a receipted answer (`verifyReceipt` over all its results, with the blocks when given), then
 * holds it to the question (the same use, organisation, time of use and works, in order:
 * `RECEIPT_RESULTS_INVALID` otherwise) and to this CLI's own decisions (`RECEIPT_DECISION_MISMATCH`
 * when the node decided a work otherwise).
 */
export async function verifyAnswer(
  record: ReceiptRecord,
  question: ReceiptQuestion,
  local: readonly CheckResult[],
  options: { readonly manifests?: Iterable<Uint8Array>; readonly seen?: CheckpointMemory } = {},
): Promise<{ ok: true; value: VerifiedReceipt } | ({ ok: false } & ReceiptFailure)> {
  const verdict = await verifyReceipt(record.receipt, { results: record.results, ...options });
  if (!verdict.ok) return verdict;
  const { query } = verdict.value;
  const fail = (code: ReceiptFailure['code'], message: string) => ({ ok: false as const, code, message });
  if (
    query.use !== question.use ||
    query.org !== orgSpelling(question.org) ||
    Date.parse(query.at) !== Date.parse(question.at)
  )
    return fail(
      'RECEIPT_RESULTS_INVALID',
      `the receipt answers another question (${JSON.stringify(query)}) than the one asked`,
    );
  for (let i = 0; i < question.works.length; i++) {
    const theirs = record.results[i] as CheckResult;
    const ours = local[i] as CheckResult;
    if (theirs.work !== question.works[i])
      return fail('RECEIPT_RESULTS_INVALID', `result ${i} is for ${theirs.work}, not ${question.works[i]}`);
    if (verdictOf(theirs) !== verdictOf(ours)) {
      // A warning often says why (ROLLBACK_DETECTED: the node serves a version older than one seen).
      const warned =
        ours.warnings.length === 0 ? '' : ` (with ${ours.warnings.map((w) => w.code).join(', ')})`;
      return fail(
        'RECEIPT_DECISION_MISMATCH',
        `${ours.work}: the node's receipt says ${theirs.decision}${theirs.disputed ? ' (disputed)' : ''}, ` +
          `this verifier decided ${ours.decision}${ours.disputed ? ' (disputed)' : ''}${warned} from the manifests it verified`,
      );
    }
  }
  return verdict;
}
