import { backoffDelay } from '../runtime/index.js';

/**
 * Reconnect delays: exponential growth capped at `maxMs`, with "full jitter" (a uniformly random delay
 * between 0 and the capped exponential), so that a commune's clusters that lost the same 4G cell do not
 * all come back in the same second.
 */
export interface BackoffOptions {
  /** Delay ceiling of the first retry, in milliseconds. */
  minMs: number;
  /** Largest delay, in milliseconds, however many retries failed. */
  maxMs: number;
  /** A uniform random number in [0, 1); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 1_000, maxMs: 60_000 };

export interface Backoff {
  /** The delay before the next attempt; every call counts one more failed attempt. */
  next(): number;
  /** Call after a successful connection: the next outage starts from `minMs` again. */
  reset(): void;
}

export function createBackoff(options: BackoffOptions = DEFAULT_BACKOFF): Backoff {
  const delay = {
    baseMs: options.minMs,
    capMs: options.maxMs,
    ...(options.random !== undefined && { random: options.random }),
  };
  let attempt = 0;
  return {
    next() {
      return backoffDelay(attempt++, delay);
    },
    reset() {
      attempt = 0;
    },
  };
}
