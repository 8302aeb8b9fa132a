import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { ASSENT_CONTEXT_V1, ASSENT_CONTEXT_V1_URL, MANIFEST_CONTEXT } from '../src/context.js';

describe('the Assent JSON-LD context', () => {
  it('ships as context/v1.jsonld with exactly the content of ASSENT_CONTEXT_V1', () => {
    const file = JSON.parse(readFileSync(join(import.meta.dirname, '../context/v1.jsonld'), 'utf8'));
    expect(file).toEqual(ASSENT_CONTEXT_V1);
    expect(pkg.exports['./context/v1.jsonld']).toBe('./context/v1.jsonld');
  });

  it('is named by manifests after the VC 2.0 context', () => {
    expect(MANIFEST_CONTEXT).toEqual(['https://www.w3.org/ns/credentials/v2', ASSENT_CONTEXT_V1_URL]);
  });
});
