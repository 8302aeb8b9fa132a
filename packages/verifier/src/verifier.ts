import {
  type Conditions,
  type Decision,
  isOrgId,
  isUseTerm,
  type UseTerm,
  type WorkId,
} from '@assent/manifest';
import {
  type Circumstances,
  compareEvidence,
  type DecisionRule,
  type Evidence,
  RESTRICTIVENESS,
} from './decide.js';
import type { Warning } from './errors.js';
import { checkAnswer, ManifestAdmission } from './manifest-admission.js';
import { ManifestCache, type ManifestEntry, nextChange } from './manifest-cache.js';
import { lastReasonMemo, reasonFor } from './reason.js';
import { type CreatorPlan, groupByIssuer, NO_PLANS, planCreators } from './rollback-plan.js';
import type { CandidateSet, ManifestSource } from './source.js';
import { type CreatorRecord, memoryState, type StateStore } from './state.js';
import { batchesOf, batchesOfAsync } from './work-batches.js';
import { idsOf, itemsOf, type WorkItem, WorkMatcher } from './work-matcher.js';

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

/** The answer for one work. Its keys come in this order, the order of the HTTP API's results. */
export interface CheckResult {
  /** The work id as given. */
  readonly work: string;
  /** Its normal form, or null when it is not a valid work id. */
  readonly id: WorkId | null;
  readonly use: UseTerm;
  /** The time of use the decision holds for (UTC date-time). */
  readonly at: string;
  readonly decision: Decision;
  /** With `conditional`: the conditions to meet (of the deciding manifest; each evidence has its own). */
  readonly conditions?: Conditions;
  /** More than one creator claims the work, or its creator forked. */
  readonly disputed: boolean;
  /** The term whose statement decided, or null. */
  readonly term: UseTerm | null;
  /** The rule that decided (docs/decisions.md). */
  readonly rule: DecisionRule;
  /** One plain-language sentence. */
  readonly reason: string;
  /** Every manifest considered, with its own decision, in a fixed order. */
  readonly evidence: readonly Evidence[];
  readonly warnings: readonly Warning[];
}

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

/** The reason of a work no manifest names: the same whatever the work, use and organisation. */
const NO_CLAIMANT_REASON = reasonFor({
  work: '',
  use: 'all',
  org: undefined,
  decision: 'unknown',
  deciding: undefined,
  rule: 'no-claimant',
  claimants: 0,
  rollback: false,
  missing: false,
  forked: false,
  stale: false,
});

/** An answer of `check` kept for reuse, and what it was decided from (see `VerifierOptions.reuse`). */
interface Kept {
  readonly result: CheckResult;
  readonly source: number;
  readonly cache: number;
  readonly state: number;
  /** When it was decided: a clock set back since then may have crossed an instant. */
  readonly fromMs: number;
  /** The first instant at which a manifest weighed may say something else. */
  readonly untilMs: number;
}

/** Collects, during one batch, until when its answers hold (see `VerifierOptions.reuse`). */
interface Horizon {
  untilMs: number;
  /** False when the answers depend on the clock otherwise (evidence that may go stale). */
  reusable: boolean;
}

function order(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Freezes an answer and everything in it, so kept answers can be shared by the copies handed out. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

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
  const admission = new ManifestAdmission(cache);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new RangeError('batchSize must be a positive integer');
  /** The reason of a result, the last one's string again when nothing it says differs. */
  const reasonOf = lastReasonMemo();
  const reuse = options.reuse ?? DEFAULT_REUSE;
  if (!Number.isSafeInteger(reuse) || reuse < 0) throw new RangeError('reuse must be a non-negative integer');
  const sourceRevision = source.revision?.bind(source);
  const stateRevision = state.revision?.bind(state);
  /** Answers of `check` by use, organisation and work, oldest first; undefined when reuse is off. */
  const kept =
    reuse > 0 && sourceRevision !== undefined && stateRevision !== undefined
      ? new Map<string, Kept>()
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
    const offered = groupByIssuer(await admission.admitAll(answer, batchWarnings));

    // Creators we hold a manifest of naming these works, whom the source did not offer.
    const matcher = new WorkMatcher(items, cache);
    const hints = matcher.heldHints(offered);
    const issuers = [...offered.keys(), ...hints.keys()];
    const records = issuers.length === 0 ? new Map<string, CreatorRecord>() : await state.load(issuers);
    for (const issuer of hints.keys()) if (!records.has(issuer)) hints.delete(issuer);
    if (hints.size > 0 && source.heads !== undefined) {
      // Ask for those creators' current heads: a newer head that dropped the work is not a rollback.
      const current = await source.heads([...hints.keys()], options);
      checkAnswer(current);
      for (const [issuer, entries] of groupByIssuer(await admission.admitAll(current, batchWarnings))) {
        if (hints.has(issuer)) offered.set(issuer, entries);
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
    if (horizon !== undefined) {
      // Every manifest that can decide or hint: what they say changes only at their own instants.
      for (const p of plans) {
        for (const entry of p.hints) horizon.untilMs = Math.min(horizon.untilMs, nextChange(entry, c.atMs));
        for (const b of p.branches)
          if (b.kind !== 'unavailable')
            horizon.untilMs = Math.min(horizon.untilMs, nextChange(b.entry, c.atMs));
      }
    }

    const matched = matcher.gather(plans, c);
    const results = items.map((item, i) =>
      decide(item, matched.evidence[i] ?? [], matched.plans[i] ?? NO_PLANS, c, at, stale, batchWarnings),
    );
    if (updates.size > 0) await state.save(updates);
    return results;
  }

  function decide(
    item: WorkItem,
    evidence: Evidence[],
    plans: readonly CreatorPlan[],
    c: Circumstances,
    at: string,
    stale: boolean,
    batchWarnings: readonly Warning[],
  ): CheckResult {
    if (item.id === undefined) {
      const invalid = item.invalid as { code: Warning['code']; message: string };
      return {
        work: item.work,
        id: null,
        use: c.use,
        at,
        decision: 'unknown',
        disputed: false,
        term: null,
        rule: 'invalid-work-id',
        reason: reasonFor({
          work: item.work,
          use: c.use,
          org: c.org,
          decision: 'unknown',
          deciding: undefined,
          rule: 'invalid-work-id',
          claimants: 0,
          rollback: false,
          missing: false,
          forked: false,
          stale: false,
          invalidCode: invalid.code,
        }),
        evidence: [],
        warnings: [{ code: invalid.code, message: invalid.message }],
      };
    }
    if (evidence.length === 0 && plans.length === 0 && !stale && batchWarnings.length === 0) {
      // No manifest names the work (most of a dataset): the general path's answer, without its work.
      return {
        work: item.work,
        id: item.id,
        use: c.use,
        at,
        decision: 'unknown',
        disputed: false,
        term: null,
        rule: 'no-claimant',
        reason: NO_CLAIMANT_REASON,
        evidence,
        warnings: [],
      };
    }
    evidence.sort(compareEvidence);
    const claims = evidence.filter((e) => e.claims);
    let deciding: Evidence | undefined;
    for (const e of claims) {
      if (deciding === undefined || RESTRICTIVENESS[e.decision] > RESTRICTIVENESS[deciding.decision])
        deciding = e;
    }
    const claimants = new Set(claims.map((e) => e.issuer)).size;
    const claimingPlans = plans.filter((p) => claims.some((e) => e.issuer === p.issuer));
    const forked = claimingPlans.some((p) => p.forked);
    const rollback = plans.some((p) => p.rollback);
    const missing = plans.some((p) => p.missing);
    let decision: Decision = deciding?.decision ?? 'unknown';
    let rule: DecisionRule = deciding?.rule ?? evidence[0]?.rule ?? 'no-claimant';
    if (stale && (decision === 'allow' || decision === 'conditional')) {
      decision = 'unknown';
      rule = 'stale';
    }
    const warnings: Warning[] = [];
    for (const p of plans) {
      const newest = p.branches[0];
      const version =
        newest === undefined ? 0 : newest.kind === 'unavailable' ? newest.version : newest.entry.version;
      if (p.rollback) {
        warnings.push({
          code: 'ROLLBACK_DETECTED',
          issuer: p.issuer,
          message: `the source offered version ${(p.hints[0] as ManifestEntry).version} of ${p.issuer}, but version ${version} was already seen`,
        });
      }
      if (p.missing) {
        warnings.push({
          code: 'HEAD_MISSING',
          issuer: p.issuer,
          message: `the source offered no manifest of ${p.issuer}, whose version ${version} names this work; that version decided`,
        });
      }
      if (p.forked) {
        warnings.push({
          code: 'FORKED',
          issuer: p.issuer,
          message: `${p.issuer} has ${p.branches.length} different manifests with the same version`,
        });
      }
    }
    if (stale) warnings.push({ code: 'STALE', message: 'the source’s information is older than maxAge' });
    for (const w of batchWarnings) warnings.push(w);
    // A fixed order, so that the order in which manifests arrived never shows.
    warnings.sort(
      (a, b) =>
        order(a.code, b.code) || order(a.issuer ?? '', b.issuer ?? '') || order(a.cid ?? '', b.cid ?? ''),
    );
    const conditions = decision === 'conditional' ? deciding?.conditions : undefined;
    const reason = reasonOf({
      work: item.work,
      use: c.use,
      org: c.org,
      decision,
      deciding: deciding ?? evidence[0],
      rule,
      claimants,
      rollback,
      missing,
      forked,
      stale,
    });
    const disputed = claimants > 1 || forked;
    const term = deciding?.term ?? null;
    // Literals in the documented key order (the gateway serializes results as they are).
    return conditions === undefined
      ? {
          work: item.work,
          id: item.id,
          use: c.use,
          at,
          decision,
          disputed,
          term,
          rule,
          reason,
          evidence,
          warnings,
        }
      : {
          work: item.work,
          id: item.id,
          use: c.use,
          at,
          decision,
          conditions,
          disputed,
          term,
          rule,
          reason,
          evidence,
          warnings,
        };
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

  /**
   * A kept answer to the same question, if nothing it was decided from has changed, with `at` set to
   * this check's time. Reads the revisions again on every call: they are cheap.
   */
  function reused(key: string, c: Circumstances): CheckResult | undefined {
    const k = (kept as Map<string, Kept>).get(key);
    if (
      k === undefined ||
      !(c.atMs >= k.fromMs && c.atMs < k.untilMs) ||
      k.cache !== cache.generation ||
      k.source !== (sourceRevision as () => number)() ||
      k.state !== (stateRevision as () => number)()
    )
      return undefined;
    // A copy: the kept answer's own `at` stays, and its frozen parts are shared.
    return { ...k.result, at: isoOf(c.atMs) };
  }

  // The last time of use as a date-time: checks in the same millisecond share it.
  let isoMs = Number.NaN;
  let iso = '';
  function isoOf(ms: number): string {
    if (ms !== isoMs) {
      isoMs = ms;
      iso = new Date(ms).toISOString();
    }
    return iso;
  }

  async function checkAndKeep(key: string, work: string, c: Circumstances, signal: AbortSignal | undefined) {
    const map = kept as Map<string, Kept>;
    const source = (sourceRevision as () => number)();
    const cached = cache.generation;
    const recorded = (stateRevision as () => number)();
    const horizon: Horizon = { untilMs: Number.POSITIVE_INFINITY, reusable: true };
    const [result] = (await runBatch([work], c, signal, horizon)) as [CheckResult];
    // Kept only if nothing changed while it was decided (this check's own verifying and recording
    // included: the next check then decides again, and keeps that answer).
    if (
      horizon.reusable &&
      source === (sourceRevision as () => number)() &&
      cached === cache.generation &&
      recorded === (stateRevision as () => number)()
    ) {
      map.delete(key);
      if (map.size >= reuse) map.delete(map.keys().next().value as string);
      map.set(key, {
        result: deepFreeze(result),
        source,
        cache: cached,
        state: recorded,
        fromMs: c.atMs,
        untilMs: horizon.untilMs,
      });
      return { ...result };
    }
    return result;
  }

  return {
    async check(request) {
      const c = circumstances(request);
      if (kept === undefined || request.at !== undefined || typeof request.work !== 'string') {
        const [result] = await runBatch([request.work], c, request.signal);
        return result as CheckResult;
      }
      request.signal?.throwIfAborted();
      // `use` and `org` are normal and hold no line break; the work comes last, as given.
      const key = `${c.use}\n${c.org ?? ''}\n${request.work}`;
      return reused(key, c) ?? checkAndKeep(key, request.work, c, request.signal);
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
