/**
 * Runs decision cases through `@assent/verifier` with `memorySource`, the way
 * packages/verifier/test/decisions.test.ts (docs/decisions.md §6) and bindings.test.ts (§8) do. The
 * same source runs in Node (from the package's source) and in Chromium (the esbuild browser bundle),
 * so the two result lists differ only where the platforms do. No imports: the verifier API is passed in.
 */

/** One block, as plain numbers so it crosses into the page as JSON. */
export interface BlockCase {
  readonly cid: string;
  readonly bytes: readonly number[];
}

export interface ManifestCase extends BlockCase {
  readonly issuer: string;
  readonly version: number;
  readonly pages: readonly BlockCase[];
}

export interface VerifierCase {
  readonly id: string;
  readonly earlier: readonly ManifestCase[];
  readonly earlierWorks: readonly string[];
  readonly forgotten: readonly ManifestCase[];
  readonly manifests: readonly ManifestCase[];
  readonly work: string;
  readonly use: string;
  readonly org?: string;
  readonly at?: string;
  readonly asOf?: string;
  readonly maxAge?: number;
  readonly now: string;
  /** Signed link observations the source offers beside the manifests (docs/decisions.md §8). */
  readonly observations?: readonly (readonly number[])[];
  /** Signed attestations the source offers beside the manifests. */
  readonly attestations?: readonly (readonly number[])[];
  /** The verifier's `identity` options; §6 cases run with `requireBinding: false` (§7 item 5). */
  readonly identity?: IdentityCase;
}

/** `IdentityOptions` as plain data. */
export interface IdentityCase {
  readonly requireBinding?: boolean;
  readonly observers?: readonly string[];
  readonly trustedAttesters?: readonly string[];
  readonly domainObservers?: number;
  readonly maxObservationAge?: number;
}

/** One claimant of a result, as plain data: all a result says about who signed. */
export interface ClaimantOutcome {
  readonly issuer: string;
  readonly decision: string;
  readonly level: number;
  readonly inScope: boolean;
  readonly outranked: boolean;
  readonly links: readonly string[];
  readonly attestations: readonly string[];
}

/** What is compared between platforms. */
export interface VerifierOutcome {
  readonly id: string;
  readonly decision: string;
  readonly disputed: boolean;
  readonly term: string | null;
  readonly rule: string;
  readonly warnings: string[];
  readonly evidence: string[];
  readonly reason: string;
  readonly claimants: readonly ClaimantOutcome[];
}

/** A claimant as `check` returns it (the fields the runner reads). */
interface ClaimantResult {
  readonly issuer: string;
  readonly decision: string;
  readonly level: number;
  readonly inScope: boolean;
  readonly outranked: boolean;
  readonly links: readonly {
    type: string;
    id: string;
    level: number;
    bound: boolean;
    state: string;
    method?: string;
    observedAt?: string;
    observer?: string;
  }[];
  readonly attestations: readonly { cid: string; attester: string; trusted: boolean; role?: string }[];
}

interface Candidates {
  candidates(works: readonly string[], options?: unknown): Promise<unknown>;
}

/** The parts of `@assent/verifier` the runner uses (loosely typed: the page passes the bundle's). */
export interface VerifierApi {
  memorySource(
    manifests: unknown[],
    options?: { asOf?: string; observations?: Uint8Array[]; attestations?: Uint8Array[] },
  ): Candidates;
  memoryState(): { save(records: Map<string, unknown>): Promise<void> };
  createVerifier(options: Record<string, unknown>): {
    check(request: Record<string, unknown>): Promise<{
      decision: string;
      disputed: boolean;
      term: string | null;
      rule: string;
      warnings: readonly { code: string }[];
      evidence: readonly { cid: string; decision: string; rule: string }[];
      reason: string;
      claimants: readonly ClaimantResult[];
    }>;
    checkMany(request: Record<string, unknown>): Promise<unknown[]>;
  };
}

function input(m: ManifestCase) {
  return {
    cid: m.cid,
    bytes: Uint8Array.from(m.bytes),
    pages: new Map(m.pages.map((p) => [p.cid, Uint8Array.from(p.bytes)])),
  };
}

/** One line per link and attestation, so a difference shows as a readable diff. */
function claimantOutcome(c: ClaimantResult): ClaimantOutcome {
  return {
    issuer: c.issuer,
    decision: c.decision,
    level: c.level,
    inScope: c.inScope,
    outranked: c.outranked,
    links: c.links.map((l) =>
      [
        l.type,
        l.id,
        `L${l.level}`,
        l.bound ? 'bound' : 'unbound',
        l.state,
        l.method,
        l.observedAt,
        l.observer,
      ]
        .map((part) => part ?? '-')
        .join(' '),
    ),
    attestations: c.attestations.map((a) =>
      [a.cid, a.attester, a.trusted ? 'trusted' : 'untrusted', a.role ?? '-'].join(' '),
    ),
  };
}

export async function runVerifierCases(
  api: VerifierApi,
  cases: readonly VerifierCase[],
): Promise<VerifierOutcome[]> {
  const out: VerifierOutcome[] = [];
  for (const c of cases) {
    let active = api.memorySource([]);
    const state = api.memoryState();
    const verifier = api.createVerifier({
      source: { candidates: (works: readonly string[], o: unknown) => active.candidates(works, o) },
      state,
      now: () => new Date(c.now),
      ...(c.maxAge === undefined ? {} : { maxAge: c.maxAge }),
      ...(c.identity === undefined ? {} : { identity: c.identity }),
    });
    if (c.earlier.length > 0) {
      active = api.memorySource(c.earlier.map(input));
      await verifier.checkMany({ works: c.earlierWorks, use: c.use });
    }
    if (c.forgotten.length > 0) {
      await state.save(
        new Map(c.forgotten.map((m) => [m.issuer, { version: m.version, cids: [m.cid], seenAt: c.now }])),
      );
    }
    active = api.memorySource(c.manifests.map(input), {
      ...(c.asOf === undefined ? {} : { asOf: c.asOf }),
      ...(c.observations === undefined
        ? {}
        : { observations: c.observations.map((b) => Uint8Array.from(b)) }),
      ...(c.attestations === undefined
        ? {}
        : { attestations: c.attestations.map((b) => Uint8Array.from(b)) }),
    });
    const r = await verifier.check({
      work: c.work,
      use: c.use,
      ...(c.org === undefined ? {} : { org: c.org }),
      ...(c.at === undefined ? {} : { at: c.at }),
    });
    out.push({
      id: c.id,
      decision: r.decision,
      disputed: r.disputed,
      term: r.term,
      rule: r.rule,
      warnings: r.warnings.map((w) => w.code),
      evidence: r.evidence.map((e) => `${e.cid} ${e.decision} ${e.rule}`),
      reason: r.reason,
      claimants: r.claimants.map(claimantOutcome),
    });
  }
  return out;
}
