import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, createLocalHttp, createTail, type Agent, type LocalHttp, type Tail } from './index.js';
import { startRecorder, startTestBroker, type Recorder, type TestBroker } from '../test/test-broker.js';

// The local ways in for the playout software, against a real agent and broker.

const logger = pino({ level: 'silent' });
const DEVICE = 'vinh-an-station';
const T = Date.now() - 3_600_000;

let broker: TestBroker;
let recorder: Recorder;
let agent: Agent;
let dir: string;
const closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  broker = await startTestBroker();
  recorder = await startRecorder(broker.url);
  dir = await mkdtemp(join(tmpdir(), 'loa-local-'));
  agent = createAgent({
    brokerUrl: broker.url,
    deviceId: DEVICE,
    secret: 's',
    province: 'an-giang',
    commune: 'vinh-an',
    kind: 'station',
    heartbeatS: 60,
    dataDir: dir,
    logger,
  });
  await agent.start();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await agent.stop();
  await recorder.close();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

const broadcast = (id: string, extra: object = {}) => ({
  channel: 'broadcast',
  id,
  start: T,
  end: T + 60_000,
  priority: 'normal',
  source: 'commune',
  status: 'completed',
  ...extra,
});

const ids = () => recorder.on(DEVICE, 'broadcast').map((m) => m.payload.id);

describe('local HTTP endpoint', () => {
  it('accepts valid records, refuses bad ones with the schema reason, and reports status', async () => {
    const http: LocalHttp = createLocalHttp({ agent, port: 0, logger });
    const port = await http.start();
    closers.push(() => http.close());
    const post = (body: string) => fetch(`http://127.0.0.1:${port}/v1/records`, { method: 'POST', body });

    const ok = await post(JSON.stringify(broadcast('b-1')));
    expect(ok.status).toBe(202);
    const lines = [
      JSON.stringify({ channel: 'event', type: 'tamper', ts: T }),
      JSON.stringify(broadcast('b-2', { end: T - 1 })),
      '{not json',
      JSON.stringify({ channel: 'heartbeat' }),
    ].join('\n');
    const mixed = await post(lines);
    expect(mixed.status).toBe(400);
    const { results } = (await mixed.json()) as { results: { ok: boolean; error?: string }[] };
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false]);
    expect(results[1]?.error).toMatch(/^end: /);
    expect(results[2]?.error).toMatch(/not JSON/);
    expect(results[3]?.error).toMatch(/^channel: /);

    await recorder.until(() => recorder.on(DEVICE, 'event').length === 1);
    expect(ids()).toEqual(['b-1']);
    const status = (await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json()) as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({ online: true, refused: 1, outbox: { corrupt: 0 } });
  });

  it('refuses a record older than the platform keeps, with the reason, instead of accepting it', async () => {
    const http: LocalHttp = createLocalHttp({ agent, port: 0, logger });
    const port = await http.start();
    closers.push(() => http.close());
    // The example of docs/agent.md: a playout log of June 2025, far beyond the 30 days kept.
    const june = Date.UTC(2025, 5, 1, 5);
    const res = await fetch(`http://127.0.0.1:${port}/v1/records`, {
      method: 'POST',
      body: [
        JSON.stringify(broadcast('old', { start: june, end: june + 60_000 })),
        JSON.stringify({ channel: 'event', type: 'tamper', ts: june }),
      ].join('\n'),
    });
    expect(res.status).toBe(400);
    const { results } = (await res.json()) as { results: { ok: boolean; error?: string }[] };
    const why = 'is older than the platform keeps (30 days): it would never be stored';
    expect(results.map((r) => [r.ok, r.error])).toEqual([
      [false, `start: 2025-06-01T05:00:00.000Z ${why}`],
      [false, `ts: 2025-06-01T05:00:00.000Z ${why}`],
    ]);
  });
});

describe('tailed JSON-lines file', () => {
  it('sends each line once across restarts, skips bad lines, and follows a rotated file', async () => {
    const file = join(dir, 'playout.jsonl');
    const stateFile = join(dir, 'tail.json');
    const tail = (): Tail => {
      const t = createTail({ file, stateFile, pollMs: 20, agent, logger });
      closers.push(() => t.close());
      return t;
    };
    await writeFile(
      file,
      `${JSON.stringify(broadcast('t-1'))}\nnot json\n${JSON.stringify(broadcast('t-2'))}\n`,
    );
    await tail().start();
    // Half a line: not read until its newline arrives.
    await appendFile(file, JSON.stringify(broadcast('t-3')).slice(0, 20));
    await recorder.until(() => ids().length === 2);
    await closers.pop()?.();

    await appendFile(file, `${JSON.stringify(broadcast('t-3')).slice(20)}\n`);
    await tail().start();
    await recorder.until(() => ids().length === 3);
    // Rotated: a new file in its place is read from its start.
    await rm(file);
    await writeFile(file, `${JSON.stringify(broadcast('t-4'))}\n`);
    await recorder.until(() => ids().length === 4);
    expect(ids()).toEqual(['t-1', 't-2', 't-3', 't-4']);
  });
});
