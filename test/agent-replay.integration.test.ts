// The edge agent's store-and-forward through the whole stack (embedded broker, ingest, InfluxDB): `loa
// agent` runs offline behind a cut TCP proxy, takes broadcasts and events from its tailed file, is
// killed with SIGKILL in the middle of its replay once the link is back, and is started again on the
// same data folder. InfluxDB ends with every accepted message exactly once.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { LocalStack } from '../cli/index.js';
import type { InfluxQl } from '../influx/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { SECRETS } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';
import { eventually } from './wait.js';
import { testStack } from './stack-helpers.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const influxUrl = inject('influxUrl');
const DEVICE = 'vinh-an-c01';
const RECORDS = 20; // broadcasts, and as many events
let dir: string;
let ql: InfluxQl & { database: string };
let stack: LocalStack;
let proxy: TcpProxy;
const children: LoaProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-agent-replay-'));
  ql = await freshDatabase(influxUrl, 'agent_replay');
  stack = await testStack({ influxUrl, database: ql.database, dir });
  const { brokerUrl } = await stack.start();
  const { hostname, port } = new URL(brokerUrl);
  proxy = await startTcpProxy({ host: hostname, port: Number(port) });
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await proxy.close();
  await stack.stop();
  await ql.dropDatabase(ql.database);
  ql.close();
  await rm(dir, { recursive: true, force: true });
});

async function startAgent(
  config: string,
): Promise<{ child: LoaProcess; url: string; status: () => Promise<Status> }> {
  const child = spawnLoa(['agent', '--config', config]);
  children.push(child);
  const [, url = ''] = await child.waitFor(/local endpoint (http:\/\/\S+)/);
  return {
    child,
    url,
    status: async () => (await (await fetch(`${url}/v1/status`)).json()) as Status,
  };
}

interface Status {
  online: boolean;
  session: number;
  heartbeats: number;
  acked: number;
  pending: number;
}

async function count(query: string): Promise<number[]> {
  const [series] = await ql.query(query);
  return (series?.values[0]?.slice(1) ?? []).map(Number);
}

it('a SIGKILL in the middle of the replay loses and duplicates nothing', async () => {
  const now = Date.now();
  const playout = join(dir, 'playout.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const start = now - 3_600_000 + i * 60_000;
    lines.push(
      JSON.stringify({
        channel: 'broadcast',
        id: `b-${i}`,
        start,
        end: start + 30_000,
        priority: 'normal',
        source: 'national',
        status: 'completed',
      }),
      JSON.stringify({ channel: 'event', type: 'tamper', ts: start + 1, detail: `e-${i}` }),
    );
  }
  await writeFile(playout, `${lines.join('\n')}\n`);
  const config = join(dir, 'agent.yaml');
  await writeFile(
    config,
    [
      `brokerUrl: ${proxy.url}`,
      `deviceId: ${DEVICE}`,
      `secret: ${SECRETS[DEVICE]}`,
      'province: an-giang',
      'commune: vinh-an',
      'kind: cluster',
      'hamlets: [an-hoa]',
      'heartbeatS: 0.05',
      `dataDir: ${join(dir, 'agent')}`,
      'reconnect: { minMs: 50, maxMs: 200 }',
      'connectTimeoutMs: 1000',
      'outbox: { replayPerS: 25, window: 8 }',
      `local: { httpPort: 0, tailFile: ${playout} }`,
      '',
    ].join('\n'),
  );

  // Offline: the link is cut from the start; heartbeats and the playout records pile up in the outbox.
  proxy.cut();
  const first = await startAgent(config);
  await eventually(async () => {
    expect((await first.status()).pending).toBeGreaterThanOrEqual(2 * RECORDS + 60);
  });
  proxy.restore();
  // Mid-replay: some acknowledged, much still waiting (25/s against more than 100 records).
  await eventually(
    async () => {
      expect((await first.status()).acked).toBeGreaterThanOrEqual(20);
    },
    30_000,
    20,
  );
  const killedAt = await first.status();
  expect(killedAt.pending).toBeGreaterThan(30);
  await first.child.kill('SIGKILL');

  const secondStart = Date.now();
  const second = await startAgent(config);
  // `loa agent log`, as playout software that runs a command would: one accepted, one refused with why.
  const log = spawnLoa([
    'agent',
    'log',
    '--url',
    second.url,
    JSON.stringify({ channel: 'event', type: 'amp_fault', ts: now, detail: 'e-cli' }),
    JSON.stringify({ channel: 'event', type: 'on_fire', ts: now }),
  ]);
  expect(await log.exit()).toBe(1);
  expect(log.output()).toMatch(/record 1: accepted\nrecord 2: refused: type: /);
  await eventually(async () => {
    const s = await second.status();
    expect(s.online && s.pending === 0 && s.heartbeats >= 10).toBe(true);
  }, 30_000);
  second.child.child.kill('SIGTERM');
  expect(await second.child.exit()).toBe(0);

  // Each run numbers its heartbeats from 0: a run with no gap and no repeat has count = distinct = max + 1.
  await eventually(async () => {
    const [n1, d1, max1] = await count(
      `SELECT count("seq"), count(distinct("seq")), max("seq") FROM "heartbeat" WHERE time < ${secondStart}ms`,
    );
    expect([n1, d1]).toEqual([(max1 ?? -2) + 1, (max1 ?? -2) + 1]);
    expect(n1).toBeGreaterThanOrEqual(60);
    const [n2, d2, max2] = await count(
      `SELECT count("seq"), count(distinct("seq")), max("seq") FROM "heartbeat" WHERE time >= ${secondStart}ms`,
    );
    expect([n2, d2]).toEqual([(max2 ?? -2) + 1, (max2 ?? -2) + 1]);
    expect(await count('SELECT count("duration_s"), count(distinct("id")) FROM "broadcast"')).toEqual([
      RECORDS,
      RECORDS,
    ]);
    expect(await count('SELECT count("count"), count(distinct("detail")) FROM "event"')).toEqual([
      RECORDS + 1,
      RECORDS + 1,
    ]);
  }, 30_000);
  // The second run's births came with a newer session, and it ended with a clean shutdown (written a
  // batch interval after the agent exited, hence the wait).
  await eventually(async () => {
    const [shutdown] = await ql.query(`SELECT last("reason"), last("session") FROM "presence"`);
    expect(shutdown?.values[0]?.slice(1)).toEqual(['shutdown', expect.any(Number)]);
    expect(Number(shutdown?.values[0]?.[2])).toBeGreaterThan(killedAt.session);
  }, 10_000);
});
