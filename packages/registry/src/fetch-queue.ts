/** How one fetch ended. */
export type FetchOutcome = 'indexed' | 'invalid' | 'unavailable' | 'pending' | 'dropped';

/**
 * Which queue a fetch waits in: announcements from gossipsub, or entries of a peer's log read by a
 * catch-up. Each has its own room and slots, so a flood of announcements cannot stall catch-up.
 */
export type FetchLane = 'announce' | 'catch-up';

/** A queued or running fetch. */
export interface FetchJob {
  readonly cid: string;
  /** The peer the fetch is booked to (per-peer bounds, accounting). */
  readonly peer: string;
  readonly lane: FetchLane;
}

interface Job extends FetchJob {
  readonly promise: Promise<FetchOutcome>;
  readonly resolve: (outcome: FetchOutcome) => void;
}

/** Options of {@link FetchQueue}. */
export interface FetchQueueOptions {
  /** Fetches running at once, per lane. */
  readonly maxConcurrent: Readonly<Record<FetchLane, number>>;
  /** Fetches waiting, per lane; beyond, a fetch is `dropped`. */
  readonly maxQueued: number;
  /** Fetches waiting per peer, per lane. */
  readonly maxQueuedPerPeer: number;
  /** Fetches one peer may have running at once (across lanes). */
  slotsFor(peer: string): number;
  /** Does one fetch. */
  run(job: FetchJob): Promise<FetchOutcome>;
}

/**
 * The bounded fetch queues of a replicating node: one per lane, each with a room and a number of
 * slots, and per-peer bounds on both; a CID asked for twice is fetched once.
 */
export class FetchQueue {
  readonly #options: FetchQueueOptions;
  readonly #jobs = new Map<string, Job>();
  readonly #queues: Record<FetchLane, Job[]> = { announce: [], 'catch-up': [] };
  readonly #active: Record<FetchLane, number> = { announce: 0, 'catch-up': 0 };
  readonly #queuedPerPeer: Record<FetchLane, Map<string, number>> = {
    announce: new Map(),
    'catch-up': new Map(),
  };
  readonly #running = new Map<string, number>();
  #stopped = false;

  constructor(options: FetchQueueOptions) {
    this.#options = options;
  }

  /** Fetches `cid` in `lane`, booked to `peer`; joins a fetch of the same CID in progress. */
  fetch(cid: string, peer: string, lane: FetchLane): Promise<FetchOutcome> {
    const existing = this.#jobs.get(cid);
    if (existing !== undefined) return existing.promise;
    if (this.#stopped) return Promise.resolve('dropped');
    const queue = this.#queues[lane];
    const perPeer = this.#queuedPerPeer[lane];
    const queuedForPeer = perPeer.get(peer) ?? 0;
    if (queue.length >= this.#options.maxQueued || queuedForPeer >= this.#options.maxQueuedPerPeer)
      return Promise.resolve('dropped');
    let resolve!: (outcome: FetchOutcome) => void;
    const promise = new Promise<FetchOutcome>((r) => {
      resolve = r;
    });
    const job: Job = { cid, peer, lane, promise, resolve };
    this.#jobs.set(cid, job);
    queue.push(job);
    perPeer.set(peer, queuedForPeer + 1);
    void promise.then(() => this.#jobs.delete(cid));
    this.#pump(lane);
    return promise;
  }

  /** Drops every queued fetch of `peer` (a peer just disconnected as a waster). */
  dropPeer(peer: string): void {
    for (const lane of ['announce', 'catch-up'] as const) {
      const queue = this.#queues[lane];
      for (let i = queue.length - 1; i >= 0; i--) {
        const job = queue[i] as Job;
        if (job.peer !== peer) continue;
        queue.splice(i, 1);
        job.resolve('dropped');
      }
      this.#queuedPerPeer[lane].delete(peer);
    }
  }

  /** Fetches waiting, in all lanes. */
  get queued(): number {
    return this.#queues.announce.length + this.#queues['catch-up'].length;
  }

  stop(): void {
    this.#stopped = true;
    for (const lane of ['announce', 'catch-up'] as const) {
      for (const job of this.#queues[lane].splice(0)) job.resolve('dropped');
    }
  }

  #pump(lane: FetchLane): void {
    const queue = this.#queues[lane];
    while (this.#active[lane] < this.#options.maxConcurrent[lane]) {
      const index = queue.findIndex(
        (job) => (this.#running.get(job.peer) ?? 0) < this.#options.slotsFor(job.peer),
      );
      if (index === -1) return;
      const [job] = queue.splice(index, 1) as [Job];
      const perPeer = this.#queuedPerPeer[lane];
      const left = (perPeer.get(job.peer) ?? 1) - 1;
      if (left <= 0) perPeer.delete(job.peer);
      else perPeer.set(job.peer, left);
      this.#active[lane]++;
      this.#running.set(job.peer, (this.#running.get(job.peer) ?? 0) + 1);
      void this.#options
        .run(job)
        .catch((): FetchOutcome => 'unavailable')
        .then((outcome) => {
          this.#active[lane]--;
          const running = (this.#running.get(job.peer) ?? 1) - 1;
          if (running <= 0) this.#running.delete(job.peer);
          else this.#running.set(job.peer, running);
          job.resolve(outcome);
          // A slot of this peer is free: the other lane may have been waiting on it too.
          this.#pump('announce');
          this.#pump('catch-up');
        });
    }
  }
}
