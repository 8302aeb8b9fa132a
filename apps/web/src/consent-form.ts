import {
  ancestorsOf,
  type CompleteDraft,
  type Conditions,
  type ConsentChange,
  type ConsentSnapshot,
  canonicalize,
  type DraftChange,
  deriveNextDraft,
  type IdentityLink,
  identityKey,
  isDateTime,
  isOrgId,
  type JsonObject,
  type JsonValue,
  type Policy,
  type Statement,
  TERM_LABELS,
  type UseTerm,
} from '@assent/manifest';

/**
 * The creator's choices as the form holds them, read from their current state and turned into the
 * changes that derive the next version (`deriveNextDraft`, the one way every tool makes one). The
 * per-use choices are the manifest's `default` (they apply to every listed work); a work's own policy
 * is kept as signed unless the creator changes it. Whatever the form does not show — works in catalog
 * pages beyond the list, conditions it has no field for — is kept, because only what changed becomes
 * a change.
 */

/** The uses offered, in the order shown; `all` last, as the answer for everything left open. */
export const FORM_TERMS: readonly UseTerm[] = ['train-genai', 'train-ai', 'ai-input', 'tdm', 'search', 'all'];

/** The same uses, broadest first: a change to a use is made before the changes to narrower ones. */
const BROADEST_FIRST: readonly UseTerm[] = [...FORM_TERMS].sort(
  (a, b) => ancestorsOf(a).length - ancestorsOf(b).length,
);

export type Choice = 'unset' | 'allow' | 'deny' | 'conditional';

export const CHOICE_LABELS: Readonly<Record<Choice, string>> = {
  unset: 'No answer',
  allow: 'Allow',
  deny: 'Don’t allow',
  conditional: 'Allow if…',
};

export interface UseChoice {
  choice: Choice;
  attribution: string;
  compensationTerms: string;
  compensationContact: string;
  /** Organisations, one per line or comma-separated. */
  licensees: string;
  /** When an allow or "Allow if…" ends: a UTC date-time, or '' for never. */
  until: string;
  /** Conditions the form has no field for (a newer vocabulary's), kept as signed. */
  other: Readonly<Record<string, JsonValue>>;
}

export interface FormWork {
  readonly ids: readonly string[];
  readonly title?: string;
  readonly policy?: Policy;
}

export interface ConsentForm {
  works: FormWork[];
  uses: Record<UseTerm, UseChoice>;
  /** When the whole manifest ends (`validUntil`): a UTC date-time, or '' for never. */
  validUntil: string;
  /** The identities the next version claims (spec §3.5), normalized, in order. */
  identities: IdentityLink[];
}

export function emptyChoice(): UseChoice {
  return {
    choice: 'unset',
    attribution: '',
    compensationTerms: '',
    compensationContact: '',
    licensees: '',
    until: '',
    other: {},
  };
}

export function emptyForm(): ConsentForm {
  const uses = {} as Record<UseTerm, UseChoice>;
  for (const term of FORM_TERMS) uses[term] = emptyChoice();
  return { works: [], uses, validUntil: '', identities: [] };
}

/** A mistake in the form, with the use it concerns. */
export class FormError extends Error {
  override readonly name = 'FormError';
  constructor(
    message: string,
    readonly term?: UseTerm,
  ) {
    super(message);
  }
}

/** The date-time a date field (`YYYY-MM-DD`) names: the start of that day, UTC; '' for an empty field. */
export function dateTimeOfDay(day: string): string {
  return day === '' ? '' : `${day}T00:00:00Z`;
}

/** The day a date field shows for a date-time (its UTC date); '' for none. */
export function dayOf(dateTime: string): string {
  return dateTime.slice(0, 10);
}

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function checkedUntil(term: UseTerm, until: string): string | undefined {
  if (until === '') return undefined;
  if (!isDateTime(until)) throw new FormError(`“${TERM_LABELS[term]}”: the end date is not a date.`, term);
  return until;
}

function conditionsOf(term: UseTerm, c: UseChoice): Conditions {
  const conditions: Record<string, JsonValue> = { ...c.other };
  if (c.attribution.trim() !== '') conditions.attribution = c.attribution.trim();
  const terms = c.compensationTerms.trim();
  const contact = c.compensationContact.trim();
  if (terms !== '' || contact !== '') {
    conditions.compensation = { ...(terms === '' ? {} : { terms }), ...(contact === '' ? {} : { contact }) };
  }
  const licensees = splitList(c.licensees).map((l) => (l.startsWith('did:') ? l : l.toLowerCase()));
  for (const l of licensees) {
    if (!isOrgId(l)) {
      throw new FormError(
        `“${l}” is not an organisation: use a domain (example.ai) or a DID (did:web:example.ai).`,
        term,
      );
    }
  }
  if (licensees.length > 0) conditions.licensees = [...new Set(licensees)];
  const until = checkedUntil(term, c.until);
  if (until !== undefined) conditions.until = until;
  if (Object.keys(conditions).length === 0) {
    throw new FormError(
      `“${TERM_LABELS[term]}”: add at least one condition (credit, compensation, licensees or an end date), or choose Allow.`,
      term,
    );
  }
  return conditions as Conditions;
}

/**
 * The statement a choice makes, or undefined for "No answer". An allow with an end date is a grant
 * with the `until` condition (spec §3.3): allowed until then, and no longer.
 */
export function statementOf(term: UseTerm, c: UseChoice): Statement | undefined {
  switch (c.choice) {
    case 'unset':
      return undefined;
    case 'deny':
      return 'deny';
    case 'allow': {
      const until = checkedUntil(term, c.until);
      return until === undefined ? 'allow' : { decision: 'conditional', conditions: { until } };
    }
    case 'conditional':
      return { decision: 'conditional', conditions: conditionsOf(term, c) };
  }
}

function choiceOf(statement: Statement | undefined): UseChoice {
  const c = emptyChoice();
  if (statement === undefined) return c;
  if (typeof statement === 'string') return { ...c, choice: statement };
  c.choice = statement.decision;
  const { attribution, compensation, licensees, until, ...other } = statement.conditions ?? {};
  if (typeof attribution === 'string') c.attribution = attribution;
  if (compensation !== undefined) {
    c.compensationTerms = compensation.terms ?? '';
    c.compensationContact = compensation.contact ?? '';
  }
  if (licensees !== undefined) c.licensees = licensees.join('\n');
  if (typeof until === 'string') c.until = until;
  c.other = other as Record<string, JsonValue>;
  // A grant whose one condition is its end is an allow until then.
  if (c.choice === 'conditional' && Object.keys(statement.conditions ?? {}).join() === 'until') {
    c.choice = 'allow';
  }
  return c;
}

/** The form filled from a creator's current state (every work, catalog pages included), to change it. */
export function formOf(current: ConsentSnapshot): ConsentForm {
  const form = emptyForm();
  for (const term of FORM_TERMS) form.uses[term] = choiceOf(current.default?.[term]);
  form.works = current.works.map((w) => ({
    ids: w.ids,
    ...(w.title === undefined ? {} : { title: w.title }),
    ...(w.policy === undefined ? {} : { policy: w.policy }),
  }));
  form.validUntil = current.validUntil ?? '';
  form.identities = [...(current.identities ?? [])];
  return form;
}

/** A statement in one spelling, so that `{ "decision": "allow" }` and `"allow"` compare equal. */
function spelled(statement: Statement | undefined): string | undefined {
  if (statement === undefined) return undefined;
  if (typeof statement === 'object' && statement.decision !== 'conditional') return statement.decision;
  return canonicalize(statement as JsonValue);
}

function changeTo(term: UseTerm, statement: Statement | undefined, works?: readonly string[]): ConsentChange {
  const scope = works === undefined ? {} : { works };
  return statement === undefined
    ? { op: 'clear', uses: [term], ...scope }
    : { op: 'set', uses: [term], statement, ...scope };
}

/**
 * The changes that turn a work's own policy into what the form says. A use is set when its statement
 * changed or when a broader use was set: setting a use also reaches the narrower ones (a deny denies
 * them), so each narrower use is then set again to what the form says, broadest first.
 */
function workPolicyChanges(
  before: Policy | undefined,
  after: Policy | undefined,
  work: string,
): ConsentChange[] {
  const changes: ConsentChange[] = [];
  const set = new Set<UseTerm>();
  for (const term of BROADEST_FIRST) {
    const reached = ancestorsOf(term).some((t) => set.has(t));
    if (!reached && spelled(after?.[term]) === spelled(before?.[term])) continue;
    set.add(term);
    changes.push(changeTo(term, after?.[term], [work]));
  }
  return changes;
}

/**
 * The changes that turn the default into the form's answers: each answer that changed, broadest
 * first; then, while setting a broader use has reached a narrower one (a deny denies it, a grant keeps
 * what it refused), that narrower use is set again to what the form says. Only those are set again,
 * because a restriction set on the default also reaches the works that answer the use themselves.
 */
function defaultChanges(
  before: Policy | undefined,
  answers: ReadonlyMap<UseTerm, Statement | undefined>,
): ConsentChange[] {
  const changes = BROADEST_FIRST.filter((t) => spelled(answers.get(t)) !== spelled(before?.[t])).map((t) =>
    changeTo(t, answers.get(t)),
  );
  const alone: ConsentSnapshot = { ...(before === undefined ? {} : { default: before }), works: [] };
  for (let round = 0; round < BROADEST_FIRST.length && changes.length > 0; round++) {
    const result = deriveNextDraft(alone, changes);
    if (!result.ok) break; // the full derivation reports it
    const off = BROADEST_FIRST.find((t) => spelled(result.value.default?.[t]) !== spelled(answers.get(t)));
    if (off === undefined) break;
    changes.push(changeTo(off, answers.get(off)));
  }
  return changes;
}

/** The identities linked and unlinked between the current state and the form, as one change each. */
export function identityChanges(current: ConsentSnapshot, form: ConsentForm): DraftChange[] {
  const before = new Set((current.identities ?? []).map(identityKey));
  const after = new Set(form.identities.map(identityKey));
  const unlinked = (current.identities ?? []).filter((l) => !after.has(identityKey(l)));
  const linked = form.identities.filter((l) => !before.has(identityKey(l)));
  const changes: DraftChange[] = [];
  if (unlinked.length > 0) changes.push({ op: 'unlink', identities: unlinked });
  if (linked.length > 0) changes.push({ op: 'link', identities: linked });
  return changes;
}

/**
 * What the creator changed, as the changes `deriveNextDraft` applies: works added and removed, the
 * per-use answers (the default), each work's own answers, the end date and the identities claimed.
 * @throws FormError when something needs fixing first.
 */
export function changesOf(current: ConsentSnapshot, form: ConsentForm): DraftChange[] {
  const claimed = new Set(current.works.flatMap((w) => w.ids));
  const kept = new Set(form.works.flatMap((w) => w.ids));
  const changes: DraftChange[] = [];

  const removed = [...claimed].filter((id) => !kept.has(id));
  if (removed.length > 0) changes.push({ op: 'remove-works', works: removed });
  const added = form.works.filter((w) => w.ids.some((id) => !claimed.has(id)));
  if (added.length > 0) {
    changes.push({
      op: 'add-works',
      works: added.map((w) => ({ ids: w.ids, ...(w.title === undefined ? {} : { title: w.title }) })),
    });
  }

  const answers = new Map(FORM_TERMS.map((term) => [term, statementOf(term, form.uses[term])] as const));
  changes.push(...defaultChanges(current.default, answers));

  const signedPolicy = new Map<string, Policy | undefined>();
  for (const w of current.works) for (const id of w.ids) signedPolicy.set(id, w.policy);
  for (const w of form.works) {
    const first = w.ids[0];
    if (first === undefined) continue;
    const before = signedPolicy.get(first);
    if (before === w.policy) continue; // untouched: the very object that was signed
    changes.push(...workPolicyChanges(before, w.policy, first));
  }

  if (form.validUntil !== (current.validUntil ?? '')) {
    if (form.validUntil !== '' && !isDateTime(form.validUntil))
      throw new FormError('The end date of your manifest is not a date.');
    changes.push({ op: 'valid-until', at: form.validUntil === '' ? null : form.validUntil });
  }
  changes.push(...identityChanges(current, form));
  return changes;
}

/**
 * The next version's draft: the creator's current state with the form's changes (version 1 starts
 * from nothing). Sign it with `signManifest`, which cuts it into catalog pages by size.
 * @throws FormError when something needs fixing first.
 */
export function draftOf(
  form: ConsentForm,
  current: ConsentSnapshot = { works: [] },
  at: Date = new Date(),
): CompleteDraft {
  if (form.works.length === 0) throw new FormError('Add at least one work first.');
  if (form.validUntil !== '' && Date.parse(form.validUntil) <= at.getTime()) {
    throw new FormError('The end date of your manifest has passed: choose a later one, or none.');
  }
  const next = deriveNextDraft(current, changesOf(current, form), { at });
  if (!next.ok) throw new FormError(next.message);
  return next.value;
}

/** One line of plain language for a statement. */
export function describeStatement(statement: Statement | undefined): string {
  if (statement === undefined) return 'No answer';
  if (typeof statement === 'string') return statement === 'allow' ? 'Allowed' : 'Not allowed';
  if (statement.decision !== 'conditional') return statement.decision === 'allow' ? 'Allowed' : 'Not allowed';
  const conditions = statement.conditions ?? {};
  if (Object.keys(conditions).join() === 'until') return `Allowed until ${String(conditions.until)}`;
  return `Allowed only if: ${describeConditions(statement.conditions ?? {})}`;
}

/** Conditions in plain language. */
export function describeConditions(conditions: Conditions): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(conditions as JsonObject)) {
    if (name === 'attribution') parts.push(`credit “${String(value)}”`);
    else if (name === 'compensation') {
      const c = value as { terms?: string; contact?: string };
      parts.push(
        `compensation${c.terms === undefined ? '' : ` on the terms at ${c.terms}`}${c.contact === undefined ? '' : ` (contact ${c.contact})`}`,
      );
    } else if (name === 'licensees') parts.push(`only for ${(value as string[]).join(', ')}`);
    else if (name === 'until') parts.push(`until ${String(value)}`);
    else parts.push(`an unrecognised condition “${name}” (treated as not allowed)`);
  }
  return parts.join('; ');
}
