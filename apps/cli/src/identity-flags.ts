import { readFile } from 'node:fs/promises';
import { parseDidKey } from '@assent/manifest';
import type { IdentityOptions } from '@assent/verifier';
import { cliError } from './errors.js';

/**
 * The flags that say whom a verifier trusts for identity (docs/decisions.md §7), shared by `check`,
 * `scan` and `serve`.
 */
export const IDENTITY_FLAGS = {
  trust: { type: 'string' },
  'unbound-grants': { type: 'boolean' },
} as const;

/** What `--help` says of them. */
export const IDENTITY_FLAGS_HELP = `Who may speak for a work (docs/decisions.md §7): a grant counts only from a creator with an
identity binding covering the work (a checked profile or domain link, or a trusted attestation).
  --trust FILE       attesters whose attestations count (labels, distributors, platforms): one
                     did:key per line, # starts a comment
  --unbound-grants   count grants from creators with no binding, and let nobody outrank anybody
                     (only for a registry whose operator vouches for every creator it holds)`;

/**
 * Reads a trust list: one did:key per line; blank lines and text after `#` are ignored. A line that is
 * not a did:key is `USAGE`, naming the line, so a typo never silently trusts nobody.
 */
export function parseTrustList(text: string, file: string): string[] {
  const dids = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/#.*/, '').trim();
    if (line === '') continue;
    if (!parseDidKey(line).ok)
      throw cliError('USAGE', `${file}:${i + 1}: not a did:key: ${JSON.stringify(line.slice(0, 80))}`);
    dids.add(line);
  }
  return [...dids];
}

/** The verifier's `identity` options from `--trust` and `--unbound-grants`. */
export async function identityOptionsOf(values: Record<string, unknown>): Promise<IdentityOptions> {
  const file = values.trust as string | undefined;
  let trustedAttesters: string[] = [];
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw cliError('USAGE', `--trust: cannot read ${file}: ${(cause as Error).message}`, cause);
    }
    trustedAttesters = parseTrustList(text, file);
  }
  return {
    trustedAttesters,
    ...(values['unbound-grants'] === true ? { requireBinding: false } : {}),
  };
}
