import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { connect } from 'mqtt';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  channelSchemas,
  loadInventory,
  parseTopic,
  type Channel,
  type Inventory,
} from '../protocol/index.js';
import { createSimulation, generateProvince, writeProvince, type Simulation } from './index.js';

// In-process broker test: a real aedes on a free port, the real agents, one recording subscriber.

interface Seen {
  device: string;
  channel: Channel;
  payload: Record<string, unknown>;
}

let close: () => Promise<void>;
let url: string;
let seen: Seen[];
let stray: string[];
let inventory: Inventory;
let secrets: Record<string, string>;
let dir: string;
let simulation: Simulation | undefined;

beforeEach(async () => {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const subscriber = connect(url, { clientId: 'recorder' });
  seen = [];
  stray = [];
  subscriber.on('message', (topic, payload) => {
    const parsed = parseTopic(topic);
    if (parsed.kind !== 'device') {
      stray.push(topic);
      return;
    }
    const message = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    seen.push({ device: parsed.device, channel: parsed.channel, payload: message });
  });
  await subscriber.subscribeAsync('loa/v1/#', { qos: 1 });
  close = async () => {
    await subscriber.endAsync();
    await new Promise<void>((resolve) => {
      broker.close(() => {
        resolve();
      });
    });
    await new Promise((resolve) => server.close(resolve));
  };

  dir = await mkdtemp(join(tmpdir(), 'loa-sim-'));
  const generated = await generateProvince({
    provinceId: 'an-giang',
    provinceName: 'An Giang',
    communes: 3,
    hamletsPerCommune: 2,
    clustersPerHamlet: [1, 2],
    fmShare: 0.3,
    stations: true,
    seed: 7,
    heartbeatS: 60,
  });
  await writeProvince(dir, generated);
  inventory = await loadInventory(join(dir, 'inventory'));
  secrets = generated.secrets;
});

afterEach(async () => {
  await simulation?.stop();
  simulation = undefined;
  await close();
  await rm(dir, { recursive: true, force: true });
});

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const of = (device: string, channel: Channel) =>
  seen.filter((s) => s.device === device && s.channel === channel).map((s) => s.payload);

describe('simulation', () => {
  it('runs every monitored device: birth, heartbeats and broadcast logs, then a clean shutdown', async () => {
    const devices = [...inventory.allDevices()];
    const monitored = devices.filter((d) => d.monitored);
    const clusters = monitored.filter((d) => d.kind === 'cluster');
    expect(devices.length).toBeGreaterThan(monitored.length); // some FM clusters
    expect(clusters.length).toBeGreaterThan(0);

    // 11:10 in Vietnam (UTC+7): the 05:00–06:00 window is the newest that has ended.
    const base = Date.UTC(2025, 5, 1, 4, 10);
    const t0 = Date.now();
    simulation = createSimulation({
      brokerUrl: url,
      inventory,
      secrets,
      heartbeatS: 0.05,
      logger: pino({ level: 'silent' }),
      clock: () => base + (Date.now() - t0),
      startSpreadMs: 50,
      broadcastEvery: 1,
      reconnect: { minMs: 10, maxMs: 100 },
    });
    await simulation.start();
    expect(simulation.stats()).toMatchObject({ devices: monitored.length, online: monitored.length });

    await until(
      () =>
        monitored.every((d) => of(d.device, 'heartbeat').length >= 3) &&
        clusters.every((d) => of(d.device, 'broadcast').length >= 1),
    );
    for (const d of monitored) {
      const births = seen.filter(
        (s) => s.device === d.device && (s.channel === 'meta' || s.channel === 'state'),
      );
      expect(births.map((s) => s.channel).slice(0, 2)).toEqual(['meta', 'state']);
      expect(births[0]?.payload).toMatchObject({ kind: d.kind, link: d.link, lat: d.lat, lon: d.lon });
      expect(births[1]?.payload).toMatchObject({ online: true, session: 0, reason: 'boot' });
      const beats = of(d.device, 'heartbeat');
      expect(beats.slice(0, 3).map((b) => b.seq)).toEqual([0, 1, 2]);
      expect(beats[0]).toMatchObject({ power: 'mains', amp: 'on', playing: false });
    }
    for (const d of clusters) {
      expect(of(d.device, 'broadcast')).toEqual([
        expect.objectContaining({ id: '20250601-0500', source: 'national', program: 'Thời sự VOV' }),
      ]);
      const [b] = of(d.device, 'broadcast');
      expect(b?.start).toBeGreaterThanOrEqual(Date.UTC(2025, 4, 31, 22, 0));
      expect(b?.end).toBeLessThanOrEqual(Date.UTC(2025, 4, 31, 23, 0));
    }
    expect(stray).toEqual([]);
    for (const s of seen) expect(channelSchemas[s.channel].safeParse(s.payload).success).toBe(true);
    // FM receivers cannot report.
    const fm = devices.filter((d) => !d.monitored).map((d) => d.device);
    expect(seen.some((s) => fm.includes(s.device))).toBe(false);

    const stats = simulation.stats();
    expect(stats.acked).toBeGreaterThan(0);
    expect(stats.sent).toBeGreaterThanOrEqual(stats.acked);
    expect(stats).toMatchObject({ refused: 0, dropped: 0 });

    await simulation.stop();
    await until(() => monitored.every((d) => of(d.device, 'state').some((p) => p.reason === 'shutdown')));
    expect(simulation.stats().online).toBe(0);
  });

  it('refuses an inventory whose monitored devices have no secret', () => {
    expect(() =>
      createSimulation({ brokerUrl: url, inventory, secrets: {}, logger: pino({ level: 'silent' }) }),
    ).toThrow(/no secret for \d+ monitored device/);
  });

  it("continues each device's session when started again", async () => {
    simulation = createSimulation({
      brokerUrl: url,
      inventory,
      secrets,
      heartbeatS: 0.05,
      logger: pino({ level: 'silent' }),
      startSpreadMs: 10,
    });
    await simulation.start();
    await simulation.stop();
    await simulation.start();
    const station = [...inventory.allDevices()].find((d) => d.kind === 'station');
    expect(station).toBeDefined();
    await until(() => of(station?.device ?? '', 'state').some((p) => p.online === true && p.session === 1));
  });
});
