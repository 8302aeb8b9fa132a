/**
 * A platform emits the standard AI-preference signals for a creator's works, then a crawler reads
 * them back. Run: `pnpm exec tsx --conditions=source packages/signals/examples/platform.ts`.
 */
import { generateIdentity, signManifest, verifyManifest } from '@assent/manifest';
import {
  contentUsageFor,
  parseContentUsage,
  parseRobotsTxt,
  policyForWork,
  toCawgTrainingMining,
  toRobotsTxt,
  toSignalHeaders,
  toTdmRepFile,
} from '@assent/signals';

// The creator signs: no generative-AI training, search OK, AI input only with credit.
const creator = await generateIdentity();
const signed = await signManifest(
  {
    default: { 'train-genai': 'deny', search: 'allow' },
    works: [
      {
        ids: ['url-prefix:https://music.example/the-flight/'],
        policy: { 'ai-input': { decision: 'conditional', conditions: { attribution: 'The Flight' } } },
      },
    ],
  },
  { identity: creator },
);

// The platform verifies before it speaks for the creator.
const verified = await verifyManifest(signed.bytes);
if (!verified.ok) throw new Error(`${verified.code}: ${verified.message}`);
const id = 'url-prefix:https://music.example/the-flight/';
const policy = policyForWork(verified.value.manifest, id);
if (policy === undefined) throw new Error('the manifest does not name the work');

// Response headers for every track under the prefix.
console.log(toSignalHeaders(policy, { policyUrl: `https://music.example/consent/${signed.cid}` }));
// → Content-Usage: train-ai=n, ai-use=n; tdm-reservation: 1; tdm-policy: …; X-Robots-Tag: noai, noimageai
// (no search=y: in AIPREF it would also allow training inside the search application)

// robots.txt lines and /.well-known/tdmrep.json for the origin.
const robotsTxt = toRobotsTxt([{ id, policy }]);
console.log(robotsTxt);
console.log(JSON.stringify(toTdmRepFile([{ id, policy }])));

// A C2PA assertion to embed in the audio files.
console.log(JSON.stringify(toCawgTrainingMining(policy)));

// A crawler reads the signals back: unsigned evidence, any deny wins.
const header = parseContentUsage('train-ai=n, ai-use=n, search=y');
const rule = contentUsageFor(parseRobotsTxt(robotsTxt), {
  userAgent: 'Mozilla/5.0 (compatible; ExampleBot/1.0)',
  url: 'https://music.example/the-flight/track-1',
});
console.log(header.decisions['train-genai'], header.decisions.search, rule.decisions['ai-input']); // deny allow deny
