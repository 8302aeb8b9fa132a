import { describe, expect, it } from 'vitest';
import {
  contentSignalFor,
  contentUsageFor,
  MAX_ROBOTS_TXT_BYTES,
  parseContentSignal,
  parseRobotsTxt,
  resolvePolicy,
  toContentSignal,
  toRobotsTxt,
  type UrlPolicy,
} from '../src/index.js';
import { stated } from './support/stated.js';

const flight = resolvePolicy({ 'train-ai': 'deny', search: 'allow' });
const open = resolvePolicy(undefined, { all: 'allow' });

describe('toRobotsTxt', () => {
  const entries: UrlPolicy[] = [
    { id: 'url-prefix:https://soundcloud.com/the-flight', policy: flight },
    { id: 'url:https://soundcloud.com/the-flight/free-track?s=1', policy: open },
    { id: 'url-prefix:https://soundcloud.com/nothing-said/', policy: resolvePolicy(undefined) },
  ];

  it('writes a group of Content-Usage rules with path patterns', () => {
    expect(toRobotsTxt(entries)).toBe(
      'User-Agent: *\n' +
        'Content-Usage: /the-flight/ train-ai=n\n' +
        'Content-Usage: /the-flight/free-track?s=1$ train-ai=y, ai-use=y, search=y\n',
    );
  });

  it('is read back per URL by longest match', () => {
    const robots = parseRobotsTxt(toRobotsTxt(entries));
    const at = (url: string) => stated(contentUsageFor(robots, { userAgent: 'AnyBot', url }));
    expect(at('https://soundcloud.com/the-flight/track')).toEqual({ 'train-genai': 'deny' });
    // ai-use=y grants no whole Assent term (-08 §4.2), so ai-input stays unknown.
    expect(at('https://soundcloud.com/the-flight/free-track?s=1')).toEqual({
      'train-genai': 'allow',
      search: 'allow',
    });
    // `$` anchors: another query is not the same URL.
    expect(at('https://soundcloud.com/the-flight/free-track?s=2')).toEqual({ 'train-genai': 'deny' });
    // Whole segments only, because prefixes end in "/".
    expect(at('https://soundcloud.com/the-flight-2/track')).toEqual({});
  });

  it('names the crawlers given, and refuses anything that could inject lines', () => {
    expect(toRobotsTxt(entries.slice(0, 1), { userAgents: ['GPTBot', 'CCBot'] })).toMatch(
      /^User-Agent: GPTBot\nUser-Agent: CCBot\nContent-Usage: /,
    );
    expect(() => toRobotsTxt(entries, { userAgents: ['Bot\nDisallow: /'] })).toThrow(TypeError);
    expect(() => toRobotsTxt(entries, { userAgents: [] })).toThrow(RangeError);
  });

  it('writes * and $ of a URL so that they match verbatim (RFC 9309 §2.2.3)', () => {
    const text = toRobotsTxt([{ id: 'url-prefix:https://example.com/a*b$/', policy: flight }]);
    expect(text).toContain('Content-Usage: /a%2Ab%24/ ');
    const robots = parseRobotsTxt(text);
    expect(stated(contentUsageFor(robots, { userAgent: 'x', url: 'https://example.com/a*b$/c' }))).toEqual({
      'train-genai': 'deny',
    });
    expect(stated(contentUsageFor(robots, { userAgent: 'x', url: 'https://example.com/aXXb/c' }))).toEqual(
      {},
    );
  });

  it('refuses ids that are not URLs, and entries of several origins', () => {
    expect(() => toRobotsTxt([{ id: 'isrc:USRC17607839', policy: flight }])).toThrow(TypeError);
    expect(() => toRobotsTxt([{ id: 'url:javascript:alert(1)', policy: flight }])).toThrow(TypeError);
    expect(() =>
      toRobotsTxt([
        { id: 'url-prefix:https://a.example/', policy: flight },
        { id: 'url-prefix:https://b.example/', policy: flight },
      ]),
    ).toThrow(RangeError);
    expect(() => toRobotsTxt([{ id: 'url:https://a.example/', policy: { decisions: {} } as never }])).toThrow(
      TypeError,
    );
  });

  it('writes nothing when nothing is expressible', () => {
    expect(toRobotsTxt([])).toBe('');
    expect(
      toRobotsTxt([{ id: 'url-prefix:https://a.example/', policy: resolvePolicy({ tdm: 'deny' }) }]),
    ).toBe('');
  });
});

describe('parseRobotsTxt', () => {
  it('merges groups of one crawler, falls back to *, and matches product tokens case-insensitively', () => {
    const robots = parseRobotsTxt(
      [
        'user-agent: a-bot',
        'content-usage: /x/ search=n',
        'User-Agent: *',
        'Content-Usage: / search=y',
        'USER-AGENT: A-Bot',
        'Content-Usage: /y/ search=n',
      ].join('\r\n'),
    );
    const read = (agent: string, path: string) =>
      stated(contentUsageFor(robots, { userAgent: agent, url: `https://e.example${path}` }));
    expect(read('A-BOT', '/x/1')).toEqual({ search: 'deny' });
    expect(read('a-bot', '/y/1')).toEqual({ search: 'deny' });
    expect(read('a-bot', '/z')).toEqual({}); // its own groups have no rule for /z; * does not apply
    expect(read('other', '/x/1')).toEqual({ search: 'allow' });
  });

  it('combines equally long rules most-restrictively (attach §4.1, vocab §7.1)', () => {
    const robots = parseRobotsTxt(
      'User-Agent: *\nContent-Usage: /a train-ai=y, search=y\nContent-Usage: /a search=n\n',
    );
    const reading = contentUsageFor(robots, { userAgent: 'x', url: '/a/b' });
    expect(stated(reading)).toEqual({ 'train-genai': 'allow', search: 'deny' });
    expect(reading.lines).toEqual([2, 3]);
  });

  it('reads a bad preference as no preference and reports it, never falling back to a shorter rule', () => {
    const robots = parseRobotsTxt(
      'User-Agent: *\nContent-Usage: / search=n\nContent-Usage: /a/ search=maybe\n',
    );
    const reading = contentUsageFor(robots, { userAgent: 'x', url: '/a/b' });
    expect(stated(reading)).toEqual({});
    expect(reading.issues.map((issue) => [issue.code, issue.line])).toEqual([['SIGNAL_BAD_VALUE', 3]]);
  });

  it('gives disallowed URLs no preference, and prefers allow on a tie (RFC 9309 §2.2.2)', () => {
    const robots = parseRobotsTxt(
      'User-Agent: *\nDisallow: /p\nAllow: /p\nDisallow: /q/\nAllow: /q/ok$\nContent-Usage: search=n\n',
    );
    expect(contentUsageFor(robots, { userAgent: 'x', url: '/p' }).crawlAllowed).toBe(true);
    const blocked = contentUsageFor(robots, { userAgent: 'x', url: '/q/no' });
    expect(blocked.crawlAllowed).toBe(false);
    expect(stated(blocked)).toEqual({});
    expect(contentUsageFor(robots, { userAgent: 'x', url: '/q/ok' }).crawlAllowed).toBe(true);
  });

  it('ignores unknown keys, comments and rules before any user-agent; reports lines without a colon', () => {
    const robots = parseRobotsTxt(
      'Content-Usage: / search=n\n# comment\nSitemap: https://e.example/s.xml\nUser-Agent: * # all\nCrawl-delay: 5\nnonsense\nContent-Usage: / search=y # ok\n',
    );
    expect(robots.issues.map((issue) => [issue.code, issue.line])).toEqual([
      ['SIGNAL_SYNTAX', 1],
      ['SIGNAL_SYNTAX', 6],
    ]);
    expect(stated(contentUsageFor(robots, { userAgent: 'x', url: '/' }))).toEqual({ search: 'allow' });
  });

  it('reads at most 500 KiB and drops the line the limit cuts', () => {
    const head = 'User-Agent: *\nContent-Usage: / search=y\n';
    const filler = `# ${'x'.repeat(1000)}\n`.repeat(Math.ceil(MAX_ROBOTS_TXT_BYTES / 1003));
    const text = `${head}${filler}Content-Usage: / search=n\n`;
    for (const input of [text, new TextEncoder().encode(text)]) {
      const robots = parseRobotsTxt(input);
      expect(robots.issues.map((issue) => issue.code)).toEqual(['SIGNAL_TOO_LARGE']);
      expect(stated(contentUsageFor(robots, { userAgent: 'x', url: '/' }))).toEqual({ search: 'allow' });
    }
  });

  it('accepts UTF-8 paths as RFC 9309 encodes them', () => {
    const robots = parseRobotsTxt('User-Agent: *\nContent-Usage: /foo/bar/ツ search=n\n');
    expect(
      stated(contentUsageFor(robots, { userAgent: 'x', url: 'https://e.example/foo/bar/%E3%83%84' })),
    ).toEqual({
      search: 'deny',
    });
    expect(stated(contentUsageFor(robots, { userAgent: 'x', url: 'https://e.example/foo/bar/ツ' }))).toEqual({
      search: 'deny',
    });
  });
});

describe('crawler product tokens in a whole User-Agent string (RFC 9309 §2.2.1)', () => {
  const robots = parseRobotsTxt(
    [
      'User-Agent: *',
      'Content-Usage: / train-ai=y, search=y',
      'User-Agent: ExampleBot',
      'Content-Usage: / train-ai=n',
      'Disallow: /private/',
    ].join('\n'),
  );
  const read = (userAgent: string, path = '/a') =>
    contentUsageFor(robots, { userAgent, url: `https://e.example${path}` });

  it('finds the bot\'s own group from its User-Agent, not from the leading "Mozilla"', () => {
    const ua = 'Mozilla/5.0 (compatible; ExampleBot/0.1; https://www.example.com/bot.html)';
    expect(stated(read(ua))).toEqual({ 'train-genai': 'deny' });
    expect(read(ua, '/private/x').crawlAllowed).toBe(false);
    expect(stated(read('examplebot'))).toEqual({ 'train-genai': 'deny' });
    expect(stated(read('ExampleBot/2.0'))).toEqual({ 'train-genai': 'deny' });
  });

  it('matches whole tokens only, and falls back to * without a match', () => {
    expect(stated(read('Mozilla/5.0 (compatible; ExampleBotPro/1.0)'))).toEqual({
      'train-genai': 'allow',
      search: 'allow',
    });
    expect(stated(read('Mozilla/5.0 (compatible; Example-Bot/1.0)'))).toEqual({
      'train-genai': 'allow',
      search: 'allow',
    });
    expect(stated(read('Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0'))).toEqual({
      'train-genai': 'allow',
      search: 'allow',
    });
  });

  it('combines the groups of several named tokens without widening', () => {
    const both = parseRobotsTxt(
      [
        'User-Agent: mozilla',
        'Content-Usage: / train-ai=y, search=y, ai-use=n',
        'User-Agent: ExampleBot',
        'Content-Usage: / train-ai=y',
        'Disallow: /x/',
      ].join('\n'),
    );
    const ua = 'Mozilla/5.0 (compatible; ExampleBot/1.0)';
    // search: allowed by one, unknown in the other → unknown; ai-use=n in one → deny.
    expect(stated(contentUsageFor(both, { userAgent: ua, url: '/a' }))).toEqual({
      'train-genai': 'allow',
      'ai-input': 'deny',
    });
    expect(contentUsageFor(both, { userAgent: ua, url: '/x/1' }).crawlAllowed).toBe(false);
  });
});

describe('Cloudflare Content-Signal in robots.txt', () => {
  const site = resolvePolicy({ search: 'allow', 'train-ai': 'deny', 'ai-input': 'deny' });

  it('writes a Content-Signal line only from an entry for the whole origin', () => {
    expect(toRobotsTxt([{ id: 'url-prefix:https://example.com/', policy: site }])).toBe(
      'User-Agent: *\nContent-Signal: search=yes, ai-input=no, ai-train=no\nContent-Usage: / train-ai=n, ai-use=n\n',
    );
    expect(toRobotsTxt([{ id: 'url-prefix:https://example.com/the-flight/', policy: site }])).toBe(
      'User-Agent: *\nContent-Usage: /the-flight/ train-ai=n, ai-use=n\n',
    );
    expect(
      toRobotsTxt([{ id: 'url-prefix:https://example.com/', policy: site }], { contentSignal: false }),
    ).toBe('User-Agent: *\nContent-Usage: / train-ai=n, ai-use=n\n');
  });

  it('grants in the site-wide line only what every work of the origin grants', () => {
    const open = resolvePolicy({ all: 'allow' });
    const text = toRobotsTxt([
      { id: 'url-prefix:https://example.com/', policy: open },
      {
        id: 'url-prefix:https://example.com/the-flight/',
        policy: resolvePolicy({ search: 'deny' }, { all: 'allow' }),
      },
      {
        id: 'url:https://example.com/quiet',
        policy: resolvePolicy({ 'ai-input': 'allow', search: 'allow' }),
      },
    ]);
    // search is denied under /the-flight/, ai-train unstated at /quiet: only ai-input is shared.
    expect(text.split('\n')[1]).toBe('Content-Signal: ai-input=yes');
  });

  it('writes ai-train=yes only when every kind of training is allowed', () => {
    expect(toContentSignal(resolvePolicy({ 'train-ai': 'allow', 'train-genai': 'deny' }))).toBe(
      'ai-train=no',
    );
    expect(toContentSignal(resolvePolicy({ 'train-genai': 'allow' }))).toBeUndefined();
    expect(toContentSignal(resolvePolicy({ 'train-ai': 'allow' }))).toBe('ai-train=yes');
    expect(
      toContentSignal(
        resolvePolicy({ search: { decision: 'conditional', conditions: { attribution: 'The Flight' } } }),
      ),
    ).toBe('search=no');
  });

  it("reads the lines of the crawler's group, most-restrictively, and none for URLs it may not fetch", () => {
    const robots = parseRobotsTxt(
      [
        '# As a condition of accessing this website, you agree to abide by the following content signals',
        'User-Agent: *',
        'Content-Signal: search=yes, ai-train=no',
        'Content-signal: AI-Input=Yes, search=no',
        'Content-Signal: /music/ ai-train=yes',
        'Disallow: /private/',
        'User-Agent: ExampleBot',
        'Content-Signal: ai-train=yes, ai-input=maybe',
      ].join('\n'),
    );
    const any = contentSignalFor(robots, { userAgent: 'OtherBot', url: 'https://e.example/music/a' });
    expect(stated(any)).toEqual({
      'train-ai': 'deny',
      'train-genai': 'deny',
      'ai-input': 'allow',
      search: 'deny',
    });
    expect(any.lines).toEqual([3, 4]);
    expect(robots.issues.map((issue) => [issue.code, issue.line])).toEqual([['SIGNAL_BAD_VALUE', 5]]);
    expect(stated(contentSignalFor(robots, { userAgent: 'OtherBot', url: '/private/x' }))).toEqual({});
    const bot = contentSignalFor(robots, { userAgent: 'Mozilla/5.0 (compatible; ExampleBot/1.0)', url: '/' });
    expect(stated(bot)).toEqual({ 'train-ai': 'allow', 'train-genai': 'allow' });
    expect(bot.issues.map((issue) => issue.code)).toEqual(['SIGNAL_BAD_VALUE', 'SIGNAL_BAD_VALUE']);
  });

  it('parses a bare value; unknown names are ignored', () => {
    const reading = parseContentSignal('search=yes, ai-train=no, use=immediate, ai-input');
    expect(stated(reading)).toEqual({ search: 'allow', 'train-ai': 'deny', 'train-genai': 'deny' });
    expect({ ...reading.signals }).toEqual({ search: 'yes', 'ai-train': 'no' });
    expect(reading.issues.map((issue) => issue.code)).toEqual(['SIGNAL_SYNTAX']);
    expect(reading.standard).toBe('content-signal');
  });
});
