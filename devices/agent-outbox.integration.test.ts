import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, createDiskOutbox, type Agent, type AgentOptions } from './index.js';
import { startRecorder, startTestBroker, type Recorder, type TestBroker } from '../test/test-broker.js';
import { until } from '../test/wait.js';
import { startTcpProxy, type TcpProxy } from '../test/tcp-proxy.js';

// Store-and-forward through a real broker: the agent reaches it through a TCP proxy the test cuts and
// restores, as a 4G link drops. Counts are exact at the broker: every accepted message arrives; a message
// arriving twice is only possible for the few in flight when the link was cut (at-least-once; storage
// absorbs those, see the InfluxDB test under test/).

const logger = pino({ level: 'silent' });
const DEVICE = 'vinh-an-c01';
const WINDOW = 4;

let broker: TestBroker;
let proxy: TcpProxy;
let recorder: Recorder;
const agents: Agent[] = [];
const dirs: string[] = [];

beforeEach(async () => {
  broker = await startTestBroker();
  const { hostname, port } = new URL(broker.url);
  proxy = await startTcpProxy({ host: hostname, port: Number(port) });
  recorder = await startRecorder(broker.url);
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await recorder.close();
  await proxy.close();
  await broker.close();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function agent(overrides: Partial<AgentOptions> = {}): Promise<Agent> {
  const dataDir = await mkdtemp(join(tmpdir(), 'loa-agent-outbox-'));
  dirs.push(dataDir);
  const a = createAgent({
    brokerUrl: proxy.url,
    deviceId: DEVICE,
    secret: 's3cret',
    province: 'an-giang',
    commune: 'vinh-an',
    kind: 'cluster',
    heartbeatS: 0.02,
    dataDir,
    reconnect: { minMs: 10, maxMs: 40 },
    connectTimeoutMs: 500,
    outbox: { replayPerS: 100, window: WINDOW, fsyncMs: 0 },
    logger,
    ...overrides,
  });
  agents.push(a);
  return a;
}

const arrived = (channel: string) => recorder.on(DEVICE, channel).map((m) => m.payload);

function expectEachOnce(values: unknown[], expected: unknown[]): void {
  const distinct = [...new Set(values)];
  expect(distinct.sort((a, b) => Number(a) - Number(b))).toEqual(expected);
  // Duplicates only from what was in flight when the link was cut.
  expect(values.length - distinct.length).toBeLessThanOrEqual(WINDOW);
}

describe('agent store-and-forward', () => {
  it('delivers everything accepted while the link was cut, in order, with live heartbeats flowing', async () => {
    const a = await agent();
    await a.start();
    await recorder.until(() => arrived('heartbeat').length >= 5);

    proxy.cut();
    await until(() => !a.stats().online);
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < 10; i++) {
      await a.publishBroadcast({
        id: `b-${i}`,
        start: start + i * 60_000,
        end: start + i * 60_000 + 30_000,
        priority: i === 3 ? 'emergency' : 'normal',
        source: 'commune',
        status: 'completed',
      });
      await a.publishEvent({ type: i % 2 === 0 ? 'power_lost' : 'power_restored', ts: start + i });
    }
    await until(() => a.stats().pending >= 150, 10_000);
    const backlogEnd = a.stats().heartbeats;

    proxy.restore();
    await until(() => a.stats().online, 5_000);
    // 150 and more records at 100/s: a good second of replay, while live heartbeats go out at 50/s.
    await until(() => a.stats().pending === 0, 20_000);
    const total = a.stats().heartbeats;
    await recorder.until(() => new Set(arrived('heartbeat').map((h) => h.seq)).size >= total, 5_000);

    const seqs = arrived('heartbeat').map((h) => h.seq as number);
    expectEachOnce(
      seqs,
      Array.from({ length: total }, (_, i) => i),
    );
    expectEachOnce(
      arrived('broadcast').map((b) => Number(String(b.id).slice(2))),
      Array.from({ length: 10 }, (_, i) => i),
    );
    expect(arrived('event')).toHaveLength(10);
    // The backlog arrives in order; live heartbeats did not wait for the whole backlog to drain.
    const firstArrivals = seqs.filter((s, i) => seqs.indexOf(s) === i);
    const backlog = firstArrivals.filter((s) => s < backlogEnd);
    expect(backlog).toEqual([...backlog].sort((x, y) => x - y));
    const firstLive = firstArrivals.findIndex((s) => s > backlogEnd + 2);
    expect(firstLive).toBeGreaterThanOrEqual(0);
    expect(firstLive).toBeLessThan(firstArrivals.indexOf(backlogEnd - 1));
    expect(a.stats()).toMatchObject({ dropped: 0, refused: 0 });
  });

  it('resumes after a restart with the same data folder and sends what the first run left', async () => {
    const first = await agent();
    await first.start();
    proxy.cut();
    await until(() => first.stats().heartbeats >= 30, 5_000);
    await first.stop();
    const left = first.stats().heartbeats;
    const dataDir = dirs.at(-1) ?? '';
    proxy.restore();

    const secondStart = Date.now();
    const second = await agent({ dataDir });
    await second.start();
    await until(() => second.stats().pending === 0 && second.stats().heartbeats >= 5, 10_000);
    await second.stop();
    const more = second.stats().heartbeats;
    await recorder.until(() => arrived('heartbeat').length >= left + more, 5_000);
    // Two runs, each numbering its heartbeats from 0, told apart by their device time.
    const beats = arrived('heartbeat') as { seq: number; ts: number }[];
    const count = (run: typeof beats) => run.map((b) => b.seq);
    expectEachOnce(
      count(beats.filter((b) => b.ts < secondStart)),
      Array.from({ length: left }, (_, i) => i),
    );
    expectEachOnce(
      count(beats.filter((b) => b.ts >= secondStart)),
      Array.from({ length: more }, (_, i) => i),
    );
  });

  it('at its disk bound thins old heartbeats, keeps every broadcast, and accounts for each message', async () => {
    const a = await agent({
      outbox: { maxMb: 0.008, segmentKb: 4, replayPerS: 1000, window: WINDOW, fsyncMs: 0 },
    });
    await a.start();
    proxy.cut();
    await until(() => !a.stats().online);
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < 5; i++) {
      await a.publishBroadcast({
        id: `k-${i}`,
        start: start + i,
        end: start + i + 1000,
        priority: 'emergency',
        source: 'provincial',
        status: 'completed',
      });
      await until(() => a.stats().heartbeats >= (i + 1) * 25, 5_000);
    }
    expect(a.outboxStats().thinned).toBeGreaterThan(0);
    expect(a.outboxStats().bytes).toBeLessThanOrEqual(0.008 * 1024 * 1024);
    proxy.restore();
    await until(() => a.stats().online && a.stats().pending === 0, 5_000);
    await a.stop();
    const { heartbeats } = a.stats();
    const { thinned } = a.outboxStats();
    await recorder.until(() => arrived('broadcast').length >= 5, 5_000);
    // Every heartbeat built is either at the broker or was thinned (none dropped: there was room to thin).
    const seqs = new Set(arrived('heartbeat').map((h) => h.seq as number));
    expect(a.stats().dropped).toBe(0);
    expect(seqs.size + thinned).toBe(heartbeats);
    expect(seqs.has(heartbeats - 1)).toBe(true);
    expectEachOnce(
      arrived('broadcast').map((b) => Number(String(b.id).slice(2))),
      [0, 1, 2, 3, 4],
    );
  }, 20_000);

  it('falls back to the next broker when the first cannot be reached', async () => {
    proxy.cut(); // the first broker hangs up on every connection
    const a = await agent({ fallbackBrokerUrls: [broker.url] });
    await a.start();
    await until(() => a.stats().online, 5_000);
    await recorder.until(() => arrived('heartbeat').length >= 1);
  });

  it('is not confused by the clock jumping backwards and forwards: order is by outbox, ts as stamped', async () => {
    let offset = 0;
    const a = await agent({ clock: () => Date.now() + offset });
    await a.start();
    await recorder.until(() => arrived('heartbeat').length >= 5);
    proxy.cut();
    await until(() => !a.stats().online);
    offset = -3_600_000; // an hour back (NTP correcting a clock that ran ahead)
    await until(() => a.stats().heartbeats >= 20, 5_000);
    offset = 86_400_000; // a day forward
    await until(() => a.stats().heartbeats >= 35, 5_000);
    offset = 0;
    proxy.restore();
    await until(() => a.stats().online && a.stats().pending === 0, 10_000);
    const total = a.stats().heartbeats;
    await recorder.until(() => new Set(arrived('heartbeat').map((h) => h.seq)).size >= total, 5_000);
    // The agent keeps beating while this reads: heartbeats made after `total` was taken are not judged.
    const beats = (arrived('heartbeat') as { seq: number; ts: number }[]).filter((b) => b.seq < total);
    expectEachOnce(
      beats.map((b) => b.seq),
      Array.from({ length: total }, (_, i) => i),
    );
    const ts = beats.map((b) => b.ts);
    const now = Date.now();
    expect(ts.some((t) => t < now - 3_000_000)).toBe(true);
    expect(ts.some((t) => t > now + 80_000_000)).toBe(true);
  });

  it('holds what it stamps while the clock is at 1970, then stamps it with its real time: nothing lost', async () => {
    const testStart = Date.now();
    let set = false;
    // A box without RTC: 1970 plus the time since boot, until NTP sets the clock.
    const a = await agent({ clock: () => (set ? Date.now() : 5_000 + Math.round(performance.now())) });
    await a.start();
    await until(() => a.outboxStats().held >= 10);
    await a.publishEvent({ type: 'reboot' });
    // A time the playout software stamped with the unset clock is refused with the reason.
    await expect(a.publishEvent({ type: 'tamper', ts: 60_000 })).rejects.toThrow(/ts: 1970-.*not set/);
    await until(() => a.outboxStats().held >= 20);
    expect(a.stats()).toMatchObject({ online: false, connects: 0 });
    expect(recorder.messages).toEqual([]);

    set = true;
    await until(() => a.stats().online && a.outboxStats().held === 0 && a.stats().pending === 0);
    const setAt = Date.now();
    const total = a.stats().heartbeats;
    await recorder.until(() => new Set(arrived('heartbeat').map((h) => h.seq)).size >= total);
    // The agent keeps beating while this reads: heartbeats made after `total` was taken are not judged.
    const beats = (arrived('heartbeat') as { seq: number; ts: number }[]).filter((b) => b.seq < total);
    expectEachOnce(
      beats.map((b) => b.seq),
      Array.from({ length: total }, (_, i) => i),
    );
    // Stamped with when they were made: in order, between the start of the test and the clock being set.
    const ts = [...beats].sort((x, y) => x.seq - y.seq).map((b) => b.ts);
    expect(ts).toEqual([...ts].sort((x, y) => x - y));
    expect(ts[0]).toBeGreaterThanOrEqual(testStart);
    const events = arrived('event') as { type: string; ts: number }[];
    expect(events.map((e) => e.type)).toEqual(['reboot']);
    for (const m of recorder.messages) {
      const { ts: time } = m.payload as { ts?: number };
      if (time !== undefined) expect(time, m.topic).toBeGreaterThanOrEqual(testStart);
      if (time !== undefined) expect(time, m.topic).toBeLessThanOrEqual(setAt);
    }
  });

  it('drops backlog older than outbox.maxAgeDays unsent, counted and logged, and sends the rest', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'loa-agent-outbox-'));
    dirs.push(dataDir);
    const day = 86_400_000;
    const now = Date.now();
    const outbox = createDiskOutbox({ dataDir, maxBytes: 1 << 20, segmentBytes: 4096, fsyncMs: 0, logger });
    await outbox.open();
    const beat = (seq: number, ts: number) =>
      Buffer.from(JSON.stringify({ v: 1, ts, seq, uptime_s: 1, power: 'mains', amp: 'on' }));
    // Forty days offline: the first days are past the platform's 30-day retention.
    for (let i = 0; i < 40; i++) outbox.append('heartbeat', beat(1000 + i, now - (40 - i) * day - 60_000));
    outbox.append(
      'broadcast',
      Buffer.from(
        JSON.stringify({
          v: 1,
          id: 'old',
          start: now - 35 * day,
          end: now - 35 * day + 60_000,
          priority: 'normal',
          source: 'national',
          status: 'completed',
        }),
      ),
    );
    outbox.append('event', Buffer.from(JSON.stringify({ v: 1, ts: now - day, type: 'power_lost' })));
    await outbox.close();

    const lines: string[] = [];
    const a = await agent({
      dataDir,
      heartbeatS: 60,
      logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }),
    });
    await a.start();
    await until(() => a.stats().online && a.stats().pending === 0);
    // 1000–1010 are more than 30 days old, and so is the broadcast.
    expect(a.outboxStats().expired).toBe(11 + 1);
    await recorder.until(() => arrived('event').length === 1);
    const seqs = new Set(arrived('heartbeat').map((h) => h.seq as number));
    expect([...seqs].filter((s) => s >= 1000).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 29 }, (_, i) => 1011 + i),
    );
    expect(arrived('broadcast')).toEqual([]);
    await until(() => lines.some((l) => l.includes('older than the platform keeps')));
    expect(JSON.parse(lines.find((l) => l.includes('older than the platform keeps')) ?? '{}')).toMatchObject({
      expired: 12,
      total_expired: 12,
      max_age_days: 30,
    });
  });
});
