import { namesFor, USE_TERMS, type UseTerm } from '@assent/manifest';

/**
 * How each signal's names meet Assent terms, derived from the one vocabulary table (`MAPPINGS` in
 * `@assent/manifest`) plus the scope caveats recorded there (`STANDARD_INFO`). docs/vocabulary.md
 * §"How signals are written and read" restates these tables, and a test keeps them in step.
 */

/** One name of a signal and the Assent term whose decision it carries. */
export interface SignalName {
  /** The name in the signal (an AIPREF label, a CAWG entry key). */
  readonly name: string;
  /** The Assent term `MAPPINGS` pairs the name with. */
  readonly term: UseTerm;
  /**
   * The Assent term whose scope the name actually has, when narrower than `term`: AIPREF -08
   * `train-ai` covers only generative training (-08 §2, §4.1), so it is written from and read as
   * `train-genai`.
   */
  readonly scope: UseTerm;
}

/** Names whose scope is narrower than the term `MAPPINGS` pairs them with (STANDARD_INFO notes). */
const AIPREF_SCOPE: Readonly<Record<string, UseTerm>> = Object.freeze({ 'train-ai': 'train-genai' });

function namesOf(standard: 'aipref' | 'cawg', scope: Readonly<Record<string, UseTerm>>): SignalName[] {
  const out: SignalName[] = [];
  for (const term of USE_TERMS) {
    for (const name of namesFor(term, standard)) {
      out.push(
        Object.freeze({ name, term, scope: Object.hasOwn(scope, name) ? (scope[name] ?? term) : term }),
      );
    }
  }
  return out;
}

/** AIPREF (draft-ietf-aipref-vocab-08) labels: `train-ai` (as `train-genai`), `ai-use`, `search`. */
export const AIPREF_LABELS: readonly SignalName[] = Object.freeze(namesOf('aipref', AIPREF_SCOPE));

/**
 * CAWG training-mining entries: `cawg.data_mining`, `cawg.ai_training` (non-generative only),
 * `cawg.ai_generative_training`, `cawg.ai_inference`. C2PA 1.x spelled them with `c2pa.`.
 */
export const CAWG_ENTRIES: readonly SignalName[] = Object.freeze(namesOf('cawg', {}));

/** The label of the CAWG assertion, and of its C2PA 1.x predecessor (read only). */
export const CAWG_LABEL = 'cawg.training-mining';
/** The C2PA 1.x assertion label, read for compatibility. */
export const C2PA_LEGACY_LABEL = 'c2pa.training-mining';

/**
 * The Assent terms a TDMRep reservation speaks for when *written*. TDMRep is one bit for "text and
 * data mining", which EU law (DSM Directive Art. 4) reads as covering AI training and AI input too,
 * so a restriction on any of them reserves; only when all of them are allowed is `0` written.
 */
export const TDMREP_WRITE_TERMS: readonly UseTerm[] = Object.freeze([
  'all',
  'tdm',
  'train-ai',
  'train-genai',
  'ai-input',
]);

/**
 * The Assent terms a TDMRep reservation (`tdm-reservation: 1`) denies when *read*: `all` and `tdm`
 * (`MAPPINGS`), and through `all` every term below it that the signal says nothing else about.
 */
export const TDMREP_READ_TERMS: readonly UseTerm[] = Object.freeze(
  USE_TERMS.filter((term) => namesFor(term, 'tdmrep').includes('tdm-reservation')),
);

/**
 * The Assent terms whose restriction writes `X-Robots-Tag: noai, noimageai`: AI training of any
 * kind (the directives, from DeviantArt and Spawning, mean "not for AI training datasets").
 */
export const NOAI_TERMS: readonly UseTerm[] = Object.freeze(['train-ai', 'train-genai']);
