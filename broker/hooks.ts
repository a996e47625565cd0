import type { AedesOptions, Client, PublishPacket } from 'aedes';
import type { Inventory } from '../protocol/index.js';
import {
  authorizePublishRule,
  authorizeSubscribeRule,
  devicePrincipal,
  type Principal,
  type PublishRefusal,
} from './acl.js';
import type { CredentialChecker } from './auth.js';
import type { BrokerLogger } from './logger.js';
import type { BrokerCounters } from './metrics.js';

/**
 * The durability hook: called synchronously for each accepted device publication and Will, after the
 * access rules and before aedes acknowledges it (aedes sends the PUBACK before subscribers or its
 * `published` hook see a message, DESIGN §9). Throwing refuses the publication: the client is
 * disconnected and resends, so nothing acknowledged is lost.
 */
export type OnAccepted = (topic: string, payload: Buffer, receivedAt: number) => void;

export interface HookContext {
  credentials: CredentialChecker;
  /** For Wills that aedes releases without a live client (left behind by another broker instance). */
  inventory: () => Inventory;
  counters: BrokerCounters;
  logger: BrokerLogger;
  onAccepted: OnAccepted | undefined;
  now: () => number;
  /** True once stop() began: Wills are then held back, the devices did not die. */
  stopping: () => boolean;
}

type Hooks = Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>>;

/** Longest username echoed into logs: it comes from the wire. */
const LOGGED_NAME_CHARS = 128;

/** The aedes hooks that authenticate clients and apply the access rules of acl.ts. */
export function createHooks(ctx: HookContext): Hooks {
  const { credentials, counters, logger, now } = ctx;
  /** Who each authenticated connection is; gone with the client object. */
  const principals = new WeakMap<Client, Principal>();

  const authenticate: Hooks['authenticate'] = (client, username, password, done) => {
    const clientId = client.id;
    credentials
      .check(clientId, username, password)
      .then((outcome) => {
        if (outcome.ok) {
          principals.set(client, outcome.principal);
          done(null, true);
          return;
        }
        counters.authFailures[outcome.reason]++;
        logger.info(
          { clientId: clientId.slice(0, LOGGED_NAME_CHARS), username: username?.slice(0, LOGGED_NAME_CHARS) },
          `connection refused: ${outcome.reason}`,
        );
        const error = Object.assign(new Error(`connection refused: ${outcome.reason}`), {
          returnCode: outcome.returnCode,
        });
        done(error, false);
      })
      .catch((error: unknown) => {
        logger.error({ err: error, clientId }, 'authentication hook failed');
      });
  };

  const refuse = (
    reason: PublishRefusal,
    client: Client | null,
    packet: PublishPacket,
    will: boolean,
    error?: unknown,
  ): Error => {
    counters.publishesRefused[reason]++;
    const fields = { clientId: client?.id ?? willClientId(packet), topic: packet.topic, will, reason };
    if (reason === 'durability') logger.error({ ...fields, err: error }, 'durability hook failed');
    else if (reason === 'stopping') logger.debug(fields, 'will held back: broker stopping');
    else logger.warn(fields, `publish refused: ${reason}`);
    return new Error(`publish refused: ${reason}`);
  };

  const authorizePublish: Hooks['authorizePublish'] = (client, packet, callback) => {
    const receivedAt = now();
    // aedes authorizes client publications only while the client is open, and Wills once it has closed
    // (or, from another broker instance, with no client at all).
    const will = client === null || client.closed;
    if (will && ctx.stopping()) {
      callback(refuse('stopping', client, packet, will));
      return;
    }
    const principal = client ? principals.get(client) : willPrincipal(packet, ctx.inventory());
    if (!principal) {
      callback(refuse('unauthenticated', client, packet, will));
      return;
    }
    const decision = authorizePublishRule(principal, packet.topic, packet.retain);
    if (!decision.ok) {
      callback(refuse(decision.reason, client, packet, will));
      return;
    }
    if (decision.telemetry && ctx.onAccepted) {
      try {
        ctx.onAccepted(packet.topic, toBuffer(packet.payload), receivedAt);
      } catch (error) {
        callback(refuse('durability', client, packet, will, error));
        return;
      }
    }
    counters.publishesAccepted++;
    if (will) counters.willsAccepted++;
    callback(null);
  };

  const authorizeSubscribe: Hooks['authorizeSubscribe'] = (client, subscription, callback) => {
    const principal = principals.get(client);
    if (principal && authorizeSubscribeRule(principal, subscription.topic)) {
      callback(null, subscription);
      return;
    }
    counters.subscriptionsRefused++;
    logger.warn({ clientId: client.id, filter: subscription.topic }, 'subscription refused');
    // A null subscription is answered with the SUBACK failure code 0x80; the client stays connected.
    callback(null, null);
  };

  return { authenticate, authorizePublish, authorizeSubscribe };
}

function toBuffer(payload: string | Buffer): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

/** aedes's persistence stamps each stored Will with the id of the client that registered it. */
function willClientId(packet: PublishPacket): string | undefined {
  const id = (packet as { clientId?: unknown }).clientId;
  return typeof id === 'string' ? id : undefined;
}

/** The device behind a Will released without its client (only devices' Wills are honoured then). */
function willPrincipal(packet: PublishPacket, inventory: Inventory): Principal | undefined {
  const id = willClientId(packet);
  const device = id === undefined ? undefined : inventory.device(id);
  return device?.monitored ? devicePrincipal(device) : undefined;
}
