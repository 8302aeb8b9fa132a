import {
  isDateTime,
  isUseTerm,
  type Policy,
  type Statement,
  USE_TERMS,
  type UseTerm,
} from '@assent/manifest';
import { cliError } from './errors.js';

function terms(values: Record<string, unknown>, flag: string): UseTerm[] {
  const list = (values[flag] as string[] | undefined) ?? [];
  return list
    .flatMap((v) => v.split(','))
    .map((term) => {
      const t = term.trim();
      if (!isUseTerm(t))
        throw cliError('USAGE', `--${flag} ${t}: not a use term; one of ${USE_TERMS.join(', ')}`);
      return t;
    });
}

/**
 * A date flag's value as a UTC date-time: `2027-06-30` (the start of that day, UTC) or a full
 * `2027-06-30T12:00:00Z`.
 */
export function dateFromFlag(text: string, flag: string): string {
  const t = text.trim();
  const value = /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t;
  if (!isDateTime(value))
    throw cliError(
      'USAGE',
      `--${flag} ${t}: expected a date (2027-06-30) or a UTC date-time (2027-06-30T12:00:00Z)`,
    );
  return value;
}

/**
 * The policy the flags state: `--allow`, `--deny`, `--conditional` TERM (repeatable or comma-separated),
 * conditions from `--attribution` and `--licensee`, and `--until DATE`, which ends every grant the flags
 * make (an allow with an end is `conditional` on `until`, spec §3.3). Undefined when no term flag is given.
 */
export function policyFromFlags(values: Record<string, unknown>): Policy | undefined {
  const policy: Partial<Record<UseTerm, Statement>> = {};
  const set = (term: UseTerm, statement: Statement) => {
    if (policy[term] !== undefined) throw cliError('USAGE', `${term} is given more than one decision`);
    policy[term] = statement;
  };
  const untilText = values.until as string | undefined;
  const until = untilText === undefined ? undefined : dateFromFlag(untilText, 'until');
  const allowed = terms(values, 'allow');
  const conditional = terms(values, 'conditional');
  if (until !== undefined && allowed.length === 0 && conditional.length === 0)
    throw cliError('USAGE', '--until ends a grant: give it with --allow or --conditional TERM');
  for (const t of allowed)
    set(t, until === undefined ? 'allow' : { decision: 'conditional', conditions: { until } });
  for (const t of terms(values, 'deny')) set(t, 'deny');
  const attribution = values.attribution as string | undefined;
  const licensees = (values.licensee as string[] | undefined) ?? [];
  if (conditional.length > 0) {
    if (attribution === undefined && licensees.length === 0 && until === undefined)
      throw cliError(
        'USAGE',
        '--conditional needs a condition: --attribution TEXT, --licensee DID and/or --until DATE',
      );
    const conditions = {
      ...(attribution === undefined ? {} : { attribution }),
      ...(licensees.length === 0 ? {} : { licensees }),
      ...(until === undefined ? {} : { until }),
    };
    for (const t of conditional) set(t, { decision: 'conditional', conditions });
  } else if (attribution !== undefined || licensees.length > 0) {
    throw cliError('USAGE', '--attribution and --licensee are conditions of --conditional TERM');
  }
  return Object.keys(policy).length === 0 ? undefined : (policy as Policy);
}

/** The flags every policy-writing command shares. */
export const POLICY_OPTIONS = {
  allow: { type: 'string', multiple: true },
  deny: { type: 'string', multiple: true },
  conditional: { type: 'string', multiple: true },
  attribution: { type: 'string' },
  licensee: { type: 'string', multiple: true },
  until: { type: 'string' },
} as const;
