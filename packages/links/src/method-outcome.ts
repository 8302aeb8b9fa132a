import {
  type JsonValue,
  type LinkMethod,
  type LinkResult,
  type ProfileAdapter,
  parseJson,
} from '@assent/manifest';
import { LINK_REASONS, type LinkReason } from './link-reasons.js';
import type { NameResolver } from './name-resolver.js';
import {
  type FetchedResponse,
  type FetchOutcome,
  mediaTypeOf,
  type SafeRequest,
  statusFailure,
} from './safe-fetch.js';

/** What one method found, before it becomes an observation (the checker adds the time and the hash). */
export interface MethodOutcome {
  readonly method: LinkMethod;
  readonly result: LinkResult;
  readonly reason?: LinkReason;
  /** For people: what was seen. Not part of the observation. */
  readonly message: string;
  /** The bytes read: a body, or the TXT records one a line. */
  readonly evidence?: Uint8Array;
  readonly adapter?: ProfileAdapter;
}

/** What the methods need: the creator, fetching and DNS under one policy, the clock, the settings. */
export interface CheckContext {
  readonly creator: string;
  readonly fetch: (url: string | URL, request: Omit<SafeRequest, 'signal'>) => Promise<FetchOutcome>;
  readonly resolver: NameResolver;
  readonly now: () => Date;
  /** The creator's page URLs a rel=me link may point to (e.g. `https://node/c/<did>`). */
  readonly relMeTargets: readonly string[];
  /** The atproto AppView that answers `app.bsky.actor.getProfile`. */
  readonly blueskyAppView: string;
  readonly allowInsecure: boolean;
}

/** A failed method: the result follows from the reason. */
export function failed(
  method: LinkMethod,
  reason: LinkReason,
  message: string,
  extra: { evidence?: Uint8Array | undefined; adapter?: ProfileAdapter | undefined } = {},
): MethodOutcome {
  return {
    method,
    result: LINK_REASONS[reason],
    reason,
    message,
    ...(extra.evidence === undefined ? {} : { evidence: extra.evidence }),
    ...(extra.adapter === undefined ? {} : { adapter: extra.adapter }),
  };
}

/** A method that found the creator named. */
export function succeeded(
  method: LinkMethod,
  message: string,
  evidence: Uint8Array,
  adapter?: ProfileAdapter,
): MethodOutcome {
  return { method, result: 'ok', message, evidence, ...(adapter === undefined ? {} : { adapter }) };
}

/**
 * GETs a URL and keeps only a 200 of one of the media types; anything else is the method's failure
 * (a redirect, 404, 5xx, another media type), with what was read as evidence.
 */
export async function getExpected(
  context: CheckContext,
  url: string | URL,
  accept: string,
  mediaTypes: readonly string[],
  method: LinkMethod,
  adapter?: ProfileAdapter,
): Promise<
  | { readonly ok: true; readonly response: FetchedResponse }
  | { readonly ok: false; readonly outcome: MethodOutcome }
> {
  const fetched = await context.fetch(url, { accept });
  if (!fetched.ok)
    return { ok: false, outcome: failed(method, fetched.reason, fetched.message, { adapter }) };
  const { response } = fetched;
  if (response.status !== 200) {
    const why = statusFailure(response.status);
    return {
      ok: false,
      outcome: failed(method, why.reason, `${String(url)}: ${why.message}`, {
        evidence: response.body,
        adapter,
      }),
    };
  }
  const type = mediaTypeOf(response);
  if (!mediaTypes.includes(type)) {
    return {
      ok: false,
      outcome: failed(
        method,
        'LINK_CONTENT_TYPE',
        `${String(url)}: ${type || 'no media type'}, not ${mediaTypes.join(' or ')}`,
        {
          evidence: response.body,
          adapter,
        },
      ),
    };
  }
  return { ok: true, response };
}

/**
 * GETs a JSON API answer (a platform's public API): a 200 `application/json`, parsed strictly; `value`
 * is undefined when the body is not strict JSON, for the caller to judge with the evidence.
 */
export async function getJson(
  context: CheckContext,
  url: URL,
  adapter: ProfileAdapter,
): Promise<
  | { readonly ok: true; readonly value: JsonValue | undefined; readonly evidence: Uint8Array }
  | { readonly ok: false; readonly outcome: MethodOutcome }
> {
  const got = await getExpected(
    context,
    url,
    'application/json',
    ['application/json'],
    'profile-text',
    adapter,
  );
  if (!got.ok) return got;
  const evidence = got.response.body;
  const parsed = parseJson(evidence, { maxBytes: evidence.length + 1 });
  return { ok: true, value: parsed.ok ? parsed.value : undefined, evidence };
}
