// The ingest's write-ahead log: every message the broker is about to acknowledge is appended here first,
// synchronously, so that nothing a device was told is delivered can be lost (docs/design.md#facts-worth-keeping-at-hand: acknowledging late
// throttles mqtt.js to a few messages a second; a synchronous local append does not).
//
// - append() is one writeSync: once it returns the kernel has the bytes, and a SIGKILL loses nothing.
//   An fdatasync on an interval bounds what a power loss can take.
// - The writer loop read()s records back, stores them in InfluxDB, then commit()s the position. A
//   checkpoint file remembers it; on start-up everything after it is replayed. Storage is idempotent
//   (docs/protocol.md), so a replay is harmless.
// - The log is also the spill: while InfluxDB is down the reader stops taking records into memory and the
//   log grows on disk, up to maxBytes, where append throws WalFullError.
//
// Files in `dir`: segments `00000001.wal`, `00000002.wal`, ... (format in wal-format.ts) and
// `checkpoint.json`, and `LOCK`: one process at a time may open a directory, which open() enforces with
// lockDir (wal-lock.ts; a lock left by a process that no longer runs is taken over).
import { close as closeFd, fdatasync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../runtime/index.js';
import { INGEST_DEFAULTS } from './defaults.js';
import { lockDir } from './wal-lock.js';
import { promisify } from 'node:util';
import {
  decodeRecord,
  encodeRecord,
  parseSegmentFileName,
  segmentFileName,
  type DecodedRecord,
} from './wal-format.js';

const fdatasyncAsync = promisify(fdatasync);
const closeAsync = promisify(closeFd);

const CHECKPOINT_FILE = 'checkpoint.json';
const CHECKPOINT_TMP = 'checkpoint.json.tmp';

/** A place in the log: `offset` is the byte offset just after a record in segment `segment`. */
export interface WalPosition {
  readonly segment: number;
  readonly offset: number;
}

export interface WalRecord {
  /** 1, 2, 3, ... in append order; stored in the record, so a replay yields the same seq. */
  seq: number;
  /** Milliseconds since the epoch, as given to append(). */
  receivedAt: number;
  topic: string;
  payload: Buffer;
  /** Position just after this record: commit() it once the record is stored. */
  position: WalPosition;
}

export interface WalOptions {
  /** Directory of the log; created if missing. */
  dir: string;
  // Defaults: INGEST_DEFAULTS (ingest/defaults.ts).
  /** A new segment file is started when a record would take the current one beyond this. */
  segmentBytes?: number;
  /** Interval of fdatasync, bounding what a power loss can take; 0 = none (close() still syncs). */
  fsyncIntervalMs?: number;
  /** Disk bound: an append that would take the segments beyond it throws WalFullError. */
  maxBytes?: number;
  /** Minimum interval between checkpoint writes; close() always writes one. */
  checkpointIntervalMs?: number;
  /** Bytes read from disk at a time by read() and the start-up scan. */
  readChunkBytes?: number;
  /** Receives start-up facts and every corruption found. Default: silent. */
  logger?: Logger;
}

export interface WalReadResult {
  records: WalRecord[];
  /** Where the next read() should start. */
  next: WalPosition;
}

export interface WalStats {
  segments: number;
  /** Bytes of all segment files: what maxBytes bounds. */
  bytes: number;
  /** Bytes between the committed position and the end: appended but not yet stored. */
  pendingBytes: number;
  /** Bytes cut from a torn or corrupt tail of the last segment at open(). */
  truncatedBytes: number;
  /** Corrupt records met by read(); each one skipped the rest of its segment. */
  corruptions: number;
}

/** The log holds maxBytes: nothing more can be accepted until the writer commits and frees a segment. */
export class WalFullError extends Error {
  override readonly name = 'WalFullError';
  /** A retry helps once the writer has stored and committed enough to free a segment. */
  readonly retryable = true;

  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`write-ahead log is full: ${bytes} bytes on disk, bound is ${maxBytes}`);
  }
}

interface Checkpoint {
  segment: number;
  offset: number;
  nextSeq: number;
}

interface ResolvedOptions {
  dir: string;
  segmentBytes: number;
  fsyncIntervalMs: number;
  maxBytes: number;
  checkpointIntervalMs: number;
  readChunkBytes: number;
  logger: Logger;
}

interface ScanResult {
  /** Offset just after the last sound record read. */
  end: number;
  count: number;
  /** Why the record at `end` could not be read, if it could not. */
  corrupt: string | undefined;
}

/** Orders positions; the end of one segment sorts before the start of the next. */
export function comparePositions(a: WalPosition, b: WalPosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}

export class Wal {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly fsyncIntervalMs: number;
  private readonly maxBytes: number;
  private readonly checkpointIntervalMs: number;
  private readonly readChunkBytes: number;
  private readonly logger: Logger;

  /** Segment numbers in ascending order; the last one is the active one. */
  private readonly segments: number[];
  /** Sizes of the segments other than the active one. */
  private readonly sizes: Map<number, number>;
  private fd: number;
  private activeSegment: number;
  private activeSize: number;
  private totalBytes: number;
  private seq: number;
  private committedPos: WalPosition;
  private closed = false;
  /** Set when a failed append could not be rolled back: further appends could be lost at the next open. */
  private broken: Error | undefined;
  private truncatedBytes: number;
  private corruptions = 0;

  private dirty = false;
  private dirDirty = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private readonly retiring = new Set<Promise<void>>();
  /** Releases the folder's lock; set once the log is open. */
  private unlock: () => Promise<void> = () => Promise.resolve();

  private checkpointDirty = false;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private checkpointWriting: Promise<void> | undefined;
  private checkpointAt = 0;

  private constructor(
    o: ResolvedOptions,
    state: {
      segments: number[];
      sizes: Map<number, number>;
      fd: number;
      activeSize: number;
      nextSeq: number;
      committed: WalPosition;
      truncatedBytes: number;
    },
  ) {
    this.dir = o.dir;
    this.segmentBytes = o.segmentBytes;
    this.fsyncIntervalMs = o.fsyncIntervalMs;
    this.maxBytes = o.maxBytes;
    this.checkpointIntervalMs = o.checkpointIntervalMs;
    this.readChunkBytes = o.readChunkBytes;
    this.logger = o.logger;
    this.segments = state.segments;
    this.sizes = state.sizes;
    this.fd = state.fd;
    this.activeSegment = state.segments.at(-1) ?? 1;
    this.activeSize = state.activeSize;
    this.seq = state.nextSeq;
    this.committedPos = state.committed;
    this.truncatedBytes = state.truncatedBytes;
    let bytes = state.activeSize;
    for (const size of state.sizes.values()) bytes += size;
    this.totalBytes = bytes;
  }

  /**
   * Opens (or creates) the log in `opts.dir`: reads the checkpoint, deletes segments it covers, and scans
   * the last segment, truncating a torn or corrupt tail (logged with file, offset and bytes). Corruption in
   * an older segment is found later by read(), which skips the rest of that segment with a warning: a
   * damaged file never blocks start-up.
   */
  static async open(opts: WalOptions): Promise<Wal> {
    const o = resolveOptions(opts);
    const { dir } = o;
    // The log holds every payload as devices sent it: only its owner may read it (0700 folder, 0600
    // files), as Mosquitto keeps its persistence file (issue #14, point 10).
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const unlock = await lockDir(dir);
    try {
      return await Wal.openLocked(o, unlock);
    } catch (error) {
      await unlock();
      throw error;
    }
  }

  private static async openLocked(o: ResolvedOptions, unlock: () => Promise<void>): Promise<Wal> {
    const { dir, logger } = o;
    await rm(join(dir, CHECKPOINT_TMP), { force: true });
    const checkpoint = await readCheckpoint(dir, logger);

    const segments = (await readdir(dir))
      .map(parseSegmentFileName)
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b);
    // Segments wholly below the checkpoint were stored: a crash came between the checkpoint and the unlink.
    while (checkpoint !== undefined && (segments[0] ?? Infinity) < checkpoint.segment) {
      await unlink(join(dir, segmentFileName(segments.shift() ?? 0)));
    }
    const sizes = new Map<number, number>();
    for (const s of segments) sizes.set(s, (await stat(join(dir, segmentFileName(s)))).size);

    // Only the last segment can have a torn tail (older ones were synced when they were rotated); it also
    // holds the highest seq. An empty last segment (a crash right after a rotation) is dropped, and the
    // one before it becomes the active segment again.
    let lastSeq = 0;
    let truncatedBytes = 0;
    for (let last = segments.at(-1); last !== undefined; last = segments.at(-1)) {
      const file = join(dir, segmentFileName(last));
      const size = sizes.get(last) ?? 0;
      let seqInSegment = 0;
      const r = await scanSegment(file, 0, size, Infinity, o.readChunkBytes, (d) => {
        seqInSegment = d.seq;
      });
      if (r.corrupt !== undefined) {
        await truncate(file, r.end);
        sizes.set(last, r.end);
        truncatedBytes += size - r.end;
        logger.warn(
          { file, offset: r.end, bytes: size - r.end, reason: r.corrupt },
          'write-ahead log: torn or corrupt tail of the last segment truncated',
        );
      }
      if (r.count > 0 || segments.length === 1) {
        lastSeq = seqInSegment;
        break;
      }
      await unlink(file);
      segments.pop();
      sizes.delete(last);
    }

    let fd: number;
    let activeSize: number;
    const active = segments.at(-1);
    if (active === undefined) {
      const first = Math.max(1, checkpoint?.segment ?? 1);
      fd = openSync(join(dir, segmentFileName(first)), 'wx', 0o600);
      segments.push(first);
      activeSize = 0;
    } else {
      fd = openSync(join(dir, segmentFileName(active)), 'r+');
      activeSize = sizes.get(active) ?? 0;
      sizes.delete(active);
    }
    const nextSeq = Math.max(checkpoint?.nextSeq ?? 1, lastSeq + 1);
    const firstSegment = segments[0] ?? 1;
    const committed =
      checkpoint === undefined
        ? { segment: firstSegment, offset: 0 }
        : { segment: checkpoint.segment, offset: checkpoint.offset };

    const wal = new Wal(o, { segments, sizes, fd, activeSize, nextSeq, committed, truncatedBytes });
    wal.unlock = unlock;
    wal.committedPos = wal.clamp(committed);
    wal.startTimers();
    const s = wal.stats();
    logger.info(
      { dir, segments: s.segments, bytes: s.bytes, pendingBytes: s.pendingBytes, nextSeq, truncatedBytes },
      'write-ahead log opened',
    );
    return wal;
  }

  /** Position just after the last appended record. */
  get end(): WalPosition {
    return { segment: this.activeSegment, offset: this.activeSize };
  }

  /** Everything up to here is stored; a restart replays from here. */
  get committed(): WalPosition {
    return this.committedPos;
  }

  /** The seq the next append will get. */
  get nextSeq(): number {
    return this.seq;
  }

  /**
   * Appends one message with a single synchronous write, starting a new segment when the current one is
   * full. Throws WalFullError at the disk bound, RangeError for a topic over 65535 bytes; on a write error
   * (disk full, I/O error) the partial record is cut off again and the error is thrown.
   */
  append(topic: string, payload: Buffer, receivedAt: number): WalRecord {
    if (this.closed) throw new Error('write-ahead log is closed');
    if (this.broken !== undefined) throw this.broken;
    const seq = this.seq;
    const buf = encodeRecord(seq, receivedAt, topic, payload);
    if (this.totalBytes + buf.length > this.maxBytes) throw new WalFullError(this.totalBytes, this.maxBytes);
    if (this.activeSize > 0 && this.activeSize + buf.length > this.segmentBytes) this.rotate();

    const start = this.activeSize;
    let written = 0;
    try {
      while (written < buf.length) {
        written += writeSync(this.fd, buf, written, buf.length - written, start + written);
      }
    } catch (err) {
      if (written > 0) this.rollBack(start, err);
      throw err;
    }
    this.activeSize = start + buf.length;
    this.totalBytes += buf.length;
    this.seq = seq + 1;
    this.dirty = true;
    return {
      seq,
      receivedAt,
      topic,
      payload,
      position: { segment: this.activeSegment, offset: this.activeSize },
    };
  }

  /**
   * Reads up to `maxRecords` records from `from` (a record's position, `committed`, or a previous `next`),
   * never beyond `end` as it was when the read began: reading the segment being appended to is safe.
   * A corrupt record skips the rest of its segment, with a warning and a count in stats().
   */
  async read(from: WalPosition, maxRecords: number): Promise<WalReadResult> {
    if (this.closed) throw new Error('write-ahead log is closed');
    const end = this.end;
    if (comparePositions(from, end) > 0) {
      throw new RangeError(`read from ${formatPosition(from)}, beyond the end ${formatPosition(end)}`);
    }
    const records: WalRecord[] = [];
    let pos = this.clamp(from);
    while (records.length < maxRecords && comparePositions(pos, end) < 0) {
      const segment = pos.segment;
      const limit = segment === end.segment ? end.offset : this.sizes.get(segment);
      if (limit === undefined || pos.offset >= limit) {
        pos = this.nextSegmentStart(segment, end);
        continue;
      }
      const file = this.segmentPath(segment);
      let r: ScanResult;
      try {
        r = await scanSegment(
          file,
          pos.offset,
          limit,
          maxRecords - records.length,
          this.readChunkBytes,
          (d, at) => {
            records.push({
              seq: d.seq,
              receivedAt: d.receivedAt,
              topic: d.topic,
              // A copy, so that a record kept for long does not keep the whole read buffer alive.
              payload: Buffer.from(d.payload),
              position: { segment, offset: at },
            });
          },
        );
      } catch (err) {
        // Committed and deleted while this read was on its way: its records are stored.
        if (isNotFound(err) && !this.sizes.has(segment)) {
          pos = this.nextSegmentStart(segment, end);
          continue;
        }
        throw err;
      }
      if (r.corrupt !== undefined) {
        this.corruptions++;
        this.logger.warn(
          { file, offset: r.end, skippedBytes: limit - r.end, reason: r.corrupt },
          'write-ahead log: corrupt record, skipping the rest of the segment',
        );
        pos = { segment, offset: limit };
      } else {
        pos = { segment, offset: r.end };
      }
    }
    return { records, next: this.clamp(pos) };
  }

  /**
   * Marks everything up to `upTo` as stored. The checkpoint is written (temp file + rename) at most every
   * checkpointIntervalMs, and then the segments wholly below it are deleted. A position at or below the
   * committed one is ignored.
   */
  commit(upTo: WalPosition): void {
    if (this.closed) throw new Error('write-ahead log is closed');
    if (comparePositions(upTo, this.end) > 0) {
      throw new RangeError(`commit of ${formatPosition(upTo)}, beyond the end ${formatPosition(this.end)}`);
    }
    const pos = this.clamp(upTo);
    if (comparePositions(pos, this.committedPos) <= 0) return;
    this.committedPos = pos;
    this.scheduleCheckpoint();
  }

  stats(): WalStats {
    const c = this.committedPos;
    let pending = -c.offset;
    for (const s of this.segments) if (s >= c.segment) pending += this.sizeOf(s);
    return {
      segments: this.segments.length,
      bytes: this.totalBytes,
      pendingBytes: Math.max(0, pending),
      truncatedBytes: this.truncatedBytes,
      corruptions: this.corruptions,
    };
  }

  /** Syncs and closes the active segment and writes a final checkpoint. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.syncTimer);
    clearTimeout(this.checkpointTimer);
    await this.syncing;
    await Promise.all(this.retiring);
    try {
      await fdatasyncAsync(this.fd);
      if (this.dirDirty) await syncDir(this.dir);
    } finally {
      await closeAsync(this.fd);
    }
    await this.checkpointWriting;
    await this.writeCheckpoint();
    await this.unlock();
  }

  private segmentPath(segment: number): string {
    return join(this.dir, segmentFileName(segment));
  }

  private sizeOf(segment: number): number {
    return segment === this.activeSegment ? this.activeSize : (this.sizes.get(segment) ?? 0);
  }

  /** Start of the first segment after `segment`, or `end` if there is none before it. */
  private nextSegmentStart(segment: number, end = this.end): WalPosition {
    const next = this.segments.find((s) => s > segment);
    return next === undefined || next > end.segment ? end : { segment: next, offset: 0 };
  }

  /**
   * The canonical form of a position: inside an existing segment and not past its end, and the end of a
   * finished segment written as the start of the next (so that committing it frees that segment).
   */
  private clamp(p: WalPosition): WalPosition {
    if (comparePositions(p, this.end) >= 0) return this.end;
    const first = this.segments[0] ?? this.activeSegment;
    if (p.segment < first) return { segment: first, offset: 0 };
    if (p.segment === this.activeSegment) return p;
    const size = this.sizes.get(p.segment);
    if (size === undefined || p.offset >= size) return this.nextSegmentStart(p.segment);
    return p;
  }

  private rotate(): void {
    const next = this.activeSegment + 1;
    const fd = openSync(this.segmentPath(next), 'wx', 0o600);
    const old = this.fd;
    this.sizes.set(this.activeSegment, this.activeSize);
    this.segments.push(next);
    this.fd = fd;
    this.activeSegment = next;
    this.activeSize = 0;
    this.dirDirty = true;
    // The old segment is synced (when syncing is on) and closed off the event loop, after any sync of it
    // already under way; close() waits for it.
    const wasDirty = this.dirty;
    this.dirty = false;
    const retired = (this.syncing ?? Promise.resolve())
      .then(() => (wasDirty && this.fsyncIntervalMs > 0 ? fdatasyncAsync(old) : undefined))
      .finally(() => closeAsync(old))
      .catch((err: unknown) => {
        this.logger.warn({ err, segment: next - 1 }, 'write-ahead log: syncing a finished segment failed');
      })
      .finally(() => this.retiring.delete(retired));
    this.retiring.add(retired);
  }

  /** Cuts a partly written record off again, so that the next open() does not truncate later records. */
  private rollBack(start: number, cause: unknown): void {
    try {
      ftruncateSync(this.fd, start);
    } catch (err) {
      this.broken = new Error(
        'write-ahead log: a failed append could not be rolled back; appends are refused',
        {
          cause: err,
        },
      );
      this.logger.warn({ err, cause, segment: this.activeSegment, offset: start }, this.broken.message);
    }
  }

  private startTimers(): void {
    if (this.fsyncIntervalMs > 0) {
      this.syncTimer = setInterval(() => {
        this.syncTick();
      }, this.fsyncIntervalMs).unref();
    }
  }

  private syncTick(): void {
    if ((!this.dirty && !this.dirDirty) || this.syncing !== undefined) return;
    const fd = this.fd;
    const data = this.dirty;
    const dir = this.dirDirty;
    this.dirty = false;
    this.dirDirty = false;
    this.syncing = (async () => {
      if (data) await fdatasyncAsync(fd);
      if (dir) await syncDir(this.dir);
    })()
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'write-ahead log: fdatasync failed');
      })
      .finally(() => {
        this.syncing = undefined;
      });
  }

  private scheduleCheckpoint(): void {
    this.checkpointDirty = true;
    if (this.checkpointTimer !== undefined || this.checkpointWriting !== undefined) return;
    const wait = this.checkpointAt + this.checkpointIntervalMs - Date.now();
    if (wait <= 0) {
      this.startCheckpoint();
      return;
    }
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined;
      this.startCheckpoint();
    }, wait).unref();
  }

  private startCheckpoint(): void {
    this.checkpointDirty = false;
    this.checkpointAt = Date.now();
    this.checkpointWriting = this.writeCheckpoint()
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'write-ahead log: writing the checkpoint failed');
      })
      .finally(() => {
        this.checkpointWriting = undefined;
        if (this.checkpointDirty && !this.closed) this.scheduleCheckpoint();
      });
  }

  /** Writes the checkpoint durably, then deletes the segments wholly below it. */
  private async writeCheckpoint(): Promise<void> {
    const checkpoint: Checkpoint = { ...this.committedPos, nextSeq: this.seq };
    const tmp = join(this.dir, CHECKPOINT_TMP);
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify({ version: 1, ...checkpoint })}\n`);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, CHECKPOINT_FILE));
    while ((this.segments[0] ?? Infinity) < Math.min(checkpoint.segment, this.activeSegment)) {
      const segment = this.segments.shift() ?? 0;
      this.totalBytes -= this.sizes.get(segment) ?? 0;
      this.sizes.delete(segment);
      try {
        await unlink(this.segmentPath(segment));
      } catch (err) {
        this.logger.warn({ err, segment }, 'write-ahead log: deleting a stored segment failed');
      }
    }
  }
}

function resolveOptions(opts: WalOptions): ResolvedOptions {
  const o: ResolvedOptions = {
    dir: opts.dir,
    segmentBytes: opts.segmentBytes ?? INGEST_DEFAULTS.walSegmentBytes,
    fsyncIntervalMs: opts.fsyncIntervalMs ?? INGEST_DEFAULTS.fsyncIntervalMs,
    maxBytes: opts.maxBytes ?? INGEST_DEFAULTS.walMaxBytes,
    checkpointIntervalMs: opts.checkpointIntervalMs ?? INGEST_DEFAULTS.walCheckpointIntervalMs,
    readChunkBytes: opts.readChunkBytes ?? INGEST_DEFAULTS.walReadChunkBytes,
    logger: opts.logger ?? silentLogger(),
  };
  for (const key of ['segmentBytes', 'maxBytes', 'readChunkBytes'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] <= 0)
      throw new RangeError(`${key}: expected a positive integer`);
  }
  for (const key of ['fsyncIntervalMs', 'checkpointIntervalMs'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0) throw new RangeError(`${key}: expected an integer ≥ 0`);
  }
  return o;
}

/** Reads the checkpoint; a missing one means a new log, a damaged one is logged and replays everything. */
async function readCheckpoint(dir: string, logger: Logger): Promise<Checkpoint | undefined> {
  const file = join(dir, CHECKPOINT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<Record<keyof Checkpoint, unknown>>;
    const { segment, offset, nextSeq } = v;
    if (isCount(segment) && isCount(offset) && isCount(nextSeq)) return { segment, offset, nextSeq };
  } catch {
    // reported below
  }
  logger.warn({ file }, 'write-ahead log: checkpoint unreadable, replaying every segment');
  return undefined;
}

/**
 * Reads the records of one segment from `start`, looking no further than `limit`, and hands each to
 * `visit` with the offset just after it. Stops after `maxRecords` or at the first record that is corrupt
 * or cut short.
 */
async function scanSegment(
  file: string,
  start: number,
  limit: number,
  maxRecords: number,
  chunkBytes: number,
  visit: (record: DecodedRecord, end: number) => void,
): Promise<ScanResult> {
  const fh = await open(file, 'r');
  try {
    let buf = Buffer.alloc(0);
    let pos = start;
    let count = 0;
    let need = 0;
    while (pos < limit && count < maxRecords) {
      const want = Math.min(Math.max(chunkBytes, need), limit - pos);
      if (buf.length < want) buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      let off = 0;
      need = 0;
      while (off < bytesRead && count < maxRecords) {
        const d = decodeRecord(buf, off, bytesRead);
        if (d.kind === 'corrupt') return { end: pos + off, count, corrupt: d.reason };
        if (d.kind === 'incomplete') {
          need = d.bytes;
          break;
        }
        visit(d, pos + off + d.bytes);
        off += d.bytes;
        count++;
      }
      pos += off;
      if (count >= maxRecords || pos >= limit) break;
      if (bytesRead < want) {
        return { end: pos, count, corrupt: `file ends at ${pos - off + bytesRead}, expected ${limit}` };
      }
      if (pos + need > limit) {
        return { end: pos, count, corrupt: `record of ${need} bytes cut short at ${limit}` };
      }
    }
    return { end: pos, count, corrupt: undefined };
  } finally {
    await fh.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT';
}

function formatPosition(p: WalPosition): string {
  return `${segmentFileName(p.segment)}@${p.offset}`;
}
