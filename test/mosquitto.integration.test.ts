// Issue #3, point 6: past one machine. `loa broker export-mosquitto` turns the inventory into a
// Mosquitto 2 password file and ACL that implement the embedded broker's rules, checked here against a
// real Mosquitto; then two `loa ingest --shared` replicas split one stream through an MQTT 5 shared
// subscription and InfluxDB ends with every message exactly once.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashSecret } from '../protocol/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { CHEAP, SECRETS, testProvinceYaml, topicOf, type TestDevice } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';
import { startMosquitto, type MosquittoServer } from './mosquitto.js';
import { publishHeartbeats } from './mqtt-helpers.js';
import { eventually } from './wait.js';

const influxUrl = inject('influxUrl');
const ACCOUNTS = {
  'loa-ingest-1': 'ingest-1-secret',
  'loa-ingest-2': 'ingest-2-secret',
  console: 'console-pw',
};
let dir: string;
let mosquitto: MosquittoServer;
const clients: MqttClient[] = [];
const children: LoaProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-mosquitto-'));
  await mkdir(join(dir, 'inventory'));
  await writeFile(join(dir, 'inventory', 'an-giang.yaml'), await testProvinceYaml());
  await writeFile(join(dir, 'secrets.json'), JSON.stringify({ ...SECRETS, ...ACCOUNTS }));
  const h = (s: string) => hashSecret(s, CHEAP);
  await writeFile(
    join(dir, 'service-accounts.yaml'),
    [
      `- { username: loa-ingest-1, secret: "${await h(ACCOUNTS['loa-ingest-1'])}", role: ingest }`,
      `- { username: loa-ingest-2, secret: "${await h(ACCOUNTS['loa-ingest-2'])}", role: ingest }`,
      `- { username: console, secret: "${await h(ACCOUNTS.console)}", role: reader, province: an-giang }`,
      '',
    ].join('\n'),
  );
  const exporter = spawnLoa([
    'broker',
    'export-mosquitto',
    '--inventory',
    join(dir, 'inventory'),
    '--secrets',
    join(dir, 'secrets.json'),
    '--service-accounts',
    join(dir, 'service-accounts.yaml'),
    '--out',
    join(dir, 'out'),
  ]);
  children.push(exporter);
  expect(await exporter.exit(), exporter.output()).toBe(0);
  mosquitto = await startMosquitto(dir, await readFile(join(dir, 'out', 'mosquitto.conf'), 'utf8'));
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(children.map((c) => c.kill('SIGTERM')));
  await mosquitto.stop();
  await rm(dir, { recursive: true, force: true });
});

async function login(
  username: string,
  password: string,
  extra: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  const client = await mqtt.connectAsync(mosquitto.url, {
    clientId: username,
    username,
    password,
    protocolVersion: 5,
    reconnectPeriod: 0,
    ...extra,
  });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

const device = (id: TestDevice, extra: mqtt.IClientOptions = {}) => login(id, SECRETS[id], extra);
const HEARTBEAT = JSON.stringify({ v: 1, ts: Date.now(), seq: 1, uptime_s: 1, power: 'mains', amp: 'on' });

describe('the exported files in a real Mosquitto 2', () => {
  it('writes one hashed password per account, never a plain secret', async () => {
    const passwd = await readFile(join(dir, 'out', 'passwd'), 'utf8');
    const names = passwd
      .trim()
      .split('\n')
      .map((l) => l.split(':')[0]);
    expect(names.sort()).toEqual([...Object.keys(SECRETS), ...Object.keys(ACCOUNTS)].sort());
    expect(passwd).toMatch(/^vinh-an-c01:\$7\$101\$/m);
    for (const secret of [...Object.values(SECRETS), ...Object.values(ACCOUNTS)]) {
      expect(passwd).not.toContain(secret);
    }
  });

  it('refuses a wrong password and an unknown id', async () => {
    await expect(login('vinh-an-c01', 'wrong')).rejects.toThrow();
    await expect(login('ghost', 'x')).rejects.toThrow();
  });

  it('lets a device publish only as itself', async () => {
    const ingest = await login('loa-ingest-1', ACCOUNTS['loa-ingest-1'], { clean: true });
    const received: string[] = [];
    ingest.on('message', (topic) => received.push(topic));
    await ingest.subscribeAsync('loa/v1/#', { qos: 1 });

    const c01 = await device('vinh-an-c01');
    const refused = [
      topicOf('vinh-an-c02', 'heartbeat'), // another device
      'loa/v1/an-giang/tan-lap/vinh-an-c01/heartbeat', // itself, in the wrong place
      'loa/v1/an-giang/vinh-an/_platform/alert', // the platform
      topicOf('vinh-an-c01', 'telemetry'), // not a channel
      '$SYS/broker/x',
    ];
    for (const topic of refused) {
      // MQTT 5: Mosquitto answers the PUBACK with 0x87 "not authorized" and drops the message.
      await expect(c01.publishAsync(topic, HEARTBEAT, { qos: 1 }), topic).rejects.toMatchObject({
        code: 135,
      });
    }
    await c01.publishAsync(topicOf('vinh-an-c01', 'heartbeat'), HEARTBEAT, { qos: 1 });
    await eventually(() => {
      expect(received).toEqual([topicOf('vinh-an-c01', 'heartbeat')]);
    }, 5000);
  });

  it("a device cannot take over another device's session with its client id", async () => {
    const c02 = await device('vinh-an-c02');
    // c01 presents c02's client id; Mosquitto uses the username as the client id.
    const c01 = await device('vinh-an-c01', { clientId: 'vinh-an-c02' });
    await c01.publishAsync(topicOf('vinh-an-c01', 'heartbeat'), HEARTBEAT, { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(c02.connected, mosquitto.output()).toBe(true);
  });

  it('confines a device to its own cmd/#', async () => {
    const c01 = await device('vinh-an-c01');
    const granted = await c01.subscribeAsync(['loa/v1/an-giang/vinh-an/vinh-an-c01/cmd/#', 'loa/v1/#'], {
      qos: 1,
    });
    // Mosquitto grants a subscription it will never deliver on; what matters is what arrives.
    expect(granted).toHaveLength(2);
    const seen: string[] = [];
    c01.on('message', (topic) => seen.push(topic));
    const c02 = await device('vinh-an-c02');
    await c02.publishAsync(topicOf('vinh-an-c02', 'heartbeat'), HEARTBEAT, { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]);
  });
});

it('two `loa ingest --shared` replicas split the stream and store every message once', async () => {
  const ql = await freshDatabase(influxUrl, 'mosquitto_shared');
  const replicas = await Promise.all(
    (['loa-ingest-1', 'loa-ingest-2'] as const).map(async (name) => {
      const child = spawnLoa(
        [
          'ingest',
          '--broker',
          mosquitto.url,
          '--username',
          name,
          '--client-id',
          name,
          '--shared',
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
        { LOA_BROKER_PASSWORD: ACCOUNTS[name] },
      );
      children.push(child);
      const [, metricsUrl] = await child.waitFor(/metrics (http:\/\/\S+)/);
      return { child, metricsUrl: metricsUrl as string };
    }),
  );
  const devices = ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'] as const;
  const PER_DEVICE = 500;
  const baseTs = Date.now() - 600_000;
  await Promise.all(
    devices.map(async (id) => {
      const client = await device(id, { protocolVersion: 4 });
      await publishHeartbeats(client, id, { count: PER_DEVICE, baseTs, window: 16 });
    }),
  );
  await eventually(async () => {
    const series = await ql.query('SELECT count("seq") FROM "heartbeat" GROUP BY "device"');
    const counts: Record<string, number> = {};
    for (const s of series) counts[String(s.tags?.device)] = Number(s.values[0]?.[1]);
    expect(counts).toEqual(Object.fromEntries(devices.map((d) => [d, PER_DEVICE])));
  }, 30_000);
  // Both replicas took part, and together they received each message once.
  const received = await Promise.all(
    replicas.map(async ({ metricsUrl }) => {
      const text = await (await fetch(metricsUrl)).text();
      return Number(/^loa_ingest_messages_received_total (\d+)/m.exec(text)?.[1]);
    }),
  );
  expect(received.every((n) => n > PER_DEVICE / 4)).toBe(true);
  expect(received.reduce((a, b) => a + b, 0)).toBe(devices.length * PER_DEVICE);
  await ql.dropDatabase(ql.database);
  ql.close();
}, 120_000);
