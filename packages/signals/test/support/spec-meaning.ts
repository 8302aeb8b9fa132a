import type { UseTerm } from '@assent/manifest';

/**
 * What each value of each signal means in Assent terms, written by hand from each standard's text
 * and independent of `src/` (which has its own tables): the oracle that writer and reader property
 * tests check against. Each row cites the text it rests on.
 */
export interface Meaning {
  /**
   * The Assent terms some use this value permits falls under: the value says no more than the
   * policy only when every one of them is `allow` (or `conditional`, for a `constrained` value that
   * carries the conditions).
   */
  readonly touches: readonly UseTerm[];
  /** The Assent terms this value permits whole: the most a reader may read as a grant. */
  readonly covers: readonly UseTerm[];
  /** The Assent terms this value restricts at least in part: the most a reader may read as `deny`. */
  readonly restricts: readonly UseTerm[];
  readonly cite: string;
}

const grant = (touches: UseTerm[], covers: UseTerm[], cite: string): Meaning => ({
  touches,
  covers,
  restricts: [],
  cite,
});
const restriction = (restricts: UseTerm[], cite: string): Meaning => ({
  touches: [],
  covers: [],
  restricts,
  cite,
});

const TRAINING: UseTerm[] = ['train-ai', 'train-genai'];

/** AIPREF Content-Usage labels, `label=token`. */
export const AIPREF: Readonly<Record<string, Meaning>> = {
  'train-ai=y': grant(
    TRAINING,
    ['train-genai'],
    'draft-ietf-aipref-vocab-08 §4.1 (and -07 §"AI Model Training"): training of a model "used to generate synthetic content"; -02 to -05: all AI training',
  ),
  'train-ai=n': restriction(TRAINING, 'draft-ietf-aipref-vocab-08 §4.1; older drafts: all AI training'),
  'ai-use=y': grant(
    ['ai-input'],
    [],
    'draft-ietf-aipref-vocab-08 §4.2: AI Use excludes assets the user provides directly, so it is narrower than Assent ai-input',
  ),
  'ai-use=n': restriction(['ai-input'], 'draft-ietf-aipref-vocab-08 §4.2'),
  'search=y': grant(
    ['tdm', 'train-ai', 'train-genai', 'ai-input', 'search'],
    ['search'],
    'draft-ietf-aipref-vocab-08 §4.3 (-07 §"Search"): allowing search "includes allowing any processing internal to the application … the training of AI models using the assets and the use of those models"',
  ),
  'search=n': restriction(['search'], 'draft-ietf-aipref-vocab-08 §4.3'),
};

/** Cloudflare Content-Signal names, `name=value`. */
export const CONTENT_SIGNAL: Readonly<Record<string, Meaning>> = {
  'search=yes': grant(
    ['search'],
    ['search'],
    'Content Signals Policy: "search: building a search index and providing search results … does not include providing AI-generated search summaries"',
  ),
  'search=no': restriction(
    ['search'],
    'Content Signals Policy: "If a content-signal = no, you may not collect content"',
  ),
  'ai-input=yes': grant(
    ['ai-input'],
    ['ai-input'],
    'Content Signals Policy: "ai-input: inputting content into one or more AI models (e.g., retrieval augmented generation, grounding …)"',
  ),
  'ai-input=no': restriction(['ai-input'], 'Content Signals Policy'),
  'ai-train=yes': grant(
    TRAINING,
    TRAINING,
    'Content Signals Policy: "ai-train: training or fine-tuning AI models"',
  ),
  'ai-train=no': restriction(TRAINING, 'Content Signals Policy'),
};

/** TDMRep `tdm-reservation` values. */
export const TDMREP: Readonly<Record<string, Meaning>> = {
  '0': grant(
    ['all', 'tdm', 'train-ai', 'train-genai', 'ai-input'],
    ['tdm'],
    'TDMRep CG Final Report §"Declaring the reservation of TDM Rights": "0 TDM rights are not reserved. TDM agents can mine the content for TDM purposes"; CDSM Art. 4 TDM is for any purpose, and the CG note "TDM: what does it mean in practice?" counts AI uses in it',
  ),
  '1': restriction(
    ['all', 'tdm', 'train-ai', 'train-genai', 'ai-input'],
    'TDMRep CG Final Report: "1 TDM rights are reserved"; the CG note: web crawlers (search) are not affected',
  ),
};

/** CAWG training-mining entries, `entry=use`; `constrained` touches like `allowed`, with conditions. */
export const CAWG: Readonly<Record<string, Meaning>> = {
  'cawg.data_mining=allowed': grant(
    ['tdm'],
    ['tdm'],
    'CAWG 1.1 §"Assertion definition": "extracted from the asset for purposes of determining patterns, trends, and correlations"',
  ),
  'cawg.ai_inference=allowed': grant(
    ['ai-input'],
    ['ai-input'],
    'CAWG 1.1: "used as input to a trained AI/ML model for the purposes of inferring a result"',
  ),
  'cawg.ai_generative_training=allowed': grant(
    ['train-genai'],
    ['train-genai'],
    'CAWG 1.1: "training data to an AI/ML model that could generate assets"',
  ),
  'cawg.ai_training=allowed': grant(
    ['train-ai'],
    [],
    'CAWG 1.1: "data to train non-generative AI/ML models": part of train-ai, and not under train-genai',
  ),
  'cawg.data_mining=notAllowed': restriction(['tdm'], 'CAWG 1.1'),
  'cawg.ai_inference=notAllowed': restriction(['ai-input'], 'CAWG 1.1'),
  'cawg.ai_generative_training=notAllowed': restriction(['train-genai'], 'CAWG 1.1'),
  'cawg.ai_training=notAllowed': restriction(['train-ai'], 'CAWG 1.1'),
};

/**
 * CAWG 1.1: `cawg.ai_training` (non-generative) and `cawg.ai_generative_training` together are all
 * AI training, so the two granted together cover `train-ai` whole.
 */
export const CAWG_TOGETHER: readonly { entries: readonly string[]; covers: UseTerm }[] = [
  { entries: ['cawg.ai_training', 'cawg.ai_generative_training'], covers: 'train-ai' },
];
