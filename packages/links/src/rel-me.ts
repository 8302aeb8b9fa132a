/**
 * Mastodon's rel=me rule (mastodon/mastodon `app/services/verify_link_service.rb`), with the creator's
 * page as the link back:
 *
 * 1. take the `href` of every `<a>` and `<link>` whose `rel` tokens include `me`;
 * 2. verified when one equals a link-back URL, compared case-insensitively;
 * 3. otherwise, when there is at least one, send a HEAD to the **first** href without following
 *    redirects, and verified when its `Location` is the link-back URL.
 *
 * Step 3 lets a short link or an old address that redirects to the creator's page count. The HEAD goes
 * through the same safe fetcher as everything else (public addresses, https, deadline).
 */

/** Sends the HEAD of step 3 and returns the `Location` of a redirect, or undefined. */
export type HeadLocation = (url: string) => Promise<string | undefined>;

/** How a rel=me link matched, or undefined when none did. */
export type RelMeMatch = 'href' | 'redirect' | undefined;

/**
 * Applies the rule to the rel=me hrefs of a page (in document order) and the creator's page URLs.
 * @example await relMeMatch(relMeHrefs(doc), ['https://node.example/c/did:key:z6Mk…'], head)
 */
export async function relMeMatch(
  hrefs: readonly string[],
  linkBacks: readonly string[],
  head: HeadLocation,
): Promise<RelMeMatch> {
  if (linkBacks.length === 0) return undefined;
  const wanted = new Set(linkBacks.map((u) => u.toLowerCase()));
  if (hrefs.some((href) => wanted.has(href.toLowerCase()))) return 'href';
  const first = hrefs[0];
  if (first === undefined || first === '') return undefined;
  let absolute: string;
  try {
    absolute = new URL(first).href;
  } catch {
    return undefined;
  }
  const location = await head(absolute);
  if (location === undefined) return undefined;
  // Mastodon compares the Location as sent; a relative one is read against the URL asked.
  let resolved: string | undefined;
  try {
    resolved = new URL(location, absolute).href;
  } catch {
    resolved = undefined;
  }
  return linkBacks.includes(location) || (resolved !== undefined && linkBacks.includes(resolved))
    ? 'redirect'
    : undefined;
}
