import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Latency histogram buckets, in seconds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the registry node reports (its `stats()`); replication counters when it replicates. */
export interface NodeStats {
  readonly manifests: number;
  readonly works: number;
  readonly connections: number;
  readonly announcements?: number;
  readonly replicated?: number;
  readonly rejected?: number;
  readonly unavailable?: number;
  readonly dropped?: number;
  readonly syncs?: number;
  readonly pending?: number;
  readonly penalized?: number;
  readonly witnessCosigned?: number;
  readonly witnessRefused?: number;
  readonly checkpointCosignatures?: number;
  readonly equivocations?: number;
}

/** Where the gauges read their values when `/metrics` is scraped. */
export interface MetricSources {
  stats(): NodeStats;
  /** Request body bytes held in memory now. */
  bodyBytesInFlight(): number;
  /** Seconds since the node's index was last known complete (`asOf`). */
  freshnessAgeSeconds(): number;
}

/** Counters of `stats()` (replication, witnessing): metric name, stats field, help. */
const COUNTERS: readonly [string, keyof NodeStats, string][] = [
  ['assent_replication_announcements_total', 'announcements', 'Announcements received from peers.'],
  ['assent_replication_manifests_total', 'replicated', 'Manifests fetched from peers and indexed.'],
  ['assent_replication_rejected_total', 'rejected', 'Blocks from peers refused as invalid.'],
  ['assent_replication_unavailable_total', 'unavailable', 'Fetches from peers that failed or timed out.'],
  ['assent_replication_dropped_total', 'dropped', 'Announcements dropped because a queue was full.'],
  ['assent_replication_syncs_total', 'syncs', 'Catch-up exchanges with peers completed.'],
  ['assent_replication_penalized_total', 'penalized', 'Peers disconnected for wasting fetches.'],
  ['assent_witness_cosigned_total', 'witnessCosigned', "Checkpoints of peers' logs cosigned as a witness."],
  ['assent_witness_refused_total', 'witnessRefused', 'add-checkpoint requests refused as a witness.'],
];

/**
 * The gateway's Prometheus metrics (prom-client), in a registry of its own so that two gateways in one
 * process do not share series: requests by method, route pattern and status, a latency histogram by
 * route, the node's gauges and replication counters read at scrape time, and, unless turned off, the
 * process metrics of prom-client (CPU, memory, event loop lag, GC). Route labels are route patterns,
 * never raw paths, so the series stay bounded whatever clients send.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #latency: Histogram<'method' | 'route'>;
  /** The labelled children of each (method, route, status), made once: `observe` runs on every request. */
  readonly #series = new Map<
    string,
    { readonly count: { inc(): void }; readonly latency: { observe(v: number): void } }
  >();

  constructor(sources: MetricSources, options: { readonly processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'assent_http_requests_total',
      help: 'HTTP requests answered, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'assent_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method and route.',
      labelNames: ['method', 'route'],
      buckets: BUCKETS,
      registers,
    });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('assent_manifests_indexed', 'Manifests held in the index.', () => sources.stats().manifests);
    gauge('assent_works_indexed', 'Work ids named by head manifests.', () => sources.stats().works);
    gauge('assent_peers_connected', 'Connected libp2p peers.', () => sources.stats().connections);
    gauge(
      'assent_replication_pending',
      'Manifests from peers waiting for their previous version.',
      () => sources.stats().pending ?? 0,
    );
    gauge(
      'assent_log_checkpoint_cosignatures',
      "Witness cosignatures on this node's latest checkpoint.",
      () => sources.stats().checkpointCosignatures ?? 0,
    );
    gauge(
      'assent_log_equivocations',
      'Pairs of inconsistent checkpoints signed by one log, held as evidence (GET /v1/equivocations).',
      () => sources.stats().equivocations ?? 0,
    );
    gauge(
      'assent_http_body_bytes_in_flight',
      'Request body bytes held in memory now, of maxBodyBytesInFlight.',
      sources.bodyBytesInFlight,
    );
    gauge(
      'assent_index_age_seconds',
      'Seconds since the index was last known to hold what its peers held (asOf).',
      sources.freshnessAgeSeconds,
    );
    for (const [name, field, help] of COUNTERS) {
      new Counter({
        name,
        help,
        registers,
        // The registry counts; the counter shows its count (never less than it showed: counts only grow).
        collect() {
          this.reset();
          this.inc(Number(sources.stats()[field] ?? 0));
        },
      });
    }
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one answered request and its latency. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const id = `${method} ${route} ${status}`;
    let series = this.#series.get(id);
    if (series === undefined) {
      series = {
        count: this.#requests.labels(method, route, String(status)),
        latency: this.#latency.labels(method, route),
      };
      this.#series.set(id, series);
    }
    series.count.inc();
    series.latency.observe(seconds);
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ readonly text: string; readonly contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
