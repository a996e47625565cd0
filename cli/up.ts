import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { brokerMetricFamilies, createInventoryReloader } from '../broker/index.js';
import {
  createInfluxdServer,
  ensureReader,
  loadOrCreateInfluxdCredentials,
  type InfluxdHealth,
  type InfluxdServer,
} from '../influx/index.js';
import { DEFAULT_TIMEZONE, loadInventory, type Inventory } from '../protocol/index.js';
import { createLogger, createOpsServer, takePidLock, type Health, type Logger } from '../runtime/index.js';
import { createSimulation } from '../simulator/index.js';

import { brokerListenerOptions } from './broker-listeners.js';
import { createLocalCoverage } from './coverage-wiring.js';
import { INFLUX_CREDENTIALS_FILE, writeRecord } from './record.js';
import type { UpConfig } from './schema.js';
import { defaultSecretsFile, generateSimulatedProvince, readSecretsFile } from './simulate-cmd.js';
import { createLocalStack } from './stack.js';
import { deferredObserver, deferredWriter } from './deferred.js';
import { createStatusLine } from './status-line.js';
import { startBanner } from './up-banner.js';
import { createWriter, ingestTuning, prepareDatabase } from './storage.js';

/**
 * `loa up`: everything on one machine (docs/architecture.md) — a private influxd, the embedded broker and the
 * ingest consuming in-process, and with `--simulate` a small province of virtual devices. The broker
 * hands each message to the ingest before it acknowledges it, so the whole path is durable.
 */
export async function runUp(config: UpConfig): Promise<void> {
  const logger = createLogger({ name: 'loa' });
  const dataDir = config.data;
  // The folder holds every payload and InfluxDB's credentials: its owner's only (an older Loa made it
  // 0755). Then the lock, before anything in it is touched (issue #14, point 8).
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const steps: (() => Promise<void>)[] = [await lockDataFolder(dataDir)];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const step of steps.reverse()) {
        try {
          await step();
        } catch (error) {
          logger.error({ err: error }, 'error while stopping');
        }
      }
    })());
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  try {
    const { inventory, secretsFile, inventoryDir } = await resolveInventory(config, logger);
    // The PEM files are read before anything starts: a missing one stops `loa up` with its setting.
    const brokerListeners = await brokerListenerOptions(config);

    // influxd is started, not waited for: the broker accepts the fleet while it opens its shards (after a
    // crash, seconds of replaying its own log), the write-ahead log holding each message meanwhile.
    const influxStarting = startInflux(config, logger, steps);
    const storage = influxStarting.then(async (influx) => {
      // With a private influxd, everything logs in as its generated admin (issue #14, point 10).
      const influxConfig = { ...config.influx, ...influx.credentials?.admin };
      await prepareDatabase(influxConfig, influx.url);
      if (influx.credentials !== undefined) {
        const { admin, reader } = influx.credentials;
        await ensureReader(influx.url, admin, reader, config.influx.database);
      }
      return { ...influx, influxConfig };
    });
    storage.catch(() => undefined); // awaited below; a failure while the broker starts must not go unseen there
    // Until the coverage engine has restored its state from InfluxDB, what it should see waits in order.
    const observer = deferredObserver();
    const stack = createLocalStack({
      // Verified credentials outlive a restart: the fleet comes back without one scrypt each (issue #14).
      broker: { verifiedCredentials: join(dataDir, 'verified-credentials'), ...brokerListeners },
      inventory,
      writer: deferredWriter(storage.then((s) => createWriter(s.influxConfig, s.url))),
      walDir: join(dataDir, 'wal'),
      logger,
      mqtt: config.mqtt,
      ingest: { ...ingestTuning(config.ingest, config.influx), onMessage: observer.observe },
    });
    const { brokerUrl, tlsUrl, wsUrl } = await stack.start();
    steps.push(() => stack.stop());
    const { broker, ingest } = stack;
    const influx = await storage;
    const influxUrl = influx.url;
    config = { ...config, influx: influx.influxConfig };

    // The coverage engine observes every accepted message, including those the ingest replays.
    const coverage = createLocalCoverage(config, influxUrl, inventory, logger);
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
    await coverage.loadMaintenance();
    await coverage.engine.start();
    observer.handOver((device, channel, message, receivedAt) => {
      coverage.engine.observe(device.device, channel, message, receivedAt);
    });
    coverage.startHistory();
    steps.push(() => coverage.close());

    const ops = createOpsServer({
      host: config.http.host,
      port: config.http.port,
      collectors: [() => ingest.collect(), () => brokerMetricFamilies(broker.metrics())],
      health: () => withInfluxd(ingest.health(), influx.health?.()),
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
      ...(influx.credentials !== undefined && { influxCredentials: INFLUX_CREDENTIALS_FILE }),
    });

    process.stdout.write(
      startBanner({
        provinces: inventory.provinces.map((p) => p.name),
        devices: inventory.deviceCount,
        brokerUrl,
        tlsUrl,
        wsUrl,
        influxUrl,
        database: config.influx.database,
        httpUrl,
        dataDir,
      }),
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
      timeZone: inventory.provinces[0]?.timezone ?? DEFAULT_TIMEZONE,
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

/** The default port of the private influxd, InfluxDB's own; moved when taken unless asked for. */
const DEFAULT_INFLUX_PORT = 8086;

/**
 * An existing server when `influx.url` is set, else a private influxd under the data folder: with
 * authentication and generated users, restarted with backoff when it dies (issue #14, points 7, 9, 10).
 */
async function startInflux(
  config: UpConfig,
  logger: Logger,
  steps: (() => Promise<void>)[],
): Promise<{
  url: string;
  credentials?: Awaited<ReturnType<typeof loadOrCreateInfluxdCredentials>>;
  health?: () => InfluxdHealth;
}> {
  // Its stop step is taken now, before the broker's: a stop ends the broker and the ingest first.
  const made: { server?: InfluxdServer } = {};
  steps.push(() => made.server?.stop() ?? Promise.resolve());
  if (config.influx.url !== undefined) return { url: config.influx.url };
  const credentials = await loadOrCreateInfluxdCredentials(join(config.data, INFLUX_CREDENTIALS_FILE));
  const server = (made.server = createInfluxdServer({
    dataDir: join(config.data, 'influxdb'),
    port: config.influx.port ?? DEFAULT_INFLUX_PORT,
    // A port the user asked for is honoured or refused, never silently moved.
    portTaken: config.influx.port === undefined ? 'move' : 'refuse',
    restart: {},
    auth: credentials.admin,
    host: '127.0.0.1',
    ...(config.influx.binary !== undefined && { binary: config.influx.binary }),
    logger: logger.child({ part: 'influxd' }),
  }));
  const { url } = await server.start();
  return { url, credentials, health: () => server.health() };
}

/**
 * /healthz: red as soon as the private influxd is down (the ingest alone turns red only after its
 * writes have failed for 30 s), with what influxd is doing.
 */
function withInfluxd(health: Health, influxd: InfluxdHealth | undefined): Health {
  if (influxd === undefined) return health;
  return { ...health, ok: health.ok && influxd.ok, influxd };
}

/** Another live `loa up` on the same data folder: say so before touching anything of it. */
export class DataFolderInUseError extends Error {
  override name = 'DataFolderInUseError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `data folder ${dataDir} is in use by another Loa (process ${pid}): stop that one first, ` +
        'or give this one another --data',
    );
  }
}

/** Takes the data folder's lock (`loa.lock`); returns its release, the last step of a stop. */
async function lockDataFolder(dataDir: string): Promise<() => Promise<void>> {
  const lock = await takePidLock(join(dataDir, 'loa.lock'));
  if ('heldBy' in lock) throw new DataFolderInUseError(dataDir, lock.heldBy);
  return lock.release;
}
