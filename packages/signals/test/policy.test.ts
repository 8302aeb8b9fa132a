import { generateIdentity, signManifest, verifyManifest } from '@assent/manifest';
import { describe, expect, it } from 'vitest';
import { isResolvedPolicy, policyForWork, resolvePolicy, toSignalHeaders } from '../src/index.js';

describe('policyForWork', async () => {
  const identity = await generateIdentity();
  const signed = await signManifest(
    {
      default: { 'train-genai': 'deny', search: 'allow' },
      validUntil: '2030-01-01T00:00:00Z',
      works: [
        {
          ids: ['isrc:US-RC1-76-07839', 'url-prefix:https://soundcloud.com/the-flight'],
          policy: { 'ai-input': { decision: 'conditional', conditions: { attribution: 'The Flight' } } },
        },
      ],
    },
    { identity, created: '2026-11-26T10:00:00Z' },
  );
  const verified = await verifyManifest(signed.bytes);
  if (!verified.ok) throw new Error(verified.message);
  const manifest = verified.value.manifest;
  const at = new Date('2027-01-01T00:00:00Z');

  it('resolves a named work from a verified manifest, by any spelling of its id', () => {
    const policy = policyForWork(manifest, 'isrc:USRC17607839', { at });
    expect(policy?.decisions).toEqual({
      all: 'unknown',
      tdm: 'unknown',
      'train-ai': 'unknown',
      'train-genai': 'deny',
      'ai-input': 'conditional',
      search: 'allow',
    });
    expect(policy?.conditions).toEqual({ 'ai-input': { attribution: 'The Flight' } });
    expect(policyForWork(manifest, 'url-prefix:https://SoundCloud.com/the-flight/', { at })).toEqual(policy);
  });

  it('gives the headers a platform adds to the work it serves', () => {
    const policy = policyForWork(manifest, 'url-prefix:https://soundcloud.com/the-flight/', { at });
    if (policy === undefined) throw new Error('not named');
    expect(
      toSignalHeaders(policy, { policyUrl: `https://assent.example/v1/manifests/${signed.cid}` }),
    ).toEqual({
      // No search=y: search implies training inside the search application (vocab -08 §4.3).
      'Content-Usage': 'train-ai=n, ai-use=n',
      'tdm-reservation': '1',
      'tdm-policy': `https://assent.example/v1/manifests/${signed.cid}`,
      'X-Robots-Tag': 'noai, noimageai',
    });
  });

  it('is undefined for works the manifest does not name, or ids that do not parse', () => {
    expect(policyForWork(manifest, 'isrc:GBAYE0000001', { at })).toBeUndefined();
    expect(policyForWork(manifest, 'doi:10.1000/182', { at })).toBeUndefined();
  });

  it('applies the validity window: expired grants are deny, before validFrom nothing applies', () => {
    const late = policyForWork(manifest, 'isrc:USRC17607839', { at: new Date('2031-01-01T00:00:00Z') });
    expect(late?.decisions.search).toBe('deny');
    expect(late?.decisions['ai-input']).toBe('deny');
    const early = policyForWork(manifest, 'isrc:USRC17607839', { at: new Date('2020-01-01T00:00:00Z') });
    expect(early?.decisions.search).toBe('unknown');
  });
});

describe('resolvePolicy', () => {
  it('follows the inheritance rule of docs/vocabulary.md', () => {
    const policy = resolvePolicy({ 'train-ai': 'deny' }, { all: 'allow' });
    expect(policy.decisions['train-genai']).toBe('deny');
    expect(policy.decisions['train-ai']).toBe('deny');
    expect(policy.decisions.search).toBe('allow');
    expect(isResolvedPolicy(policy)).toBe(true);
    expect(Object.isFrozen(policy.decisions)).toBe(true);
  });

  it('isResolvedPolicy rejects partial records', () => {
    expect(isResolvedPolicy({ decisions: { search: 'allow' }, conditions: {} })).toBe(false);
    expect(isResolvedPolicy(null)).toBe(false);
  });
});
