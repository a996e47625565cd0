import { brokerMetricFamilies, createBroker, createInventoryReloader, type Broker } from '../broker/index.js';
import { brokerPresenceTopic, encodeBrokerPresence, loadInventory } from '../protocol/index.js';
import { createLogger, createOpsServer } from '../runtime/index.js';
import { brokerListenerOptions } from './broker-listeners.js';
import { ConfigError } from './config.js';
import type { BrokerConfig } from './schema.js';

/**
 * `loa broker`: the embedded broker alone, without an ingest (docs/architecture.md, "outgrowing one machine"):
 * devices and service accounts connect over MQTT, and `loa ingest` replicas consume the stream.
 */
export async function runBroker(config: BrokerConfig): Promise<void> {
  // Everything the user wrote is checked before anything listens.
  const inventory = await loadInventory(config.inventory);
  const listeners = await brokerListenerOptions(config);
  const serviceAccounts = listeners.serviceAccounts ?? [];

  const logger = createLogger({ name: 'loa-broker' });
  let broker: Broker;
  try {
    broker = createBroker({
      inventory,
      host: config.mqtt.host,
      port: config.mqtt.port,
      ...listeners,
      logger: logger.child({ part: 'broker' }),
      // No ingest in this process: presence goes to the `loa ingest` replicas over MQTT, QoS 1, on a
      // `_platform` topic no device can write; the broker queues it while an ingest is away.
      onPresence: (event) => {
        broker.publish(brokerPresenceTopic(event.address), encodeBrokerPresence(event));
      },
    });
  } catch (error) {
    // The accounts clash with the inventory (a username that is also a device id).
    if (config.serviceAccounts === undefined) throw error;
    throw new ConfigError(`${config.serviceAccounts}: ${(error as Error).message}`);
  }

  const ops = createOpsServer({
    host: config.http.host,
    port: config.http.port,
    collectors: [() => brokerMetricFamilies(broker.metrics())],
    health: () => ({ ok: true, connectedClients: broker.metrics().connectedClients }),
  });

  // Issue #3, point 5: a changed folder or SIGHUP puts the new inventory in force; a broken one is
  // refused and the old one stays.
  const reloader = createInventoryReloader({
    dir: config.inventory,
    load: loadInventory,
    apply: (next) => {
      broker.setInventory(next);
    },
    failed: () => {
      broker.reloadFailed();
    },
    logger,
  });
  const onHangup = () => void reloader.reload();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      reloader.stop();
      process.off('SIGHUP', onHangup);
      for (const step of [() => broker.stop(), () => ops.stop()]) {
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
    const { url: brokerUrl, tlsUrl, wsUrl } = await broker.start();
    const { url: httpUrl } = await ops.start();
    reloader.start();
    process.on('SIGHUP', onHangup);
    const monitored = [...inventory.allDevices()].filter((d) => d.monitored).length;
    process.stdout.write(
      [
        `broker ${brokerUrl}`,
        ...(tlsUrl === undefined ? [] : [`  tls        ${tlsUrl}`]),
        ...(wsUrl === undefined ? [] : [`  websocket  ${wsUrl}`]),
        `  inventory  ${inventory.deviceCount} devices (${monitored} monitored), ` +
          `${serviceAccounts.length} service account(s)`,
        `  metrics    ${httpUrl}/metrics   health ${httpUrl}/healthz`,
        '',
      ].join('\n'),
    );
  } catch (error) {
    await stop();
    throw error;
  }
}
