import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { brokerMetricFamilies, createInventoryReloader } from '../broker/index.js';
import { createInfluxdServer, type InfluxdServer } from '../influx/index.js';
import { loadInventory, type Inventory } from '../protocol/index.js';
import { createLogger, createOpsServer, type Logger } from '../runtime/index.js';
import { createSimulation } from '../simulator/index.js';

import { brokerListenerOptions } from './broker-listeners.js';
import { createLocalCoverage } from './coverage-wiring.js';
import { writeRecord } from './record.js';
import type { UpConfig } from './schema.js';
import { defaultSecretsFile, generateSimulatedProvince, readSecretsFile } from './simulate-cmd.js';
import { createLocalStack } from './stack.js';
import { createStatusLine } from './status-line.js';
import { createWriter, ingestTuning, prepareDatabase } from './storage.js';

/**
 * `loa up`: everything on one machine (DESIGN §2) — a private influxd, the embedded broker and the
 * ingest consuming in-process, and with `--simulate` a small province of virtual devices. The broker
 * hands each message to the ingest before it acknowledges it, so the whole path is durable.
 */
export async function runUp(config: UpConfig): Promise<void> {
  const logger = createLogger({ name: 'loa' });
  const dataDir = config.data;
  await mkdir(dataDir, { recursive: true });
  const steps: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const step of steps.reverse()) {
        try {
          await step();
        } catch (error) {
          logger.error({ error: (error as Error).message }, 'error while stopping');
        }
      }
    })());
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  try {
    const { inventory, secretsFile, inventoryDir } = await resolveInventory(config, logger);
    // The PEM files are read before anything starts: a missing one stops `loa up` with its setting.
    const brokerListeners = await brokerListenerOptions(config);

    const influxUrl = await startInflux(config, logger, steps);
    await prepareDatabase(config.influx, influxUrl);

    // The coverage engine observes every accepted message, including those the ingest replays.
    const coverage = createLocalCoverage(config, influxUrl, inventory, logger);
    const stack = createLocalStack({
      // Verified credentials outlive a restart: the fleet comes back without one scrypt each (issue #14).
      broker: { verifiedCredentials: join(dataDir, 'verified-credentials'), ...brokerListeners },
      inventory,
      writer: createWriter(config.influx, influxUrl),
      walDir: join(dataDir, 'wal'),
      logger,
      mqtt: config.mqtt,
      ingest: {
        ...ingestTuning(config.ingest, config.influx),
        onMessage: (device, channel, message, receivedAt) => {
          coverage.engine.observe(device.device, channel, message, receivedAt);
        },
      },
    });
    const { brokerUrl, tlsUrl, wsUrl } = await stack.start();
    steps.push(() => stack.stop());
    const { broker, ingest } = stack;
    if (config.inventory !== undefined) {
      // Issue #3, point 5: a changed folder or SIGHUP puts the new inventory in force in the broker
      // and the ingest; a broken one is refused and the old one stays.
      const reloader = createInventoryReloader({
        dir: config.inventory,
        load: loadInventory,
        apply: (next) => {
          broker.setInventory(next);
          ingest.setInventory(next);
          coverage.reload(next);
        },
        failed: () => {
          broker.reloadFailed();
        },
        logger: logger.child({ part: 'inventory' }),
      });
      const onHangup = () => void reloader.reload();
      reloader.start();
      process.on('SIGHUP', onHangup);
      steps.push(() => {
        reloader.stop();
        process.off('SIGHUP', onHangup);
        return Promise.resolve();
      });
    }
    coverage.bindBroker(broker);
    await coverage.engine.start();
    steps.push(() => coverage.close());

    const ops = createOpsServer({
      host: config.http.host,
      port: config.http.port,
      collectors: [() => ingest.collect(), () => brokerMetricFamilies(broker.metrics())],
      health: ingest.health,
    });
    const { url: httpUrl } = await ops.start();
    steps.push(() => ops.stop());

    await writeRecord(dataDir, {
      broker: brokerUrl,
      influx: influxUrl,
      database: config.influx.database,
      http: httpUrl,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      inventory: resolve(inventoryDir),
    });

    const devices = inventory.deviceCount;
    process.stdout.write(
      [
        `Loa is up: ${inventory.provinces.map((p) => p.name).join(', ')} — ${devices} devices in the inventory`,
        `  broker    ${brokerUrl}`,
        ...(tlsUrl === undefined ? [] : [`  tls       ${tlsUrl}`]),
        ...(wsUrl === undefined ? [] : [`  websocket ${wsUrl}`]),
        `  influxdb  ${influxUrl}  (database "${config.influx.database}")`,
        `  metrics   ${httpUrl}/metrics   health ${httpUrl}/healthz`,
        `  data      ${dataDir}`,
        '',
      ].join('\n'),
    );

    if (config.simulate && secretsFile !== undefined) {
      const simulation = createSimulation({
        brokerUrl,
        inventory,
        secrets: await readSecretsFile(secretsFile),
        heartbeatS: config.simulation.heartbeatS,
        logger: logger.child({ part: 'simulator' }),
      });
      await simulation.start();
      steps.push(() => simulation.stop());
    }

    const status = createStatusLine({
      tty: process.stdout.isTTY,
      read: () => ({ ...ingest.stats(), devicesOnline: broker.metrics().connectedClients }),
    });
    status.start();
    steps.push(() => {
      status.stop();
      return Promise.resolve();
    });
  } catch (error) {
    await stop();
    throw error;
  }
}

async function resolveInventory(
  config: UpConfig,
  logger: Logger,
): Promise<{ inventory: Inventory; secretsFile?: string; inventoryDir: string }> {
  if (config.inventory !== undefined) {
    const inventory = await loadInventory(config.inventory);
    const secretsFile = config.simulate ? defaultSecretsFile(config.inventory) : undefined;
    const inventoryDir = config.inventory;
    return secretsFile === undefined ? { inventory, inventoryDir } : { inventory, secretsFile, inventoryDir };
  }
  if (!config.simulate) {
    throw new Error(
      'no inventory: pass --inventory DIR (a folder of province files), or --simulate for a demo province',
    );
  }
  const dir = join(config.data, 'simulation');
  const { inventoryFile, secretsFile } = await generateSimulatedProvince(
    { id: 'an-giang', name: 'An Giang' },
    config.simulation,
    dir,
  );
  logger.info({ dir }, 'generated a simulated province');
  const inventoryDir = dirname(inventoryFile);
  return { inventory: await loadInventory(inventoryDir), secretsFile, inventoryDir };
}

/** An existing server when `influx.url` is set, else a private influxd under the data folder. */
async function startInflux(
  config: UpConfig,
  logger: Logger,
  steps: (() => Promise<void>)[],
): Promise<string> {
  if (config.influx.url !== undefined) return config.influx.url;
  const port = (await isPortFree(config.mqtt.host, config.influx.port)) ? config.influx.port : 0;
  if (port === 0) logger.warn({ port: config.influx.port }, 'InfluxDB port taken; using a free one');
  const server: InfluxdServer = createInfluxdServer({
    dataDir: join(config.data, 'influxdb'),
    port,
    host: '127.0.0.1',
    ...(config.influx.binary !== undefined && { binary: config.influx.binary }),
    logger: logger.child({ part: 'influxd' }),
  });
  const { url } = await server.start();
  steps.push(() => server.stop());
  return url;
}

function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => {
      resolve(false);
    });
    probe.listen(port, host, () => {
      probe.close(() => {
        resolve(true);
      });
    });
  });
}
