// Issue #3, point 6, with certificates: `loa broker export-mosquitto` without plain secrets writes the
// ACL and a configuration where Mosquitto 2 takes each account's identity from its TLS client
// certificate (CN = device id or service account), as the embedded broker's mutual-TLS listener does.
// Checked against a real Mosquitto with a private CA made by openssl.
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashSecret } from '../protocol/index.js';
import { createTestPki, type TestPki } from './broker-certs.js';
import { spawnLoa } from './cli-process.js';
import { CHEAP, testProvinceYaml, topicOf } from './fixtures/province.js';
import { startMosquitto, type MosquittoServer } from './mosquitto.js';
import { eventually } from './wait.js';

let dir: string;
let pki: TestPki;
let mosquitto: MosquittoServer;
let tlsUrl: string;
const clients: MqttClient[] = [];
const HEARTBEAT = JSON.stringify({ v: 1, ts: Date.now(), seq: 1, uptime_s: 1, power: 'mains', amp: 'on' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-mosquitto-tls-'));
  await mkdir(join(dir, 'inventory'));
  await writeFile(join(dir, 'inventory', 'an-giang.yaml'), await testProvinceYaml());
  await writeFile(
    join(dir, 'service-accounts.yaml'),
    `- { username: loa-ingest-1, secret: "${await hashSecret('unused', CHEAP)}", role: ingest }\n`,
  );
  const exporter = spawnLoa([
    'broker',
    'export-mosquitto',
    '--inventory',
    join(dir, 'inventory'),
    '--service-accounts',
    join(dir, 'service-accounts.yaml'),
    '--out',
    join(dir, 'out'),
  ]);
  expect(await exporter.exit(), exporter.output()).toBe(0);
  expect(exporter.output()).toContain('TLS client certificate whose CN is their id');
  await mkdir(join(dir, 'pki'));
  pki = await createTestPki(join(dir, 'pki'), ['vinh-an-c01', 'loa-ingest-1']);
  const conf = await readFile(join(dir, 'out', 'mosquitto.conf'), 'utf8');
  const [ca, cert, key] = [pki.file('ca', 'crt'), pki.file('server', 'crt'), pki.file('server', 'key')];
  mosquitto = await startMosquitto(dir, `cafile ${ca}\ncertfile ${cert}\nkeyfile ${key}\n${conf}`);
  tlsUrl = mosquitto.url.replace('mqtt://', 'mqtts://');
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await mosquitto.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A client presenting the certificate `certified.name` of `certified.pki`, or none. */
async function login(
  id: string,
  certified?: { pki: TestPki; name: string },
  extra: mqtt.IClientOptions = {},
) {
  const client = await mqtt.connectAsync(tlsUrl, {
    clientId: id,
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ca: pki.ca,
    ...(certified && {
      cert: await certified.pki.cert(certified.name),
      key: await certified.pki.key(certified.name),
    }),
    ...extra,
  });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

it('writes no password file and grants every account its rules', async () => {
  await expect(access(join(dir, 'out', 'passwd'))).rejects.toThrow();
  const conf = await readFile(join(dir, 'out', 'mosquitto.conf'), 'utf8');
  expect(conf).toMatch(/^use_identity_as_username true$/m);
  expect(conf).not.toContain('password_file');
  const acl = await readFile(join(dir, 'out', 'acl'), 'utf8');
  for (const user of ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01', 'loa-ingest-1']) {
    expect(acl).toContain(`user ${user}\n`);
  }
});

it('a device logs in by its certificate, publishes as itself only, and cannot borrow another name', async () => {
  const ingest = await login('loa-ingest-1', { pki, name: 'loa-ingest-1' }, { clean: true });
  const received: string[] = [];
  ingest.on('message', (topic) => received.push(topic));
  await ingest.subscribeAsync('loa/v1/#', { qos: 1 });

  // The certificate says vinh-an-c01; the username it claims is ignored.
  const c01 = await login('vinh-an-c01', { pki, name: 'vinh-an-c01' }, { username: 'vinh-an-c02' });
  await expect(
    c01.publishAsync(topicOf('vinh-an-c02', 'heartbeat'), HEARTBEAT, { qos: 1 }),
  ).rejects.toMatchObject({ code: 135 });
  await c01.publishAsync(topicOf('vinh-an-c01', 'heartbeat'), HEARTBEAT, { qos: 1 });
  await eventually(() => {
    expect(received).toEqual([topicOf('vinh-an-c01', 'heartbeat')]);
  }, 5000);
});

it('refuses a client without a certificate, or with one from another CA', async () => {
  await expect(login('vinh-an-c01')).rejects.toThrow();
  await mkdir(join(dir, 'stranger'));
  const stranger = await createTestPki(join(dir, 'stranger'), ['vinh-an-c01']);
  await expect(login('vinh-an-c01', { pki: stranger, name: 'vinh-an-c01' })).rejects.toThrow();
});
