// The ingest's own decisions, with a scripted writer standing in for InfluxDB (what a real server does
// with these requests is covered by the integration tests against influxd): retries, refusals, the
// safety net for a pipeline bug.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { InfluxWriteError, type PointWriter } from '../influx/index.js';
import type { Inventory } from '../protocol/index.js';
import { recordingLogger, silentLogger, type LogEntry } from '../runtime/index.js';
import { eventually } from '../test/wait.js';
import { testInventory, topicOf } from '../test/fixtures/province.js';
import { createIngest, type IngestOptions } from './service.js';

let inventory: Inventory;
let dir: string;
beforeAll(async () => {
  inventory = await testInventory();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-ingest-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NOW = Date.now();
const heartbeat = (seq: number) =>
  Buffer.from(JSON.stringify({ v: 1, ts: NOW - 1000 + seq, seq, uptime_s: seq, power: 'mains', amp: 'on' }));

function scripted(answer: (lines: readonly string[]) => void): PointWriter & { stored: string[] } {
  const stored: string[] = [];
  return {
    stored,
    write(lines) {
      answer(lines);
      stored.push(...lines);
      return Promise.resolve();
    },
  };
}

function ingestWith(writer: PointWriter, options: Partial<IngestOptions> = {}) {
  return createIngest({
    inventory,
    writer,
    walDir: dir,
    logger: silentLogger(),
    flushIntervalMs: 10,
    selfMetricsIntervalMs: 0,
    ...options,
  });
}

it('retries a write that failed for a reason a retry can fix, and stores each point once', async () => {
  let failures = 2;
  const writer = scripted(() => {
    if (failures-- > 0) throw new InfluxWriteError('503', { status: 503, retryable: true, retryAfterMs: 5 });
  });
  const ingest = ingestWith(writer);
  await ingest.start();
  for (let i = 1; i <= 10; i++) ingest.accept(topicOf('vinh-an-c01', 'heartbeat'), heartbeat(i));
  await ingest.idle();
  expect(writer.stored).toHaveLength(10);
  expect(ingest.stats()).toMatchObject({ written: 10, storageRefused: 0 });
  await ingest.stop();
});

it('a line InfluxDB refuses for good is isolated; the rest of its batch is stored', async () => {
  const writer = scripted((lines) => {
    if (lines.some((l) => l.includes('seq=3i'))) {
      throw new InfluxWriteError('400 field type conflict', { status: 400, retryable: false });
    }
  });
  const ingest = ingestWith(writer);
  await ingest.start();
  for (let i = 1; i <= 8; i++) ingest.accept(topicOf('vinh-an-c01', 'heartbeat'), heartbeat(i));
  await ingest.idle();
  expect(writer.stored.map((l) => /seq=(\d+)i/.exec(l)?.[1])).toEqual(['1', '2', '4', '5', '6', '7', '8']);
  expect(ingest.stats().storageRefused).toBe(1);
  await ingest.stop();
});

it('a bug that makes the pipeline throw turns the message into a counted reject, not a refused publish', async () => {
  const broken = Object.create(inventory) as Inventory;
  broken.device = () => {
    throw new Error('boom');
  };
  const writer = scripted(() => undefined);
  const ingest = ingestWith(writer, { inventory: broken });
  await ingest.start();
  expect(() => {
    ingest.accept(topicOf('vinh-an-c01', 'heartbeat'), heartbeat(1));
  }).not.toThrow();
  await ingest.idle();
  expect(ingest.stats().rejectedByReason.internal_error).toBe(1);
  expect(writer.stored[0]).toMatch(/^reject,reason=internal_error detail="boom"/);
  await ingest.stop();
});

it('what was accepted but not written before a stop is written after the next start', async () => {
  const down = scripted(() => {
    throw new InfluxWriteError('connection refused', { retryable: true, code: 'ECONNREFUSED' });
  });
  const first = ingestWith(down);
  await first.start();
  for (let i = 1; i <= 5; i++) first.accept(topicOf('vinh-an-c01', 'heartbeat'), heartbeat(i));
  await first.stop({ drainMs: 50 });
  const up = scripted(() => undefined);
  const second = ingestWith(up);
  await second.start();
  await second.idle();
  expect(up.stored).toHaveLength(5);
  await second.stop();
});

it('hands every accepted message to its observer, in order, and a throwing observer blocks nothing', async () => {
  const seen: string[] = [];
  const writer = scripted(() => undefined);
  const ingest = ingestWith(writer, {
    onMessage: (device, channel, message, receivedAt) => {
      seen.push(`${device.device}/${channel}/${(message as { seq: number }).seq}@${receivedAt}`);
      throw new Error('observer bug');
    },
  });
  await ingest.start();
  ingest.accept(topicOf('vinh-an-c01', 'heartbeat'), heartbeat(1), NOW);
  ingest.accept(topicOf('vinh-an-c01', 'heartbeat'), Buffer.from('not json'), NOW);
  ingest.accept(topicOf('tan-lap-c01', 'heartbeat'), heartbeat(2), NOW + 1);
  await ingest.idle();
  await ingest.stop();
  expect(seen).toEqual([`vinh-an-c01/heartbeat/1@${NOW}`, `tan-lap-c01/heartbeat/2@${NOW + 1}`]);
  expect(writer.stored.filter((l) => l.startsWith('heartbeat,'))).toHaveLength(2);
});

it('logs a failed write with the whole error: its stack and its cause, not only the message', async () => {
  const entries: LogEntry[] = [];
  let failures = 1;
  const writer = scripted(() => {
    if (failures-- > 0) {
      throw new InfluxWriteError('connection refused', {
        retryable: true,
        retryAfterMs: 5,
        cause: new Error('connect ECONNREFUSED 127.0.0.1:8086'),
      });
    }
  });
  const ingest = ingestWith(writer, {
    logger: recordingLogger((entry) => entries.push(entry)),
  });
  await ingest.start();
  ingest.accept(topicOf('vinh-an-c01', 'heartbeat'), heartbeat(1));
  await ingest.idle();
  await ingest.stop();
  const failed = entries.find((e) => e.msg === 'InfluxDB write failed, retrying');
  expect(failed?.err).toMatchObject({
    type: 'InfluxWriteError',
    // pino's serialiser appends each cause's message to the error's own.
    message: 'connection refused: connect ECONNREFUSED 127.0.0.1:8086',
    stack: expect.stringContaining('service.test.ts') as unknown,
  });
});

it('stats(), /metrics and the self-metrics row read the same numbers, under their stable names', async () => {
  const writer = scripted(() => undefined);
  const ingest = ingestWith(writer, {
    instance: 'test',
    selfMetricsIntervalMs: 20,
  });
  await ingest.start();
  for (let i = 1; i <= 3; i++) ingest.accept(topicOf('vinh-an-c01', 'heartbeat'), heartbeat(i));
  ingest.accept(topicOf('vinh-an-c01', 'heartbeat'), Buffer.from('not json'));
  await ingest.idle();
  const rowOf = () => writer.stored.filter((l) => l.startsWith('ingest,instance=test ')).at(-1);
  await eventually(
    () => {
      expect(rowOf()).toMatch(/ received=4i,written=4i,/);
    },
    5000,
    10,
  );
  await ingest.stop();

  const stats = ingest.stats();
  expect(stats).toMatchObject({ received: 4, rejected: 1, accepted: { heartbeat: 3 } });
  const families = new Map(ingest.collect().map((f) => [f.name, f]));
  // The Prometheus names are documented and on dashboards: a rename must fail here.
  expect([...families.keys()]).toEqual([
    'loa_ingest_messages_received_total',
    'loa_ingest_messages_accepted_total',
    'loa_ingest_messages_rejected_total',
    'loa_ingest_messages_ignored_total',
    'loa_ingest_points_written_total',
    'loa_ingest_batches_written_total',
    'loa_ingest_write_errors_total',
    'loa_ingest_points_refused_by_storage_total',
    'loa_ingest_buffered_points',
    'loa_ingest_wal_pending_bytes',
    'loa_ingest_wal_segments',
    'loa_ingest_spilling',
    'loa_ingest_healthy',
    'loa_ingest_write_latency_p50_seconds',
    'loa_ingest_write_latency_p99_seconds',
    'loa_ingest_stored_delay_p99_seconds',
  ]);
  const sample = (name: string, label?: string) =>
    families.get(name)?.samples.find((s) => label === undefined || Object.values(s.labels ?? {})[0] === label)
      ?.value;
  expect(sample('loa_ingest_messages_received_total')).toBe(stats.received);
  expect(sample('loa_ingest_messages_accepted_total', 'heartbeat')).toBe(stats.accepted.heartbeat);
  expect(sample('loa_ingest_messages_rejected_total', 'invalid_json')).toBe(1);
  expect(sample('loa_ingest_points_written_total')).toBe(stats.written);
  expect(sample('loa_ingest_write_latency_p99_seconds')).toBe(stats.writeP99Ms / 1000);
  expect(rowOf()).toMatch(
    /^ingest,instance=test received=4i,written=4i,rejected=1i,buffered=\d+i,wal_pending_bytes=\d+i,/,
  );
});

it('waits between retries as its retry strategy says, counting the failures in a row', async () => {
  let failures = 3;
  const writer = scripted(() => {
    if (failures-- > 0) throw new InfluxWriteError('503', { status: 503, retryable: true });
  });
  const asked: number[] = [];
  const ingest = ingestWith(writer, {
    retry: {
      nextDelay(_error, failedAttempts) {
        asked.push(failedAttempts);
        return 1;
      },
    },
  });
  await ingest.start();
  ingest.accept(topicOf('vinh-an-c01', 'heartbeat'), heartbeat(1));
  await ingest.idle();
  await ingest.stop();
  expect(asked).toEqual([1, 2, 3]);
  expect(writer.stored).toHaveLength(1);
});
