/**
 * `@assent/verifier/hono`: platform middleware. After the handler, a response that serves a work
 * gets the work's consent as the signals crawlers read today (`Content-Usage`, TDMRep
 * `tdm-reservation`/`tdm-policy`, `X-Robots-Tag`), written by `@assent/signals` from the creators'
 * current signed manifests. Manifests come from a source and are verified by a verifier (signature,
 * schema, catalog pages, newest version per creator); several creators of one work give the most
 * restrictive decision per term. Signals are written only from creators bound to the work served
 * (docs/decisions.md §7: a checked profile or domain link, or a trusted attestation, covering it): a
 * platform must not stamp `train-ai=n` on every page because someone with no link to it denied a
 * whole site, nor an allow nobody proved. Web standards only: runs on Node, Deno, Bun and Workers.
 * @packageDocumentation
 */
import { type Conditions, type Decision, normalizeWorkId, USE_TERMS, type UseTerm } from '@assent/manifest';
import { type ResolvedPolicy, type SignalHeadersOptions, toSignalHeaders } from '@assent/signals';
import type { Context, MiddlewareHandler } from 'hono';
import { RESTRICTIVENESS } from '../decide.js';
import type { IdentityOptions } from '../identity-standing.js';
import type { ManifestSource } from '../source.js';
import { createVerifier } from '../verifier.js';

/** Options shared by {@link assentSignals} and {@link withAssentSignals}. */
export interface SignalOptions {
  /** Where the creators' manifests come from (e.g. `gatewaySource(url)`); each one is verified. */
  readonly source: ManifestSource;
  /** Written as TDMRep `tdm-policy` where a term is reserved. */
  readonly policyUrl?: string;
  /** Which signals to write; default all three. */
  readonly include?: SignalHeadersOptions['include'];
  /** How long a work's resolved policy is kept, in milliseconds (default 60 000). A revocation shows after it. */
  readonly refreshMs?: number;
  /** Works whose policy is kept at once (default 10 000; the least recently refreshed go first). */
  readonly maxWorks?: number;
  /** The clock (default: the system clock): cache expiry and the time policies are resolved for. */
  readonly now?: () => Date;
  /**
   * Whom the verifier trusts for identity: attesters and observers (docs/decisions.md §7). Bindings
   * are always required here (`requireBinding` is ignored): only bound creators' decisions become
   * signals.
   */
  readonly identity?: Omit<IdentityOptions, 'requireBinding'>;
}

/** Options of {@link assentSignals}. */
export interface AssentSignalsOptions extends SignalOptions {
  /** The works a response serves (any accepted id spelling); ids that are not valid are skipped. */
  readonly works: (c: Context) => readonly string[] | Promise<readonly string[]>;
}

/** Options of {@link withAssentSignals}. */
export interface WithAssentSignalsOptions extends SignalOptions {
  /** The works a response to `request` serves (any accepted id spelling); invalid ids are skipped. */
  readonly works: (request: Request) => readonly string[] | Promise<readonly string[]>;
}

/** Resolves the signal headers of works, with a refreshing cache. See {@link createSignalResolver}. */
export interface SignalResolver {
  /**
   * The headers for a response serving `works`: the most restrictive decision per term over the
   * works someone claims; `{}` when nobody claims any, or when the source fails and nothing is cached.
   * Never throws for bad ids.
   */
  headersFor(works: readonly string[]): Promise<Readonly<Record<string, string>>>;
}

const DEFAULT_REFRESH_MS = 60_000;
const DEFAULT_MAX_WORKS = 10_000;
const X_ROBOTS_TAG = 'x-robots-tag';

interface Held {
  readonly expires: number;
  /** The work's policy, or null when no creator claims it. */
  readonly policy: ResolvedPolicy | null;
}

/** The most restrictive decision per term over several policies (conditions of the first conditional). */
function combine(policies: readonly ResolvedPolicy[]): ResolvedPolicy | undefined {
  const first = policies[0];
  if (first === undefined) return undefined;
  if (policies.length === 1) return first;
  const decisions = {} as Record<UseTerm, Decision>;
  const conditions: Partial<Record<UseTerm, Conditions>> = {};
  for (const term of USE_TERMS) {
    let decision: Decision = first.decisions[term];
    for (const p of policies)
      if (RESTRICTIVENESS[p.decisions[term]] > RESTRICTIVENESS[decision]) decision = p.decisions[term];
    decisions[term] = decision;
    if (decision === 'conditional') {
      const stated = policies.find((p) => p.decisions[term] === 'conditional')?.conditions[term];
      if (stated !== undefined) conditions[term] = stated;
    }
  }
  return { decisions, conditions };
}

/**
 * The resolver behind the middleware: per work, one verifier check for each use term (so rollback
 * protection, catalog pages, URL prefixes and disputes follow docs/decisions.md), kept `refreshMs`.
 * A failing source keeps serving the last known policy; with none, no headers.
 * @example
 * const resolver = createSignalResolver({ source: gatewaySource('http://127.0.0.1:8787') });
 * const headers = await resolver.headersFor(['isrc:USRC17607839']); // { 'Content-Usage': 'train-ai=n', … }
 */
export function createSignalResolver(options: SignalOptions): SignalResolver {
  const now = options.now ?? (() => new Date());
  const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  if (!(Number.isFinite(refreshMs) && refreshMs >= 0))
    throw new RangeError('refreshMs must be a non-negative number');
  const maxWorks = options.maxWorks ?? DEFAULT_MAX_WORKS;
  if (!Number.isSafeInteger(maxWorks) || maxWorks < 1)
    throw new RangeError('maxWorks must be a positive integer');
  const verifier = createVerifier({
    source: options.source,
    now,
    identity: { ...options.identity, requireBinding: true },
  });
  const headerOptions: SignalHeadersOptions = {
    ...(options.policyUrl === undefined ? {} : { policyUrl: options.policyUrl }),
    ...(options.include === undefined ? {} : { include: options.include }),
  };
  const held = new Map<string, Held>();
  const pending = new Map<string, Promise<Held | undefined>>();

  async function refresh(ids: readonly string[]): Promise<Map<string, Held>> {
    const at = now();
    const decisions = new Map<string, Record<UseTerm, Decision>>();
    const conditions = new Map<string, Partial<Record<UseTerm, Conditions>>>();
    for (const id of ids) {
      decisions.set(id, {} as Record<UseTerm, Decision>);
      conditions.set(id, {});
    }
    for (const use of USE_TERMS) {
      const results = await verifier.checkMany({ works: ids, use, at });
      for (const r of results) {
        const d = decisions.get(r.work);
        if (d === undefined) continue;
        // Only a creator bound to the work speaks here; with one, only bound creators count at all.
        if (!r.claimants.some((c) => c.inScope)) continue;
        d[use] = r.decision;
        if (r.decision === 'conditional' && r.conditions !== undefined) {
          const c = conditions.get(r.work);
          if (c !== undefined) c[use] = r.conditions;
        }
      }
    }
    const expires = at.getTime() + refreshMs;
    const out = new Map<string, Held>();
    for (const id of ids) {
      const d = decisions.get(id) as Record<UseTerm, Decision>;
      const claimed = USE_TERMS.some((t) => d[t] !== undefined && d[t] !== 'unknown');
      for (const t of USE_TERMS) d[t] ??= 'unknown';
      const policy = claimed ? { decisions: d, conditions: conditions.get(id) ?? {} } : null;
      out.set(id, { expires, policy });
    }
    return out;
  }

  function keep(id: string, entry: Held): void {
    held.delete(id);
    held.set(id, entry);
    while (held.size > maxWorks) {
      const oldest = held.keys().next();
      if (oldest.done === true) break;
      held.delete(oldest.value);
    }
  }

  async function policiesOf(ids: readonly string[]): Promise<ResolvedPolicy[]> {
    const time = now().getTime();
    const found = new Map<string, Promise<Held | undefined>>();
    const stale: string[] = [];
    for (const id of ids) {
      if (found.has(id)) continue;
      const entry = held.get(id);
      if (entry !== undefined && entry.expires > time) found.set(id, Promise.resolve(entry));
      else {
        const inFlight = pending.get(id);
        if (inFlight !== undefined) found.set(id, inFlight);
        else stale.push(id);
      }
    }
    if (stale.length > 0) {
      const batch = refresh(stale).then(
        (fresh) => {
          for (const [id, entry] of fresh) keep(id, entry);
          return fresh;
        },
        () => undefined, // The source failed: keep what is held (possibly expired), cache nothing.
      );
      for (const id of stale) {
        const one = batch.then((fresh) => fresh?.get(id) ?? held.get(id));
        found.set(id, one);
        pending.set(id, one);
      }
      void batch.finally(() => {
        for (const id of stale) pending.delete(id);
      });
    }
    const entries = await Promise.all(found.values());
    return entries.flatMap((e) => (e?.policy == null ? [] : [e.policy]));
  }

  return {
    async headersFor(works) {
      const ids: string[] = [];
      for (const work of Array.isArray(works) ? works : []) {
        if (typeof work !== 'string') continue;
        const normalized = normalizeWorkId(work);
        if (normalized.ok) ids.push(normalized.value);
      }
      if (ids.length === 0) return {};
      const policy = combine(await policiesOf(ids));
      return policy === undefined ? {} : toSignalHeaders(policy, headerOptions);
    },
  };
}

/** Adds directives to an `X-Robots-Tag` list, skipping those it already has. */
function appendRobots(existing: string | null, value: string): string {
  if (existing === null || existing.trim() === '') return value;
  const have = new Set(existing.split(',').map((d) => d.trim().toLowerCase()));
  const add = value
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '' && !have.has(d.toLowerCase()));
  return add.length === 0 ? existing : `${existing}, ${add.join(', ')}`;
}

function setAll(headers: Headers, signal: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(signal)) {
    if (name.toLowerCase() === X_ROBOTS_TAG) headers.set(name, appendRobots(headers.get(name), value));
    else headers.set(name, value);
  }
}

/** The response with the headers: in place, or a copy when its headers are immutable (e.g. from `fetch`). */
function withHeaders(response: Response, signal: Readonly<Record<string, string>>): Response {
  if (Object.keys(signal).length === 0) return response;
  try {
    setAll(response.headers, signal);
    return response;
  } catch {
    try {
      const copy = new Response(response.body, response);
      setAll(copy.headers, signal);
      return copy;
    } catch {
      return response;
    }
  }
}

async function signalsFor<T>(
  resolver: SignalResolver,
  works: (input: T) => readonly string[] | Promise<readonly string[]>,
  input: T,
): Promise<Readonly<Record<string, string>>> {
  try {
    return await resolver.headersFor(await works(input));
  } catch {
    return {}; // A failing mapping or source never breaks the response.
  }
}

/**
 * Hono middleware: after the handler, a successful response (status below 400) serving the works
 * `works(c)` returns gets their signal headers; `X-Robots-Tag` is appended to, the others are set.
 * @example
 * const app = new Hono();
 * app.use('/tracks/:id', assentSignals({ source: gatewaySource('http://127.0.0.1:8787'), works: (c) => [`url:${c.req.url}`] }));
 */
export function assentSignals(options: AssentSignalsOptions): MiddlewareHandler {
  const resolver = createSignalResolver(options);
  const { works } = options;
  return async (c, next) => {
    await next();
    if (c.res.status >= 400) return;
    const signal = await signalsFor(resolver, works, c);
    if (Object.keys(signal).length === 0) return;
    const response = withHeaders(c.res, signal);
    if (response !== c.res) c.res = response;
  };
}

/**
 * The same for any fetch-style handler (Workers, Deno, Bun, `@hono/node-server`): wraps
 * `handler` so a successful response serving `works(request)` gets their signal headers.
 * @example
 * export default { fetch: withAssentSignals(handle, { source, works: (req) => [`url:${req.url}`] }) };
 */
export function withAssentSignals<A extends unknown[]>(
  handler: (request: Request, ...rest: A) => Response | Promise<Response>,
  options: WithAssentSignalsOptions,
): (request: Request, ...rest: A) => Promise<Response> {
  const resolver = createSignalResolver(options);
  const { works } = options;
  return async (request, ...rest) => {
    const response = await handler(request, ...rest);
    if (response.status >= 400) return response;
    return withHeaders(response, await signalsFor(resolver, works, request));
  };
}
