// Issue #3, point 3, past one process: a standalone `loa broker` has no ingest beside it, so it
// publishes each presence event (QoS 1, on `_platform/broker-presence`) and `loa ingest` stores it as
// a `broker_presence` point. Events that happen while the ingest is away wait in its persistent session.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { hashSecret } from '../protocol/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { CHEAP, SECRETS, testProvinceYaml } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';
import { connectDevice } from './mqtt-helpers.js';
import { eventually } from './wait.js';
import { connectPacket, rawClient } from './raw-mqtt.js';

const influxUrl = inject('influxUrl');
const C01 = 'vinh-an-c01';
let dir: string;
const children: LoaProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-presence-mqtt-'));
  await mkdir(join(dir, 'inventory'));
  await writeFile(join(dir, 'inventory', 'an-giang.yaml'), await testProvinceYaml());
  await writeFile(
    join(dir, 'accounts.yaml'),
    `- { username: loa-ingest, secret: "${await hashSecret('ingest-secret', CHEAP)}", role: ingest }\n`,
  );
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill('SIGTERM')));
  await rm(dir, { recursive: true, force: true });
});

function startIngest(brokerUrl: string, database: string): LoaProcess {
  const child = spawnLoa(
    [
      'ingest',
      ...['--broker', brokerUrl, '--username', 'loa-ingest', '--client-id', 'loa-ingest-1'],
      ...['--inventory', join(dir, 'inventory'), '--data', join(dir, 'ingest-data')],
      ...['--influx-url', influxUrl, '--database', database, '--http-port', '0'],
    ],
    { LOA_BROKER_PASSWORD: 'ingest-secret' },
  );
  children.push(child);
  return child;
}

it('stores connect, takeover and keepalive timeout from `loa broker`, each once, also while the ingest was away', async () => {
  const ql = await freshDatabase(influxUrl, 'presence_mqtt');
  const broker = spawnLoa([
    'broker',
    ...['--inventory', join(dir, 'inventory'), '--service-accounts', join(dir, 'accounts.yaml')],
    ...['--port', '0', '--http-port', '0'],
  ]);
  children.push(broker);
  const [, url = ''] = await broker.waitFor(/broker (mqtt:\/\/\S+)/);

  // The ingest's first connection opens its persistent session (clean: false).
  const first = startIngest(url, ql.database);
  await first.waitFor(/ingest running/);
  const device = await connectDevice(url, C01);
  device.on('error', () => undefined);
  const rows = async () => {
    const [series] = await ql.query(
      'SELECT "online", "reason", "device", "province", "commune" FROM "broker_presence" ORDER BY time',
    );
    return series?.values ?? [];
  };
  await eventually(async () => {
    expect(await rows()).toHaveLength(1);
  });
  await first.kill('SIGTERM');

  // While no ingest is connected: another connection takes the session over, then goes silent.
  const raw = await rawClient(url);
  raw.send(connectPacket(C01, C01, SECRETS[C01], 1));
  expect(await raw.connack()).toBe(0);
  await raw.closed; // 1.5 × its 1 s keepalive without a packet
  raw.socket.destroy();
  await device.endAsync(true);

  // Back with the same client id: the broker delivers what it queued for the session.
  startIngest(url, ql.database);
  const stored = await eventually(async () => {
    const values = await rows();
    expect(values).toHaveLength(4);
    return values;
  }, 30_000);
  expect(stored.map((r) => [r[1], r[2]])).toEqual([
    [true, 'connect'],
    [false, 'takeover'],
    [true, 'connect'],
    [false, 'keepalive_timeout'],
  ]);
  expect(stored.every((r) => r[3] === C01 && r[4] === 'an-giang' && r[5] === 'vinh-an')).toBe(true);
  await ql.dropDatabase(ql.database);
  ql.close();
}, 90_000);
