import type { ProfileAdapter } from '@assent/manifest';
import type { Document, Element } from 'domhandler';
import {
  attr,
  containsToken,
  findAll,
  isOthersArea,
  metaContents,
  parseHtml,
  relMeHrefs,
  tokens,
  visibleText,
} from './html-page.js';
import { type CheckContext, failed, getExpected, type MethodOutcome, succeeded } from './method-outcome.js';
import { relMeMatch } from './rel-me.js';

/**
 * Profile pages read as HTML snapshots (DESIGN-TRUST §3.3 item 2, "profile"). A per-platform reader
 * reads only where the account holder writes — the bio or the page's own description — so the token
 * in a comment, a reply or another user's post never counts. Data that only a script renders (the
 * JSON in `<script>` tags that SoundCloud and YouTube pages carry) is not read: that is unsupported,
 * and the platform's server-rendered description must carry the token. Platforms change their pages;
 * these readers follow the markup as known when written and are the weakest evidence (L1).
 */

const HTML_TYPES = ['text/html', 'application/xhtml+xml'];
const ACCEPT_HTML = 'text/html,application/xhtml+xml;q=0.9';

/** Which reader a profile URL gets. Mastodon is tried on any host with an `/@user` path. */
export function profileAdapterFor(url: URL): ProfileAdapter {
  const host = url.hostname;
  const path = url.pathname;
  if (
    ['soundcloud.com', 'www.soundcloud.com', 'm.soundcloud.com'].includes(host) &&
    /^\/[a-z0-9_-]+$/i.test(path)
  )
    return 'soundcloud';
  if (host.endsWith('.bandcamp.com') && (path === '/' || path === '/music')) return 'bandcamp';
  if (
    ['youtube.com', 'www.youtube.com', 'm.youtube.com'].includes(host) &&
    /^\/(?:@[^/]+|channel\/[^/]+|c\/[^/]+|user\/[^/]+)$/.test(path)
  )
    return 'youtube';
  if (host === 'bsky.app' && /^\/profile\/[^/]+$/.test(path)) return 'bluesky';
  if (/^\/@[A-Za-z0-9_]+$/.test(path)) return 'mastodon';
  return 'page';
}

/** True for an element whose nearest item scope is a top-level schema.org Person or MusicGroup. */
function inProfileItem(element: Element): boolean {
  let scope: Element | undefined;
  for (let node = element.parent; node !== null; node = node.parent) {
    if (node.type !== 'tag' && node.type !== 'script' && node.type !== 'style') break;
    const el = node as Element;
    if (attr(el, 'itemscope') === undefined) continue;
    if (scope !== undefined) return false; // the profile's item is inside another item (a comment's author)
    scope = el;
  }
  return scope !== undefined && /schema\.org\/(?:MusicGroup|Person)$/i.test(attr(scope, 'itemtype') ?? '');
}

/** The texts each platform's account holder writes, as its server renders them. */
const BIO_READERS: Readonly<Record<'soundcloud' | 'bandcamp' | 'youtube', (doc: Document) => string[]>> = {
  // The page's description and, in the no-script rendering, the profile item's `itemprop="description"`.
  soundcloud: (doc) => [
    ...metaContents(doc, ['description', 'og:description', 'twitter:description']),
    ...findAll(doc, (e) => tokens(e, 'itemprop').includes('description') && inProfileItem(e)).map(
      (e) => attr(e, 'content') ?? visibleText(e),
    ),
  ],
  // The artist's bio block (`#bio-text`, inside `#bio-container`) and the page's description.
  bandcamp: (doc) => [
    ...metaContents(doc, ['og:description', 'description']),
    ...findAll(doc, (e) => attr(e, 'id') === 'bio-text' || attr(e, 'id') === 'bio-container').map((e) =>
      visibleText(e),
    ),
  ],
  // The channel description as the page's metadata; `ytInitialData` is script data and not read.
  youtube: (doc) => metaContents(doc, ['description', 'og:description', 'twitter:description']),
};

/** Reads a SoundCloud, Bandcamp or YouTube profile page for the token in the account's own text. */
export async function checkPlatformPage(
  context: CheckContext,
  profile: URL,
  adapter: 'soundcloud' | 'bandcamp' | 'youtube',
): Promise<MethodOutcome> {
  const got = await getExpected(context, profile, ACCEPT_HTML, HTML_TYPES, 'profile-text', adapter);
  if (!got.ok) return got.outcome;
  const evidence = got.response.body;
  const texts = BIO_READERS[adapter](parseHtml(evidence));
  return texts.some((text) => containsToken(text, context.creator))
    ? succeeded('profile-text', `the ${adapter} profile text names the creator`, evidence, adapter)
    : failed(
        'profile-text',
        'LINK_NOT_NAMED',
        `the ${adapter} profile text does not hold assent:${context.creator}`,
        {
          evidence,
          adapter,
        },
      );
}

/** Sends the rel=me HEAD (no redirects followed) and returns the `Location` of a 3xx answer. */
export function headLocation(context: CheckContext): (url: string) => Promise<string | undefined> {
  return async (url) => {
    const answer = await context.fetch(url, { method: 'HEAD', accept: ACCEPT_HTML });
    if (!answer.ok || answer.response.status < 300 || answer.response.status >= 400) return undefined;
    const location = answer.response.headers.location;
    return typeof location === 'string' ? location : undefined;
  };
}

/**
 * Any page (the generic reader): ok when a `rel="me"` link on it points to the creator's page
 * (Mastodon's rule, HEAD redirect-back included), or when its visible text holds the token. Areas where
 * others write (comments, replies, reviews) are left out of both, and the text rule does not apply to
 * the root of a host: a home page is a site, which a domain link proves better (L2), and its text is
 * the most likely to quote visitors.
 */
export async function checkAnyPage(context: CheckContext, profile: URL): Promise<MethodOutcome> {
  const got = await getExpected(context, profile, ACCEPT_HTML, HTML_TYPES, 'profile-text', 'page');
  if (!got.ok) return got.outcome;
  const evidence = got.response.body;
  const doc = parseHtml(evidence);
  const skip = { skip: isOthersArea };
  const match = await relMeMatch(relMeHrefs(doc, skip), context.relMeTargets, headLocation(context));
  if (match !== undefined)
    return succeeded('rel-me', `a rel=me link (${match}) points to the creator's page`, evidence, 'page');
  if (profile.pathname !== '/' && containsToken(visibleText(doc, skip), context.creator))
    return succeeded('profile-text', 'the page text names the creator', evidence, 'page');
  return failed(
    'profile-text',
    'LINK_NOT_NAMED',
    'no rel=me link to the creator and no token in the page text',
    {
      evidence,
      adapter: 'page',
    },
  );
}
