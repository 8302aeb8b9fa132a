import { type Decision, USE_TERMS, type UseTerm } from '@assent/manifest';
import type { SignalReading } from '../../src/index.js';

/** The terms of a reading that are not unknown: how the vector files list decisions. */
export function stated(reading: SignalReading): Partial<Record<UseTerm, Decision>> {
  const out: Partial<Record<UseTerm, Decision>> = {};
  for (const term of USE_TERMS)
    if (reading.decisions[term] !== 'unknown') out[term] = reading.decisions[term];
  return out;
}
