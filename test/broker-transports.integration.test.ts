// Issue #3, point 1: the embedded broker's optional TLS listener (with mutual TLS, where a verified
// certificate whose CN is the device id logs the device in) and its WebSocket listener.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBroker, type Broker, type BrokerUrls } from '../broker/index.js';
import { silentLogger } from '../runtime/index.js';
import { SECRETS, testInventory, topicOf } from './fixtures/province.js';

let dir: string;
let broker: Broker;
let urls: BrokerUrls;
let ca: Buffer;
const accepted: string[] = [];
const clients: MqttClient[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A key and a certificate signed by the test CA. */
function issue(name: string, subject: string, extensions?: string): void {
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    ...(extensions ? ['-extfile', extensions] : []),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-transports-'));
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=loa-test-ca',
  );
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  issue('server', '/CN=127.0.0.1', 'server.ext');
  issue('c01', '/CN=vinh-an-c01');
  ca = await readFile(join(dir, 'ca.crt'));
  broker = createBroker({
    inventory: await testInventory(),
    port: 0,
    logger: silentLogger(),
    tls: {
      port: 0,
      key: await readFile(join(dir, 'server.key')),
      cert: await readFile(join(dir, 'server.crt')),
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
  const cert = await readFile(join(dir, 'c01.crt'));
  const key = await readFile(join(dir, 'c01.key'));
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
