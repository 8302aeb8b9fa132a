/**
 * Runnable: `pnpm exec tsx --conditions=source packages/verifier/examples/quickstart.ts`.
 * A creator signs a manifest, a verifier checks two uses of the work, then the creator's manifest is
 * rolled back by a source and the verifier holds on to the newest version.
 */
import { generateIdentity, signManifest } from '@assent/manifest';
import { createVerifier, type ManifestSource, memorySource } from '@assent/verifier';

const creator = await generateIdentity();
const v1 = await signManifest(
  {
    default: { 'train-genai': 'deny', search: 'allow' },
    works: [
      {
        ids: ['isrc:USRC17607839'],
        policy: { 'ai-input': { decision: 'conditional', conditions: { attribution: 'The Flight' } } },
      },
    ],
  },
  { identity: creator },
);
const v2 = await signManifest(
  { default: { all: 'deny' }, works: [{ ids: ['isrc:USRC17607839'] }] },
  {
    identity: creator,
    head: v1,
  },
);

let current = memorySource([v1]);
const source: ManifestSource = { candidates: (works, options) => current.candidates(works, options) };
const verifier = createVerifier({ source });

for (const use of ['train-genai', 'ai-input'] as const) {
  const r = await verifier.check({ work: 'isrc:US-RC1-76-07839', use });
  console.log(use, r.decision, r.conditions ?? '', '—', r.reason);
}

current = memorySource([v2]); // the creator revokes everything
console.log('after v2:', (await verifier.check({ work: 'isrc:USRC17607839', use: 'ai-input' })).reason);

current = memorySource([v1]); // a stale or hostile source serves the old version again
const rolledBack = await verifier.check({ work: 'isrc:USRC17607839', use: 'ai-input' });
console.log(
  'rolled back:',
  rolledBack.decision,
  rolledBack.warnings.map((w) => w.code),
  '—',
  rolledBack.reason,
);
