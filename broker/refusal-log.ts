import type { BrokerLogger } from './logger.js';

/**
 * Logs each kind of refusal at most once per interval, with how many were folded into that line: a
 * brute force or a flood of bad packets must not drown the log (nor fill the disk of a small box), yet
 * the first one of each kind is always seen with its reason.
 */
export type RefusalLog = (key: string, details: Record<string, unknown>, message: string) => void;

export function createRefusalLog(logger: BrokerLogger, intervalMs = 10_000, now = Date.now): RefusalLog {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key, details, message) => {
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
