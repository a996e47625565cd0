import type { InfluxQl } from '../../influx/index.js';
import { COVERAGE_COMMUNE_DAY, type Inventory } from '../../protocol/index.js';
import type { Logger } from '../../runtime/index.js';
import { DAY_MS, localDay, utcOffsetMs } from '../model.js';
import { rebuildDay } from './rebuild.js';

export interface DayCloserOptions {
  ql: InfluxQl;
  /** Where the summaries go (the engine's line store, retention policy `long`). */
  write: (lines: readonly string[]) => Promise<void> | void;
  /** The inventory in force (a reload replaces it). */
  inventory: () => Inventory;
  logger: Logger;
  now?: () => number;
  /** How long after local midnight the day is summarized: the midnight's writes must be stored first. */
  delayMs?: number;
}

/** `YYYY-MM-DD` of local day number `day`. */
export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Writes each local day's summaries when the day closes (a few minutes after local midnight, from the
 * state changes the engine stored), and at start the previous day's if it has none yet (the platform
 * was down at midnight). Any other day: `loa report rebuild --day`.
 */
export function createDayCloser(options: DayCloserOptions) {
  const now = options.now ?? Date.now;
  const delayMs = options.delayMs ?? 2 * 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const offset = (t: number) => utcOffsetMs(options.inventory().provinces[0]?.timezone ?? 'UTC', t);

  async function close(day: string): Promise<void> {
    try {
      const summaries = await rebuildDay(options.ql, options.write, options.inventory(), day, { now: now() });
      const communes = summaries.reduce((n, s) => n + s.communes.length, 0);
      options.logger.info({ day, communes }, 'daily coverage summaries written');
    } catch (error) {
      options.logger.warn({ day, err: error }, 'daily coverage summaries not written');
    }
  }

  async function hasSummary(day: number, off: number): Promise<boolean> {
    const from = day * DAY_MS - off;
    const [series] = await options.ql.query(
      `SELECT count("${COVERAGE_COMMUNE_DAY.field.verdict}") FROM "${COVERAGE_COMMUNE_DAY.retention}"."${COVERAGE_COMMUNE_DAY.name}" WHERE time >= ${from}ms AND time < ${from + 1}ms`,
    );
    return Number(series?.values[0]?.[1] ?? 0) > 0;
  }

  function schedule(): void {
    const t = now();
    const off = offset(t);
    const day = localDay(t - delayMs, off);
    const due = (day + 1) * DAY_MS - off + delayMs;
    timer = setTimeout(() => {
      running = close(dayString(day)).finally(schedule);
    }, due - t);
    timer.unref();
  }

  return {
    /** Schedules the day closes; the catch-up of yesterday runs in the background. */
    start(): void {
      const t = now();
      const off = offset(t);
      const yesterday = localDay(t - delayMs, off) - 1;
      running = hasSummary(yesterday, off)
        .then((has) => (has ? undefined : close(dayString(yesterday))))
        .catch((error: unknown) => {
          options.logger.warn({ err: error }, 'daily coverage summaries not checked');
        });
      schedule();
    },
    async stop(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
