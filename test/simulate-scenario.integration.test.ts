// `loa simulate run --scenario … --verify` against `loa up` (the real broker, ingest and coverage engine,
// a private database of the shared InfluxDB): a few dozen virtual devices, one of each fault, an emergency
// bulletin that some clusters miss. The simulator then checks InfluxDB for every acknowledged message and
// the alert of every fault, and exits 0 only if all is there.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { loadInventory, type Device } from '../protocol/index.js';
import { generateProvince, writeProvince } from '../simulator/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { freshDatabase } from './influx-helpers.js';

const influxUrl = inject('influxUrl');
let dir: string;
let up: LoaProcess | undefined;
let dropDatabase: () => Promise<void> = () => Promise.resolve();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-simulate-scenario-'));
});

afterAll(async () => {
  await up?.kill('SIGTERM');
  await dropDatabase();
  await rm(dir, { recursive: true, force: true });
});

it('a scenario of faults runs against loa up and --verify finds every message and every alert', async () => {
  const generated = await generateProvince({
    provinceId: 'an-giang',
    provinceName: 'An Giang',
    communes: 4,
    hamletsPerCommune: 3,
    clustersPerHamlet: 2,
    fmShare: 0.1,
    stations: true,
    seed: 11,
    // The inventory's interval: the engine declares a silent device down after 3 of them.
    heartbeatS: 5,
  });
  const { secretsFile } = await writeProvince(dir, generated);
  const inventoryDir = join(dir, 'inventory');
  const inventory = await loadInventory(inventoryDir);
  const monitored = [...inventory.allDevices()].filter((d) => d.monitored);
  const clusters = monitored.filter((d) => d.kind === 'cluster');
  expect(monitored.length).toBeGreaterThanOrEqual(20);
  // One device per fault, none hit twice, so that each fault's evidence is its own.
  const [cut1, cut2, drop, amp, relay, skew, bad, impostor, flap] = clusters;
  const victims = [cut1, cut2, drop, amp, relay, skew, bad, impostor, flap];
  if (victims.some((d) => d === undefined)) throw new Error('not enough clusters');
  const id = (d: Device | undefined) => d?.device ?? '';
  // The bulletin goes to a commune none of the faults touch.
  const quiet = inventory.provinces[0]?.communes.find(
    (c) =>
      !victims.some((d) => d?.commune === c.id) &&
      c.devices.filter((d) => d.monitored && d.kind === 'cluster').length >= 2,
  );
  expect(quiet).toBeDefined();

  const scenario = join(dir, 'scenario.yaml');
  await writeFile(
    scenario,
    [
      'duration: 22s',
      'faults:',
      `  - { at: 2s, kind: power_cut, for: 16s, target: { devices: [${id(cut1)}, ${id(cut2)}] } }`,
      `  - { at: 2s, kind: link_drop, for: 16s, target: { device: ${id(drop)} } }`,
      `  - { at: 2s, kind: amp_fault, for: 16s, target: { device: ${id(amp)} } }`,
      `  - { at: 2s, kind: relay_trip, for: 16s, volts: 280, target: { device: ${id(relay)} } }`,
      `  - { at: 1s, kind: clock_skew, offset: -20s, target: { device: ${id(skew)} } }`,
      `  - { at: 4s, kind: malformed, count: 4, target: { device: ${id(bad)} } }`,
      `  - { at: 4s, kind: impersonate, target: { device: ${id(impostor)} } }`,
      `  - { at: 2s, kind: flapping, for: 10s, period: 2s, target: { device: ${id(flap)} } }`,
      'bulletins:',
      // Logged 16 minutes after it played (the logs were held up): the engine judges delivery at once.
      `  - { at: 5s, commune: ${quiet?.id ?? ''}, id: storm-01, fail: 1, late: 16m }`,
      '',
    ].join('\n'),
  );

  const ql = await freshDatabase(influxUrl, 'simulate_scenario');
  dropDatabase = () => ql.dropDatabase(ql.database);
  const data = join(dir, 'data');
  const upConfig = join(dir, 'up.yaml');
  // The engine evaluates every second, so an alert is due 10 s after its device went down.
  await writeFile(upConfig, 'coverage: { evaluateEveryS: 1 }\n');
  up = spawnLoa([
    'up',
    '--config',
    upConfig,
    '--inventory',
    inventoryDir,
    '--data',
    data,
    '--influx-url',
    influxUrl,
    '--database',
    ql.database,
    '--mqtt-port',
    '0',
    '--http-port',
    '0',
  ]);
  await up.waitFor(/broker +mqtt:/);

  const runConfig = join(dir, 'simulate.yaml');
  await writeFile(runConfig, 'simulation: { reconnectMaxS: 1 }\n');
  const sim = spawnLoa([
    'simulate',
    'run',
    '--config',
    runConfig,
    '--data',
    data,
    '--secrets',
    secretsFile,
    '--scenario',
    scenario,
    '--heartbeat',
    '1',
    '--verify',
    '--verify-timeout',
    '30',
  ]);
  const code = await sim.exit();
  const output = sim.output();
  expect(output, `${output}\n--- loa up ---\n${up.output()}`).toMatch(/verify: passed/);
  expect(code).toBe(0);
  expect(output).toMatch(/expected in InfluxDB: [\d,]+ points/);
  expect(output).toMatch(
    /acknowledged messages stored once: heartbeat [1-9][\d,]* · broadcast [\d,]+ · event [1-9]/,
  );
  for (const d of [cut1, cut2, drop, amp, relay]) expect(output).toContain(`device_offline for ${id(d)}`);
  expect(output).toContain(`Will (offline, lost) of ${id(drop)}`);
  expect(output).toContain(`at most one device_offline for ${id(flap)}`);
  expect(output).toContain(`heartbeats of ${id(amp)} with amp fault`);
  expect(output).toContain(`heartbeats of ${id(relay)} with relay tripped on high mains`);
  expect(output).toMatch(new RegExp(`heartbeats of ${id(skew)} stored at device time, -20000 ms off`));
  expect(output).toContain(`malformed messages of ${id(bad)} refused and counted: 4 of 4`);
  expect(output).toMatch(/publication\(s\) on [a-z0-9-]+'s topic refused by the broker/);
  expect(output).toMatch(/emergency [a-z0-9-]+\/storm-01: /);
}, 120_000);
