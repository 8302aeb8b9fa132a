import { describe, expect, it } from 'vitest';
import { parseContentUsage, resolvePolicy, toContentUsage } from '../src/index.js';
import { stated } from './support/stated.js';

describe('toContentUsage (draft-ietf-aipref-vocab-08)', () => {
  it('never writes search=y beside a training or AI-use restriction (§4.3: search implies them)', () => {
    expect(toContentUsage(resolvePolicy({ 'train-ai': 'deny', search: 'allow' }))).toBe('train-ai=n');
    expect(toContentUsage(resolvePolicy({ 'train-genai': 'deny' }, { all: 'allow' }))).toBe(
      'train-ai=n, ai-use=y',
    );
    expect(toContentUsage(resolvePolicy({ tdm: 'deny' }, { all: 'allow' }))).toBe('train-ai=y, ai-use=y');
    expect(toContentUsage(resolvePolicy({ all: 'allow' }))).toBe('train-ai=y, ai-use=y, search=y');
    expect(toContentUsage(resolvePolicy({ search: 'deny' }, { all: 'allow' }))).toBe(
      'train-ai=y, ai-use=y, search=n',
    );
  });

  it('writes train-ai=y only when all training is allowed (older drafts read it as all training)', () => {
    expect(toContentUsage(resolvePolicy({ 'train-genai': 'allow' }))).toBeUndefined();
    expect(toContentUsage(resolvePolicy({ 'train-ai': 'allow', 'train-genai': 'deny' }))).toBe('train-ai=n');
  });
});

describe('parseContentUsage', () => {
  it('reads ai-use=y as no grant: AI Use excludes assets the user provides (§4.2)', () => {
    expect(stated(parseContentUsage('ai-use=y'))).toEqual({});
    expect(stated(parseContentUsage('ai-use=n'))).toEqual({ 'ai-input': 'deny' });
  });

  it('reads search=y as search alone, and never as a training grant', () => {
    expect(stated(parseContentUsage('search=y, train-ai=n'))).toEqual({
      search: 'allow',
      'train-genai': 'deny',
    });
  });

  it('structured-headers 2.1.0 rejects a Date followed by more input, which RFC 9651 §4.2.9 accepts: no preference, never a grant', () => {
    // Found while replacing the hand-written parser; the httpwg suite has no such case. When the
    // library is fixed this test fails, and the vector "all-item-kinds" can put its Date back in the middle.
    const reading = parseContentUsage('f=@1700000000, search=n');
    expect(stated(reading)).toEqual({});
    expect(reading.issues.map((issue) => issue.code)).toEqual(['SIGNAL_SYNTAX']);
    expect(stated(parseContentUsage('search=n, f=@1700000000'))).toEqual({ search: 'deny' });
  });
});
