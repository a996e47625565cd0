import {
  createInfluxQl,
  createV1Writer,
  createV2Writer,
  ensureDatabase,
  type PointWriter,
} from '../influx/index.js';
import type { IngestOptions } from '../ingest/index.js';
import type { UpConfig } from './schema.js';

type InfluxConfig = UpConfig['influx'];

/** Creates the database and its retention policies before the first write (idempotent). */
export async function prepareDatabase(influx: InfluxConfig, url: string): Promise<void> {
  const ql = createInfluxQl({
    url,
    database: influx.database,
    ...(influx.username !== undefined && { username: influx.username }),
    ...(influx.password !== undefined && { password: influx.password }),
  });
  try {
    await ensureDatabase(ql, { database: influx.database, rawRetentionDays: influx.retentionDays });
  } finally {
    ql.close();
  }
}

/** The ingest's tuning from a command's configuration. */
export function ingestTuning(
  ingest: UpConfig['ingest'],
  influx: InfluxConfig,
): Omit<IngestOptions, 'inventory' | 'writer' | 'walDir' | 'logger'> {
  return {
    batchSize: ingest.batchSize,
    flushIntervalMs: ingest.flushIntervalMs,
    maxBufferedPoints: ingest.maxBufferedPoints,
    walMaxBytes: ingest.walMaxMb * 1024 * 1024,
    fsyncIntervalMs: ingest.fsyncIntervalMs,
    retentionMs: influx.retentionDays * 86_400_000,
  };
}

/**
 * The v1 `/write` API by default; the v2 API when configured (InfluxDB 1.8+, 2.x, 3.x). Bodies are
 * gzipped unless the server is on this machine, where compressing costs both processes CPU for nothing.
 */
export function createWriter(influx: InfluxConfig, url: string): PointWriter {
  const target = influx.v2?.url ?? url;
  const gzip = influx.gzip ?? !isLoopback(target);
  if (influx.v2) return createV2Writer({ ...influx.v2, timeoutMs: 30_000, gzip });
  return createV1Writer({
    url,
    database: influx.database,
    timeoutMs: 30_000,
    gzip,
    ...(influx.username !== undefined && { username: influx.username }),
    ...(influx.password !== undefined && { password: influx.password }),
  });
}

export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}
