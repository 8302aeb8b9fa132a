/** What a fetch a peer caused was worth: a manifest indexed or held, or nothing (invalid, unavailable). */
export type FetchVerdict = 'useful' | 'wasted';

/** Options of {@link PeerLedger}. */
export interface PeerLedgerOptions {
  /** The window over which a peer's fetches are counted (default 60 s). */
  readonly windowMs?: number;
  /** Wasted fetches in a window that make a peer a waster (default 16)… */
  readonly wastedLimit?: number;
  /** …when they also outnumber its useful ones this many times (default 4). */
  readonly wastedRatio?: number;
  /** How long a waster is disconnected and refused (default 10 min). */
  readonly banMs?: number;
  /** Only these peer ids may connect, when given (`--peer-allow`). */
  readonly allow?: readonly string[];
  /** Peers remembered at most; the quietest are forgotten beyond (default 4096). */
  readonly maxPeers?: number;
}

interface Account {
  windowStart: number;
  useful: number;
  wasted: number;
  bannedUntil: number;
}

/**
 * Accounting of what each peer's announcements and logs cost this node (docs/operations.md,
 * "Replication"). Announcing a CID costs the announcer nothing and the receiver a fetch of up to
 * `fetchTimeoutMs`, so every fetch is booked to the peer that caused it:
 * - a peer with more wasted than useful fetches in the window gets one fetch slot instead of
 *   `maxFetchesPerPeer`;
 * - its gossipsub application score is minus its wasted fetches (so gossipsub stops sending it gossip
 *   and, far enough down, ignores it: thresholds of docs/operations.md);
 * - a peer whose wasted fetches reach `wastedLimit` and outnumber its useful ones `wastedRatio` times is
 *   a waster: disconnected, and refused by the connection gater for `banMs`.
 * An honest peer only announces what it indexed, so it wastes a fetch only when it dies before
 * serving the block.
 */
export class PeerLedger {
  readonly #windowMs: number;
  readonly #wastedLimit: number;
  readonly #wastedRatio: number;
  readonly #banMs: number;
  readonly #maxPeers: number;
  readonly #allow: ReadonlySet<string> | undefined;
  readonly #accounts = new Map<string, Account>();
  #penalized = 0;

  constructor(options: PeerLedgerOptions = {}) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#wastedLimit = options.wastedLimit ?? 16;
    this.#wastedRatio = options.wastedRatio ?? 4;
    this.#banMs = options.banMs ?? 600_000;
    this.#maxPeers = options.maxPeers ?? 4096;
    this.#allow = options.allow === undefined ? undefined : new Set(options.allow);
  }

  #account(peer: string, now: number): Account {
    let account = this.#accounts.get(peer);
    if (account === undefined) {
      if (this.#accounts.size >= this.#maxPeers) this.#forgetQuietest(now);
      account = { windowStart: now, useful: 0, wasted: 0, bannedUntil: 0 };
      this.#accounts.set(peer, account);
    } else if (now - account.windowStart >= this.#windowMs) {
      account.windowStart = now;
      account.useful = 0;
      account.wasted = 0;
    }
    return account;
  }

  #forgetQuietest(now: number): void {
    for (const [peer, account] of this.#accounts) {
      if (account.bannedUntil <= now) {
        this.#accounts.delete(peer);
        return;
      }
    }
    // Every remembered peer is banned: forget the one whose ban ends first.
    const first = this.#accounts.keys().next();
    if (first.done !== true) this.#accounts.delete(first.value);
  }

  /**
   * Books one fetch to `peer`.
   * @returns true when this fetch made the peer a waster: the caller disconnects it.
   */
  record(peer: string, verdict: FetchVerdict, now = Date.now()): boolean {
    const account = this.#account(peer, now);
    if (verdict === 'useful') {
      account.useful++;
      return false;
    }
    account.wasted++;
    if (
      account.bannedUntil <= now &&
      account.wasted >= this.#wastedLimit &&
      account.wasted > this.#wastedRatio * account.useful
    ) {
      account.bannedUntil = now + this.#banMs;
      this.#penalized++;
      return true;
    }
    return false;
  }

  /** True while `peer` is refused: banned, or not on the allowlist. */
  refused(peer: string, now = Date.now()): boolean {
    if (this.#allow !== undefined && !this.#allow.has(peer)) return true;
    return (this.#accounts.get(peer)?.bannedUntil ?? 0) > now;
  }

  /** Concurrent fetches `peer` may cause: `max`, or one once it wasted fetches in this window. */
  slotsFor(peer: string, max: number, now = Date.now()): number {
    const account = this.#accounts.get(peer);
    if (account === undefined || now - account.windowStart >= this.#windowMs) return max;
    return account.wasted > 0 && account.wasted > account.useful ? 1 : max;
  }

  /** The gossipsub application-specific score of `peer` (0 for a peer that wastes nothing). */
  score(peer: string, now = Date.now()): number {
    const account = this.#accounts.get(peer);
    if (account === undefined) return 0;
    if (account.bannedUntil > now) return -1000;
    if (now - account.windowStart >= this.#windowMs) return 0;
    return -account.wasted;
  }

  /** Peers made wasters since start. */
  get penalized(): number {
    return this.#penalized;
  }
}
