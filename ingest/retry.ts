import { InfluxWriteError } from '../influx/index.js';
import { backoffDelay, type BackoffOptions } from '../runtime/index.js';

/**
 * When to try a failed write again, after influxdb-client-js's `RetryStrategy`. The ingest never gives
 * up on a batch (its points wait in the write-ahead log rather than vanish), so a strategy only says
 * how long to wait.
 */
export interface RetryStrategy {
  /** Milliseconds to wait after `failedAttempts` failures in a row (1 after the first), the last `error`. */
  nextDelay(error: unknown, failedAttempts: number): number;
}

/**
 * The server's Retry-After when it sent one, otherwise exponential backoff with full jitter: many
 * ingest replicas retrying after one outage spread out instead of arriving together.
 */
export function backoffRetry(options: BackoffOptions): RetryStrategy {
  return {
    nextDelay(error, failedAttempts) {
      if (error instanceof InfluxWriteError && error.retryAfterMs !== undefined) return error.retryAfterMs;
      return backoffDelay(failedAttempts - 1, options);
    },
  };
}
