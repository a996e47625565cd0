import { TLSSocket } from 'node:tls';
import type { AedesOptions, Client, PublishPacket } from 'aedes';
import type { Inventory } from '../protocol/index.js';
import {
  authorizePublishRule,
  authorizeSubscribeRule,
  devicePrincipal,
  type Principal,
  type PublishRefusal,
} from './acl.js';
import { remoteAddress, willClientId } from './aedes-adapter.js';
import { authFailure, type AuthOutcome, type CredentialChecker } from './auth.js';
import type { BrokerLimits, TokenBuckets } from './limits.js';
import type { LoginGuard } from './login-guard.js';
import type { Logger } from '../runtime/index.js';
import type { BrokerCounters, SubscriptionRefusal } from './metrics.js';
import type { DisconnectReason } from './presence.js';
import type { RateLimitedLog as RefusalLog } from '../runtime/index.js';

/**
 * The durability hook: called synchronously for each accepted device publication and Will, after the
 * access rules and before aedes acknowledges it (aedes sends the PUBACK before subscribers or its
 * `published` hook see a message, docs/design.md#facts-worth-keeping-at-hand). Throwing refuses the publication: the client is
 * disconnected and resends, so nothing acknowledged is lost.
 */
export type OnAccepted = (topic: string, payload: Buffer, receivedAt: number) => void;

export interface HookContext {
  credentials: CredentialChecker;
  /** For Wills that aedes releases without a live client (left behind by another broker instance). */
  inventory: () => Inventory;
  counters: BrokerCounters;
  logger: Logger;
  /** Refusals are logged once per kind per interval (a flood must not drown the log). */
  refusalLog: RefusalLog;
  onAccepted: OnAccepted | undefined;
  now: () => number;
  /** True once stop() began: Wills are then held back, the devices did not die. */
  stopping: () => boolean;
  publishBuckets: TokenBuckets;
  loginGuard: LoginGuard;
  limits: Pick<BrokerLimits, 'maxSubscriptionsPerClient' | 'maxTopicChars' | 'throttledReplyDelayMs'>;
  /** CONNECT token buckets, by (client id, address) and by address. */
  connectBuckets: TokenBuckets;
  addressConnectBuckets: TokenBuckets;
  /**
   * A client whose socket the broker cut for an oversize packet: what the parser still hands over from
   * the same chunk is dropped, uncounted (it was counted once, as packet_too_large).
   */
  cutOff: (client: Client) => boolean;
  /** Remembers why the broker is about to close a client (the first reason given wins). */
  markEnd: (client: Client, reason: DisconnectReason) => void;
  /** A client passed authentication (the broker notes a takeover of an older session here). */
  authenticated: (client: Client, principal: Principal) => void;
}

type Hooks = Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>>;

export interface BrokerHooks extends Hooks {
  /** Who an authenticated connection is. */
  principalOf: (client: Client) => Principal | undefined;
  /** Frees the filters a client unsubscribed from (aedes's `unsubscribe` event). */
  unsubscribed: (client: Client, filters: readonly string[]) => void;
}

/** Longest username echoed into logs: it comes from the wire. */
const LOGGED_NAME_CHARS = 128;

/** An error the broker raised itself, so that the client-error handler does not count it again. */
export class BrokerRefusal extends Error {
  override name = 'BrokerRefusal';
}

/** The aedes hooks that authenticate clients and apply the access rules of acl.ts. */
export function createHooks(ctx: HookContext): BrokerHooks {
  const { credentials, counters, logger, now } = ctx;
  /** Who each authenticated connection is; gone with the client object. */
  const principals = new WeakMap<Client, Principal>();

  async function check(client: Client, username: string | undefined, password: Buffer | undefined) {
    const address = remoteAddress(client);
    // Checked before any look-up or scrypt: a brute force then costs the broker almost nothing.
    if (!ctx.connectBuckets.take(`${address}\0${client.id}`) || !ctx.addressConnectBuckets.take(address)) {
      return { outcome: authFailure('rate_limited'), address };
    }
    const ticket = ctx.loginGuard.begin(client.id, address);
    if (ticket === undefined) return { outcome: authFailure('throttled'), address };
    let outcome: AuthOutcome | undefined;
    try {
      const commonName = verifiedCommonName(client);
      outcome =
        (commonName === undefined
          ? undefined
          : credentials.checkCertificate(client.id, username, commonName)) ??
        (await credentials.check(client.id, username, password, () => ctx.loginGuard.slot(address)));
      return { outcome, address };
    } finally {
      // Throttled (not checked) and failed verifications (our fault) do not count against the client.
      const failed =
        outcome !== undefined && !outcome.ok && outcome.reason !== 'error' && outcome.reason !== 'throttled';
      ctx.loginGuard.settle(ticket, failed);
    }
  }

  const authenticate: Hooks['authenticate'] = (client, username, password, done) => {
    const clientId = client.id;
    check(client, username, password)
      .then(({ outcome, address }) => {
        if (outcome.ok) {
          principals.set(client, outcome.principal);
          ctx.authenticated(client, outcome.principal);
          done(null, true);
          return;
        }
        counters.authFailures[outcome.reason]++;
        ctx.refusalLog(
          `auth:${outcome.reason}`,
          {
            clientId: clientId.slice(0, LOGGED_NAME_CHARS),
            username: username?.slice(0, LOGGED_NAME_CHARS),
            address,
            reason: outcome.reason,
          },
          `connection refused: ${outcome.reason}`,
        );
        const error = Object.assign(new BrokerRefusal(`connection refused: ${outcome.reason}`), {
          returnCode: outcome.returnCode,
        });
        // A refusal for throttling is answered late (a tarpit, as fail2ban-style setups do): each of
        // the guesser's connections then tries once a second at most, instead of as fast as the broker
        // answers, and the flood costs the broker (and honest logins) less.
        const throttled = outcome.reason === 'throttled' || outcome.reason === 'rate_limited';
        if (throttled && ctx.limits.throttledReplyDelayMs > 0) {
          setTimeout(() => {
            done(error, false);
          }, ctx.limits.throttledReplyDelayMs).unref();
        } else {
          done(error, false);
        }
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
    if (client && !will) ctx.markEnd(client, 'refused');
    const fields = {
      clientId: client?.id ?? willClientId(packet),
      topic: packet.topic.slice(0, 256),
      will,
      reason,
    };
    if (reason === 'durability') logger.error({ ...fields, err: error }, 'durability hook failed');
    else if (reason === 'stopping') logger.debug(fields, 'will held back: broker stopping');
    else ctx.refusalLog(`publish:${reason}`, fields, `publish refused: ${reason}`);
    return new BrokerRefusal(`publish refused: ${reason}`);
  };

  const authorizePublish: Hooks['authorizePublish'] = (client, packet, callback) => {
    const receivedAt = now();
    if (client && ctx.cutOff(client)) {
      callback(new BrokerRefusal('publish refused: connection cut'));
      return;
    }
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
    // A Will counts like a publication (issue #14, point 5): connects are rate-limited too, but a
    // device that loops connect/drop must not publish more through its Wills than by itself.
    if (principal.kind === 'device' && !ctx.publishBuckets.take(principal.address.device)) {
      callback(refuse('rate_limited', client, packet, will));
      return;
    }
    // aedes stores a retained message after this hook, from this same packet.
    if (decision.clearRetain === true) packet.retain = false;
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

  /** The filters each client holds, for the per-client cap (aedes keeps them, but not per client here). */
  const subscriptions = new WeakMap<Client, Set<string>>();

  const refuseSubscription = (client: Client, filter: string, reason: SubscriptionRefusal): void => {
    counters.subscriptionsRefused[reason]++;
    ctx.refusalLog(
      `subscribe:${reason}`,
      { clientId: client.id, filter: filter.slice(0, 256), reason },
      `subscription refused: ${reason}`,
    );
  };

  const authorizeSubscribe: Hooks['authorizeSubscribe'] = (client, subscription, callback) => {
    const filter = subscription.topic;
    const held = subscriptions.get(client) ?? new Set<string>();
    const principal = principals.get(client);
    const reason: SubscriptionRefusal | undefined =
      filter.length > ctx.limits.maxTopicChars
        ? 'topic_too_long'
        : !principal || !authorizeSubscribeRule(principal, filter)
          ? 'not_allowed'
          : !held.has(filter) && held.size >= ctx.limits.maxSubscriptionsPerClient
            ? 'too_many'
            : undefined;
    if (reason !== undefined) {
      refuseSubscription(client, filter, reason);
      // A null subscription is answered with the SUBACK failure code 0x80; the client stays connected.
      callback(null, null);
      return;
    }
    held.add(filter);
    subscriptions.set(client, held);
    callback(null, subscription);
  };

  return {
    authenticate,
    authorizePublish,
    authorizeSubscribe,
    principalOf: (client) => principals.get(client),
    unsubscribed: (client, filters) => {
      const held = subscriptions.get(client);
      for (const filter of filters) held?.delete(filter);
    },
  };
}

/** The CN of a client certificate the TLS listener verified against its CA, if any. */
function verifiedCommonName(client: Client): string | undefined {
  const conn = client.conn;
  if (!(conn instanceof TLSSocket) || !conn.authorized) return undefined;
  // An empty object when the peer sent none, whatever the typings say.
  const cn = (conn.getPeerCertificate() as { subject?: { CN?: unknown } }).subject?.CN;
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined;
}

function toBuffer(payload: string | Buffer): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

/** The device behind a Will released without its client (only devices' Wills are honoured then). */
function willPrincipal(packet: PublishPacket, inventory: Inventory): Principal | undefined {
  const id = willClientId(packet);
  const device = id === undefined ? undefined : inventory.device(id);
  return device?.monitored ? devicePrincipal(device) : undefined;
}
