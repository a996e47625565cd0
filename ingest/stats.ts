import { REJECT_REASON_NAMES, type Channel, type RejectReason } from '../protocol/index.js';
import { counter, gauge, labelled, type MetricFamily } from '../runtime/index.js';

/** The ingest's own counters: plain numbers on the hot path, turned into samples when scraped. */
export class IngestCounters {
  received = 0;
  /** Points InfluxDB confirmed (telemetry and reject points). */
  written = 0;
  ignored = 0;
  /** Points InfluxDB itself refused (a field type conflict and the like), and so are not stored. */
  storageRefused = 0;
  writeErrors = 0;
  batchesWritten = 0;
  readonly accepted: Record<Channel, number> = { state: 0, meta: 0, heartbeat: 0, broadcast: 0, event: 0 };
  readonly rejected = Object.fromEntries(REJECT_REASON_NAMES.map((r) => [r, 0])) as Record<
    RejectReason,
    number
  >;
  /** Write round trips and receipt-to-stored delays of the last batches, in ms, for percentiles. */
  readonly writeLatency = new Window(512);
  readonly storedDelay = new Window(512);

  get rejectedTotal(): number {
    let total = 0;
    for (const reason of REJECT_REASON_NAMES) total += this.rejected[reason];
    return total;
  }
}

/** A fixed ring of recent samples with percentiles: enough for /metrics and the self-metrics point. */
export class Window {
  private readonly values: number[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  add(value: number): void {
    if (this.values.length < this.size) this.values.push(value);
    else this.values[this.next] = value;
    this.next = (this.next + 1) % this.size;
  }

  percentile(p: number): number {
    if (this.values.length === 0) return 0;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  }
}

export interface IngestGauges {
  buffered: number;
  walPendingBytes: number;
  walSegments: number;
  spilling: boolean;
  healthy: boolean;
}

export function ingestMetricFamilies(c: IngestCounters, g: IngestGauges): MetricFamily[] {
  return [
    counter('loa_ingest_messages_received_total', 'Messages appended to the write-ahead log.', c.received),
    labelled(
      'loa_ingest_messages_accepted_total',
      'Valid device messages, by channel.',
      'channel',
      c.accepted,
    ),
    labelled(
      'loa_ingest_messages_rejected_total',
      'Refused messages, by reason (docs/protocol.md lists the reasons).',
      'reason',
      c.rejected,
    ),
    counter(
      'loa_ingest_messages_ignored_total',
      'Platform output and commands seen on the stream.',
      c.ignored,
    ),
    counter('loa_ingest_points_written_total', 'Points InfluxDB confirmed.', c.written),
    counter('loa_ingest_batches_written_total', 'Batches InfluxDB confirmed.', c.batchesWritten),
    counter('loa_ingest_write_errors_total', 'Failed write attempts (each one retried).', c.writeErrors),
    counter(
      'loa_ingest_points_refused_by_storage_total',
      'Points InfluxDB refused outright.',
      c.storageRefused,
    ),
    gauge('loa_ingest_buffered_points', 'Points in memory waiting to be written.', g.buffered),
    gauge(
      'loa_ingest_wal_pending_bytes',
      'Write-ahead log bytes not yet stored in InfluxDB.',
      g.walPendingBytes,
    ),
    gauge('loa_ingest_wal_segments', 'Write-ahead log segment files on disk.', g.walSegments),
    gauge(
      'loa_ingest_spilling',
      '1 while the memory buffer is full and the log is read back from disk.',
      g.spilling ? 1 : 0,
    ),
    gauge('loa_ingest_healthy', '1 while writes to InfluxDB succeed.', g.healthy ? 1 : 0),
    gauge(
      'loa_ingest_write_latency_p50_seconds',
      'Median batch write round trip.',
      c.writeLatency.percentile(50) / 1000,
    ),
    gauge(
      'loa_ingest_write_latency_p99_seconds',
      '99th percentile batch write round trip.',
      c.writeLatency.percentile(99) / 1000,
    ),
    gauge(
      'loa_ingest_stored_delay_p99_seconds',
      '99th percentile from receipt to stored.',
      c.storedDelay.percentile(99) / 1000,
    ),
  ];
}
