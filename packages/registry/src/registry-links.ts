import { createLinkChecker } from '@assent/links';
import type { Identity } from '@assent/manifest';
import { type CreatorHead, creatorLink, LinkObserver } from './link-observer.js';
import type { LinkStore } from './link-store.js';
import type { RegistryLinkOptions, RegistryLinks, RegistryLogger } from './types.js';

/** What a registry gives its link checking. */
export interface RegistryLinksDeps {
  readonly store: LinkStore;
  /** `RegistryOptions.links`. */
  readonly options: RegistryLinkOptions | false | undefined;
  /** The node's identity: it signs the observations. */
  readonly identity: Pick<Identity, 'did' | 'verificationMethod' | 'secretKey'>;
  heads(creator: string): readonly CreatorHead[];
  read(cid: string): Promise<Uint8Array | undefined>;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  readonly logger: RegistryLogger | undefined;
  /** Throws `REGISTRY_STOPPED` once the registry is stopped. */
  assertOpen(): void;
}

/** A registry's link checking: the observer that runs checks (none with `links: false`) and its view. */
export interface RegistryLinksParts {
  readonly observer: LinkObserver | undefined;
  readonly view: RegistryLinks;
}

/**
 * Sets up a registry's identity-link checks (docs/spec/observation.md §4) from its options: a link
 * checker of `@assent/links` (safe fetching unless `allowInsecure`) and the observer that schedules it,
 * and the `registry.links` view over the store.
 */
export function registryLinks(deps: RegistryLinksDeps): RegistryLinksParts {
  const { store, options } = deps;
  let observer: LinkObserver | undefined;
  const now = (options === false ? undefined : options?.now) ?? (() => new Date());
  if (options !== false) {
    const checker = createLinkChecker({
      now,
      ...(options?.allowInsecure === undefined ? {} : { allowInsecure: options.allowInsecure }),
      ...(options?.dnsServers === undefined ? {} : { dnsServers: options.dnsServers }),
      ...(options?.mapUrl === undefined ? {} : { mapUrl: options.mapUrl }),
    });
    observer = new LinkObserver({
      store,
      checker,
      identity: deps.identity,
      heads: deps.heads,
      read: deps.read,
      exclusive: deps.exclusive,
      relMeTargets: options?.relMeTargets,
      now,
      random: options?.random ?? Math.random,
      concurrency: options?.concurrency ?? 4,
      logger: deps.logger,
    });
  }
  const linksOf = (creator: string) => {
    deps.assertOpen();
    if (typeof creator !== 'string') throw new TypeError('expected a creator DID');
    const nowMs = now().getTime();
    return store.linksOf(creator).map((link) => creatorLink(link, nowMs));
  };
  const view: RegistryLinks = {
    observationsOf(creators) {
      deps.assertOpen();
      if (!Array.isArray(creators)) throw new TypeError('observationsOf expects an array of creator DIDs');
      return store.observationsOf(creators);
    },
    linksOf,
    async recheck(creator) {
      deps.assertOpen();
      if (typeof creator !== 'string') throw new TypeError('expected a creator DID');
      if (observer === undefined) return linksOf(creator);
      await observer.recheck(creator);
      return linksOf(creator);
    },
    observation(cid) {
      deps.assertOpen();
      return typeof cid === 'string' ? store.observation(cid) : undefined;
    },
  };
  return { observer, view };
}
