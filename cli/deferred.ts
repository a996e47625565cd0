import type { PointWriter } from '../influx/index.js';
import type { MessageObserver } from '../ingest/index.js';

/**
 * `loa up` accepts its devices while its private influxd opens its shards (after a crash influxd first
 * replays its own log, seconds with a big one): the broker and the ingest's write-ahead log do not need
 * InfluxDB to acknowledge a message. What does need it waits here: the ingest's writes, and the coverage
 * engine, which restores its state from InfluxDB before it can judge anything.
 */

/** A writer that waits for InfluxDB (ready, its database prepared) before its first write. */
export function deferredWriter(ready: Promise<PointWriter>): PointWriter {
  // A failed start ends `loa up`; meanwhile the ingest sees a failed write and keeps the points.
  ready.catch(() => undefined);
  return {
    async write(lines) {
      await (await ready).write(lines);
    },
  };
}

/**
 * The ingest's observer until the coverage engine exists: observations are kept in order and handed
 * over once the engine has restored its state from InfluxDB, so the newest news is applied last. At most
 * `max` are kept (the oldest are dropped: a device heard again within a heartbeat loses nothing).
 */
export function deferredObserver(max = 200_000): {
  observe: MessageObserver;
  /** From now on observations go straight to `to`, after the ones kept meanwhile. */
  handOver(to: MessageObserver): void;
} {
  let kept: Parameters<MessageObserver>[] = [];
  let target: MessageObserver | undefined;
  return {
    observe(...args) {
      if (target !== undefined) {
        target(...args);
        return;
      }
      if (kept.length >= max) kept.shift();
      kept.push(args);
    },
    handOver(to) {
      for (const args of kept) to(...args);
      kept = [];
      target = to;
    },
  };
}
