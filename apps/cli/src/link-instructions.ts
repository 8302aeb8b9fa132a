import { profileAdapterFor } from '@assent/links';
import { assentToken, type IdentityLink, type ProfileAdapter } from '@assent/manifest';

/**
 * What a creator publishes, and where, so that an identity names its DID back (docs/spec/manifest.md
 * §3.5.3): the other half of `assent id link`. Each method here is one that `@assent/links` reads, in
 * the order it tries them, and says where it reads; nothing here fetches.
 */

/** A DNS record to create. */
export interface DnsRecord {
  /** The owner name, without the trailing dot. */
  readonly name: string;
  readonly type: 'TXT';
  readonly value: string;
}

/** A file to serve over https at exactly `url` (no redirect). */
export interface WellKnownFile {
  readonly url: string;
  readonly contentType: 'text/plain';
  /** The whole body: the DID on one line. */
  readonly content: string;
}

/** A `rel="me"` link to the creator's page on a node, read by Mastodon's rule. */
export interface RelMeLink {
  /** The href the link must hold (compared case-insensitively). */
  readonly href: string;
  /** An element to paste. */
  readonly html: string;
}

/** How to prove a domain: any one of the three, tried in this order (DNS, when it names a DID, decides alone). */
export interface DomainInstructions {
  readonly type: 'domain';
  readonly domain: string;
  readonly dnsTxt: DnsRecord;
  readonly wellKnown: WellKnownFile;
  /** The DIF Well Known DID Configuration, for sites that publish one already. */
  readonly didConfiguration: { readonly url: string; readonly origin: string };
}

/** How to prove a profile page: the token where the platform's reader looks, or a rel=me link where it is read. */
export interface ProfileInstructions {
  readonly type: 'profile';
  readonly url: string;
  /** The reader `@assent/links` uses for this URL (`profileAdapterFor`). */
  readonly platform: ProfileAdapter;
  /** The exact text to publish: `assent:<did>`. */
  readonly token: string;
  /** Where to put the token. */
  readonly where: string;
  /** How the platform's reader reads it, and what it skips. */
  readonly reads: string;
  /** Present where the reader also accepts a rel=me link (any page, Mastodon profile fields). */
  readonly relMe?: RelMeLink & { readonly where: string };
  /** What would make the page fail although the token is there. */
  readonly caveat?: string;
}

/** What {@link linkInstructions} returns. */
export type LinkInstructions = DomainInstructions | ProfileInstructions;

/** Where each reader finds the token, and how it reads it (the readers are in @assent/links: profile-page.ts and siblings). */
const WHERE: Readonly<Record<ProfileAdapter, { readonly where: string; readonly reads: string }>> = {
  soundcloud: {
    where: "your SoundCloud profile's bio",
    reads:
      "It is read from the profile description as SoundCloud's server renders it (the bio and the page description), never from track descriptions or comments.",
  },
  bandcamp: {
    where: 'your Bandcamp artist bio',
    reads:
      "It is read from the page's bio block and description; the profile URL is the artist page itself (https://ARTIST.bandcamp.com/ or /music).",
  },
  youtube: {
    where: "your YouTube channel's description",
    reads:
      "It is read from the page's description metadata; what YouTube renders by script (ytInitialData) is not read.",
  },
  mastodon: {
    where: 'your Mastodon bio or one of your profile fields',
    reads:
      "They are read from your instance's public API (/api/v1/accounts/lookup), for the account this URL names on that instance.",
  },
  bluesky: {
    where: 'your Bluesky profile description',
    reads:
      'It is read from the public AppView once your handle resolves to its DID (the _atproto TXT record or /.well-known/atproto-did).',
  },
  page: {
    where: 'the visible text of that page',
    reads: 'Not hidden, and not in a comment, reply or review area: those are skipped.',
  },
};

/**
 * What to publish where for one identity, with `creatorPage` the creator's page on a node (the target
 * of rel=me links, `<node>/c/<did>`).
 * @example
 * linkInstructions(did, { type: 'domain', id: 'theflight.com' }, { creatorPage }).dnsTxt
 * // { name: '_assent.theflight.com', type: 'TXT', value: 'did=did:key:z6Mk…' }
 */
export function linkInstructions(
  did: string,
  identity: IdentityLink,
  options: { readonly creatorPage: string },
): LinkInstructions {
  if (identity.type === 'domain') {
    const domain = identity.id;
    return {
      type: 'domain',
      domain,
      dnsTxt: { name: `_assent.${domain}`, type: 'TXT', value: `did=${did}` },
      wellKnown: {
        url: `https://${domain}/.well-known/assent-did`,
        contentType: 'text/plain',
        content: `${did}\n`,
      },
      didConfiguration: {
        url: `https://${domain}/.well-known/did-configuration.json`,
        origin: `https://${domain}`,
      },
    };
  }
  const platform = profileAdapterFor(new URL(identity.id));
  const href = options.creatorPage;
  const relMe =
    platform === 'page'
      ? {
          href,
          html: `<a rel="me" href="${href}">Assent</a>`,
          where: 'anywhere on that page (or <link rel="me" href="…"> in its head)',
        }
      : platform === 'mastodon'
        ? { href, html: href, where: 'as the value of one of your profile fields' }
        : undefined;
  const root = platform === 'page' && new URL(identity.id).pathname === '/';
  return {
    type: 'profile',
    url: identity.id,
    platform,
    token: assentToken(did),
    ...WHERE[platform],
    ...(relMe === undefined ? {} : { relMe }),
    ...(root
      ? {
          caveat:
            "the text of a site's home page (path /) does not count: use the rel=me link, or link the domain itself (assent id link DOMAIN)",
        }
      : {}),
  };
}

/** The instructions as a person reads them, indented by two spaces. */
export function instructionsText(instructions: LinkInstructions): string {
  if (instructions.type === 'domain') {
    const { dnsTxt, wellKnown, didConfiguration } = instructions;
    return [
      `Publish one of these (checked in this order):`,
      `  1. a DNS TXT record`,
      `       name   ${dnsTxt.name}`,
      `       type   ${dnsTxt.type}`,
      `       value  ${dnsTxt.value}`,
      `     (zone file: ${dnsTxt.name}. IN TXT "${dnsTxt.value}")`,
      `     Exactly one did= record at that name; when DNS names a DID, it decides alone.`,
      `  2. a file at ${wellKnown.url}`,
      `       Content-Type: ${wellKnown.contentType}`,
      `       content: ${wellKnown.content.trimEnd()}   (that one line)`,
      `     Served over https at that URL itself: a redirect does not count.`,
      `  3. a DIF DID Configuration at ${didConfiguration.url} holding a Domain Linkage`,
      `     Credential of your DID for ${didConfiguration.origin} (JWT EdDSA, or JSON-LD eddsa-jcs-2022).`,
    ].join('\n');
  }
  const lines = [
    `Put this text in ${instructions.where}:`,
    '',
    `  ${instructions.token}`,
    '',
    `${instructions.reads} The whole DID, exactly: a longer or shorter one names another key.`,
  ];
  if (instructions.relMe !== undefined)
    lines.push(
      '',
      `Or, instead, a rel=me link to your creator page, ${instructions.relMe.where}:`,
      `  ${instructions.relMe.html}`,
    );
  if (instructions.caveat !== undefined) lines.push('', `Note: ${instructions.caveat}.`);
  return lines.join('\n');
}
