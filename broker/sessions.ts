import type { EventEmitter } from 'node:events';
import type { Aedes, Client } from 'aedes';
import type { RateLimitedLog } from '../runtime/index.js';
import type { Principal } from './acl.js';
import { closedByClient, liveClient, remoteAddress } from './aedes-adapter.js';
import { BrokerRefusal } from './hooks.js';
import type { Logger } from '../runtime/index.js';
import type { BrokerCounters } from './metrics.js';
import type { DisconnectReason, OnPresence } from './presence.js';

/** Socket errors that mean the link went away, not that the client misbehaved. */
const LINK_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH']);

/**
 * Why the broker is closing a client, when it knows (the first reason given wins); otherwise the reason
 * is read from how the session ended (reasonFor).
 */
export class DisconnectReasons {
  private readonly ends = new WeakMap<Client, DisconnectReason>();

  mark(client: Client, reason: DisconnectReason): void {
    if (!this.ends.has(client)) this.ends.set(client, reason);
  }

  marked(client: Client): boolean {
    return this.ends.has(client);
  }

  /** The reason a session ended: the broker's own, else its stop, a DISCONNECT, or a lost link. */
  reasonFor(client: Client, stopping: boolean): DisconnectReason {
    const marked = this.ends.get(client);
    if (marked !== undefined) return marked;
    if (stopping) return 'broker_stop';
    return closedByClient(client) ? 'client_close' : 'connection_lost';
  }
}

export interface SessionsOptions {
  aedes: Aedes;
  reasons: DisconnectReasons;
  counters: BrokerCounters;
  logger: Logger;
  refusalLog: RateLimitedLog;
  principalOf: (client: Client) => Principal | undefined;
  /** Frees the filters a client unsubscribed from (the subscription cap). */
  unsubscribed: (client: Client, filters: readonly string[]) => void;
  onPresence: OnPresence | undefined;
  now: () => number;
  stopping: () => boolean;
}

/**
 * The sessions aedes reports: counted, turned into presence events with their disconnect reason, and
 * client errors sorted into lost links (debug) and protocol errors (counted, closed). Returns the set of
 * authenticated clients, kept up to date.
 */
export function watchSessions(options: SessionsOptions): ReadonlySet<Client> {
  const { aedes, reasons, counters, logger, refusalLog, principalOf } = options;
  const connected = new Set<Client>();
  /** Numbers presence events: with the time, the key that makes a redelivered event the same point. */
  let presenceSeq = 0;

  function presence(principal: Principal | undefined, online: boolean, reason: DisconnectReason | 'connect') {
    if (principal?.kind !== 'device' || !options.onPresence) return;
    presenceSeq = (presenceSeq + 1) % 1_000_000;
    try {
      options.onPresence({ address: principal.address, online, reason, at: options.now(), seq: presenceSeq });
    } catch (error) {
      counters.presenceErrors++;
      refusalLog('presence', { err: error, device: principal.address.device }, 'presence event not kept');
    }
  }

  aedes.on('client', (client) => {
    connected.add(client);
    counters.connectionsTotal++;
    presence(principalOf(client), true, 'connect');
  });
  aedes.on('clientDisconnect', (client) => {
    if (!connected.delete(client)) return;
    counters.disconnectionsTotal++;
    const principal = principalOf(client);
    const reason = reasons.reasonFor(client, options.stopping());
    if (principal?.kind === 'device') counters.deviceDisconnects[reason]++;
    presence(principal, false, reason);
  });
  aedes.on('unsubscribe', (filters, client) => {
    options.unsubscribed(client, filters);
  });
  aedes.on('keepaliveTimeout', (client) => {
    reasons.mark(client, 'keepalive_timeout');
  });
  const onClientError = (client: Client, error: Error) => {
    if (error instanceof BrokerRefusal) return; // counted and logged where it was raised
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && LINK_ERRORS.has(code)) {
      logger.debug({ clientId: client.id, err: error }, 'client connection error');
      return;
    }
    if (error.message === 'keep alive timeout') return;
    if (reasons.marked(client)) return; // already closed by the broker for a reason of its own
    reasons.mark(client, 'protocol_error');
    counters.connectionsRefused.protocol_error++;
    refusalLog(
      'protocol_error',
      { clientId: client.id, address: remoteAddress(client), err: error },
      'connection closed: protocol error',
    );
  };
  aedes.on('clientError', onClientError);
  aedes.on('connectionError', onClientError);
  // aedes reports persistence failures as 'error'; without a listener an EventEmitter would throw.
  (aedes as EventEmitter).on('error', (error: unknown) => {
    logger.error({ err: error }, 'broker error');
  });
  return connected;
}

/** A new session of the same client id is taking over a live one here (MQTT 3.1.1 §3.1.4). */
export function noteTakeover(aedes: Aedes, reasons: DisconnectReasons, logger: Logger, newer: Client): void {
  // Marked before aedes closes the older session, as it does when the newer one registers.
  const older = liveClient(aedes, newer.id);
  if (!older || older === newer) return;
  reasons.mark(older, 'takeover');
  logger.warn(
    { clientId: newer.id, address: remoteAddress(newer) },
    'session taken over by a new connection',
  );
}

/**
 * A device reconnected to another broker instance, which announced it (mqemitter-redis): aedes here
 * closes the old session (MQTT 3.1.1 §3.1.4 across instances); its reason is marked first.
 */
export function noteRemoteTakeover(
  aedes: Aedes,
  reasons: DisconnectReasons,
  logger: Logger,
  clientId: string,
  by: string,
): void {
  const local = liveClient(aedes, clientId);
  if (by === aedes.id || !local || local.closed) return;
  reasons.mark(local, 'takeover');
  logger.warn(
    { clientId, address: remoteAddress(local), by },
    'session taken over by a connection to another broker instance',
  );
}
