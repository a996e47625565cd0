import { DEFAULT_LANG, type Lang } from '../i18n/index.js';
import type { PointWriter } from '../influx/index.js';
import { backoffDelay, sleep, type Logger } from '../runtime/index.js';
import type { Alert } from './alert.js';
import { alertDigest } from './digest.js';
import { alertTitle } from './points.js';
import { COVERAGE_DEFAULTS } from './defaults.js';

/** Where alerts go. `deliver` never throws and never blocks the engine: each sink queues and retries. */
export interface AlertSink {
  deliver(alert: Alert): void;
  /** Resolves when everything queued was delivered or given up (tests, clean shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** An MQTT publish: the embedded broker's in-process publish, or an mqtt.js client's. */
export type Publish = (topic: string, payload: string, options: { retain: boolean }) => Promise<void>;

/**
 * MQTT delivery (docs/protocol.md, §5). Every change goes to `loa/v1/{p}/{c}/_platform/alert` (the stream),
 * and the alert's current state is also retained on `…/_platform/alert/{kind}/{subject}`, so that a
 * console subscribing to `…/_platform/alert/#` learns at once what is firing now.
 */
export function createMqttAlertSink(publish: Publish, logger: Logger): AlertSink {
  let pending = Promise.resolve();
  return {
    deliver(alert) {
      const base = `loa/v1/${alert.where.province}/${alert.where.commune}/_platform/alert`;
      // A bulletin id is free text: keep MQTT wildcards and separators out of the topic level.
      const subject =
        alert.id
          .split('/')
          .slice(3)
          .join('-')
          .replace(/[^A-Za-z0-9._-]/g, '_') || 'commune';
      const payload = JSON.stringify(alert);
      pending = pending
        .then(() => publish(base, payload, { retain: false }))
        .then(() => publish(`${base}/${alert.kind}/${subject}`, payload, { retain: true }))
        .catch((error: unknown) => {
          logger.warn({ err: error, alert: alert.id }, 'alert not published');
        });
    },
    flush: () => pending,
    close: () => pending,
  };
}

export interface WebhookOptions {
  url: string;
  logger: Logger;
  /** Attempts per alert before it is given up (logged). */
  attempts?: number;
  timeoutMs?: number;
  /** Backoff between attempts. */
  baseMs?: number;
  capMs?: number;
  /** Alerts waiting at most; beyond it the oldest are dropped (and logged) so memory stays bounded. */
  maxQueue?: number;
  /** More alerts than this waiting at once go out as one digest (digest.ts); 0 never digests. */
  digestAbove?: number;
  /** The language of the digest (the alerts' own texts come worded by the engine). */
  lang?: Lang;
}

/**
 * Webhook delivery: one JSON POST per alert, in order, retried with exponential backoff and full
 * jitter. The body carries `text` (and `content` for Discord), which Slack, Mattermost, Rocket.Chat,
 * Google Chat and Discord incoming webhooks post as is, beside the alert's own fields. A burst (more
 * than `digestAbove` waiting: a regional power cut, a fresh install where nothing reports yet) goes out
 * as one digest instead, so the on-call phone gets one message, not hundreds.
 */
export function createWebhookAlertSink(options: WebhookOptions): AlertSink {
  const { url, logger } = options;
  const attempts = options.attempts ?? 8;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const backoff = { baseMs: options.baseMs ?? 500, capMs: options.capMs ?? 60_000 };
  const maxQueue = options.maxQueue ?? 10_000;
  const digestAbove = options.digestAbove ?? COVERAGE_DEFAULTS.webhookDigestAbove;
  const lang = options.lang ?? DEFAULT_LANG;
  const queue: Alert[] = [];
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  let closed = false;
  /** Read through a function: close() flips it while a request is awaiting. */
  const isClosed = () => closed;

  /** Two lines for people (title, then what, where, since, cause, what to check), then the JSON. */
  function alertBody(alert: Alert): string {
    const text = `${alert.title ?? alertTitle(alert)}\n${alert.message}`;
    return JSON.stringify({ text, content: text.slice(0, 2000), ...alert });
  }

  /** POSTs one body until taken, refused or out of attempts; `what` names it in the log. */
  async function post(body: string, what: string): Promise<boolean> {
    for (let attempt = 0; attempt < attempts && !closed; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
        });
        await res.arrayBuffer();
        if (res.ok) return true;
        // A 4xx other than 408/429 will not get better by retrying the same body.
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          logger.warn({ status: res.status, alert: what }, 'webhook refused the alert');
          return false;
        }
      } catch (error) {
        if (isClosed()) return false;
        logger.debug({ err: error, attempt }, 'webhook failed, retrying');
      }
      await sleep(backoffDelay(attempt, backoff), abort.signal);
    }
    logger.warn({ alert: what, attempts }, 'webhook gave up on an alert');
    return false;
  }

  async function run(): Promise<void> {
    // One evaluation delivers its alerts synchronously: wait for all of them before deciding whether
    // they make a burst.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0 && !closed) {
      if (digestAbove > 0 && queue.length > digestAbove) {
        const burst = queue.splice(0, queue.length);
        await post(JSON.stringify(alertDigest(burst, lang)), `digest of ${burst.length} alerts`);
        continue;
      }
      const alert = queue[0];
      if (alert) await post(alertBody(alert), alert.id);
      queue.shift();
    }
    running = undefined;
  }

  return {
    deliver(alert) {
      if (closed) return;
      if (queue.length >= maxQueue) {
        const dropped = queue.splice(1, 1)[0];
        logger.warn({ alert: dropped?.id }, 'webhook queue full: dropped an alert');
      }
      queue.push(alert);
      running ??= run();
    },
    async flush() {
      while (running) await running;
    },
    async close() {
      closed = true;
      abort.abort();
      await running;
    },
  };
}

/**
 * Writes coverage and alert lines to InfluxDB (retention policy `long`) in the background, retrying
 * with backoff; beyond `maxLines` waiting, the oldest are dropped: coverage is rewritten every minute,
 * so a gap costs history, never the live state.
 */
export function createLineStore(
  writer: PointWriter,
  logger: Logger,
  { maxLines = 500_000, batch = 5000 }: { maxLines?: number; batch?: number } = {},
) {
  const queue: string[] = [];
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  let closed = false;

  async function run(): Promise<void> {
    let attempt = 0;
    while (queue.length > 0 && !closed) {
      const lines = queue.slice(0, batch);
      try {
        await writer.write(lines);
        queue.splice(0, lines.length);
        attempt = 0;
      } catch (error) {
        logger.warn({ err: error, waiting: queue.length }, 'coverage write failed');
        await sleep(backoffDelay(attempt++, { baseMs: 200, capMs: 30_000 }), abort.signal);
      }
    }
    running = undefined;
  }

  return {
    write(lines: readonly string[]): void {
      if (closed || lines.length === 0) return;
      for (const line of lines) queue.push(line);
      if (queue.length > maxLines) {
        const dropped = queue.length - maxLines;
        queue.splice(0, dropped);
        logger.warn({ dropped }, 'coverage write queue full: dropped the oldest points');
      }
      running ??= run();
    },
    async flush(): Promise<void> {
      while (running) await running;
    },
    async close(): Promise<void> {
      await Promise.race([this.flush(), sleep(5000)]);
      closed = true;
      abort.abort();
      await running;
    },
  };
}

export type LineStore = ReturnType<typeof createLineStore>;
