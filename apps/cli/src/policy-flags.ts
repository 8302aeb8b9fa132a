import { isUseTerm, type Policy, type Statement, USE_TERMS, type UseTerm } from '@assent/manifest';
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
 * The policy the flags state: `--allow`, `--deny`, `--conditional` TERM (repeatable or comma-separated),
 * conditions from `--attribution` and `--licensee`. Undefined when no term flag is given.
 */
export function policyFromFlags(values: Record<string, unknown>): Policy | undefined {
  const policy: Partial<Record<UseTerm, Statement>> = {};
  const set = (term: UseTerm, statement: Statement) => {
    if (policy[term] !== undefined) throw cliError('USAGE', `${term} is given more than one decision`);
    policy[term] = statement;
  };
  for (const t of terms(values, 'allow')) set(t, 'allow');
  for (const t of terms(values, 'deny')) set(t, 'deny');
  const conditional = terms(values, 'conditional');
  const attribution = values.attribution as string | undefined;
  const licensees = (values.licensee as string[] | undefined) ?? [];
  if (conditional.length > 0) {
    if (attribution === undefined && licensees.length === 0)
      throw cliError('USAGE', '--conditional needs a condition: --attribution TEXT and/or --licensee DID');
    const conditions = {
      ...(attribution === undefined ? {} : { attribution }),
      ...(licensees.length === 0 ? {} : { licensees }),
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
} as const;
