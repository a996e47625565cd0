import {
  createInfluxQl,
  createV1Writer,
  ensureDatabase,
  LONG_RETENTION_POLICY,
  quoteIdent,
} from '../influx/index.js';
import { messages, type Messages } from '../i18n/index.js';
import { DEFAULT_TIMEZONE, loadInventory } from '../protocol/index.js';
import { createLogger } from '../runtime/index.js';
import { backfill, backfillSummaries, type BackfillResult } from '../simulator/index.js';
import { ConfigError } from './config.js';
import { currentMessages } from './lang.js';
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
  const m = currentMessages();
  const zone = inventory.provinces[0]?.timezone ?? DEFAULT_TIMEZONE;
  const timer = setInterval(
    () => {
      const line = m.t('backfill.progress', { points: written, rate: rate(written, started) });
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
      `${m.t('backfill.start', {
        days: config.backfill.days,
        devices: m.t('count.devices', { n: inventory.deviceCount }),
        url,
        database: quoteIdent(database),
      })}\n`,
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
    process.stdout.write(formatBackfill(result, m, zone));
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
        `${m.t('backfill.summaries', { points: s.points, days: s.days, seconds: m.number(s.seconds, 1) })}\n`,
      );
    }
    if (result.rejected > 0)
      throw new Error(`${result.rejected} generated messages were refused by the pipeline`);
  } finally {
    clearInterval(timer);
    ql.close();
  }
}

/** What was written, in the reader's language and the province's local time (measurement names as stored). */
export function formatBackfill(
  r: BackfillResult,
  m: Messages = messages('vi'),
  zone = DEFAULT_TIMEZONE,
): string {
  const measurements = Object.entries(r.measurements)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, c]) => `${name} ${m.number(c)}`)
    .join(', ');
  const lines = [
    m.t('backfill.wrote', {
      points: r.points,
      seconds: m.number(r.seconds, 1),
      rate: Math.round(r.points / Math.max(r.seconds, 1e-3)),
      measurements,
    }),
    m.t('backfill.range', { from: m.time(r.from, zone), to: m.time(r.until, zone) }),
    m.t('backfill.outages', {
      outages: r.outages.length,
      devices: m.t('count.devices', { n: Object.keys(r.devices).length }),
    }),
  ];
  if (r.liveFrom !== undefined) lines.push(m.t('backfill.live', { at: m.time(r.liveFrom, zone) }));
  return `${lines.join('\n')}\n`;
}

function rate(points: number, started: number): number {
  return Math.round(points / Math.max((performance.now() - started) / 1000, 1e-3));
}
