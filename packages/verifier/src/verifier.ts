import { isOrgId, isUseTerm, type UseTerm } from '@assent/manifest';
import { AnswerReuse, type Horizon, noteHorizon } from './answer-reuse.js';
import { type BatchFacts, type CheckResult, resultFor } from './check-result.js';
import type { Circumstances } from './decide.js';
import type { Warning } from './errors.js';
import { IdentityBook, type IdentityOptions } from './identity-standing.js';
import { KeyChains } from './key-chain.js';
import { checkAnswer, ManifestAdmission } from './manifest-admission.js';
import { ManifestCache } from './manifest-cache.js';
import { NO_RANKING, rankClaimants } from './ranking.js';
import { lastReasonMemo } from './reason.js';
import { type CreatorPlan, groupByCreator, NO_PLANS, planCreators } from './rollback-plan.js';
import type { CandidateSet, ManifestSource } from './source.js';
import { type CreatorRecord, memoryState, type StateStore } from './state.js';
import { batchesOf, batchesOfAsync } from './work-batches.js';
import { idsOf, itemsOf, WorkMatcher } from './work-matcher.js';

/** Options of {@link createVerifier}. */
export interface VerifierOptions {
  /** Where manifests come from. The verifier verifies each one itself; a source never decides. */
  readonly source: ManifestSource;
  /** The clock (default: the system clock). Used for `maxAge` and as the default time of use. */
  readonly now?: () => Date;
  /**
   * The oldest evidence accepted, in milliseconds. Evidence is as old as the source's `asOf` (when a
   * mirror last synced), or fresh when the source gives none. Older evidence is flagged `STALE` and
   * never yields `allow` or `conditional`.
   */
  readonly maxAge?: number;
  /** Rollback memory (default: {@link memoryState}, for the life of the verifier). */
  readonly state?: StateStore;
  /** Bytes of verified manifests and pages kept by CID (default 64 MiB). */
  readonly cacheBytes?: number;
  /** Works per source request in `checkMany` and `checkStream` (default 1000). */
  readonly batchSize?: number;
  /**
   * Answers of `check` kept for reuse (default 4096; 0 for none). An answer is reused, with `at` set
   * to the time of the new check, only for the same work, use and organisation at the current time
   * (no `at` given), and only while nothing it was decided from can have changed: the source's and
   * the state store's `revision()` and the verifier's own cache are as they were, and no time in
   * the manifests weighed (`validFrom`, `validUntil`, `until`) has passed since. Needs a source and
   * a state store that offer `revision()` (`registrySource`, `memorySource`, `memoryState`); with
   * others every check asks the source. A reused answer is the one a fresh check would give.
   */
  readonly reuse?: number;
  /**
   * Who may speak for a work (docs/decisions.md §5): a grant needs an identity binding that covers the
   * work — a checked profile or domain link, or an attestation by a trusted attester — and a claimant
   * with one outranks claimants without. Default: bindings required, observations of any node the
   * source offers, no trusted attesters.
   */
  readonly identity?: IdentityOptions;
}

/** What every check is about. */
export interface CheckOptions {
  /** The AI use, a v1 term (`train-genai`, `search`, …). */
  readonly use: UseTerm;
  /** The organisation that would use the works: a DID or a lower-case domain. Needed for licensees. */
  readonly org?: string;
  /** The time of use (default: now). Grants that end before it count as deny. */
  readonly at?: Date | string;
  readonly signal?: AbortSignal;
}

/** A check of one work. */
export interface CheckRequest extends CheckOptions {
  /** A work id in any accepted spelling (`isrc:US-RC1-…`, `url:…`); it is normalized first. */
  readonly work: string;
}

/** A check of many works; they are sent to the source in batches. */
export interface CheckManyRequest extends CheckOptions {
  readonly works: Iterable<string>;
}

/** A streamed check: results come out batch by batch, so memory stays bounded whatever the count. */
export interface CheckStreamRequest extends CheckOptions {
  readonly works: Iterable<string> | AsyncIterable<string>;
}

export type { CheckResult } from './check-result.js';

/** Checks works against the consent manifests a source supplies. See {@link createVerifier}. */
export interface Verifier {
  /** Decides one work. */
  check(request: CheckRequest): Promise<CheckResult>;
  /** Decides many works, in input order; batches internally. */
  checkMany(request: CheckManyRequest): Promise<CheckResult[]>;
  /** Decides works from any (async) iterable, yielding results in input order, batch by batch. */
  checkStream(request: CheckStreamRequest): AsyncIterable<CheckResult>;
}

const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
const DEFAULT_BATCH = 1000;
const DEFAULT_REUSE = 4096;

function normalizeOrg(org: string | undefined): string | undefined {
  if (org === undefined) return undefined;
  if (typeof org !== 'string') throw new TypeError('org must be a string');
  const value = org.startsWith('did:') ? org : org.toLowerCase();
  if (!isOrgId(value)) throw new TypeError(`org must be a DID or a domain name, got ${JSON.stringify(org)}`);
  return value;
}

function timeOf(at: Date | string | undefined, now: () => Date): number {
  const ms = at === undefined ? now().getTime() : typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (!Number.isFinite(ms)) throw new TypeError(`at is not a valid time: ${String(at)}`);
  return ms;
}

/**
 * Creates a verifier: it asks a source for the manifests that name the works, verifies each one
 * (signature, schema, catalog pages by CID), remembers the newest version per creator, and decides
 * locally by the rules of docs/decisions.md.
 * @example
 * const verifier = createVerifier({ source: gatewaySource('http://127.0.0.1:8787') });
 * const result = await verifier.check({ work: 'isrc:USRC17607839', use: 'train-genai' });
 * if (result.decision !== 'allow') console.log(result.reason);
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const { source } = options;
  if (typeof source?.candidates !== 'function') throw new TypeError('createVerifier needs a source');
  const now = options.now ?? (() => new Date());
  const maxAge = options.maxAge;
  if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge >= 0)) {
    throw new RangeError('maxAge must be a non-negative number of milliseconds');
  }
  const state = options.state ?? memoryState();
  const cache = new ManifestCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
  // Walks a rotated key's chain through the source's blocks (spec §5.5).
  const readBlock = source.block?.bind(source);
  const keyChains = new KeyChains(
    readBlock === undefined
      ? undefined
      : (cid, signal) => readBlock(cid, signal === undefined ? {} : { signal }),
  );
  const admission = new ManifestAdmission(cache, keyChains);
  const identity = new IdentityBook(options.identity);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new RangeError('batchSize must be a positive integer');
  /** The reason of a result, the last one's string again when nothing it says differs. */
  const reasonOf = lastReasonMemo();
  const reuse = options.reuse ?? DEFAULT_REUSE;
  if (!Number.isSafeInteger(reuse) || reuse < 0) throw new RangeError('reuse must be a non-negative integer');
  const sourceRevision = source.revision?.bind(source);
  const stateRevision = state.revision?.bind(state);
  /** Answers of `check` kept for reuse; undefined when reuse is off. */
  const kept =
    reuse > 0 && sourceRevision !== undefined && stateRevision !== undefined
      ? new AnswerReuse(reuse, cache, sourceRevision, stateRevision)
      : undefined;

  async function runBatch(
    works: readonly string[],
    c: Circumstances,
    signal: AbortSignal | undefined,
    horizon?: Horizon,
  ) {
    signal?.throwIfAborted();
    const nowMs = now().getTime();
    const nowIso = new Date(nowMs).toISOString();
    const items = itemsOf(works);
    const ids = idsOf(items);
    const options = signal === undefined ? { use: c.use } : { use: c.use, signal };

    let answer: CandidateSet = { manifests: [] };
    if (ids.length > 0) {
      answer = await source.candidates(ids, options);
      checkAnswer(answer);
    }
    const batchWarnings: Warning[] = [];
    const offered = groupByCreator(await admission.admitAll(answer, batchWarnings, signal));
    // The versions before heads in their waiting window: cached, for the window to read (decisions §2).
    if (answer.predecessors !== undefined && answer.predecessors.length > 0)
      await admission.admitAll({ manifests: answer.predecessors }, batchWarnings, signal);

    // Creators we hold a manifest of naming these works, whom the source did not offer.
    const matcher = new WorkMatcher(items, cache);
    const hints = matcher.heldHints(offered);
    const creators = [...offered.keys(), ...hints.keys()];
    const records = creators.length === 0 ? new Map<string, CreatorRecord>() : await state.load(creators);
    for (const creator of hints.keys()) if (!records.has(creator)) hints.delete(creator);
    if (hints.size > 0 && source.heads !== undefined) {
      // Ask for those creators' current heads: a newer head that dropped the work is not a rollback.
      const current = await source.heads([...hints.keys()], options);
      checkAnswer(current);
      for (const [creator, entries] of groupByCreator(
        await admission.admitAll(current, batchWarnings, signal),
      )) {
        if (hints.has(creator)) offered.set(creator, entries);
      }
    }
    const { plans, updates } = planCreators(offered, hints, records, nowIso, cache);
    const at = c.atMs === nowMs ? nowIso : new Date(c.atMs).toISOString();

    let stale = false;
    if (maxAge !== undefined && answer.asOf !== undefined) {
      const asOfMs = Date.parse(answer.asOf);
      stale = !(nowMs - asOfMs <= maxAge); // an unreadable asOf counts as stale
      if (horizon !== undefined) horizon.reusable = false;
    }
    // Every manifest that can decide or hint: what they say changes only at their own instants.
    if (horizon !== undefined) noteHorizon(horizon, plans, c.atMs);

    const matched = matcher.gather(plans, c);
    const facts: BatchFacts = { c, at, stale, warnings: batchWarnings, reasonOf };
    const byCreator = new Map<string, CreatorPlan>();
    for (const p of plans) byCreator.set(p.creator, p);
    const binding = {
      required: identity.requireBinding,
      standings: await identity.standings(
        byCreator,
        answer.observations,
        answer.attestations,
        nowMs,
        c.atMs,
        horizon,
      ),
    };
    const results = items.map((item, i) => {
      const evidence = matched.evidence[i] ?? [];
      const touching = matched.plans[i] ?? NO_PLANS;
      const ranking =
        item.id === undefined ? NO_RANKING : rankClaimants(evidence, touching, item.id, binding);
      return resultFor(item, evidence, touching, ranking, facts);
    });
    if (updates.size > 0) await state.save(updates);
    return results;
  }

  function circumstances(request: CheckOptions): Circumstances {
    if (!isUseTerm(request.use))
      throw new TypeError(`use must be a v1 term, got ${JSON.stringify(request.use)}`);
    return { use: request.use, org: normalizeOrg(request.org), atMs: timeOf(request.at, now) };
  }

  async function* checkStream(request: CheckStreamRequest): AsyncIterable<CheckResult> {
    const c = circumstances(request);
    const works = request.works;
    const batches =
      Symbol.iterator in works
        ? batchesOf(works as Iterable<string>, batchSize)
        : batchesOfAsync(works, batchSize);
    for await (const batch of batches) yield* await runBatch(batch, c, request.signal);
  }

  async function checkAndKeep(
    reuse: AnswerReuse,
    key: string,
    work: string,
    c: Circumstances,
    signal: AbortSignal | undefined,
  ): Promise<CheckResult> {
    const pending = reuse.begin();
    const [result] = (await runBatch([work], c, signal, pending.horizon)) as [CheckResult];
    return reuse.keep(key, c, pending, result);
  }

  return {
    async check(request) {
      const c = circumstances(request);
      if (kept === undefined || request.at !== undefined || typeof request.work !== 'string') {
        const [result] = await runBatch([request.work], c, request.signal);
        return result as CheckResult;
      }
      request.signal?.throwIfAborted();
      const key = AnswerReuse.keyOf(c, request.work);
      return kept.reused(key, c) ?? checkAndKeep(kept, key, request.work, c, request.signal);
    },
    async checkMany(request) {
      const c = circumstances(request);
      const out: CheckResult[] = [];
      for (const batch of batchesOf(request.works, batchSize)) {
        for (const result of await runBatch(batch, c, request.signal)) out.push(result);
      }
      return out;
    },
    checkStream,
  };
}
