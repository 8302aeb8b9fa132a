import { identityFromSecretKey } from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePlatform, type Route, startFakePlatform } from '../../../test/support/fake-platform.js';
import { type LoopbackDns, startLoopbackDns } from '../../../test/support/loopback-dns.js';
import { createLinkChecker, type LinkChecker, profileAdapterFor } from '../src/index.js';

/**
 * Profile pages as HTML snapshots on a loopback "fake platform". The snapshots follow the markup each
 * platform's server sends to a reader without JavaScript (a bio, a page description, a no-script
 * rendering); they are written for these tests, not copied from the platforms, which tests may not reach.
 */
const creator = await identityFromSecretKey(new Uint8Array(32).fill(1));
const other = await identityFromSecretKey(new Uint8Array(32).fill(2));
const TOKEN = `assent:${creator.did}`;
const CREATOR_PAGE = `https://node.test/c/${creator.did}`;
const PLC = 'did:plc:abcdefghijklmnopqrstuvwx';
const PLC_WK = 'did:plc:bbcdefghijklmnopqrstuvwx';

const html = (body: string, head = ''): Route => ({
  body: `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`,
});
const json = (value: unknown): Route => ({
  type: 'application/json; charset=utf-8',
  body: JSON.stringify(value),
});
const hydration = (description: string) =>
  `<script>window.__sc_hydration = [{"hydratable":"user","data":{"description":${JSON.stringify(description)}}}];</script>`;

/** A SoundCloud profile as its no-script rendering shows it: the profile item and its tracks. */
function soundcloud(bio: string, extra = '', head = ''): Route {
  return html(
    `<div id="app"><noscript><article itemscope itemtype="http://schema.org/MusicGroup">
      <header><h1 itemprop="name"><a itemprop="url" href="/the-flight">The Flight</a></h1></header>
      <p itemprop="description">${bio}</p>
      <section><article itemprop="track" itemscope itemtype="http://schema.org/MusicRecording">
        <h2 itemprop="name">Night Drive</h2><meta itemprop="description" content="new single"></article></section>
      ${extra}</article></noscript></div>`,
    `<meta property="og:description" content="Stream The Flight on SoundCloud">${head}`,
  );
}

/** Comments as SoundCloud's track pages mark them up: a Comment item with its author's Person item. */
const comment = (
  text: string,
) => `<section class="comments"><div itemprop="comment" itemscope itemtype="http://schema.org/Comment">
  <div itemprop="author" itemscope itemtype="http://schema.org/Person"><p itemprop="description">${text}</p></div>
  <p itemprop="text">${text}</p></div></section>`;

const mastodonAccount = (user: string, extra: Record<string, unknown> = {}) => ({
  id: '1',
  username: user,
  acct: user,
  url: `https://social.test/@${user}`,
  note: '<p>Indie band from Leeds.</p>',
  fields: [],
  ...extra,
});

let dns: LoopbackDns;
let web: FakePlatform;
let checker: LinkChecker;

beforeAll(async () => {
  dns = await startLoopbackDns(
    {
      '_atproto.theflight.test': { txt: [[`did=${PLC}`]] },
      '_atproto.twodids.test': { txt: [[`did=${PLC}`], [`did=${PLC_WK}`]] },
    },
    { loopbackByDefault: true },
  );
  web = await startFakePlatform({
    // SoundCloud
    'soundcloud.com/the-flight': soundcloud(`Band from Leeds. ${TOKEN}`),
    'soundcloud.com/in-meta': html('', `<meta name="description" content="The Flight. ${TOKEN}">`),
    'soundcloud.com/comment-only': soundcloud('Band from Leeds.', comment(`me too ${TOKEN}`)),
    'soundcloud.com/script-only': soundcloud('Band from Leeds.', '', hydration(`Band. ${TOKEN}`)),
    'soundcloud.com/track-only': soundcloud(
      'Band from Leeds.',
      `<article itemprop="track" itemscope itemtype="http://schema.org/MusicRecording"><p itemprop="description">${TOKEN}</p></article>`,
    ),
    'soundcloud.com/longer-did': soundcloud(`Band. ${TOKEN}x`),
    'soundcloud.com/other-did': soundcloud(`Band. assent:${other.did}`),
    'soundcloud.com/gone': { status: 404, body: TOKEN },
    'soundcloud.com/broken': { status: 500 },
    'soundcloud.com/slow': { ...soundcloud(TOKEN), delayMs: 1_500 },
    'soundcloud.com/huge': { streamBytes: 10 * 1024 * 1024 },
    'soundcloud.com/moved': { status: 302, headers: { location: 'https://soundcloud.com/the-flight' } },
    'soundcloud.com/json': json({ description: TOKEN }),
    // Bandcamp
    'theflight.bandcamp.com/': html(
      `<div id="bio-container"><p id="bio-text">Leeds band. ${TOKEN}</p></div>`,
    ),
    'fans.bandcamp.com/': html(
      `<div id="bio-container"><p id="bio-text">A label.</p></div><div class="collected-by"><div class="writing">${TOKEN}</div></div>`,
    ),
    // YouTube
    'www.youtube.com/@theflight': html(
      '<div id="content"></div>',
      `<meta name="description" content="Official. ${TOKEN}">`,
    ),
    'www.youtube.com/@scriptonly': html(
      `<script>var ytInitialData = {"metadata":{"channelMetadataRenderer":{"description":"${TOKEN}"}}};</script>`,
      '<meta name="description" content="Official channel.">',
    ),
    // Any page
    'people.test/theflight': html(`<main><h1>The Flight</h1><p>We are ${TOKEN}</p></main>`),
    'people.test/hidden': html(
      `<p hidden>${TOKEN}</p><p style="color:red; display: none">${TOKEN}</p><p aria-hidden="true">${TOKEN}</p>`,
    ),
    'people.test/commented': html(
      `<p>Our page.</p><div id="comments"><div class="comment">${TOKEN}</div></div>`,
    ),
    'people.test/in-script': html(
      `<p>Our page.</p><script>const bio = "${TOKEN}";</script><template><p>${TOKEN}</p></template>`,
    ),
    'people.test/in-attribute': html(`<p title="${TOKEN}">Our page.</p><!-- ${TOKEN} -->`),
    'people.test/relme': html(`<a rel="nofollow me" href="${CREATOR_PAGE}">Assent</a>`),
    'people.test/relme-upper': html(`<a rel="me" href="${CREATOR_PAGE.toUpperCase()}">Assent</a>`),
    'people.test/relme-link': html('<p>hi</p>', `<link rel="me" href="${CREATOR_PAGE}">`),
    'people.test/relme-token-case': html(`<a rel="ME nofollow" href="${CREATOR_PAGE}">Assent</a>`),
    'people.test/relme-not-me': html(
      `<a rel="mention" href="${CREATOR_PAGE}">a</a><a rel="meh" href="${CREATOR_PAGE}">b</a><a href="${CREATOR_PAGE}">c</a>`,
    ),
    'people.test/relme-redirect': html(
      `<a rel="me" href="https://short.test/flight">Assent</a><a rel="me" href="https://elsewhere.test/">x</a>`,
    ),
    'people.test/relme-redirect-second': html(
      `<a rel="me" href="https://elsewhere.test/">x</a><a rel="me" href="https://short.test/flight">Assent</a>`,
    ),
    'people.test/relme-in-comment': html(
      `<p>Our page.</p><div class="comments"><a rel="me" href="${CREATOR_PAGE}">x</a></div>`,
    ),
    'short.test/flight': { status: 301, headers: { location: CREATOR_PAGE } },
    'elsewhere.test/': html('<p>elsewhere</p>'),
    'homepage.test/': html(`<p>Welcome! Guest book: ${TOKEN}</p>`),
    'rel-homepage.test/': html('<p>Welcome!</p>', `<link rel="me" href="${CREATOR_PAGE}">`),
    // Mastodon
    'social.test/api/v1/accounts/lookup?acct=theflight': json(
      mastodonAccount('theflight', { note: `<p>Indie band. <span>${TOKEN}</span></p>` }),
    ),
    'social.test/api/v1/accounts/lookup?acct=fieldlink': json(
      mastodonAccount('fieldlink', {
        fields: [
          {
            name: 'Assent',
            value: `<a href="${CREATOR_PAGE}" target="_blank" rel="nofollow noopener noreferrer me" translate="no">node.test</a>`,
            verified_at: null,
          },
        ],
      }),
    ),
    'social.test/api/v1/accounts/lookup?acct=fieldtoken': json(
      mastodonAccount('fieldtoken', { fields: [{ name: 'Assent', value: TOKEN, verified_at: null }] }),
    ),
    'social.test/api/v1/accounts/lookup?acct=plain': json(mastodonAccount('plain')),
    'social.test/api/v1/accounts/lookup?acct=remote': json(
      mastodonAccount('remote', { acct: 'remote@elsewhere.test', note: `<p>${TOKEN}</p>` }),
    ),
    'social.test/api/v1/accounts/lookup?acct=down': { status: 503 },
    'blog.test/@notmastodon': html(`<main><p>${TOKEN}</p></main>`),
    // Bluesky: handles resolved by DNS or the well-known file, profiles read from the AppView.
    'wkhandle.test/.well-known/atproto-did': { type: 'text/plain', body: `${PLC_WK}\n` },
    [`appview.test/xrpc/app.bsky.actor.getProfile?actor=${encodeURIComponent(PLC)}`]: json({
      did: PLC,
      handle: 'theflight.test',
      description: `Leeds band. ${TOKEN}`,
    }),
    [`appview.test/xrpc/app.bsky.actor.getProfile?actor=${encodeURIComponent(PLC_WK)}`]: json({
      did: PLC_WK,
      handle: 'handle.invalid',
      description: `Leeds band. ${TOKEN}`,
    }),
  });
  checker = createLinkChecker({
    allowInsecure: true,
    dnsServers: dns.servers,
    mapUrl: web.mapUrl,
    timeoutMs: 800,
    blueskyAppView: 'https://appview.test',
  });
});

afterAll(async () => {
  await web?.close();
  await dns?.close();
});

const check = (url: string) =>
  checker.check(creator.did, { type: 'profile', id: url }, { relMeTargets: [CREATOR_PAGE] });

describe('which reader a profile gets', () => {
  it.each([
    ['https://soundcloud.com/the-flight', 'soundcloud'],
    ['https://soundcloud.com/the-flight/sets/x', 'page'],
    ['https://theflight.bandcamp.com/', 'bandcamp'],
    ['https://www.youtube.com/@theflight', 'youtube'],
    ['https://www.youtube.com/channel/UCabc', 'youtube'],
    ['https://bsky.app/profile/theflight.test', 'bluesky'],
    ['https://mastodon.social/@theflight', 'mastodon'],
    ['https://people.test/theflight', 'page'],
  ])('%s → %s', (url, adapter) => {
    expect(profileAdapterFor(new URL(url))).toBe(adapter);
  });
});

describe('SoundCloud, Bandcamp, YouTube: the token in the account holder’s own text', () => {
  it.each([
    ['https://soundcloud.com/the-flight', 'soundcloud'],
    ['https://soundcloud.com/in-meta', 'soundcloud'],
    ['https://theflight.bandcamp.com/', 'bandcamp'],
    ['https://www.youtube.com/@theflight', 'youtube'],
  ])('%s: ok', async (url, adapter) => {
    const { observation } = await check(url);
    expect(observation).toMatchObject({ method: 'profile-text', result: 'ok', adapter });
    expect(observation.evidenceHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['https://soundcloud.com/comment-only', 'only in a comment (and its author item)'],
    ['https://soundcloud.com/script-only', 'only in script-rendered data (unsupported)'],
    ['https://soundcloud.com/track-only', 'only in a track’s description'],
    ['https://soundcloud.com/longer-did', 'followed by more key characters: another DID'],
    ['https://soundcloud.com/other-did', 'naming another DID'],
    ['https://fans.bandcamp.com/', 'only in a fan’s words'],
    ['https://www.youtube.com/@scriptonly', 'only in ytInitialData (unsupported)'],
  ])('%s: not named (%s)', async (url) => {
    expect((await check(url)).observation).toMatchObject({
      result: 'perm_failure',
      reason: 'LINK_NOT_NAMED',
    });
  });

  it.each([
    ['https://soundcloud.com/gone', 'perm_failure', 'LINK_HTTP_NOT_FOUND'],
    ['https://soundcloud.com/broken', 'temp_failure', 'LINK_HTTP_UNAVAILABLE'],
    ['https://soundcloud.com/slow', 'temp_failure', 'LINK_TIMEOUT'],
    ['https://soundcloud.com/huge', 'perm_failure', 'LINK_BODY_TOO_LARGE'],
    ['https://soundcloud.com/moved', 'perm_failure', 'LINK_REDIRECT_REFUSED'],
    ['https://soundcloud.com/json', 'perm_failure', 'LINK_CONTENT_TYPE'],
  ])('%s: %s %s', async (url, result, reason) => {
    expect((await check(url)).observation).toMatchObject({ result, reason, adapter: 'soundcloud' });
  });

  it('a redirect to a page with the token is not followed', async () => {
    const before = web.requests.length;
    await check('https://soundcloud.com/moved');
    expect(web.requests.slice(before)).toEqual(['GET soundcloud.com/moved']);
  });
});

describe('any page: rel=me (Mastodon’s rule) or the token in its visible text', () => {
  it.each([
    ['https://people.test/theflight', 'profile-text'],
    ['https://people.test/relme', 'rel-me'],
    ['https://people.test/relme-upper', 'rel-me'],
    ['https://people.test/relme-link', 'rel-me'],
    ['https://people.test/relme-token-case', 'rel-me'],
    ['https://people.test/relme-redirect', 'rel-me'],
    ['https://rel-homepage.test/', 'rel-me'],
  ])('%s: ok by %s', async (url, method) => {
    expect((await check(url)).observation).toMatchObject({ method, result: 'ok', adapter: 'page' });
  });

  it('the redirect-back rule HEADs only the first rel=me link, without following', async () => {
    const before = web.requests.length;
    await check('https://people.test/relme-redirect');
    expect(web.requests.slice(before)).toEqual(['GET people.test/relme-redirect', 'HEAD short.test/flight']);
    const second = await check('https://people.test/relme-redirect-second');
    expect(second.observation).toMatchObject({ result: 'perm_failure', reason: 'LINK_NOT_NAMED' });
  });

  it.each([
    ['https://people.test/hidden', 'hidden text'],
    ['https://people.test/commented', 'a comment area'],
    ['https://people.test/in-script', 'a script and a template'],
    ['https://people.test/in-attribute', 'an attribute and an HTML comment'],
    ['https://people.test/relme-not-me', 'rel values that are not the me token'],
    ['https://people.test/relme-in-comment', 'a rel=me link in a comment area'],
    ['https://homepage.test/', 'text on the root of a host (a site: link the domain)'],
  ])('%s: not named (%s)', async (url) => {
    expect((await check(url)).observation).toMatchObject({
      result: 'perm_failure',
      reason: 'LINK_NOT_NAMED',
    });
  });

  it('without the creator’s page URLs, rel=me cannot match', async () => {
    const { observation } = await checker.check(creator.did, {
      type: 'profile',
      id: 'https://people.test/relme',
    });
    expect(observation).toMatchObject({ result: 'perm_failure' });
  });
});

describe('Mastodon: the account from the instance API', () => {
  it.each([
    ['https://social.test/@theflight', 'profile-text'],
    ['https://social.test/@fieldlink', 'rel-me'],
    ['https://social.test/@fieldtoken', 'profile-text'],
  ])('%s: ok by %s', async (url, method) => {
    expect((await check(url)).observation).toMatchObject({ method, result: 'ok', adapter: 'mastodon' });
  });

  it('no token and no rel=me link: not named; another account: mismatch; a down API: temporary', async () => {
    expect((await check('https://social.test/@plain')).observation).toMatchObject({
      reason: 'LINK_NOT_NAMED',
    });
    expect((await check('https://social.test/@remote')).observation).toMatchObject({
      reason: 'LINK_ACCOUNT_MISMATCH',
    });
    expect((await check('https://social.test/@down')).observation).toMatchObject({
      result: 'temp_failure',
      reason: 'LINK_HTTP_UNAVAILABLE',
    });
  });

  it('a host that does not answer like Mastodon is read as any page', async () => {
    expect((await check('https://blog.test/@notmastodon')).observation).toMatchObject({
      method: 'profile-text',
      result: 'ok',
      adapter: 'page',
    });
  });
});

describe('Bluesky: handle → DID → AppView profile', () => {
  it('a handle resolved by DNS (_atproto TXT), the token in the description: ok', async () => {
    expect((await check('https://bsky.app/profile/theflight.test')).observation).toMatchObject({
      method: 'profile-text',
      result: 'ok',
      adapter: 'bluesky',
    });
  });

  it('a profile named by its DID: ok', async () => {
    expect((await check(`https://bsky.app/profile/${PLC}`)).observation).toMatchObject({ result: 'ok' });
  });

  it('a handle the DID document does not claim back (handle.invalid): mismatch', async () => {
    expect((await check('https://bsky.app/profile/wkhandle.test')).observation).toMatchObject({
      result: 'perm_failure',
      reason: 'LINK_ACCOUNT_MISMATCH',
    });
  });

  it('two did= records: ambiguous; an unresolvable handle: not found', async () => {
    expect((await check('https://bsky.app/profile/twodids.test')).observation).toMatchObject({
      reason: 'LINK_AMBIGUOUS',
    });
    expect((await check('https://bsky.app/profile/nohandle.test')).observation).toMatchObject({
      reason: 'LINK_HTTP_NOT_FOUND',
    });
  });
});

describe('without allowInsecure the same fixtures are out of reach', () => {
  it('a profile on a loopback host is refused before connecting', async () => {
    const secure = createLinkChecker({ dnsServers: dns.servers, mapUrl: web.mapUrl });
    const before = web.requests.length;
    const { observation } = await secure.check(creator.did, {
      type: 'profile',
      id: 'https://soundcloud.com/the-flight',
    });
    expect(observation).toMatchObject({ result: 'perm_failure', reason: 'LINK_URL_REFUSED' });
    const direct = createLinkChecker({ dnsServers: dns.servers });
    expect(
      (await direct.check(creator.did, { type: 'profile', id: 'https://soundcloud.com/the-flight' }))
        .observation,
    ).toMatchObject({ result: 'perm_failure', reason: 'LINK_ADDRESS_REFUSED' });
    expect(web.requests.length).toBe(before);
  });

  it('a malformed identity is refused by policy', async () => {
    const { observation } = await checker.check(creator.did, { type: 'profile', id: 'http://people.test/x' });
    expect(observation).toMatchObject({ method: 'policy', reason: 'LINK_IDENTITY_INVALID' });
    await expect(checker.check('did:web:x', { type: 'domain', id: 'theflight.com' })).rejects.toThrow(
      TypeError,
    );
  });
});
