// `loa simulate backfill --summary-days`: past days' summaries from the backfill's seeded outages, through
// the engine's evaluation and the history's one writer, read back by `loa report --year`.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { periodReport } from '../coverage/index.js';
import { ensureDatabase } from '../influx/index.js';
import { backfillSummaries } from '../simulator/index.js';
import { testInventory } from './fixtures/province.js';
import { freshDatabase, testWriter } from './influx-helpers.js';

const influxUrl = inject('influxUrl');
const HOUR = 3_600_000;
/** 2026-03-10 12:00 local (UTC+7). */
const UNTIL = Date.UTC(2026, 2, 10, 5);
const local = (m: number, d: number, h = 0) => Date.UTC(2026, m - 1, d, h) - 7 * HOUR;
let ql: Awaited<ReturnType<typeof freshDatabase>>;

beforeAll(async () => {
  ql = await freshDatabase(influxUrl, 'backfill_summaries');
  await ensureDatabase(ql, { database: ql.database, rawRetentionDays: 30 });
});
afterAll(async () => {
  await ql.dropDatabase(ql.database);
  ql.close();
});

it('writes a summary per hamlet and commune per past day, the scripted outage failing its day', async () => {
  const inventory = await testInventory();
  const result = await backfillSummaries({
    inventory,
    writer: testWriter(influxUrl, ql.database, 'long'),
    days: 60,
    until: UNTIL,
    outageChance: 0,
    // Tân Lập's only cluster dark for 3 hours on 5 March: 12.5 % of the day, more than the 10 % allowed.
    outages: [{ device: 'tan-lap-c01', from: local(3, 5, 8), to: local(3, 5, 11), kind: 'power' }],
  });
  // 60 days × (4 hamlets + 2 communes).
  expect(result).toMatchObject({ days: 60, points: 360 });
  const year = await periodReport(ql, 'year', '2026', { inventory, now: UNTIL });
  const tanLap = year.communes.find((c) => c.commune === 'tan-lap');
  // 1 January – 9 March: 68 days over; the backfill wrote the last 60 (9 January – 9 March).
  expect(tanLap).toMatchObject({
    daysElapsed: 68,
    daysMet: 59,
    daysNotMet: 1,
    daysNoData: 8,
    verdict: 'met',
  });
  // A 3-hour outage is within the criterion's 24-hour grace: at risk, and it still fails its day.
  expect(tanLap?.hamletSeconds.at_risk).toBe(3 * 3600);
  expect(tanLap?.broadcastDays).toBe(0); // Tân Lập has no schedule windows
  const vinhAn = year.communes.find((c) => c.commune === 'vinh-an');
  expect(vinhAn).toMatchObject({ daysMet: 60, broadcastDays: 60, availabilityPct: 100 });
});
