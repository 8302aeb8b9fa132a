import { CONTENT_USAGE_HEADER, toContentUsage } from './content-usage.js';
import type { ResolvedPolicy } from './policy.js';
import { type TdmRepOptions, toTdmRep } from './tdmrep.js';
import { toXRobotsTag } from './x-robots-tag.js';

/** Options of {@link toSignalHeaders}. */
export interface SignalHeadersOptions extends TdmRepOptions {
  /** Which signals to write; default all three. */
  readonly include?: readonly ('content-usage' | 'tdmrep' | 'x-robots-tag')[];
}

/**
 * Every HTTP response header that carries the policy of the work a response serves: `Content-Usage`
 * (AIPREF), `tdm-reservation` / `tdm-policy` (TDMRep) and `X-Robots-Tag: noai, noimageai`. A pure
 * function, so platform middleware only has to map a request to a work, resolve its policy and
 * set these; headers with nothing to say are left out. `X-Robots-Tag` should be appended to any
 * value the response already has (it is a list), the others set.
 *
 * @example
 * for (const [name, value] of Object.entries(toSignalHeaders(policy))) response.headers.set(name, value);
 */
export function toSignalHeaders(
  policy: ResolvedPolicy,
  options: SignalHeadersOptions = {},
): Readonly<Record<string, string>> {
  const include = new Set(options.include ?? ['content-usage', 'tdmrep', 'x-robots-tag']);
  const headers: Record<string, string> = {};
  if (include.has('content-usage')) {
    const contentUsage = toContentUsage(policy);
    if (contentUsage !== undefined) headers[CONTENT_USAGE_HEADER] = contentUsage;
  }
  if (include.has('tdmrep')) {
    const tdm = toTdmRep(policy, options.policyUrl === undefined ? {} : { policyUrl: options.policyUrl });
    Object.assign(headers, tdm.headers);
  }
  if (include.has('x-robots-tag')) {
    const noai = toXRobotsTag(policy);
    if (noai !== undefined) headers['X-Robots-Tag'] = noai;
  }
  return Object.freeze(headers);
}
