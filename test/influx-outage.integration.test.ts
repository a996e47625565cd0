// InfluxDB killed (SIGKILL, as a crash would) in the middle of a stream and brought back seconds
// later: every message the broker acknowledged is stored exactly once. The memory buffer is set small
// so that the outage also drives the ingest into its spill mode (new messages stay in the write-ahead
// log on disk and are read back once InfluxDB is there again).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLocalStack, type LocalStack } from '../cli/index.js';
import {
  createInfluxdServer,
  createInfluxQl,
  createV1Writer,
  type InfluxdServer,
  type InfluxQl,
} from '../influx/index.js';
import { silentLogger } from '../runtime/index.js';
import { testInventory, type TestDevice } from './fixtures/province.js';
import { heartbeatCounts } from './influx-helpers.js';
import { connectDevice, publishFromEach } from './mqtt-helpers.js';
import { eventually } from './wait.js';

const PER_DEVICE = 6000;
const DEVICES: TestDevice[] = ['vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'];
let dir: string;
let influxd: InfluxdServer;
let ql: InfluxQl;
let stack: LocalStack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-outage-'));
  influxd = createInfluxdServer({ dataDir: join(dir, 'influxdb'), logger: silentLogger() });
  const { url } = await influxd.start();
  ql = createInfluxQl({ url, database: 'loa' });
  await ql.createDatabase('loa');
  stack = createLocalStack({
    inventory: await testInventory(),
    writer: createV1Writer({ url, database: 'loa', timeoutMs: 2000, gzip: true }),
    walDir: join(dir, 'wal'),
    logger: silentLogger(),
    mqtt: { host: '127.0.0.1', port: 0 },
    // A few devices at thousands of messages a second: no per-device rate limit.
    broker: { limits: { publishPerSecond: 0 } },
    ingest: {
      batchSize: 500,
      flushIntervalMs: 50,
      maxBufferedPoints: 2000,
      selfMetricsIntervalMs: 0,
      unhealthyAfterMs: 500,
      // Small segments, so that committed ones are deleted while the test runs.
      walSegmentBytes: 256 * 1024,
    },
  });
}, 60_000);

afterAll(async () => {
  await stack.stop();
  ql.close();
  await influxd.stop();
  await rm(dir, { recursive: true, force: true });
});

it('loses nothing and duplicates nothing while InfluxDB is down', async () => {
  const { brokerUrl } = await stack.start();
  const baseTs = Date.now() - 3_600_000;
  const total = PER_DEVICE * DEVICES.length;
  let killed: Promise<void> | undefined;
  let sawSpill = false;
  let sawUnhealthy = false;

  const clients = await Promise.all(DEVICES.map((d) => connectDevice(brokerUrl, d)));
  const publishing = publishFromEach(clients, DEVICES, {
    perDevice: PER_DEVICE,
    baseTs,
    onAck: (acked) => {
      if (acked === Math.floor(total / 4)) killed = influxd.kill();
      if (stack.ingest.stats().spilling) sawSpill = true;
      if (!stack.ingest.health().ok) sawUnhealthy = true;
    },
  });
  const ackedPerDevice = await publishing;
  expect(ackedPerDevice).toEqual(DEVICES.map(() => PER_DEVICE));
  await killed;
  // Everything is acknowledged to the devices while InfluxDB is still down: it is all in the log.
  expect(stack.ingest.stats().walPendingBytes).toBeGreaterThan(0);
  expect(stack.ingest.stats().written).toBeLessThan(total);
  await eventually(() => {
    expect(stack.ingest.health().ok).toBe(false);
  });
  sawUnhealthy ||= !stack.ingest.health().ok;
  await Promise.all(clients.map((c) => c.endAsync()));

  await influxd.start();
  await stack.ingest.idle();

  expect(await heartbeatCounts(ql)).toEqual(
    Object.fromEntries(DEVICES.map((d) => [d, [PER_DEVICE, PER_DEVICE]])),
  );
  expect(stack.ingest.stats().rejected).toBe(0);
  expect(sawSpill).toBe(true);
  expect(sawUnhealthy).toBe(true);
  expect(stack.ingest.health().ok).toBe(true);
  expect(stack.ingest.stats().walPendingBytes).toBe(0);
}, 120_000);
