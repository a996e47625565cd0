import { REJECT_REASON_NAMES, type Channel, type RejectReason } from '../protocol/index.js';
import type { MetricDefinition } from '../runtime/index.js';

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

/** What the ingest knows besides its counters, read when a snapshot is taken. */
export interface IngestGauges {
  buffered: number;
  walPendingBytes: number;
  walSegments: number;
  spilling: boolean;
  healthy: boolean;
}

/**
 * Every number the ingest reports, read at once: `stats()` returns it, /metrics renders it through
 * INGEST_FAMILIES, and the `ingest` self-metrics row is written from it.
 */
export interface IngestSnapshot extends IngestGauges {
  received: number;
  accepted: Readonly<Record<Channel, number>>;
  /** All rejected messages; `rejectedByReason` breaks them down. */
  rejected: number;
  rejectedByReason: Readonly<Record<RejectReason, number>>;
  ignored: number;
  written: number;
  batchesWritten: number;
  writeErrors: number;
  storageRefused: number;
  writeP50Ms: number;
  writeP99Ms: number;
  storedDelayP99Ms: number;
}

export function ingestSnapshot(c: IngestCounters, g: IngestGauges): IngestSnapshot {
  return {
    received: c.received,
    accepted: { ...c.accepted },
    rejected: c.rejectedTotal,
    rejectedByReason: { ...c.rejected },
    ignored: c.ignored,
    written: c.written,
    batchesWritten: c.batchesWritten,
    writeErrors: c.writeErrors,
    storageRefused: c.storageRefused,
    ...g,
    writeP50Ms: c.writeLatency.percentile(50),
    writeP99Ms: c.writeLatency.percentile(99),
    storedDelayP99Ms: c.storedDelay.percentile(99),
  };
}

/** The ingest's Prometheus families, each declared once beside its name in the snapshot. */
export const INGEST_FAMILIES: readonly MetricDefinition<IngestSnapshot>[] = [
  {
    key: 'received',
    name: 'loa_ingest_messages_received_total',
    type: 'counter',
    help: 'Messages appended to the write-ahead log.',
  },
  {
    key: 'accepted',
    name: 'loa_ingest_messages_accepted_total',
    type: 'counter',
    label: 'channel',
    help: 'Valid device messages, by channel.',
  },
  {
    key: 'rejectedByReason',
    name: 'loa_ingest_messages_rejected_total',
    type: 'counter',
    label: 'reason',
    help: 'Refused messages, by reason (docs/protocol.md lists the reasons).',
  },
  {
    key: 'ignored',
    name: 'loa_ingest_messages_ignored_total',
    type: 'counter',
    help: 'Platform output and commands seen on the stream.',
  },
  {
    key: 'written',
    name: 'loa_ingest_points_written_total',
    type: 'counter',
    help: 'Points InfluxDB confirmed.',
  },
  {
    key: 'batchesWritten',
    name: 'loa_ingest_batches_written_total',
    type: 'counter',
    help: 'Batches InfluxDB confirmed.',
  },
  {
    key: 'writeErrors',
    name: 'loa_ingest_write_errors_total',
    type: 'counter',
    help: 'Failed write attempts (each one retried).',
  },
  {
    key: 'storageRefused',
    name: 'loa_ingest_points_refused_by_storage_total',
    type: 'counter',
    help: 'Points InfluxDB refused outright.',
  },
  {
    key: 'buffered',
    name: 'loa_ingest_buffered_points',
    type: 'gauge',
    help: 'Points in memory waiting to be written.',
  },
  {
    key: 'walPendingBytes',
    name: 'loa_ingest_wal_pending_bytes',
    type: 'gauge',
    help: 'Write-ahead log bytes not yet stored in InfluxDB.',
  },
  {
    key: 'walSegments',
    name: 'loa_ingest_wal_segments',
    type: 'gauge',
    help: 'Write-ahead log segment files on disk.',
  },
  {
    key: 'spilling',
    name: 'loa_ingest_spilling',
    type: 'gauge',
    help: '1 while the memory buffer is full and the log is read back from disk.',
  },
  { key: 'healthy', name: 'loa_ingest_healthy', type: 'gauge', help: '1 while writes to InfluxDB succeed.' },
  {
    key: 'writeP50Ms',
    name: 'loa_ingest_write_latency_p50_seconds',
    type: 'gauge',
    perUnit: 1000,
    help: 'Median batch write round trip.',
  },
  {
    key: 'writeP99Ms',
    name: 'loa_ingest_write_latency_p99_seconds',
    type: 'gauge',
    perUnit: 1000,
    help: '99th percentile batch write round trip.',
  },
  {
    key: 'storedDelayP99Ms',
    name: 'loa_ingest_stored_delay_p99_seconds',
    type: 'gauge',
    perUnit: 1000,
    help: '99th percentile from receipt to stored.',
  },
];
