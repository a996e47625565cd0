import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, type Agent, type AgentOptions } from './index.js';
import { startRecorder, startTestBroker, waitUntil, type Recorder, type TestBroker } from './test-broker.js';
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
    await waitUntil(() => !a.stats().online);
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
    await waitUntil(() => a.stats().pending >= 150, 10_000);
    const backlogEnd = a.stats().heartbeats;

    proxy.restore();
    await waitUntil(() => a.stats().online, 5_000);
    // 150 and more records at 100/s: a good second of replay, while live heartbeats go out at 50/s.
    await waitUntil(() => a.stats().pending === 0, 20_000);
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
    await waitUntil(() => first.stats().heartbeats >= 30, 5_000);
    await first.stop();
    const left = first.stats().heartbeats;
    const dataDir = dirs.at(-1) ?? '';
    proxy.restore();

    const secondStart = Date.now();
    const second = await agent({ dataDir });
    await second.start();
    await waitUntil(() => second.stats().pending === 0 && second.stats().heartbeats >= 5, 10_000);
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
    await waitUntil(() => !a.stats().online);
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
      await waitUntil(() => a.stats().heartbeats >= (i + 1) * 25, 5_000);
    }
    expect(a.outboxStats().thinned).toBeGreaterThan(0);
    expect(a.outboxStats().bytes).toBeLessThanOrEqual(0.008 * 1024 * 1024);
    proxy.restore();
    await waitUntil(() => a.stats().online && a.stats().pending === 0, 5_000);
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
    await waitUntil(() => a.stats().online, 5_000);
    await recorder.until(() => arrived('heartbeat').length >= 1);
  });

  it('is not confused by the clock jumping backwards and forwards: order is by outbox, ts as stamped', async () => {
    let offset = 0;
    const a = await agent({ clock: () => Date.now() + offset });
    await a.start();
    await recorder.until(() => arrived('heartbeat').length >= 5);
    proxy.cut();
    await waitUntil(() => !a.stats().online);
    offset = -3_600_000; // an hour back (NTP correcting a clock that ran ahead)
    await waitUntil(() => a.stats().heartbeats >= 20, 5_000);
    offset = 86_400_000; // a day forward
    await waitUntil(() => a.stats().heartbeats >= 35, 5_000);
    offset = 0;
    proxy.restore();
    await waitUntil(() => a.stats().online && a.stats().pending === 0, 10_000);
    const total = a.stats().heartbeats;
    await recorder.until(() => new Set(arrived('heartbeat').map((h) => h.seq)).size >= total, 5_000);
    const beats = arrived('heartbeat') as { seq: number; ts: number }[];
    expectEachOnce(
      beats.map((b) => b.seq),
      Array.from({ length: total }, (_, i) => i),
    );
    const ts = beats.map((b) => b.ts);
    const now = Date.now();
    expect(ts.some((t) => t < now - 3_000_000)).toBe(true);
    expect(ts.some((t) => t > now + 80_000_000)).toBe(true);
  });
});
