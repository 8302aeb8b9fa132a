/**
 * The Assent v1 vocabulary of AI uses, as data: terms, their hierarchy, decisions, condition names,
 * UI labels and the mapping to the signalling standards in use today (DESIGN §2 "Vocabulary of
 * uses"). This module is the single source of truth; `docs/vocabulary.md` restates it for readers
 * and a test keeps the two in step.
 *
 * Sources checked for the mapping (2026):
 * - IETF AIPREF: draft-ietf-aipref-vocab-08 (14 Sep 2026), labels `train-ai`, `ai-use`, `search`
 *   (§6.1 "Usage Category Labels"); source https://github.com/ietf-wg-aipref/drafts
 *   `draft-ietf-aipref-vocab.md`. Older drafts used `all` (-02), `bots` (-03, -04) and
 *   `train-genai` (-02, -03). https://datatracker.ietf.org/doc/draft-ietf-aipref-vocab/
 * - CAWG Training and Data Mining assertion 1.x, label `cawg.training-mining`, entries
 *   `cawg.data_mining`, `cawg.ai_inference`, `cawg.ai_generative_training`, `cawg.ai_training`
 *   (§"Assertion definition"); https://github.com/decentralized-identity/cawg-training-and-data-mining-assertion
 * - RSL 1.0 usage tokens (`all`, `ai-train`, `ai-input`, `ai-index`, `search`), https://rslstandard.org
 * - Cloudflare Content Signals (`search`, `ai-input`, `ai-train`), https://contentsignals.org
 * - W3C TDMRep CG report (`tdm-reservation`, `tdm-policy`), https://www.w3.org/community/reports/tdmrep/
 */

/** The v1 use terms, parents before children. */
export const USE_TERMS = ['all', 'tdm', 'train-ai', 'train-genai', 'ai-input', 'search'] as const;

/** One use of a work that a creator can allow, deny or condition. */
export type UseTerm = (typeof USE_TERMS)[number];

/** True when `value` is one of the v1 {@link USE_TERMS} (exact, case-sensitive). */
export function isUseTerm(value: unknown): value is UseTerm {
  return typeof value === 'string' && (USE_TERMS as readonly string[]).includes(value);
}

/**
 * The parent of each term; `all` is the root. A term with no statement inherits from its parent,
 * then from the manifest's `default`, and with nothing is `unknown` (DESIGN §2).
 *
 * `all` ⊃ { `tdm`, `train-ai` ⊃ `train-genai`, `ai-input`, `search` }
 */
export const PARENT: Readonly<Record<UseTerm, UseTerm | null>> = Object.freeze({
  all: null,
  tdm: 'all',
  'train-ai': 'all',
  'train-genai': 'train-ai',
  'ai-input': 'all',
  search: 'all',
});

/**
 * The ancestors of `term`, nearest first, ending at `all` (empty for `all`).
 *
 * @example ancestorsOf('train-genai') // ['train-ai', 'all']
 */
export function ancestorsOf(term: UseTerm): readonly UseTerm[] {
  const out: UseTerm[] = [];
  // The hierarchy is a fixed tree of depth ≤ 2; the bound guards against a bad edit making a cycle.
  for (let parent = PARENT[term]; parent !== null && out.length < USE_TERMS.length; parent = PARENT[parent]) {
    out.push(parent);
  }
  return out;
}

/** The direct children of `term`, in {@link USE_TERMS} order. */
export function childrenOf(term: UseTerm): readonly UseTerm[] {
  return USE_TERMS.filter((candidate) => PARENT[candidate] === term);
}

/**
 * The decisions a statement or a check can carry. `conditional` means allowed only if every
 * condition is met; `unknown` means nothing applies.
 */
export const DECISIONS = ['allow', 'deny', 'conditional', 'unknown'] as const;

/** An outcome for one use. */
export type Decision = (typeof DECISIONS)[number];

/** True when `value` is one of the {@link DECISIONS}. */
export function isDecision(value: unknown): value is Decision {
  return typeof value === 'string' && (DECISIONS as readonly string[]).includes(value);
}

/**
 * The v1 condition names of a `conditional` statement: `attribution` (credit text),
 * `compensation` (terms as URL or CID, contact), `licensees` (only these organisation DIDs or
 * domains), `until` (date). A condition a verifier does not know makes the statement `deny`
 * (DESIGN §2): never read an unknown condition as met.
 */
export const CONDITION_NAMES = ['attribution', 'compensation', 'licensees', 'until'] as const;

/** A condition name known to v1. */
export type ConditionName = (typeof CONDITION_NAMES)[number];

/** True when `value` is one of the v1 {@link CONDITION_NAMES}. */
export function isConditionName(value: unknown): value is ConditionName {
  return typeof value === 'string' && (CONDITION_NAMES as readonly string[]).includes(value);
}

/** Plain-language labels for user interfaces (creators, not lawyers). */
export const TERM_LABELS: Readonly<Record<UseTerm, string>> = Object.freeze({
  all: 'Any automated processing for AI or data mining',
  tdm: 'Text and data mining, analytics',
  'train-ai': 'Train any AI model',
  'train-genai': 'Train AI that generates content (music, voice, text, images)',
  'ai-input': 'Use as input to an AI at run time (RAG, remix, stem splitting, voice or style cloning)',
  search: 'Search indexing that links back to the work',
});

/** The meaning of each term, as DESIGN §2 defines it (for docs and API descriptions). */
export const TERM_MEANINGS: Readonly<Record<UseTerm, string>> = Object.freeze({
  all: 'any automated processing for AI or data mining',
  tdm: 'text and data mining, analytics',
  'train-ai': 'training any AI model',
  'train-genai': 'training a generative model (child of train-ai)',
  'ai-input': 'use as input to a model at run time: RAG, remix, stem split, voice or style conditioning',
  search: 'indexing for search and discovery that links back',
});

/**
 * The signalling standards the vocabulary maps to. `aipref` is the current IETF draft only;
 * `aipref-legacy` holds labels of older drafts, kept so readers can recognise them. AIPREF -08
 * says unknown labels MUST be ignored (§6.4), so mapping a legacy label is the reader's policy.
 */
export const STANDARDS = ['aipref', 'aipref-legacy', 'cawg', 'rsl', 'content-signal', 'tdmrep'] as const;

/** A signalling standard of {@link STANDARDS}. */
export type Standard = (typeof STANDARDS)[number];

/** True when `value` is one of the {@link STANDARDS}. */
export function isStandard(value: unknown): value is Standard {
  return typeof value === 'string' && (STANDARDS as readonly string[]).includes(value);
}

/** What a reader needs to know about one standard: name, version checked, and caveats. */
export interface StandardInfo {
  /** Human name. */
  readonly name: string;
  /** The version or revision the names were taken from. */
  readonly version: string;
  /** Where the names are defined. */
  readonly reference: string;
  /** Caveats: where a name's scope differs from the Assent term it maps to. */
  readonly notes: readonly string[];
}

/** Per standard: version checked, reference and scope caveats (rendered in docs/vocabulary.md). */
export const STANDARD_INFO: Readonly<Record<Standard, StandardInfo>> = Object.freeze({
  aipref: {
    name: 'IETF AIPREF vocabulary (current draft)',
    version: 'draft-ietf-aipref-vocab-08 (2026-09-14)',
    reference: 'https://datatracker.ietf.org/doc/draft-ietf-aipref-vocab/',
    notes: [
      'Current labels are train-ai, ai-use and search; the draft has no hierarchy and no "all" category.',
      'In -08, train-ai covers only training of generative AI models (§2, §4.1): reading train-ai=n ' +
        'from a header says nothing about non-generative training.',
      'ai-use (-08 §4.2) excludes assets the user provides directly; it was also a label of -02.',
      'search=y in -08 overrides the other categories for qualifying search use (§4.3).',
    ],
  },
  'aipref-legacy': {
    name: 'IETF AIPREF vocabulary (older drafts)',
    version: 'draft-ietf-aipref-vocab-02 to -04',
    reference: 'https://datatracker.ietf.org/doc/draft-ietf-aipref-vocab/',
    notes: [
      'all (-02) and bots (-03, -04) named Automated Processing, the root of the old hierarchy.',
      'train-genai (-02, -03) named Generative AI Training, a child of train-ai.',
      'A reader that follows -08 ignores these labels; map them only as a documented policy.',
    ],
  },
  cawg: {
    name: 'CAWG training and data mining assertion (cawg.training-mining)',
    version: 'CAWG Training and Data Mining Assertion 1.x',
    reference: 'https://github.com/decentralized-identity/cawg-training-and-data-mining-assertion',
    notes: [
      'Entries take allowed, notAllowed or constrained; constrained without more information is notAllowed.',
      'cawg.ai_training covers non-generative models only: a deny of train-ai is written as both ' +
        'cawg.ai_training and cawg.ai_generative_training.',
      'C2PA 1.x used the same entries with a c2pa. prefix (c2pa.ai_training, …).',
    ],
  },
  rsl: {
    name: 'RSL (Really Simple Licensing) usage tokens',
    version: 'RSL 1.0',
    reference: 'https://rslstandard.org/',
    notes: [
      'ai-index (use in an AI search or retrieval index) is mapped to search; ai-all (all AI uses) ' +
        'has no single Assent term.',
    ],
  },
  'content-signal': {
    name: 'Cloudflare Content Signals (Content-Signal in robots.txt)',
    version: 'Content Signals Policy (2025)',
    reference: 'https://contentsignals.org/',
    notes: ['Values are yes or no per signal.'],
  },
  tdmrep: {
    name: 'W3C TDMRep (TDM Reservation Protocol)',
    version: 'TDMRep Community Group Final Report',
    reference: 'https://www.w3.org/community/reports/tdmrep/',
    notes: [
      'tdm-reservation: 1 reserves TDM rights: @assent/signals reads it as deny of tdm, train-ai, ' +
        'train-genai and ai-input, not of search (crawling for search is not TDM; docs/vocabulary.md); ' +
        'tdm-reservation: 0 reads as allow of tdm only.',
    ],
  },
});

/** The names one term has in each standard; an empty array means no mapping. */
export type TermMapping = Readonly<Record<Standard, readonly string[]>>;

/** Freezes a mapping so consumers cannot edit the shared table. */
function mapping(entries: Record<Standard, readonly string[]>): TermMapping {
  for (const standard of STANDARDS) Object.freeze(entries[standard]);
  return Object.freeze(entries);
}

/** Per term, the names it has in each standard (DESIGN §2 table). Empty array: no mapping. */
export const MAPPINGS: Readonly<Record<UseTerm, TermMapping>> = Object.freeze({
  all: mapping({
    aipref: [],
    'aipref-legacy': ['bots', 'all'],
    cawg: [],
    rsl: ['all'],
    'content-signal': [],
    tdmrep: ['tdm-reservation'],
  }),
  tdm: mapping({
    aipref: [],
    'aipref-legacy': [],
    cawg: ['cawg.data_mining'],
    rsl: [],
    'content-signal': [],
    tdmrep: ['tdm-reservation'],
  }),
  'train-ai': mapping({
    aipref: ['train-ai'],
    'aipref-legacy': [],
    cawg: ['cawg.ai_training'],
    rsl: ['ai-train'],
    'content-signal': ['ai-train'],
    tdmrep: [],
  }),
  'train-genai': mapping({
    aipref: [],
    'aipref-legacy': ['train-genai'],
    cawg: ['cawg.ai_generative_training'],
    rsl: [],
    'content-signal': [],
    tdmrep: [],
  }),
  'ai-input': mapping({
    aipref: ['ai-use'],
    'aipref-legacy': [],
    cawg: ['cawg.ai_inference'],
    rsl: ['ai-input'],
    'content-signal': ['ai-input'],
    tdmrep: [],
  }),
  search: mapping({
    aipref: ['search'],
    'aipref-legacy': [],
    cawg: [],
    rsl: ['search', 'ai-index'],
    'content-signal': ['search'],
    tdmrep: [],
  }),
});

/**
 * The names `term` has in `standard`, empty when the standard has no equivalent.
 *
 * @example namesFor('search', 'rsl') // ['search', 'ai-index']
 */
export function namesFor(term: UseTerm, standard: Standard): readonly string[] {
  return MAPPINGS[term][standard];
}

const REVERSE: ReadonlyMap<Standard, ReadonlyMap<string, readonly UseTerm[]>> = (() => {
  const byStandard = new Map<Standard, Map<string, UseTerm[]>>();
  for (const standard of STANDARDS) {
    const byName = new Map<string, UseTerm[]>();
    for (const term of USE_TERMS) {
      for (const name of MAPPINGS[term][standard]) {
        const terms = byName.get(name);
        if (terms === undefined) byName.set(name, [term]);
        else terms.push(term);
      }
    }
    for (const terms of byName.values()) Object.freeze(terms);
    byStandard.set(standard, byName);
  }
  return byStandard;
})();

const NO_TERMS: readonly UseTerm[] = Object.freeze([]);

/**
 * The Assent terms a standard's `name` maps to (exact, case-sensitive match: AIPREF labels are
 * case-sensitive tokens, -08 §6.1), in {@link USE_TERMS} order; empty for an unknown name.
 * A name can map to several terms (TDMRep `tdm-reservation` → `all`, `tdm`).
 *
 * @example termsFor('aipref', 'ai-use') // ['ai-input']
 */
export function termsFor(standard: Standard, name: string): readonly UseTerm[] {
  return REVERSE.get(standard)?.get(name) ?? NO_TERMS;
}
