import {
  type Conditions,
  type ConsentManifest,
  isOrgId,
  type JsonObject,
  type ManifestDraft,
  type Policy,
  type Statement,
  TERM_LABELS,
  type UseTerm,
} from '@assent/manifest';

/**
 * The creator's choices as the form holds them, and their translation to a manifest draft and back.
 * The per-use choices become the manifest's `default` (they apply to every listed work); a work's own
 * policy, when an earlier version had one, is carried over unchanged.
 */

/** The uses offered, in the order shown; `all` last, as the answer for everything left open. */
export const FORM_TERMS: readonly UseTerm[] = ['train-genai', 'train-ai', 'ai-input', 'tdm', 'search', 'all'];

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
}

export interface FormWork {
  readonly ids: readonly string[];
  readonly title?: string;
  readonly policy?: Policy;
}

export interface ConsentForm {
  works: FormWork[];
  uses: Record<UseTerm, UseChoice>;
}

export function emptyChoice(): UseChoice {
  return { choice: 'unset', attribution: '', compensationTerms: '', compensationContact: '', licensees: '' };
}

export function emptyForm(): ConsentForm {
  const uses = {} as Record<UseTerm, UseChoice>;
  for (const term of FORM_TERMS) uses[term] = emptyChoice();
  return { works: [], uses };
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

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function conditionsOf(term: UseTerm, c: UseChoice): Conditions {
  const conditions: Record<string, unknown> = {};
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
  if (Object.keys(conditions).length === 0) {
    throw new FormError(
      `“${TERM_LABELS[term]}”: add at least one condition (credit, compensation or licensees), or choose Allow.`,
      term,
    );
  }
  return conditions as Conditions;
}

/** The statement a choice makes, or undefined for "No answer". */
export function statementOf(term: UseTerm, c: UseChoice): Statement | undefined {
  switch (c.choice) {
    case 'unset':
      return undefined;
    case 'allow':
    case 'deny':
      return c.choice;
    case 'conditional':
      return { decision: 'conditional', conditions: conditionsOf(term, c) };
  }
}

/** The draft the form describes. @throws FormError when something needs fixing first. */
export function draftOf(form: ConsentForm): ManifestDraft {
  if (form.works.length === 0) throw new FormError('Add at least one work first.');
  const policy: Policy = {};
  for (const term of FORM_TERMS) {
    const statement = statementOf(term, form.uses[term]);
    if (statement !== undefined) policy[term] = statement;
  }
  return {
    ...(Object.keys(policy).length === 0 ? {} : { default: policy }),
    works: form.works.map((w) => ({
      ids: [...w.ids],
      ...(w.title === undefined ? {} : { title: w.title }),
      ...(w.policy === undefined ? {} : { policy: w.policy }),
    })),
  };
}

function choiceOf(statement: Statement | undefined): UseChoice {
  const c = emptyChoice();
  if (statement === undefined) return c;
  if (typeof statement === 'string') return { ...c, choice: statement };
  c.choice = statement.decision;
  const conditions = statement.conditions;
  if (conditions !== undefined) {
    if (typeof conditions.attribution === 'string') c.attribution = conditions.attribution;
    if (conditions.compensation !== undefined) {
      c.compensationTerms = conditions.compensation.terms ?? '';
      c.compensationContact = conditions.compensation.contact ?? '';
    }
    if (conditions.licensees !== undefined) c.licensees = conditions.licensees.join('\n');
  }
  return c;
}

/** The form filled from a signed manifest, to publish its next version. */
export function formOf(manifest: ConsentManifest): ConsentForm {
  const form = emptyForm();
  const defaults = manifest.credentialSubject.default ?? {};
  for (const term of FORM_TERMS) form.uses[term] = choiceOf(defaults[term]);
  form.works = manifest.credentialSubject.works.map((w) => ({
    ids: w.ids,
    ...(w.title === undefined ? {} : { title: w.title }),
    ...(w.policy === undefined ? {} : { policy: w.policy }),
  }));
  return form;
}

/** The form with a use denied everywhere: in the default and in every work's own policy. */
export function withUseDenied(form: ConsentForm, terms: readonly UseTerm[]): ConsentForm {
  const uses = { ...form.uses };
  for (const term of terms) uses[term] = { ...emptyChoice(), choice: 'deny' };
  const works = form.works.map((w) => {
    if (w.policy === undefined) return w;
    const policy: Policy = { ...w.policy };
    for (const term of terms) delete policy[term];
    const { policy: _, ...rest } = w;
    return Object.keys(policy).length === 0 ? rest : { ...rest, policy };
  });
  return { uses, works };
}

/** One line of plain language for a statement. */
export function describeStatement(statement: Statement | undefined): string {
  if (statement === undefined) return 'No answer';
  if (typeof statement === 'string') return statement === 'allow' ? 'Allowed' : 'Not allowed';
  if (statement.decision !== 'conditional') return statement.decision === 'allow' ? 'Allowed' : 'Not allowed';
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
