import { describe, expect, it } from 'vitest';
import { parseCawgTrainingMining, resolvePolicy, toCawgTrainingMining } from '../src/index.js';
import { stated } from './support/stated.js';

describe('toCawgTrainingMining', () => {
  it('writes constrained entries with the conditions, or the constraint info given', () => {
    const policy = resolvePolicy({
      'ai-input': {
        decision: 'conditional',
        conditions: {
          attribution: 'The Flight',
          compensation: { terms: 'https://flight.example/terms', contact: 'label@flight.example' },
          licensees: ['did:web:example.ai', 'example.org'],
          until: '2030-01-01T00:00:00Z',
        },
      },
    });
    expect(toCawgTrainingMining(policy).data.entries).toEqual({
      'cawg.ai_inference': {
        use: 'constrained',
        constraint_info:
          'attribution: The Flight; compensation: https://flight.example/terms, label@flight.example; licensees: did:web:example.ai, example.org; until: 2030-01-01T00:00:00Z',
      },
    });
    expect(
      toCawgTrainingMining(policy, { constraintInfo: 'https://assent.example/m/1' }).data.entries,
    ).toEqual({
      'cawg.ai_inference': { use: 'constrained', constraint_info: 'https://assent.example/m/1' },
    });
  });
});

describe('parseCawgTrainingMining', () => {
  const data = {
    entries: {
      'cawg.ai_inference': { use: 'notAllowed' },
      'cawg.ai_generative_training': {
        use: 'constrained',
        constraint_info: 'https://publisher.example/license.xml',
      },
      'cawg.data_mining': { use: 'constrained' },
      'cawg.ai_training': { use: 'allowed' },
      'com.example.custom': { use: 'notAllowed' },
    },
  };

  it('reads the entries; constrained is notAllowed unless more is given', () => {
    const reading = parseCawgTrainingMining(data);
    // Non-generative training allowed and generative training constrained: all training is
    // allowed under the generative entry's constraint, so train-ai is conditional too.
    expect(stated(reading)).toEqual({
      tdm: 'deny',
      'train-ai': 'conditional',
      'train-genai': 'conditional',
      'ai-input': 'deny',
    });
    expect(reading.details).toEqual({
      'train-ai': 'https://publisher.example/license.xml',
      'train-genai': 'https://publisher.example/license.xml',
    });
    expect(Object.keys(reading.entries)).toContain('com.example.custom');
  });

  it('accepts the assertion, a list of assertions, JSON text and bytes, and C2PA 1.x labels', () => {
    const expected = stated(parseCawgTrainingMining(data));
    const assertion = { label: 'cawg.training-mining', data };
    expect(stated(parseCawgTrainingMining(assertion))).toEqual(expected);
    expect(stated(parseCawgTrainingMining([{ label: 'c2pa.actions', data: {} }, assertion]))).toEqual(
      expected,
    );
    expect(stated(parseCawgTrainingMining(JSON.stringify(assertion)))).toEqual(expected);
    expect(stated(parseCawgTrainingMining(new TextEncoder().encode(JSON.stringify(data))))).toEqual(expected);
    const legacy = {
      label: 'c2pa.training-mining',
      data: {
        entries: { 'c2pa.ai_training': { use: 'notAllowed' }, 'c2pa.data_mining': { use: 'allowed' } },
      },
    };
    expect(stated(parseCawgTrainingMining(legacy))).toEqual({ tdm: 'allow', 'train-ai': 'deny' });
  });

  it('reads cawg.ai_training (non-generative only, CAWG 1.1 §"Assertion definition") without widening', () => {
    const read = (entries: Record<string, unknown>) => stated(parseCawgTrainingMining({ entries }));
    const allowed = { use: 'allowed' };
    // Alone it covers no whole Assent term: train-ai would include generative training.
    expect(read({ 'cawg.ai_training': allowed })).toEqual({});
    expect(read({ 'cawg.ai_training': allowed, 'cawg.ai_generative_training': allowed })).toEqual({
      'train-ai': 'allow',
      'train-genai': 'allow',
    });
    expect(
      read({ 'cawg.ai_training': allowed, 'cawg.ai_generative_training': { use: 'notAllowed' } }),
    ).toEqual({
      'train-genai': 'deny',
    });
    // Its restriction restricts train-ai, the narrowest term containing it.
    expect(
      read({ 'cawg.ai_training': { use: 'notAllowed' }, 'cawg.ai_generative_training': allowed }),
    ).toEqual({
      'train-ai': 'deny',
      'train-genai': 'allow',
    });
    // Conditions on non-generative training grant train-ai only with generative training granted.
    const constrained = { use: 'constrained', constraint_info: 'credit' };
    expect(read({ 'cawg.ai_training': constrained })).toEqual({ 'train-ai': 'deny' });
    expect(read({ 'cawg.ai_training': constrained, 'cawg.ai_generative_training': allowed })).toEqual({
      'train-ai': 'conditional',
      'train-genai': 'allow',
    });
    const both = parseCawgTrainingMining({
      entries: {
        'cawg.ai_training': constrained,
        'cawg.ai_generative_training': { ...constrained, constraint_info: 'pay' },
      },
    });
    expect(both.details).toEqual({ 'train-ai': 'credit; pay', 'train-genai': 'pay' });
  });

  it('reports what it cannot read', () => {
    const codes = (input: unknown) => parseCawgTrainingMining(input).issues.map((issue) => issue.code);
    expect(codes({ entries: { 'cawg.ai_inference': { use: 'maybe' } } })).toEqual(['SIGNAL_BAD_VALUE']);
    expect(codes({ label: 'c2pa.actions', data: {} })).toEqual(['SIGNAL_SYNTAX']);
    expect(codes('{"entries":')).toEqual(['SIGNAL_SYNTAX']);
    expect(codes(42)).toEqual(['SIGNAL_SYNTAX']);
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom');
        },
        get() {
          throw new Error('boom');
        },
        has() {
          throw new Error('boom');
        },
        getOwnPropertyDescriptor() {
          throw new Error('boom');
        },
      },
    );
    expect(codes(hostile)).toEqual(['SIGNAL_SYNTAX']);
  });
});
