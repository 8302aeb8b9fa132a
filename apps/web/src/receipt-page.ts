import { blockCid } from '@assent/manifest';
import {
  memoryCheckpoints,
  type ReceiptVerdict,
  type VerifyReceiptOptions,
  verifyReceipt,
} from '@assent/verifier/receipt';
import { h, replace } from './element.js';
import { messageOf, nextPaint, showError, showProgress, showStatus } from './feedback.js';
import { fileDropzone } from './file-dropzone.js';
import { type KeptReceipt, type ReceiptFile, readReceiptFile } from './receipt-file.js';
import { receiptReport } from './receipt-report.js';
import { linesOf } from './work-input.js';

/**
 * The receipt page (`#/receipt`): drop a check receipt, see what it proves. `verifyReceipt` runs in
 * this page over the file's contents and nothing else: no request is made, so a receipt checks the
 * same with every node gone. The manifests' blocks, the nodes trusted and a witness policy are the
 * reader's to give.
 */

/** Beyond this a receipt file is not read in a page (a 10,000-work answer is about 3 MB). */
const MAX_RECEIPT_FILE_BYTES = 256 * 1024 * 1024;
/** A manifest is at most 256 KiB inline and a catalog page as much; anything far larger is no block. */
const MAX_BLOCK_BYTES = 4 * 1024 * 1024;
/** Verified receipts shown one by one; every failed one is shown, all are counted. */
const SHOWN_VERIFIED = 20;

interface LoadedFile {
  readonly name: string;
  readonly content: ReceiptFile;
}

interface Block {
  readonly name: string;
  readonly bytes: Uint8Array;
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

export function receiptPage(): HTMLElement {
  let loaded: LoadedFile | undefined;
  const blocks = new Map<string, Block>();
  // The largest checkpoint seen per log, for this page's life: two receipts of one log that show two
  // histories are an EQUIVOCATION, with both notes.
  const seen = memoryCheckpoints();
  let runs = 0;

  const fileStatus = h('div', { id: 'receipt-file-status', 'aria-live': 'polite' });
  const blockList = h('ul', { id: 'receipt-block-list', class: 'evidence files' });
  const blockStatus = h('div', { id: 'receipt-block-status', 'aria-live': 'polite' });
  const clearBlocks = h(
    'button',
    {
      type: 'button',
      class: 'secondary small',
      id: 'receipt-clear-blocks',
      onclick: () => {
        blocks.clear();
        renderBlocks();
        void verifyAll();
      },
    },
    'Remove these files',
  );
  // Buttons are styled `display: inline-block`, which `hidden` cannot override: shown by replacing.
  const blockActions = h('div', { id: 'receipt-block-actions' });
  const status = h('div', { id: 'receipt-status', role: 'status', 'aria-live': 'polite' });
  const results = h('div', { id: 'receipt-results' });

  const trusted = h('textarea', {
    id: 'receipt-trusted',
    name: 'trusted',
    rows: 2,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'receipt-trusted-hint',
  });
  const policy = h('textarea', {
    id: 'receipt-policy',
    name: 'policy',
    rows: 4,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'receipt-policy-hint',
  });

  async function loadReceiptFile(file: File): Promise<void> {
    if (file.size > MAX_RECEIPT_FILE_BYTES)
      return showError(
        fileStatus,
        new Error(`“${file.name}” is too large to check in a browser (over 256 MB).`),
      );
    showStatus(fileStatus, `Reading “${file.name}”…`);
    try {
      const content = readReceiptFile(await file.text());
      if (content.receipts.length === 0) {
        loaded = undefined;
        replace(results);
        replace(status);
        return showError(
          fileStatus,
          new Error(`“${file.name}” holds no receipt. ${content.problems.slice(0, 5).join(' ')}`),
        );
      }
      loaded = { name: file.name, content };
      replace(
        fileStatus,
        h('p', {}, `“${file.name}”: ${plural(content.receipts.length, 'receipt', 'receipts')}.`),
        content.problems.length > 0 &&
          h(
            'p',
            { class: 'warning' },
            `Not read: ${content.problems.slice(0, 10).join(' ')}${content.problems.length > 10 ? ` And ${content.problems.length - 10} more.` : ''}`,
          ),
      );
      await verifyAll();
    } catch (error) {
      showError(fileStatus, error);
    }
  }

  async function addBlockFiles(files: File[]): Promise<void> {
    const refused: string[] = [];
    for (const file of files) {
      if (file.size === 0 || file.size > MAX_BLOCK_BYTES) {
        refused.push(`“${file.name}”`);
        continue;
      }
      const bytes = new Uint8Array(await file.arrayBuffer());
      blocks.set(blockCid(bytes), { name: file.name, bytes });
    }
    renderBlocks();
    if (refused.length > 0)
      showError(
        blockStatus,
        new Error(`Not a manifest or catalog page (empty, or over 4 MB): ${refused.join(', ')}.`),
      );
    else replace(blockStatus);
    await verifyAll();
  }

  function renderBlocks(): void {
    replace(
      blockList,
      ...[...blocks].map(([cid, block]) =>
        h('li', { 'data-cid': cid }, `${block.name}: `, h('code', { class: 'cid' }, cid)),
      ),
    );
    replace(blockActions, blocks.size > 0 && clearBlocks);
  }

  /** What every receipt of a run is verified with: the page's memory and the reader's settings. */
  function sharedOptions(): VerifyReceiptOptions {
    const nodes = linesOf(trusted.value);
    const policyText = policy.value.trim();
    return {
      seen,
      ...(blocks.size === 0 ? {} : { manifests: [...blocks.values()].map((b) => b.bytes) }),
      ...(nodes.length === 0 ? {} : { trustedNodes: nodes }),
      ...(policyText === '' ? {} : { policy: `${policyText}\n` }),
    };
  }

  function headingOf(kept: KeptReceipt, file: LoadedFile): string {
    return kept.line === undefined ? `Receipt in “${file.name}”` : `Line ${kept.line} of “${file.name}”`;
  }

  async function verifyAll(): Promise<void> {
    const file = loaded;
    if (file === undefined) return;
    const run = ++runs;
    const { receipts } = file.content;
    showStatus(status, 'Verifying in this browser…');
    await nextPaint();
    if (run !== runs) return;
    const verdicts: ReceiptVerdict[] = [];
    const shared = sharedOptions();
    try {
      for (const [i, kept] of receipts.entries()) {
        verdicts.push(
          await verifyReceipt(kept.receipt, {
            ...shared,
            ...(kept.results === undefined ? {} : { results: kept.results }),
            ...(kept.item === undefined ? {} : { item: kept.item }),
          }),
        );
        if (receipts.length > 1 && i % 10 === 9) {
          showProgress(status, `Verifying receipt ${i + 1} of ${receipts.length}…`, i + 1, receipts.length);
          await nextPaint();
        }
        // A newer file or setting started another run; its answer replaces this one.
        if (run !== runs) return;
      }
    } catch (error) {
      // verifyReceipt returns a verdict for any receipt; it throws for a policy it cannot read.
      replace(results);
      if (shared.policy === undefined) return showError(status, error);
      return showError(status, new Error(`The witness policy cannot be used: ${messageOf(error)}`));
    }
    const context = {
      blocks: shared.manifests === undefined ? undefined : new Set(blocks.keys()),
      trustedNodes: shared.trustedNodes !== undefined,
      policy: shared.policy !== undefined,
    };
    const failed = verdicts.filter((v) => !v.ok).length;
    let verifiedShown = 0;
    const reports: HTMLElement[] = [];
    for (const [i, verdict] of verdicts.entries()) {
      if (verdict.ok && ++verifiedShown > SHOWN_VERIFIED) continue;
      const kept = receipts[i] as KeptReceipt;
      reports.push(receiptReport(kept, verdict, { ...context, heading: headingOf(kept, file) }));
    }
    replace(results, ...reports);
    showSummary(verdicts, failed);
    (results.querySelector('h2') as HTMLElement | null)?.focus();
  }

  function showSummary(verdicts: readonly ReceiptVerdict[], failed: number): void {
    const total = verdicts.length;
    const first = verdicts[0];
    const text =
      total === 1 && first !== undefined
        ? first.ok
          ? 'Verified.'
          : `Not verified (${first.code}).`
        : `${plural(total, 'receipt', 'receipts')}: ${(total - failed).toLocaleString('en')} verified, ${failed.toLocaleString('en')} not verified.${total - failed > SHOWN_VERIFIED ? ` Shown: the first ${SHOWN_VERIFIED} verified and every one that failed.` : ''}`;
    const p = h('p', { class: failed === 0 ? 'success' : 'error', id: 'receipt-summary' }, text);
    replace(status, p);
  }

  const receiptZone = fileDropzone({
    id: 'receipt-dropzone',
    prompt: 'Drop a receipt file here, or',
    button: 'Choose a receipt file',
    accept: '.json,.jsonl,.ndjson,application/json',
    hint: 'What a node answered with a receipt (POST or GET /v1/check?receipt=1), a receipt with one result shown alone, or JSON Lines of them, as assent scan --receipt keeps them.',
    onFiles: ([file]) => {
      if (file !== undefined) void loadReceiptFile(file);
    },
  });
  const blockZone = fileDropzone({
    id: 'receipt-blocks',
    prompt: 'Drop the manifests’ files here, or',
    button: 'Choose manifest files',
    multiple: true,
    hint: 'Manifests and catalog pages, byte for byte as GET v1/manifests/{cid} and GET ipfs/{cid}?format=raw give them. With them, each decision is derived again here from the creators’ own signed bytes.',
    onFiles: (files) => void addBlockFiles(files),
  });

  const trust = h(
    'details',
    { id: 'receipt-trust' },
    h('summary', {}, 'Whom you trust (optional)'),
    h(
      'form',
      {
        id: 'receipt-trust-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          if (loaded === undefined) showStatus(status, 'Drop a receipt file first.');
          else void verifyAll();
        },
      },
      h('label', { for: 'receipt-trusted' }, 'Nodes you trust'),
      h(
        'p',
        { class: 'hint', id: 'receipt-trusted-hint' },
        'Their DIDs, one a line (each node publishes its own at /.well-known/assent-node.json). A receipt from any other node is then refused.',
      ),
      trusted,
      h('label', { for: 'receipt-policy' }, 'Witness policy'),
      h(
        'p',
        { class: 'hint', id: 'receipt-policy-hint' },
        'A C2SP tlog-policy: the logs you accept and the witnesses whose cosignatures you require (log, witness, group and quorum lines). Without one, the log key the node states is used and cosignatures are not required.',
      ),
      policy,
      h('div', {}, h('button', { type: 'submit', id: 'receipt-verify' }, 'Verify again')),
    ),
  );

  return h(
    'div',
    { class: 'page' },
    h('h1', {}, 'Check a receipt'),
    h(
      'p',
      { class: 'lead' },
      'A receipt is a node’s signed statement of what it answered to a check, and which creators’ manifests the answers rest on. Drop one to see what it proves. It is verified in this browser, and nothing is sent anywhere.',
    ),
    h(
      'section',
      { 'aria-labelledby': 'receipt-file-heading' },
      h('h2', { id: 'receipt-file-heading' }, 'The receipt'),
      receiptZone,
      fileStatus,
    ),
    h(
      'section',
      { 'aria-labelledby': 'receipt-blocks-heading' },
      h('h2', { id: 'receipt-blocks-heading' }, 'The creators’ manifests (optional)'),
      blockZone,
      blockStatus,
      blockList,
      blockActions,
    ),
    trust,
    status,
    results,
  );
}
