import { mkdtemp, readdir, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { comparePositions, Wal, WalFullError, type WalPosition, type WalRecord } from './wal.js';
import { recordingLogger, type LogEntry, type Logger } from '../runtime/index.js';
import { HEADER_BYTES, BODY_FIXED_BYTES, segmentFileName } from './wal-format.js';
import { WalLockedError } from './wal-lock.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-wal-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function recordBytes(topic: string, payload: Buffer): number {
  return HEADER_BYTES + BODY_FIXED_BYTES + Buffer.byteLength(topic) + payload.length;
}

/** Reads every record from `from` to the end, `batch` at a time. */
async function readAll(
  wal: Wal,
  from: WalPosition = { segment: 0, offset: 0 },
  batch = 1000,
): Promise<WalRecord[]> {
  const out: WalRecord[] = [];
  let pos = from;
  for (;;) {
    const { records, next } = await wal.read(pos, batch);
    if (records.length === 0) return out;
    out.push(...records);
    pos = next;
  }
}

async function segmentFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
}

/** Records the log's warnings: the fields of each and its message. */
function capturingLogger() {
  const warnings: { obj: LogEntry; msg: string | undefined }[] = [];
  const logger = recordingLogger((entry) => {
    if (entry.level === 'warn') warnings.push({ obj: entry, msg: entry.msg });
  });
  return Object.assign(logger, { warnings });
}

function appendNumbered(wal: Wal, count: number, topic = 'loa/v1/p/c/d/heartbeat'): WalRecord[] {
  const out: WalRecord[] = [];
  for (let i = 0; i < count; i++) {
    out.push(wal.append(topic, Buffer.from(`{"v":1,"n":${wal.nextSeq}}`), 1_700_000_000_000 + i));
  }
  return out;
}

describe('Wal', () => {
  it('accepts a pino logger', async () => {
    const logger: Logger = recordingLogger(() => undefined);
    const wal = await Wal.open({ dir, logger });
    await wal.close();
  });

  it('round-trips binary payloads and Vietnamese topics', async () => {
    const wal = await Wal.open({ dir });
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const messages: [string, Buffer][] = [
      ['loa/v1/quảng-trị/vĩnh-an/đài-một/state', all],
      ['loa/v1/p/c/d/event', Buffer.alloc(0)],
      ['Thông báo khẩn: bão số 3 đổ bộ', Buffer.from('Nghị định về phòng chống thiên tai ✓', 'utf8')],
      ['', Buffer.from([0, 0, 0, 0, 0xff, 0xfe])],
    ];
    const appended = messages.map(([topic, payload], i) => wal.append(topic, payload, 1_700_000_000_000 + i));
    expect(appended.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(wal.nextSeq).toBe(5);
    expect(wal.end).toEqual(appended[3]?.position);

    const { records, next } = await wal.read(wal.committed, 100);
    expect(next).toEqual(wal.end);
    expect(records).toHaveLength(4);
    for (const [i, r] of records.entries()) {
      const [topic, payload] = messages[i] ?? [];
      expect(r.seq).toBe(i + 1);
      expect(r.topic).toBe(topic);
      expect(r.payload.equals(payload ?? Buffer.alloc(1))).toBe(true);
      expect(r.receivedAt).toBe(1_700_000_000_000 + i);
      expect(r.position).toEqual(appended[i]?.position);
    }
    // Reading from a record's position resumes just after it, a few at a time.
    const rest = await wal.read(records[0]?.position ?? wal.end, 2);
    expect(rest.records.map((r) => r.seq)).toEqual([2, 3]);
    expect((await wal.read(rest.next, 10)).records.map((r) => r.seq)).toEqual([4]);
    expect(wal.stats()).toMatchObject({ segments: 1, bytes: wal.end.offset, pendingBytes: wal.end.offset });
    await wal.close();
  });

  it('reads only up to the end as it was when the read began', async () => {
    const wal = await Wal.open({ dir });
    appendNumbered(wal, 3);
    const reading = wal.read(wal.committed, 100);
    appendNumbered(wal, 2);
    const first = await reading;
    expect(first.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await wal.read(first.next, 100)).records.map((r) => r.seq)).toEqual([4, 5]);
    await expect(wal.read({ segment: 1, offset: wal.end.offset + 1 }, 1)).rejects.toThrow(RangeError);
    expect(() => {
      wal.commit({ segment: 2, offset: 0 });
    }).toThrow(RangeError);
    await wal.close();
  });

  it('rotates segments and reads across them', async () => {
    const wal = await Wal.open({ dir, segmentBytes: 500, readChunkBytes: 64 });
    const appended = appendNumbered(wal, 60);
    const files = await segmentFiles();
    expect(files.length).toBeGreaterThan(5);
    expect(files[0]).toBe(segmentFileName(1));
    expect(wal.stats().segments).toBe(files.length);
    for (const f of files) expect((await stat(join(dir, f))).size).toBeLessThanOrEqual(500);

    const records = await readAll(wal, wal.committed, 7);
    expect(records.map((r) => r.seq)).toEqual(appended.map((r) => r.seq));
    expect(records.map((r) => r.position)).toEqual(appended.map((r) => r.position));
    expect(new Set(records.map((r) => r.position.segment)).size).toBe(files.length);
    expect(records.map((r) => r.payload.toString())).toEqual(appended.map((r) => r.payload.toString()));

    // The end of a finished segment reads on in the next one.
    const lastOfFirst = records.filter((r) => r.position.segment === 1).at(-1);
    const after = await wal.read(lastOfFirst?.position ?? wal.end, 1);
    expect(after.records[0]?.position.segment).toBe(2);
    await wal.close();
  });

  it('deletes committed segments and resumes from the checkpoint with the same seqs', async () => {
    const first = await Wal.open({ dir, segmentBytes: 500 });
    const appended = appendNumbered(first, 50);
    const { records } = await first.read(first.committed, 30);
    const upTo = records[29]?.position ?? first.end;
    first.commit(upTo);
    await vi.waitFor(async () => {
      expect(await segmentFiles()).not.toContain(segmentFileName(1));
    });
    const remaining = await segmentFiles();
    expect(remaining[0]).toBe(segmentFileName(upTo.segment));
    expect(first.stats().segments).toBe(remaining.length);
    await first.close();

    const second = await Wal.open({ dir, segmentBytes: 500 });
    expect(second.committed).toEqual(upTo);
    expect(second.nextSeq).toBe(51);
    const replay = await readAll(second, second.committed);
    expect(replay.map((r) => r.seq)).toEqual(appended.slice(30).map((r) => r.seq));
    expect(replay.map((r) => r.payload.toString())).toEqual(
      appended.slice(30).map((r) => r.payload.toString()),
    );
    expect(second.append('t', Buffer.from('x'), 0).seq).toBe(51);
    await second.close();
  });

  it('continues the seqs when every segment is gone', async () => {
    const first = await Wal.open({ dir });
    appendNumbered(first, 10);
    first.commit(first.end);
    await first.close();
    for (const f of await segmentFiles()) await unlink(join(dir, f));

    const second = await Wal.open({ dir });
    expect(second.nextSeq).toBe(11);
    expect(second.append('t', Buffer.from('x'), 0).seq).toBe(11);
    expect((await readAll(second, second.committed)).map((r) => r.seq)).toEqual([11]);
    await second.close();
  });

  it('drops an empty last segment left by a crash right after a rotation', async () => {
    const first = await Wal.open({ dir, segmentBytes: 500 });
    appendNumbered(first, 20);
    const lastSegment = first.end.segment;
    await first.close();
    await rm(join(dir, 'checkpoint.json'));
    await writeFile(join(dir, segmentFileName(lastSegment + 1)), '');

    const second = await Wal.open({ dir, segmentBytes: 500 });
    expect(await segmentFiles()).not.toContain(segmentFileName(lastSegment + 1));
    expect(second.nextSeq).toBe(21);
    expect((await readAll(second)).map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await second.close();
  });

  it('truncates a torn last record at open and continues after the intact ones', async () => {
    const first = await Wal.open({ dir });
    const appended = appendNumbered(first, 10);
    await first.close();
    // As after a crash: no checkpoint, the last record cut short.
    await rm(join(dir, 'checkpoint.json'));
    const file = join(dir, segmentFileName(1));
    const size = (await stat(file)).size;
    await truncate(file, size - 5);

    const logger = capturingLogger();
    const second = await Wal.open({ dir, logger });
    const lastSize = recordBytes('loa/v1/p/c/d/heartbeat', appended[9]?.payload ?? Buffer.alloc(0));
    expect(second.stats().truncatedBytes).toBe(lastSize - 5);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]?.obj).toMatchObject({ offset: size - lastSize, bytes: lastSize - 5 });
    expect(second.end).toEqual(appended[8]?.position);
    expect(second.nextSeq).toBe(10);
    expect(second.append('again', Buffer.from('x'), 0).seq).toBe(10);

    const records = await readAll(second);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(records[9]?.topic).toBe('again');
    await second.close();
  });

  it('truncates at a corrupt CRC at open and never reuses a seq', async () => {
    const first = await Wal.open({ dir });
    const appended = appendNumbered(first, 10);
    await first.close();
    const file = join(dir, segmentFileName(1));
    const bytes = await readFile(file);
    const at = (appended[4]?.position.offset ?? 0) + 30; // inside record 6
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    await writeFile(file, bytes);

    const logger = capturingLogger();
    const second = await Wal.open({ dir, logger });
    expect(logger.warnings[0]?.obj).toMatchObject({
      reason: 'CRC mismatch',
      offset: appended[4]?.position.offset,
    });
    expect(second.end).toEqual(appended[4]?.position);
    // The checkpoint written at close remembers that seqs up to 10 were handed out.
    expect(second.nextSeq).toBe(11);
    appendNumbered(second, 2);
    expect((await readAll(second)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 11, 12]);
    await second.close();
  });

  it('skips the rest of an older segment that is corrupt, with a warning and a count', async () => {
    const first = await Wal.open({ dir, segmentBytes: 500 });
    const appended = appendNumbered(first, 40);
    await first.close();
    const inFirst = appended.filter((r) => r.position.segment === 1);
    const file = join(dir, segmentFileName(1));
    const bytes = await readFile(file);
    const at = (inFirst[1]?.position.offset ?? 0) + 2; // the length field of the third record
    bytes[at] = 0xff;
    await writeFile(file, bytes);

    const logger = capturingLogger();
    const second = await Wal.open({ dir, segmentBytes: 500, logger });
    expect(logger.warnings).toHaveLength(0);
    const records = await readAll(second);
    const expected = appended.filter((r) => r.position.segment !== 1 || r.seq <= 2).map((r) => r.seq);
    expect(records.map((r) => r.seq)).toEqual(expected);
    expect(second.stats().corruptions).toBe(1);
    expect(logger.warnings[0]?.obj).toMatchObject({ file, offset: inFirst[1]?.position.offset });
    await second.close();
  });

  it('throws WalFullError at the disk bound and accepts again once a segment is committed', async () => {
    const payload = Buffer.alloc(74, 1);
    const size = recordBytes('t', payload); // 101 bytes
    const wal = await Wal.open({ dir, segmentBytes: 4 * size, maxBytes: 10 * size, checkpointIntervalMs: 0 });
    for (let i = 0; i < 10; i++) wal.append('t', payload, i);
    let error: unknown;
    try {
      wal.append('t', payload, 10);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WalFullError);
    expect(error).toMatchObject({ retryable: true, bytes: 10 * size, maxBytes: 10 * size });
    expect(wal.nextSeq).toBe(11);

    const { records } = await wal.read(wal.committed, 5);
    wal.commit(records[4]?.position ?? wal.end);
    await vi.waitFor(() => {
      expect(wal.stats().bytes).toBe(6 * size);
    });
    expect(wal.stats().pendingBytes).toBe(5 * size);
    expect(wal.append('t', payload, 10).seq).toBe(11);
    await wal.close();
  });

  it('keeps the committed position monotonic and comparable', async () => {
    const wal = await Wal.open({ dir, segmentBytes: 200 });
    const appended = appendNumbered(wal, 10);
    const fifth = appended[4]?.position ?? wal.end;
    wal.commit(fifth);
    wal.commit(appended[1]?.position ?? wal.end);
    expect(comparePositions(wal.committed, fifth)).toBeGreaterThanOrEqual(0);
    expect((await readAll(wal, wal.committed)).map((r) => r.seq)).toEqual([6, 7, 8, 9, 10]);
    await wal.close();
  });

  it('refuses to work after close', async () => {
    const wal = await Wal.open({ dir });
    await wal.close();
    await wal.close();
    expect(() => wal.append('t', Buffer.alloc(0), 0)).toThrow(/closed/);
  });
});

describe('one process at a time', () => {
  it('a second open of the same folder is refused while the first is open, and allowed after close', async () => {
    const first = await Wal.open({ dir });
    await expect(Wal.open({ dir })).rejects.toThrow(WalLockedError);
    await first.close();
    const second = await Wal.open({ dir });
    await second.close();
  });

  it('a lock left by a process that is gone is taken over', async () => {
    await writeFile(join(dir, 'LOCK'), '999999999\n');
    const wal = await Wal.open({ dir });
    await wal.close();
  });
});
