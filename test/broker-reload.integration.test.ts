// Issue #3, point 5: `loa broker` reloads its inventory when the folder changes or on SIGHUP, without
// dropping unchanged devices; a device removed from the inventory is disconnected; a broken file is
// refused with a clear error and the old inventory stays in force.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { testProvinceYaml, topicOf } from './fixtures/province.js';
import { connectDevice, publish } from './mqtt-helpers.js';
import { eventually } from './wait.js';

let dir: string;
/** Written once: each testProvinceYaml() call salts the hashes anew, which would count as new secrets. */
let yaml: string;
let loa: LoaProcess;
let brokerUrl: string;
let metricsUrl: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-reload-'));
  await mkdir(join(dir, 'inventory'));
  yaml = await testProvinceYaml();
  await writeFile(join(dir, 'inventory', 'an-giang.yaml'), yaml);
  loa = spawnLoa(['broker', '--inventory', join(dir, 'inventory'), '--port', '0', '--http-port', '0']);
  [, brokerUrl = ''] = await loa.waitFor(/broker (mqtt:\/\/\S+)/);
  [, metricsUrl = ''] = await loa.waitFor(/metrics +(http:\/\/\S+)/);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await loa.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

async function metric(name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1]);
}

const HEARTBEAT = { v: 1, ts: Date.now(), seq: 1, uptime_s: 1, power: 'mains', amp: 'on' };

it('refuses a broken file, then applies a good one, dropping only the removed device', async () => {
  const kept = await connectDevice(brokerUrl, 'vinh-an-c01');
  const removed = await connectDevice(brokerUrl, 'tan-lap-c01');
  for (const c of [kept, removed]) {
    c.on('error', () => undefined);
    clients.push(c);
  }
  const file = join(dir, 'inventory', 'an-giang.yaml');

  // A broken file: refused with the file and line, the old inventory stays, nobody is dropped.
  await writeFile(file, yaml.replace('kind: station', 'kind: radio'));
  await eventually(async () => {
    expect(await metric('loa_broker_inventory_reload_failures_total')).toBe(1);
  }, 10_000);
  expect(loa.output()).toMatch(/inventory reload refused/);
  expect(loa.output()).toMatch(/an-giang\.yaml:\d+: communes\[0\]\.devices\[0\]\.kind/);
  expect([kept.connected, removed.connected], loa.output()).toEqual([true, true]);

  // Without the tan-lap commune: its device is disconnected, the others keep their sessions.
  const closed = new Promise<void>((resolve) =>
    removed.once('close', () => {
      resolve();
    }),
  );
  await writeFile(file, yaml.slice(0, yaml.indexOf('  - id: tan-lap')));
  await closed;
  await eventually(async () => {
    expect(await metric('loa_broker_inventory_reloads_total')).toBeGreaterThanOrEqual(1);
  }, 10_000);
  expect(kept.connected).toBe(true);
  await publish(kept, topicOf('vinh-an-c01', 'heartbeat'), HEARTBEAT);
  await expect(connectDevice(brokerUrl, 'tan-lap-c01')).rejects.toThrow();
  expect(await metric('loa_broker_device_disconnects_total\\{reason="removed"\\}')).toBe(1);

  // SIGHUP reloads too.
  const before = await metric('loa_broker_inventory_reloads_total');
  loa.child.kill('SIGHUP');
  await eventually(async () => {
    expect(await metric('loa_broker_inventory_reloads_total')).toBe(before + 1);
  }, 10_000);
  expect(kept.connected).toBe(true);
}, 60_000);
