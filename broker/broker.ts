import { Aedes } from 'aedes';
import type { Inventory } from '../protocol/index.js';
import { createRateLimitedLog } from '../runtime/index.js';
import { Admission } from './admission.js';
import { CredentialChecker, type ServiceAccount } from './auth.js';
import { createHooks, type OnAccepted } from './hooks.js';
import { staleDeviceSessions } from './inventory-swap.js';
import { DEFAULT_BROKER_LIMITS, TokenBuckets, type BrokerLimits } from './limits.js';
import { Listeners, type BrokerUrls, type TlsListenerOptions } from './listeners.js';
import { LoginGuard } from './login-guard.js';
import type { Logger } from '../runtime/index.js';
import { BrokerCounters, type BrokerMetrics } from './metrics.js';
import type { OnPresence } from './presence.js';
import { createRedisBackend } from './redis.js';
import { DisconnectReasons, noteRemoteTakeover, noteTakeover, watchSessions } from './sessions.js';

export type { BrokerUrls, TlsListenerOptions } from './listeners.js';

export interface BrokerOptions {
  /** Source of device identity: username = device id, password = the secret hashed in the inventory. */
  inventory: Inventory;
  serviceAccounts?: readonly ServiceAccount[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 1883; 0 = any free port (see the url start() returns). */
  port?: number;
  logger: Logger;
  /** The durability hook (see OnAccepted): device telemetry and Wills, before they are acknowledged. */
  onAccepted?: OnAccepted;
  /** Device connects and disconnects with their reason (see OnPresence). */
  onPresence?: OnPresence;
  /** An optional TLS listener, optionally mutual TLS (issue #3, point 1). */
  tls?: TlsListenerOptions;
  /**
   * `redis://host:port/db`: share messages, sessions and retained messages with other instances on the
   * same Redis (mqemitter-redis, aedes-persistence-redis). Its clients connect as the broker is
   * created (the one exception to "no I/O in a constructor": aedes takes them at construction).
   */
  redis?: string;
  /** An optional WebSocket listener (MQTT over WebSocket, path default `/mqtt`). */
  ws?: { port: number; host?: string; path?: string };
  /**
   * A file (created 0600) keeping the credentials verified with scrypt, as keyed digests, across
   * restarts (broker/credential-store.ts): a restarted broker accepts its fleet without one scrypt per
   * device. Without it they are kept in memory only.
   */
  verifiedCredentials?: string;
  /** Limits against misbehaving clients; each defaults to DEFAULT_BROKER_LIMITS. */
  limits?: Partial<BrokerLimits>;
  /** Clock for receivedAt; default Date.now. */
  now?: () => number;
}

export interface Broker {
  /** Listens; resolves with the address as `mqtt://host:port` (and the TLS and WebSocket ones). */
  start(): Promise<BrokerUrls>;
  /** Closes every client and the listener. Wills are held back: the broker is leaving, not the devices. */
  stop(): Promise<void>;
  metrics(): BrokerMetrics;
  /**
   * Puts a new inventory in force (issue #3, point 5). Devices still in it, unchanged, keep their
   * sessions; a device removed, made unmonitored, moved or given a new secret is disconnected (reason
   * `removed`) and must authenticate again. Returns the ids disconnected.
   */
  setInventory(next: Inventory): string[];
  /** Counts a refused reload on /metrics (the inventory in force did not change). */
  reloadFailed(): void;
  /**
   * Publishes platform output from the broker itself (no access rules: it is the broker speaking), QoS 1,
   * not retained: delivered to subscribers on every instance, and queued for a persistent session that
   * is away (the ingest's, clean: false) as aedes queues any QoS 1 message. A failure is logged.
   */
  publish(topic: string, payload: Buffer): void;
  /** The embedded aedes instance, for in-process consumers. */
  readonly aedes: Aedes;
}

/** Ids from the wire are bounded by the slug rule (64) or a service account's name; MQTT 3.1 said 23. */
const MAX_CLIENT_ID_CHARS = 256;

/**
 * An embedded aedes broker (MQTT 3.1.1) that authenticates devices against the inventory. No I/O here.
 * Its parts, each in a file of its own: the login throttles and credential checks (hooks.ts, auth.ts,
 * login-guard.ts), the sessions and their disconnect reasons (sessions.ts), the connection limits
 * (admission.ts), the listeners (listeners.ts), the reload (inventory-swap.ts), and what is read from
 * aedes beyond its typings (aedes-adapter.ts).
 */
export function createBroker(options: BrokerOptions): Broker {
  const { logger, host = '127.0.0.1', port = 1883 } = options;
  const now = options.now ?? Date.now;
  const limits: BrokerLimits = { ...DEFAULT_BROKER_LIMITS, ...options.limits };
  let inventory = options.inventory;
  const counters = new BrokerCounters();
  const refusalLog = createRateLimitedLog(logger);
  const reasons = new DisconnectReasons();
  let stopping = false;

  const credentials = new CredentialChecker({
    inventory: () => inventory,
    ...(options.serviceAccounts !== undefined && { serviceAccounts: options.serviceAccounts }),
  });
  // Throttles use the wall clock even when a test fixes `now` for receipt times.
  const publishBuckets = new TokenBuckets(limits.publishPerSecond, limits.publishBurst, Date.now);
  const loginGuard = new LoginGuard(
    {
      failuresPerClientAddress: limits.authFailuresPerClientId,
      failuresPerAddress: limits.authFailuresPerAddress,
      windowMs: limits.authWindowMs,
      slowChecksPerAddress: limits.slowChecksPerAddress,
      slowChecksForSuspects: limits.slowChecksForSuspects,
      slowChecksInFlight: limits.slowChecksInFlight,
      slowCheckQueue: limits.slowCheckQueue,
    },
    Date.now,
  );
  const connectBuckets = new TokenBuckets(limits.connectsPerSecond, limits.connectBurst, Date.now);
  const addressConnectBuckets = new TokenBuckets(
    limits.connectsPerSecondPerAddress,
    limits.connectBurstPerAddress,
    Date.now,
  );
  const hooks = createHooks({
    credentials,
    inventory: () => inventory,
    counters,
    logger,
    refusalLog,
    onAccepted: options.onAccepted,
    now,
    stopping: () => stopping,
    publishBuckets,
    loginGuard,
    limits,
    cutOff: (client) => admission.cutOff(client),
    connectBuckets,
    addressConnectBuckets,
    markEnd: (client, reason) => {
      reasons.mark(client, reason);
    },
    // The older session of this id is closed when this one registers.
    authenticated: (client) => {
      noteTakeover(broker, reasons, logger, client);
    },
  });
  const { principalOf } = hooks;
  const redis = options.redis === undefined ? undefined : createRedisBackend(options.redis);
  redis?.onNewClient((brokerId, clientId) => {
    noteRemoteTakeover(broker, reasons, logger, clientId, brokerId);
  });
  const broker = new Aedes({
    ...redis?.aedesOptions,
    authenticate: hooks.authenticate,
    authorizePublish: hooks.authorizePublish,
    authorizeSubscribe: hooks.authorizeSubscribe,
    maxClientsIdLength: MAX_CLIENT_ID_CHARS,
  });
  const connected = watchSessions({
    aedes: broker,
    reasons,
    counters,
    logger,
    refusalLog,
    principalOf,
    unsubscribed: hooks.unsubscribed,
    onPresence: options.onPresence,
    now,
    stopping: () => stopping,
  });
  const admission = new Admission({
    aedes: broker,
    limits,
    counters,
    refusalLog,
    reasons,
    stopping: () => stopping,
  });
  const listeners = new Listeners(
    {
      host,
      port,
      logger,
      ...(options.tls !== undefined && { tls: options.tls }),
      ...(options.ws !== undefined && { ws: options.ws }),
    },
    (socket, remote, req) => {
      admission.accept(socket, remote, req);
    },
  );

  const pruneTimer = setInterval(() => {
    publishBuckets.prune();
    loginGuard.prune();
    connectBuckets.prune();
    addressConnectBuckets.prune();
  }, 60_000);
  pruneTimer.unref();
  let state: 'new' | 'started' | 'stopped' = 'new';

  async function start(): Promise<BrokerUrls> {
    if (state !== 'new') throw new Error(`the broker is ${state}: create a new one`);
    state = 'started';
    let urls: BrokerUrls;
    try {
      if (options.verifiedCredentials !== undefined) await credentials.open(options.verifiedCredentials);
      await broker.listen();
      urls = await listeners.open();
    } catch (error) {
      await stop();
      throw error;
    }
    logger.info(urls, 'broker listening');
    return urls;
  }

  async function stop(): Promise<void> {
    const wasStarted = state === 'started';
    state = 'stopped';
    clearInterval(pruneTimer);
    if (!wasStarted || stopping) return;
    stopping = true;
    const closed = listeners.close();
    await new Promise<void>((resolve) => {
      broker.close(resolve);
    });
    admission.destroyAll();
    await closed;
    await redis?.close();
    logger.info({}, 'broker stopped');
  }

  function setInventory(next: Inventory): string[] {
    const stale = staleDeviceSessions(connected, principalOf, inventory, next);
    inventory = next;
    counters.inventoryReloads++;
    for (const { client } of stale) {
      reasons.mark(client, 'removed');
      client.close();
    }
    const dropped = stale.map((s) => s.device);
    if (dropped.length > 0)
      logger.warn(
        { devices: dropped.slice(0, 50), count: dropped.length },
        'devices disconnected by an inventory reload',
      );
    return dropped;
  }

  return {
    start,
    stop,
    metrics: () => counters.snapshot(connected.size, loginGuard.slowChecks),
    setInventory,
    reloadFailed: () => {
      counters.inventoryReloadFailures++;
    },
    publish(topic, payload) {
      broker.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, (error) => {
        if (error) refusalLog('platform_publish', { err: error, topic }, 'platform publication failed');
      });
    },
    aedes: broker,
  };
}
