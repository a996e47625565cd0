import { replayDays, summaryLines } from '../coverage/index.js';
import type { PointWriter } from '../influx/index.js';
import { DEFAULT_TIMEZONE, type Inventory } from '../protocol/index.js';
import { deviceOutages, type Outage } from './backfill.js';
import { localDay } from './local-time.js';

const DAY_MS = 86_400_000;

export interface SummaryBackfillOptions {
  inventory: Inventory;
  /** A writer into the retention policy `long`, where the daily summaries live. */
  writer: PointWriter;
  /** This many complete local days, ending with the day before `until`'s. */
  days: number;
  /** Where the history ends (now, or where live data begins). */
  until: number;
  seed?: number;
  outageChance?: number;
  outages?: readonly Outage[];
  batchSize?: number;
}

export interface SummaryBackfillResult {
  days: number;
  points: number;
  seconds: number;
}

/**
 * `loa simulate backfill --summary-days N`: a year of daily summaries (far beyond the raw retention)
 * for reports and their benchmark, from the same seeded outages as the backfilled telemetry, through
 * the engine's evaluation and the history's one summary writer.
 */
export async function backfillSummaries(options: SummaryBackfillOptions): Promise<SummaryBackfillResult> {
  const started = performance.now();
  const zone = options.inventory.provinces[0]?.timezone ?? DEFAULT_TIMEZONE;
  const lastEnd = localDay(options.until, zone).midnight;
  const firstStart = lastEnd - options.days * DAY_MS;
  const days: string[] = [];
  for (let k = 0; k < options.days; k++) {
    const date = localDay(firstStart + k * DAY_MS + 12 * 3_600_000, zone).date;
    days.push(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`);
  }
  const dark: Outage[] = [];
  for (const province of options.inventory.provinces) {
    for (const commune of province.communes) {
      for (const device of commune.devices) {
        if (!device.monitored) continue;
        dark.push(
          ...deviceOutages(device, commune, province.timezone, {
            from: firstStart,
            until: lastEnd,
            seed: options.seed ?? 1,
            outageChance: options.outageChance ?? 0.02,
            scripted: (options.outages ?? []).filter((o) => o.device === device.device),
          }),
        );
      }
    }
  }
  const batchSize = options.batchSize ?? 5000;
  let batch: string[] = [];
  let points = 0;
  for (const summary of replayDays(options.inventory, dark, days)) {
    batch.push(...summaryLines(summary));
    if (batch.length >= batchSize) {
      await options.writer.write(batch);
      points += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) await options.writer.write(batch);
  points += batch.length;
  return { days: days.length, points, seconds: (performance.now() - started) / 1000 };
}
