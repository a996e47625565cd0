import { type InfluxQl, type Series } from '../influx/index.js';
import { DAY_MS, utcOffsetMs } from './model.js';

/** A day counts as meeting 8.3 when at least this share of its coverage samples say `meets`. */
export const DAY_MEETS_SHARE = 0.9;

export interface Outage {
  hamlet: string;
  from: number;
  /** When the alert resolved, or the month's end (or now) for an outage still going on. */
  to: number;
  ongoing: boolean;
}

export interface CommuneMonth {
  province: string;
  commune: string;
  name: string;
  days: number;
  daysMeeting: number;
  /** Mean share of hamlets covered over the month's samples, in %. */
  availabilityPct: number;
  broadcastDays: number;
  outages: Outage[];
}

export interface MonthlyReport {
  month: string;
  timezone: string;
  from: number;
  to: number;
  communes: CommuneMonth[];
}

/**
 * `loa report --month YYYY-MM`: per commune the days meeting 8.3, hamlet availability, broadcast days
 * and each hamlet outage, computed in InfluxDB from the engine's `coverage_commune` and `alert` history
 * (retention policy `long`) and the `broadcast` log (raw: run it within the raw retention, 30 days by
 * default, of the month's end to have broadcast days).
 */
export async function monthlyReport(
  ql: InfluxQl,
  {
    month,
    timezone = 'Asia/Ho_Chi_Minh',
    now = Date.now(),
  }: { month: string; timezone?: string; now?: number },
): Promise<MonthlyReport> {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new Error(`--month must be YYYY-MM, not "${month}"`);
  const year = Number(m[1]);
  const mon = Number(m[2]);
  const offset = utcOffsetMs(timezone, Date.UTC(year, mon - 1, 15));
  const from = Date.UTC(year, mon - 1, 1) - offset;
  const to = Date.UTC(year, mon, 1) - offset;
  const days = Math.round((to - from) / DAY_MS);
  const groupOffset = `${Math.round((((-offset % DAY_MS) + DAY_MS) % DAY_MS) / 60_000)}m`;
  const range = `time >= ${from}ms AND time < ${to}ms`;
  const key = (s: Series) => `${s.tags?.province ?? ''}/${s.tags?.commune ?? ''}`;
  const communes = new Map<string, CommuneMonth>();
  const get = (s: Series): CommuneMonth => {
    const k = key(s);
    let c = communes.get(k);
    if (c === undefined) {
      c = {
        province: s.tags?.province ?? '',
        commune: s.tags?.commune ?? '',
        name: '',
        days,
        daysMeeting: 0,
        availabilityPct: 0,
        broadcastDays: 0,
        outages: [],
      };
      communes.set(k, c);
    }
    return c;
  };

  for (const s of await ql.query(
    `SELECT sum("covered"), sum("hamlets"), last("name") FROM "long"."coverage_commune" WHERE ${range} GROUP BY province, commune`,
  )) {
    const [, covered, hamlets, name] = s.values[0] ?? [];
    const c = get(s);
    c.name = String(name ?? '');
    c.availabilityPct = Number(hamlets) > 0 ? (100 * Number(covered)) / Number(hamlets) : 0;
  }
  const perDay = async (where: string) => {
    const out = new Map<string, number>();
    for (const s of await ql.query(
      `SELECT count("status") FROM "long"."coverage_commune" WHERE ${range}${where} GROUP BY time(1d, ${groupOffset}), province, commune`,
    )) {
      for (const [time, count] of s.values) out.set(`${key(s)}@${String(time)}`, Number(count));
    }
    return out;
  };
  const samples = await perDay('');
  const meeting = await perDay(` AND "status" = 'meets'`);
  for (const [k, total] of samples) {
    const c = communes.get(k.split('@')[0] ?? '');
    if (c && total > 0 && (meeting.get(k) ?? 0) >= DAY_MEETS_SHARE * total) c.daysMeeting++;
  }
  for (const s of await ql.query(
    `SELECT count(duration_s) FROM broadcast WHERE ${range} AND status = 'completed' GROUP BY time(1d, ${groupOffset}), province, commune`,
  )) {
    const c = get(s);
    c.broadcastDays += s.values.filter(([, n]) => Number(n) > 0).length;
  }

  // Outages: hamlet_uncovered alerts, paired by id, clipped to the month (older firings included).
  const open = new Map<string, { hamlet: string; since: number; series: Series }>();
  const closed: { c: CommuneMonth; outage: Outage }[] = [];
  for (const s of await ql.query(
    `SELECT id, hamlet, since FROM "long"."alert" WHERE kind = 'hamlet_uncovered' AND time < ${to}ms AND time > ${from - 366 * DAY_MS}ms GROUP BY province, commune, state`,
  )) {
    for (const [time, id, hamlet, since] of s.values) {
      if (s.tags?.state === 'firing')
        open.set(String(id), { hamlet: String(hamlet), since: Number(since), series: s });
      else {
        const o = open.get(String(id));
        if (o && Number(time) >= o.since) {
          open.delete(String(id));
          if (Number(time) > from)
            closed.push({
              c: get(s),
              outage: { hamlet: o.hamlet, from: o.since, to: Number(time), ongoing: false },
            });
        }
      }
    }
  }
  for (const o of open.values()) {
    closed.push({
      c: get(o.series),
      outage: { hamlet: o.hamlet, from: o.since, to: Math.min(to, now), ongoing: true },
    });
  }
  for (const { c, outage } of closed) {
    c.outages.push({ ...outage, from: Math.max(outage.from, from), to: Math.min(outage.to, to) });
  }
  for (const c of communes.values()) c.outages.sort((a, b) => a.from - b.from);
  const list = [...communes.values()].sort(
    (a, b) => a.province.localeCompare(b.province) || a.commune.localeCompare(b.commune),
  );
  return { month, timezone, from, to, communes: list };
}

const minutes = (ms: number) => Math.round(ms / 60_000);

export function durationText(ms: number): string {
  const total = minutes(ms);
  const h = Math.floor(total / 60);
  return h > 0 ? `${h} h ${total % 60} min` : `${total} min`;
}

function local(ms: number, report: MonthlyReport): string {
  const offset = utcOffsetMs(report.timezone, ms);
  return new Date(ms + offset).toISOString().slice(0, 16).replace('T', ' ');
}

export function reportMarkdown(r: MonthlyReport): string {
  const meets = r.communes.filter((c) => c.daysMeeting === c.days).length;
  const lines = [
    `# Criterion 8.3: monthly report ${r.month}`,
    '',
    `Times are local (${r.timezone}). A day meets 8.3 when at least ${DAY_MEETS_SHARE * 100} % of its coverage samples do. ` +
      `${meets} of ${r.communes.length} communes met 8.3 on every day of the month.`,
    '',
    '| province | commune | name | days meeting 8.3 | hamlet availability | broadcast days | outages | outage time |',
    '|---|---|---|---|---|---|---|---|',
    ...r.communes.map(
      (c) =>
        `| ${c.province} | ${c.commune} | ${c.name} | ${c.daysMeeting}/${c.days} | ${c.availabilityPct.toFixed(2)} % | ${c.broadcastDays} | ${c.outages.length} | ${durationText(c.outages.reduce((n, o) => n + o.to - o.from, 0))} |`,
    ),
    '',
    '## Outages',
    '',
    '| commune | hamlet | from | to | duration |',
    '|---|---|---|---|---|',
    ...r.communes.flatMap((c) =>
      c.outages.map(
        (o) =>
          `| ${c.name} | ${o.hamlet} | ${local(o.from, r)} | ${o.ongoing ? 'ongoing' : local(o.to, r)} | ${durationText(o.to - o.from)} |`,
      ),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

export function reportCsv(r: MonthlyReport): string {
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = [
    [
      'province',
      'commune',
      'name',
      'days',
      'days_meeting_8_3',
      'hamlet_availability_pct',
      'broadcast_days',
      'outages',
      'outage_minutes',
      'outage_list',
    ],
    ...r.communes.map((c) => [
      c.province,
      c.commune,
      c.name,
      String(c.days),
      String(c.daysMeeting),
      c.availabilityPct.toFixed(2),
      String(c.broadcastDays),
      String(c.outages.length),
      String(minutes(c.outages.reduce((n, o) => n + o.to - o.from, 0))),
      c.outages.map((o) => `${o.hamlet} ${local(o.from, r)} (${durationText(o.to - o.from)})`).join('; '),
    ]),
  ];
  return `${rows.map((row) => row.map(q).join(',')).join('\n')}\n`;
}
