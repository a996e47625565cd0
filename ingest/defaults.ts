const MiB = 1024 * 1024;

/**
 * The ingest's tunables and their defaults, each in this one place: the ingest (createIngest), its
 * write-ahead log (Wal.open) and the command line's configuration (cli/schema.ts) all read them here.
 * Plain values that import nothing, so that the command line can validate its configuration without
 * loading the ingest (docs/architecture.md#folders).
 */
export const INGEST_DEFAULTS = {
  /** Points per InfluxDB write (docs/protocol.md suggests 1,000–5,000). */
  batchSize: 5000,
  /** A partial batch is written after at most this long. */
  flushIntervalMs: 200,
  /** Unwritten points held in memory before new messages wait on disk. */
  maxBufferedPoints: 100_000,
  /** Writes in flight at once. */
  concurrency: 2,
  /** Disk bound of the write-ahead log. */
  walMaxBytes: 2048 * MiB,
  /** A new log segment is started beyond this size. */
  walSegmentBytes: 64 * MiB,
  /** Interval of fdatasync of the log (what a power loss can take); 0 = none. */
  fsyncIntervalMs: 1000,
  /** Minimum interval between the log's checkpoint writes. */
  walCheckpointIntervalMs: 1000,
  /** Bytes the log reads from disk at a time. */
  walReadChunkBytes: MiB,
  /** Interval of the `ingest` self-metrics point; 0 disables it. */
  selfMetricsIntervalMs: 10_000,
  /** Writes failing for longer than this make /healthz answer 503. */
  unhealthyAfterMs: 30_000,
} as const;
