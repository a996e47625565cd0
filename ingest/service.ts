import { hostname } from 'node:os';
import { escapeTagValue, InfluxWriteError, type PointWriter } from '../influx/index.js';
import {
  BROKER_PRESENCE_TOPIC,
  DEFAULT_RETENTION_MS,
  encodeBrokerPresence,
  type BrokerPresenceEvent,
  type Channel,
  type Device,
  type Inventory,
  type MessageOf,
} from '../protocol/index.js';
import {
  backoffDelay,
  createRateLimitedLog,
  sleep,
  type Health,
  type Logger,
  type MetricFamily,
} from '../runtime/index.js';
import { INGEST_DEFAULTS } from './defaults.js';
import { createPipeline, reject, type Pipeline, type PipelineResult } from './pipeline.js';
import { IngestCounters, ingestMetricFamilies } from './stats.js';
import { comparePositions, Wal, type WalPosition, type WalRecord } from './wal.js';

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

interface Batch {
  lines: string[];
  /** Log position after the last record taken into this batch: committed once the batch is stored. */
  end: WalPosition;
  firstReceivedAt: number;
  started: boolean;
  done: boolean;
}

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
 */
export function createIngest(options: IngestOptions) {
  const o = { ...DEFAULT_INGEST_OPTIONS, ...stripUndefined(options) };
  const { logger, writer } = o;
  const now = o.now ?? Date.now;
  const instance = escapeTagValue(o.instance ?? hostname());
  const counters = new IngestCounters();
  const logReject = createRateLimitedLog(logger);
  const logWriteFailure = createRateLimitedLog(logger);
  const abort = new AbortController();

  let pipeline: Pipeline = createPipeline({ inventory: o.inventory, retentionMs: o.retentionMs, now });
  let wal: Wal | undefined;
  let mode: 'live' | 'catchup' = 'catchup';
  /** Everything in the log before this position has been taken into a batch. */
  let readPos: WalPosition = { segment: 0, offset: 0 };
  let reading = false;
  let current: Batch | undefined;
  const batches: Batch[] = [];
  let inflight = 0;
  let buffered = 0;
  let failingSince: number | undefined;
  let lastError: string | undefined;
  let stopping = false;
  /** Read through a function: stop() flips it while a write or a read is awaiting. */
  const isStopping = () => stopping;
  let flushTimer: NodeJS.Timeout | undefined;
  let metricsTimer: NodeJS.Timeout | undefined;
  const idleWaiters: (() => void)[] = [];

  function take(record: WalRecord): void {
    const result = safely(record);
    const batch = (current ??= newBatch(record.receivedAt));
    batch.end = record.position;
    switch (result.kind) {
      case 'point':
        counters.accepted[result.channel]++;
        batch.lines.push(result.line);
        buffered++;
        if (o.onMessage) observe(o.onMessage, result.device, result.channel, result.message, record);
        break;
      case 'reject':
        counters.rejected[result.reason]++;
        batch.lines.push(result.line);
        buffered++;
        logReject(
          result.reason,
          { reason: result.reason, topic: record.topic, device: result.device, detail: result.detail },
          'message rejected',
        );
        break;
      case 'ignored':
        counters.ignored++;
        break;
      case 'broker_presence':
        batch.lines.push(result.line);
        buffered++;
        break;
      default:
        result satisfies never;
    }
    if (batch.lines.length >= o.batchSize) seal();
  }

  /**
   * The pipeline never throws for bad input; should a bug make it throw, the message (already in the
   * log and about to be acknowledged) becomes a counted reject instead of a publish refused forever.
   */
  function safely(record: WalRecord): PipelineResult {
    try {
      return pipeline(record);
    } catch (error) {
      logger.error({ topic: record.topic, error: (error as Error).message }, 'ingest failed on a message');
      return reject(record, 'internal_error', (error as Error).message);
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
    } catch (error) {
      logWriteFailure('observer', { error: (error as Error).message }, 'message observer failed');
    }
  }

  function newBatch(receivedAt: number): Batch {
    return { lines: [], end: readPos, firstReceivedAt: receivedAt, started: false, done: false };
  }

  function seal(): void {
    if (!current) return;
    batches.push(current);
    current = undefined;
    pump();
  }

  function pump(): void {
    for (const batch of batches) {
      if (inflight >= o.concurrency) return;
      if (batch.started) continue;
      batch.started = true;
      inflight++;
      void send(batch);
    }
  }

  async function send(batch: Batch): Promise<void> {
    const stored = await writeWithRetry(batch.lines);
    inflight--;
    if (!stored) return; // stopping: the log keeps the batch for the next start
    batch.done = true;
    buffered -= batch.lines.length;
    counters.storedDelay.add(now() - batch.firstReceivedAt);
    commitStoredBatches();
    pump();
    if (mode === 'catchup') void catchUp();
    notifyIfIdle();
  }

  /** Writes until InfluxDB has the lines; false only when stopping cut the retries short. */
  async function writeWithRetry(lines: string[]): Promise<boolean> {
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
      } catch (error) {
        counters.writeErrors++;
        if (error instanceof InfluxWriteError && error.status === 400) return refused(lines, error);
        failingSince ??= now();
        lastError = (error as Error).message;
        // Retrying is right even for 401/403/404: those are fixed by an operator, and meanwhile the
        // points must wait, not vanish. /healthz turns red so that someone is told.
        const delay =
          error instanceof InfluxWriteError && error.retryAfterMs !== undefined
            ? error.retryAfterMs
            : backoffDelay(attempt, { baseMs: 100, capMs: 15_000 });
        logWriteFailure(
          'write',
          { error: lastError, attempt, retryInMs: delay },
          'InfluxDB write failed, retrying',
        );
        if (isStopping()) return false;
        await sleep(delay, abort.signal);
        if (isStopping()) return false;
      }
    }
  }

  /**
   * InfluxDB refused some lines of a batch for good. A partial write stored the rest; otherwise halve
   * the batch until the bad lines stand alone, so one bad point never holds back the others.
   */
  async function refused(lines: string[], error: InfluxWriteError): Promise<boolean> {
    if (error.partial || lines.length === 1) {
      const dropped = error.partial ? (error.dropped ?? 1) : 1;
      counters.storageRefused += dropped;
      counters.written += lines.length - dropped;
      logWriteFailure(
        'refused',
        { error: error.message, dropped, example: lines[0]?.slice(0, 300) },
        'InfluxDB refused points',
      );
      return true;
    }
    const half = Math.ceil(lines.length / 2);
    return (await writeWithRetry(lines.slice(0, half))) && (await writeWithRetry(lines.slice(half)));
  }

  function commitStoredBatches(): void {
    let upTo: WalPosition | undefined;
    while (batches[0]?.done) upTo = batches.shift()?.end;
    if (upTo && wal && !stopping) wal.commit(upTo);
  }

  /** Reads the log back from disk: at start-up after a crash, and after a spill. */
  async function catchUp(): Promise<void> {
    if (reading || !wal) return;
    reading = true;
    try {
      while (!stopping && mode === 'catchup' && buffered < o.maxBufferedPoints / 2) {
        const { records, next } = await wal.read(readPos, 1000);
        if (isStopping()) break;
        for (const record of records) take(record);
        readPos = next;
        if (comparePositions(readPos, wal.end) >= 0) {
          mode = 'live';
          logger.info({ buffered }, 'ingest caught up with its write-ahead log');
        }
      }
    } catch (error) {
      logger.error({ error: (error as Error).message }, 'reading the write-ahead log failed; retrying');
      setTimeout(() => void catchUp(), 1000).unref();
    } finally {
      reading = false;
    }
  }

  function selfMetricsLine(): string {
    const c = counters;
    const fields = [
      `received=${c.received}i`,
      `written=${c.written}i`,
      `rejected=${c.rejectedTotal}i`,
      `buffered=${buffered}i`,
      `wal_pending_bytes=${wal?.stats().pendingBytes ?? 0}i`,
      `write_errors=${c.writeErrors}i`,
      `write_p50_ms=${c.writeLatency.percentile(50)}`,
      `write_p99_ms=${c.writeLatency.percentile(99)}`,
      `stored_delay_p99_ms=${c.storedDelay.percentile(99)}`,
    ];
    return `ingest,instance=${instance} ${fields.join(',')} ${now()}000000`;
  }

  function isIdle(): boolean {
    return (
      wal !== undefined &&
      mode === 'live' &&
      current === undefined &&
      batches.length === 0 &&
      comparePositions(readPos, wal.end) >= 0
    );
  }

  function notifyIfIdle(): void {
    if (!isIdle()) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function health(): Health {
    const failingFor = failingSince === undefined ? 0 : now() - failingSince;
    return {
      ok: wal !== undefined && failingFor < o.unhealthyAfterMs,
      writing: failingSince === undefined ? 'ok' : `failing for ${Math.round(failingFor / 1000)} s`,
      ...(lastError !== undefined && failingSince !== undefined && { lastError }),
      buffered,
      spilling: mode === 'catchup',
      walPendingBytes: wal?.stats().pendingBytes ?? 0,
    };
  }

  function idle(): Promise<void> {
    seal();
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
      readPos = wal.committed;
      const pending = wal.stats().pendingBytes;
      if (pending > 0)
        logger.info({ pendingBytes: pending }, 'replaying the write-ahead log after the last commit');
      flushTimer = setInterval(() => {
        seal();
        notifyIfIdle();
      }, o.flushIntervalMs);
      if (o.selfMetricsIntervalMs > 0) {
        metricsTimer = setInterval(() => {
          const batch = (current ??= newBatch(now()));
          const before = batch.lines.length;
          batch.lines.push(selfMetricsLine());
          for (const source of o.selfMetricsSources ?? []) batch.lines.push(source());
          // Counted like every line: send() takes the whole batch off `buffered` once it is stored.
          buffered += batch.lines.length - before;
        }, o.selfMetricsIntervalMs);
      }
      await catchUp();
    },

    /**
     * Makes a message durable (synchronously: the caller acknowledges it right after) and queues it.
     * Throws when the ingest is not running or its log is full; the caller must then not acknowledge.
     */
    accept(topic: string, payload: Buffer, receivedAt: number = now()): void {
      if (!wal || stopping) throw new Error('the ingest is not running');
      const record = wal.append(topic, payload, receivedAt);
      counters.received++;
      if (mode !== 'live') return;
      if (buffered >= o.maxBufferedPoints) {
        mode = 'catchup';
        logger.warn(
          { buffered },
          'memory buffer full: keeping new messages on disk until InfluxDB catches up',
        );
        return;
      }
      take(record);
      readPos = record.position;
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
      if (!wal || stopping) return;
      seal();
      const drained = idle();
      await Promise.race([drained, sleep(drainMs)]);
      stopping = true;
      abort.abort();
      clearInterval(flushTimer);
      clearInterval(metricsTimer);
      const log = wal;
      wal = undefined;
      await log.close();
      for (const resolve of idleWaiters.splice(0)) resolve();
    },

    stats() {
      return {
        received: counters.received,
        written: counters.written,
        rejected: counters.rejectedTotal,
        rejectedByReason: { ...counters.rejected },
        accepted: { ...counters.accepted },
        ignored: counters.ignored,
        storageRefused: counters.storageRefused,
        buffered,
        spilling: mode === 'catchup',
        walPendingBytes: wal?.stats().pendingBytes ?? 0,
      };
    },

    collect(): MetricFamily[] {
      const walStats = wal?.stats();
      return ingestMetricFamilies(counters, {
        buffered,
        walPendingBytes: walStats?.pendingBytes ?? 0,
        walSegments: walStats?.segments ?? 0,
        spilling: mode === 'catchup',
        healthy: health().ok,
      });
    },
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
