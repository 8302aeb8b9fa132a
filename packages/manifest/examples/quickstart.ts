/**
 * The creator's story, offline: create an identity, declare "no generative-AI training of my 12 tracks,
 * search indexing OK, AI input only with credit", sign, verify, catch a tampered copy, then revoke
 * search as version 2. Run it with `pnpm start` from the repository root.
 */
import {
  checkChain,
  generateIdentity,
  type ManifestDraft,
  sha256WorkId,
  signManifest,
  verifyManifest,
} from '@assent/manifest';

const me = await generateIdentity();
console.log(`identity     ${me.did}`);

// Twelve tracks, identified by the SHA-256 of their audio files (here: stand-in bytes per track).
const tracks = await Promise.all(
  Array.from({ length: 12 }, async (_, i) => {
    const audio = new TextEncoder().encode(`The Flight — track ${i + 1} — audio bytes`);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', audio));
    return { ids: [sha256WorkId(digest)], title: `Track ${i + 1}` };
  }),
);

const draft: ManifestDraft = {
  default: {
    'train-genai': 'deny',
    search: 'allow',
    'ai-input': { decision: 'conditional', conditions: { attribution: 'The Flight' } },
  },
  works: [
    ...tracks,
    { ids: ['url-prefix:https://soundcloud.com/the-flight/'], title: 'Everything on my profile' },
  ],
};

const v1 = await signManifest(draft, { identity: me });
console.log(
  `signed v1    ${v1.cid} (${v1.bytes.length} bytes, ${v1.manifest.credentialSubject.works.length} works)`,
);

const checked = await verifyManifest(v1.bytes, { requireCanonical: true });
console.log(`verify v1    ${checked.ok ? 'valid' : `INVALID ${checked.code}`}`);

// Someone flips "deny" to "allow" in a copy: the signature no longer holds.
const forged = new TextDecoder().decode(v1.bytes).replace('"train-genai":"deny"', '"train-genai":"allow"');
const rejected = await verifyManifest(forged);
console.log(`forged copy  ${rejected.ok ? 'ACCEPTED (bug!)' : `rejected: ${rejected.code}`}`);

// The creator changes their mind: version 2 also denies search. It names v1, so nobody can splice versions.
const v2 = await signManifest(
  { ...draft, default: { ...draft.default, search: 'deny' } },
  { identity: me, head: v1 },
);
const chained = checkChain(v1, v2);
console.log(`signed v2    ${v2.cid} (previous ${v2.previous}), chain ${chained.ok ? 'ok' : chained.code}`);

if (!checked.ok || rejected.ok || !chained.ok) process.exit(1);
