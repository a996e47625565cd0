// History backfill against the run's real influxd: eight days of the test province written through the
// ingest's pipeline, counted per device, broadcast windows at their local times, idempotent, never over
// live data, and read back by the coverage engine's restore so that the seven-day regularity rule sees
// the hamlet whose only cluster was dark for five days as not operating regularly, and the others as
// regular.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeRecord } from '../cli/index.js';
import { createCoverageEngine, restoreFromInflux } from '../coverage/index.js';
import { createV1Writer, ensureDatabase, type InfluxQl } from '../influx/index.js';
import { silentLogger } from '../runtime/index.js';
import { backfill, type BackfillOptions } from '../simulator/index.js';
import { spawnLoa } from './cli-process.js';
import { testInventory, testProvinceYaml } from './fixtures/province.js';
import { freshDatabase, heartbeatCounts } from './influx-helpers.js';

const influxUrl = inject('influxUrl');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The test province is in Asia/Ho_Chi_Minh: UTC+7, no summer time. */
const LOCAL = 7 * HOUR;
const MONITORED = ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'];

const databases: (InfluxQl & { database: string })[] = [];
async function database(prefix: string) {
  const ql = await freshDatabase(influxUrl, prefix);
  await ensureDatabase(ql, { database: ql.database, rawRetentionDays: 30 });
  databases.push(ql);
  return ql;
}
afterAll(async () => {
  for (const ql of databases) {
    await ql.dropDatabase(ql.database);
    ql.close();
  }
});

async function run(ql: InfluxQl & { database: string }, now: number, extra: Partial<BackfillOptions> = {}) {
  return backfill({
    inventory: await testInventory(),
    writer: createV1Writer({ url: influxUrl, database: ql.database, timeoutMs: 10_000, gzip: false }),
    ql,
    days: 8,
    seed: 3,
    outageChance: 0,
    logger: silentLogger(),
    now: () => now,
    ...extra,
  });
}

async function countOf(ql: InfluxQl, q: string): Promise<number> {
  const [series] = await ql.query(q);
  return Number(series?.values[0]?.[1] ?? 0);
}

describe('loa simulate backfill', () => {
  // Whole seconds: the grid of heartbeats is in whole seconds too.
  const now = Math.floor(Date.now() / 1000) * 1000;
  // vinh-an-c01, the only cluster of Ấp An Hòa, is dark for five days in the middle of the week.
  const outage = {
    device: 'vinh-an-c01',
    from: now - 6.9 * DAY,
    to: now - 1.9 * DAY,
    kind: 'power' as const,
  };
  let ql: InfluxQl & { database: string };
  let first: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    ql = await database('backfill');
    first = await run(ql, now, { outages: [outage] });
  });

  it('writes heartbeats at the inventory interval for every monitored device, none during the outage', async () => {
    expect(first.rejected).toBe(0);
    expect(first.until).toBe(now);
    const counts = await heartbeatCounts(ql);
    // 60 s heartbeats (the inventory default) over 8 days: 11,520 each, give or take the grid's edges.
    for (const device of MONITORED) {
      const written = first.devices[device]?.heartbeats ?? 0;
      expect(counts[device], device).toEqual([written, written]);
      const expected = device === 'vinh-an-c01' ? (8 - 5) * 1440 : 8 * 1440;
      expect(Math.abs(written - expected), device).toBeLessThanOrEqual(2);
    }
    expect(counts['vinh-an-fm03']).toBeUndefined();
    const during = await countOf(
      ql,
      `SELECT count(seq) FROM heartbeat WHERE device = 'vinh-an-c01' AND time >= ${outage.from}ms AND time < ${outage.to}ms`,
    );
    expect(during).toBe(0);
    // The outage has its Will, its power events and a boot at the end, as the live path would store them.
    expect(
      await countOf(
        ql,
        `SELECT count("count") FROM event WHERE device = 'vinh-an-c01' AND type = 'power_lost'`,
      ),
    ).toBe(1);
    expect(
      await countOf(
        ql,
        `SELECT count(session) FROM presence WHERE device = 'vinh-an-c01' AND online = false AND reason = 'lost'`,
      ),
    ).toBe(1);
  });

  it('logs broadcasts in the communes’ windows, local time, and the usual windows where none is set', async () => {
    const series = await ql.query('SELECT duration_s, id FROM broadcast GROUP BY device');
    const byDevice = new Map(series.map((s) => [s.tags?.device ?? '', s.values]));
    const windows = (device: string) =>
      new Set(
        (byDevice.get(device) ?? []).map((row) => {
          const local = (((Number(row[0]) + LOCAL) % DAY) + DAY) % DAY;
          const minute = Math.floor(local / 60_000);
          // Each starts within 90 s of its window's start.
          expect(minute % 30).toBeLessThanOrEqual(1);
          return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${minute % 60 < 30 ? '00' : '30'}`;
        }),
      );
    // Xã Vĩnh An: 05:00-06:00 and 17:00-18:00; Xã Tân Lập has no schedule: 05:00, 11:30 and 17:00.
    expect(windows('vinh-an-c02')).toEqual(new Set(['05:00', '17:00']));
    expect(windows('tan-lap-c01')).toEqual(new Set(['05:00', '11:30', '17:00']));
    expect(byDevice.has('vinh-an-station')).toBe(false);
    for (const device of ['vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01']) {
      expect(byDevice.get(device)?.length, device).toBe(first.devices[device]?.broadcasts);
    }
    // Two windows a day for 8 days, less those that had not ended by now or began before the start.
    expect(Math.abs((first.devices['vinh-an-c02']?.broadcasts ?? 0) - 16)).toBeLessThanOrEqual(2);
    expect(first.devices['vinh-an-c01']?.broadcasts).toBeLessThanOrEqual(16 - 2 * 4);
  });

  it('is idempotent: a second run overwrites the same points', async () => {
    const before = await heartbeatCounts(ql);
    const presence = await countOf(ql, 'SELECT count(session) FROM presence');
    const broadcasts = await countOf(ql, 'SELECT count(duration_s) FROM broadcast');
    const second = await run(ql, now, { outages: [outage] });
    expect(second.points).toBe(first.points);
    expect(await heartbeatCounts(ql)).toEqual(before);
    expect(await countOf(ql, 'SELECT count(session) FROM presence')).toBe(presence);
    expect(await countOf(ql, 'SELECT count(duration_s) FROM broadcast')).toBe(broadcasts);
  });

  it('gives the coverage engine a week of history: the hamlet dark five days is not regular', async () => {
    const inventory = await testInventory();
    const engine = createCoverageEngine({
      inventory,
      logger: silentLogger(),
      now: () => now,
      evaluateEveryMs: 3_600_000,
      restore: restoreFromInflux(ql, { now: () => now }),
    });
    await engine.start();
    try {
      const { model, evaluation } = engine;
      expect(evaluation.regularityJudged).toBe(true);
      const regular = (hamlet: string) => evaluation.hamletRegular[model.hamletIds.indexOf(hamlet)];
      const days = (hamlet: string) => evaluation.hamletBroadcastDays[model.hamletIds.indexOf(hamlet)];
      expect(regular('an-hoa'), `an-hoa on ${days('an-hoa')} days`).toBe(0);
      expect(days('an-hoa')).toBeLessThanOrEqual(4);
      for (const hamlet of ['an-thanh', 'an-binh', 'tan-hoa']) {
        expect(regular(hamlet), `${hamlet} on ${days(hamlet)} days`).toBe(1);
        expect(days(hamlet)).toBeGreaterThanOrEqual(7);
      }
    } finally {
      await engine.stop();
    }
  });
});

describe('loa simulate backfill next to live data', () => {
  it('stops where a running platform began writing, and leaves its points alone', async () => {
    const ql = await database('backfill_live');
    const now = Math.floor(Date.now() / 1000) * 1000;
    const liveFrom = now - 2 * HOUR;
    const writer = createV1Writer({ url: influxUrl, database: ql.database, timeoutMs: 10_000, gzip: false });
    // What a live `loa up` leaves: the ingest's self-metrics, and a heartbeat of its own.
    await writer.write([
      `ingest,instance=live accepted=1i ${liveFrom}000000`,
      `heartbeat,commune=vinh-an,device=vinh-an-c02,hamlet=an-thanh,kind=cluster,link=wifi,province=an-giang amp="on",power="mains",seq=7i,uptime_s=7 ${liveFrom + HOUR}000000`,
    ]);
    const result = await run(ql, now, { days: 2 });
    expect(result.liveFrom).toBe(liveFrom);
    expect(result.until).toBe(liveFrom);
    const [after] = await ql.query(`SELECT seq FROM heartbeat WHERE time >= ${liveFrom}ms GROUP BY device`);
    expect(after?.tags?.device).toBe('vinh-an-c02');
    expect(after?.values.map((row) => row[1])).toEqual([7]);
    const counts = await heartbeatCounts(ql);
    // Two days less the two live hours, at 60 s.
    expect(
      Math.abs(Number((counts['vinh-an-station'] as number[])[0]) - (2 * 1440 - 120)),
    ).toBeLessThanOrEqual(2);
  });
});

describe('the loa simulate backfill command', () => {
  it('finds InfluxDB and the inventory through the run record of `loa up --data DIR`', async () => {
    const ql = await database('backfill_cli');
    const dir = await mkdtemp(join(tmpdir(), 'loa-backfill-'));
    try {
      await mkdir(join(dir, 'inventory'));
      await writeFile(join(dir, 'inventory', 'an-giang.yaml'), await testProvinceYaml());
      // What a running `loa up --data DIR` records (only InfluxDB and the inventory matter here).
      await writeRecord(dir, {
        broker: 'mqtt://127.0.0.1:1',
        influx: influxUrl,
        database: ql.database,
        http: 'http://127.0.0.1:1',
        pid: process.pid,
        startedAt: new Date().toISOString(),
        inventory: join(dir, 'inventory'),
      });
      const loa = spawnLoa(['simulate', 'backfill', '--days', '1', '--step', '600', '--data', dir]);
      expect(await loa.exit(), loa.output()).toBe(0);
      expect(loa.output()).toMatch(/wrote [\d,]+ points/);
      const counts = await heartbeatCounts(ql);
      // One day at one heartbeat every 10 minutes: 144 per monitored device.
      for (const device of MONITORED) {
        const [n] = counts[device] as number[];
        expect(Math.abs((n ?? 0) - 144), device).toBeLessThanOrEqual(1);
      }
      // Too many days for the raw retention is refused before anything is written.
      const refused = spawnLoa(['simulate', 'backfill', '--days', '30', '--data', dir]);
      expect(await refused.exit()).toBe(2);
      expect(refused.output()).toMatch(/retention/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
