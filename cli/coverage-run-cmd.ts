import { createInventoryReloader } from '../broker/index.js';
import { createMqttSource, createPipeline } from '../ingest/index.js';
import { loadInventory, type Inventory } from '../protocol/index.js';
import { counter, createLogger, createOpsServer, gauge } from '../runtime/index.js';
import { createLocalCoverage } from './coverage-wiring.js';
import type { CoverageRunConfig } from './schema.js';
import { prepareDatabase } from './storage.js';

/**
 * `loa coverage run`: the coverage engine as a service of its own, for deployments that outgrew one
 * machine (docs/architecture.md): devices on Mosquitto, EMQX or `loa broker`, `loa ingest` replicas sharing the
 * stream. The engine needs the whole stream, so this is one instance with its own, unshared
 * subscription. Each message goes through the ingest's own pipeline first, so the engine sees exactly
 * what the ingest accepts. Alerts go back to the broker on `…/_platform/alert` (the account needs the
 * ingest role), to InfluxDB and to the webhook; on a restart the state comes back from InfluxDB.
 */
export async function runCoverageService(config: CoverageRunConfig): Promise<void> {
  const logger = createLogger({ name: 'loa-coverage' });
  let inventory = await loadInventory(config.inventory);
  await prepareDatabase(config.influx, config.influx.url);
  const retentionMs = config.influx.retentionDays * 86_400_000;
  let pipeline = createPipeline({ inventory, retentionMs });
  const coverage = createLocalCoverage(config, config.influx.url, inventory, logger);
  const counts = { observed: 0, refused: 0 };

  const source = createMqttSource({
    url: config.broker.url,
    clientId: config.broker.clientId,
    accept: (topic, payload, receivedAt) => {
      const result = pipeline({ topic, payload, receivedAt, seq: 0 });
      if (result.kind === 'point') {
        counts.observed++;
        coverage.engine.observe(result.device.device, result.channel, result.message, receivedAt);
      } else if (result.kind === 'reject') {
        counts.refused++; // the ingest records the refusal; here it only stays out of the state
      }
    },
    logger: logger.child({ part: 'mqtt' }),
    ...(config.broker.username !== undefined && { username: config.broker.username }),
    ...(config.broker.password !== undefined && { password: config.broker.password }),
  });
  // Alerts go back on the same connection (see MqttSource.publish).
  coverage.bindPublish((topic, payload, options) => source.publish(topic, payload, options));

  const reloader = createInventoryReloader({
    dir: config.inventory,
    load: loadInventory,
    apply: (next: Inventory) => {
      inventory = next;
      pipeline = createPipeline({ inventory, retentionMs });
      coverage.reload(next);
    },
    failed: () => undefined, // logged by the reloader; the inventory in force stays
    logger: logger.child({ part: 'inventory' }),
  });

  const coverageMetrics = () => {
    const s = coverage.engine.stats();
    return [
      counter('loa_coverage_messages_total', 'Accepted messages the engine observed.', counts.observed),
      counter(
        'loa_coverage_refused_total',
        'Messages the pipeline refused (the ingest stores them as rejects).',
        counts.refused,
      ),
      counter('loa_coverage_evaluations_total', 'Evaluations of the whole fleet.', s.evaluations),
      gauge('loa_coverage_alerts_firing', 'Alerts firing now.', s.firing),
      gauge('loa_coverage_devices', 'Devices in the inventory in force.', inventory.deviceCount),
    ];
  };
  const ops = createOpsServer({
    host: config.http.host,
    port: config.http.port,
    collectors: [coverageMetrics],
    health: () => ({ ok: source.connected(), broker: source.connected() ? 'connected' : 'disconnected' }),
  });
  const { url: httpUrl } = await ops.start();
  // Connected first, so that alerts of the first evaluation (restored from InfluxDB) can go out; what
  // arrives meanwhile only moves state forward (the engine keeps the newest of everything).
  await source.start();
  await coverage.loadMaintenance();
  await coverage.engine.start();
  coverage.startHistory();
  reloader.start();
  const onHangup = () => void reloader.reload();
  process.on('SIGHUP', onHangup);
  logger.info({ broker: config.broker.url, influx: config.influx.url, http: httpUrl }, 'coverage running');
  process.stdout.write(
    `coverage running: ${inventory.deviceCount} devices; broker ${config.broker.url} → ` +
      `${config.influx.url}; metrics ${httpUrl}/metrics\n`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.off('SIGHUP', onHangup);
    reloader.stop();
    await coverage.close(); // delivers the alerts still queued
    await source.stop();
    await ops.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
