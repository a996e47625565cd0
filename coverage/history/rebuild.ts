import { quoteString, type InfluxQl, type Series } from '../../influx/index.js';
import {
  BROADCAST,
  COVERAGE_COMMUNE,
  COVERAGE_HAMLET,
  COVERAGE_PROVINCE,
  type Inventory,
  type Province,
} from '../../protocol/index.js';
import { utcOffsetMs } from '../model.js';
import { observedSpans, type Span, type StatusChange } from './day.js';
import { localDayRange, summarizeDay, summaryLines, type DayHistory, type DaySummary } from './summary.js';

/** The engine writes `coverage_province` every minute: a point vouches for two minutes of running. */
export const ENGINE_POINT_HOLD_MS = 2 * 60_000;
/**
 * The engine writes every place's state when it starts and at each local midnight, so the state a day
 * began in is at most a day old; a little more covers a midnight write that came a few seconds late.
 */
export const LOOKBACK_MS = 26 * 3_600_000;

export function changesBySeries(series: Series[], key: (s: Series) => string, from: number) {
  const out = new Map<string, StatusChange[]>();
  for (const s of series) {
    const changes: StatusChange[] = [];
    for (const [time, status] of s.values) {
      const at = Number(time);
      const change = { at, status: String(status) };
      // Of the points before the day, only the latest matters: the state the day began in.
      if (at < from && changes.length > 0 && (changes[0]?.at ?? 0) < from) changes[0] = change;
      else changes.push(change);
    }
    out.set(key(s), changes);
  }
  return out;
}

/** Reads what a province's day is summarized from: state changes, engine running time, broadcasts. */
export async function readDayHistory(
  ql: InfluxQl,
  province: Province,
  range: { from: number; to: number },
  { retentionPolicy = 'long' }: { retentionPolicy?: string } = {},
): Promise<DayHistory> {
  // `province` is a tag of each measurement read here (protocol/storage.ts).
  const p = `"${COVERAGE_PROVINCE.tag.province}" = ${quoteString(province.id)}`;
  const states = `${p} AND time >= ${range.from - LOOKBACK_MS}ms AND time < ${range.to}ms`;
  const day = `${p} AND time >= ${range.from}ms AND time < ${range.to}ms`;
  const rp = `"${retentionPolicy}"`;
  const [H, C, P, B] = [COVERAGE_HAMLET, COVERAGE_COMMUNE, COVERAGE_PROVINCE, BROADCAST];
  const [hamletSeries, communeSeries, engine, broadcasts] = await Promise.all([
    ql.query(
      `SELECT "${H.field.status}" FROM ${rp}."${H.name}" WHERE ${states} GROUP BY "${H.tag.commune}", "${H.tag.hamlet}"`,
    ),
    ql.query(`SELECT "${C.field.status}" FROM ${rp}."${C.name}" WHERE ${states} GROUP BY "${C.tag.commune}"`),
    ql.query(
      `SELECT "${P.field.communes}" FROM ${rp}."${P.name}" WHERE ${p} AND time >= ${range.from - ENGINE_POINT_HOLD_MS}ms AND time < ${range.to}ms`,
    ),
    // The broadcast log is raw data (30 days by default): an older day is rebuilt without it.
    ql.query(
      `SELECT count("${B.field.duration_s}") FROM "${B.name}" WHERE ${day} AND "${B.tag.status}" = 'completed' GROUP BY "${B.tag.device}"`,
    ),
  ]);
  const observed = new Map<string, Span[]>([
    [
      province.id,
      observedSpans(
        engine.flatMap((s) => s.values.map((v) => Number(v[0]))),
        ENGINE_POINT_HOLD_MS,
      ),
    ],
  ]);
  return {
    hamlets: changesBySeries(
      hamletSeries,
      (s) => `${province.id}/${s.tags?.commune ?? ''}/${s.tags?.hamlet ?? ''}`,
      range.from,
    ),
    communes: changesBySeries(communeSeries, (s) => `${province.id}/${s.tags?.commune ?? ''}`, range.from),
    observed,
    broadcasters: new Set(
      broadcasts.filter((s) => Number(s.values[0]?.[1] ?? 0) > 0).map((s) => s.tags?.device ?? ''),
    ),
  };
}

/**
 * Computes a past local day's summaries from the stored history and writes them (replacing any
 * earlier ones): what the engine's day close does, and what `loa report rebuild --day` does on demand.
 */
export async function rebuildDay(
  ql: InfluxQl,
  write: (lines: readonly string[]) => Promise<void> | void,
  inventory: Inventory,
  day: string,
  options: { retentionPolicy?: string; now?: number } = {},
): Promise<DaySummary[]> {
  const out: DaySummary[] = [];
  for (const province of inventory.provinces) {
    const noon = localDayRange(day, 0).from + 12 * 3_600_000;
    const range = localDayRange(day, utcOffsetMs(province.timezone, noon));
    if (range.to > (options.now ?? Date.now())) {
      throw new RangeError(
        `--day ${day} has not ended yet in ${province.name}: only a past day is summarized`,
      );
    }
    const summary = summarizeDay(province, day, range, await readDayHistory(ql, province, range, options));
    await write(summaryLines(summary));
    out.push(summary);
  }
  return out;
}
