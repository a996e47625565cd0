// `loa coverage run`: the coverage engine as its own process, for deployments whose ingest runs as
// `loa ingest` replicas behind an external broker. Here the broker is the embedded one in this process
// (any broker that delivers the whole stream will do); the service is the real command line.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createBroker, type Broker } from '../broker/index.js';
import { hashSecret } from '../protocol/index.js';
import { silentLogger } from '../runtime/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { CHEAP, testInventory, testProvinceYaml, topicOf } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';
import { connectDevice, publish } from './mqtt-helpers.js';
import { eventually } from './wait.js';

const influxUrl = inject('influxUrl');
let dir: string;
let broker: Broker;
let brokerUrl: string;
let service: LoaProcess;
let ql: Awaited<ReturnType<typeof freshDatabase>>;
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-coverage-service-'));
  await mkdir(join(dir, 'inventory'));
  await writeFile(join(dir, 'inventory', 'an-giang.yaml'), await testProvinceYaml());
  ql = await freshDatabase(influxUrl, 'coverage_service');
  broker = createBroker({
    inventory: await testInventory(),
    serviceAccounts: [
      { username: 'loa-coverage', secretHash: await hashSecret('coverage-pw', CHEAP), role: 'ingest' },
      { username: 'console', secretHash: await hashSecret('console-pw', CHEAP), role: 'reader' },
    ],
    port: 0,
    logger: silentLogger(),
  });
  ({ url: brokerUrl } = await broker.start());
  service = spawnLoa(
    [
      'coverage',
      'run',
      '--inventory',
      join(dir, 'inventory'),
      '--broker',
      brokerUrl,
      '--username',
      'loa-coverage',
      '--influx-url',
      influxUrl,
      '--database',
      ql.database,
      '--http-port',
      '0',
    ],
    { LOA_BROKER_PASSWORD: 'coverage-pw' },
  );
  await service.waitFor(/coverage running/);
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await service.kill('SIGKILL');
  await broker.stop();
  ql.close();
  await rm(dir, { recursive: true, force: true });
});

it('announces a dead cluster on MQTT and in InfluxDB, and writes coverage', async () => {
  const console_ = await mqtt.connectAsync(brokerUrl, {
    clientId: 'console',
    username: 'console',
    password: 'console-pw',
    reconnectPeriod: 0,
  });
  clients.push(console_);
  const alerts: { kind: string; state: string; where: { device?: string } }[] = [];
  console_.on('message', (_topic, payload) => {
    alerts.push(JSON.parse(payload.toString()) as (typeof alerts)[number]);
  });
  await console_.subscribeAsync('loa/v1/an-giang/vinh-an/_platform/alert', { qos: 1 });

  const c01 = await connectDevice(brokerUrl, 'vinh-an-c01', {
    will: {
      topic: topicOf('vinh-an-c01', 'state'),
      payload: Buffer.from(JSON.stringify({ v: 1, online: false, session: 1, reason: 'lost' })),
      qos: 1,
      retain: true,
    },
  });
  await publish(
    c01,
    topicOf('vinh-an-c01', 'state'),
    { v: 1, ts: Date.now(), online: true, session: 1, reason: 'boot' },
    true,
  );
  await publish(c01, topicOf('vinh-an-c01', 'heartbeat'), {
    v: 1,
    ts: Date.now(),
    seq: 1,
    uptime_s: 60,
    power: 'mains',
    amp: 'on',
  });
  // Coverage of the commune is written (the engine saw the cluster and evaluates the fleet).
  await eventually(async () => {
    const [s] = await ql.query(
      `SELECT count("status") FROM "long"."coverage_hamlet" WHERE "hamlet" = 'an-hoa'`,
    );
    expect(Number(s?.values[0]?.[1] ?? 0)).toBeGreaterThan(0);
  }, 20_000);

  // Power cut: the connection dies without a DISCONNECT, the broker publishes the Will.
  c01.stream.destroy();
  await eventually(() => {
    expect(alerts.map((a) => [a.kind, a.state, a.where.device])).toContainEqual([
      'device_offline',
      'firing',
      'vinh-an-c01',
    ]);
  }, 30_000);
  await eventually(async () => {
    const [s] = await ql.query(
      `SELECT "device" FROM "long"."alert" WHERE "kind" = 'device_offline' AND "state" = 'firing'`,
    );
    expect(s?.values.map((v) => v[1])).toEqual(['vinh-an-c01']);
  }, 10_000);
  const metrics = await fetch(`${/metrics +(http:\S+)\/metrics/.exec(service.output())?.[1] ?? ''}/metrics`);
  expect(await metrics.text()).toMatch(/^loa_coverage_alerts_firing [1-9]/m);
});

it('stops cleanly on SIGTERM', async () => {
  service.child.kill('SIGTERM');
  expect(await service.exit(), service.output()).toBe(0);
});
