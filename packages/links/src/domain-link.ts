import { checkDidConfiguration } from './did-configuration.js';
import { linkableDomain } from './domain-policy.js';
import { type CheckContext, failed, getExpected, type MethodOutcome, succeeded } from './method-outcome.js';

/**
 * The identity → DID direction for a domain (DESIGN-TRUST §3.3 item 2), three ways, like atproto
 * handles and the DIF DID Configuration:
 *
 * 1. DNS TXT at `_assent.<domain>`: exactly one record `did=<DID>` (atproto's `_atproto` rule). Other
 *    TXT records there are ignored; two `did=` records are ambiguous, even when one is right.
 * 2. `https://<domain>/.well-known/assent-did`: `text/plain`, the DID on one line (atproto's
 *    `/.well-known/atproto-did`).
 * 3. `https://<domain>/.well-known/did-configuration.json`: a DIF Domain Linkage Credential.
 *
 * DNS is asked first and, when it names a DID, decides alone (atproto: DNS is preferred when both
 * answer): a TXT record naming someone else, or two, is not outvoted by a web server, which the
 * domain's owner may not control (a hosting provider, a bucket named like the domain).
 */

const utf8 = new TextEncoder();
/** A DID of any method, as a `did=` value or a well-known file may hold (W3C DID Core §3.1). */
const ANY_DID = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/;

/** Method 1: the `_assent` TXT record. */
export async function checkDnsTxt(context: CheckContext, domain: string): Promise<MethodOutcome> {
  const name = `_assent.${domain}`;
  const answer = await context.resolver.txt(name);
  if (!answer.ok) return failed('dns-txt', answer.reason, answer.message);
  const records = answer.value;
  const evidence = utf8.encode([...records].sort().join('\n'));
  const dids = records.filter((r) => r.startsWith('did='));
  if (dids.length === 0)
    return failed('dns-txt', 'LINK_NOT_NAMED', `${name} has no did= record`, { evidence });
  if (dids.length > 1)
    return failed(
      'dns-txt',
      'LINK_AMBIGUOUS',
      `${name} has ${dids.length} did= records; exactly one is allowed`,
      { evidence },
    );
  const did = (dids[0] as string).slice('did='.length);
  if (did === context.creator) return succeeded('dns-txt', `${name} names the creator`, evidence);
  return ANY_DID.test(did)
    ? failed('dns-txt', 'LINK_OTHER_DID', `${name} names ${did}`, { evidence })
    : failed('dns-txt', 'LINK_MALFORMED', `${name} holds a did= record that is not a DID`, { evidence });
}

/** Method 2: `/.well-known/assent-did`. */
export async function checkWellKnown(context: CheckContext, domain: string): Promise<MethodOutcome> {
  const url = `https://${domain}/.well-known/assent-did`;
  const got = await getExpected(context, url, 'text/plain', ['text/plain'], 'well-known');
  if (!got.ok) return got.outcome;
  const evidence = got.response.body;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(evidence);
  } catch {
    return failed('well-known', 'LINK_MALFORMED', `${url} is not UTF-8`, { evidence });
  }
  // One line: the DID, with surrounding whitespace (a final newline) allowed, and nothing else.
  const line = text.trim();
  if (line === context.creator) return succeeded('well-known', `${url} names the creator`, evidence);
  if (ANY_DID.test(line)) return failed('well-known', 'LINK_OTHER_DID', `${url} names ${line}`, { evidence });
  return failed('well-known', 'LINK_MALFORMED', `${url} is not one line holding a DID`, { evidence });
}

/** Method 3: the DIF DID Configuration resource. */
export async function checkDidConfigurationResource(
  context: CheckContext,
  domain: string,
): Promise<MethodOutcome> {
  const url = `https://${domain}/.well-known/did-configuration.json`;
  const got = await getExpected(context, url, 'application/json', ['application/json'], 'did-configuration');
  if (!got.ok) return got.outcome;
  const evidence = got.response.body;
  const verdict = await checkDidConfiguration(evidence, { did: context.creator, domain, at: context.now() });
  return verdict.ok
    ? succeeded(
        'did-configuration',
        `${url} holds a valid ${verdict.format} Domain Linkage Credential`,
        evidence,
      )
    : failed('did-configuration', verdict.reason, `${url}: ${verdict.message}`, { evidence });
}

/** DNS answers that decide without asking the web server. */
const DNS_DECIDES = new Set(['LINK_OTHER_DID', 'LINK_AMBIGUOUS', 'LINK_MALFORMED']);

/**
 * Checks a domain by every method, in order, until one says `ok` or DNS decides; returns each method's
 * outcome. A domain that may never bind (a public suffix, a shared host, a confusable name) is refused
 * with method `policy` and nothing is fetched.
 */
export async function checkDomainMethods(context: CheckContext, domain: string): Promise<MethodOutcome[]> {
  const policy = linkableDomain(domain, { allowUnknownSuffix: context.allowInsecure });
  if (!policy.ok) return [failed('policy', policy.reason, policy.message)];
  const attempts: MethodOutcome[] = [];
  const txt = await checkDnsTxt(context, domain);
  attempts.push(txt);
  if (txt.result === 'ok' || (txt.reason !== undefined && DNS_DECIDES.has(txt.reason))) return attempts;
  for (const method of [checkWellKnown, checkDidConfigurationResource]) {
    const outcome = await method(context, domain);
    attempts.push(outcome);
    if (outcome.result === 'ok') return attempts;
  }
  return attempts;
}
