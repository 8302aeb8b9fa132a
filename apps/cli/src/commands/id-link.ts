import { createLinkChecker, type LinkCheck, type LinkChecker, linkableDomain } from '@assent/links';
import {
  AssentError,
  type IdentityLink,
  identityKey,
  type LinkResult,
  normalizeDomain,
  normalizeProfileUrl,
} from '@assent/manifest';
import type { Command, Context } from '../context.js';
import { cliError, exitCodeOf } from '../errors.js';
import { gatewayUrl } from '../gateway-client.js';
import { ownerOf, readKeystore } from '../keystore.js';
import { instructionsText, type LinkInstructions, linkInstructions } from '../link-instructions.js';
import { linksMirror } from '../links-mirror.js';
import { currentHead } from '../manifest-store.js';
import { fetchNodeLinkStates, type NodeLinkStates, type NodeLinkView } from '../node-link-states.js';
import { changeDraftIdentities, type DraftBase } from '../working-draft.js';

/**
 * `assent id link` and `assent id links`: the creator's side of identity links (docs/spec/manifest.md
 * §3.5). Linking claims an identity in the working draft and says what to publish where; listing shows
 * the links the newest manifest claims and, on request, checks each one from here with `@assent/links`
 * (identity → DID) and shows the node's own observations.
 */

/** The creator's page on a node: the target of rel=me links (DESIGN-TRUST §3.3 item 2, "site rel=me"). */
function creatorPage(gateway: string, did: string): string {
  return `${gateway}/c/${did}`;
}

/** A bare name is a domain, an `https://` URL a profile page; each in its one normal form. */
function identityFromArgument(text: string): IdentityLink {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const url = normalizeProfileUrl(text);
    if (!url.ok) throw new AssentError(url.code, url.message);
    return { type: 'profile', id: url.value };
  }
  if (text.includes('/'))
    throw new AssentError(
      'IDENTITY_PROFILE_MALFORMED',
      `${JSON.stringify(text)}: a profile page is an https:// URL (https://${text}), a domain a bare name`,
    );
  const domain = normalizeDomain(text);
  if (!domain.ok) throw new AssentError(domain.code, domain.message);
  return { type: 'domain', id: domain.value };
}

function describeBase(base: DraftBase, file: string): string {
  if (base.kind === 'draft') return file;
  if (base.kind === 'head') return `${file}, started from version ${base.version} (${base.cid})`;
  return `${file}, a new draft (no manifest yet)`;
}

/** `assent id link URL|DOMAIN --draft DRAFT.json [--unlink]` */
export const link: Command = {
  usage: `assent id link URL|DOMAIN --draft DRAFT.json [--unlink] [--gateway URL] [--insecure-links] [--json]

Claims a domain or a profile page as yours (docs/spec/manifest.md §3.5) and prints exactly what to
publish where, so that it names your DID back:
  a domain (a bare name: theflight.com)  a DNS TXT record _assent.DOMAIN = did=<your DID>, or the file
                                         https://DOMAIN/.well-known/assent-did holding your DID;
  a profile (an https:// URL)            the text assent:<your DID> where that platform's page is read
                                         (SoundCloud, Bandcamp, YouTube, Mastodon, Bluesky, any page),
                                         or a rel=me link to your creator page where that counts.
Only a registrable domain links: a public suffix or a shared host (github.io, user.github.io, bucket
and page hosts) is refused with the reason (IDENTITY_NOT_LINKABLE).

The link goes into your working draft, DRAFT.json: when the file exists it is added there and nothing
else in it changes (a draft from assent draft -o, or an earlier id link); when it does not, the draft is
started from your current head (the gateway's, else the one signed here). It reaches your manifest with
the next version: assent publish DRAFT.json (or assent sign DRAFT.json). assent id links --check then
shows whether the proof is found. --unlink removes the identity from the draft instead.

--gateway URL        the node whose head a new draft starts from, and whose creator page (URL/c/<DID>)
                     rel=me links point to
--insecure-links     accept names under suffixes the Public Suffix List does not know (theflight.test):
                     tests and local use only

Examples:
  assent id link theflight.com --draft draft.json
  assent id link https://soundcloud.com/the-flight --draft draft.json && assent publish draft.json
  assent id link https://old-blog.example/about --draft draft.json --unlink`,
  options: {
    draft: { type: 'string' },
    unlink: { type: 'boolean' },
    gateway: { type: 'string' },
    'insecure-links': { type: 'boolean' },
  },
  async run(values, positionals, ctx) {
    const [argument, extra] = positionals;
    if (argument === undefined || extra !== undefined)
      throw cliError('USAGE', 'name one domain or profile URL: assent id link URL|DOMAIN --draft DRAFT.json');
    const identity = identityFromArgument(argument);
    const unlink = values.unlink === true;
    // A link that can never bind is refused here, before anything is written (spec §3.5.3).
    if (!unlink && identity.type === 'domain') {
      const verdict = linkableDomain(identity.id, { allowUnknownSuffix: values['insecure-links'] === true });
      if (!verdict.ok)
        throw cliError(
          'IDENTITY_NOT_LINKABLE',
          verdict.reason === 'LINK_DOMAIN_UNKNOWN_SUFFIX'
            ? `${verdict.message} (${verdict.reason}): no check would count it (for tests and local use: --insecure-links)`
            : `${verdict.message} (${verdict.reason}): it can never link to you`,
        );
    }
    const file = values.draft as string | undefined;
    if (file === undefined)
      throw cliError(
        'USAGE',
        '--draft DRAFT.json: the working draft the link goes into (started from your current head when the file does not exist); then assent publish DRAFT.json',
      );
    const owner = ownerOf(await readKeystore(ctx.home));
    // Links are the creator's (spec §5.5): the proofs name the creator id, whatever key signs now.
    const did = owner.creator;
    const gateway = gatewayUrl(values, ctx);
    const result = await changeDraftIdentities(
      ctx,
      file,
      { op: unlink ? 'unlink' : 'link', identities: [identity] },
      { owner, gateway },
    );
    const publish: LinkInstructions | null = unlink
      ? null
      : linkInstructions(did, identity, { creatorPage: creatorPage(gateway, did) });
    ctx.emit(
      {
        did,
        op: unlink ? 'unlink' : 'link',
        identity,
        draft: file,
        from: result.base,
        changed: result.changed,
        identities: result.identities,
        publish,
      },
      () => {
        const what = `${identity.type} ${identity.id}`;
        const head = unlink
          ? result.changed
            ? `${ctx.style.ok('Unlinked')} ${what} in ${describeBase(result.base, file)}`
            : `${what} was not claimed in ${describeBase(result.base, file)}; nothing to remove`
          : result.changed
            ? `${ctx.style.ok('Linked')} ${what} in ${describeBase(result.base, file)}`
            : `${what} is already claimed in ${describeBase(result.base, file)}`;
        const lines = [head];
        if (publish !== null) lines.push('', instructionsText(publish));
        lines.push(
          '',
          ctx.style.dim(
            `Next: assent publish ${file}${unlink ? '' : ', and once the proof is up, assent id links --check'}`,
          ),
        );
        return lines.join('\n');
      },
    );
    return 0;
  },
};

/** One claimed link in the output of `assent id links`. */
interface LinkRow {
  readonly identity: IdentityLink;
  /** This machine's check (`--check`). */
  readonly check?: {
    readonly state: LinkResult;
    readonly method: string;
    readonly reason?: string;
    readonly adapter?: string;
    readonly message: string;
    readonly observedAt: string;
    readonly evidenceHash: string | null;
    readonly attempts: readonly {
      readonly method: string;
      readonly result: LinkResult;
      readonly reason?: string;
      readonly message: string;
    }[];
  };
  /** The node's view (`--gateway`): null when it reports none for this link. */
  readonly node?: NodeLinkView | null;
}

function rowCheck(check: LinkCheck): NonNullable<LinkRow['check']> {
  const o = check.observation;
  return {
    state: o.result,
    method: o.method,
    ...(o.reason === undefined ? {} : { reason: o.reason }),
    ...(o.adapter === undefined ? {} : { adapter: o.adapter }),
    message: check.message,
    observedAt: o.observedAt,
    evidenceHash: o.evidenceHash,
    attempts: check.attempts.map((a) => ({
      method: a.observation.method,
      result: a.observation.result,
      ...(a.observation.reason === undefined ? {} : { reason: a.observation.reason }),
      message: a.message,
    })),
  };
}

function checkerFrom(values: Record<string, unknown>): LinkChecker {
  const insecure = values['insecure-links'] === true;
  const dnsServers = values['dns-server'] as string[] | undefined;
  const mapUrl = linksMirror(values);
  try {
    return createLinkChecker({
      allowInsecure: insecure,
      ...(dnsServers === undefined ? {} : { dnsServers }),
      ...(mapUrl === undefined ? {} : { mapUrl }),
    });
  } catch (cause) {
    // node:dns refuses a server that is not an IP address with an optional port.
    throw cliError('USAGE', `--dns-server takes IP:PORT: ${(cause as Error).message}`, cause);
  }
}

/** The exit code's error code for the states shown: a link that could not be told beats a broken one (6 > 1). */
function outcomeCode(rows: readonly LinkRow[]): 'LINKS_UNCONFIRMED' | 'LINKS_BROKEN' | null {
  const states = rows.flatMap((r) => [r.check?.state, r.node?.state]);
  if (states.includes('temp_failure')) return 'LINKS_UNCONFIRMED';
  if (states.includes('perm_failure')) return 'LINKS_BROKEN';
  return null;
}

function checkLine(ctx: Context, check: NonNullable<LinkRow['check']>): string {
  const paint =
    check.state === 'ok' ? ctx.style.ok : check.state === 'temp_failure' ? ctx.style.warn : ctx.style.bad;
  const method = check.adapter === undefined ? check.method : `${check.method} (${check.adapter})`;
  return `    here  ${paint(check.state)}  ${method}${check.reason === undefined ? '' : `  ${check.reason}`}  ${check.message}`;
}

function nodeLine(ctx: Context, node: NodeLinkView | null, states: NodeLinkStates): string {
  if (!states.known) return `    node  ${ctx.style.dim('holds no manifest of yours')}`;
  if (states.links === undefined) return `    node  ${ctx.style.dim('reports no link states')}`;
  if (node === null) return `    node  ${ctx.style.dim('has not observed this link')}`;
  const paint =
    node.state === 'ok' ? ctx.style.ok : node.state === 'perm_failure' ? ctx.style.bad : ctx.style.warn;
  const parts = [
    node.bound ? 'bound' : 'not bound',
    node.method,
    node.reason,
    node.observedAt === undefined ? undefined : `observed ${node.observedAt}`,
    node.lastOkAt === undefined ? undefined : `last ok ${node.lastOkAt}`,
    node.nextCheckAt === undefined ? undefined : `next check ${node.nextCheckAt}`,
  ].filter((p) => p !== undefined);
  return `    node  ${paint(node.state)}  ${parts.join(' · ')}`;
}

/** `assent id links [--check] [--gateway URL]` */
export const links: Command = {
  usage: `assent id links [--check] [--gateway URL] [--insecure-links] [--dns-server IP:PORT ...] [--json]

Lists the identities (domains, profile pages) your newest manifest claims: the gateway's head, else the
newest signed on this machine.

--check              checks each link now, from this machine, as a node does (@assent/links): a domain
                     by DNS TXT _assent.DOMAIN, then https://DOMAIN/.well-known/assent-did, then its
                     DID Configuration; a profile by assent:<DID> in the text its platform's reader
                     reads, or a rel=me link to your creator page (GATEWAY/c/<DID>). Prints each link's
                     state (ok, temp_failure, perm_failure), method, reason code and message. Safe by
                     default: https only, public addresses only, no redirects, 256 KiB, 5 s a request.
--gateway URL        also shows that node's own observations of each link (GET /v1/creators/{did}):
                     its state, whether it counts the link as bound, when it observed it and will again
--dns-server IP:PORT the DNS servers to ask (repeatable); the system's by default
--insecure-links     allows loopback addresses, plain http and names under unknown suffixes
                     (theflight.test): tests and local use only
--links-mirror URL   with --insecure-links: fetch https://HOST/PATH from URL/HOST/PATH instead (a
                     local mirror of the sites, as tests use)

Exit codes: 0 when every link checked (here, or by the node with --gateway) is ok; 1 LINKS_BROKEN when
one is perm_failure (the proof is not there, names another DID, or the identity can never link); 6
LINKS_UNCONFIRMED when one could not be checked now (temp_failure: DNS, connection, HTTP 5xx, timeout).
A node's link still looking (never checked) counts as neither.

Examples:
  assent id links
  assent id links --check --gateway https://assent.example`,
  options: {
    check: { type: 'boolean' },
    gateway: { type: 'string' },
    'insecure-links': { type: 'boolean' },
    'dns-server': { type: 'string', multiple: true },
    'links-mirror': { type: 'string' },
  },
  async run(values, positionals, ctx) {
    if (positionals.length > 0) throw cliError('USAGE', `unexpected argument ${positionals[0]}`);
    const checker = values.check === true ? checkerFrom(values) : undefined;
    const owner = ownerOf(await readKeystore(ctx.home));
    // Links are the creator's (spec §5.5): the proofs name the creator id, whatever key signs now.
    const did = owner.creator;
    const gateway = gatewayUrl(values, ctx);
    const head = await currentHead(ctx, owner, gateway);
    const claimed = head.manifest?.manifest.credentialSubject.identities ?? [];
    const [checks, states] = await Promise.all([
      checker === undefined
        ? undefined
        : Promise.all(
            claimed.map((identity) =>
              checker.check(did, identity, { relMeTargets: [creatorPage(gateway, did)] }),
            ),
          ),
      values.gateway === undefined ? undefined : fetchNodeLinkStates(gateway, did),
    ]);
    const byKey = new Map((states?.links ?? []).map((v) => [identityKey(v.identity), v]));
    const rows: LinkRow[] = claimed.map((identity, i) => {
      const check = checks?.[i];
      return {
        identity,
        ...(check === undefined ? {} : { check: rowCheck(check) }),
        ...(states === undefined ? {} : { node: byKey.get(identityKey(identity)) ?? null }),
      };
    });
    const code = outcomeCode(rows);
    const manifest =
      head.manifest === undefined
        ? null
        : { cid: head.manifest.cid, version: head.manifest.version, from: head.from };
    ctx.emit(
      {
        did,
        manifest,
        checked: checker !== undefined,
        links: rows,
        node:
          states === undefined
            ? null
            : { gateway, known: states.known, reportsLinks: states.links !== undefined },
        code,
      },
      () => {
        if (manifest === null)
          return `${did} has no manifest yet: assent id link URL|DOMAIN --draft draft.json, then assent publish draft.json`;
        const source = manifest.from === 'gateway' ? 'from the gateway' : 'signed here';
        const lines = [
          `${did}: version ${manifest.version} (${manifest.cid}, ${source}) claims ${rows.length === 0 ? 'no identities' : rows.length === 1 ? '1 identity' : `${rows.length} identities`}`,
        ];
        for (const row of rows) {
          lines.push(`  ${row.identity.type.padEnd(7)} ${row.identity.id}`);
          if (row.check !== undefined) lines.push(checkLine(ctx, row.check));
          if (states !== undefined && row.node !== undefined) lines.push(nodeLine(ctx, row.node, states));
        }
        if (rows.length === 0)
          lines.push(ctx.style.dim('Link one: assent id link URL|DOMAIN --draft draft.json'));
        else if (checker === undefined && states === undefined)
          lines.push(ctx.style.dim('Check them from here: assent id links --check'));
        else if (code === null) lines.push(ctx.style.ok(`Every link checked is ok.`));
        else
          lines.push(
            ctx.style.bad(
              code === 'LINKS_BROKEN'
                ? 'A link is broken: publish its proof again (assent id link … prints it), or unlink it (LINKS_BROKEN).'
                : 'A link could not be checked now: try again later (LINKS_UNCONFIRMED).',
            ),
          );
        return lines.join('\n');
      },
    );
    return code === null ? 0 : exitCodeOf(code);
  },
};
