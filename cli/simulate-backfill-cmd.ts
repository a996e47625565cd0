import {
  createInfluxQl,
  createV1Writer,
  ensureDatabase,
  LONG_RETENTION_POLICY,
  quoteIdent,
} from '../influx/index.js';
import { loadInventory } from '../protocol/index.js';
import { createLogger } from '../runtime/index.js';
import { backfill, backfillSummaries, type BackfillResult } from '../simulator/index.js';
import { ConfigError } from './config.js';
import { readRecord } from './record.js';
import { DEFAULT_DATABASE, type SimulateBackfillConfig } from './schema.js';
import { isLoopback } from './storage.js';

/** Where to write: the flags, or else what `loa up --data DIR` recorded. */
async function target(config: SimulateBackfillConfig) {
  if (config.influx.url !== undefined) {
    if (config.inventory === undefined) throw new ConfigError('--influx-url needs --inventory DIR as well');
    return {
      url: config.influx.url,
      database: config.influx.database ?? DEFAULT_DATABASE,
      inventory: config.inventory,
    };
  }
  const record = await readRecord(config.data);
  const inventory = config.inventory ?? record.inventory;
  if (inventory === undefined) {
    throw new ConfigError(`the run record in ${config.data} names no inventory: pass --inventory DIR`);
  }
  return {
    url: record.influx,
    database: config.influx.database ?? record.database,
    inventory,
    ...(record.influxAuth && { auth: record.influxAuth }),
  };
}

/**
 * `loa simulate backfill`: writes the last N days of realistic telemetry into InfluxDB, through the
 * ingest's own pipeline, up to now or to where a running platform began writing.
 */
export async function runSimulateBackfill(config: SimulateBackfillConfig): Promise<void> {
  const resolved = await target(config);
  const { url, database, inventory: inventoryDir } = resolved;
  if (config.backfill.days >= config.influx.retentionDays) {
    throw new ConfigError(
      `--days ${config.backfill.days}: must be below the raw retention (${config.influx.retentionDays} days), or InfluxDB drops the oldest points`,
    );
  }
  const inventory = await loadInventory(inventoryDir);
  const auth = {
    ...('auth' in resolved && resolved.auth),
    ...(config.influx.username !== undefined && { username: config.influx.username }),
    ...(config.influx.password !== undefined && { password: config.influx.password }),
  };
  const ql = createInfluxQl({ url, database, ...auth });
  const logger = createLogger({ name: 'loa-simulate' });
  const tty = process.stderr.isTTY;
  let written = 0;
  const started = performance.now();
  const timer = setInterval(
    () => {
      const line = `${written.toLocaleString('en-US')} points, ${rate(written, started)} points/s`;
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    tty ? 1000 : 10_000,
  );
  try {
    // A fresh install: create the database and its retention policies as `loa up` would. An existing
    // one is left as it is (its retention belongs to whoever runs it).
    const [names] = await ql.query('SHOW DATABASES');
    if (!(names?.values ?? []).some((row) => row[0] === database)) {
      await ensureDatabase(ql, { database, rawRetentionDays: config.influx.retentionDays });
    }
    process.stdout.write(
      `backfilling ${config.backfill.days} days of ${inventory.deviceCount} devices → ${url} (database ${quoteIdent(database)})\n`,
    );
    const result = await backfill({
      inventory,
      writer: createV1Writer({ url, database, timeoutMs: 60_000, gzip: !isLoopback(url), ...auth }),
      ql,
      days: config.backfill.days,
      ...(config.backfill.stepS !== undefined && { stepS: config.backfill.stepS }),
      retentionDays: config.influx.retentionDays,
      seed: config.backfill.seed,
      outageChance: config.backfill.outageChance,
      logger,
      onProgress: (points) => {
        written = points;
      },
    });
    if (tty) process.stderr.write('\r\x1b[2K');
    process.stdout.write(formatBackfill(result));
    if (config.backfill.summaryDays > 0) {
      const s = await backfillSummaries({
        inventory,
        writer: createV1Writer({
          url,
          database,
          retentionPolicy: LONG_RETENTION_POLICY,
          timeoutMs: 60_000,
          gzip: !isLoopback(url),
          ...auth,
        }),
        days: config.backfill.summaryDays,
        until: result.until,
        seed: config.backfill.seed,
        outageChance: config.backfill.outageChance,
      });
      process.stdout.write(
        `wrote ${s.points.toLocaleString('en-US')} daily summary points for ${s.days} days in ${s.seconds.toFixed(1)} s (coverage_hamlet_day, coverage_commune_day)\n`,
      );
    }
    if (result.rejected > 0)
      throw new Error(`${result.rejected} generated messages were refused by the pipeline`);
  } finally {
    clearInterval(timer);
    ql.close();
  }
}

export function formatBackfill(r: BackfillResult): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const measurements = Object.entries(r.measurements)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([m, c]) => `${m} ${n(c)}`)
    .join(', ');
  const lines = [
    `wrote ${n(r.points)} points in ${r.seconds.toFixed(1)} s (${n(Math.round(r.points / Math.max(r.seconds, 1e-3)))} points/s): ${measurements}`,
    `  from ${new Date(r.from).toISOString()} to ${new Date(r.until).toISOString()}`,
    `  ${r.outages.length} outage(s) across ${Object.keys(r.devices).length} monitored devices`,
  ];
  if (r.liveFrom !== undefined) {
    lines.push(`  stopped at ${new Date(r.liveFrom).toISOString()}, where live data begins (left as it is)`);
  }
  return `${lines.join('\n')}\n`;
}

function rate(points: number, started: number): string {
  return Math.round(points / Math.max((performance.now() - started) / 1000, 1e-3)).toLocaleString('en-US');
}
