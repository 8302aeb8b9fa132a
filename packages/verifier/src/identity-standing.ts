/**
 * Who a creator has shown itself to be (docs/decisions.md §5; DESIGN-TRUST §3.3): from the identities
 * its newest manifest claims (DID → identity), the signed link observations of nodes the verifier
 * trusts (identity → DID) and the attestations of attesters on its trust list, the bindings that let it
 * speak for works, and what a result shows of them. Verifying an observation or an attestation costs a
 * signature check, so each is verified once and kept by its bytes' hash; a creator's standing is worked
 * out once a batch, never per work.
 */
import {
  type AttestationBinding,
  attestationBinding,
  type Binding,
  type BindingLevel,
  blockCid,
  DEFAULT_OBSERVATION_MAX_AGE_MS,
  type IdentityLink,
  identityBinding,
  identityKey,
  type LinkMethod,
  type LinkResult,
  linkHolds,
  parseAttestation,
  type VerifiedAttestation,
  type VerifiedObservation,
  verifyAttestation,
  verifyObservation,
} from '@assent/manifest';
import type { ManifestEntry } from './manifest-cache.js';
import type { CreatorPlan } from './rollback-plan.js';

/** How a verifier weighs identity (`VerifierOptions.identity`). */
export interface IdentityOptions {
  /**
   * Attesters whose attestations give L3 (labels, distributors, collecting societies, ISRC agencies,
   * platforms), as did:keys. An attestation by anyone else changes nothing. Default: none.
   */
  readonly trustedAttesters?: Iterable<string>;
  /**
   * Nodes whose link observations count, as did:keys. Default: every observation the source offers
   * whose signature verifies — the source is trusted to report what it saw, as it is for `asOf`.
   */
  readonly observers?: Iterable<string>;
  /** How many of those nodes must currently see a domain link (L2) for it to bind (default 1). */
  readonly domainObservers?: number;
  /** The oldest observation that binds, in milliseconds (default 30 days). Denies need none. */
  readonly maxObservationAge?: number;
  /**
   * False: every claimant's grant counts whatever its bindings, and no claimant outranks another (the
   * rules before identity links; for a registry whose operator vouches for every creator it holds).
   * Results still show each claimant's links. Default true.
   */
  readonly requireBinding?: boolean;
}

/** One identity link of a claimant, as a result shows it. */
export interface ClaimantLink {
  readonly type: IdentityLink['type'];
  readonly id: string;
  /** The level the link gives while bound: 1 for a profile, 2 for a domain, 0 for one that never binds. */
  readonly level: BindingLevel;
  /** Whether it binds now: enough trusted nodes currently see it (`linkHolds`). */
  readonly bound: boolean;
  /** The newest trusted observation's result, or `unobserved` when no trusted node has checked it. */
  readonly state: LinkResult | 'unobserved';
  readonly method?: LinkMethod;
  /** When the newest trusted observation was made. */
  readonly observedAt?: string;
  /** The node that made it. */
  readonly observer?: string;
}

/** An attestation naming a claimant, as a result shows it. */
export interface ClaimantAttestation {
  readonly cid: string;
  readonly attester: string;
  /** Whether the attester is on the verifier's trust list (only then does it give L3). */
  readonly trusted: boolean;
  readonly role?: string;
}

/** What one creator has shown in one batch. */
export interface Standing {
  readonly bindings: readonly Binding[];
  /** The highest level of any binding, whatever it covers (what a hash or CID needs). */
  readonly highest: BindingLevel;
  readonly links: readonly ClaimantLink[];
  readonly attestations: readonly ClaimantAttestation[];
}

/** The standing of a creator that has shown nothing. */
export const NO_STANDING: Standing = Object.freeze({
  bindings: Object.freeze([]) as readonly Binding[],
  highest: 0,
  links: Object.freeze([]) as readonly ClaimantLink[],
  attestations: Object.freeze([]) as readonly ClaimantAttestation[],
});

/** Verified credentials kept by the hash of their bytes; invalid ones kept as null. */
const MAX_KEPT = 100_000;

/** The key a credential is kept by: the CID of its bytes (their SHA-256). */
function keyOf(bytes: Uint8Array): string {
  return blockCid(bytes);
}

function remember<T>(map: Map<string, T>, key: string, value: T): void {
  if (map.size >= MAX_KEPT) map.delete(map.keys().next().value as string);
  map.set(key, value);
}

/** The identities every available branch of a creator claims (a fork's branches must agree). */
function claimedIdentities(plan: CreatorPlan): readonly IdentityLink[] {
  let claimed: IdentityLink[] | undefined;
  for (const branch of plan.branches) {
    if (branch.kind === 'unavailable') continue;
    const own = (branch.entry as ManifestEntry).identities;
    claimed =
      claimed === undefined
        ? [...own]
        : claimed.filter((a) => own.some((b) => identityKey(a) === identityKey(b)));
  }
  return claimed ?? [];
}

/**
 * Works out creators' standings from what a source offered: verifies each observation and attestation
 * once (by the hash of its bytes) and applies the verifier's trust.
 */
export class IdentityBook {
  readonly #observations = new Map<string, VerifiedObservation | null>();
  readonly #attestations = new Map<string, VerifiedAttestation | null>();
  readonly #trustedAttesters: ReadonlySet<string>;
  readonly #observers: ReadonlySet<string> | undefined;
  readonly #domainObservers: number;
  readonly #maxAgeMs: number;
  readonly requireBinding: boolean;

  constructor(options: IdentityOptions = {}) {
    this.#trustedAttesters = new Set(options.trustedAttesters ?? []);
    this.#observers = options.observers === undefined ? undefined : new Set(options.observers);
    const domainObservers = options.domainObservers ?? 1;
    if (!Number.isSafeInteger(domainObservers) || domainObservers < 1)
      throw new RangeError('identity.domainObservers must be a positive integer');
    this.#domainObservers = domainObservers;
    const maxAge = options.maxObservationAge ?? DEFAULT_OBSERVATION_MAX_AGE_MS;
    if (!(Number.isFinite(maxAge) && maxAge >= 0))
      throw new RangeError('identity.maxObservationAge must be a non-negative number of milliseconds');
    this.#maxAgeMs = maxAge;
    this.requireBinding = options.requireBinding ?? true;
  }

  async #observation(bytes: Uint8Array): Promise<VerifiedObservation | null> {
    const key = keyOf(bytes);
    let seen = this.#observations.get(key);
    if (seen === undefined) {
      const verified = await verifyObservation(bytes);
      seen = verified.ok ? verified.value : null;
      remember(this.#observations, key, seen);
    }
    return seen;
  }

  async #attestation(bytes: Uint8Array): Promise<VerifiedAttestation | null> {
    const key = keyOf(bytes);
    let seen = this.#attestations.get(key);
    if (seen === undefined) {
      // Verified at its own start, so one verification serves at every time; the window is applied below.
      const parsed = parseAttestation(bytes);
      const verified = parsed.ok
        ? await verifyAttestation(bytes, { at: new Date(Date.parse(parsed.value.validFrom)) })
        : parsed;
      seen = verified.ok ? verified.value : null;
      remember(this.#attestations, key, seen);
    }
    return seen;
  }

  /**
   * The standing of each creator in `plans`, from the observations and attestations a source offered:
   * observations as fresh as they are at `nowMs`, attestations valid at the time of use `atMs`.
   * Credentials that do not verify, or that name creators not asked about, are ignored. Lowers
   * `horizon` (when given) to the first instant at which a standing may change by time alone.
   */
  async standings(
    plans: ReadonlyMap<string, CreatorPlan>,
    observations: readonly Uint8Array[] | undefined,
    attestations: readonly Uint8Array[] | undefined,
    nowMs: number,
    atMs: number,
    horizon?: { untilMs: number },
  ): Promise<Map<string, Standing>> {
    const out = new Map<string, Standing>();
    if (plans.size === 0) return out;
    // Newest trusted observation per creator, identity and observer.
    const seen = new Map<string, Map<string, Map<string, VerifiedObservation>>>();
    for (const bytes of observations ?? []) {
      const o = await this.#observation(bytes);
      if (o === null || !plans.has(o.observation.creator)) continue;
      if (this.#observers !== undefined && !this.#observers.has(o.observer)) continue;
      let byIdentity = seen.get(o.observation.creator);
      if (byIdentity === undefined) {
        byIdentity = new Map();
        seen.set(o.observation.creator, byIdentity);
      }
      const identity = identityKey(o.observation.identity);
      let byObserver = byIdentity.get(identity);
      if (byObserver === undefined) {
        byObserver = new Map();
        byIdentity.set(identity, byObserver);
      }
      const earlier = byObserver.get(o.observer);
      if (earlier === undefined || earlier.observation.observedAt < o.observation.observedAt)
        byObserver.set(o.observer, o);
    }
    const attested = new Map<string, VerifiedAttestation[]>();
    for (const bytes of attestations ?? []) {
      const a = await this.#attestation(bytes);
      if (a === null || !plans.has(a.subject)) continue;
      if (atMs < Date.parse(a.validFrom)) continue;
      if (a.validUntil !== undefined && atMs >= Date.parse(a.validUntil)) continue;
      if (horizon !== undefined && a.validUntil !== undefined)
        horizon.untilMs = Math.min(horizon.untilMs, Date.parse(a.validUntil));
      const list = attested.get(a.subject);
      if (list === undefined) attested.set(a.subject, [a]);
      else if (!list.some((b) => b.cid === a.cid)) list.push(a);
    }
    for (const [issuer, plan] of plans) {
      const claimed = claimedIdentities(plan);
      const own = attested.get(issuer);
      if (claimed.length === 0 && own === undefined) continue;
      out.set(issuer, this.#standing(claimed, seen.get(issuer), own ?? [], nowMs, horizon));
    }
    return out;
  }

  #standing(
    claimed: readonly IdentityLink[],
    observed: Map<string, Map<string, VerifiedObservation>> | undefined,
    attested: readonly VerifiedAttestation[],
    nowMs: number,
    horizon: { untilMs: number } | undefined,
  ): Standing {
    const bindings: Binding[] = [];
    const links: ClaimantLink[] = [];
    for (const identity of claimed) {
      const binding = identityBinding(identity);
      const byObserver = observed?.get(identityKey(identity));
      let newest: VerifiedObservation | undefined;
      let holding = 0;
      for (const o of byObserver?.values() ?? []) {
        if (newest === undefined || newest.observation.observedAt < o.observation.observedAt) newest = o;
        if (linkHolds(o, nowMs, { maxAgeMs: this.#maxAgeMs })) {
          holding++;
          if (horizon !== undefined) horizon.untilMs = Math.min(horizon.untilMs, this.#expiry(o));
        }
      }
      const needed = identity.type === 'domain' ? this.#domainObservers : 1;
      const bound = binding !== undefined && holding >= needed;
      if (bound) bindings.push(binding);
      links.push(
        newest === undefined
          ? { type: identity.type, id: identity.id, level: binding?.level ?? 0, bound, state: 'unobserved' }
          : {
              type: identity.type,
              id: identity.id,
              level: binding?.level ?? 0,
              bound,
              state: newest.observation.result,
              method: newest.observation.method,
              observedAt: newest.observation.observedAt,
              observer: newest.observer,
            },
      );
    }
    const attestations: ClaimantAttestation[] = [];
    for (const a of attested) {
      const binding: AttestationBinding | undefined = attestationBinding(a, this.#trustedAttesters);
      if (binding !== undefined) bindings.push(binding);
      attestations.push({
        cid: a.cid,
        attester: a.issuer,
        trusted: binding !== undefined,
        ...(a.role === undefined ? {} : { role: a.role }),
      });
    }
    let highest: BindingLevel = 0;
    for (const b of bindings) if (b.level > highest) highest = b.level;
    return { bindings, highest, links, attestations };
  }

  /**
   * The instant an observation that binds now stops binding by time alone: when it grows older than
   * `maxObservationAge` (a temporary failure's grace is counted from its own time, so it does not move).
   */
  #expiry(o: VerifiedObservation): number {
    return Date.parse(o.observation.observedAt) + this.#maxAgeMs + 1;
  }
}
