/** Latency histogram buckets, in seconds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Gauges read when `/metrics` is scraped. */
export interface MetricGauges {
  readonly manifests: number;
  /** Creators with a manifest; rendered only when the registry reports it. */
  readonly creators?: number;
  readonly works: number;
  readonly peers: number;
  /** Request body bytes held in memory now (see `maxBodyBytesInFlight`). */
  readonly bodyBytesInFlight: number;
  /** The registry's replication counters; rendered when the registry reports them. */
  readonly replication?: ReplicationCounters;
}

/** What replication has done since the node started (the registry's `stats()`). */
export interface ReplicationCounters {
  readonly announcements: number;
  readonly replicated: number;
  readonly rejected: number;
  readonly unavailable: number;
  readonly dropped: number;
  readonly syncs: number;
  readonly pending: number;
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Request counters by route and status and a latency histogram by route, in the Prometheus text
 * exposition format 0.0.4. Routes are the matched route patterns (never raw paths), so the series
 * stay bounded whatever clients send.
 */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();
  /** The series keys of each (method, route, status), built once: `observe` runs on every request. */
  readonly #series = new Map<string, { readonly requests: string; readonly latency: Histogram }>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const id = `${method} ${route} ${status}`;
    let series = this.#series.get(id);
    if (series === undefined) {
      const hkey = `method="${label(method)}",route="${label(route)}"`;
      let latency = this.#latency.get(hkey);
      if (latency === undefined) {
        latency = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
        this.#latency.set(hkey, latency);
      }
      series = { requests: `${hkey},status="${status}"`, latency };
      this.#series.set(id, series);
    }
    this.#requests.set(series.requests, (this.#requests.get(series.requests) ?? 0) + 1);
    const h = series.latency;
    for (let i = 0; i < BUCKETS.length; i++)
      if (seconds <= (BUCKETS[i] as number)) h.counts[i] = (h.counts[i] ?? 0) + 1;
    h.sum += seconds;
    h.count += 1;
  }

  render(gauges: MetricGauges): string {
    const lines: string[] = [
      '# HELP assent_http_requests_total HTTP requests answered, by method, route and status.',
      '# TYPE assent_http_requests_total counter',
    ];
    for (const [key, n] of this.#requests) lines.push(`assent_http_requests_total{${key}} ${n}`);
    lines.push(
      '# HELP assent_http_request_duration_seconds Time to answer HTTP requests, by method and route.',
      '# TYPE assent_http_request_duration_seconds histogram',
    );
    for (const [key, h] of this.#latency) {
      BUCKETS.forEach((le, i) => {
        lines.push(`assent_http_request_duration_seconds_bucket{${key},le="${le}"} ${h.counts[i]}`);
      });
      lines.push(`assent_http_request_duration_seconds_bucket{${key},le="+Inf"} ${h.count}`);
      lines.push(`assent_http_request_duration_seconds_sum{${key}} ${h.sum}`);
      lines.push(`assent_http_request_duration_seconds_count{${key}} ${h.count}`);
    }
    const gauge = (name: string, help: string, value: number) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    gauge('assent_manifests_indexed', 'Manifests held in the index.', gauges.manifests);
    if (gauges.creators !== undefined)
      gauge('assent_creators_indexed', 'Creators with at least one manifest.', gauges.creators);
    gauge('assent_works_indexed', 'Work ids named by head manifests.', gauges.works);
    gauge('assent_peers_connected', 'Connected libp2p peers.', gauges.peers);
    gauge(
      'assent_http_body_bytes_in_flight',
      'Request body bytes held in memory now, of maxBodyBytesInFlight.',
      gauges.bodyBytesInFlight,
    );
    const r = gauges.replication;
    if (r !== undefined) {
      const counter = (name: string, help: string, value: number) =>
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
      counter(
        'assent_replication_announcements_total',
        'Announcements received from peers.',
        r.announcements,
      );
      counter(
        'assent_replication_manifests_total',
        'Manifests fetched from peers and indexed.',
        r.replicated,
      );
      counter('assent_replication_rejected_total', 'Blocks from peers refused as invalid.', r.rejected);
      counter(
        'assent_replication_unavailable_total',
        'Fetches from peers that failed or timed out.',
        r.unavailable,
      );
      counter(
        'assent_replication_dropped_total',
        'Announcements dropped because a queue was full.',
        r.dropped,
      );
      counter('assent_replication_syncs_total', 'Catch-up exchanges with peers completed.', r.syncs);
      gauge(
        'assent_replication_pending',
        'Manifests from peers waiting for their previous version.',
        r.pending,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
