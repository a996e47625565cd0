import type { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type Client } from 'aedes';
import type { Inventory } from '../protocol/index.js';
import { CredentialChecker, type ServiceAccount } from './auth.js';
import { createHooks, type OnAccepted } from './hooks.js';
import type { BrokerLogger } from './logger.js';
import { BrokerCounters, type BrokerMetrics } from './metrics.js';

export interface BrokerOptions {
  /** Source of device identity: username = device id, password = the secret hashed in the inventory. */
  inventory: Inventory;
  serviceAccounts?: readonly ServiceAccount[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 1883; 0 = any free port (see the url start() returns). */
  port?: number;
  logger: BrokerLogger;
  /** The durability hook (see OnAccepted): device telemetry and Wills, before they are acknowledged. */
  onAccepted?: OnAccepted;
  /** Clock for receivedAt; default Date.now. */
  now?: () => number;
}

export interface Broker {
  /** Listens; resolves with the address as `mqtt://host:port`. */
  start(): Promise<{ url: string }>;
  /** Closes every client and the listener. Wills are held back: the broker is leaving, not the devices. */
  stop(): Promise<void>;
  metrics(): BrokerMetrics;
  /** The embedded aedes instance, for in-process consumers. */
  readonly aedes: Aedes;
}

/** An embedded aedes broker (MQTT 3.1.1) that authenticates devices against the inventory. No I/O here. */
export function createBroker(options: BrokerOptions): Broker {
  const { inventory, logger, host = '127.0.0.1', port = 1883 } = options;
  const counters = new BrokerCounters();
  const connected = new Set<Client>();
  let stopping = false;

  const credentials = new CredentialChecker({
    inventory: () => inventory,
    ...(options.serviceAccounts !== undefined && { serviceAccounts: options.serviceAccounts }),
  });
  const hooks = createHooks({
    credentials,
    inventory: () => inventory,
    counters,
    logger,
    onAccepted: options.onAccepted,
    now: options.now ?? Date.now,
    stopping: () => stopping,
  });
  const aedes = new Aedes(hooks);

  aedes.on('client', (client) => {
    connected.add(client);
    counters.connectionsTotal++;
  });
  aedes.on('clientDisconnect', (client) => {
    if (connected.delete(client)) counters.disconnectionsTotal++;
  });
  aedes.on('clientError', (client, error) => {
    logger.debug({ clientId: client.id, err: error }, 'client error');
  });
  aedes.on('connectionError', (_client, error) => {
    logger.debug({ err: error }, 'connection error before CONNECT');
  });
  // aedes reports persistence failures as 'error'; without a listener an EventEmitter would throw.
  (aedes as EventEmitter).on('error', (error: unknown) => {
    logger.error({ err: error }, 'broker error');
  });

  let server: Server | undefined;
  let state: 'new' | 'started' | 'stopped' = 'new';
  const sockets = new Set<Socket>();

  async function start(): Promise<{ url: string }> {
    if (state !== 'new') throw new Error(`the broker is ${state}: create a new one`);
    state = 'started';
    const listener = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      aedes.handle(socket);
    });
    server = listener;
    try {
      await aedes.listen();
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(port, host, () => {
          listener.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await stop();
      throw error;
    }
    listener.on('error', (error) => {
      logger.error({ err: error }, 'listener error');
    });
    const address = listener.address() as AddressInfo;
    const url = `mqtt://${formatHost(address.address)}:${address.port}`;
    logger.info({ url }, 'broker listening');
    return { url };
  }

  async function stop(): Promise<void> {
    const listener = server;
    state = 'stopped';
    if (!listener) return;
    server = undefined;
    stopping = true;
    const closed = new Promise<void>((resolve) => {
      // Stops accepting at once; calls back (with an error if it never listened) when the last
      // connection is gone.
      listener.close(() => {
        resolve();
      });
    });
    await new Promise<void>((resolve) => {
      aedes.close(resolve);
    });
    // Connections that never completed a CONNECT are not aedes clients yet.
    for (const socket of sockets) socket.destroy();
    await closed;
    logger.info({}, 'broker stopped');
  }

  return {
    start,
    stop,
    metrics: () => counters.snapshot(connected.size),
    aedes,
  };
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
