import { type Conditions, type Decision, parseJson, USE_TERMS, type UseTerm } from '@assent/manifest';
import { assertResolvedPolicy, type ResolvedPolicy } from './policy.js';
import {
  freezeReading,
  mostRestrictive,
  type SignalIssue,
  type SignalReading,
  unknownDecisions,
} from './reading.js';
import { C2PA_LEGACY_LABEL, CAWG_ENTRIES, CAWG_LABEL, type SignalName } from './signal-mappings.js';

/**
 * The CAWG Training and Data Mining assertion 1.x (`cawg.training-mining`,
 * https://github.com/decentralized-identity/cawg-training-and-data-mining-assertion §"Assertion
 * definition"): a map of entries, each `{ use: allowed | notAllowed | constrained, constraint_info? }`.
 */

/** The value of an entry's `use`. */
export type CawgUse = 'allowed' | 'notAllowed' | 'constrained';

/** One training-mining entry. */
export interface CawgEntry {
  readonly use: CawgUse;
  /** Free text: a licence, a policy URL, or conditions. Written with `constrained` only. */
  readonly constraint_info?: string;
}

/** The assertion as C2PA tools take it in a manifest definition (`assertions: [ … ]`). */
export interface CawgTrainingMiningAssertion {
  readonly label: 'cawg.training-mining';
  readonly data: { readonly entries: Readonly<Record<string, CawgEntry>> };
}

/** Options of {@link toCawgTrainingMining}. */
export interface ToCawgOptions {
  /**
   * The `constraint_info` of `constrained` entries: one text for all, or one per term. Default:
   * the conditions in plain words, e.g. `attribution: The Flight; licensees: did:web:example.ai`.
   */
  readonly constraintInfo?: string | Readonly<Partial<Record<UseTerm, string>>>;
}

/** The longest `constraint_info` written or read. */
export const MAX_CONSTRAINT_INFO_LENGTH = 4096;

/**
 * The `cawg.training-mining` assertion for a policy, ready for C2PA tools to embed (c2patool's
 * manifest definition, c2pa-rs `Builder`). Entries are written from `tdm` (`cawg.data_mining`),
 * `train-ai` (`cawg.ai_training`, non-generative models), `train-genai`
 * (`cawg.ai_generative_training`) and `ai-input` (`cawg.ai_inference`): `allow` → `allowed`,
 * `deny` → `notAllowed`, `conditional` → `constrained` with the conditions in `constraint_info`,
 * `unknown` → no entry. A `deny` of `train-ai` reaches `train-genai` by inheritance, so both
 * training entries say `notAllowed`.
 *
 * @example toCawgTrainingMining(resolvePolicy({ 'train-ai': 'deny' })).data.entries
 * // { 'cawg.ai_training': { use: 'notAllowed' }, 'cawg.ai_generative_training': { use: 'notAllowed' } }
 */
export function toCawgTrainingMining(
  policy: ResolvedPolicy,
  options: ToCawgOptions = {},
): CawgTrainingMiningAssertion {
  assertResolvedPolicy(policy);
  const entries: Record<string, CawgEntry> = {};
  for (const { name, term } of CAWG_ENTRIES) {
    const decision = policy.decisions[term];
    if (decision === 'allow') entries[name] = { use: 'allowed' };
    else if (decision === 'deny') entries[name] = { use: 'notAllowed' };
    else if (decision === 'conditional') {
      const info = constraintInfoFor(term, policy.conditions[term], options.constraintInfo);
      entries[name] = info === '' ? { use: 'constrained' } : { use: 'constrained', constraint_info: info };
    }
  }
  return { label: CAWG_LABEL, data: { entries } };
}

function constraintInfoFor(
  term: UseTerm,
  conditions: Conditions | undefined,
  given: ToCawgOptions['constraintInfo'],
): string {
  const chosen = typeof given === 'string' ? given : given?.[term];
  const text = chosen ?? describeConditions(conditions);
  return text.length > MAX_CONSTRAINT_INFO_LENGTH
    ? `${text.slice(0, MAX_CONSTRAINT_INFO_LENGTH - 1)}…`
    : text;
}

/** Conditions in plain words, in the vocabulary's order (`attribution`, `compensation`, `licensees`, `until`). */
export function describeConditions(conditions: Conditions | undefined): string {
  if (conditions === undefined) return '';
  const parts: string[] = [];
  if (conditions.attribution !== undefined) parts.push(`attribution: ${conditions.attribution}`);
  const compensation = conditions.compensation;
  if (compensation !== undefined) {
    const terms = [compensation.terms, compensation.contact].filter((part) => part !== undefined);
    parts.push(`compensation: ${terms.join(', ')}`);
  }
  if (conditions.licensees !== undefined) parts.push(`licensees: ${conditions.licensees.join(', ')}`);
  if (conditions.until !== undefined) parts.push(`until: ${conditions.until}`);
  return parts.join('; ');
}

/** The largest assertion read, in bytes of JSON. */
export const MAX_CAWG_BYTES = 256 * 1024;

/** What a training-mining assertion says. */
export interface CawgReading extends SignalReading {
  readonly standard: 'cawg';
  /** The entries read, by key (also custom and `c2pa.` ones), with a valid `use`. */
  readonly entries: Readonly<Record<string, CawgEntry>>;
}

/**
 * Reads a `cawg.training-mining` assertion as unsigned evidence (the C2PA claim around it may be
 * signed, but not by an Assent creator key). Never throws. Accepts the assertion
 * (`{ label, data: { entries } }`), its data (`{ entries }`), an array of assertions (the
 * training-mining ones are read, combined most-restrictive), as an object or as JSON text/bytes.
 * C2PA 1.x labels (`c2pa.training-mining`, `c2pa.ai_training`, …) are read as their `cawg.` twins.
 *
 * `allowed` → `allow`, `notAllowed` → `deny`; `constrained` → `deny` ("in the absence of additional
 * information, constrained shall be treated as equivalent to notAllowed"), or `conditional` when it
 * carries `constraint_info` (also spelled `constraints_info` in the CAWG prose), whose text is
 * in `details`. Entries are read by their CAWG 1.1 meaning ({@link CAWG_ENTRIES}): `cawg.ai_training`
 * (non-generative models only) never decides `train-genai`, and is read as `allow` of `train-ai` only
 * when `cawg.ai_generative_training` is `allowed` too; alone, its restriction is a `train-ai` restriction.
 *
 * @example parseCawgTrainingMining({ entries: { 'cawg.ai_inference': { use: 'notAllowed' } } }).decisions['ai-input'] // 'deny'
 */
export function parseCawgTrainingMining(input: unknown): CawgReading {
  const issues: SignalIssue[] = [];
  const decisions = unknownDecisions();
  const details: Partial<Record<UseTerm, string>> = {};
  const entries: Record<string, CawgEntry> = Object.create(null);
  const reading = (): CawgReading =>
    freezeReading({
      standard: 'cawg',
      signed: false,
      decisions,
      details,
      issues,
      entries: Object.freeze(entries),
    });
  try {
    let value: unknown = input;
    if (typeof input === 'string' || input instanceof Uint8Array) {
      const parsed = parseJson(input, { maxBytes: MAX_CAWG_BYTES, allowFloats: true });
      if (!parsed.ok) {
        const code = parsed.code === 'JSON_TOO_LARGE' ? 'SIGNAL_TOO_LARGE' : 'SIGNAL_SYNTAX';
        issues.push({ code, message: `training-mining assertion: ${parsed.message}` });
        return reading();
      }
      value = parsed.value;
    }
    const maps = entryMaps(value);
    if (maps.length === 0) {
      issues.push({ code: 'SIGNAL_SYNTAX', message: 'no training-mining entries found' });
      return reading();
    }
    const byEntry = new Map<string, EntryDecision>();
    for (const map of maps) readEntries(map, byEntry, entries, issues);
    decide(byEntry, decisions, details);
  } catch {
    // Only a hostile object (a throwing getter or Proxy) gets here; the input says nothing then.
    issues.length = 0;
    issues.push({ code: 'SIGNAL_SYNTAX', message: 'training-mining assertion could not be read' });
    for (const term of USE_TERMS) decisions[term] = 'unknown';
    for (const term of USE_TERMS) delete details[term];
    for (const key of Object.keys(entries)) delete entries[key];
  }
  return reading();
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The `entries` maps of the training-mining assertions in `value`. */
function entryMaps(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) {
    // A manifest's `assertions` list: only the training-mining ones, and only one level deep.
    return value
      .slice(0, 1000)
      .flatMap((item) => (isObject(item) && isTrainingMining(item) ? entryMaps(item) : []));
  }
  if (!isObject(value)) return [];
  if (Object.hasOwn(value, 'label')) {
    if (!isTrainingMining(value)) return [];
    const data = value.data;
    return isObject(data) && isObject(data.entries) ? [data.entries] : [];
  }
  return isObject(value.entries) ? [value.entries] : [];
}

function isTrainingMining(assertion: Record<string, unknown>): boolean {
  const label = assertion.label;
  return label === CAWG_LABEL || label === C2PA_LEGACY_LABEL;
}

const BY_NAME: ReadonlyMap<string, SignalName> = new Map(
  CAWG_ENTRIES.flatMap((entry) => [
    [entry.name, entry],
    [`c2pa.${entry.name.slice('cawg.'.length)}`, entry],
  ]),
);

/** What the entries of one name say, combined most-restrictively over every map read. */
interface EntryDecision {
  decision: Decision;
  info: string | undefined;
}

function readEntries(
  map: Record<string, unknown>,
  byEntry: Map<string, EntryDecision>,
  entries: Record<string, CawgEntry>,
  issues: SignalIssue[],
): void {
  for (const key of Object.keys(map).slice(0, 1000)) {
    const entry = map[key];
    const use = isObject(entry) ? entry.use : undefined;
    const known = BY_NAME.get(key);
    if (use !== 'allowed' && use !== 'notAllowed' && use !== 'constrained') {
      if (known !== undefined)
        issues.push({
          code: 'SIGNAL_BAD_VALUE',
          message: `${key}: use is not allowed, notAllowed or constrained`,
        });
      continue;
    }
    const rawInfo = isObject(entry) ? (entry.constraint_info ?? entry.constraints_info) : undefined;
    const info =
      typeof rawInfo === 'string' && rawInfo.trim() !== ''
        ? rawInfo.slice(0, MAX_CONSTRAINT_INFO_LENGTH)
        : undefined;
    entries[key] = use === 'constrained' && info !== undefined ? { use, constraint_info: info } : { use };
    if (known === undefined) continue; // custom entries say nothing about Assent terms
    // "In the absence of additional information, constrained shall be treated as equivalent to notAllowed."
    const decision: Decision =
      use === 'allowed' ? 'allow' : use === 'notAllowed' || info === undefined ? 'deny' : 'conditional';
    const before = byEntry.get(known.name);
    const combined = before === undefined ? decision : mostRestrictive(before.decision, decision);
    byEntry.set(known.name, {
      decision: combined,
      info: combined !== 'conditional' ? undefined : before?.decision === 'conditional' ? before.info : info,
    });
  }
}

/**
 * Per-term decisions from the entries ({@link CAWG_ENTRIES}). Every entry but `cawg.ai_training`
 * covers its term whole. `cawg.ai_training` is non-generative training only, a part of `train-ai`:
 * its restriction restricts `train-ai`, but `train-ai` is granted only together with
 * `cawg.ai_generative_training`, so that generative training is never read as allowed from it.
 */
function decide(
  byEntry: ReadonlyMap<string, EntryDecision>,
  decisions: Record<UseTerm, Decision>,
  details: Partial<Record<UseTerm, string>>,
): void {
  const set = (term: UseTerm, decision: Decision, info: string | undefined): void => {
    decisions[term] = decision;
    if (decision === 'conditional' && info !== undefined) details[term] = info;
  };
  for (const entry of CAWG_ENTRIES) {
    const read = byEntry.get(entry.name);
    if (read === undefined || entry.name === 'cawg.ai_training') continue;
    for (const term of read.decision === 'deny' ? entry.restricts : entry.grants)
      set(term, read.decision, read.info);
  }
  const other = byEntry.get('cawg.ai_training');
  if (other === undefined) return;
  const generative = byEntry.get('cawg.ai_generative_training');
  const g = generative?.decision ?? 'unknown';
  if (other.decision === 'deny') set('train-ai', 'deny', undefined);
  else if (other.decision === 'conditional') {
    // Conditions on part of train-ai grant the whole only when the other part is granted too.
    if (g === 'allow') set('train-ai', 'conditional', other.info);
    else if (g === 'conditional') set('train-ai', 'conditional', joinInfo(other.info, generative?.info));
    else set('train-ai', 'deny', undefined);
  } else if (g === 'allow') set('train-ai', 'allow', undefined);
  else if (g === 'conditional') set('train-ai', 'conditional', generative?.info);
}

function joinInfo(a: string | undefined, b: string | undefined): string | undefined {
  const parts = [a, b].filter((part): part is string => part !== undefined);
  return parts.length === 0 ? undefined : parts.join('; ').slice(0, MAX_CONSTRAINT_INFO_LENGTH);
}
