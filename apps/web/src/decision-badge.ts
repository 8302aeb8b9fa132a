import type { Decision } from '@assent/manifest';
import { h } from './element.js';

/** Decisions in words: never by colour alone. */
export const DECISION_TEXT: Readonly<Record<Decision, string>> = {
  allow: 'Allowed',
  deny: 'Not allowed',
  conditional: 'Allowed with conditions',
  unknown: 'No answer',
};

/** A decision as a badge, in words. */
export function badge(decision: Decision): HTMLElement {
  return h('span', { class: `decision decision-${decision}` }, DECISION_TEXT[decision]);
}
