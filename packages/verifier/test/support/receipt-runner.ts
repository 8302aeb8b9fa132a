/**
 * Runs receipt cases through `verifyReceipt`. The same source runs in Node (from the package's source)
 * and in Chromium (the esbuild browser bundle), so the two verdict lists differ only where the
 * platforms do. No imports: the verifier API is passed in, and cases cross into the page as JSON.
 */

/** A checkpoint the verifier remembers before the case runs (to show it a fork). */
export interface SeenCase {
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly note: string;
}

export interface ReceiptCase {
  readonly id: string;
  /** The receipt as kept (parsed JSON, possibly altered). */
  readonly receipt: unknown;
  readonly results?: readonly unknown[];
  readonly item?: {
    readonly index: number;
    readonly chunk: readonly unknown[];
    readonly path: readonly string[];
  };
  /** The manifests' blocks, as plain numbers so they cross into the page as JSON. */
  readonly manifests?: readonly (readonly number[])[];
  readonly trustedNodes?: readonly string[];
  readonly policy?: string;
  readonly seen?: SeenCase;
  readonly maxAge?: number;
  /** ISO time `maxAge` counts back from. */
  readonly now?: string;
}

/** What is compared between platforms: the whole verdict, less nothing. */
export interface ReceiptOutcome {
  readonly id: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly equivocation?: unknown;
  /** With `ok`: the verified receipt (node, query, log, cosignatures, results, rederived, …). */
  readonly value?: unknown;
}

/** The parts of `@assent/verifier` the runner uses (loosely typed: the page passes the bundle's). */
export interface ReceiptApi {
  verifyReceipt(receipt: unknown, options: Record<string, unknown>): Promise<Record<string, unknown>>;
  memoryCheckpoints(): { set(origin: string, checkpoint: Omit<SeenCase, 'origin'>): unknown };
}

export async function runReceiptCases(
  api: ReceiptApi,
  cases: readonly ReceiptCase[],
): Promise<ReceiptOutcome[]> {
  const out: ReceiptOutcome[] = [];
  for (const c of cases) {
    const options: Record<string, unknown> = {};
    if (c.results !== undefined) options.results = c.results;
    if (c.item !== undefined) options.item = c.item;
    if (c.manifests !== undefined) options.manifests = c.manifests.map((b) => Uint8Array.from(b));
    if (c.trustedNodes !== undefined) options.trustedNodes = c.trustedNodes;
    if (c.policy !== undefined) options.policy = c.policy;
    if (c.maxAge !== undefined) options.maxAge = c.maxAge;
    if (c.now !== undefined) options.now = new Date(c.now);
    if (c.seen !== undefined) {
      const seen = api.memoryCheckpoints();
      const { origin, ...checkpoint } = c.seen;
      await seen.set(origin, checkpoint);
      options.seen = seen;
    }
    // A JSON round trip: what crosses out of the page, so both sides are compared as plain data.
    const verdict = JSON.parse(JSON.stringify(await api.verifyReceipt(c.receipt, options))) as Omit<
      ReceiptOutcome,
      'id'
    >;
    out.push({ id: c.id, ...verdict });
  }
  return out;
}
