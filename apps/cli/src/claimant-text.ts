import type { Claimant, ClaimantLink } from '@assent/verifier';

/** A link as people write it: a domain as it is, a profile URL without `https://`. */
function linkName(link: Pick<ClaimantLink, 'type' | 'id'>): string {
  return link.type === 'profile' ? link.id.replace(/^https:\/\//, '') : link.id;
}

/** `did:key:z6MkhaXg…Dz2p`: enough of a key to tell two apart in a terminal. */
function shortDid(did: string): string {
  return did.length > 28 ? `${did.slice(0, 16)}…${did.slice(-4)}` : did;
}

/**
 * Who a claimant has shown itself to be, in a few words: its bound links (the highest level first),
 * else its trusted attesters, else that it has no identity binding. Used by `check` and `scan`.
 * @example claimantName(c) // 'soundcloud.com/the-flight ✓ (L1)'
 */
export function claimantName(c: Claimant): string {
  const bound = c.links.filter((l) => l.bound).sort((a, b) => b.level - a.level);
  const attesters = c.attestations.filter((a) => a.trusted).map((a) => shortDid(a.attester));
  const parts = [
    ...bound.map((l) => `${linkName(l)} ✓`),
    ...(attesters.length === 0 ? [] : [`attested by ${attesters.join(', ')}`]),
  ];
  return parts.length === 0 ? `no identity binding (L${c.level})` : `${parts.join(', ')} (L${c.level})`;
}

/** One line per claimant for `check`: key, name and level, its answer, and whether it was outranked. */
export function claimantLine(c: Claimant): string {
  const links = c.links.map((l) =>
    l.bound
      ? `${l.type} ${linkName(l)} checked ${l.observedAt?.slice(0, 10) ?? ''}`.trimEnd()
      : `${l.type} ${linkName(l)} ${l.state === 'unobserved' ? 'not checked yet' : l.state}`,
  );
  return `claimant: ${c.issuer} — ${claimantName(c)} → ${c.decision}${c.outranked ? ', outranked by a creator bound to this work' : ''}${links.length === 0 ? '' : ` [${links.join('; ')}]`}`;
}
