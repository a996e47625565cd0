// The monthly report from stored history: coverage samples and alerts in `long`, broadcasts in raw.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { ensureDatabase, msToNs } from '../influx/index.js';
import { freshDatabase, testWriter } from '../test/influx-helpers.js';
import { monthlyReport, reportCsv, reportMarkdown } from './index.js';

const influxUrl = inject('influxUrl');
let ql: Awaited<ReturnType<typeof freshDatabase>>;
const OFFSET = 7 * 3_600_000; // Asia/Ho_Chi_Minh
const DAY = 86_400_000;
// Local midnight two days ago: inside the raw retention, and the month it falls in.
const now = Date.now();
const day = Math.floor((now - 2 * DAY + OFFSET) / DAY) * DAY - OFFSET;
const month = new Date(day + OFFSET).toISOString().slice(0, 7);

beforeAll(async () => {
  ql = await freshDatabase(influxUrl, 'coverage_report');
  await ensureDatabase(ql, { database: ql.database, rawRetentionDays: 30 });
  const writer = (rp?: string) => testWriter(influxUrl, ql.database, rp);
  const long: string[] = [];
  for (let i = 0; i < 100; i++) {
    const at = msToNs(day + i * 60_000);
    const a = i < 95 ? 'meets' : 'not_met';
    long.push(
      `coverage_commune,commune=xa-a,province=an-giang status="${a}",covered=${i < 95 ? 3 : 2}i,hamlets=3i,name="Xã A" ${at}`,
      `coverage_commune,commune=xa-b,province=an-giang status="${i % 2 ? 'meets' : 'not_met'}",covered=1i,hamlets=2i,name="Xã B" ${at}`,
    );
  }
  const id = 'hamlet_uncovered/an-giang/xa-b/ap-1';
  long.push(
    `alert,commune=xa-b,kind=hamlet_uncovered,province=an-giang,state=firing id="${id}",hamlet="ap-1",since=${day + 3_600_000}i ${msToNs(day + 4_200_000)}`,
    `alert,commune=xa-b,kind=hamlet_uncovered,province=an-giang,state=resolved id="${id}",hamlet="ap-1",since=${day + 3_600_000}i ${msToNs(day + 3 * 3_600_000)}`,
  );
  await writer('long').write(long);
  await writer().write([
    `broadcast,commune=xa-a,device=xa-a-c1,priority=normal,province=an-giang,source=national,status=completed duration_s=3600 ${msToNs(day + 5 * 3_600_000)}`,
  ]);
});

afterAll(async () => {
  await ql.dropDatabase(ql.database);
  ql.close();
});

it('computes days meeting 8.3, availability, broadcast days and outages per commune', async () => {
  const report = await monthlyReport(ql, { month, now });
  const [a, b] = report.communes;
  expect(a).toMatchObject({ commune: 'xa-a', name: 'Xã A', daysMeeting: 1, broadcastDays: 1, outages: [] });
  expect(a?.availabilityPct).toBeCloseTo((100 * 295) / 300, 5);
  expect(b).toMatchObject({ commune: 'xa-b', daysMeeting: 0, broadcastDays: 0 });
  expect(b?.outages).toEqual([
    { hamlet: 'ap-1', from: day + 3_600_000, to: day + 3 * 3_600_000, ongoing: false },
  ]);
  const md = reportMarkdown(report);
  expect(md).toContain(`# Criterion 8.3: monthly report ${month}`);
  expect(md).toContain('| Xã B | ap-1 |');
  expect(md).toContain('| 2 h 0 min |');
  expect(reportCsv(report).split('\n')[2]).toContain('xa-b,Xã B');
});
