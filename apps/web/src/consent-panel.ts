import { TERM_LABELS, type UseTerm } from '@assent/manifest';
import {
  CHOICE_LABELS,
  type Choice,
  dateTimeOfDay,
  dayOf,
  FORM_TERMS,
  type UseChoice,
} from './consent-form.js';
import type { CreatorSession } from './creator-session.js';
import { h, replace } from './element.js';

/** The consent panel: one answer per use for every work, with the conditions of "Allow if…". */
export interface ConsentPanel {
  readonly element: HTMLElement;
  render(): void;
}

export function consentPanel(session: CreatorSession): ConsentPanel {
  const { state } = session;
  const usesRegion = h('div', { id: 'uses-region' });

  function section(): HTMLElement {
    return h(
      'section',
      { 'aria-labelledby': 'uses-heading' },
      h('h2', { id: 'uses-heading' }, '3. What you allow'),
      h(
        'p',
        {},
        'For each kind of use, choose an answer. It applies to every work above. “No answer” leaves it to your answer for “Any automated processing”. Changing an answer to “Don’t allow” or “Allow if…” also changes it for works that had an answer of their own, so no earlier permission outlives it.',
      ),
      usesRegion,
    );
  }

  function renderUses(): void {
    replace(usesRegion, ...FORM_TERMS.map(useFieldset), endField());
  }

  /** The manifest's end (`validUntil`): after it, checks treat every permission as withdrawn. */
  function endField(): HTMLElement {
    const id = 'valid-until';
    return h(
      'div',
      { class: 'field end-date' },
      h('label', { for: id }, 'Everything you publish ends on (optional)'),
      h(
        'p',
        { class: 'hint', id: `${id}-hint` },
        'From the start of this day (UTC), anyone checking treats every permission as withdrawn, even if this key is lost. Leave empty for no end.',
      ),
      h('input', {
        type: 'date',
        id,
        value: dayOf(state.form.validUntil),
        'aria-describedby': `${id}-hint`,
        onchange: (e: Event) => {
          state.form.validUntil = dateTimeOfDay((e.target as HTMLInputElement).value);
          session.formChanged();
        },
      }),
    );
  }

  /** A grant's end (the `until` condition), for Allow and "Allow if…". */
  function untilField(term: UseTerm, c: UseChoice): HTMLElement {
    const id = `use-${term}-until`;
    return h(
      'div',
      { class: 'field until', id: `${id}-field`, hidden: c.choice !== 'allow' && c.choice !== 'conditional' },
      h('label', { for: id }, 'Allowed until (optional)'),
      h(
        'p',
        { class: 'hint', id: `${id}-hint` },
        'The permission ends at the start of this day (UTC). Leave empty for no end.',
      ),
      h('input', {
        type: 'date',
        id,
        value: dayOf(c.until),
        'aria-describedby': `${id}-hint`,
        onchange: (e: Event) => {
          c.until = dateTimeOfDay((e.target as HTMLInputElement).value);
          session.formChanged();
        },
      }),
    );
  }

  function useFieldset(term: UseTerm): HTMLElement {
    const c = state.form.uses[term];
    const name = `use-${term}`;
    const conditionsId = `${name}-conditions`;
    const field = (
      key: 'attribution' | 'compensationTerms' | 'compensationContact',
      label: string,
      hint?: string,
    ) => {
      const id = `${name}-${key}`;
      return h(
        'div',
        { class: 'field' },
        h('label', { for: id }, label),
        hint !== undefined && h('p', { class: 'hint', id: `${id}-hint` }, hint),
        h('input', {
          type: 'text',
          id,
          value: c[key],
          'aria-describedby': hint === undefined ? undefined : `${id}-hint`,
          oninput: (e: Event) => {
            c[key] = (e.target as HTMLInputElement).value;
            session.formChanged();
          },
        }),
      );
    };
    const licenseesId = `${name}-licensees`;
    const conditions = h(
      'div',
      { class: 'conditions', id: conditionsId, hidden: c.choice !== 'conditional' },
      h(
        'p',
        { class: 'hint' },
        'Allowed only if every condition you fill in is met (and only until the end date below, if you give one). Fill in at least one.',
      ),
      field('attribution', 'Credit to show', 'For example: “The Flight”'),
      field('compensationTerms', 'Compensation terms (a link)', 'A page with your licence or price terms'),
      field('compensationContact', 'Contact for compensation', 'An email address or link'),
      h(
        'div',
        { class: 'field' },
        h('label', { for: licenseesId }, 'Only these organisations (optional)'),
        h(
          'p',
          { class: 'hint', id: `${licenseesId}-hint` },
          'Domains or DIDs, one per line: example.ai, did:web:example.ai',
        ),
        h(
          'textarea',
          {
            id: licenseesId,
            rows: 2,
            'aria-describedby': `${licenseesId}-hint`,
            oninput: (e: Event) => {
              c.licensees = (e.target as HTMLTextAreaElement).value;
              session.formChanged();
            },
          },
          c.licensees,
        ),
      ),
    );
    const until = untilField(term, c);
    const radios = (Object.keys(CHOICE_LABELS) as Choice[]).map((choice) => {
      const id = `${name}-${choice}`;
      return h(
        'span',
        { class: 'choice' },
        h('input', {
          type: 'radio',
          id,
          name,
          value: choice,
          checked: c.choice === choice,
          onchange: () => {
            c.choice = choice;
            conditions.hidden = choice !== 'conditional';
            until.hidden = choice !== 'allow' && choice !== 'conditional';
            session.formChanged();
          },
        }),
        h('label', { for: id }, CHOICE_LABELS[choice]),
      );
    });
    return h(
      'fieldset',
      { class: 'use', id: `fieldset-${term}` },
      h(
        'legend',
        {},
        term === 'all' ? `${TERM_LABELS.all} (everything left without an answer)` : TERM_LABELS[term],
      ),
      h('div', { class: 'choices' }, ...radios),
      conditions,
      until,
    );
  }

  return { element: section(), render: renderUses };
}
