import { InfluxWriteError, type PointWriter } from '../influx/index.js';
import { createRateLimitedLog, sleep, type Logger } from '../runtime/index.js';
import type { RetryStrategy } from './retry.js';
import type { IngestCounters } from './stats.js';

export interface BatchWriterOptions {
  writer: PointWriter;
  retry: RetryStrategy;
  counters: IngestCounters;
  logger: Logger;
  now: () => number;
  /** Aborted when the ingest stops: a batch still failing then stays in the log for the next start. */
  signal: AbortSignal;
}

export type BatchWriter = ReturnType<typeof createBatchWriter>;

/**
 * The `send` step of the ingest: writes one batch until InfluxDB has it, retrying by the strategy, and
 * remembers since when writes fail, for /healthz.
 */
export function createBatchWriter(o: BatchWriterOptions) {
  const { writer, counters, now, signal } = o;
  /** Read through a function: the signal is aborted while a write or a sleep is awaited. */
  const stopped = () => signal.aborted;
  const logWriteFailure = createRateLimitedLog(o.logger);
  let failingSince: number | undefined;
  let lastError: string | undefined;

  /** Writes until InfluxDB has the lines; false only when stopping cut the retries short. */
  async function write(lines: string[]): Promise<boolean> {
    if (lines.length === 0) return true;
    for (let attempt = 0; ; attempt++) {
      const started = now();
      try {
        await writer.write(lines);
        counters.writeLatency.add(now() - started);
        counters.written += lines.length;
        counters.batchesWritten++;
        failingSince = undefined;
        return true;
      } catch (err) {
        counters.writeErrors++;
        if (err instanceof InfluxWriteError && err.status === 400) return refused(lines, err);
        failingSince ??= now();
        lastError = (err as Error).message;
        // Retrying is right even for 401/403/404: those are fixed by an operator, and meanwhile the
        // points must wait, not vanish. /healthz turns red so that someone is told.
        const delay = o.retry.nextDelay(err, attempt + 1);
        logWriteFailure('write', { err, attempt, retryInMs: delay }, 'InfluxDB write failed, retrying');
        if (stopped()) return false;
        await sleep(delay, signal);
        if (stopped()) return false;
      }
    }
  }

  /**
   * InfluxDB refused some lines of a batch for good. A partial write stored the rest; otherwise halve
   * the batch until the bad lines stand alone, so one bad point never holds back the others.
   */
  async function refused(lines: string[], err: InfluxWriteError): Promise<boolean> {
    if (err.partial || lines.length === 1) {
      const dropped = err.partial ? (err.dropped ?? 1) : 1;
      counters.storageRefused += dropped;
      counters.written += lines.length - dropped;
      logWriteFailure(
        'refused',
        { err, dropped, example: lines[0]?.slice(0, 300) },
        'InfluxDB refused points',
      );
      return true;
    }
    const half = Math.ceil(lines.length / 2);
    return (await write(lines.slice(0, half))) && (await write(lines.slice(half)));
  }

  return {
    write,
    /** Since when writes fail and the last error, or undefined while they succeed. */
    failure(): { since: number; lastError: string | undefined } | undefined {
      return failingSince === undefined ? undefined : { since: failingSince, lastError };
    },
  };
}
