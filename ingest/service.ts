import { hostname } from 'node:os';
import { type PointWriter } from '../influx/index.js';
import {
  BROKER_PRESENCE_TOPIC,
  DEFAULT_RETENTION_MS,
  encodeBrokerPresence,
  INGEST_METRICS,
  msToNs,
  type BrokerPresenceEvent,
  type Channel,
  type Device,
  type Inventory,
  type MessageOf,
} from '../protocol/index.js';
import {
  createRateLimitedLog,
  familiesOf,
  sleep,
  type Health,
  type Logger,
  type MetricFamily,
} from '../runtime/index.js';
import { createBatchWriter } from './batch-writer.js';
import { createBatches } from './batches.js';
import { INGEST_DEFAULTS } from './defaults.js';
import { createPipeline, reject, type Pipeline, type PipelineResult } from './pipeline.js';
import { createReplay } from './replay.js';
import { backoffRetry, type RetryStrategy } from './retry.js';
import { INGEST_FAMILIES, IngestCounters, ingestSnapshot, type IngestSnapshot } from './stats.js';
import { Wal, type WalRecord } from './wal.js';

export interface IngestOptions {
  inventory: Inventory;
  writer: PointWriter;
  /** Folder of the write-ahead log. */
  walDir: string;
  logger: Logger;
  /** Names this replica in the `ingest` self-metrics measurement. */
  instance?: string;
  /** Points per InfluxDB write; docs/protocol.md §10 suggests 1,000–5,000. */
  batchSize?: number;
  /** A partial batch is written after at most this long, bounding publish-to-queryable latency. */
  flushIntervalMs?: number;
  /** Memory bound: beyond this many unwritten points, new messages stay on disk until InfluxDB catches up. */
  maxBufferedPoints?: number;
  /** Writes in flight at once. */
  concurrency?: number;
  retentionMs?: number;
  walMaxBytes?: number;
  walSegmentBytes?: number;
  fsyncIntervalMs?: number;
  /** Interval of the `ingest` self-metrics point; 0 disables it. */
  selfMetricsIntervalMs?: number;
  /**
   * More self-metrics lines written with the ingest's own at each interval, for parts that run beside
   * it and have no writer of their own (the embedded broker's `broker` measurement).
   */
  selfMetricsSources?: readonly (() => string)[];
  /**
   * How long to wait before retrying a failed write; by default the server's Retry-After, otherwise
   * exponential backoff with jitter from 100 ms up to 15 s. Writes are retried until they succeed.
   */
  retry?: RetryStrategy;
  /** Writes failing for longer than this make /healthz answer 503. */
  unhealthyAfterMs?: number;
  now?: () => number;
  /**
   * Called synchronously for every accepted message, in log order, after validation — also for
   * messages replayed from the log at start-up. It must be quick and must not throw; an exception is
   * logged and swallowed so that an observer can never block the stream.
   */
  onMessage?: MessageObserver;
}

export type MessageObserver = (
  device: Device,
  channel: Channel,
  message: MessageOf[Channel],
  receivedAt: number,
) => void;

export const DEFAULT_INGEST_OPTIONS = { ...INGEST_DEFAULTS, retentionMs: DEFAULT_RETENTION_MS } as const;

export type Ingest = ReturnType<typeof createIngest>;

/**
 * The ingest (docs/architecture.md, docs/protocol.md, docs/protocol.md §10). `accept()` appends a message to the write-ahead log synchronously — the
 * broker calls it before acknowledging to the device, so nothing acknowledged is lost to a crash — and
 * then hands it to the pipeline. Points are written in batches; a batch's log position is committed once
 * InfluxDB has it, and at start-up everything after the last commit is replayed (storage is idempotent).
 *
 * The log is also the spill: while InfluxDB is down, points accumulate in memory only up to
 * `maxBufferedPoints`; beyond that, new messages stay on disk and are read back when writes succeed again.
 * See docs/architecture.md.
 *
 * Each record goes through the same steps: judge (the pipeline), take (into the open batch), seal, send
 * (with the retry strategy), commit (the log up to the stored batches). Batching lives in batches.ts,
 * sending in batch-writer.ts, reading the log back in replay.ts; this file wires them to the log.
 */
export function createIngest(options: IngestOptions) {
  const o = { ...DEFAULT_INGEST_OPTIONS, ...stripUndefined(options) };
  const { logger } = o;
  const now = o.now ?? Date.now;
  const instance = o.instance ?? hostname();
  const counters = new IngestCounters();
  const logReject = createRateLimitedLog(logger);
  const logObserverFailure = createRateLimitedLog(logger);
  const abort = new AbortController();

  let pipeline: Pipeline = createPipeline({ inventory: o.inventory, retentionMs: o.retentionMs, now });
  let wal: Wal | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let metricsTimer: NodeJS.Timeout | undefined;
  const idleWaiters: (() => void)[] = [];

  const sender = createBatchWriter({
    writer: o.writer,
    retry: o.retry ?? backoffRetry({ baseMs: 100, capMs: 15_000 }),
    counters,
    logger,
    now,
    signal: abort.signal,
  });
  const batches = createBatches({
    batchSize: o.batchSize,
    concurrency: o.concurrency,
    send: sender.write,
    commit(upTo) {
      if (wal && !abort.signal.aborted) wal.commit(upTo);
    },
    stored(firstReceivedAt) {
      counters.storedDelay.add(now() - firstReceivedAt);
      if (replay.spilling()) void replay.catchUp();
      notifyIfIdle();
    },
  });
  const replay = createReplay({
    wal: () => wal,
    take,
    buffered: batches.buffered,
    maxBufferedPoints: o.maxBufferedPoints,
    logger,
    signal: abort.signal,
  });

  /** Judges a record and takes what it stores into the open batch. */
  function take(record: WalRecord): void {
    const result = judge(record);
    switch (result.kind) {
      case 'point':
        counters.accepted[result.channel]++;
        if (o.onMessage) observe(o.onMessage, result.device, result.channel, result.message, record);
        batches.take(result.line, record.position, record.receivedAt);
        break;
      case 'reject':
        counters.rejected[result.reason]++;
        logReject(
          result.reason,
          { reason: result.reason, topic: record.topic, device: result.device, detail: result.detail },
          'message rejected',
        );
        batches.take(result.line, record.position, record.receivedAt);
        break;
      case 'ignored':
        counters.ignored++;
        batches.take(undefined, record.position, record.receivedAt);
        break;
      case 'broker_presence':
        batches.take(result.line, record.position, record.receivedAt);
        break;
      default:
        result satisfies never;
    }
  }

  /**
   * The pipeline never throws for bad input; should a bug make it throw, the message (already in the
   * log and about to be acknowledged) becomes a counted reject instead of a publish refused forever.
   */
  function judge(record: WalRecord): PipelineResult {
    try {
      return pipeline(record);
    } catch (err) {
      logger.error({ topic: record.topic, err }, 'ingest failed on a message');
      return reject(record, 'internal_error', (err as Error).message);
    }
  }

  function observe(
    observer: MessageObserver,
    device: Device,
    channel: Channel,
    message: MessageOf[Channel],
    record: WalRecord,
  ): void {
    try {
      observer(device, channel, message, record.receivedAt);
    } catch (err) {
      logObserverFailure('observer', { err }, 'message observer failed');
    }
  }

  function selfMetricsLine(): string {
    const s = snapshot();
    return INGEST_METRICS.line(
      { instance },
      {
        received: s.received,
        written: s.written,
        rejected: s.rejected,
        buffered: s.buffered,
        wal_pending_bytes: s.walPendingBytes,
        write_errors: s.writeErrors,
        write_p50_ms: s.writeP50Ms,
        write_p99_ms: s.writeP99Ms,
        stored_delay_p99_ms: s.storedDelayP99Ms,
      },
      msToNs(now()),
    );
  }

  /** Every number the ingest reports, read at once (stats(), /metrics and the self-metrics row). */
  function snapshot(): IngestSnapshot {
    const walStats = wal?.stats();
    return ingestSnapshot(counters, {
      buffered: batches.buffered(),
      walPendingBytes: walStats?.pendingBytes ?? 0,
      walSegments: walStats?.segments ?? 0,
      spilling: replay.spilling(),
      healthy: health().ok,
    });
  }

  function isIdle(): boolean {
    return batches.empty() && replay.caughtUp();
  }

  function notifyIfIdle(): void {
    if (!isIdle()) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function health(): Health {
    const failure = sender.failure();
    const failingFor = failure === undefined ? 0 : now() - failure.since;
    return {
      ok: wal !== undefined && failingFor < o.unhealthyAfterMs,
      writing: failure === undefined ? 'ok' : `failing for ${Math.round(failingFor / 1000)} s`,
      ...(failure?.lastError !== undefined && { lastError: failure.lastError }),
      buffered: batches.buffered(),
      spilling: replay.spilling(),
      walPendingBytes: wal?.stats().pendingBytes ?? 0,
    };
  }

  function idle(): Promise<void> {
    batches.seal();
    if (isIdle()) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  return {
    health,
    /** Resolves once everything accepted so far is stored (tests, benchmarks, graceful stop). */
    idle,

    async start(): Promise<void> {
      wal = await Wal.open({
        dir: o.walDir,
        maxBytes: o.walMaxBytes,
        segmentBytes: o.walSegmentBytes,
        fsyncIntervalMs: o.fsyncIntervalMs,
        logger,
      });
      replay.startAt(wal.committed);
      const pending = wal.stats().pendingBytes;
      if (pending > 0)
        logger.info({ pendingBytes: pending }, 'replaying the write-ahead log after the last commit');
      flushTimer = setInterval(() => {
        batches.seal();
        notifyIfIdle();
      }, o.flushIntervalMs);
      if (o.selfMetricsIntervalMs > 0) {
        metricsTimer = setInterval(() => {
          const lines = [selfMetricsLine(), ...(o.selfMetricsSources ?? []).map((source) => source())];
          // Counted like every line: they leave `buffered` once their batch is stored.
          batches.add(lines, replay.position(), now());
        }, o.selfMetricsIntervalMs);
      }
      await replay.catchUp();
    },

    /**
     * Makes a message durable (synchronously: the caller acknowledges it right after) and queues it.
     * Throws when the ingest is not running or its log is full; the caller must then not acknowledge.
     */
    accept(topic: string, payload: Buffer, receivedAt: number = now()): void {
      if (!wal || abort.signal.aborted) throw new Error('the ingest is not running');
      const record = wal.append(topic, payload, receivedAt);
      counters.received++;
      if (!replay.takesLive()) return;
      take(record);
      replay.tookLive(record.position);
    },

    /**
     * Keeps a connect or disconnect seen by the embedded broker (issue #3, point 3) through the same
     * write-ahead log as telemetry. Throws like accept() when it cannot.
     */
    acceptBrokerPresence(event: BrokerPresenceEvent): void {
      this.accept(BROKER_PRESENCE_TOPIC, encodeBrokerPresence(event), event.at);
    },

    /** The inventory changed (a later issue reloads it live): new messages are judged by the new one. */
    setInventory(inventory: Inventory): void {
      pipeline = createPipeline({ inventory, retentionMs: o.retentionMs, now });
    },

    async stop({ drainMs = 10_000 }: { drainMs?: number } = {}): Promise<void> {
      if (!wal || abort.signal.aborted) return;
      batches.seal();
      const drained = idle();
      await Promise.race([drained, sleep(drainMs)]);
      abort.abort();
      clearInterval(flushTimer);
      clearInterval(metricsTimer);
      const log = wal;
      wal = undefined;
      await log.close();
      for (const resolve of idleWaiters.splice(0)) resolve();
    },

    stats: snapshot,

    /** The Prometheus families, rendered from the same snapshot. */
    collect(): MetricFamily[] {
      return familiesOf(INGEST_FAMILIES, snapshot());
    },
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
