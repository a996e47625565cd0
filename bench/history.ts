// Coverage history (issue 12): InfluxDB points the engine writes per device per day, today's writer
// against the per-minute snapshots it replaced (same engine, same simulated day, same run); and a
// province-year report (the An Giang preset, 365 days of daily summaries written by the backfill),
// read and written out as `loa report --year` prints it, against a bare read of the same summary points.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCoverageEngine, reportMarkdown, yearlyReport } from '../coverage/index.js';
import {
  createInfluxdServer,
  createInfluxQl,
  createV1Writer,
  ensureDatabase,
  LONG_RETENTION_POLICY,
} from '../influx/index.js';
import { COVERAGE_COMMUNE_DAY, loadInventory, type Inventory } from '../protocol/index.js';
import { silentLogger } from '../runtime/index.js';
import { backfillSummaries, generateProvince, presetSpec, writeProvince } from '../simulator/index.js';
import { median } from './stats.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

async function anGiang(dir: string): Promise<Inventory> {
  await writeProvince(dir, await generateProvince(presetSpec('an-giang', { seed: 1, heartbeatS: 60 })));
  return loadInventory(join(dir, 'inventory'));
}

/**
 * Lines the engine writes over one local day of the province: every device heartbeats each minute,
 * 2 % of them go dark for an hour at staggered times (outages, so changes are written too).
 */
function pointsPerDay(inventory: Inventory, fullWriteEveryMs: number | undefined): number {
  const start = Date.UTC(2026, 5, 15) - 7 * 3_600_000;
  let t = start;
  let lines = 0;
  const engine = createCoverageEngine({
    inventory,
    logger: silentLogger(),
    now: () => t,
    store: {
      write: (l) => {
        lines += l.length;
      },
    },
    ...(fullWriteEveryMs !== undefined && { fullWriteEveryMs }),
  });
  const devices = [...inventory.allDevices()].filter((d) => d.monitored);
  const dark = (k: number, at: number) => {
    if (k % 50 !== 0) return false;
    const from = start + ((k * 7919) % 23) * 3_600_000;
    return at >= from && at < from + 3_600_000;
  };
  let seq = 0;
  for (; t < start + DAY; t += 5000) {
    if ((t - start) % MINUTE === 0) {
      devices.forEach((d, k) => {
        if (dark(k, t)) return;
        engine.observe(
          d.device,
          'heartbeat',
          { v: 1, ts: t, seq: seq++, uptime_s: 1, power: 'mains', amp: 'on' },
          t,
        );
      });
    }
    engine.tick();
  }
  return lines / devices.length;
}

export interface HistoryBench {
  devices: number;
  hamlets: number;
  communes: number;
  pointsPerDeviceDayBefore: number;
  pointsPerDeviceDayAfter: number;
  summaryPoints: number;
  backfillSeconds: number;
  yearReportMs: number;
  bareReadMs: number;
}

export async function benchHistory({ repeats = 5 } = {}): Promise<HistoryBench> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-history-'));
  const influxd = createInfluxdServer({ dataDir: join(dir, 'influxdb'), logger: silentLogger() });
  try {
    const inventory = await anGiang(join(dir, 'province'));
    const before = pointsPerDay(inventory, MINUTE);
    const after = pointsPerDay(inventory, undefined);

    const { url } = await influxd.start();
    const ql = createInfluxQl({ url, database: 'loa' });
    await ensureDatabase(ql, { database: 'loa', rawRetentionDays: 30 });
    const until = Date.UTC(2026, 11, 31, 17);
    const backfill = await backfillSummaries({
      inventory,
      writer: createV1Writer({
        url,
        database: 'loa',
        retentionPolicy: LONG_RETENTION_POLICY,
        timeoutMs: 60_000,
        gzip: false,
      }),
      days: 365,
      until,
    });
    const reports: number[] = [];
    const bare: number[] = [];
    const D = COVERAGE_COMMUNE_DAY;
    const f = D.field;
    let communesMet = 0;
    for (let r = 0; r < repeats; r++) {
      let t0 = performance.now();
      const report = await yearlyReport(ql, { year: '2026', inventory, now: until + DAY });
      // What the command prints (Markdown, the terminal default), from the catalogue: part of its time.
      if (reportMarkdown(report).length === 0) throw new Error('empty report');
      reports.push(performance.now() - t0);
      communesMet = report.communes.filter((c) => c.verdict === 'met').length;
      t0 = performance.now();
      await ql.query(
        `SELECT "${f.verdict}", "${f.broadcast}", "${f.hamlet_covered_s}", "${f.hamlet_uncovered_s}" FROM "${D.retention}"."${D.name}" WHERE time >= ${until - 365 * DAY}ms AND time < ${until}ms GROUP BY "${D.tag.province}", "${D.tag.commune}"`,
      );
      bare.push(performance.now() - t0);
    }
    if (communesMet < 0) process.stderr.write('');
    ql.close();
    const province = inventory.provinces[0];
    return {
      devices: [...inventory.allDevices()].length,
      hamlets: province?.communes.reduce((n, c) => n + c.hamlets.length, 0) ?? 0,
      communes: province?.communes.length ?? 0,
      pointsPerDeviceDayBefore: before,
      pointsPerDeviceDayAfter: after,
      summaryPoints: backfill.points,
      backfillSeconds: backfill.seconds,
      yearReportMs: median(reports),
      bareReadMs: median(bare),
    };
  } finally {
    await influxd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
