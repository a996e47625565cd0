import { createV1Writer, createV2Writer, type PointWriter } from '../influx/index.js';
import type { UpConfig } from './schema.js';

/** The v1 `/write` API by default; the v2 API when configured (InfluxDB 1.8+, 2.x, 3.x). */
export function createWriter(influx: UpConfig['influx'], url: string): PointWriter {
  if (influx.v2) return createV2Writer({ ...influx.v2, timeoutMs: 30_000, gzip: true });
  return createV1Writer({
    url,
    database: influx.database,
    timeoutMs: 30_000,
    gzip: true,
    ...(influx.username !== undefined && { username: influx.username }),
    ...(influx.password !== undefined && { password: influx.password }),
  });
}
