import {
  createNoteVerifier,
  formatVkey,
  type NoteVerifier,
  parseVkey,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
  type Vkey,
} from '@assent/tlog';
import type Database from 'better-sqlite3';
import { fetchPeer, textOf } from './peer-fetch.js';
import type { LogPeer, LogPeerView, RegistryLogger } from './types.js';

/** A log peer whose keys are known. */
export interface ResolvedLogPeer {
  /** Its gateway URL, without a trailing slash. */
  readonly url: string;
  readonly origin: string;
  readonly vkey: string;
  readonly witnessVkey: string;
  /** Verifies its log's signatures (type 0x01, named `origin`). */
  readonly log: NoteVerifier;
  /** Verifies its cosignatures (type 0x04). */
  readonly witness: NoteVerifier;
  readonly trust: 'pinned' | 'first-use';
}

interface Configured {
  readonly url: string;
  readonly vkey: Vkey | undefined;
  readonly witnessVkey: Vkey | undefined;
  resolved: ResolvedLogPeer | undefined;
  lastError: string | null;
}

/** What `/.well-known/assent-node.json` may weigh at most. */
const MAX_DESCRIPTION_BYTES = 16 * 1024;

function parseTyped(text: string, type: number, what: string): Vkey {
  const parsed = parseVkey(text);
  if (!parsed.ok) throw new TypeError(`${what}: ${parsed.message}`);
  if (parsed.value.type !== type)
    throw new TypeError(
      `${what}: not a type 0x0${type} vkey (${parsed.value.type === 1 ? 'a log key' : 'a cosignature key'})`,
    );
  return parsed.value;
}

/** A peer's gateway URL as configured: http or https, no credentials, query or fragment. */
export function normalizePeerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`a log peer is an http(s) URL, not ${JSON.stringify(text)}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '')
    throw new TypeError(`a log peer is an http(s) URL without credentials, not ${JSON.stringify(text)}`);
  if (url.search !== '' || url.hash !== '')
    throw new TypeError(`a log peer URL has no query or fragment: ${JSON.stringify(text)}`);
  return url.href.replace(/\/+$/, '');
}

/**
 * The log peers of a node (docs/witnessing.md) and their keys. A key pinned in the options is used as
 * given. A key not pinned is learned from the peer's `/.well-known/assent-node.json` on first contact
 * and remembered in `index.sqlite` (`log_peer_keys`): trust on first use, so a peer (or whoever answers
 * at its URL) cannot change its keys later without the operator pinning the new ones. A peer that
 * publishes a key other than the one pinned or remembered is not used, and the refusal is logged.
 */
export class LogPeers {
  readonly #peers: Configured[];
  readonly #ownOrigin: string;
  readonly #logger: RegistryLogger | undefined;
  readonly #timeoutMs: number;
  readonly #stmt: { get: Database.Statement; put: Database.Statement };
  #resolving: Promise<void> | undefined;

  constructor(
    db: Database.Database,
    peers: readonly LogPeer[],
    options: { ownOrigin: string; timeoutMs: number; logger: RegistryLogger | undefined },
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS log_peer_keys (
        url TEXT PRIMARY KEY,
        origin TEXT NOT NULL,
        vkey TEXT NOT NULL,
        witness_vkey TEXT NOT NULL,
        learned_at TEXT NOT NULL
      );
    `);
    this.#stmt = {
      get: db.prepare('SELECT origin, vkey, witness_vkey FROM log_peer_keys WHERE url = ?'),
      put: db.prepare(
        'INSERT OR REPLACE INTO log_peer_keys (url, origin, vkey, witness_vkey, learned_at) VALUES (?, ?, ?, ?, ?)',
      ),
    };
    this.#ownOrigin = options.ownOrigin;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
    const seen = new Set<string>();
    this.#peers = peers.map((peer, i) => {
      if (typeof peer?.url !== 'string') throw new TypeError(`logPeers[${i}] needs a url`);
      const url = normalizePeerUrl(peer.url);
      if (seen.has(url)) throw new TypeError(`the log peer ${url} is named twice`);
      seen.add(url);
      const vkey = peer.vkey === undefined ? undefined : parseTyped(peer.vkey, SIGNATURE_TYPE_ED25519, url);
      const witnessVkey =
        peer.witnessVkey === undefined
          ? undefined
          : parseTyped(peer.witnessVkey, SIGNATURE_TYPE_COSIGNATURE_V1, url);
      if (vkey?.name === options.ownOrigin)
        throw new TypeError(`${url}: the pinned log key is this node's own`);
      return { url, vkey, witnessVkey, resolved: undefined, lastError: null };
    });
    for (const peer of this.#peers) this.#fromPinsOrMemory(peer);
  }

  /** True when no log peers are configured. */
  get empty(): boolean {
    return this.#peers.length === 0;
  }

  /** The peers whose keys are known. */
  resolved(): ResolvedLogPeer[] {
    return this.#peers.flatMap((p) => (p.resolved === undefined ? [] : [p.resolved]));
  }

  /** The known peer whose log has this origin. */
  byOrigin(origin: string): ResolvedLogPeer | undefined {
    return this.#peers.find((p) => p.resolved?.origin === origin)?.resolved;
  }

  /** Records the last failure in talking to a peer (null: it answered). */
  setError(url: string, error: string | null): void {
    const peer = this.#peers.find((p) => p.url === url);
    if (peer !== undefined) peer.lastError = error;
  }

  views(cosignedSize: (url: string) => number | null): LogPeerView[] {
    return this.#peers.map((p) => ({
      url: p.url,
      origin: p.resolved?.origin ?? p.vkey?.name ?? null,
      vkey: p.resolved?.vkey ?? null,
      witnessVkey: p.resolved?.witnessVkey ?? null,
      trust: p.resolved?.trust ?? 'unknown',
      cosignedSize: cosignedSize(p.url),
      lastError: p.lastError,
    }));
  }

  /** True when some peer's keys are not known yet. */
  get unresolved(): boolean {
    return this.#peers.some((p) => p.resolved === undefined);
  }

  /**
   * Learns the keys of the peers not resolved yet, from their `assent-node.json`. Never throws; a
   * call while one runs joins it.
   */
  resolve(signal: AbortSignal): Promise<void> {
    this.#resolving ??= this.#resolveAll(signal).finally(() => {
      this.#resolving = undefined;
    });
    return this.#resolving;
  }

  async #resolveAll(signal: AbortSignal): Promise<void> {
    await Promise.all(
      this.#peers
        .filter((p) => p.resolved === undefined)
        .map(async (peer) => {
          try {
            await this.#learn(peer, signal);
          } catch (error) {
            peer.lastError = `assent-node.json: ${(error as Error).message}`;
            this.#logger?.debug({ peer: peer.url, err: error }, 'a log peer could not be reached');
          }
        }),
    );
  }

  /** Resolves a peer from its pinned keys, or from the keys remembered at its first contact. */
  #fromPinsOrMemory(peer: Configured): void {
    if (peer.vkey !== undefined && peer.witnessVkey !== undefined) {
      // Remembered too: with the pins removed later, the keys the operator last approved stay.
      this.#accept(peer, peer.vkey, peer.witnessVkey, 'pinned');
      this.#remember(peer);
      return;
    }
    const row = this.#stmt.get.get(peer.url) as
      | { origin: string; vkey: string; witness_vkey: string }
      | undefined;
    if (row === undefined) return;
    const vkey = peer.vkey ?? parseTyped(row.vkey, SIGNATURE_TYPE_ED25519, peer.url);
    const witnessVkey =
      peer.witnessVkey ?? parseTyped(row.witness_vkey, SIGNATURE_TYPE_COSIGNATURE_V1, peer.url);
    this.#accept(peer, vkey, witnessVkey, 'first-use');
  }

  async #learn(peer: Configured, signal: AbortSignal): Promise<void> {
    const response = await fetchPeer(`${peer.url}/.well-known/assent-node.json`, {
      timeoutMs: this.#timeoutMs,
      maxBytes: MAX_DESCRIPTION_BYTES,
      signal,
    });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    const description = JSON.parse(textOf(response) ?? 'null') as Record<string, unknown> | null;
    const { origin, logVkey, witnessVkey } = description ?? {};
    if (typeof origin !== 'string' || typeof logVkey !== 'string' || typeof witnessVkey !== 'string')
      throw new Error('not {"origin","logVkey","witnessVkey"}');
    const vkey = parseTyped(logVkey, SIGNATURE_TYPE_ED25519, 'logVkey');
    const witness = parseTyped(witnessVkey, SIGNATURE_TYPE_COSIGNATURE_V1, 'witnessVkey');
    if (vkey.name !== origin) throw new Error(`its log key is named ${vkey.name}, not its origin ${origin}`);
    // A pinned key is the operator's word: a peer publishing another is not the log they meant.
    for (const [pinned, published, what] of [
      [peer.vkey, logVkey, 'log'],
      [peer.witnessVkey, witnessVkey, 'witness'],
    ] as const) {
      if (pinned !== undefined && formatVkey(pinned) !== published) {
        this.#logger?.error(
          { peer: peer.url, pinned: formatVkey(pinned), published },
          `a log peer publishes a ${what} key other than the one pinned; it is not used`,
        );
        throw new Error(`it publishes a ${what} key other than the one pinned`);
      }
    }
    this.#accept(peer, peer.vkey ?? vkey, peer.witnessVkey ?? witness, 'first-use');
    const learned = this.#remember(peer);
    if (learned !== undefined)
      this.#logger?.info(
        { peer: peer.url, origin: learned.origin, vkey: learned.vkey, witnessVkey: learned.witnessVkey },
        'learned a log peer’s keys on first use',
      );
  }

  /** Stores a resolved peer's keys in `log_peer_keys`. */
  #remember(peer: Configured): ResolvedLogPeer | undefined {
    const known = peer.resolved;
    if (known !== undefined)
      this.#stmt.put.run(peer.url, known.origin, known.vkey, known.witnessVkey, new Date().toISOString());
    return known;
  }

  #accept(peer: Configured, vkey: Vkey, witnessVkey: Vkey, trust: 'pinned' | 'first-use'): void {
    if (vkey.name === this.#ownOrigin) {
      peer.lastError = 'this is this node’s own log';
      this.#logger?.warn({ peer: peer.url }, 'a log peer is this node itself; it is not used');
      return;
    }
    const other = this.#peers.find((p) => p !== peer && p.resolved?.origin === vkey.name);
    if (other !== undefined) {
      peer.lastError = `${other.url} has the same origin`;
      this.#logger?.warn(
        { peer: peer.url, other: other.url },
        'two log peers have one origin; only the first is used',
      );
      return;
    }
    peer.resolved = {
      url: peer.url,
      origin: vkey.name,
      vkey: formatVkey(vkey),
      witnessVkey: formatVkey(witnessVkey),
      log: createNoteVerifier(vkey),
      witness: createNoteVerifier(witnessVkey),
      trust,
    };
    peer.lastError = null;
  }
}
