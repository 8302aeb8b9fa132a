import { createNoteVerifier, parseVkey } from '@assent/tlog';
import type Database from 'better-sqlite3';
import type { Checkpointer } from './checkpointer.js';
import { CosignatureCollector } from './cosignature-collector.js';
import { EquivocationStore } from './equivocations.js';
import { LogPeers } from './log-peers.js';
import type { NodeKeys } from './node-keys.js';
import type { NodeLog } from './node-log.js';
import { SplitViewMonitor } from './split-view-monitor.js';
import type { LogPeer, RegistryLogger, RegistryWitness } from './types.js';
import { Witness } from './witness.js';

/** What {@link Witnessing} needs from the node. */
export interface WitnessingDeps {
  /** `index.sqlite`: witness state, learned keys, views and evidence live beside the log. */
  readonly db: Database.Database;
  readonly keys: NodeKeys;
  readonly log: NodeLog;
  readonly checkpointer: Checkpointer;
  readonly logPeers: readonly LogPeer[];
  readonly timeoutMs: number;
  readonly logger: RegistryLogger | undefined;
  readonly now?: () => Date;
}

/**
 * Witnessing between nodes (docs/witnessing.md): this node as a tlog-witness of its log peers
 * ({@link Witness}), its requests for their cosignatures ({@link CosignatureCollector}), and its watch
 * for split views ({@link SplitViewMonitor}, {@link EquivocationStore}). A round every interval learns
 * peers' keys, polls their checkpoints and asks again for missing cosignatures; each new checkpoint of
 * this node asks for cosignatures at once. Nothing here is on the ingest path.
 */
export class Witnessing {
  readonly peers: LogPeers;
  readonly witness: Witness;
  readonly evidence: EquivocationStore;
  readonly monitor: SplitViewMonitor;
  readonly collector: CosignatureCollector;
  readonly #checkpointer: Checkpointer;
  readonly #controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;

  constructor(deps: WitnessingDeps) {
    const { db, keys, log, checkpointer, logger } = deps;
    const now = deps.now ?? (() => new Date());
    const signal = this.#controller.signal;
    this.#checkpointer = checkpointer;
    this.peers = new LogPeers(db, deps.logPeers, {
      ownOrigin: keys.origin,
      timeoutMs: deps.timeoutMs,
      logger,
    });
    this.evidence = new EquivocationStore(db, { logger, now });
    const ownVkey = parseVkey(keys.log.vkey);
    if (!ownVkey.ok) throw new Error(`the node's own log vkey does not parse: ${ownVkey.message}`);
    this.monitor = new SplitViewMonitor({
      db,
      own: {
        origin: keys.origin,
        key: createNoteVerifier(ownVkey.value),
        log,
        covering: (size) => checkpointer.covering(size),
      },
      peers: this.peers,
      cosigned: (origin) => this.witness.witnessed(origin)?.note,
      evidence: this.evidence,
      timeoutMs: deps.timeoutMs,
      logger,
      now,
      signal,
    });
    this.witness = new Witness({
      db,
      cosigner: keys.witness,
      logKey: (origin) => this.peers.byOrigin(origin)?.log,
      evidence: this.evidence,
      observed: (origin, note) => void this.monitor.observe(origin, note, 'add-checkpoint'),
      now,
    });
    this.collector = new CosignatureCollector({
      peers: this.peers,
      log,
      checkpointer,
      timeoutMs: deps.timeoutMs,
      logger,
      signal,
    });
  }

  /** Starts the rounds (none without log peers) and the requests after each checkpoint. */
  start(intervalMs: number): void {
    if (this.peers.empty) return;
    this.#checkpointer.onSigned = () => this.#signed();
    this.#run();
    this.#timer = setInterval(() => this.#run(), intervalMs);
    this.#timer.unref();
  }

  /** Stops the rounds and aborts the requests in flight. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#checkpointer.onSigned = undefined;
    this.#controller.abort();
  }

  /**
   * A new checkpoint: cosignatures are asked for at once, after learning the keys of peers not known
   * yet (a peer that came up after this node need not wait for the next round).
   */
  #signed(): void {
    if (!this.peers.unresolved) {
      this.collector.request();
      return;
    }
    void this.peers.resolve(this.#controller.signal).then(() => this.collector.request());
  }

  /** One round: learn keys, poll, ask for missing cosignatures. A round still running is not doubled. */
  #run(): void {
    if (this.#round !== undefined || this.#controller.signal.aborted) return;
    this.#round = (async () => {
      await this.peers.resolve(this.#controller.signal);
      await this.monitor.poll();
      this.collector.request();
    })()
      .catch(() => undefined)
      .finally(() => {
        this.#round = undefined;
      });
  }

  /** The public face (`registry.witness`); `assertOpen` throws once the node is stopped. */
  view(assertOpen: () => void): RegistryWitness {
    return {
      addCheckpoint: (body) => {
        assertOpen();
        return this.witness.addCheckpoint(body);
      },
      cosigned: (hash) => {
        assertOpen();
        return this.witness.cosigned(hash);
      },
      equivocations: () => {
        assertOpen();
        return this.evidence.all();
      },
      peers: () => this.peers.views((url) => this.collector.cosignedSize(url)),
    };
  }

  stats(): {
    witnessCosigned: number;
    witnessRefused: number;
    checkpointCosignatures: number;
    equivocations: number;
  } {
    return {
      witnessCosigned: this.witness.cosignedCount,
      witnessRefused: this.witness.refusedCount,
      checkpointCosignatures: CosignatureCollector.cosignatures(this.#checkpointer.latest()),
      equivocations: this.evidence.count(),
    };
  }
}
