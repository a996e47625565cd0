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
import {
  createSimulation,
  generateProvince,
  parseScenario,
  writeProvince,
  type Simulation,
  type SimulationOptions,
} from './index.js';
import { until } from '../test/wait.js';

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

/** The test province against the test broker, fast: heartbeats every 50 ms, starts within 10 ms. */
function fastSimulation(options: Partial<SimulationOptions> = {}): Simulation {
  return createSimulation({
    brokerUrl: url,
    inventory,
    secrets,
    heartbeatS: 0.05,
    logger: pino({ level: 'silent' }),
    startSpreadMs: 10,
    reconnect: { minMs: 10, maxMs: 50 },
    ...options,
  });
}

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
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      // What a malformed-message fault sends: kept as text.
      message = { unparsable: payload.toString('utf8') };
    }
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
    simulation = fastSimulation({
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
    simulation = fastSimulation();
    await simulation.start();
    await simulation.stop();
    await simulation.start();
    const station = [...inventory.allDevices()].find((d) => d.kind === 'station');
    expect(station).toBeDefined();
    await until(() => of(station?.device ?? '', 'state').some((p) => p.online === true && p.session === 1));
  });
});

describe('faults', () => {
  it('a scenario cuts links, kills and reboots boxes, breaks hardware, skews a clock and sends garbage', async () => {
    const monitored = [...inventory.allDevices()].filter((d) => d.monitored);
    const [cut, drop, amp, relay, skew, bad, impostor] = monitored.map((d) => d.device);
    expect(impostor).toBeDefined();
    const victim = monitored.find((d) => d.device !== impostor)?.device ?? '';
    const scenario = parseScenario(
      [
        'faults:',
        `  - { at: 300ms, kind: power_cut, for: 600ms, target: { device: ${cut} } }`,
        `  - { at: 300ms, kind: link_drop, for: 600ms, target: { device: ${drop} } }`,
        `  - { at: 300ms, kind: amp_fault, for: 600ms, target: { device: ${amp} } }`,
        `  - { at: 300ms, kind: relay_trip, for: 600ms, volts: 280, target: { device: ${relay} } }`,
        `  - { at: 300ms, kind: clock_skew, offset: 1h, target: { device: ${skew} } }`,
        `  - { at: 500ms, kind: malformed, count: 2, target: { device: ${bad} } }`,
        `  - { at: 500ms, kind: impersonate, victim: ${victim}, target: { device: ${impostor} } }`,
      ].join('\n'),
      'scenario.yaml',
      inventory,
    );
    simulation = fastSimulation({ scenario });
    const t0 = Date.now();
    await simulation.start();
    // The clock skew has no end: it stays on until the run stops.
    await until(() => simulation?.stats().faults === 7 && simulation.stats().faultsActive === 1);
    await until(() => of(cut ?? '', 'event').some((e) => e.type === 'reboot'));
    expect(await simulation.drain(10_000)).toBe(true);

    // Power cut: the connection died without DISCONNECT (the Will, no shutdown), then a new session.
    const states = of(cut ?? '', 'state');
    const lost = states.findIndex((p) => p.reason === 'lost');
    expect(lost).toBeGreaterThanOrEqual(0);
    // A new session (a reconnect attempt while dark may have taken one number already).
    const rebirth = states.slice(lost + 1).find((p) => p.reason === 'boot');
    expect(rebirth?.session).toBeGreaterThan(states[lost]?.session as number);
    expect(states.some((p) => p.reason === 'shutdown')).toBe(false);
    // 4G drop: the Will, then every heartbeat built meanwhile replayed; none missing.
    expect(of(drop ?? '', 'state').some((p) => p.reason === 'lost')).toBe(true);
    const seqs = new Set(of(drop ?? '', 'heartbeat').map((h) => h.seq as number));
    expect(seqs.size).toBe(Math.max(...seqs) + 1);
    // Hardware faults: the event, heartbeats that report the fault, the recovery.
    expect(of(amp ?? '', 'event').map((e) => e.type)).toEqual(['amp_fault', 'amp_restored']);
    expect(of(amp ?? '', 'heartbeat').some((h) => h.amp === 'fault' && h.playing === false)).toBe(true);
    expect(of(relay ?? '', 'event')).toEqual([
      expect.objectContaining({ type: 'relay_tripped', detail: 'over-voltage 280 V' }),
      expect.objectContaining({ type: 'relay_restored' }),
    ]);
    expect(of(relay ?? '', 'heartbeat').some((h) => h.relay === 'tripped' && h.mains_v === 280)).toBe(true);
    // Clock skew: device time an hour ahead of the wall clock.
    expect(of(skew ?? '', 'heartbeat').some((h) => (h.ts as number) > t0 + 3_000_000)).toBe(true);
    // Garbage on its own topic, and a heartbeat on another device's topic, slipped into the connections.
    expect(of(bad ?? '', 'heartbeat').filter((h) => 'unparsable' in h || h.seq === 'x')).toHaveLength(2);
    expect(of(victim, 'heartbeat').some((h) => h.seq === 0 && h.uptime_s === 1)).toBe(true);

    const report = simulation.report();
    expect(report.faults.map((f) => [f.kind, f.devices])).toEqual([
      ['power_cut', [cut]],
      ['link_drop', [drop]],
      ['amp_fault', [amp]],
      ['relay_trip', [relay]],
      ['clock_skew', [skew]],
      ['malformed', [bad]],
      ['impersonate', [impostor]],
    ]);
    expect(report.faults.find((f) => f.kind === 'malformed')?.sent).toBe(2);
    // The ledger saw the replayed heartbeats acknowledged once each.
    const ledger = report.ledgers.get(drop ?? '');
    const acked = ledger?.acked.filter((e) => e.channel === 'heartbeat').map((e) => e.label) ?? [];
    expect(new Set(acked).size).toBe(acked.length);
    expect(acked.length).toBeGreaterThan(0);
  });

  it('two link drops that overlap on a device keep it cut off until the later one ends', async () => {
    const drop = [...inventory.allDevices()].find((d) => d.monitored)?.device ?? '';
    const scenario = parseScenario(
      [
        'faults:',
        `  - { at: 200ms, kind: link_drop, for: 300ms, target: { device: ${drop} } }`,
        `  - { at: 300ms, kind: link_drop, for: 3s, target: { device: ${drop} } }`,
      ].join('\n'),
      'scenario.yaml',
      inventory,
    );
    simulation = fastSimulation({ scenario });
    await simulation.start();
    await until(() => simulation?.report().faults[0]?.end !== undefined);
    const heard = seen.filter((m) => m.device === drop).length;
    // Heartbeats every 50 ms and reconnects within 50 ms: a link back up would be heard by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(simulation.report().faults[1]?.end).toBeUndefined();
    expect(seen.filter((m) => m.device === drop).length).toBe(heard);
    // Once the second ends, the device is back and replays what it measured meanwhile.
    expect(await simulation.drain(10_000)).toBe(true);
    const seqs = new Set(of(drop, 'heartbeat').map((h) => h.seq as number));
    expect(seqs.size).toBe(Math.max(...seqs) + 1);
  });

  it('random faults come at the rate given, on one device of the target each, and end', async () => {
    const scenario = parseScenario(
      'random:\n  - { kind: link_drop, every: 50ms, for: 100ms, target: { kind: cluster } }\n',
      'scenario.yaml',
      inventory,
    );
    simulation = fastSimulation({ scenario });
    await simulation.start();
    await until(() => (simulation?.stats().faults ?? 0) >= 5);
    // As `loa simulate run` ends: the faults first, every device back, then the stop.
    expect(await simulation.drain(10_000)).toBe(true);
    await simulation.stop();
    const clusters = new Set(
      [...inventory.allDevices()].filter((d) => d.monitored && d.kind === 'cluster').map((d) => d.device),
    );
    const faults = simulation.report().faults;
    expect(faults.length).toBeGreaterThanOrEqual(5);
    for (const f of faults) {
      expect(f.kind).toBe('link_drop');
      expect(f.devices).toHaveLength(1);
      expect(clusters.has(f.devices[0] ?? '')).toBe(true);
    }
    // Every drop but those still on at the stop has ended.
    expect(faults.filter((f) => f.end === undefined).length).toBeLessThan(faults.length);
  });
});
