import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import {
  brokerMetricFamilies,
  createBroker,
  createInventoryReloader,
  type Broker,
  type ServiceAccount,
} from '../broker/index.js';
import { brokerPresenceTopic, encodeBrokerPresence, loadInventory } from '../protocol/index.js';
import { createLogger, createOpsServer } from '../runtime/index.js';
import { brokerListenerOptions } from './broker-listeners.js';
import { ConfigError } from './config.js';
import { serviceAccountsFileSchema, type BrokerConfig } from './schema.js';

/**
 * `loa broker`: the embedded broker alone, without an ingest (DESIGN §2, "outgrowing one machine"):
 * devices and service accounts connect over MQTT, and `loa ingest` replicas consume the stream.
 */
export async function runBroker(config: BrokerConfig): Promise<void> {
  // Everything the user wrote is checked before anything listens.
  const inventory = await loadInventory(config.inventory);
  const serviceAccounts =
    config.serviceAccounts === undefined ? [] : await loadServiceAccounts(config.serviceAccounts);

  const listeners = await brokerListenerOptions(config);

  const logger = createLogger({ name: 'loa-broker' });
  let broker: Broker;
  try {
    broker = createBroker({
      inventory,
      serviceAccounts,
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

/** Reads and validates the service accounts file; problems name the file, the line and the field. */
export async function loadServiceAccounts(file: string): Promise<ServiceAccount[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read: ${(error as Error).message}`);
  }
  return parseServiceAccounts(text, file);
}

export function parseServiceAccounts(text: string, file: string): ServiceAccount[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const [yamlError] = doc.errors;
  if (yamlError !== undefined) {
    const { line } = lines.linePos(yamlError.pos[0]);
    throw new ConfigError(`${file}:${line}: not valid YAML: ${yamlError.message.split('\n')[0] ?? ''}`);
  }
  const result = serviceAccountsFileSchema.safeParse(doc.toJS() ?? []);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues
        .slice(0, 20)
        .map((issue) => {
          const line = lineOf(doc, issue.path, lines);
          const path = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
          const message =
            issue.path.length === 0 && issue.code === 'invalid_type'
              ? 'must be a YAML list of { username, secret, role }'
              : issue.message;
          return `${file}${line === undefined ? '' : `:${line}`}: ${path}${message}`;
        })
        .join('\n'),
    );
  }
  return result.data.map(({ username, secret, role, province }) =>
    province === undefined
      ? { username, secretHash: secret, role }
      : { username, secretHash: secret, role, province },
  );
}

/** `[1].secret`, as the inventory's messages write paths. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`))
    .join('');
}

/** The line of the deepest node of `path` that exists in the document. */
function lineOf(doc: Document, path: readonly PropertyKey[], lines: LineCounter): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
