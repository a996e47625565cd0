// Issue #3, point 1, from the command line: `loa broker --tls-*` (with and without
// `--tls-require-client-cert`) and `loa up` with the same TLS and WebSocket flags, each a real process.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestPki, type TestPki } from './broker-certs.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { SECRETS, testProvinceYaml, topicOf } from './fixtures/province.js';
import { freshDatabase, heartbeatCounts } from './influx-helpers.js';
import { eventually } from './wait.js';

const influxUrl = inject('influxUrl');
const C01 = 'vinh-an-c01';
const C02 = 'vinh-an-c02';
let dir: string;
let pki: TestPki;
const children: LoaProcess[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-tls-'));
  await mkdir(join(dir, 'inventory'));
  await writeFile(join(dir, 'inventory', 'an-giang.yaml'), await testProvinceYaml());
  pki = await createTestPki(dir, [C01]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await Promise.all(children.map((c) => c.kill('SIGTERM')));
  await rm(dir, { recursive: true, force: true });
});

function tlsFlags(requireClientCert: boolean): string[] {
  return [
    ...['--tls-port', '0', '--tls-cert', pki.file('server', 'crt'), '--tls-key', pki.file('server', 'key')],
    ...['--tls-ca', pki.file('ca', 'crt')],
    ...(requireClientCert ? ['--tls-require-client-cert'] : []),
  ];
}

/** Starts `loa broker` on free ports; resolves with its TLS URL as it printed it. */
async function startBroker(requireClientCert: boolean): Promise<string> {
  const child = spawnLoa([
    'broker',
    ...['--inventory', join(dir, 'inventory'), '--port', '0', '--http-port', '0'],
    ...tlsFlags(requireClientCert),
  ]);
  children.push(child);
  const [, url = ''] = await child.waitFor(/tls\s+(mqtts:\/\/\S+)/);
  return url;
}

async function connect(url: string, options: mqtt.IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ca: pki.ca,
    ...options,
  });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

const heartbeat = (seq: number) =>
  JSON.stringify({ v: 1, ts: Date.now() - 1000 + seq, seq, uptime_s: seq, power: 'mains', amp: 'on' });

describe('loa broker --tls-require-client-cert', () => {
  let url: string;
  beforeAll(async () => {
    url = await startBroker(true);
  });

  it('logs a device in by its certificate (CN = device id)', async () => {
    const c01 = await connect(url, { clientId: C01, cert: await pki.cert(C01), key: await pki.key(C01) });
    await c01.publishAsync(topicOf(C01, 'heartbeat'), heartbeat(1), { qos: 1 });
    expect(c01.connected).toBe(true);
  });

  it('refuses a client without a certificate on that listener, even with the right secret', async () => {
    await expect(connect(url, { clientId: C02, username: C02, password: SECRETS[C02] })).rejects.toThrow();
  });
});

describe('loa broker with an optional client certificate', () => {
  let url: string;
  beforeAll(async () => {
    url = await startBroker(false);
  });

  it('lets a device log in with its secret over TLS', async () => {
    const c02 = await connect(url, { clientId: C02, username: C02, password: SECRETS[C02] });
    await c02.publishAsync(topicOf(C02, 'heartbeat'), heartbeat(1), { qos: 1 });
    expect(c02.connected).toBe(true);
  });

  it('still takes a certificate, and still refuses a wrong secret', async () => {
    const c01 = await connect(url, { clientId: C01, cert: await pki.cert(C01), key: await pki.key(C01) });
    expect(c01.connected).toBe(true);
    await expect(connect(url, { clientId: C02, username: C02, password: 'wrong' })).rejects.toMatchObject({
      code: 4,
    });
  });
});

it('loa up serves TLS and WebSocket when asked, into the same ingest', async () => {
  const ql = await freshDatabase(influxUrl, 'up_listeners');
  const up = spawnLoa([
    'up',
    ...['--inventory', join(dir, 'inventory'), '--data', join(dir, 'up-data')],
    ...['--influx-url', influxUrl, '--database', ql.database, '--mqtt-port', '0', '--http-port', '0'],
    ...tlsFlags(false),
    ...['--ws-port', '0'],
  ]);
  children.push(up);
  await up.waitFor(/metrics\s+http/, 60_000);
  const [, tlsUrl = ''] = /tls\s+(mqtts:\/\/\S+)/.exec(up.output()) ?? [];
  const [, wsUrl = ''] = /websocket\s+(ws:\/\/\S+)/.exec(up.output()) ?? [];
  expect(tlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
  expect(wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);

  const overTls = await connect(tlsUrl, {
    clientId: C01,
    cert: await pki.cert(C01),
    key: await pki.key(C01),
  });
  await overTls.publishAsync(topicOf(C01, 'heartbeat'), heartbeat(1), { qos: 1 });
  const overWs = await connect(wsUrl, { clientId: C02, username: C02, password: SECRETS[C02] });
  await overWs.publishAsync(topicOf(C02, 'heartbeat'), heartbeat(2), { qos: 1 });

  await eventually(async () => {
    expect(await heartbeatCounts(ql)).toEqual({ [C01]: [1, 1], [C02]: [1, 1] });
  }, 30_000);
  await ql.dropDatabase(ql.database);
  ql.close();
}, 90_000);
