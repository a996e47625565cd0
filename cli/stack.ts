import { hostname } from 'node:os';
import {
  brokerSelfMetricsLine,
  createBroker,
  type Broker,
  type BrokerOptions,
  type ServiceAccount,
} from '../broker/index.js';
import type { PointWriter } from '../influx/index.js';
import { createIngest, type Ingest, type IngestOptions } from '../ingest/index.js';
import type { Inventory } from '../protocol/index.js';
import type { Logger } from '../runtime/index.js';

export interface LocalStackOptions {
  inventory: Inventory;
  writer: PointWriter;
  walDir: string;
  logger: Logger;
  mqtt: { host: string; port: number };
  serviceAccounts?: readonly ServiceAccount[];
  /** The broker's optional TLS and WebSocket listeners, limits and Redis (as `loa broker` has them). */
  broker?: Pick<BrokerOptions, 'tls' | 'ws' | 'redis' | 'limits' | 'serviceAccounts' | 'verifiedCredentials'>;
  ingest?: Omit<IngestOptions, 'inventory' | 'writer' | 'walDir' | 'logger'>;
}

export interface LocalStack {
  readonly broker: Broker;
  readonly ingest: Ingest;
  /** The broker's URLs: `brokerUrl` (TCP), and the TLS and WebSocket ones when asked for. */
  start(): Promise<{ brokerUrl: string; tlsUrl?: string; wsUrl?: string }>;
  stop(): Promise<void>;
}

/**
 * The one-machine deployment (docs/architecture.md): the embedded broker hands every accepted message to the
 * in-process ingest before it acknowledges it. `loa up`, the end-to-end tests and the benchmarks all
 * run this same composition.
 */
export function createLocalStack(options: LocalStackOptions): LocalStack {
  const instance = options.ingest?.instance ?? hostname();
  const ingest = createIngest({
    ...options.ingest,
    instance,
    // The embedded broker has no writer of its own: its `broker` self-metrics ride with the ingest's.
    selfMetricsSources: [() => brokerSelfMetricsLine(broker.metrics(), instance, Date.now())],
    inventory: options.inventory,
    writer: options.writer,
    walDir: options.walDir,
    logger: options.logger.child({ part: 'ingest' }),
  });
  const broker = createBroker({
    ...options.broker,
    inventory: options.inventory,
    host: options.mqtt.host,
    port: options.mqtt.port,
    logger: options.logger.child({ part: 'broker' }),
    ...(options.serviceAccounts && { serviceAccounts: options.serviceAccounts }),
    onAccepted: (topic, payload, receivedAt) => {
      ingest.accept(topic, payload, receivedAt);
    },
    // Connects and disconnects seen by the broker go through the same write-ahead log (issue #3).
    onPresence: (event) => {
      ingest.acceptBrokerPresence(event);
    },
  });
  return {
    broker,
    ingest,
    async start() {
      await ingest.start();
      try {
        const { url, ...others } = await broker.start();
        return { brokerUrl: url, ...others };
      } catch (error) {
        await ingest.stop();
        throw error;
      }
    },
    async stop() {
      // Broker first: no message may be accepted by an ingest that is closing its log.
      await broker.stop();
      await ingest.stop();
    },
  };
}
