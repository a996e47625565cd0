// The one interface the ingest writes through, whichever InfluxDB API is behind it.

/**
 * Sends one batch of line-protocol points (one point per line, nanosecond timestamps).
 * Resolves when InfluxDB accepted the whole batch; rejects with an `InfluxWriteError` that says whether
 * trying the same batch again can help. Implementations neither batch nor retry on their own: the
 * ingest owns batching, retries and durability.
 */
export interface PointWriter {
  write(lines: readonly string[]): Promise<void>;
}
