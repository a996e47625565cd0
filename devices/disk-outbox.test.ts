import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDiskOutbox,
  createMemoryOutbox,
  OutboxFullError,
  type Outbox,
  type OutboxRecord,
  type QueuedChannel,
} from './index.js';
import { tempDirs } from '../test/temp-dirs.js';

const logger = pino({ level: 'silent' });
const { make: tempDir, removeAll: removeTempDirs } = tempDirs('loa-outbox-');
const open: Outbox[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
  await removeTempDirs();
});

async function outbox(dataDir: string, overrides: { maxBytes?: number; segmentBytes?: number } = {}) {
  const o = createDiskOutbox({
    dataDir,
    maxBytes: 1 << 20,
    segmentBytes: 4096,
    fsyncMs: 0,
    logger,
    ...overrides,
  });
  await o.open();
  open.push(o);
  return o;
}

/** A payload of exactly 100 bytes naming its channel and number. */
function body(channel: QueuedChannel, n: number): Buffer {
  return Buffer.from(JSON.stringify({ c: channel, n }).padEnd(100, ' '));
}

/** The next record to send; a test that expects one fails here if there is none. */
function take(o: Outbox, from = 0, below = Infinity): OutboxRecord {
  const record = o.take(from, below);
  if (!record) throw new Error('no record to take');
  return record;
}

function drain(o: Outbox): { channel: string; n: number }[] {
  const out: { channel: string; n: number }[] = [];
  for (let r = o.take(0, Infinity); r; r = o.take(0, Infinity)) {
    const parsed = JSON.parse(r.payload.toString()) as { c: string; n: number };
    out.push({ channel: parsed.c, n: parsed.n });
    o.ack(r.seq);
  }
  return out;
}

describe('disk outbox', () => {
  it('keeps what was appended across an unclean end (no close), minus what was acknowledged', async () => {
    const dir = await tempDir();
    const first = await outbox(dir);
    for (let n = 0; n < 100; n++) first.append('heartbeat', body('heartbeat', n));
    for (let i = 0; i < 30; i++) first.ack(take(first).seq);
    // As after a SIGKILL: the first instance is never closed before the next opens the same folder.
    const second = await outbox(dir);
    expect(second.stats().records).toBe(70);
    expect(drain(second).map((r) => r.n)).toEqual(Array.from({ length: 70 }, (_, i) => i + 30));
    expect(second.nextSeq()).toBe(100);
  });

  it('deletes segments once everything in them is acknowledged', async () => {
    const dir = await tempDir();
    const o = await outbox(dir, { segmentBytes: 1024 });
    for (let n = 0; n < 50; n++) o.append('heartbeat', body('heartbeat', n));
    const segments = async () => (await readdir(join(dir, 'outbox'))).filter((f) => f.endsWith('.seg'));
    expect((await segments()).length).toBeGreaterThan(5);
    drain(o);
    expect(await segments()).toHaveLength(1); // the one being written
    expect(o.stats()).toMatchObject({ records: 0 });
    expect(o.stats().bytes).toBeLessThan(1024);
  });

  it('skips a torn last record and a damaged one in the middle, and keeps all the others', async () => {
    const dir = await tempDir();
    const first = await outbox(dir);
    for (let n = 0; n < 10; n++) first.append('event', body('event', n));
    const [segment] = (await readdir(join(dir, 'outbox'))).filter((f) => f.endsWith('.seg'));
    const file = join(dir, 'outbox', segment ?? 'missing');
    const data = await readFile(file);
    const frame = data.length / 10;
    const damaged = frame * 4 + 30; // in record 4's payload: its CRC fails
    data.writeUInt8(data.readUInt8(damaged) ^ 0xff, damaged);
    await writeFile(file, data);
    // A record cut short by a power cut while it was being written.
    await appendFile(file, data.subarray(0, frame - 7));

    const second = await outbox(dir);
    expect(second.stats()).toMatchObject({ records: 9, corrupt: 1 });
    expect(drain(second).map((r) => r.n)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    // And it goes on: new records after the damaged file are kept and numbered after the old ones.
    second.append('event', body('event', 10));
    const third = await outbox(dir);
    expect(drain(third).map((r) => r.n)).toEqual([10]);
  });

  it('starts from an unreadable acknowledgement cursor by resending what is on disk', async () => {
    const dir = await tempDir();
    const first = await outbox(dir);
    for (let n = 0; n < 5; n++) first.append('heartbeat', body('heartbeat', n));
    first.ack(take(first).seq);
    await writeFile(join(dir, 'outbox', 'acked'), 'garbage!!!!!');
    const second = await outbox(dir);
    expect(drain(second).map((r) => r.n)).toEqual([0, 1, 2, 3, 4]);
  });

  it('at its bound thins the oldest heartbeats, keeps broadcasts and events, then refuses', async () => {
    const dir = await tempDir();
    // Frames are 117 bytes: about 34 fit in 4000 bytes.
    const o = await outbox(dir, { maxBytes: 4000, segmentBytes: 1000 });
    const accepted: { channel: QueuedChannel; n: number }[] = [];
    for (let n = 0; n < 100; n++) {
      const channel: QueuedChannel = n % 10 === 0 ? 'broadcast' : n % 10 === 5 ? 'event' : 'heartbeat';
      if (o.append(channel, body(channel, n)) !== undefined) accepted.push({ channel, n });
    }
    expect(o.stats().bytes).toBeLessThanOrEqual(4000);
    expect(o.stats().thinned).toBeGreaterThan(0);
    const left = drain(o);
    // Every broadcast and event is still there, in order, and the newest heartbeats are all kept.
    expect(left.filter((r) => r.channel !== 'heartbeat').map((r) => r.n)).toEqual(
      Array.from({ length: 20 }, (_, i) => i * 5),
    );
    expect(left.filter((r) => r.channel === 'heartbeat').map((r) => r.n)).toContain(99);
    expect(left.map((r) => r.n)).toEqual([...left.map((r) => r.n)].sort((a, b) => a - b));
    expect(left.length + o.stats().thinned).toBe(accepted.length);

    // Only broadcasts left to keep: a full outbox refuses the next one with a reason.
    const full = await outbox(await tempDir(), { maxBytes: 1000, segmentBytes: 500 });
    for (let n = 0; n < 8; n++) full.append('broadcast', body('broadcast', n));
    expect(() => full.append('broadcast', body('broadcast', 8))).toThrow(OutboxFullError);
    expect(full.append('heartbeat', body('heartbeat', 9))).toBeUndefined();
  });

  it('hands out records in order, never one in flight twice, and releases them on failure', async () => {
    const o = await outbox(await tempDir());
    for (let n = 0; n < 3; n++) o.append('heartbeat', body('heartbeat', n));
    const a = take(o);
    const b = take(o);
    expect([a.seq, b.seq]).toEqual([0, 1]);
    o.release(a.seq);
    expect(take(o).seq).toBe(0);
    expect(o.take(0, 2)).toBeUndefined(); // 0 and 1 in flight, 2 outside the range
    expect(take(o, 2).seq).toBe(2);
  });
});

describe('memory outbox', () => {
  it('is bounded by a record count and thins heartbeats first', () => {
    const o = createMemoryOutbox({ maxRecords: 10 });
    for (let n = 0; n < 3; n++) o.append('event', body('event', n));
    for (let n = 3; n < 30; n++) o.append('heartbeat', body('heartbeat', n));
    expect(o.stats().records).toBeLessThanOrEqual(10);
    const left = drain(o);
    expect(left.slice(0, 3).map((r) => r.channel)).toEqual(['event', 'event', 'event']);
    expect(left.at(-1)).toEqual({ channel: 'heartbeat', n: 29 });
  });
});
