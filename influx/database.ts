import type { InfluxQl } from './query.js';
import { quoteIdent } from './query.js';

import { LONG_RETENTION_POLICY, RAW_RETENTION_POLICY } from '../protocol/index.js';

export { LONG_RETENTION_POLICY, RAW_RETENTION_POLICY };

/**
 * Creates the database and its two retention policies (docs/protocol.md §10) if missing, and brings the raw
 * duration in line with the configuration. Idempotent: run at every start.
 */
export async function ensureDatabase(
  ql: InfluxQl,
  { database, rawRetentionDays }: { database: string; rawRetentionDays: number },
): Promise<void> {
  const db = quoteIdent(database);
  await ql.createDatabase(database);
  const existing = new Set(
    (await ql.query(`SHOW RETENTION POLICIES ON ${db}`)).flatMap((s) =>
      s.values.map((row) => String(row[0])),
    ),
  );
  const raw = `${quoteIdent(RAW_RETENTION_POLICY)} ON ${db} DURATION ${rawRetentionDays}d REPLICATION 1 DEFAULT`;
  await ql.query(
    existing.has(RAW_RETENTION_POLICY) ? `ALTER RETENTION POLICY ${raw}` : `CREATE RETENTION POLICY ${raw}`,
  );
  if (!existing.has(LONG_RETENTION_POLICY)) {
    await ql.query(
      `CREATE RETENTION POLICY ${quoteIdent(LONG_RETENTION_POLICY)} ON ${db} DURATION INF REPLICATION 1`,
    );
  }
}
