import type { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { Aedes, type Client } from 'aedes';
import type { Inventory } from '../protocol/index.js';
import { createRateLimitedLog } from '../runtime/index.js';
import type { Principal } from './acl.js';
import { CredentialChecker, type ServiceAccount } from './auth.js';
import { BrokerRefusal, createHooks, type OnAccepted } from './hooks.js';
import { DEFAULT_BROKER_LIMITS, PacketSizeGuard, TokenBuckets, type BrokerLimits } from './limits.js';
import { LoginGuard } from './login-guard.js';
import type { Logger } from '../runtime/index.js';
import { BrokerCounters, type BrokerMetrics } from './metrics.js';
import type { DisconnectReason, OnPresence } from './presence.js';
import { createRedisBackend } from './redis.js';

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

export interface BrokerUrls {
  url: string;
  /** `mqtts://host:port`, with a TLS listener. */
  tlsUrl?: string;
  /** `ws://host:port/mqtt`, with a WebSocket listener. */
  wsUrl?: string;
}

export interface TlsListenerOptions {
  port: number;
  host?: string;
  /** PEM. */
  key: string | Buffer;
  cert: string | Buffer;
  /** CA(s) that sign device certificates: a verified certificate whose CN is a device id logs it in. */
  ca?: string | Buffer;
  /** Refuse TLS connections without a valid client certificate (mutual TLS only). Default false. */
  requireClientCert?: boolean;
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
/** Socket errors that mean the link went away, not that the client misbehaved. */
const LINK_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH']);

/** An embedded aedes broker (MQTT 3.1.1) that authenticates devices against the inventory. No I/O here. */
export function createBroker(options: BrokerOptions): Broker {
  const { logger, host = '127.0.0.1', port = 1883 } = options;
  const now = options.now ?? Date.now;
  const limits: BrokerLimits = { ...DEFAULT_BROKER_LIMITS, ...options.limits };
  let inventory = options.inventory;
  const counters = new BrokerCounters();
  const refusalLog = createRateLimitedLog(logger);
  const connected = new Set<Client>();
  /** Why the broker is closing a client, when it knows; the first reason wins. */
  const ends = new WeakMap<Client, DisconnectReason>();
  const markEnd = (client: Client, reason: DisconnectReason) => {
    if (!ends.has(client)) ends.set(client, reason);
  };
  let stopping = false;
  /** Clients cut off for an oversize packet (see HookContext.cutOff). */
  const cutOff = new WeakSet<Client>();

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
    cutOff: (client) => cutOff.has(client),
    connectBuckets,
    addressConnectBuckets,
    markEnd,
    authenticated: (client) => {
      // The older session of this id is closed when this one registers.
      const older = liveClient(client.id);
      if (older && older !== client) {
        markEnd(older, 'takeover');
        logger.warn(
          { clientId: client.id, address: remoteOf(client) },
          'session taken over by a new connection',
        );
      }
    },
  });
  const { principalOf } = hooks;
  const redis = options.redis === undefined ? undefined : createRedisBackend(options.redis);
  // A device that reconnects to another instance: that instance announces it, and aedes here closes
  // the old session (MQTT 3.1.1 §3.1.4 across instances). Marked before aedes closes it.
  redis?.onNewClient((brokerId, clientId) => {
    const local = liveClient(clientId);
    if (brokerId === broker.id || !local || local.closed) return;
    markEnd(local, 'takeover');
    logger.warn(
      { clientId, address: remoteOf(local), by: brokerId },
      'session taken over by a connection to another broker instance',
    );
  });
  const broker = new Aedes({
    ...redis?.aedesOptions,
    authenticate: hooks.authenticate,
    authorizePublish: hooks.authorizePublish,
    authorizeSubscribe: hooks.authorizeSubscribe,
    maxClientsIdLength: MAX_CLIENT_ID_CHARS,
  });

  /** Numbers presence events: with the time, the key that makes a redelivered event the same point. */
  let presenceSeq = 0;
  /** aedes keeps its live clients by id (not in its typings). */
  function liveClient(id: string): Client | undefined {
    return (broker as unknown as { clients: Record<string, Client | undefined> }).clients[id];
  }

  function presence(principal: Principal | undefined, online: boolean, reason: DisconnectReason | 'connect') {
    if (principal?.kind !== 'device' || !options.onPresence) return;
    presenceSeq = (presenceSeq + 1) % 1_000_000;
    try {
      options.onPresence({ address: principal.address, online, reason, at: now(), seq: presenceSeq });
    } catch (error) {
      counters.presenceErrors++;
      refusalLog('presence', { err: error, device: principal.address.device }, 'presence event not kept');
    }
  }

  broker.on('client', (client) => {
    connected.add(client);
    counters.connectionsTotal++;
    presence(principalOf(client), true, 'connect');
  });
  broker.on('clientDisconnect', (client) => {
    if (!connected.delete(client)) return;
    counters.disconnectionsTotal++;
    const principal = principalOf(client);
    const reason =
      ends.get(client) ??
      (stopping
        ? 'broker_stop'
        : (client as { _disconnected?: boolean })._disconnected === true
          ? 'client_close'
          : 'connection_lost');
    if (principal?.kind === 'device') counters.deviceDisconnects[reason]++;
    presence(principal, false, reason);
  });
  broker.on('unsubscribe', (filters, client) => {
    hooks.unsubscribed(client, filters);
  });
  broker.on('keepaliveTimeout', (client) => {
    markEnd(client, 'keepalive_timeout');
  });
  const onClientError = (client: Client, error: Error) => {
    if (error instanceof BrokerRefusal) return; // counted and logged where it was raised
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && LINK_ERRORS.has(code)) {
      logger.debug({ clientId: client.id, err: error }, 'client connection error');
      return;
    }
    if (error.message === 'keep alive timeout') return;
    if (ends.has(client)) return; // already closed by the broker for a reason of its own
    markEnd(client, 'protocol_error');
    counters.connectionsRefused.protocol_error++;
    refusalLog(
      'protocol_error',
      { clientId: client.id, address: remoteOf(client), err: error },
      'connection closed: protocol error',
    );
  };
  broker.on('clientError', onClientError);
  broker.on('connectionError', onClientError);
  // aedes reports persistence failures as 'error'; without a listener an EventEmitter would throw.
  (broker as EventEmitter).on('error', (error: unknown) => {
    logger.error({ err: error }, 'broker error');
  });

  let server: Server | undefined;
  /** The optional TLS and WebSocket listeners. */
  const extraServers: { close(callback: () => void): void }[] = [];
  let state: 'new' | 'started' | 'stopped' = 'new';
  const sockets = new Set<Duplex>();

  /** Every transport ends here: TCP and TLS sockets, and WebSocket streams. */
  function accept(socket: Duplex, remote: string | undefined, req?: IncomingMessage): void {
    if (sockets.size >= limits.maxConnections || stopping) {
      counters.connectionsRefused.max_connections++;
      refusalLog(
        'max_connections',
        { address: remote, limit: limits.maxConnections },
        'connection refused: too many connections',
      );
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const client = broker.handle(socket, req);
    const guard = new PacketSizeGuard(limits.maxPacketBytes);
    // With a 'readable' listener (aedes's) present, 'data' fires for each chunk aedes read()s, just
    // before aedes parses it: the guard sees the fixed header before the parser buffers the body.
    socket.on('data', (chunk: Buffer) => {
      const size = guard.feed(chunk);
      if (size === undefined || socket.destroyed) return;
      markEnd(client, 'protocol_error');
      cutOff.add(client);
      counters.connectionsRefused.packet_too_large++;
      refusalLog(
        'packet_too_large',
        { clientId: client.id, address: remote, size, limit: limits.maxPacketBytes },
        'connection closed: packet too large',
      );
      socket.destroy();
    });
  }

  const pruneTimer = setInterval(() => {
    publishBuckets.prune();
    loginGuard.prune();
    connectBuckets.prune();
    addressConnectBuckets.prune();
  }, 60_000);
  pruneTimer.unref();

  async function listen(listener: Server, at: { port: number; host?: string }): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(at.port, at.host ?? host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    listener.on('error', (error) => {
      logger.error({ err: error }, 'listener error');
    });
    return listener.address() as AddressInfo;
  }

  async function start(): Promise<BrokerUrls> {
    if (state !== 'new') throw new Error(`the broker is ${state}: create a new one`);
    state = 'started';
    const listener = createServer((socket) => {
      accept(socket, socket.remoteAddress);
    });
    server = listener;
    const urls: BrokerUrls = { url: '' };
    try {
      if (options.verifiedCredentials !== undefined) await credentials.open(options.verifiedCredentials);
      await broker.listen();
      urls.url = `mqtt://${formatAddress(await listen(listener, { port, host }))}`;
      if (options.tls) {
        const { port: tlsPort, host: tlsHost, requireClientCert = false, ...credentials } = options.tls;
        // requestCert: a device may present a certificate (its CN is its id, see auth.ts); whether it
        // must is requireClientCert. The CA in `ca` decides which certificates are verified.
        const tlsServer = createTlsServer(
          { ...credentials, requestCert: true, rejectUnauthorized: requireClientCert },
          (socket) => {
            accept(socket, socket.remoteAddress);
          },
        );
        extraServers.push(tlsServer);
        const at = { port: tlsPort, ...(tlsHost !== undefined && { host: tlsHost }) };
        urls.tlsUrl = `mqtts://${formatAddress(await listen(tlsServer, at))}`;
      }
      if (options.ws) {
        const httpServer = createHttpServer();
        const wss = new WebSocketServer({ server: httpServer, path: options.ws.path ?? '/mqtt' });
        wss.on('connection', (ws, req) => {
          accept(createWebSocketStream(ws), req.socket.remoteAddress, req);
        });
        extraServers.push({
          close: (callback) => {
            wss.close();
            httpServer.close(callback);
          },
        });
        const at = { port: options.ws.port, ...(options.ws.host !== undefined && { host: options.ws.host }) };
        urls.wsUrl = `ws://${formatAddress(await listen(httpServer, at))}${options.ws.path ?? '/mqtt'}`;
      }
    } catch (error) {
      await stop();
      throw error;
    }
    logger.info(urls, 'broker listening');
    return urls;
  }

  async function stop(): Promise<void> {
    const listener = server;
    state = 'stopped';
    clearInterval(pruneTimer);
    if (!listener) return;
    server = undefined;
    stopping = true;
    const closed = [listener, ...extraServers.splice(0)].map(
      (s) =>
        new Promise<void>((resolve) => {
          // Stops accepting at once; calls back (with an error if it never listened) when the last
          // connection is gone.
          s.close(() => {
            resolve();
          });
        }),
    );
    await new Promise<void>((resolve) => {
      broker.close(resolve);
    });
    // Connections that never completed a CONNECT are not aedes clients yet.
    for (const socket of sockets) socket.destroy();
    await Promise.all(closed);
    await redis?.close();
    logger.info({}, 'broker stopped');
  }

  function setInventory(next: Inventory): string[] {
    const previous = inventory;
    inventory = next;
    counters.inventoryReloads++;
    const dropped: string[] = [];
    for (const client of connected) {
      const principal = principalOf(client);
      if (principal?.kind !== 'device') continue;
      const before = principal.address.device;
      const device = next.device(before);
      const same =
        device?.monitored === true &&
        device.province === principal.address.province &&
        device.commune === principal.address.commune &&
        device.secretHash === previous.device(before)?.secretHash;
      if (same) continue;
      markEnd(client, 'removed');
      dropped.push(before);
      client.close();
    }
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

function remoteOf(client: Client): string | undefined {
  return (client.conn as { remoteAddress?: string }).remoteAddress;
}

function formatAddress({ address, port }: AddressInfo): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}
