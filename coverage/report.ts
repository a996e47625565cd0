import { type InfluxQl, type Series } from '../influx/index.js';
import {
  DEFAULT_TIMEZONE,
  COVERAGE_COMMUNE_DAY,
  COVERAGE_DEVICE,
  COVERAGE_HAMLET,
  DEFAULT_CRITERION,
  type Criterion,
  type Inventory,
  type InventoryLink,
  type UnitType,
} from '../protocol/index.js';
import { parseCauses, type Cause } from './cause.js';
import { SUMMARY_BUCKETS } from './history/buckets.js';
import { emptySeconds, outagesOf, type BucketSeconds, type DayVerdict } from './history/day.js';
import { changesBySeries, LOOKBACK_MS } from './history/rebuild.js';
import { DAY_MS, localDay, utcOffsetMs } from './model.js';

/**
 * `loa report`: the criterion over a month or a year, per commune, read from the daily summaries
 * (`coverage_commune_day`) and, for a month, the hamlets' state changes (outages). The data is a typed
 * object; rendering it for people (Vietnamese first) is separate (report-text.ts).
 */

export interface Outage {
  hamlet: string;
  /** The hamlet's name (from the inventory, else as the engine stored it). */
  name: string;
  /** Clipped to the period. */
  from: number;
  to: number;
  /** Still silent at the end of the period, or now. */
  ongoing: boolean;
  /** The status the outage began with: uncovered, unserved, at_risk. */
  status: string;
  /** The likely causes the engine recorded with the hamlet's state changes during it (cause.ts). */
  causes: Cause[];
}

/** A period's verdict: from its days, or why it could not be judged. */
export type PeriodVerdict = DayVerdict;

export interface CommunePeriod {
  province: string;
  provinceName: string;
  commune: string;
  name: string;
  unit: UnitType;
  /** Whether the criterion applies to its unit type (xã by default): only these are counted. */
  applies: boolean;
  /** Days in the period. */
  days: number;
  /** Local days already over; the day in progress and the days to come are not judged. */
  daysElapsed: number;
  daysToCome: number;
  daysMet: number;
  daysNotMet: number;
  daysUnverified: number;
  daysMaintenance: number;
  /** Elapsed days with no summary, or summarized as no data (the engine was not running). */
  daysNoData: number;
  /** Hamlet-seconds per bucket over the elapsed days. */
  hamletSeconds: BucketSeconds;
  /** Time-weighted: covered / (covered + at risk + uncovered) hamlet-time, in %; null when none was judged. */
  availabilityPct: number | null;
  /** Days on which a completed broadcast was logged (within the raw retention of the day's close). */
  broadcastDays: number;
  verdict: PeriodVerdict;
  outages: Outage[];
  /**
   * Hamlets silent for a maintenance window (status `maintenance`): listed beside the outages with the
   * cause "maintenance", not counted as outages (a window is planned, and excused from the verdict).
   */
  maintenance: Outage[];
  /** Hamlets, and those meeting the criterion, on the period's last day with data; null without one. */
  hamlets: number | null;
  hamletsMet: number | null;
  /** From the inventory: the station's link (null: none listed) and the clusters per link. */
  station: InventoryLink | null;
  clusters: Partial<Record<InventoryLink, number>>;
  /**
   * At the period's end (or now): monitored clusters up per link, and the station's status, from the
   * engine's `coverage_device` states; empty and null when none was stored.
   */
  clustersUp: Partial<Record<InventoryLink, number>>;
  stationStatus: 'up' | 'down' | 'unmonitored' | null;
  /** Hamlets (names) served only by FM receivers or wired horns: they cannot report (chưa xác minh). */
  unverifiedHamlets: string[];
}

/** A month, a year, or one local day (`loa report --at`: the state on that date). */
export type PeriodKind = 'month' | 'year' | 'day';

export interface PeriodReport {
  kind: PeriodKind;
  /** `YYYY-MM`, `YYYY` or `YYYY-MM-DD`. */
  period: string;
  timezone: string;
  from: number;
  to: number;
  /** When it was computed; before `to`, the report is provisional. */
  asOf: number;
  complete: boolean;
  criterion: Pick<Criterion, 'id' | 'number' | 'name' | 'dayCoveredShare' | 'hamletShare' | 'appliesTo'>;
  communes: CommunePeriod[];
}

/** Kept for callers of the monthly report. */
export type MonthlyReport = PeriodReport;
export type CommuneMonth = CommunePeriod;

export interface ReportOptions {
  timezone?: string;
  now?: number;
  /** Names, unit types and the criterion; without it, what the summaries carry and the default criterion. */
  inventory?: Inventory;
  retentionPolicy?: string;
}

const PERIOD_FORMS: Record<PeriodKind, { re: RegExp; flag: string; form: string }> = {
  month: { re: /^(\d{4})-(0[1-9]|1[0-2])$/, flag: '--month', form: 'YYYY-MM' },
  year: { re: /^(\d{4})$/, flag: '--year', form: 'YYYY' },
  day: { re: /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, flag: '--at', form: 'YYYY-MM-DD' },
};

/** Thrown for a period that is not one (`--year 20x6`, `--at 2026-02-30`): the user's to fix. */
export class PeriodError extends Error {
  override name = 'PeriodError';
}

/** The local period [from, to) of `period`; a PeriodError names the flag when it is malformed. */
export function periodRange(kind: PeriodKind, period: string, timezone: string) {
  const { re, flag, form } = PERIOD_FORMS[kind];
  const m = re.exec(period);
  const year = Number(m?.[1]);
  const first = kind === 'year' ? 0 : Number(m?.[2]) - 1;
  const date = kind === 'day' ? Number(m?.[3]) : 1;
  const start = Date.UTC(year, first, date);
  if (!m || new Date(start).getUTCDate() !== date)
    throw new PeriodError(`${flag} must be ${form}, not "${period}"`);
  const offset = utcOffsetMs(timezone, start + 12 * 3_600_000);
  const from = start - offset;
  const end =
    kind === 'month'
      ? Date.UTC(year, first + 1, 1)
      : kind === 'year'
        ? Date.UTC(year + 1, 0, 1)
        : start + DAY_MS;
  return { from, to: end - offset, offset };
}

function verdictOf(c: CommunePeriod, share: number): PeriodVerdict {
  const judged = c.daysMet + c.daysNotMet;
  if (judged > 0) return c.daysMet + 1e-9 >= share * judged ? 'met' : 'not_met';
  // Nothing judged: say why, from the days that had data first.
  if (c.daysUnverified >= c.daysMaintenance && c.daysUnverified > 0) return 'unverified';
  return c.daysMaintenance > 0 ? 'maintenance' : 'no_data';
}

export function monthlyReport(
  ql: InfluxQl,
  options: ReportOptions & { month: string },
): Promise<PeriodReport> {
  return periodReport(ql, 'month', options.month, options);
}

export function yearlyReport(ql: InfluxQl, options: ReportOptions & { year: string }): Promise<PeriodReport> {
  return periodReport(ql, 'year', options.year, options);
}

/**
 * A day is met when every required hamlet was covered for at least `dayCoveredShare` of it (see
 * history/day.ts); a month or year when at least that share of its judged days (met or not met) were
 * met. Days still to come and the day in progress are not counted; days without data are shown as such.
 */
export async function periodReport(
  ql: InfluxQl,
  kind: PeriodKind,
  period: string,
  { timezone, now = Date.now(), inventory, retentionPolicy = 'long' }: ReportOptions,
): Promise<PeriodReport> {
  const province0 = inventory?.provinces[0];
  const zone = timezone ?? province0?.timezone ?? DEFAULT_TIMEZONE;
  const criterion = province0?.criterion ?? DEFAULT_CRITERION;
  const { from, to, offset } = periodRange(kind, period, zone);
  const today = localDay(now, offset) * DAY_MS - offset;
  const elapsedEnd = Math.max(from, Math.min(to, today));
  const days = Math.round((to - from) / DAY_MS);
  const daysElapsed = Math.round((elapsedEnd - from) / DAY_MS);
  const communes = new Map<string, CommunePeriod>();
  const get = (province: string, commune: string): CommunePeriod => {
    const key = `${province}/${commune}`;
    let c = communes.get(key);
    if (c === undefined) {
      c = {
        province,
        provinceName: province,
        commune,
        name: commune,
        unit: 'xa',
        applies: true,
        days,
        daysElapsed,
        daysToCome: days - daysElapsed,
        daysMet: 0,
        daysNotMet: 0,
        daysUnverified: 0,
        daysMaintenance: 0,
        daysNoData: 0,
        hamletSeconds: emptySeconds(),
        availabilityPct: null,
        broadcastDays: 0,
        verdict: 'no_data',
        outages: [],
        maintenance: [],
        hamlets: null,
        hamletsMet: null,
        station: null,
        clusters: {},
        clustersUp: {},
        stationStatus: null,
        unverifiedHamlets: [],
      };
      communes.set(key, c);
    }
    return c;
  };
  for (const p of inventory?.provinces ?? []) {
    for (const commune of p.communes) {
      Object.assign(get(p.id, commune.id), {
        provinceName: p.name,
        name: commune.name,
        unit: commune.unit,
        applies: p.criterion.appliesTo.includes(commune.unit),
        ...equipment(commune),
      });
    }
  }

  if (elapsedEnd > from) {
    // The fewest fields a period needs, summed here: InfluxDB 1.x reads these 10 raw fields of a
    // province-year faster than it sums them, and faster than a second query for the hamlets of the
    // last day with data (measured: docs/performance.md).
    const { field: f, tag: t } = COVERAGE_COMMUNE_DAY;
    const fields = [
      ...SUMMARY_BUCKETS.map((b) => f[`hamlet_${b}_s`]),
      f.verdict,
      f.broadcast,
      f.hamlets,
      f.hamlets_met,
    ];
    const table = `"${retentionPolicy}"."${COVERAGE_COMMUNE_DAY.name}"`;
    const where = `time >= ${from}ms AND time < ${elapsedEnd}ms`;
    const by = `GROUP BY "${t.province}", "${t.commune}"`;
    const [days, names] = await Promise.all([
      ql.query(`SELECT ${fields.map((k) => `"${k}"`).join(', ')} FROM ${table} WHERE ${where} ${by}`),
      // Without an inventory, names and unit types as the summaries carry them.
      inventory === undefined
        ? ql.query(
            `SELECT last("${f.name}") AS "name", last("${f.unit}") AS "unit", last("${f.applies}") AS "applies" FROM ${table} WHERE ${where} ${by}`,
          )
        : Promise.resolve([]),
    ]);
    for (const s of days) {
      const c = get(s.tags?.province ?? '', s.tags?.commune ?? '');
      const at = (name: string) => s.columns.indexOf(name);
      const buckets = SUMMARY_BUCKETS.map((b) => [b, at(f[`hamlet_${b}_s`])] as const);
      const verdict = at(f.verdict);
      const broadcast = at(f.broadcast);
      const [hamlets, hamletsMet] = [at(f.hamlets), at(f.hamlets_met)];
      for (const row of s.values) {
        // The hamlets of the last day with data (rows come in time order): a day the engine did not
        // run says nothing about them.
        if (row[verdict] !== 'no_data') {
          c.hamlets = Number(row[hamlets] ?? 0);
          c.hamletsMet = Number(row[hamletsMet] ?? 0);
        }
        for (const [b, i] of buckets) c.hamletSeconds[b] += Number(row[i] ?? 0);
        switch (row[verdict] as DayVerdict) {
          case 'met':
            c.daysMet++;
            break;
          case 'not_met':
            c.daysNotMet++;
            break;
          case 'unverified':
            c.daysUnverified++;
            break;
          case 'maintenance':
            c.daysMaintenance++;
            break;
          case 'no_data':
            break;
        }
        if (row[broadcast] === true) c.broadcastDays++;
      }
    }
    for (const s of names) {
      const c = get(s.tags?.province ?? '', s.tags?.commune ?? '');
      const row = s.values[0] ?? [];
      const col = (name: string) => row[s.columns.indexOf(name)];
      c.name = String(col('name') ?? c.name);
      c.unit = String(col('unit') ?? c.unit) as UnitType;
      c.applies = col('applies') !== false;
    }
  }
  if (inventory !== undefined)
    await addDeviceStates(ql, get, inventory, from, Math.min(to, now), retentionPolicy);
  if (kind !== 'year') await addOutages(ql, get, inventory, from, Math.min(to, now), retentionPolicy);

  for (const c of communes.values()) {
    c.daysNoData = c.daysElapsed - c.daysMet - c.daysNotMet - c.daysUnverified - c.daysMaintenance;
    const s = c.hamletSeconds;
    const judged = s.covered + s.at_risk + s.uncovered;
    c.availabilityPct = judged > 0 ? (100 * s.covered) / judged : null;
    c.verdict = verdictOf(c, criterion.dayCoveredShare);
  }
  const list = [...communes.values()].sort(
    (a, b) => a.province.localeCompare(b.province) || a.commune.localeCompare(b.commune),
  );
  return {
    kind,
    period,
    timezone: zone,
    from,
    to,
    asOf: now,
    complete: now >= to,
    criterion: {
      id: criterion.id,
      number: criterion.number,
      name: criterion.name,
      dayCoveredShare: criterion.dayCoveredShare,
      hamletShare: criterion.hamletShare,
      appliesTo: criterion.appliesTo,
    },
    communes: list,
  };
}

/** A commune's equipment as its inventory lists it, and the hamlets nothing monitored serves. */
function equipment(commune: Inventory['provinces'][number]['communes'][number]) {
  const station = commune.devices.find((d) => d.kind === 'station');
  const clusters: Partial<Record<InventoryLink, number>> = {};
  for (const d of commune.devices) if (d.kind === 'cluster') clusters[d.link] = (clusters[d.link] ?? 0) + 1;
  const unverifiedHamlets = commune.hamlets
    .filter((h) => !commune.devices.some((d) => d.monitored && d.hamlets.includes(h.id)))
    .map((h) => h.name);
  return { station: station?.link ?? null, clusters, unverifiedHamlets };
}

/** The devices' last stored status before `to`: clusters up per link, the station's status. */
async function addDeviceStates(
  ql: InfluxQl,
  get: (province: string, commune: string) => CommunePeriod,
  inventory: Inventory,
  from: number,
  to: number,
  retentionPolicy: string,
): Promise<void> {
  if (to <= from) return;
  const { name, field: f, tag: t } = COVERAGE_DEVICE;
  const series: Series[] = await ql.query(
    `SELECT last("${f.status}") AS "status" FROM "${retentionPolicy}"."${name}" WHERE time >= ${from - LOOKBACK_MS}ms AND time < ${to}ms GROUP BY "${t.province}", "${t.commune}", "${t.device}"`,
  );
  for (const s of series) {
    const device = inventory.device(s.tags?.device ?? '');
    if (device === undefined) continue;
    const status = String(s.values[0]?.[s.columns.indexOf('status')] ?? '');
    const c = get(device.province, device.commune);
    if (device.kind === 'station') {
      if (status === 'up' || status === 'down' || status === 'unmonitored') c.stationStatus = status;
    } else if (status === 'up') {
      c.clustersUp[device.link] = (c.clustersUp[device.link] ?? 0) + 1;
    }
  }
}

/**
 * Every hamlet outage of the period from the hamlets' state changes, however short: an outage below
 * the alert threshold, or an unserved hamlet (which raises no hamlet_uncovered alert), is listed too.
 */
async function addOutages(
  ql: InfluxQl,
  get: (province: string, commune: string) => CommunePeriod,
  inventory: Inventory | undefined,
  from: number,
  to: number,
  retentionPolicy: string,
): Promise<void> {
  if (to <= from) return;
  const { field: f, tag: t } = COVERAGE_HAMLET;
  const series: Series[] = await ql.query(
    `SELECT "${f.status}", "${f.name}", "${f.cause}" FROM "${retentionPolicy}"."${COVERAGE_HAMLET.name}" WHERE time >= ${from - LOOKBACK_MS}ms AND time < ${to}ms GROUP BY "${t.province}", "${t.commune}", "${t.hamlet}"`,
  );
  const names = new Map<string, string>();
  for (const p of inventory?.provinces ?? [])
    for (const c of p.communes) for (const h of c.hamlets) names.set(`${p.id}/${c.id}/${h.id}`, h.name);
  const key = (s: Series) => `${s.tags?.province ?? ''}/${s.tags?.commune ?? ''}/${s.tags?.hamlet ?? ''}`;
  const changes = changesBySeries(series, key, from);
  for (const s of series) {
    const k = key(s);
    const list = changes.get(k) ?? [];
    const c = get(s.tags?.province ?? '', s.tags?.commune ?? '');
    const name = names.get(k) ?? String(s.values.at(-1)?.[2] ?? s.tags?.hamlet ?? '');
    for (const o of outagesOf('hamlet', list, from, to)) {
      const causes = causesDuring(s, o);
      c.outages.push({ hamlet: s.tags?.hamlet ?? '', name, ...o, ongoing: o.to === to, causes });
    }
    for (const o of outagesOf('hamlet', list, from, to, (b) => b === 'maintenance')) {
      c.maintenance.push({
        hamlet: s.tags?.hamlet ?? '',
        name,
        ...o,
        ongoing: o.to === to,
        causes: ['maintenance'],
      });
    }
  }
  for (const p of [...new Set(series.map((s) => get(s.tags?.province ?? '', s.tags?.commune ?? '')))]) {
    p.outages.sort((a, b) => a.from - b.from);
    p.maintenance.sort((a, b) => a.from - b.from);
  }
}

/**
 * The causes recorded during an outage: on the point that began it (or the last one before the period,
 * when it began earlier) and on every point written while it lasted (a cluster failing later adds its).
 */
function causesDuring(s: Series, o: { from: number; to: number }): Cause[] {
  const at = s.columns.indexOf('time');
  const cause = s.columns.indexOf('cause');
  let first = 0;
  for (let i = 0; i < s.values.length && Number(s.values[i]?.[at]) <= o.from; i++) first = i;
  const fields: string[] = [];
  for (let i = first; i < s.values.length && Number(s.values[i]?.[at]) < o.to; i++) {
    fields.push(String(s.values[i]?.[cause] ?? ''));
  }
  return parseCauses(fields);
}
