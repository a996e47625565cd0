import { join } from 'node:path';
import { createIngest, createMqttSource } from '../ingest/index.js';
import { loadInventory } from '../protocol/index.js';
import { createLogger, createOpsServer } from '../runtime/index.js';
import type { IngestConfig } from './schema.js';
import { createWriter, ingestTuning, prepareDatabase } from './storage.js';

/**
 * `loa ingest`: the ingest alone, consuming from an external broker (Mosquitto, EMQX, or `loa broker`),
 * for deployments that outgrow one machine (docs/architecture.md). Several replicas share the stream with
 * `--shared` on an MQTT 5 broker.
 */
export async function runIngest(config: IngestConfig): Promise<void> {
  const logger = createLogger({ name: 'loa-ingest' });
  const inventory = await loadInventory(config.inventory);
  await prepareDatabase(config.influx, config.influx.url);
  const ingest = createIngest({
    inventory,
    writer: createWriter(config.influx, config.influx.url),
    // Each replica keeps its own log: a replica's client id names its folder.
    walDir: join(config.data, `wal-${config.broker.clientId}`),
    logger: logger.child({ part: 'ingest' }),
    instance: config.broker.clientId,
    ...ingestTuning(config.ingest, config.influx),
  });
  await ingest.start();
  const source = createMqttSource({
    url: config.broker.url,
    clientId: config.broker.clientId,
    shared: config.broker.shared,
    accept: (topic, payload, receivedAt) => {
      ingest.accept(topic, payload, receivedAt);
    },
    logger: logger.child({ part: 'mqtt' }),
    ...(config.broker.username !== undefined && { username: config.broker.username }),
    ...(config.broker.password !== undefined && { password: config.broker.password }),
  });
  const ops = createOpsServer({
    host: config.http.host,
    port: config.http.port,
    collectors: [() => ingest.collect()],
    health: ingest.health,
  });
  const { url: httpUrl } = await ops.start();
  await source.start();
  logger.info({ broker: config.broker.url, influx: config.influx.url, http: httpUrl }, 'ingest running');
  process.stdout.write(
    `ingest running: broker ${config.broker.url} → ${config.influx.url}; metrics ${httpUrl}/metrics\n`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await source.stop();
    await ingest.stop();
    await ops.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
