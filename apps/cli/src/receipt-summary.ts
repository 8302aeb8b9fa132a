import type { VerifiedReceipt } from '@assent/verifier/receipt';
import type { Style } from './context.js';

/**
 * What a verified receipt proves, as the CLI prints it (`receipt verify`, `check --receipt`): who
 * signed it, the log and checkpoint its manifests are proven under, the witnesses that cosigned that
 * checkpoint, how many results were checked against the signed root and derived again, and the
 * decisions.
 */

/** A verified receipt as JSON output. */
export interface ReceiptSummary {
  /** The node DID that signed it. */
  readonly node: string;
  /** When the node signed it (its clock), and when its index last held what its peers held. */
  readonly signed: string;
  readonly asOf: string;
  readonly query: VerifiedReceipt['query'];
  /** The node's log: origin, and the size and root (base64) of the checkpoint. */
  readonly log: VerifiedReceipt['log'];
  /** Witness cosignatures that verified: the witness's key name and ID, and when it cosigned. */
  readonly cosignatures: readonly {
    readonly witness: string;
    readonly keyId: string;
    readonly time: string;
  }[];
  /** The manifests the results rest on, each proven in the log. */
  readonly decidedBy: VerifiedReceipt['decidedBy'];
  /** Results checked against the signed root, and of them decided again from the manifests given. */
  readonly results: number;
  readonly rederived: number;
  /** How many of the checked results have each decision. */
  readonly decisions: Readonly<Record<string, number>>;
}

/** The decision of each result (as the node sent them; verified against the root before this runs). */
function decisionsOf(results: readonly unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const decision = String((r as { decision?: unknown }).decision);
    counts[decision] = (counts[decision] ?? 0) + 1;
  }
  return counts;
}

/** The summary of a verified receipt over these (verified) results. */
export function summarizeReceipt(value: VerifiedReceipt, results: readonly unknown[]): ReceiptSummary {
  return {
    node: value.node,
    signed: value.validFrom,
    asOf: value.asOf,
    query: value.query,
    log: value.log,
    cosignatures: value.cosignatures.map((c) => ({
      witness: c.name,
      keyId: c.keyId.toString(16).padStart(8, '0'),
      time: new Date(c.timestamp * 1000).toISOString(),
    })),
    decidedBy: value.decidedBy,
    results: value.results,
    rederived: value.rederived,
    decisions: decisionsOf(results),
  };
}

/** Results listed one per line up to this many; beyond, only the counts per decision. */
const LISTED = 10;

/**
 * The summary as indented text lines. `rederiving`: blocks were given (else the line says that the
 * decisions were not derived again). `results`: the verified results, listed when few.
 */
export function receiptSummaryLines(
  summary: ReceiptSummary,
  results: readonly unknown[],
  options: { readonly rederiving: boolean; readonly policy: boolean; readonly style: Style },
): string[] {
  const { style } = options;
  const { query, log } = summary;
  const row = (label: string, text: string) => `  ${label.padEnd(10)} ${text}`;
  const manifests = summary.decidedBy
    .slice(0, 3)
    .map((m) => `${m.cid} v${m.version} (log index ${m.logIndex})`)
    .join(', ');
  const lines = [
    row('node', `${summary.node} (signed ${summary.signed}; its index as of ${summary.asOf})`),
    row('question', `${query.use}${query.org === undefined ? '' : ` for ${query.org}`} at ${query.at}`),
    row('log', `${log.origin}: tree size ${log.treeSize}, root ${log.root}`),
    row(
      'witnesses',
      summary.cosignatures.length > 0
        ? summary.cosignatures.map((c) => `${c.witness} (${c.keyId}) at ${c.time}`).join(', ')
        : options.policy
          ? 'none: the policy requires none'
          : 'none checked (--policy FILE names the witnesses to require)',
    ),
    row(
      'manifests',
      summary.decidedBy.length === 0
        ? 'none (no result rests on a manifest)'
        : `${summary.decidedBy.length}, each proven in the log: ${manifests}${summary.decidedBy.length > 3 ? ', …' : ''}`,
    ),
    row(
      'results',
      `${summary.results} checked against the signed root; ${
        options.rederiving
          ? `${summary.rederived} derived again from the manifests, the same`
          : 'not derived again (no --manifests DIR given)'
      }`,
    ),
    row(
      'decisions',
      Object.entries(summary.decisions)
        .map(([decision, n]) => `${decision} ${n}`)
        .join(', ') || 'none',
    ),
  ];
  if (results.length <= LISTED)
    for (const r of results) {
      const { work, decision, disputed } = r as { work?: unknown; decision?: unknown; disputed?: unknown };
      lines.push(
        style.dim(
          `             ${String(work)} → ${String(decision)}${disputed === true ? ' (disputed)' : ''}`,
        ),
      );
    }
  return lines;
}
