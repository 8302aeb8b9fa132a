import { normalizeDomain } from '@assent/manifest';
import { containsToken } from './html-page.js';
import {
  type CheckContext,
  failed,
  getExpected,
  getJson,
  type MethodOutcome,
  succeeded,
} from './method-outcome.js';

/**
 * A Bluesky profile (`https://bsky.app/profile/<handle or DID>`). bsky.app is rendered by script, so
 * the account is read the atproto way (atproto.com/specs/handle): the handle is resolved to its DID by
 * DNS TXT `_atproto.<handle>` (`did=<DID>`, exactly one; preferred) or else
 * `https://<handle>/.well-known/atproto-did`, then the profile is read from an AppView
 * (`app.bsky.actor.getProfile`), whose `did` must be that DID and whose `handle` must be the handle —
 * the AppView answers `handle.invalid` when the DID document does not claim the handle back, which is
 * the bidirectional check the spec asks for. The token must be in the profile's `description`.
 */

const ATPROTO_DID = /^did:(?:plc:[a-z2-7]{24}|web:[a-z0-9.:%-]+)$/;

type Resolved =
  | { readonly ok: true; readonly did: string }
  | { readonly ok: false; readonly outcome: MethodOutcome };

async function resolveHandle(context: CheckContext, handle: string): Promise<Resolved> {
  const dns = await context.resolver.txt(`_atproto.${handle}`);
  if (dns.ok) {
    const dids = dns.value.filter((r) => r.startsWith('did=')).map((r) => r.slice('did='.length));
    if (dids.length > 1)
      return {
        ok: false,
        outcome: failed(
          'profile-text',
          'LINK_AMBIGUOUS',
          `_atproto.${handle} has ${dids.length} did= records`,
          { adapter: 'bluesky' },
        ),
      };
    const did = dids[0];
    if (did !== undefined && ATPROTO_DID.test(did)) return { ok: true, did };
  }
  const url = `https://${handle}/.well-known/atproto-did`;
  const got = await getExpected(context, url, 'text/plain', ['text/plain'], 'profile-text', 'bluesky');
  if (!got.ok) {
    // When DNS could not answer and the web neither, nothing is known yet.
    const temporary = !dns.ok && dns.reason === 'LINK_DNS_FAILED';
    return {
      ok: false,
      outcome: temporary
        ? failed('profile-text', 'LINK_DNS_FAILED', `the handle ${handle} did not resolve: ${dns.message}`, {
            adapter: 'bluesky',
          })
        : got.outcome,
    };
  }
  const did = new TextDecoder().decode(got.response.body).trim();
  if (!ATPROTO_DID.test(did))
    return {
      ok: false,
      outcome: failed('profile-text', 'LINK_MALFORMED', `${url} does not hold an atproto DID`, {
        evidence: got.response.body,
        adapter: 'bluesky',
      }),
    };
  return { ok: true, did };
}

export async function checkBlueskyProfile(context: CheckContext, profile: URL): Promise<MethodOutcome> {
  const actor = decodeURIComponent(profile.pathname.slice('/profile/'.length));
  let did: string;
  let handle: string | undefined;
  if (actor.startsWith('did:')) {
    if (!ATPROTO_DID.test(actor))
      return failed('policy', 'LINK_IDENTITY_INVALID', `${actor} is not an atproto DID`, {
        adapter: 'bluesky',
      });
    did = actor;
  } else {
    const normal = normalizeDomain(actor);
    if (!normal.ok)
      return failed('policy', 'LINK_IDENTITY_INVALID', `${actor} is not a handle`, { adapter: 'bluesky' });
    handle = normal.value;
    const resolved = await resolveHandle(context, handle);
    if (!resolved.ok) return resolved.outcome;
    did = resolved.did;
  }
  const api = new URL('/xrpc/app.bsky.actor.getProfile', context.blueskyAppView);
  api.searchParams.set('actor', did);
  const got = await getJson(context, api, 'bluesky');
  if (!got.ok) return got.outcome;
  const { value: view, evidence } = got;
  if (typeof view !== 'object' || view === null || Array.isArray(view) || view.did !== did)
    return failed('profile-text', 'LINK_ACCOUNT_MISMATCH', `the AppView did not answer for ${did}`, {
      evidence,
      adapter: 'bluesky',
    });
  if (handle !== undefined && view.handle !== handle)
    return failed(
      'profile-text',
      'LINK_ACCOUNT_MISMATCH',
      `${did} does not hold the handle ${handle} (${String(view.handle)})`,
      {
        evidence,
        adapter: 'bluesky',
      },
    );
  return typeof view.description === 'string' && containsToken(view.description, context.creator)
    ? succeeded('profile-text', 'the Bluesky profile description names the creator', evidence, 'bluesky')
    : failed('profile-text', 'LINK_NOT_NAMED', 'the Bluesky profile description does not hold the token', {
        evidence,
        adapter: 'bluesky',
      });
}
