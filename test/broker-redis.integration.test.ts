// Issue #3, point 6: aedes as several instances sharing Redis. Two `loa broker` processes on one
// redis-server: a device connected to the first reaches a `loa ingest` connected to the second, and
// every message is stored once; a device that moves to the other instance is a takeover (point 2).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { hashSecret } from '../protocol/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { CHEAP, testProvinceYaml } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';
import { connectDevice, publishHeartbeats } from './mqtt-helpers.js';
import { eventually } from './wait.js';
import { startRedis, type RedisServer } from './redis.js';

const influxUrl = inject('influxUrl');
let dir: string;
let redis: RedisServer;
const children: LoaProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-redis-'));
  await mkdir(join(dir, 'inventory'));
  await writeFile(join(dir, 'inventory', 'an-giang.yaml'), await testProvinceYaml());
  await writeFile(
    join(dir, 'accounts.yaml'),
    `- { username: loa-ingest, secret: "${await hashSecret('ingest-secret', CHEAP)}", role: ingest }\n`,
  );
  redis = await startRedis(dir);
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill('SIGTERM')));
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Starts `loa broker` on the shared Redis; resolves with its MQTT URL and its metrics URL. */
async function startBrokerWithMetrics(): Promise<{ url: string; metrics: string }> {
  const child = spawnLoa([
    'broker',
    '--inventory',
    join(dir, 'inventory'),
    '--service-accounts',
    join(dir, 'accounts.yaml'),
    '--redis',
    redis.url,
    '--port',
    '0',
    '--http-port',
    '0',
  ]);
  children.push(child);
  const [, url = ''] = await child.waitFor(/broker (mqtt:\/\/\S+)/);
  const [, metrics = ''] = await child.waitFor(/metrics\s+(http:\/\/\S+\/metrics)/);
  return { url, metrics };
}

async function startBroker(): Promise<string> {
  return (await startBrokerWithMetrics()).url;
}

function startIngest(brokerUrl: string, database: string, clientId: string): LoaProcess {
  const ingest = spawnLoa(
    [
      'ingest',
      ...['--broker', brokerUrl, '--username', 'loa-ingest', '--client-id', clientId],
      ...['--inventory', join(dir, 'inventory'), '--data', join(dir, `data-${clientId}`)],
      ...['--influx-url', influxUrl, '--database', database, '--http-port', '0'],
    ],
    { LOA_BROKER_PASSWORD: 'ingest-secret' },
  );
  children.push(ingest);
  return ingest;
}

it('a device on one broker reaches the ingest on the other', async () => {
  const [first, second] = await Promise.all([startBroker(), startBroker()]);
  const ql = await freshDatabase(influxUrl, 'redis_brokers');
  const ingest = startIngest(second, ql.database, 'loa-ingest-1');
  await ingest.waitFor(/ingest running/);

  const device = await connectDevice(first, 'vinh-an-c01');
  await publishHeartbeats(device, 'vinh-an-c01', { count: 200, baseTs: Date.now() - 60_000, window: 8 });
  await device.endAsync();
  await eventually(async () => {
    const [series] = await ql.query('SELECT count("seq"), count(distinct("seq")) FROM "heartbeat"');
    expect(series?.values[0]?.slice(1)).toEqual([200, 200]);
  }, 30_000);
  await ql.dropDatabase(ql.database);
  ql.close();
}, 90_000);

it('a reconnection to the other broker is recorded as a takeover by the first, and stored by the ingest', async () => {
  const [a, b] = await Promise.all([startBrokerWithMetrics(), startBrokerWithMetrics()]);
  const ql = await freshDatabase(influxUrl, 'redis_takeover');
  const ingest = startIngest(b.url, ql.database, 'loa-ingest-2');
  await ingest.waitFor(/ingest running/);

  const onA = await connectDevice(a.url, 'vinh-an-c02');
  onA.on('error', () => undefined);
  const closedOnA = new Promise<void>((resolve) =>
    onA.once('close', () => {
      resolve();
    }),
  );
  const onB = await connectDevice(b.url, 'vinh-an-c02'); // aedes on A closes its session (over Redis)
  await closedOnA;
  await onB.endAsync();
  await onA.endAsync(true);

  // A's presence events reach the ingest on B through Redis, like telemetry.
  const reasons = await eventually(async () => {
    const [series] = await ql.query(
      `SELECT "online", "reason" FROM "broker_presence" WHERE "device" = 'vinh-an-c02' ORDER BY time`,
    );
    const values = (series?.values ?? []).map((r) => String(r[2]));
    expect(values).toHaveLength(4);
    return values;
  }, 30_000);
  expect(reasons.sort()).toEqual(['client_close', 'connect', 'connect', 'takeover']);
  const metrics = await (await fetch(a.metrics)).text();
  expect(metrics).toContain('loa_broker_device_disconnects_total{reason="takeover"} 1');
  expect(metrics).toContain('loa_broker_device_disconnects_total{reason="connection_lost"} 0');
  await ql.dropDatabase(ql.database);
  ql.close();
}, 90_000);
