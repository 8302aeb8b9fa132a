import { type Conditions, type Decision, TERM_LABELS, type UseTerm } from '@assent/manifest';
import type { ConsentCheckReceipt, ReceiptVerdict, VerifiedReceipt } from '@assent/verifier/receipt';
import { describeConditions } from './consent-form.js';
import { badge } from './decision-badge.js';
import { h } from './element.js';
import { timeOf } from './format-date.js';
import { RECEIPT_EXPLANATIONS } from './receipt-explanations.js';
import type { KeptReceipt } from './receipt-file.js';

/**
 * What a receipt proves, shown after `verifyReceipt` ran in the page: who signed it and when, the
 * question, the node's log and checkpoint, witness cosignatures, each result; or, when it failed, its
 * code and what that means. Everything in a receipt is untrusted text and goes in as text nodes.
 */

/** Results listed one by one; more are counted. */
const SHOWN_RESULTS = 100;

/** What the report needs to know of how the receipt was checked. */
export interface ReportContext {
  readonly heading: string;
  /** The CIDs of the blocks given, or undefined when none were. */
  readonly blocks: ReadonlySet<string> | undefined;
  /** Whether the reader named the nodes they trust. */
  readonly trustedNodes: boolean;
  /** Whether a witness policy was given. */
  readonly policy: boolean;
}

interface ShownResult {
  /** Its position in the answer. */
  readonly index: number;
  readonly value: Record<string, unknown>;
}

const DECISIONS: ReadonlySet<string> = new Set(['allow', 'deny', 'conditional', 'unknown']);

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

function useText(use: string): string {
  return Object.hasOwn(TERM_LABELS, use) ? `${TERM_LABELS[use as UseTerm]} (${use})` : use;
}

/** The results the report lists: every one kept, or the item's own. */
function shownResults(kept: KeptReceipt, chunkSize: number): ShownResult[] {
  if (kept.results !== undefined)
    return kept.results.map((value, index) => ({ index, value: value as Record<string, unknown> }));
  if (kept.item === undefined) return [];
  const { index, chunk } = kept.item;
  return [{ index, value: chunk[index % chunkSize] as Record<string, unknown> }];
}

/** Conditions in words; a signed but odd value is shown as its JSON rather than break the page. */
function conditionsText(conditions: unknown): string {
  try {
    return describeConditions(conditions as Conditions);
  } catch {
    return JSON.stringify(conditions);
  }
}

function decisionCell(result: Record<string, unknown>): HTMLElement {
  const decision = String(result.decision);
  return h(
    'td',
    {},
    DECISIONS.has(decision) ? badge(decision as Decision) : h('code', {}, decision),
    result.conditions !== undefined && h('p', {}, `Conditions: ${conditionsText(result.conditions)}`),
    result.disputed === true && h('p', { class: 'warning' }, 'Disputed'),
  );
}

function manifestsCell(result: Record<string, unknown>): HTMLElement {
  const evidence = Array.isArray(result.evidence) ? (result.evidence as Record<string, unknown>[]) : [];
  if (evidence.length === 0) return h('td', {}, 'None: no creator claims it here');
  return h(
    'td',
    {},
    ...evidence.map((e) =>
      h('p', {}, `Version ${String(e.version)} `, h('code', { class: 'cid' }, String(e.cid))),
    ),
  );
}

function resultsTable(results: readonly ShownResult[], count: number): HTMLElement {
  const shown = results.slice(0, SHOWN_RESULTS);
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'decisions receipt-results' },
        h('caption', {}, 'The results the node signed'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'No.'),
            h('th', { scope: 'col' }, 'Work'),
            h('th', { scope: 'col' }, 'Decision'),
            h('th', { scope: 'col' }, 'Creator’s manifest'),
          ),
        ),
        h(
          'tbody',
          {},
          ...shown.map(({ index, value }) =>
            h(
              'tr',
              { 'data-work': String(value.work), 'data-decision': String(value.decision) },
              h('td', {}, (index + 1).toLocaleString('en')),
              h('th', { scope: 'row' }, h('code', { class: 'id' }, String(value.work))),
              decisionCell(value),
              manifestsCell(value),
            ),
          ),
        ),
      ),
    ),
    results.length > shown.length &&
      h(
        'p',
        { class: 'hint' },
        `And ${plural(results.length - shown.length, 'more result', 'more results')}.`,
      ),
    results.length === 1 &&
      count > 1 &&
      h(
        'p',
        { class: 'hint' },
        `Shown alone: one result of ${count.toLocaleString('en')} the node signed together.`,
      ),
  );
}

/** Names of the checkpoint's signature lines that are not the log's own (unchecked without a policy). */
function otherSigners(note: string, origin: string): string[] {
  const blank = note.indexOf('\n\n');
  if (blank < 0) return [];
  const names = note
    .slice(blank + 2)
    .split('\n')
    .filter((line) => line.startsWith('\u2014 '))
    .map((line) => line.split(' ')[1] ?? '')
    .filter((name) => name !== '' && name !== origin);
  return [...new Set(names)];
}

function witnessesText(value: VerifiedReceipt, note: string, context: ReportContext): (Node | string)[] {
  if (value.cosignatures.length > 0)
    return [
      h(
        'ul',
        { id: 'receipt-cosignatures' },
        ...value.cosignatures.map((c) =>
          h(
            'li',
            { 'data-witness': c.name },
            h('code', {}, c.name),
            ', cosigned ',
            timeOf(new Date(c.timestamp * 1000).toISOString()),
          ),
        ),
      ),
    ];
  const others = otherSigners(note, value.log.origin);
  if (others.length === 0) return ['None'];
  if (context.policy) return ['None of your policy’s witnesses'];
  return [
    `Not checked: ${others.join(', ')}. Give a witness policy naming the witnesses you trust to check them and see when they cosigned.`,
  ];
}

function derivedText(value: VerifiedReceipt, context: ReportContext): HTMLElement {
  if (value.results === 0)
    return h(
      'p',
      { class: 'notice', id: 'receipt-no-results' },
      'The file keeps no results with this receipt, so what the node decided cannot be shown. Keep the answer’s results (or one item) with the receipt.',
    );
  if (context.blocks === undefined)
    return h(
      'p',
      { class: 'hint', id: 'receipt-derived' },
      'Decisions not derived again: add the manifests’ files to check each decision against the creators’ own signed bytes.',
    );
  const rest = value.results - value.rederived;
  return h(
    'p',
    { class: 'success', id: 'receipt-derived' },
    `${value.rederived.toLocaleString('en')} of ${plural(value.results, 'decision', 'decisions')} derived again in this browser from the manifests you gave, with the same answer.`,
    rest > 0 && ` ${plural(rest, 'other rests', 'others rest')} on manifests you did not give.`,
  );
}

function decidedByList(value: VerifiedReceipt, context: ReportContext): HTMLElement | false {
  if (value.decidedBy.length === 0) return false;
  return h(
    'details',
    {},
    h(
      'summary',
      {},
      `The ${plural(value.decidedBy.length, 'manifest', 'manifests')} it rests on, each in the node’s log`,
    ),
    h(
      'ul',
      { class: 'evidence' },
      ...value.decidedBy.map((m) =>
        h(
          'li',
          { 'data-cid': m.cid },
          h('code', { class: 'cid' }, m.cid),
          `: version ${m.version} by `,
          h('code', { class: 'did' }, m.issuer),
          `, log entry ${m.logIndex.toLocaleString('en')}`,
          context.blocks?.has(m.cid) === true && ' (its file is among those you gave)',
        ),
      ),
    ),
  );
}

function verifiedReport(kept: KeptReceipt, value: VerifiedReceipt, context: ReportContext): HTMLElement {
  // The shape verified: the receipt's own members can be read as typed.
  const receipt = kept.receipt as ConsentCheckReceipt;
  const { log, results } = receipt.credentialSubject;
  const { query } = value;
  return h(
    'section',
    { class: 'result receipt', 'data-verdict': 'ok' },
    h('h2', { tabindex: -1 }, context.heading),
    h(
      'p',
      { class: 'success verdict' },
      'Verified in this browser: the node signed it, every manifest it rests on is in the node’s log under the checkpoint below, and the results shown are the ones it signed.',
    ),
    !context.trustedNodes &&
      h(
        'p',
        { class: 'hint' },
        'Anyone can sign a receipt with a key of their own: check that the node below is one you trust, or name the nodes you trust below.',
      ),
    h(
      'dl',
      { class: 'summary' },
      h('dt', {}, 'Signed by the node'),
      h('dd', {}, h('code', { class: 'did', id: 'receipt-node' }, value.node)),
      h('dt', {}, 'Signed'),
      h('dd', {}, timeOf(value.validFrom)),
      h('dt', {}, 'The node’s registry as of'),
      h('dd', {}, timeOf(value.asOf)),
      h('dt', {}, 'Use checked'),
      h('dd', { id: 'receipt-use' }, useText(query.use)),
      h('dt', {}, 'For the organisation'),
      h('dd', {}, query.org === undefined ? 'None named' : h('code', {}, query.org)),
      h('dt', {}, 'At the time of use'),
      h('dd', {}, timeOf(query.at)),
      h('dt', {}, 'The node’s log'),
      h('dd', {}, h('code', { id: 'receipt-origin' }, value.log.origin)),
      h('dt', {}, 'Tree size'),
      h('dd', { id: 'receipt-tree-size' }, plural(value.log.treeSize, 'entry', 'entries')),
      h('dt', {}, 'Checkpoint root'),
      h('dd', {}, h('code', {}, value.log.root)),
      h('dt', {}, 'Witness cosignatures'),
      h('dd', { id: 'receipt-witnesses' }, ...witnessesText(value, log.checkpoint, context)),
      h('dt', {}, 'Results signed'),
      h('dd', {}, plural(results.count, 'result', 'results')),
    ),
    derivedText(value, context),
    value.results > 0 && resultsTable(shownResults(kept, results.chunkSize), results.count),
    decidedByList(value, context),
    h('details', {}, h('summary', {}, 'The signed checkpoint'), h('pre', {}, log.checkpoint)),
  );
}

function failedReport(verdict: Extract<ReceiptVerdict, { ok: false }>, context: ReportContext): HTMLElement {
  return h(
    'section',
    { class: 'result receipt', 'data-verdict': 'failed', 'data-code': verdict.code },
    h('h2', { tabindex: -1 }, context.heading),
    h('p', { class: 'error verdict' }, 'Not verified ', h('code', { class: 'code' }, `(${verdict.code})`)),
    h('p', { class: 'explanation' }, RECEIPT_EXPLANATIONS[verdict.code]),
    h('p', { class: 'hint' }, `What failed: ${verdict.message}`),
    verdict.equivocation !== undefined &&
      h(
        'details',
        { open: true },
        h('summary', {}, 'The two signed checkpoints (keep both)'),
        ...verdict.equivocation.notes.map((note) => h('pre', {}, note)),
      ),
  );
}

/** The report of one kept receipt and its verdict. */
export function receiptReport(
  kept: KeptReceipt,
  verdict: ReceiptVerdict,
  context: ReportContext,
): HTMLElement {
  return verdict.ok ? verifiedReport(kept, verdict.value, context) : failedReport(verdict, context);
}
