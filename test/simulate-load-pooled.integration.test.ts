// Pooled load mode: many devices over a few connections needs a broker that grants a load-generator
// account the devices' topics. Mosquitto, configured for a load test with an ACL of its own, is such a
// broker; the ingest consumes from it over MQTT into the run's influxd. What the load reports
// acknowledged is exactly what InfluxDB holds, device by device.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { mosquittoHash } from '../broker/index.js';
import { createV1Writer } from '../influx/index.js';
import { createIngest, createMqttSource, type Ingest } from '../ingest/index.js';
import { silentLogger } from '../runtime/index.js';
import { runLoad } from '../simulator/index.js';
import { testInventory } from './fixtures/province.js';
import { freshDatabase, heartbeatCounts } from './influx-helpers.js';
import { startMosquitto, type MosquittoServer } from './mosquitto.js';
import { eventually } from './wait.js';

const influxUrl = inject('influxUrl');
let dir: string;
let ql: Awaited<ReturnType<typeof freshDatabase>>;
let mosquitto: MosquittoServer;
let ingest: Ingest;
let source: ReturnType<typeof createMqttSource>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-load-pooled-'));
  ql = await freshDatabase(influxUrl, 'simulate_load_pooled');
  // Only this test's broker has the account: nothing of the kind exists in an exported configuration.
  await writeFile(
    join(dir, 'passwords'),
    `loadgen:${await mosquittoHash('load-secret', 1000)}\ningest:${await mosquittoHash('ingest-secret', 1000)}\n`,
  );
  await writeFile(
    join(dir, 'acl'),
    'user loadgen\ntopic write loa/v1/+/+/+/heartbeat\n\nuser ingest\ntopic read loa/v1/#\n',
  );
  mosquitto = await startMosquitto(
    dir,
    `allow_anonymous false\npassword_file ${join(dir, 'passwords')}\nacl_file ${join(dir, 'acl')}`,
  );
  ingest = createIngest({
    inventory: await testInventory(),
    writer: createV1Writer({ url: influxUrl, database: ql.database, timeoutMs: 10_000, gzip: false }),
    walDir: join(dir, 'wal'),
    logger: silentLogger(),
    selfMetricsIntervalMs: 0,
    flushIntervalMs: 50,
  });
  await ingest.start();
  source = createMqttSource({
    url: mosquitto.url,
    username: 'ingest',
    password: 'ingest-secret',
    clientId: 'ingest',
    accept: (topic, payload, receivedAt) => {
      ingest.accept(topic, payload, receivedAt);
    },
    logger: silentLogger(),
  });
  await source.start();
});

afterAll(async () => {
  await source.stop();
  await ingest.stop();
  await mosquitto.stop();
  await ql.dropDatabase(ql.database);
  ql.close();
  await rm(dir, { recursive: true, force: true });
});

it('carries four devices over two connections and stores exactly what was acknowledged', async () => {
  const result = await runLoad({
    brokerUrl: mosquitto.url,
    inventory: await testInventory(),
    account: { username: 'loadgen', password: 'load-secret' },
    devices: 4,
    connections: 2,
    durationS: 2,
    rate: 500,
  });
  expect(result.connections).toBe(2);
  expect(result.failed).toBe(0);
  expect(result.acked).toBe(result.sent);
  expect(Object.values(result.ackedByDevice).every((n) => n > 0)).toBe(true);
  const expected = Object.fromEntries(
    Object.entries(result.ackedByDevice).map(([device, n]) => [device, [n, n]]),
  );
  await eventually(async () => {
    expect(await heartbeatCounts(ql)).toEqual(expected);
  });
});
