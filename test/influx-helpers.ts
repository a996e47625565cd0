// Helpers for integration tests that read and write the run's shared InfluxDB.
import { randomBytes } from 'node:crypto';
import { createInfluxQl, createV1Writer, type InfluxQl, type PointWriter } from '../influx/index.js';
import { HEARTBEAT } from '../protocol/index.js';

/**
 * Creates a database no other test file uses and returns an InfluxQL client bound to it (its name is
 * `client.database`). The name starts with `prefix` (letters, digits and `_` kept) so a leftover database
 * says which file made it.
 */
export async function freshDatabase(url: string, prefix: string): Promise<InfluxQl & { database: string }> {
  const clean = prefix.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40) || 'test';
  const database = `${clean}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = createInfluxQl({ url, database });
  await client.createDatabase(database);
  return Object.assign(client, { database });
}

/** A writer into one database (and retention policy, else the default one) of the run's influxd. */
export function testWriter(url: string, database: string, retentionPolicy?: string): PointWriter {
  return createV1Writer({
    url,
    database,
    timeoutMs: 5000,
    gzip: false,
    ...(retentionPolicy !== undefined && { retentionPolicy }),
  });
}

/** Per device: how many heartbeat points, and how many distinct `seq` among them (equal when no duplicate). */
export async function heartbeatCounts(ql: InfluxQl): Promise<Record<string, unknown>> {
  const series = await ql.query(
    `SELECT count("${HEARTBEAT.field.seq}"), count(distinct("${HEARTBEAT.field.seq}")) FROM "${HEARTBEAT.name}" GROUP BY "${HEARTBEAT.tag.device}"`,
  );
  return Object.fromEntries(series.map((s) => [String(s.tags?.device), s.values[0]?.slice(1)]));
}
