import type { Broker } from '../broker/index.js';
import {
  createCoverageEngine,
  createLineStore,
  createMqttAlertSink,
  createWebhookAlertSink,
  restoreFromInflux,
  type AlertSink,
  type CoverageEngine,
  type LineStore,
} from '../coverage/index.js';
import { createInfluxQl, createV1Writer, LONG_RETENTION_POLICY } from '../influx/index.js';
import type { Inventory } from '../protocol/index.js';
import type { Logger } from '../runtime/index.js';
import type { UpConfig } from './schema.js';

/**
 * The coverage engine of `loa up`: state restored from InfluxDB, coverage and alerts written to the
 * retention policy `long`, alerts published on the embedded broker and, when configured, a webhook.
 * The broker is bound late: it is created after the engine, whose observer the ingest needs first.
 */
export function createLocalCoverage(
  config: UpConfig,
  influxUrl: string,
  inventory: Inventory,
  logger: Logger,
): {
  readonly engine: CoverageEngine;
  reload(next: Inventory): void;
  store: LineStore;
  bindBroker(broker: Broker): void;
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
  let broker: Broker | undefined;
  const sinks: AlertSink[] = [
    createMqttAlertSink(
      (topic, payload, { retain }) =>
        new Promise((resolve, reject) => {
          if (!broker) {
            resolve();
            return;
          }
          broker.aedes.publish(
            { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false },
            (error) => {
              if (error) reject(error);
              else resolve();
            },
          );
        }),
      log,
    ),
  ];
  if (config.coverage.webhook !== undefined) {
    sinks.push(
      createWebhookAlertSink({
        url: config.coverage.webhook,
        logger: log,
        digestAbove: config.coverage.webhookDigestAbove,
      }),
    );
  }
  const make = (inv: Inventory, previous?: CoverageEngine) =>
    createCoverageEngine({
      inventory: inv,
      logger: log,
      sinks,
      store,
      evaluateEveryMs: config.coverage.evaluateEveryS * 1000,
      restore: restoreFromInflux(ql, { lookbackMs: config.influx.retentionDays * 86_400_000 }),
      ...(previous && { previous }),
    });
  let engine = make(inventory);
  return {
    /** The engine in force: a reload replaces it (read it at each use, do not keep it). */
    get engine() {
      return engine;
    },
    /**
     * Puts a reloaded inventory in force: a new engine on the new model takes over the old one's state
     * by device and hamlet id, synchronously, so no message falls between the two.
     */
    reload(next: Inventory): void {
      const successor = make(next, engine);
      void successor.start();
      engine = successor;
    },
    store,
    bindBroker(b) {
      broker = b;
    },
    async close() {
      await engine.stop();
      await store.close();
      ql.close();
    },
  };
}
