import { generateIdentity, signManifest } from '@assent/manifest';
import { describe, expect, it } from 'vitest';
import { draftOf, emptyForm, FormError, formOf, withUseDenied } from '../src/consent-form.js';
import { workIdFromText } from '../src/work-input.js';

describe('work ids from what people type', () => {
  it.each([
    ['US-RC1-76-07839', 'isrc:USRC17607839'],
    ['isrc:usrc17607839', 'isrc:USRC17607839'],
    ['https://SoundCloud.com/the-flight/track', 'url:https://soundcloud.com/the-flight/track'],
    ['T-034.524.680-1', 'iswc:T-034.524.680-1'],
  ])('%s → %s', (input, expected) => {
    const id = workIdFromText(input);
    expect(id.ok && id.value).toBe(expected);
  });

  it('makes a profile address a url-prefix and rejects what it cannot read', () => {
    const prefix = workIdFromText('https://soundcloud.com/the-flight/', { prefix: true });
    expect(prefix.ok && prefix.value).toBe('url-prefix:https://soundcloud.com/the-flight/');
    expect(workIdFromText('hello there').ok).toBe(false);
  });
});

describe('consent form', () => {
  it('builds a draft that signs, and reads a manifest back into the same form', async () => {
    const form = emptyForm();
    form.works.push({ ids: ['isrc:USRC17607839'], title: 'Track' });
    form.uses['train-genai'].choice = 'deny';
    form.uses.search.choice = 'allow';
    Object.assign(form.uses['ai-input'], {
      choice: 'conditional',
      attribution: 'The Flight',
      licensees: 'Example.AI',
    });
    const draft = draftOf(form);
    expect(draft.default).toEqual({
      'train-genai': 'deny',
      'ai-input': {
        decision: 'conditional',
        conditions: { attribution: 'The Flight', licensees: ['example.ai'] },
      },
      search: 'allow',
    });
    const me = await generateIdentity();
    const v1 = await signManifest(draft, { identity: me });
    const back = formOf(v1.manifest);
    expect(back.uses['ai-input'].attribution).toBe('The Flight');
    expect(draftOf(back)).toEqual(draft);
    const revoked = draftOf(withUseDenied(back, ['search']));
    expect(revoked.default?.search).toBe('deny');
  });

  it('asks for a condition when "Allow if…" has none, and for at least one work', () => {
    const form = emptyForm();
    expect(() => draftOf(form)).toThrow(FormError);
    form.works.push({ ids: ['isrc:USRC17607839'] });
    form.uses.tdm.choice = 'conditional';
    expect(() => draftOf(form)).toThrow(/at least one condition/);
    form.uses.tdm.licensees = 'not a domain!';
    expect(() => draftOf(form)).toThrow(/not an organisation/);
  });
});
