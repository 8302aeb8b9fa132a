import { type Decision, namesFor, USE_TERMS, type UseTerm } from '@assent/manifest';

/**
 * What each name of each signal means in Assent terms, in both directions. `MAPPINGS` in
 * `@assent/manifest` pairs names with terms; these tables add the scope each standard's own text
 * gives the name, which decides when a grant may be written and how one is read.
 * docs/vocabulary.md §"How signals are written and read" restates them with the spec citations, and
 * `test/docs.test.ts` keeps the two in step.
 *
 * The rules, for every signal:
 * - **Writing a grant** (`y`, `yes`, `allowed`, `tdm-reservation: 0`): only when every term in
 *   `allowWhen` is `allow`. `allowWhen` holds every term any use the grant permits falls under, so
 *   a grant never says more than the creator signed.
 * - **Writing a restriction**: when any term in `denyWhen` is `deny` or `conditional`.
 * - **Reading a grant**: `allow` only of the terms in `grants`, the terms the name's meaning covers
 *   whole. A name narrower than every term grants none.
 * - **Reading a restriction**: `deny` of the terms in `restricts`: those the name covers whole, or,
 *   when it covers none whole, the narrowest term that contains it (over-reading a restriction
 *   never widens a grant).
 */

/** One name of a signal and how it meets Assent terms. */
export interface SignalName {
  /** The name in the signal (an AIPREF label, a Content-Signal key, a CAWG entry key). */
  readonly name: string;
  /** The Assent term `MAPPINGS` pairs the name with. */
  readonly term: UseTerm;
  /** A grant is written only when every one of these is `allow`. */
  readonly allowWhen: readonly UseTerm[];
  /** A restriction is written when any of these is `deny` or `conditional`. */
  readonly denyWhen: readonly UseTerm[];
  /** A grant read from a signal is `allow` of these terms, and of no other. */
  readonly grants: readonly UseTerm[];
  /** A restriction read from a signal is `deny` of these terms. */
  readonly restricts: readonly UseTerm[];
}

function table(standard: 'aipref' | 'cawg' | 'content-signal', names: Omit<SignalName, 'term'>[]) {
  return Object.freeze(
    names.map((entry) => {
      const term = USE_TERMS.find((t) => namesFor(t, standard).includes(entry.name));
      if (term === undefined) throw new Error(`${entry.name} is not in MAPPINGS for ${standard}`);
      return Object.freeze({
        ...entry,
        term,
        allowWhen: Object.freeze([...entry.allowWhen]),
        denyWhen: Object.freeze([...entry.denyWhen]),
        grants: Object.freeze([...entry.grants]),
        restricts: Object.freeze([...entry.restricts]),
      });
    }),
  ) as readonly SignalName[];
}

const TRAINING: readonly UseTerm[] = ['train-ai', 'train-genai'];

/**
 * AIPREF labels (draft-ietf-aipref-vocab-08).
 * - `train-ai` (§4.1, "AI Training") is training of models that generate content: it covers
 *   `train-genai` whole. Drafts -02 to -05 read it as all training, so a `y` also needs `train-ai`.
 * - `ai-use` (§4.2) excludes assets the user provides directly, so it is narrower than `ai-input`:
 *   its `y` grants no whole Assent term; its `n` is read as a restriction of `ai-input`.
 * - `search` (§4.3): allowing it "includes allowing any processing internal to the application",
 *   the training of AI models and their use included, and it overrides the AI Training and AI Use
 *   categories. So `search=y` is written only when search, tdm, both training terms and ai-input
 *   are all `allow`; read, it grants `search` alone (the rest is scoped to the search application).
 */
export const AIPREF_LABELS: readonly SignalName[] = table('aipref', [
  {
    name: 'train-ai',
    allowWhen: TRAINING,
    denyWhen: TRAINING,
    grants: ['train-genai'],
    restricts: ['train-genai'],
  },
  { name: 'ai-use', allowWhen: ['ai-input'], denyWhen: ['ai-input'], grants: [], restricts: ['ai-input'] },
  {
    name: 'search',
    allowWhen: ['tdm', 'train-ai', 'train-genai', 'ai-input', 'search'],
    denyWhen: ['search'],
    grants: ['search'],
    restricts: ['search'],
  },
]);

/**
 * Cloudflare Content Signals Policy (contentsignals.org): `search` ("building a search index and
 * providing search results … does not include providing AI-generated search summaries"),
 * `ai-input` ("inputting content into one or more AI models"), `ai-train` ("training or
 * fine-tuning AI models": all training, so both training terms).
 */
export const CONTENT_SIGNAL_NAMES: readonly SignalName[] = table('content-signal', [
  { name: 'search', allowWhen: ['search'], denyWhen: ['search'], grants: ['search'], restricts: ['search'] },
  {
    name: 'ai-input',
    allowWhen: ['ai-input'],
    denyWhen: ['ai-input'],
    grants: ['ai-input'],
    restricts: ['ai-input'],
  },
  { name: 'ai-train', allowWhen: TRAINING, denyWhen: TRAINING, grants: TRAINING, restricts: TRAINING },
]);

/**
 * CAWG training-mining entries (CAWG Training and Data Mining Assertion 1.1 §"Assertion
 * definition"). `cawg.ai_training` is "non-generative AI/ML models" only: alone it grants no whole
 * Assent term (`train-ai` needs `cawg.ai_generative_training` allowed too, see `parseCawgTrainingMining`);
 * its restriction is read as one of `train-ai`, the narrowest term containing it.
 */
export const CAWG_ENTRIES: readonly SignalName[] = table('cawg', [
  { name: 'cawg.data_mining', allowWhen: ['tdm'], denyWhen: ['tdm'], grants: ['tdm'], restricts: ['tdm'] },
  {
    name: 'cawg.ai_training',
    allowWhen: ['train-ai'],
    denyWhen: ['train-ai'],
    grants: [],
    restricts: ['train-ai'],
  },
  {
    name: 'cawg.ai_generative_training',
    allowWhen: ['train-genai'],
    denyWhen: ['train-genai'],
    grants: ['train-genai'],
    restricts: ['train-genai'],
  },
  {
    name: 'cawg.ai_inference',
    allowWhen: ['ai-input'],
    denyWhen: ['ai-input'],
    grants: ['ai-input'],
    restricts: ['ai-input'],
  },
]);

/**
 * The value a name is written with for a policy: `true` a grant, `false` a restriction, `undefined`
 * nothing to say. A restriction wins: `denyWhen` is checked first.
 */
export function writtenValue(
  name: SignalName,
  decisions: Readonly<Record<UseTerm, Decision>>,
): boolean | undefined {
  if (name.denyWhen.some((term) => decisions[term] === 'deny' || decisions[term] === 'conditional')) {
    return false;
  }
  if (name.allowWhen.every((term) => decisions[term] === 'allow')) return true;
  return undefined;
}

/** The label of the CAWG assertion. */
export const CAWG_LABEL = 'cawg.training-mining';
/** The C2PA 1.x assertion label, read for compatibility. */
export const C2PA_LEGACY_LABEL = 'c2pa.training-mining';

/**
 * The Assent terms `tdm-reservation` is written from. TDMRep reserves "TDM rights" (CDSM Directive
 * Art. 4); the TDMRep CG counts AI uses of web content in that scope, and Art. 4 covers TDM "for any
 * purpose", so `0` ("TDM agents can mine the content … without having to contact the rightsholder")
 * is written only when all five are `allow`, and any restriction of one writes `1`.
 */
export const TDMREP_WRITE_TERMS: readonly UseTerm[] = Object.freeze([
  'all',
  'tdm',
  'train-ai',
  'train-genai',
  'ai-input',
]);

/**
 * The Assent terms `tdm-reservation: 1` is read as `deny` of: text and data mining and the AI uses
 * the TDMRep CG counts as TDM. Not `search` (the CG: "web crawlers are not affected by the TDM
 * reservation") and so not `all` either.
 */
export const TDMREP_READ_TERMS: readonly UseTerm[] = Object.freeze([
  'tdm',
  'train-ai',
  'train-genai',
  'ai-input',
]);

/**
 * The Assent terms `tdm-reservation: 0` is read as `allow` of: only `tdm`, the one term TDM covers
 * whole (whether training and inference are "TDM" is a reading of the law, not of the spec).
 */
export const TDMREP_UNRESERVED_TERMS: readonly UseTerm[] = Object.freeze(['tdm']);

/**
 * The Assent terms whose restriction writes `X-Robots-Tag: noai, noimageai`: AI training of any
 * kind (the directives, from DeviantArt and Spawning, mean "not for AI training datasets").
 */
export const NOAI_TERMS: readonly UseTerm[] = Object.freeze(['train-ai', 'train-genai']);
