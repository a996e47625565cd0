import type { Logger } from './logger.js';

export type RateLimitedLog = (key: string, details: Record<string, unknown>, message: string) => void;

/**
 * Logs refusals at most once per reason per interval, with how many were folded into that line:
 * a device firing ten thousand bad messages must not drown the log (nor the disk of a small box).
 */
export function createRateLimitedLog(
  logger: Pick<Logger, 'warn'>,
  intervalMs = 10_000,
  now = Date.now,
): RateLimitedLog {
  const last = new Map<string, { at: number; suppressed: number }>();
  return function log(key: string, details: Record<string, unknown>, message: string): void {
    const t = now();
    const entry = last.get(key);
    if (entry && t - entry.at < intervalMs) {
      entry.suppressed++;
      return;
    }
    logger.warn({ ...details, suppressedSinceLast: entry?.suppressed ?? 0 }, message);
    last.set(key, { at: t, suppressed: 0 });
  };
}
