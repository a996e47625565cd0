import { BROKER_METRICS, msToNs } from '../protocol/index.js';
import { counter, gauge, labelled, type MetricFamily } from '../runtime/index.js';
import { PUBLISH_REFUSALS, type PublishRefusal } from './acl.js';
import { AUTH_FAILURES, type AuthFailure } from './auth.js';
import { DISCONNECT_REASONS, type DisconnectReason } from './presence.js';

/** Connections closed by the broker's limits before (or regardless of) authentication. */
export const CONNECTION_REFUSALS = [
  /** Over `maxConnections`: closed at accept. */
  'max_connections',
  /** A packet over `maxPacketBytes` announced in its fixed header: closed before it is buffered. */
  'packet_too_large',
  /** Not MQTT, or MQTT the parser refuses (bad lengths, bad flags, a wildcard in a PUBLISH topic). */
  'protocol_error',
] as const;
export type ConnectionRefusal = (typeof CONNECTION_REFUSALS)[number];

/** Why a subscription is answered with the failure code 0x80 (the client stays connected). */
export const SUBSCRIPTION_REFUSALS = [
  /** The access rules do not allow the filter (a device outside its own `cmd` tree, `$SYS`, ...). */
  'not_allowed',
  /** The client already holds `maxSubscriptionsPerClient` subscriptions. */
  'too_many',
  /** The filter is longer than `maxTopicChars`. */
  'topic_too_long',
] as const;
export type SubscriptionRefusal = (typeof SUBSCRIPTION_REFUSALS)[number];

/** The broker's self-metrics: a snapshot, safe to keep and compare. */
export interface BrokerMetrics {
  /** Authenticated MQTT sessions open now. */
  connectedClients: number;
  /** Authenticated sessions since start. */
  connectionsTotal: number;
  /** Authenticated sessions that ended since start (clean DISCONNECT, lost socket, refusal, takeover). */
  disconnectionsTotal: number;
  /** Refused CONNECTs by reason. */
  authFailures: Record<AuthFailure, number>;
  /** Slow secret checks (scrypt) run: a login whose secret is not cached yet, or a guess. */
  slowChecks: number;
  /** Publications (Wills included) that passed the access rules and, for telemetry, the durability hook. */
  publishesAccepted: number;
  /** Of those, Wills. */
  willsAccepted: number;
  /** Refused publications (Wills included) by reason. */
  publishesRefused: Record<PublishRefusal, number>;
  /** Subscriptions answered with a failure code (the client stays connected), by reason. */
  subscriptionsRefused: Record<SubscriptionRefusal, number>;
  /** Connections closed by a limit or a protocol error, by reason. */
  connectionsRefused: Record<ConnectionRefusal, number>;
  /** Device sessions ended, by reason (also written as broker presence points). */
  deviceDisconnects: Record<DisconnectReason, number>;
  /** Presence events the onPresence hook could not keep. */
  presenceErrors: number;
  /** Inventory reloads applied, and refused (a broken file: the old inventory stays in force). */
  inventoryReloads: number;
  inventoryReloadFailures: number;
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

/** Mutable counters behind BrokerMetrics. */
export class BrokerCounters {
  connectionsTotal = 0;
  disconnectionsTotal = 0;
  publishesAccepted = 0;
  willsAccepted = 0;
  readonly subscriptionsRefused = zeros(SUBSCRIPTION_REFUSALS);
  readonly authFailures = zeros(AUTH_FAILURES);
  readonly publishesRefused = zeros(PUBLISH_REFUSALS);
  readonly connectionsRefused = zeros(CONNECTION_REFUSALS);
  readonly deviceDisconnects = zeros(DISCONNECT_REASONS);
  presenceErrors = 0;
  inventoryReloads = 0;
  inventoryReloadFailures = 0;

  snapshot(connectedClients: number, slowChecks: number): BrokerMetrics {
    return {
      connectedClients,
      slowChecks,
      connectionsTotal: this.connectionsTotal,
      disconnectionsTotal: this.disconnectionsTotal,
      authFailures: { ...this.authFailures },
      publishesAccepted: this.publishesAccepted,
      willsAccepted: this.willsAccepted,
      publishesRefused: { ...this.publishesRefused },
      subscriptionsRefused: { ...this.subscriptionsRefused },
      connectionsRefused: { ...this.connectionsRefused },
      deviceDisconnects: { ...this.deviceDisconnects },
      presenceErrors: this.presenceErrors,
      inventoryReloads: this.inventoryReloads,
      inventoryReloadFailures: this.inventoryReloadFailures,
    };
  }
}

/** The broker's metrics in Prometheus form, for the services' `/metrics`. */
export function brokerMetricFamilies(m: BrokerMetrics): MetricFamily[] {
  return [
    gauge('loa_broker_connected_clients', 'Authenticated MQTT sessions open now.', m.connectedClients),
    counter('loa_broker_connections_total', 'Authenticated sessions since start.', m.connectionsTotal),
    counter('loa_broker_disconnections_total', 'Sessions ended since start.', m.disconnectionsTotal),
    labelled('loa_broker_auth_failures_total', 'Refused CONNECTs, by reason.', 'reason', m.authFailures),
    counter('loa_broker_slow_checks_total', 'Secret checks that ran scrypt.', m.slowChecks),
    counter(
      'loa_broker_publishes_accepted_total',
      'Publications that passed the access rules.',
      m.publishesAccepted,
    ),
    counter('loa_broker_wills_accepted_total', 'Wills released and accepted.', m.willsAccepted),
    labelled(
      'loa_broker_publishes_refused_total',
      'Refused publications, by reason.',
      'reason',
      m.publishesRefused,
    ),
    labelled(
      'loa_broker_subscriptions_refused_total',
      'Subscriptions answered with a failure code, by reason.',
      'reason',
      m.subscriptionsRefused,
    ),
    labelled(
      'loa_broker_connections_refused_total',
      'Connections closed by a limit or a protocol error, by reason.',
      'reason',
      m.connectionsRefused,
    ),
    labelled(
      'loa_broker_device_disconnects_total',
      'Device sessions ended, by reason.',
      'reason',
      m.deviceDisconnects,
    ),
    counter('loa_broker_presence_errors_total', 'Presence events that could not be kept.', m.presenceErrors),
    counter('loa_broker_inventory_reloads_total', 'Inventory reloads applied.', m.inventoryReloads),
    counter(
      'loa_broker_inventory_reload_failures_total',
      'Inventory reloads refused (the previous inventory stays in force).',
      m.inventoryReloadFailures,
    ),
  ];
}

/**
 * The broker's self-metrics as one point of the `broker` measurement (protocol/storage.ts), so that
 * dashboards read connection counts from InfluxDB like everything else.
 */
export function brokerSelfMetricsLine(m: BrokerMetrics, instance: string, at: number): string {
  const sum = (values: Readonly<Record<string, number>>) => Object.values(values).reduce((a, b) => a + b, 0);
  return BROKER_METRICS.line(
    { instance },
    {
      connected: m.connectedClients,
      connections_total: m.connectionsTotal,
      disconnections_total: m.disconnectionsTotal,
      auth_failures: sum(m.authFailures),
      publishes_accepted: m.publishesAccepted,
      publishes_refused: sum(m.publishesRefused),
      wills_accepted: m.willsAccepted,
    },
    msToNs(at),
  );
}
