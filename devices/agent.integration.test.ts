import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelSchemas, type Channel } from '../protocol/index.js';
import { createAgent, MessageRefusedError, type Agent, type AgentOptions } from './index.js';
import { startRecorder, startTestBroker, type Recorder, type TestBroker } from '../test/test-broker.js';
import { until } from '../test/wait.js';
import { tempDirs } from '../test/temp-dirs.js';

// In-process broker tests: a real aedes on a free port, the real mqtt.js client, no network beyond loopback.

const logger = pino({ level: 'silent' });
const DEVICE = 'vinh-an-c01';

let broker: TestBroker;
let recorder: Recorder;
const agents: Agent[] = [];
const { make: tempDir, removeAll: removeTempDirs } = tempDirs('loa-agent-');

beforeEach(async () => {
  broker = await startTestBroker();
  recorder = await startRecorder(broker.url);
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await recorder.close();
  await broker.close();
  await removeTempDirs();
});

function agent(overrides: Partial<AgentOptions> = {}): Agent {
  const a = createAgent({
    brokerUrl: broker.url,
    deviceId: DEVICE,
    secret: 's3cret',
    province: 'an-giang',
    commune: 'vinh-an',
    kind: 'cluster',
    hamlets: ['an-hoa'],
    heartbeatS: 0.05,
    reconnect: { minMs: 10, maxMs: 50 },
    logger,
    ...overrides,
  });
  agents.push(a);
  return a;
}

const payloads = (channel: string) => recorder.on(DEVICE, channel).map((m) => m.payload);

function expectValid(channel: Channel, payload: unknown): void {
  expect(channelSchemas[channel].safeParse(payload).success).toBe(true);
}

describe('agent presence and heartbeats', () => {
  it('is born with meta before the online state, then heartbeats with consecutive seq', async () => {
    const a = agent();
    await a.start();
    expect(a.stats()).toMatchObject({ online: true, session: 0, connects: 1 });
    await recorder.until(() => payloads('heartbeat').length >= 4);

    const births = recorder.messages.filter((m) => /\/(meta|state)$/.test(m.topic));
    expect(births.map((m) => m.topic.split('/').pop())).toEqual(['meta', 'state']);
    const [meta, state] = births.map((m) => m.payload);
    expect(meta).toMatchObject({ v: 1, kind: 'cluster', hamlets: ['an-hoa'], heartbeat_s: 1 });
    expect(state).toMatchObject({ v: 1, online: true, session: 0, reason: 'boot' });
    expectValid('meta', meta);
    expectValid('state', state);

    const beats = payloads('heartbeat');
    beats.forEach((beat, i) => {
      expect(beat).toMatchObject({ v: 1, seq: i, power: 'mains', amp: 'on' });
      expectValid('heartbeat', beat);
    });
    expect(recorder.on(DEVICE, 'heartbeat').every((m) => !m.retain)).toBe(true);
  });

  it('reports what the probe measures, with the injected clock', async () => {
    const a = agent({
      clock: () => 1_750_000_000_000,
      probe: () => ({ uptime_s: 42, power: 'battery', amp: 'fault', battery_v: 12.1, relay: 'tripped' }),
    });
    await a.start();
    await recorder.until(() => payloads('heartbeat').length >= 1);
    expect(payloads('heartbeat')[0]).toEqual({
      v: 1,
      ts: 1_750_000_000_000,
      seq: 0,
      uptime_s: 42,
      power: 'battery',
      amp: 'fault',
      battery_v: 12.1,
      relay: 'tripped',
    });
  });

  it('publishes a retained shutdown on a graceful stop, and the broker discards the Will', async () => {
    const a = agent();
    await a.start();
    await a.stop('shutdown');
    await recorder.until(() => payloads('state').length >= 2);
    // Time for a Will to arrive, were one (wrongly) published.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const states = payloads('state');
    expect(states).toHaveLength(2);
    expect(states[1]).toMatchObject({ v: 1, online: false, session: 0, reason: 'shutdown' });
    expectValid('state', states[1]);

    // Retained: a subscriber arriving later learns the device is shut down, and its meta.
    const late = await startRecorder(broker.url);
    try {
      await late.until(() => late.on(DEVICE, 'state').length === 1 && late.on(DEVICE, 'meta').length === 1);
      expect(late.on(DEVICE, 'state')[0]).toMatchObject({ retain: true, payload: { reason: 'shutdown' } });
    } finally {
      await late.close();
    }
  });

  it('keeps the session across restarts with the same data folder', async () => {
    const dataDir = await tempDir();
    const first = agent({ dataDir });
    await first.start();
    await first.stop();
    const second = agent({ dataDir });
    await second.start();
    expect(second.stats().session).toBe(1);
    await recorder.until(() => payloads('state').filter((s) => s.online === true).length === 2);
    expect(payloads('state').map((s) => [s.online, s.session, s.reason])).toEqual([
      [true, 0, 'boot'],
      [false, 0, 'shutdown'],
      [true, 1, 'boot'],
    ]);
    expect((await readFile(join(dataDir, 'session'), 'utf8')).trim()).toBe('1');
  });

  it('leaves a Will with the current session when its socket dies, and renews it on every reconnect', async () => {
    const a = agent();
    await a.start();

    broker.dropClient(DEVICE);
    await recorder.until(() => payloads('state').some((s) => s.reason === 'lost'));
    await recorder.until(() => payloads('state').some((s) => s.online === true && s.session === 1));

    broker.dropClient(DEVICE);
    await recorder.until(() => payloads('state').filter((s) => s.reason === 'lost').length === 2);
    await recorder.until(() => payloads('state').some((s) => s.online === true && s.session === 2));

    const states = payloads('state');
    expect(states.map((s) => [s.online, s.session, s.reason])).toEqual([
      [true, 0, 'boot'],
      [false, 0, 'lost'],
      [true, 1, 'boot'],
      [false, 1, 'lost'],
      [true, 2, 'boot'],
    ]);
    // A Will carries no device time: the platform stamps it on receipt.
    expect(states[1]).not.toHaveProperty('ts');
    expectValid('state', states[1]);
    await until(() => a.stats().online && a.stats().connects === 3);
  });

  it('resolves start() after a failed first attempt and keeps retrying with backoff', async () => {
    // A "broker" that hangs up on every connection.
    let attempts = 0;
    const server = createServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const a = agent({ brokerUrl: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}` });
      await a.start();
      expect(a.stats()).toMatchObject({ online: false, connects: 0 });
      await until(() => attempts >= 3);
      // Each attempt allocates a session, so a Will never reuses one.
      expect(a.stats().session).toBeGreaterThanOrEqual(2);
      await a.stop();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('agent broadcasts and events', () => {
  it('publishes valid records and refuses invalid ones without sending them', async () => {
    const a = agent({ heartbeatS: 60 });
    await a.start();
    const start = Date.now() - 3_600_000;
    await a.publishBroadcast({
      id: 'b-1',
      start,
      end: start + 30 * 60_000,
      priority: 'emergency',
      source: 'provincial',
      status: 'completed',
      bulletin: 'ag-2025-001',
    });
    await a.publishEvent({ type: 'power_lost', detail: 'mains 0 V' });

    const refused = a.publishBroadcast({
      id: 'b-2',
      start,
      end: start - 1,
      priority: 'normal',
      source: 'national',
      status: 'completed',
    });
    await expect(refused).rejects.toBeInstanceOf(MessageRefusedError);
    await expect(refused).rejects.toThrow(/end: end must not be before start/);

    await recorder.until(() => payloads('event').length === 1);
    expect(payloads('broadcast')).toEqual([
      expect.objectContaining({ v: 1, id: 'b-1', priority: 'emergency', bulletin: 'ag-2025-001' }),
    ]);
    expect(payloads('event')[0]).toMatchObject({ v: 1, type: 'power_lost' });
    await until(() => a.stats().pending === 0);
    expect(a.stats()).toMatchObject({ refused: 1, pending: 0 });
  });

  it('refuses records before start', async () => {
    const a = agent();
    await expect(a.publishEvent({ type: 'tamper' })).rejects.toThrow(/new/);
  });
});
