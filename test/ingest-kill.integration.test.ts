// The ingest killed with SIGKILL in the middle of a stream, twice over:
// 1. `loa ingest` behind a broker it reaches over MQTT: it appends each message to its write-ahead log
//    before the PUBACK, the broker keeps its persistent session's queue while it is dead, and a restart
//    replays the log after the last commit.
// 2. `loa up` (broker and ingest in one process, the default): the devices lose their connection, resend
//    what was not acknowledged, and the restarted process replays its log.
// Both end with every acknowledged message stored exactly once.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createBroker } from '../broker/index.js';
import { freePort, type InfluxQl } from '../influx/index.js';
import { hashSecret } from '../protocol/index.js';
import { silentLogger } from '../runtime/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { CHEAP, testInventory, testProvinceYaml, type TestDevice } from './fixtures/province.js';
import { freshDatabase, heartbeatCounts } from './influx-helpers.js';
import { connectDevice, publishFromEach } from './mqtt-helpers.js';
import { eventually } from './wait.js';

const influxUrl = inject('influxUrl');
const DEVICES: TestDevice[] = ['vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'];
const PER_DEVICE = 5000;
const TOTAL = PER_DEVICE * DEVICES.length;
let dir: string;
let inventoryDir: string;
const children: LoaProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-kill-'));
  inventoryDir = join(dir, 'inventory');
  await mkdir(inventoryDir);
  await writeFile(join(inventoryDir, 'an-giang.yaml'), await testProvinceYaml());
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await rm(dir, { recursive: true, force: true });
});

function start(args: string[], env: Record<string, string> = {}): LoaProcess {
  const p = spawnLoa(args, env);
  children.push(p);
  return p;
}

async function expectEachStoredOnce(ql: InfluxQl): Promise<void> {
  await eventually(async () => {
    const [s] = await ql.query('SELECT count("seq") FROM "heartbeat"');
    expect(s?.values[0]?.[1]).toBe(TOTAL);
  }, 60_000);
  expect(await heartbeatCounts(ql)).toEqual(
    Object.fromEntries(DEVICES.map((d) => [d, [PER_DEVICE, PER_DEVICE]])),
  );
}

it('`loa ingest` killed mid-stream loses and duplicates nothing', async () => {
  const ql = await freshDatabase(influxUrl, 'kill_ingest');
  const broker = createBroker({
    inventory: await testInventory(),
    port: 0,
    logger: silentLogger(),
    // A few devices at thousands of messages a second: no per-device rate limit.
    limits: { publishPerSecond: 0 },
    serviceAccounts: [
      { username: 'loa-ingest', secretHash: await hashSecret('ingest-secret', CHEAP), role: 'ingest' },
    ],
  });
  const { url: brokerUrl } = await broker.start();
  const ingestArgs = [
    'ingest',
    '--broker',
    brokerUrl,
    '--username',
    'loa-ingest',
    '--client-id',
    'loa-ingest-1',
    '--inventory',
    inventoryDir,
    '--data',
    join(dir, 'ingest-data'),
    '--influx-url',
    influxUrl,
    '--database',
    ql.database,
    '--http-port',
    '0',
  ];
  const env = { LOA_BROKER_PASSWORD: 'ingest-secret' };
  let ingest = start(ingestArgs, env);
  await ingest.waitFor(/ingest running/);

  const clients = await Promise.all(DEVICES.map((d) => connectDevice(brokerUrl, d)));
  let killedAt = 0;
  let restarted: Promise<unknown> | undefined;
  await publishFromEach(clients, DEVICES, {
    perDevice: PER_DEVICE,
    baseTs: Date.now() - 3_600_000,
    onAck: (acked) => {
      if (acked !== Math.floor(TOTAL / 3)) return;
      killedAt = acked;
      restarted = ingest.kill('SIGKILL').then(() => {
        ingest = start(ingestArgs, env);
        return ingest.waitFor(/ingest running/);
      });
    },
  });
  expect(killedAt).toBeGreaterThan(0);
  await restarted;
  await expectEachStoredOnce(ql);

  await Promise.all(clients.map((c) => c.endAsync()));
  await ingest.kill('SIGTERM');
  await broker.stop();
  await ql.dropDatabase(ql.database);
  ql.close();
}, 180_000);

it('`loa up` killed mid-stream loses and duplicates nothing', async () => {
  const ql = await freshDatabase(influxUrl, 'kill_up');
  const mqttPort = await freePort();
  const upArgs = [
    'up',
    '--inventory',
    inventoryDir,
    '--data',
    join(dir, 'up-data'),
    '--influx-url',
    influxUrl,
    '--database',
    ql.database,
    '--mqtt-port',
    String(mqttPort),
    '--http-port',
    '0',
    '--publish-rate',
    '0',
  ];
  let up = start(upArgs);
  await up.waitFor(/broker +mqtt:/);
  const brokerUrl = `mqtt://127.0.0.1:${mqttPort}`;

  // Devices reconnect on their own and resend every QoS 1 message not yet acknowledged (mqtt.js keeps
  // them in its outgoing store), as a real agent does.
  const clients = await Promise.all(
    DEVICES.map((d) => connectDevice(brokerUrl, d, { reconnectPeriod: 200 })),
  );
  let restarted: Promise<unknown> | undefined;
  const ackedPerDevice = await publishFromEach(clients, DEVICES, {
    perDevice: PER_DEVICE,
    baseTs: Date.now() - 3_600_000,
    onAck: (acked) => {
      if (acked !== Math.floor(TOTAL / 3)) return;
      restarted = up.kill('SIGKILL').then(() => {
        up = start(upArgs);
        return up.waitFor(/broker +mqtt:/);
      });
    },
  });
  expect(ackedPerDevice).toEqual(DEVICES.map(() => PER_DEVICE));
  await restarted;
  await expectEachStoredOnce(ql);

  await Promise.all(clients.map((c) => c.endAsync()));
  await up.kill('SIGTERM');
  await ql.dropDatabase(ql.database);
  ql.close();
}, 180_000);
