// Issue #3, point 6: aedes as several instances sharing Redis. Two `loa broker` processes on one
// redis-server: a device connected to the first reaches a `loa ingest` connected to the second, and
// every message is stored once.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { hashSecret } from '../protocol/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { CHEAP, testProvinceYaml } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';
import { connectDevice, eventually, publishHeartbeats } from './mqtt-helpers.js';
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

async function startBroker(): Promise<string> {
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
  return url;
}

it('a device on one broker reaches the ingest on the other', async () => {
  const [first, second] = await Promise.all([startBroker(), startBroker()]);
  const ql = await freshDatabase(influxUrl, 'redis_brokers');
  const ingest = spawnLoa(
    [
      'ingest',
      '--broker',
      second,
      '--username',
      'loa-ingest',
      '--client-id',
      'loa-ingest-1',
      '--inventory',
      join(dir, 'inventory'),
      '--data',
      join(dir, 'ingest-data'),
      '--influx-url',
      influxUrl,
      '--database',
      ql.database,
      '--http-port',
      '0',
    ],
    { LOA_BROKER_PASSWORD: 'ingest-secret' },
  );
  children.push(ingest);
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
