// Issue #3, point 1: the embedded broker's optional TLS listener (with mutual TLS, where a verified
// certificate whose CN is the device id logs the device in) and its WebSocket listener.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBroker, type Broker, type BrokerUrls } from '../broker/index.js';
import { silentLogger } from '../runtime/index.js';
import { createTestPki, type TestPki } from './broker-certs.js';
import { SECRETS, testInventory, topicOf } from './fixtures/province.js';

let dir: string;
let broker: Broker;
let urls: BrokerUrls;
let ca: Buffer;
let pki: TestPki;
const accepted: string[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-transports-'));
  pki = await createTestPki(dir, ['vinh-an-c01']);
  ({ ca } = pki);
  broker = createBroker({
    inventory: await testInventory(),
    port: 0,
    logger: silentLogger(),
    tls: {
      port: 0,
      key: await pki.key('server'),
      cert: await pki.cert('server'),
      ca,
    },
    ws: { port: 0 },
    onAccepted: (topic) => accepted.push(topic),
  });
  urls = await broker.start();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

async function connect(url: string, options: mqtt.IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ca, ...options });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

const HEARTBEAT = JSON.stringify({ v: 1, ts: Date.now(), seq: 1, uptime_s: 1, power: 'mains', amp: 'on' });

it('serves devices over TLS with their secret', async () => {
  expect(urls.tlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
  const c02 = await connect(urls.tlsUrl ?? '', {
    clientId: 'vinh-an-c02',
    username: 'vinh-an-c02',
    password: SECRETS['vinh-an-c02'],
  });
  await c02.publishAsync(topicOf('vinh-an-c02', 'heartbeat'), HEARTBEAT, { qos: 1 });
  expect(accepted).toContain(topicOf('vinh-an-c02', 'heartbeat'));
});

it('logs a device in by its client certificate (mutual TLS, CN = device id)', async () => {
  const cert = await pki.cert('vinh-an-c01');
  const key = await pki.key('vinh-an-c01');
  const c01 = await connect(urls.tlsUrl ?? '', { clientId: 'vinh-an-c01', cert, key });
  await c01.publishAsync(topicOf('vinh-an-c01', 'heartbeat'), HEARTBEAT, { qos: 1 });
  expect(accepted).toContain(topicOf('vinh-an-c01', 'heartbeat'));

  // The same certificate cannot log in as another device.
  await expect(connect(urls.tlsUrl ?? '', { clientId: 'vinh-an-c02', cert, key })).rejects.toMatchObject({
    code: 5,
  });
  expect(broker.metrics().authFailures.certificate_mismatch).toBe(1);
});

it('serves devices over WebSocket', async () => {
  expect(urls.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
  const station = await connect(urls.wsUrl ?? '', {
    clientId: 'vinh-an-station',
    username: 'vinh-an-station',
    password: SECRETS['vinh-an-station'],
  });
  await station.publishAsync(topicOf('vinh-an-station', 'heartbeat'), HEARTBEAT, { qos: 1 });
  expect(accepted).toContain(topicOf('vinh-an-station', 'heartbeat'));
  // Access rules are the same on every transport.
  const closed = new Promise<void>((resolve) =>
    station.once('close', () => {
      resolve();
    }),
  );
  station.publish(topicOf('vinh-an-c01', 'heartbeat'), HEARTBEAT, { qos: 1 });
  await closed;
  expect(broker.metrics().publishesRefused.other_device).toBe(1);
});
