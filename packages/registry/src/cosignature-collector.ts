import { formatAddCheckpoint, formatKeyId, type NoteSignature, parseNote, verifyNote } from '@assent/tlog';
import type { Checkpointer } from './checkpointer.js';
import type { LogPeers, ResolvedLogPeer } from './log-peers.js';
import type { NodeLog, StoredCheckpoint } from './node-log.js';
import { fetchPeer, type PeerResponse, textOf } from './peer-fetch.js';
import type { RegistryLogger } from './types.js';

/** What a {@link CosignatureCollector} needs. */
export interface CosignatureCollectorDeps {
  readonly peers: LogPeers;
  readonly log: NodeLog;
  readonly checkpointer: Checkpointer;
  readonly timeoutMs: number;
  readonly logger: RegistryLogger | undefined;
  /** Aborted when the node stops. */
  readonly signal: AbortSignal;
}

/** One witness's exchange state: the size of ours it last cosigned, and whether a request is out. */
interface WitnessState {
  cosignedSize: number | undefined;
  busy: boolean;
  again: boolean;
  failure: string | null;
}

/** The most an add-checkpoint answer may weigh: a few signature lines. */
const MAX_ANSWER_BYTES = 64 * 1024;

const keyOf = (sig: Pick<NoteSignature, 'name' | 'keyId'>) => `${sig.name}+${formatKeyId(sig.keyId)}`;

/**
 * Asks the node's log peers, as C2SP tlog-witnesses, to cosign its checkpoints (tlog-witness
 * §add-checkpoint), and appends the cosignatures they return to the latest checkpoint, so that
 * `/log/checkpoint`, proofs and receipts carry them. Ingest never waits for it: each new checkpoint
 * starts a request per witness in the background (one at a time per witness; a newer checkpoint
 * signed meanwhile is asked for next), and the node's poll asks again for what a failure left
 * uncosigned. `old` is the size the witness last cosigned for this log; unknown after a restart, it is
 * 0, and the witness's 409 names the size to retry with once.
 */
export class CosignatureCollector {
  readonly #deps: CosignatureCollectorDeps;
  readonly #states = new Map<string, WitnessState>();

  constructor(deps: CosignatureCollectorDeps) {
    this.#deps = deps;
  }

  /** Asks every witness peer for a cosignature of the latest checkpoint, unless it carries one. Returns at once. */
  request(): void {
    if (this.#deps.signal.aborted) return;
    for (const peer of this.#deps.peers.resolved()) this.#pump(peer);
  }

  /** The size of this node's checkpoint a peer last cosigned, or null. */
  cosignedSize(url: string): number | null {
    return this.#states.get(url)?.cosignedSize ?? null;
  }

  /** The cosignatures on a stored checkpoint: its signature lines but the log's. */
  static cosignatures(checkpoint: StoredCheckpoint | undefined): number {
    if (checkpoint === undefined) return 0;
    const note = parseNote(checkpoint.note);
    return note.ok ? Math.max(0, note.value.signatures.length - 1) : 0;
  }

  #pump(peer: ResolvedLogPeer): void {
    let state = this.#states.get(peer.url);
    if (state === undefined) {
      state = { cosignedSize: undefined, busy: false, again: false, failure: null };
      this.#states.set(peer.url, state);
    }
    if (state.busy) {
      state.again = true;
      return;
    }
    state.busy = true;
    const current = state;
    void (async () => {
      try {
        do {
          current.again = false;
          await this.#ask(peer, current);
        } while (current.again && !this.#deps.signal.aborted);
      } catch (error) {
        this.#fail(peer, current, `add-checkpoint: ${(error as Error).message}`, error);
      } finally {
        current.busy = false;
      }
    })();
  }

  async #ask(peer: ResolvedLogPeer, state: WitnessState): Promise<void> {
    const latest = this.#deps.checkpointer.latest();
    if (latest === undefined || this.#deps.signal.aborted) return;
    const note = parseNote(latest.note);
    if (!note.ok) return;
    const witnessKey = keyOf(peer.witness);
    if (note.value.signatures.some((sig) => keyOf(sig) === witnessKey)) {
      state.cosignedSize = latest.size;
      return;
    }
    let old = state.cosignedSize ?? 0;
    if (old > latest.size) old = 0;
    let answer = await this.#send(peer, latest, old);
    if (answer.status === 409) {
      // tlog-witness: the body is the size the witness last cosigned; retry once with it.
      const match = /^(0|[1-9][0-9]{0,15})\n?$/.exec(textOf(answer) ?? '');
      const size = match === null ? undefined : Number(match[1]);
      if (size !== undefined && size > latest.size) {
        this.#deps.logger?.error(
          { peer: peer.url, witnessed: size, checkpoint: latest.size },
          'a witness cosigned a larger checkpoint of this log than the log has: it was rolled back (restored from an old backup?) or its key signed another history',
        );
        state.cosignedSize = size;
        return;
      }
      if (size !== undefined && size !== old) answer = await this.#send(peer, latest, size);
    }
    const body = textOf(answer) ?? '';
    if (answer.status !== 200) {
      this.#fail(peer, state, `add-checkpoint: HTTP ${answer.status} ${body.slice(0, 200)}`);
      return;
    }
    // Only lines by the peer's witness key are kept (tlog-witness: "ignore any cosignatures from
    // unknown keys"); one that does not verify rejects the answer.
    const verified = await verifyNote(`${note.value.text}\n${body}`, [peer.witness]);
    if (!verified.ok) {
      this.#fail(peer, state, `add-checkpoint: the cosignature does not verify (${verified.code})`);
      return;
    }
    this.#merge(latest.size, verified.value.verified);
    state.cosignedSize = latest.size;
    if (state.failure !== null) this.#deps.logger?.info({ peer: peer.url }, 'a witness cosigns again');
    state.failure = null;
  }

  #send(peer: ResolvedLogPeer, checkpoint: StoredCheckpoint, old: number): Promise<PeerResponse> {
    const proof =
      old > 0 && old < checkpoint.size
        ? this.#deps.log.tree(checkpoint.size).consistencyProof(old, checkpoint.size)
        : [];
    return fetchPeer(`${peer.url}/witness/add-checkpoint`, {
      method: 'POST',
      body: formatAddCheckpoint({ oldSize: old, proof, checkpoint: checkpoint.note }),
      timeoutMs: this.#deps.timeoutMs,
      maxBytes: MAX_ANSWER_BYTES,
      signal: this.#deps.signal,
    });
  }

  /** Adds cosignature lines to the latest checkpoint if it is still the one of `size`. */
  #merge(size: number, lines: readonly NoteSignature[]): void {
    const { checkpointer } = this.#deps;
    const current = checkpointer.latest();
    if (current === undefined || current.size !== size || lines.length === 0) return;
    const note = parseNote(current.note);
    if (!note.ok) return;
    const added = new Set(lines.map(keyOf));
    const kept = note.value.signatures.filter((sig) => !added.has(keyOf(sig))).map((sig) => sig.line);
    checkpointer.addSignatures(
      size,
      `${note.value.text}\n${[...kept, ...lines.map((l) => l.line)].join('\n')}\n`,
    );
  }

  /** Logs a failure at warn when it is new for the peer, at debug while it repeats. */
  #fail(peer: ResolvedLogPeer, state: WitnessState, message: string, error?: unknown): void {
    if (this.#deps.signal.aborted) return;
    const fields = { peer: peer.url, ...(error === undefined ? {} : { err: error }) };
    if (state.failure !== message)
      this.#deps.logger?.warn(
        { ...fields, message },
        'a witness did not cosign this node’s checkpoint; asked again later',
      );
    else this.#deps.logger?.debug({ ...fields, message }, 'a witness still does not cosign');
    state.failure = message;
    this.#deps.peers.setError(peer.url, message);
  }
}
