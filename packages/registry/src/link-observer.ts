import type { LinkChecker } from '@assent/links';
import { type Identity, type IdentityLink, identityKey, signObservation } from '@assent/manifest';
import {
  DEFAULT_LINK_SCHEDULE,
  type LinkScheduleOptions,
  lastOkAtToSign,
  linkBound,
  nextLinkStatus,
} from './link-schedule.js';
import type { LinkStore, StoredLink } from './link-store.js';
import { Semaphore } from './semaphore.js';
import type { CreatorLink, RegistryLogger } from './types.js';

/**
 * The node's link checks (docs/spec/observation.md §4): when a creator gets a new head, the identities
 * its heads claim are read and its links made to match; each link is then checked when due (at once
 * when new, then by the schedule of link-schedule.ts), in the background and a few at a time. Each
 * result is signed with the node's DID and stored with its log leaf in one transaction (link-store.ts).
 * Nothing here ever blocks or fails an ingest.
 */

/** The longest a timer waits before the schedule is read again (timers cannot wait 30 days). */
const MAX_TIMER_MS = 3_600_000;
/** Creators waiting for their claims to be read; beyond it a new head's claims wait for the next one. */
const MAX_PENDING_CREATORS = 100_000;

/** The key of one link in the maps below. */
function linkKey(creator: string, identity: IdentityLink): string {
  return `${creator} ${identityKey(identity)}`;
}

/** A head of a creator, as the index knows it. */
export interface CreatorHead {
  readonly cid: string;
  readonly version: number;
}

/** What the observer needs around it. */
export interface LinkObserverDeps {
  readonly store: LinkStore;
  readonly checker: Pick<LinkChecker, 'check'>;
  /** The node's identity: its key signs the observations. */
  readonly identity: Pick<Identity, 'did' | 'verificationMethod' | 'secretKey'>;
  /** The creator's branch heads. */
  heads(creator: string): readonly CreatorHead[];
  /** A stored manifest's canonical bytes. */
  read(cid: string): Promise<Uint8Array | undefined>;
  /** Runs `fn` alone against every ingest commit and reindex, so that the heads read are whole. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  readonly relMeTargets: ((creator: string) => readonly string[]) | undefined;
  readonly now: () => Date;
  readonly random: () => number;
  readonly concurrency: number;
  readonly schedule?: LinkScheduleOptions;
  readonly logger: RegistryLogger | undefined;
}

/**
 * True unless the manifest surely claims no identities: its text holds neither `dentities` (the member
 * name) nor `\u` (with which a non-canonical text could spell the name otherwise).
 */
export function mayClaimIdentities(input: Uint8Array | string): boolean {
  if (typeof input === 'string') return input.includes('dentities') || input.includes('\\u');
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  return bytes.includes('dentities') || bytes.includes('\\u');
}

/** The identities a stored manifest claims (its bytes were verified at ingest). */
function identitiesOf(bytes: Uint8Array): IdentityLink[] {
  const manifest = JSON.parse(new TextDecoder().decode(bytes)) as {
    credentialSubject?: { identities?: unknown };
  };
  const identities = manifest.credentialSubject?.identities;
  if (!Array.isArray(identities)) return [];
  return identities.filter(
    (i): i is IdentityLink =>
      typeof i === 'object' && i !== null && typeof i.type === 'string' && typeof i.id === 'string',
  );
}

/** A stored link as `GET /v1/creators/{did}` shows it. */
export function creatorLink(link: StoredLink, nowMs: number): CreatorLink {
  const { status, latest } = link;
  const observation = latest?.observation;
  return {
    identity: { type: link.identity.type, id: link.identity.id },
    state: status.state,
    bound: linkBound(
      latest === undefined ? undefined : { observation: latest.observation, lastOkAt: status.lastOkAt },
      nowMs,
    ),
    ...(observation === undefined ? {} : { observedAt: observation.observedAt }),
    ...(status.lastOkAt === undefined ? {} : { lastOkAt: status.lastOkAt }),
    nextCheckAt: new Date(status.nextCheckAt).toISOString(),
    ...(observation === undefined ? {} : { method: observation.method }),
    ...(observation?.reason === undefined ? {} : { reason: observation.reason }),
    ...(latest === undefined ? {} : { observation: latest.cid }),
  };
}

/** Schedules and runs link checks; see the module comment. */
export class LinkObserver {
  readonly #deps: LinkObserverDeps;
  readonly #schedule: LinkScheduleOptions;
  readonly #slots: Semaphore;
  readonly #abort = new AbortController();
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Each link's check in progress (scheduled or asked for), by identity key; one at a time per link. */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Creators whose claims to read, and whether their new head may claim identities. */
  readonly #pending = new Map<string, boolean>();
  #reading = false;
  #readScheduled = false;
  #warnedFull = false;

  constructor(deps: LinkObserverDeps) {
    if (!Number.isInteger(deps.concurrency) || deps.concurrency < 1)
      throw new RangeError('links.concurrency must be a positive integer');
    this.#deps = deps;
    this.#schedule = deps.schedule ?? DEFAULT_LINK_SCHEDULE;
    this.#slots = new Semaphore(deps.concurrency);
  }

  /** Starts checking the links that are due, and keeps doing so. */
  start(): void {
    this.#pump();
  }

  /** Stops: no check starts and no result is stored after this; checks in progress are aborted. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
    this.#pending.clear();
  }

  /**
   * Told of a manifest just added as a creator's head, with its text as given: the creator's claims are
   * read again in the background when the manifest may claim identities or the creator has links.
   */
  headAdded(creator: string, input: Uint8Array | string): void {
    if (this.#stopped) return;
    const mayClaim = mayClaimIdentities(input);
    if (!this.#pending.has(creator) && this.#pending.size >= MAX_PENDING_CREATORS) {
      if (!this.#warnedFull)
        this.#deps.logger?.warn({ creator }, 'too many creators wait for their links to be read; skipping');
      this.#warnedFull = true;
      return;
    }
    this.#pending.set(creator, mayClaim || this.#pending.get(creator) === true);
    // Later, not on the ingest's way back: even the look-up of a creator's links waits.
    if (!this.#reading && !this.#readScheduled) {
      this.#readScheduled = true;
      setImmediate(() => {
        this.#readScheduled = false;
        if (!this.#reading) void this.#readPending();
      });
    }
  }

  async #readPending(): Promise<void> {
    this.#reading = true;
    try {
      for (const [creator, mayClaim] of this.#pending) {
        if (this.#stopped) return;
        this.#pending.delete(creator);
        this.#warnedFull = false;
        try {
          if (!mayClaim && this.#deps.store.linksOf(creator).length === 0) continue;
          if ((await this.#readClaims(creator)).length > 0) this.#pump();
        } catch (error) {
          if (!this.#stopped)
            this.#deps.logger?.warn(
              { creator, error: String(error) },
              'could not read the links a creator claims',
            );
        }
      }
    } finally {
      this.#reading = false;
      if (!this.#stopped && this.#pending.size > 0) void this.#readPending();
    }
  }

  /**
   * Makes the creator's links those its newest heads claim (every branch at the highest version);
   * answers the identities new to it. A creator this node holds nothing of keeps its links.
   */
  #readClaims(creator: string): Promise<IdentityLink[]> {
    return this.#deps.exclusive(async () => {
      if (this.#stopped) return [];
      const heads = this.#deps.heads(creator);
      if (heads.length === 0) return [];
      const newest = Math.max(...heads.map((h) => h.version));
      const claims = new Map<string, IdentityLink>();
      for (const head of heads) {
        if (head.version !== newest) continue;
        const bytes = await this.#deps.read(head.cid);
        if (bytes === undefined) return [];
        for (const identity of identitiesOf(bytes)) claims.set(identityKey(identity), identity);
      }
      if (this.#stopped) return [];
      return this.#deps.store.setClaims(creator, [...claims.values()], this.#deps.now().getTime());
    });
  }

  /** Reads the creator's claims again and checks every link now; resolves once each is stored. */
  async recheck(creator: string): Promise<void> {
    await this.#readClaims(creator);
    const links = this.#stopped ? [] : this.#deps.store.linksOf(creator);
    await Promise.all(links.map((link) => this.#checkLink(link.creator, link.identity)));
  }

  /** Starts the checks that are due, up to the concurrency, then waits for the next one due. */
  #pump(): void {
    if (this.#stopped) return;
    const { store, concurrency } = this.#deps;
    const nowMs = this.#deps.now().getTime();
    if (this.#inFlight.size < concurrency) {
      for (const link of store.due(nowMs, concurrency + this.#inFlight.size)) {
        if (this.#inFlight.size >= concurrency) break;
        if (!this.#inFlight.has(linkKey(link.creator, link.identity)))
          void this.#checkLink(link.creator, link.identity);
      }
    }
    clearTimeout(this.#timer);
    const next = store.nextDue();
    if (next === undefined) return;
    let delay = next - nowMs;
    // Due now but all in progress (or at the concurrency): each check that ends pumps again.
    if (delay <= 0 && this.#inFlight.size > 0) return;
    delay = Math.min(Math.max(delay, 1_000), MAX_TIMER_MS);
    this.#timer = setTimeout(() => this.#pump(), delay);
    this.#timer.unref?.();
  }

  /** Checks one link after any check of it in progress, in a free slot; never rejects. */
  #checkLink(creator: string, identity: IdentityLink): Promise<void> {
    const key = linkKey(creator, identity);
    const before = this.#inFlight.get(key) ?? Promise.resolve();
    const task: Promise<void> = before
      .then(() => this.#slots.run(() => this.#check(creator, identity)))
      .catch(() => undefined)
      .finally(() => {
        if (this.#inFlight.get(key) === task) this.#inFlight.delete(key);
        this.#pump();
      });
    this.#inFlight.set(key, task);
    return task;
  }

  async #check(creator: string, identity: IdentityLink): Promise<void> {
    if (this.#stopped) return;
    const { store, checker, logger } = this.#deps;
    try {
      const targets = this.#deps.relMeTargets?.(creator);
      const { observation, message } = await checker.check(creator, identity, {
        signal: this.#abort.signal,
        ...(targets === undefined ? {} : { relMeTargets: targets }),
      });
      if (this.#stopped) return;
      const link = store.get(creator, identity);
      // No longer claimed (a newer head dropped it while it was checked): nothing to keep.
      if (link === undefined) return;
      const lastOkAt = lastOkAtToSign(link.status, observation.result, observation.observedAt);
      const signed = await signObservation(observation, {
        identity: this.#deps.identity,
        ...(lastOkAt === undefined ? {} : { lastOkAt }),
      });
      if (this.#stopped) return;
      const status = nextLinkStatus(
        link.status,
        observation.result,
        observation.observedAt,
        this.#deps.random,
        this.#schedule,
      );
      if (store.record(signed, status))
        logger?.info(
          {
            creator,
            identity: identity.id,
            result: observation.result,
            reason: observation.reason,
            cid: signed.cid,
          },
          `link checked: ${message}`,
        );
    } catch (error) {
      if (this.#stopped) return;
      // Not a result of the link (the checker, signing or the store failed): try again after the backoff.
      logger?.warn({ creator, identity: identity.id, error: String(error) }, 'a link check failed');
      store.postpone(creator, identity, this.#deps.now().getTime() + this.#schedule.backoffMs);
    }
  }
}
