import {
  closeSync,
  constants,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../runtime/index.js';
import { MAX_PAYLOAD_BYTES } from '../protocol/index.js';
import {
  allocFrame,
  checkFrame,
  crc32,
  FRAME_HEADER_BYTES as FRAME_HEADER,
  sealFrame,
} from '../runtime/index.js';
import {
  EntryQueue,
  OutboxFullError,
  QUEUED_CHANNELS,
  thinningVictims,
  type Entry,
  type Outbox,
  type OutboxRecord,
  type QueuedChannel,
} from './outbox.js';

// On-disk layout, under DATA/outbox/:
// - segments `NNNNNNNNNNNNNNNN.seg` (16 digits: the first seq written to it), appended to in order;
// - each record is a CRC frame (runtime/crc-frame.ts: u32 body length | u32 CRC-32 of the body | body)
//   whose body is f64 seq | u8 channel | payload. A frame that is cut short or fails its CRC is skipped on recovery, and the reader looks for
//   the next valid frame byte by byte, so a torn tail or a damaged record never blocks the start;
// - `acked`: f64 "every seq below this is acknowledged" | u32 CRC-32, rewritten in place after acks.
//   It is not synced on every ack: after a power cut it may lag, and the lagging records are sent again,
//   which storage absorbs (a point is keyed by device time).

const BODY_HEADER = 9;
const MAX_BODY = BODY_HEADER + MAX_PAYLOAD_BYTES;
const SEGMENT_NAME = /^(\d{16})\.seg$/;
const CURSOR_FILE = 'acked';

export interface DiskOutboxOptions {
  /** The agent's data directory; the outbox lives in its `outbox` folder. */
  dataDir: string;
  /** Bound on the outbox's bytes on disk; beyond it old heartbeats are thinned. */
  maxBytes: number;
  /** Size at which a segment is closed and a new one started. */
  segmentBytes: number;
  /** Interval of fdatasync for heartbeats (broadcasts and events are synced at once); 0 = never. */
  fsyncMs: number;
  logger: Logger;
}

interface Segment {
  first: number;
  path: string;
  fd: number;
  bytes: number;
  /** Records in it not yet acknowledged. */
  live: number;
}

interface DiskEntry extends Entry {
  segment: Segment;
  /** Where the payload starts in the segment file, and its length. */
  offset: number;
  length: number;
}

export function createDiskOutbox(options: DiskOutboxOptions): Outbox {
  return new DiskOutbox(options);
}

class DiskOutbox implements Outbox {
  private readonly dir: string;
  private readonly queue = new EntryQueue<DiskEntry>();
  private segments: Segment[] = [];
  private cursorFd = -1;
  private cursor = -1;
  private next = 0;
  private totalBytes = 0;
  private thinned = 0;
  private corrupt = 0;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DiskOutboxOptions) {
    this.dir = join(options.dataDir, 'outbox');
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const low = await this.readCursor();
    const names = (await readdir(this.dir)).filter((n) => SEGMENT_NAME.test(n)).sort();
    let maxSeq = -1;
    for (const [i, name] of names.entries()) {
      const path = join(this.dir, name);
      const data = await readFile(path);
      const segment: Segment = {
        first: Number(name.slice(0, 16)),
        path,
        fd: -1,
        bytes: data.length,
        live: 0,
      };
      const found = this.scan(data, segment, low, i === names.length - 1);
      maxSeq = Math.max(maxSeq, found);
      if (segment.live === 0) {
        await rm(path, { force: true });
        continue;
      }
      segment.fd = openSync(path, 'r');
      this.segments.push(segment);
      this.totalBytes += segment.bytes;
    }
    // Never below the cursor: a record numbered below it would be taken for acknowledged at the next start.
    this.next = Math.max(low, maxSeq + 1);
    this.startSegment();
    this.cursorFd = openSync(join(this.dir, CURSOR_FILE), constants.O_RDWR | constants.O_CREAT, 0o644);
    this.writeCursor();
    if (this.queue.size > 0) {
      this.options.logger.info({ records: this.queue.size, bytes: this.totalBytes }, 'outbox recovered');
    }
    if (this.options.fsyncMs > 0) {
      this.timer = setInterval(() => {
        this.sync();
      }, this.options.fsyncMs);
      this.timer.unref();
    }
  }

  append(channel: QueuedChannel, payload: Buffer): number | undefined {
    const frameBytes = FRAME_HEADER + BODY_HEADER + payload.length;
    while (this.totalBytes + frameBytes > this.options.maxBytes) {
      if (!this.makeRoom()) {
        if (channel === 'heartbeat') return undefined;
        throw new OutboxFullError(channel);
      }
    }
    let active = this.active();
    if (active.bytes > 0 && active.bytes + frameBytes > this.options.segmentBytes) {
      this.startSegment();
      active = this.active();
    }
    const seq = this.next;
    const frame = encodeFrame(seq, channel, payload);
    try {
      writeAll(active.fd, frame);
    } catch (error) {
      // Disk full or failing: cut off a partial frame, so that the next append lands where the index says.
      ftruncateSync(active.fd, active.bytes);
      throw error;
    }
    // The seq is spent only once the bytes are written: a failed write (disk full) reuses it.
    this.next += 1;
    const entry: DiskEntry = {
      seq,
      channel,
      inFlight: false,
      acked: false,
      segment: active,
      offset: active.bytes + FRAME_HEADER + BODY_HEADER,
      length: payload.length,
    };
    active.bytes += frame.length;
    active.live += 1;
    this.totalBytes += frame.length;
    this.queue.push(entry);
    // Broadcasts and events are rare and cannot be measured again: on disk before they count as accepted.
    if (channel === 'heartbeat') this.dirty = true;
    else fdatasyncSync(active.fd);
    return seq;
  }

  take(from: number, below: number): OutboxRecord | undefined {
    const entry = this.queue.nextEligible(from, below);
    if (!entry) return undefined;
    entry.inFlight = true;
    return { seq: entry.seq, channel: entry.channel, payload: this.readPayload(entry) };
  }

  release(seq: number): void {
    const entry = this.queue.find(seq);
    if (entry) entry.inFlight = false;
  }

  ack(seq: number): void {
    const entry = this.queue.ack(seq);
    if (!entry) return;
    const segment = entry.segment;
    segment.live -= 1;
    if (segment.live === 0 && segment !== this.active()) this.dropSegment(segment);
    this.writeCursor();
  }

  nextSeq(): number {
    return this.next;
  }

  stats() {
    return { records: this.queue.size, bytes: this.totalBytes, thinned: this.thinned, corrupt: this.corrupt };
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.dirty = true;
    this.sync();
    for (const segment of this.segments) closeSync(segment.fd);
    this.segments = [];
    if (this.cursorFd >= 0) closeSync(this.cursorFd);
    this.cursorFd = -1;
    return Promise.resolve();
  }

  /**
   * Reads the valid frames of one segment into the index and returns the largest seq seen. Damaged
   * bytes are skipped by searching for the next frame whose length and CRC check out.
   */
  private scan(data: Buffer, segment: Segment, low: number, last: boolean): number {
    let maxSeq = -1;
    let offset = 0;
    let damagedFrom = -1;
    const endDamage = (at: number) => {
      if (damagedFrom < 0) return;
      this.corrupt += 1;
      this.options.logger.warn(
        { file: segment.path, offset: damagedFrom, bytes: at - damagedFrom },
        'outbox: damaged bytes skipped',
      );
      damagedFrom = -1;
    };
    while (offset + FRAME_HEADER + BODY_HEADER <= data.length) {
      const frame = decodeFrame(data, offset);
      if (!frame) {
        if (damagedFrom < 0) damagedFrom = offset;
        offset += 1;
        continue;
      }
      endDamage(offset);
      maxSeq = Math.max(maxSeq, frame.seq);
      if (frame.seq >= low) {
        segment.live += 1;
        this.queue.push({
          seq: frame.seq,
          channel: frame.channel,
          inFlight: false,
          acked: false,
          segment,
          offset: offset + FRAME_HEADER + BODY_HEADER,
          length: frame.bodyLength - BODY_HEADER,
        });
      }
      offset += FRAME_HEADER + frame.bodyLength;
    }
    if (damagedFrom < 0 && offset < data.length) damagedFrom = offset;
    if (damagedFrom >= 0 && last) {
      // A record cut short by a crash while it was being appended: it was never accepted.
      this.options.logger.info(
        { file: segment.path, bytes: data.length - damagedFrom },
        'outbox: torn tail skipped',
      );
      damagedFrom = -1;
    }
    endDamage(data.length);
    return maxSeq;
  }

  /** Thins the oldest heartbeats; false when there is none left to thin. */
  private makeRoom(): boolean {
    for (const segment of this.segments) {
      const heartbeats: DiskEntry[] = [];
      for (const entry of this.queue.values()) {
        if (entry.segment === segment && entry.channel === 'heartbeat' && !entry.inFlight)
          heartbeats.push(entry);
      }
      if (heartbeats.length === 0) continue;
      if (segment === this.active()) {
        // The segment being written is rewritten only after it is closed; the new active one is empty.
        this.startSegment();
      }
      this.rewrite(segment, thinningVictims(heartbeats));
      return true;
    }
    return false;
  }

  /** Rewrites a closed segment without `victims`: to a temporary file, synced, renamed over the old one. */
  private rewrite(segment: Segment, victims: Set<DiskEntry>): void {
    const kept: DiskEntry[] = [];
    for (const entry of this.queue.values()) {
      if (entry.segment === segment && !victims.has(entry)) kept.push(entry);
    }
    const frames = kept.map((e) => encodeFrame(e.seq, e.channel, this.readPayload(e)));
    const temporary = `${segment.path}.tmp`;
    const fd = openSync(temporary, 'w', 0o644);
    try {
      for (const frame of frames) writeAll(fd, frame);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, segment.path);
    closeSync(segment.fd);
    segment.fd = openSync(segment.path, 'r');
    let offset = 0;
    for (const entry of kept) {
      entry.offset = offset + FRAME_HEADER + BODY_HEADER;
      offset += FRAME_HEADER + BODY_HEADER + entry.length;
    }
    this.totalBytes += offset - segment.bytes;
    segment.bytes = offset;
    this.queue.remove((e) => victims.has(e));
    this.thinned += victims.size;
    segment.live -= victims.size;
    this.options.logger.warn(
      { thinned: victims.size, total_thinned: this.thinned, bytes: this.totalBytes },
      'outbox full: oldest heartbeats thinned',
    );
    if (segment.live === 0) this.dropSegment(segment);
  }

  private startSegment(): void {
    const previous = this.segments.at(-1);
    if (previous) {
      fdatasyncSync(previous.fd);
      if (previous.live === 0) this.dropSegment(previous);
    }
    const path = join(this.dir, `${String(this.next).padStart(16, '0')}.seg`);
    // 'a+': appends at the end, reads anywhere (payloads are read back from disk to send them).
    const fd = openSync(path, 'a+', 0o644);
    this.segments.push({ first: this.next, path, fd, bytes: 0, live: 0 });
  }

  private active(): Segment {
    const active = this.segments.at(-1);
    if (!active) throw new Error('the outbox is not open');
    return active;
  }

  private dropSegment(segment: Segment): void {
    this.segments = this.segments.filter((s) => s !== segment);
    closeSync(segment.fd);
    unlinkSync(segment.path);
    this.totalBytes -= segment.bytes;
  }

  private readPayload(entry: DiskEntry): Buffer {
    const payload = Buffer.allocUnsafe(entry.length);
    let read = 0;
    while (read < entry.length) {
      const n = readSync(entry.segment.fd, payload, read, entry.length - read, entry.offset + read);
      if (n === 0) throw new Error(`${entry.segment.path}: record ${entry.seq} cut short`);
      read += n;
    }
    return payload;
  }

  private async readCursor(): Promise<number> {
    let data: Buffer;
    try {
      data = await readFile(join(this.dir, CURSOR_FILE));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    if (data.length >= 12 && crc32(data.subarray(0, 8)) === data.readUInt32LE(8)) {
      const low = data.readDoubleLE(0);
      if (Number.isSafeInteger(low) && low >= 0) return low;
    }
    // Unreadable: everything still on disk is sent again, which storage absorbs.
    this.options.logger.warn('outbox: acknowledgement cursor unreadable; resending what is on disk');
    return 0;
  }

  private writeCursor(): void {
    const low = this.queue.first()?.seq ?? this.next;
    if (low === this.cursor) return;
    this.cursor = low;
    const data = Buffer.allocUnsafe(12);
    data.writeDoubleLE(low, 0);
    data.writeUInt32LE(crc32(data.subarray(0, 8)), 8);
    writeSync(this.cursorFd, data, 0, 12, 0);
    this.dirty = true;
  }

  private sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      const active = this.segments.at(-1);
      if (active) fdatasyncSync(active.fd);
      if (this.cursorFd >= 0) fdatasyncSync(this.cursorFd);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'outbox: fdatasync failed');
    }
  }
}

function encodeFrame(seq: number, channel: QueuedChannel, payload: Buffer): Buffer {
  const frame = allocFrame(BODY_HEADER + payload.length);
  frame.writeDoubleLE(seq, FRAME_HEADER);
  frame.writeUInt8(QUEUED_CHANNELS.indexOf(channel), FRAME_HEADER + 8);
  payload.copy(frame, FRAME_HEADER + BODY_HEADER);
  return sealFrame(frame);
}

function decodeFrame(
  data: Buffer,
  offset: number,
): { seq: number; channel: QueuedChannel; bodyLength: number } | undefined {
  const frame = checkFrame(data, offset, data.length, BODY_HEADER, MAX_BODY);
  if (frame.kind !== 'frame') return undefined;
  const { bodyStart: start, bodyLength } = frame;
  const seq = data.readDoubleLE(start);
  const channel = QUEUED_CHANNELS[data.readUInt8(start + 8)];
  if (!Number.isSafeInteger(seq) || seq < 0 || channel === undefined) return undefined;
  return { seq, channel, bodyLength };
}

function writeAll(fd: number, data: Buffer): void {
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written, data.length - written);
}
