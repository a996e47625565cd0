// History that answers "how long" (issue 12): the real engine writes state changes into InfluxDB, the
// day's summaries are rebuilt from them, and `loa report` reads the summaries. The clock is scripted
// over a past month; nothing waits for real minutes.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureDatabase } from '../../influx/index.js';
import { Inventory, parseInventoryFile } from '../../protocol/index.js';
import { testProvinceYaml } from '../../test/fixtures/province.js';
import { freshDatabase, testWriter } from '../../test/influx-helpers.js';
import { monthlyReport, periodReport, reportCsv, reportMarkdown, type PeriodReport } from '../index.js';
import { runningScenario } from '../scenario.js';
import { silentLogger } from '../../runtime/index.js';
import { createDayCloser } from './day-closer.js';
import { rebuildDay } from './rebuild.js';
import type { DaySummary } from './summary.js';

const influxUrl = inject('influxUrl');
const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Local midnight (UTC+7) starting 2026-06-DD. */
const day = (d: number) => Date.UTC(2026, 5, d) - 7 * HOUR;
const MONITORED = ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'];

/** The test province with a fourth hamlet of Vĩnh An served by FM only (it cannot report). */
async function withFmHamlet(edit: (yaml: string) => string = (y) => y): Promise<Inventory> {
  let yaml = (await testProvinceYaml())
    .replace(
      '      - { id: an-binh, name: "Ấp An Bình" }\n',
      '      - { id: an-binh, name: "Ấp An Bình" }\n      - { id: an-phu, name: "Ấp An Phú" }\n',
    )
    .replace(
      '      - { id: vinh-an-fm03, kind: cluster, hamlets: [an-binh], link: fm }\n',
      '      - { id: vinh-an-fm03, kind: cluster, hamlets: [an-binh], link: fm }\n      - { id: vinh-an-fm04, kind: cluster, hamlets: [an-phu], link: fm }\n',
    );
  if (!yaml.includes('an-phu]')) throw new Error('the test province no longer has the expected lines');
  yaml = edit(yaml);
  return Inventory.fromFiles([{ file: 'an-giang.yaml', content: parseInventoryFile(yaml, 'an-giang.yaml') }]);
}

/** A run of the engine from `start`: every monitored device up, first evaluation done. */
function run(inventory: Inventory, start: number) {
  return runningScenario(inventory, start, MONITORED);
}

/** An-hoa's only cluster reports an amplifier fault for four seconds, evaluated every second. */
function fourSecondFault(s: ReturnType<typeof run>): void {
  for (const amp of ['fault', 'on'] as const) {
    s.heartbeatFields.set('vinh-an-c01', { amp });
    s.beat('vinh-an-c01');
    s.engine.tick();
    if (amp === 'fault') s.advance(4000, 1000);
  }
}

let ql: Awaited<ReturnType<typeof freshDatabase>>;
let inventory: Inventory;
const summaries = new Map<string, DaySummary>();
let unservedAlerts = -1;

beforeAll(async () => {
  ql = await freshDatabase(influxUrl, 'coverage_history');
  await ensureDatabase(ql, { database: ql.database, rawRetentionDays: 30 });
  inventory = await withFmHamlet();
  const lines: string[] = [];

  // 1 June: the engine runs all day; at 08:00 an-hoa's only cluster has a 4-second amplifier fault.
  const a = run(inventory, day(1) - MINUTE);
  a.advance(8 * HOUR + MINUTE);
  fourSecondFault(a);
  a.advance(day(2) - a.now());
  lines.push(...a.lines);
  // 2 June: nothing ran. 3 June: the engine ran for two minutes and four seconds, the first four
  // seconds with an-hoa silent: four bad evaluations in 4 s, then two good minutes.
  const b = run(inventory, day(3) + 10 * HOUR);
  fourSecondFault(b);
  b.advance(2 * MINUTE, 5000);
  lines.push(...b.lines);
  // 4 June (the month in progress): an inventory edit leaves an-hoa unserved for 12 minutes.
  const c = run(inventory, day(4) + 8 * HOUR);
  c.advance(HOUR);
  c.reload(
    await withFmHamlet((y) => y.replace('hamlets: [an-hoa], link: 4g', 'hamlets: [an-thanh], link: 4g')),
  );
  c.advance(12 * MINUTE);
  c.reload(inventory);
  c.advance(3 * HOUR);
  unservedAlerts = c.fired('hamlet_uncovered').length;
  lines.push(...c.lines);

  await testWriter(influxUrl, ql.database, 'long').write(lines);
  const long = testWriter(influxUrl, ql.database, 'long');
  for (const d of ['2026-06-01', '2026-06-02', '2026-06-03']) {
    const [summary] = await rebuildDay(ql, (l) => long.write(l), inventory, d, { now: day(4) + 12 * HOUR });
    if (summary) summaries.set(d, summary);
  }
});

afterAll(async () => {
  await ql.dropDatabase(ql.database);
  ql.close();
});

const hamlet = (d: string, id: string) => summaries.get(d)?.hamlets.find((h) => h.hamlet === id);
const commune = (d: string, id: string) => summaries.get(d)?.communes.find((c) => c.commune === id);

describe('daily summaries rebuilt from the engine’s state changes', () => {
  it('weighs a 4-second outage as 4 seconds of a whole day: the hamlet met the day', () => {
    const anHoa = hamlet('2026-06-01', 'an-hoa');
    // Four seconds down is within the criterion's grace: at risk, not (yet) uncovered.
    expect(anHoa?.seconds.at_risk).toBeGreaterThanOrEqual(3);
    expect(anHoa?.seconds.at_risk).toBeLessThanOrEqual(5);
    expect(anHoa?.seconds.no_data).toBe(0);
    expect(anHoa?.verdict).toBe('met');
    expect(commune('2026-06-01', 'tan-lap')?.verdict).toBe('met');
    // The FM-only hamlet cannot be checked: Vĩnh An's day is unverified, not failed.
    expect(hamlet('2026-06-01', 'an-phu')).toMatchObject({ verdict: 'unverified' });
    expect(hamlet('2026-06-01', 'an-phu')?.seconds.unverified).toBe(86_400);
    expect(commune('2026-06-01', 'vinh-an')?.verdict).toBe('unverified');
  });

  it('a day the engine did not run is no data, not a failure', () => {
    // The engine's last point of 1 June vouches for two minutes past midnight.
    expect(hamlet('2026-06-02', 'tan-hoa')?.seconds.no_data).toBeGreaterThanOrEqual(86_400 - 120);
    expect(commune('2026-06-02', 'tan-lap')?.verdict).toBe('no_data');
  });

  it('4 bad evaluations in 4 s weigh 4 s against 2 good minutes', () => {
    const anHoa = hamlet('2026-06-03', 'an-hoa');
    expect(anHoa?.seconds.at_risk).toBeGreaterThanOrEqual(3);
    expect(anHoa?.seconds.at_risk).toBeLessThanOrEqual(5);
    expect(anHoa?.seconds.covered).toBeGreaterThanOrEqual(120);
    expect(anHoa?.verdict).toBe('no_data');
  });

  it('refuses a day that has not ended', async () => {
    await expect(
      rebuildDay(ql, () => undefined, inventory, '2026-06-04', { now: day(4) + 12 * HOUR }),
    ).rejects.toThrow(/2026-06-04 has not ended yet in An Giang/);
  });
});

describe('loa report from the summaries', () => {
  let report: PeriodReport;
  const row = (id: string) => report.communes.find((c) => c.commune === id);
  beforeAll(async () => {
    report = await monthlyReport(ql, { month: '2026-06', inventory, now: day(4) + 12 * HOUR });
  });

  it('a month in progress counts only the days already over', () => {
    expect(report.complete).toBe(false);
    expect(row('tan-lap')).toMatchObject({
      days: 30,
      daysElapsed: 3,
      daysToCome: 27,
      daysMet: 1,
      daysNotMet: 0,
      daysNoData: 2,
      verdict: 'met',
    });
    const md = reportMarkdown(report);
    expect(md).toContain('| An Giang | Xã Tân Lập | 1/3 | 0 | 0 | 0 | 2 |');
    expect(md).toContain(
      '3/30 ngày đã qua; ngày đang diễn ra và những ngày chưa đến (27 ngày) không được tính',
    );
  });

  it('per commune: hamlets met, the station and clusters up by link at the end, the FM-only hamlets', () => {
    // On 3 June, the last day with data: three hamlets met, the FM-only one could not be verified.
    expect(row('vinh-an')).toMatchObject({
      hamlets: 4,
      hamletsMet: 3,
      station: 'ethernet',
      stationStatus: 'up',
      clusters: { '4g': 1, wifi: 1, fm: 2 },
      clustersUp: { '4g': 1, wifi: 1 },
      unverifiedHamlets: ['Ấp An Phú'],
    });
    expect(reportMarkdown(report)).toContain(
      '| Chưa xác minh (FM/hữu tuyến) | 3/4 | cáp mạng (hoạt động) | 4G 1/1, Wi-Fi 1/1, FM 2 |',
    );
  });

  it('availability is time-weighted and leaves out what cannot be checked (FM)', () => {
    const vinhAn = row('vinh-an');
    expect(vinhAn?.verdict).toBe('unverified');
    expect(vinhAn?.daysUnverified).toBe(1);
    // Two days of 4-s outages against a day and two minutes of three covered hamlets.
    expect(vinhAn?.availabilityPct).toBeGreaterThan(99.99);
    expect(vinhAn?.hamletSeconds.unverified).toBeGreaterThanOrEqual(86_400);
  });

  it('lists an unserved hamlet’s 12 minutes as an outage, from the history (no alert fired)', () => {
    expect(unservedAlerts).toBe(0);
    const outages = row('vinh-an')?.outages.filter((o) => o.status === 'unserved') ?? [];
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({ hamlet: 'an-hoa', name: 'Ấp An Hòa', ongoing: false });
    expect(Math.round(((outages[0]?.to ?? 0) - (outages[0]?.from ?? 0)) / MINUTE)).toBe(12);
    // The 4-second faults are outages too.
    expect(row('vinh-an')?.outages.filter((o) => o.status === 'at_risk')).toHaveLength(2);
    expect(reportMarkdown(report)).toContain(
      '| Xã Vĩnh An | Ấp An Hòa | mất loa (có nguy cơ) | 01/06/2026 08:00 | 01/06/2026 08:00 | 4 giây |',
    );
    const md = reportMarkdown(report);
    expect(md).toContain(
      '| Xã Vĩnh An | Ấp An Hòa | không có cụm loa | 04/06/2026 09:00 | 04/06/2026 09:12 | 12 phút |',
    );
    expect(md).toMatch(/^# Báo cáo tiêu chí 8\.3 “Xã có đài truyền thanh/m);
    expect(reportCsv(report).split('\n')[0]).toContain('days_met,days_not_met');
  });

  it('a year in progress: days to come excluded, verdicts from the days judged', async () => {
    const year = await periodReport(ql, 'year', '2026', { inventory, now: day(4) + 12 * HOUR });
    const tanLap = year.communes.find((c) => c.commune === 'tan-lap');
    expect(tanLap).toMatchObject({ days: 365, daysMet: 1, daysNoData: 153, verdict: 'met' });
    expect(tanLap?.daysElapsed).toBe(31 + 28 + 31 + 30 + 31 + 3);
  });
});

describe('the day close of a running platform', () => {
  it('at start, writes yesterday’s summaries when they are missing', async () => {
    const count = async (d: string) => {
      const [series] = await ql.query(
        `SELECT count("verdict") FROM "long"."coverage_commune_day" WHERE "day" = '${d}'`,
      );
      return series?.values[0]?.[1] ?? 0;
    };
    expect(await count('2026-06-04')).toBe(0);
    const long = testWriter(influxUrl, ql.database, 'long');
    const closer = createDayCloser({
      ql,
      write: (l) => long.write(l),
      inventory: () => inventory,
      logger: silentLogger(),
      now: () => day(5) + HOUR,
    });
    closer.start();
    await closer.stop();
    expect(await count('2026-06-04')).toBe(2);
  });
});
