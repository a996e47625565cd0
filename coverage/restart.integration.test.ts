// The engine restarted in the middle of an outage, and after an upgrade: fed by the real ingest (its
// observer hook), it rebuilds its state from InfluxDB, raises no duplicate alert, keeps the right
// "since", resolves the outage once when it ends, and pages no device that reconnects in time. The
// clock is scripted; nothing waits for real minutes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { ensureDatabase } from '../influx/index.js';
import { createIngest, type Ingest } from '../ingest/index.js';
import { silentLogger } from '../runtime/index.js';
import { freshDatabase, testWriter } from '../test/influx-helpers.js';
import { testInventory, topicOf, type TestDevice } from '../test/fixtures/province.js';
import {
  createCoverageEngine,
  createLineStore,
  readCommuneCoverage,
  readBulletin,
  readHamletCoverage,
  restoreFromInflux,
  type CoverageEngine,
  type LineStore,
} from './index.js';
import { memorySink } from './scenario.js';

const influxUrl = inject('influxUrl');
const DEVICES: TestDevice[] = ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'];
let dir: string;
let ql: Awaited<ReturnType<typeof freshDatabase>>;
let ingest: Ingest;
let store: LineStore;
let current: CoverageEngine | undefined;
/**
 * The scripted clock starts at the latest 02:00 local time (UTC+7, 19:00 UTC) at least an hour past:
 * the scripted half hour then ends before the real now (device times may not be in the future) and
 * crosses none of the test province's broadcast windows (05:00–06:00, 17:00–18:00), whatever the hour
 * the test runs at. Starting from the real now, a run just after 06:00 local saw a broadcast_missed.
 */
function quietStart(real: number): number {
  const day = 86_400_000;
  const start = Math.floor((real - 19 * 3_600_000) / day) * day + 19 * 3_600_000;
  return real - start < 3_600_000 ? start - day : start;
}
let t = quietStart(Date.now());
const now = () => t;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-coverage-'));
  ql = await freshDatabase(influxUrl, 'coverage_restart');
  await ensureDatabase(ql, { database: ql.database, rawRetentionDays: 30 });
  const writer = (rp?: string) => testWriter(influxUrl, ql.database, rp);
  store = createLineStore(writer('long'), silentLogger());
  ingest = createIngest({
    inventory: await testInventory(),
    writer: writer(),
    walDir: join(dir, 'wal'),
    logger: silentLogger(),
    now,
    flushIntervalMs: 20,
    selfMetricsIntervalMs: 0,
    onMessage: (device, channel, message, receivedAt) => {
      current?.observe(device.device, channel, message, receivedAt);
    },
  });
  await ingest.start();
});

afterAll(async () => {
  await ingest.stop();
  await store.close();
  await ql.dropDatabase(ql.database);
  ql.close();
  await rm(dir, { recursive: true, force: true });
});

async function newEngine() {
  const sink = memorySink();
  const engine = createCoverageEngine({
    inventory: await testInventory(),
    logger: silentLogger(),
    now,
    sinks: [sink],
    store,
    evaluateEveryMs: 3_600_000, // the test ticks by hand
    restore: restoreFromInflux(ql, { now }),
  });
  return { engine, sink };
}

const alive = new Set<TestDevice>(DEVICES);
const seq = new Map<TestDevice, number>();
function publish(device: TestDevice, channel: string, payload: object): void {
  ingest.accept(topicOf(device, channel), Buffer.from(JSON.stringify({ v: 1, ...payload })), t);
}
function advance(ms: number): void {
  const end = t + ms;
  while (t < end) {
    t += 5000;
    for (const d of alive) {
      if (t % 60_000 < 5000) {
        const n = (seq.get(d) ?? 0) + 1;
        seq.set(d, n);
        publish(d, 'heartbeat', { ts: t, seq: n, uptime_s: n * 60, power: 'mains', amp: 'on' });
      }
    }
    current?.tick();
  }
}

it('restarted mid-outage: no duplicate alert, the right since, one resolution', async () => {
  const first = await newEngine();
  current = first.engine;
  await first.engine.start();
  for (const d of DEVICES) publish(d, 'state', { ts: t, online: true, session: 3, reason: 'boot' });
  advance(10 * 60_000);
  alive.delete('vinh-an-c01');
  advance(15 * 60_000);
  const fired = first.sink.alerts.filter((a) => a.state === 'firing');
  expect(fired.map((a) => a.kind).sort()).toEqual([
    'commune_criterion_lost',
    'device_offline',
    'hamlet_uncovered',
  ]);
  const uncovered = fired.find((a) => a.kind === 'hamlet_uncovered');

  // The engine stops (a crash or a restart) while the outage goes on.
  await ingest.idle();
  await first.engine.stop();
  await store.flush();
  current = undefined;
  advance(60_000);
  await ingest.idle();

  const second = await newEngine();
  await second.engine.start();
  current = second.engine;
  advance(5 * 60_000);
  expect(second.sink.alerts).toEqual([]);
  const restored = second.engine.firing().find((a) => a.kind === 'hamlet_uncovered');
  expect(restored?.since).toBe(uncovered?.since);
  expect(restored?.where.hamlet).toBe('an-hoa');

  // What `loa coverage` reads back.
  await store.flush();
  const communes = await readCommuneCoverage(ql, { freshMs: 2 * 86_400_000 });
  // Down for minutes, within the criterion's grace: at risk, not (yet) failing.
  expect(communes.find((c) => c.commune === 'vinh-an')).toMatchObject({
    status: 'at_risk',
    hamlets: 3,
    covered: 2,
  });
  const hamlets = await readHamletCoverage(ql, 'vinh-an', { freshMs: 2 * 86_400_000 });
  expect(hamlets.find((h) => h.hamlet === 'an-hoa')).toMatchObject({
    status: 'at_risk',
    name: 'Ấp An Hòa',
  });

  // The cluster comes back: each alert resolves once.
  alive.add('vinh-an-c01');
  publish('vinh-an-c01', 'state', { ts: t, online: true, session: 4, reason: 'boot' });
  advance(6 * 60_000);
  const resolved = second.sink.alerts
    .filter((a) => a.state === 'resolved')
    .map((a) => a.kind)
    .sort();
  expect(resolved).toEqual(['commune_criterion_lost', 'device_offline', 'hamlet_uncovered']);
  expect(second.sink.alerts.filter((a) => a.state === 'firing')).toEqual([]);
  await second.engine.stop();
  current = undefined;
});

it('lists per commune which clusters played a bulletin and which did not', async () => {
  const bulletin = {
    start: t - 300_000,
    end: t - 60_000,
    priority: 'emergency',
    source: 'provincial',
    status: 'completed',
    bulletin: 'AG-2026-0412',
  };
  publish('vinh-an-c01', 'broadcast', { ...bulletin, id: 'e1' });
  publish('tan-lap-c01', 'broadcast', { ...bulletin, id: 'e1', status: 'interrupted' });
  await ingest.idle();
  const deliveries = await readBulletin(ql, await testInventory(), 'AG-2026-0412');
  expect(deliveries).toEqual([
    {
      province: 'an-giang',
      commune: 'tan-lap',
      name: 'Xã Tân Lập',
      played: [{ device: 'tan-lap-c01', status: 'interrupted', start: bulletin.start }],
      missing: [],
      unmonitored: [],
    },
    {
      province: 'an-giang',
      commune: 'vinh-an',
      name: 'Xã Vĩnh An',
      played: [{ device: 'vinh-an-c01', status: 'completed', start: bulletin.start }],
      missing: ['vinh-an-c02'],
      unmonitored: ['vinh-an-fm03'],
    },
  ]);
});

it('restarted after an upgrade: devices back in time page nothing, the one that stays away is paged from its true start', async () => {
  const first = await newEngine();
  current = first.engine;
  await first.engine.start();
  for (const d of DEVICES) publish(d, 'state', { ts: t, online: true, session: 5, reason: 'boot' });
  alive.clear();
  for (const d of DEVICES) alive.add(d);
  advance(3 * 60_000);
  await ingest.idle();
  await first.engine.stop();
  await store.flush();
  current = undefined;
  // The platform is down five minutes (an upgrade): nothing reaches it.
  const lastBeat = Math.floor(t / 60_000) * 60_000;
  alive.clear();
  advance(5 * 60_000);
  await ingest.idle();

  const second = await newEngine();
  await second.engine.start();
  current = second.engine;
  // The agents reconnect within their backoff; vinh-an-c02 does not come back.
  advance(30_000);
  for (const d of DEVICES) {
    if (d === 'vinh-an-c02') continue;
    publish(d, 'state', { ts: t, online: true, session: 6, reason: 'boot' });
    alive.add(d);
  }
  // Paging is about devices (the bulletin of the test above may still be open: not this test's subject).
  const pages = () => second.sink.alerts.filter((a) => a.kind !== 'emergency_undelivered');
  advance(3 * 60_000); // 3 min 30 s after the start: within 3 heartbeats + 60 s
  expect(pages()).toEqual([]);
  advance(60_000);
  expect(pages().map((a) => [a.kind, a.state, a.where.device])).toEqual([
    ['device_offline', 'firing', 'vinh-an-c02'],
  ]);
  expect(pages()[0]?.since).toBe(lastBeat + 3 * 60_000);
  await second.engine.stop();
  current = undefined;
});

it('restarted while a device is back but its page not yet resolved: resolved 5 min after it came back, not after the restart', async () => {
  // vinh-an-c02 is still paged offline from the test above.
  const first = await newEngine();
  current = first.engine;
  await first.engine.start();
  const offline = (e: CoverageEngine) =>
    e.firing().filter((a) => a.kind === 'device_offline' && a.where.device === 'vinh-an-c02');
  expect(offline(first.engine)).toHaveLength(1);
  advance(60_000);
  alive.add('vinh-an-c02');
  publish('vinh-an-c02', 'state', { ts: t, online: true, session: 7, reason: 'boot' });
  const backAt = t;
  advance(3 * 60_000);
  expect(offline(first.engine)).toHaveLength(1); // its 5 min without a fault are not over

  // The platform stops for 30 s (a SIGKILL and a restart) and its devices reconnect.
  await ingest.idle();
  await first.engine.stop();
  await store.flush();
  current = undefined;
  const reconnecting = [...alive];
  alive.clear();
  advance(30_000);
  await ingest.idle();
  const second = await newEngine();
  await second.engine.start();
  current = second.engine;
  advance(30_000);
  for (const d of reconnecting) {
    publish(d, 'state', { ts: t, online: true, session: 8, reason: 'boot' });
    alive.add(d);
  }
  advance(backAt + 5 * 60_000 + 15_000 - t);
  expect(
    second.sink.alerts
      .filter((a) => a.kind === 'device_offline')
      .map((a) => [a.state, a.where.device, a.since]),
  ).toEqual([['resolved', 'vinh-an-c02', offline(first.engine)[0]?.since]]);
  await second.engine.stop();
  current = undefined;
});
