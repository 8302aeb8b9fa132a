import type { JsonObject, JsonValue } from '@assent/manifest';
import { containsToken, parseHtmlText, relMeHrefs, visibleText } from './html-page.js';
import { type CheckContext, failed, getJson, type MethodOutcome, succeeded } from './method-outcome.js';
import { checkAnyPage, headLocation } from './profile-page.js';
import { relMeMatch } from './rel-me.js';

/**
 * A Mastodon profile (`https://instance/@user`). Mastodon's web pages are rendered by script, so the
 * account is read from the instance's public API, `GET /api/v1/accounts/lookup?acct=<user>` (no token
 * needed on a default instance): the bio (`note`) and the profile fields are HTML written by the
 * account holder. The link holds when the bio or a field holds the token, or when a rel=me link among
 * them points to the creator's page (Mastodon renders field links `rel="me"`), by Mastodon's own rule.
 * The account must be the local one the URL names (`acct` without a domain, `url` the profile URL).
 * A host that does not answer like Mastodon is read as any page instead.
 */
export async function checkMastodonProfile(context: CheckContext, profile: URL): Promise<MethodOutcome> {
  const user = profile.pathname.slice('/@'.length);
  const api = new URL(`/api/v1/accounts/lookup?acct=${encodeURIComponent(user)}`, profile.origin);
  const got = await getJson(context, api, 'mastodon');
  // Temporary failures stay Mastodon's; a 404, HTML or a redirect means this may not be Mastodon at all.
  if (!got.ok) return got.outcome.result === 'temp_failure' ? got.outcome : checkAnyPage(context, profile);
  const { value: account, evidence } = got;
  if (!isAccount(account)) return checkAnyPage(context, profile);
  if (account.acct !== account.username || account.username.toLowerCase() !== user.toLowerCase())
    return failed(
      'profile-text',
      'LINK_ACCOUNT_MISMATCH',
      `the instance answered for ${account.acct}, not ${user}`,
      {
        evidence,
        adapter: 'mastodon',
      },
    );
  if (account.url.toLowerCase() !== profile.href.toLowerCase())
    return failed(
      'profile-text',
      'LINK_ACCOUNT_MISMATCH',
      `the account's URL is ${account.url}, not ${profile.href}`,
      {
        evidence,
        adapter: 'mastodon',
      },
    );
  const fragments = [account.note, ...fieldHtml(account.fields)].map(parseHtmlText);
  const hrefs = fragments.flatMap((doc) => relMeHrefs(doc));
  const match = await relMeMatch(hrefs, context.relMeTargets, headLocation(context));
  if (match !== undefined)
    return succeeded(
      'rel-me',
      `a rel=me link (${match}) in the profile points to the creator's page`,
      evidence,
      'mastodon',
    );
  if (fragments.some((doc) => containsToken(visibleText(doc), context.creator)))
    return succeeded(
      'profile-text',
      'the Mastodon bio or a profile field names the creator',
      evidence,
      'mastodon',
    );
  return failed('profile-text', 'LINK_NOT_NAMED', 'neither the bio nor a profile field names the creator', {
    evidence,
    adapter: 'mastodon',
  });
}

interface Account extends JsonObject {
  readonly username: string;
  readonly acct: string;
  readonly url: string;
  readonly note: string;
}

function isAccount(value: JsonValue | undefined): value is Account {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return ['username', 'acct', 'url', 'note'].every((k) => typeof value[k] === 'string');
}

/** The names and values of the profile fields, each HTML. */
function fieldHtml(fields: JsonValue | undefined): string[] {
  if (!Array.isArray(fields)) return [];
  return fields.slice(0, 16).flatMap((field) => {
    if (typeof field !== 'object' || field === null || Array.isArray(field)) return [];
    return [field.name, field.value].filter((v): v is string => typeof v === 'string');
  });
}
