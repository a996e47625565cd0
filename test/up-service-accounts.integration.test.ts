// Issue #14, point 13: `loa up --service-accounts FILE`, as `loa broker` has it (the same flag and
// configuration key). A read-only console reads the retained `…/_platform/alert/#` topics
// (docs/coverage.md) and cannot publish; an `ingest`-role account (a separate `loa coverage run`) may
// publish platform output. The same process keeps its verified credentials in its data folder.
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { hashSecret } from '../protocol/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { CHEAP, testProvinceYaml } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';

const influxUrl = inject('influxUrl');
const ALERT = 'loa/v1/an-giang/vinh-an/_platform/alert/device_offline/vinh-an-c01';
let dir: string;
let up: LoaProcess;
let ql: Awaited<ReturnType<typeof freshDatabase>>;
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-up-accounts-'));
  await mkdir(join(dir, 'inventory'));
  await writeFile(join(dir, 'inventory', 'an-giang.yaml'), await testProvinceYaml());
  const accounts = [
    `- { username: console, secret: "${await hashSecret('console-secret', CHEAP)}", role: reader }`,
    `- { username: loa-coverage, secret: "${await hashSecret('coverage-secret', CHEAP)}", role: ingest }`,
  ];
  await writeFile(join(dir, 'service-accounts.yaml'), `${accounts.join('\n')}\n`);
  ql = await freshDatabase(influxUrl, 'up_accounts');
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await up.kill('SIGTERM');
  await ql.dropDatabase(ql.database);
  ql.close();
  await rm(dir, { recursive: true, force: true });
});

async function login(url: string, username: string, password: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    clientId: username,
    username,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

it('lets a read-only console read a retained alert, and refuses its publications', async () => {
  up = spawnLoa([
    'up',
    ...['--inventory', join(dir, 'inventory'), '--data', join(dir, 'up-data')],
    ...['--influx-url', influxUrl, '--database', ql.database, '--mqtt-port', '0', '--http-port', '0'],
    ...['--service-accounts', join(dir, 'service-accounts.yaml')],
  ]);
  const [, url = ''] = await up.waitFor(/broker\s+(mqtt:\/\/\S+)/, 60_000);

  const coverage = await login(url, 'loa-coverage', 'coverage-secret');
  await coverage.publishAsync(ALERT, '{"id":"a1","state":"firing"}', { qos: 1, retain: true });

  const reader = await login(url, 'console', 'console-secret');
  const received = new Promise<[string, string]>((resolve) => {
    reader.once('message', (topic, payload) => {
      resolve([topic, payload.toString()]);
    });
  });
  await reader.subscribeAsync('loa/v1/+/+/_platform/alert/#', { qos: 1 });
  expect(await received).toEqual([ALERT, '{"id":"a1","state":"firing"}']);

  const closed = new Promise<void>((resolve) => reader.once('close', resolve));
  reader.publish(ALERT, '{"forged":true}', { qos: 1, retain: true });
  await closed;

  // The verified credentials are kept beside the write-ahead log, readable by the owner only.
  expect((await stat(join(dir, 'up-data', 'verified-credentials'))).mode & 0o777).toBe(0o600);
}, 90_000);
