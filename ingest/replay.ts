import type { Logger } from '../runtime/index.js';
import { comparePositions, type Wal, type WalPosition, type WalRecord } from './wal.js';

export interface ReplayOptions {
  /** The open log; undefined once the ingest stopped. */
  wal: () => Wal | undefined;
  /** Takes a record read back from the log into a batch. */
  take: (record: WalRecord) => void;
  /** Lines taken and not yet stored: reading back pauses above half of `maxBufferedPoints`. */
  buffered: () => number;
  maxBufferedPoints: number;
  logger: Logger;
  signal: AbortSignal;
}

export type Replay = ReturnType<typeof createReplay>;

/**
 * Where the ingest takes records from. Live, each accepted record is taken as it is appended. Catching
 * up, new records stay on disk and are read back from the log: at start-up (everything after the last
 * commit) and after a spill (the memory buffer was full while InfluxDB was slow or down).
 */
export function createReplay(o: ReplayOptions) {
  const { logger, signal } = o;
  /** Read through a function: the signal is aborted while a read is awaited. */
  const stopped = () => signal.aborted;
  let mode: 'live' | 'catchup' = 'catchup';
  /** Everything in the log before this position has been taken into a batch. */
  let readPos: WalPosition = { segment: 0, offset: 0 };
  let reading = false;

  /** Reads the log back until it reaches its end, or memory fills, or the ingest stops. */
  async function catchUp(): Promise<void> {
    const wal = o.wal();
    if (reading || !wal) return;
    reading = true;
    try {
      while (!stopped() && mode === 'catchup' && o.buffered() < o.maxBufferedPoints / 2) {
        const { records, next } = await wal.read(readPos, 1000);
        if (stopped()) break;
        for (const record of records) o.take(record);
        readPos = next;
        if (comparePositions(readPos, wal.end) >= 0) {
          mode = 'live';
          logger.info({ buffered: o.buffered() }, 'ingest caught up with its write-ahead log');
        }
      }
    } catch (err) {
      logger.error({ err }, 'reading the write-ahead log failed; retrying');
      setTimeout(() => void catchUp(), 1000).unref();
    } finally {
      reading = false;
    }
  }

  return {
    catchUp,
    /** Start reading at the log's committed position. */
    startAt(position: WalPosition): void {
      readPos = position;
    },
    /**
     * Whether a record just appended is taken now. False while catching up, and from the moment memory
     * is full: the record then stays on disk until catchUp() reads it back.
     */
    takesLive(): boolean {
      if (mode !== 'live') return false;
      if (o.buffered() < o.maxBufferedPoints) return true;
      mode = 'catchup';
      logger.warn(
        { buffered: o.buffered() },
        'memory buffer full: keeping new messages on disk until InfluxDB catches up',
      );
      return false;
    },
    /** A record was taken live: everything up to it is in a batch. */
    tookLive(position: WalPosition): void {
      readPos = position;
    },
    /** Where the next batch's end starts: everything before it has been taken. */
    position: (): WalPosition => readPos,
    spilling: (): boolean => mode === 'catchup',
    /** Live and nothing in the log left to read back. */
    caughtUp(): boolean {
      const wal = o.wal();
      return wal !== undefined && mode === 'live' && comparePositions(readPos, wal.end) >= 0;
    },
  };
}
