import type { Broker } from '../broker/index.js';
import {
  createCoverageEngine,
  createDayCloser,
  createLineStore,
  createMqttAlertSink,
  createWebhookAlertSink,
  readMaintenance,
  restoreFromInflux,
  type AlertSink,
  type CoverageEngine,
  type LineStore,
  type Publish,
} from '../coverage/index.js';
import { createInfluxQl, createV1Writer, LONG_RETENTION_POLICY } from '../influx/index.js';
import type { Inventory } from '../protocol/index.js';
import type { Logger } from '../runtime/index.js';
import { currentLang } from './lang.js';
import type { UpConfig } from './schema.js';

/** How often the engine reads the maintenance windows `loa maintenance` writes to InfluxDB. */
export const MAINTENANCE_POLL_S = 10;

/**
 * The coverage engine of `loa up` and `loa coverage run`: state restored from InfluxDB, coverage and
 * alerts written to the retention policy `long`, alerts published over MQTT and, when configured, a
 * webhook. The MQTT side is bound late: in `loa up` the broker is created after the engine, whose
 * observer the ingest needs first.
 */
export function createLocalCoverage(
  config: Pick<UpConfig, 'influx' | 'coverage'>,
  influxUrl: string,
  inventory: Inventory,
  logger: Logger,
): {
  readonly engine: CoverageEngine;
  loadMaintenance(): Promise<void>;
  reload(next: Inventory): void;
  store: LineStore;
  /** Alerts go out through the embedded broker (`loa up`). */
  bindBroker(broker: Broker): void;
  /** Alerts go out through this publish (an MQTT client, `loa coverage run`). */
  bindPublish(publish: Publish): void;
  /** Writes each local day's summaries when it closes (and yesterday's, if missing), in the background. */
  startHistory(): void;
  close(): Promise<void>;
} {
  const log = logger.child({ part: 'coverage' });
  const auth = {
    ...(config.influx.username !== undefined && { username: config.influx.username }),
    ...(config.influx.password !== undefined && { password: config.influx.password }),
  };
  const ql = createInfluxQl({ url: influxUrl, database: config.influx.database, ...auth });
  const store = createLineStore(
    createV1Writer({
      url: influxUrl,
      database: config.influx.database,
      retentionPolicy: LONG_RETENTION_POLICY,
      timeoutMs: 30_000,
      gzip: false,
      ...auth,
    }),
    log,
  );
  let publish: Publish | undefined;
  const sinks: AlertSink[] = [
    // Before an MQTT side is bound there is no one to tell; InfluxDB and the webhook still are.
    createMqttAlertSink(
      (topic, payload, options) => publish?.(topic, payload, options) ?? Promise.resolve(),
      log,
    ),
  ];
  if (config.coverage.webhook !== undefined) {
    sinks.push(
      createWebhookAlertSink({
        url: config.coverage.webhook,
        logger: log,
        digestAbove: config.coverage.webhookDigestAbove,
        lang: currentLang(),
      }),
    );
  }
  const make = (inv: Inventory, previous?: CoverageEngine) =>
    createCoverageEngine({
      inventory: inv,
      logger: log,
      lang: currentLang(),
      sinks,
      store,
      evaluateEveryMs: config.coverage.evaluateEveryS * 1000,
      reconnectSpreadMs: config.coverage.reconnectSpreadS * 1000,
      stoppedPageAfterMs: config.coverage.stoppedPageAfterS * 1000,
      rules: {
        hamlet_uncovered: { fireAfterMs: config.coverage.hamletAlertAfterS * 1000 },
        hamlet_unverified: { fireAfterMs: config.coverage.hamletAlertAfterS * 1000 },
        commune_criterion_lost: { fireAfterMs: config.coverage.hamletAlertAfterS * 1000 },
      },
      restore: restoreFromInflux(ql, { lookbackMs: config.influx.retentionDays * 86_400_000 }),
      ...(previous && { previous }),
    });
  let engine = make(inventory);
  // Maintenance windows: read before the first evaluation, then every few seconds (a failed read keeps
  // the windows known).
  const pollMaintenance = async () => {
    try {
      engine.setMaintenance(await readMaintenance(ql));
    } catch (error) {
      log.warn({ err: error }, 'maintenance windows not read');
    }
  };
  const poller = setInterval(() => void pollMaintenance(), MAINTENANCE_POLL_S * 1000);
  poller.unref();
  let current = inventory;
  const days = createDayCloser({
    ql,
    write: (lines) => {
      store.write(lines);
    },
    inventory: () => current,
    logger: log,
  });
  return {
    /** The engine in force: a reload replaces it (read it at each use, do not keep it). */
    get engine() {
      return engine;
    },
    /** Reads the maintenance windows once (before the engine starts). */
    loadMaintenance: pollMaintenance,
    /**
     * Puts a reloaded inventory in force: a new engine on the new model takes over the old one's state
     * by device and hamlet id, synchronously, so no message falls between the two.
     */
    reload(next: Inventory): void {
      current = next;
      const successor = make(next, engine);
      void successor.start();
      engine = successor;
    },
    store,
    bindBroker(broker) {
      publish = (topic, payload, { retain }) =>
        new Promise((resolve, reject) => {
          broker.aedes.publish(
            { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false },
            (error) => {
              if (error) reject(error);
              else resolve();
            },
          );
        });
    },
    bindPublish(p) {
      publish = p;
    },
    startHistory() {
      days.start();
    },
    async close() {
      clearInterval(poller);
      await days.stop();
      await engine.stop();
      await store.close();
      ql.close();
    },
  };
}
