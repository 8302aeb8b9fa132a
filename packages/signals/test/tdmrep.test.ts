import { describe, expect, it } from 'vitest';
import { parseTdmRep, parseTdmRepFile, resolvePolicy, toTdmRep, toTdmRepFile } from '../src/index.js';
import { stated } from './support/stated.js';

const deny = resolvePolicy({ all: 'deny' });
const allow = resolvePolicy({ all: 'allow' });
const conditional = resolvePolicy({
  'train-ai': {
    decision: 'conditional',
    conditions: { compensation: { terms: 'https://flight.example/terms' } },
  },
});

describe('toTdmRep', () => {
  it('writes tdm-reservation, and tdm-policy with a reservation only', () => {
    expect(toTdmRep(deny).headers).toEqual({ 'tdm-reservation': '1' });
    expect(toTdmRep(conditional, { policyUrl: 'https://assent.example/m/1' }).headers).toEqual({
      'tdm-reservation': '1',
      'tdm-policy': 'https://assent.example/m/1',
    });
    expect(toTdmRep(allow, { policyUrl: 'https://assent.example/m/1' }).headers).toEqual({
      'tdm-reservation': '0',
    });
  });

  it('writes 0 only when every TDM use is allowed, and never for search alone', () => {
    expect(toTdmRep(resolvePolicy({ all: 'allow', 'ai-input': 'deny' })).headers).toEqual({
      'tdm-reservation': '1',
    });
    expect(
      toTdmRep(resolvePolicy({ tdm: 'allow', 'train-ai': 'allow', 'ai-input': 'allow' })).reservation,
    ).toBeUndefined();
    expect(toTdmRep(resolvePolicy({ search: 'deny' })).reservation).toBeUndefined();
  });

  it('reads a reservation as no statement about search (TDMRep CG: crawlers are not affected)', () => {
    const reading = parseTdmRep({ headers: { 'tdm-reservation': '1' } });
    expect(reading.decisions.search).toBe('unknown');
    expect(reading.decisions.all).toBe('unknown');
  });

  it('refuses a policy URL that is not http(s)', () => {
    expect(() => toTdmRep(deny, { policyUrl: 'javascript:alert(1)' })).toThrow(TypeError);
    expect(() => toTdmRep(deny, { policyUrl: 'not a url' })).toThrow(TypeError);
    // The URL serializer encodes what could split a header.
    expect(
      toTdmRep(deny, { policyUrl: 'https://a.example/x y\r\nSet-Cookie: a' }).headers['tdm-policy'],
    ).toBe('https://a.example/x%20ySet-Cookie:%20a');
  });
});

describe('toTdmRepFile and parseTdmRep', () => {
  const rules = toTdmRepFile([
    { id: 'url-prefix:https://example.com/', policy: allow },
    {
      id: 'url-prefix:https://example.com/the-flight/',
      policy: deny,
      policyUrl: 'https://assent.example/m/1',
    },
    { id: 'url:https://example.com/the-flight/free', policy: allow },
    { id: 'url-prefix:https://example.com/silent/', policy: resolvePolicy(undefined) },
  ]);

  it('orders rules most specific first (TDMRep: the first in sequence is the most specific)', () => {
    expect(rules).toEqual([
      { location: '/the-flight/free$', 'tdm-reservation': 0 },
      { location: '/the-flight/', 'tdm-reservation': 1, 'tdm-policy': 'https://assent.example/m/1' },
      { location: '/', 'tdm-reservation': 0 },
    ]);
  });

  it('reads the file back per URL; headers supersede it', () => {
    const file = parseTdmRepFile(JSON.stringify(rules));
    expect(file.issues).toEqual([]);
    const track = parseTdmRep({ file, url: 'https://example.com/the-flight/track' });
    expect(track).toMatchObject({ reservation: 1, policy: 'https://assent.example/m/1', source: 'file' });
    expect(stated(track)).toEqual({
      tdm: 'deny',
      'train-ai': 'deny',
      'train-genai': 'deny',
      'ai-input': 'deny',
    });
    expect(track.details.tdm).toBe('https://assent.example/m/1');
    const free = parseTdmRep({ file, url: 'https://example.com/the-flight/free' });
    expect(free.reservation).toBe(0);
    // "TDM agents can mine the content": an allow of tdm, and of nothing the spec leaves open.
    expect(stated(free)).toEqual({ tdm: 'allow' });
    expect(parseTdmRep({ file, url: '/other' }).decisions.all).toBe('unknown');
    const header = parseTdmRep({ file, url: '/other', headers: new Headers({ 'TDM-Reservation': '1' }) });
    expect(header).toMatchObject({ reservation: 1, source: 'header' });
  });

  it('reads the specification example', () => {
    const example = `[
      { "location": "/directory-a/", "tdm-reservation": 1 },
      { "location": "/directory-b/html/", "tdm-reservation": 1, "tdm-policy": "https://provider.com/policies/policy.json" },
      { "location": "/directory-b/images/*.jpg", "tdm-reservation": 0 }
    ]`;
    const file = parseTdmRepFile(example);
    expect(parseTdmRep({ file, url: '/directory-b/html/page.html' })).toMatchObject({
      reservation: 1,
      policy: 'https://provider.com/policies/policy.json',
    });
    expect(parseTdmRep({ file, url: '/directory-b/images/a/b.jpg' }).reservation).toBe(0);
    expect(parseTdmRep({ file, url: '/directory-b/images/a.png' }).reservation).toBeUndefined();
  });

  it('reports bad rules and values, and reads them as unset', () => {
    const file = parseTdmRepFile(
      '[{"location":"x","tdm-reservation":1},{"location":"/a","tdm-reservation":"1"},7]',
    );
    expect(file.rules).toEqual([]);
    expect(file.issues.map((issue) => issue.code)).toEqual([
      'SIGNAL_BAD_VALUE',
      'SIGNAL_BAD_VALUE',
      'SIGNAL_SYNTAX',
    ]);
    expect(parseTdmRepFile('{"a":1,"a":2}').issues[0]?.code).toBe('SIGNAL_SYNTAX');
    const bad = parseTdmRep({ headers: { 'tdm-reservation': 'yes' } });
    expect(bad.reservation).toBeUndefined();
    expect(bad.issues.map((issue) => issue.code)).toEqual(['SIGNAL_BAD_VALUE']);
    const badPolicy = parseTdmRep({ headers: { 'tdm-reservation': '1', 'tdm-policy': 'ftp://x' } });
    expect(badPolicy).toMatchObject({ reservation: 1, policy: undefined });
  });
});
