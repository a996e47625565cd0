import { counter, gauge, labelled, type MetricFamily } from '../runtime/index.js';
import { PUBLISH_REFUSALS, type PublishRefusal } from './acl.js';
import { AUTH_FAILURES, type AuthFailure } from './auth.js';

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
  /** Publications (Wills included) that passed the access rules and, for telemetry, the durability hook. */
  publishesAccepted: number;
  /** Of those, Wills. */
  willsAccepted: number;
  /** Refused publications (Wills included) by reason. */
  publishesRefused: Record<PublishRefusal, number>;
  /** Subscriptions answered with a failure code (the client stays connected). */
  subscriptionsRefused: number;
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
  subscriptionsRefused = 0;
  readonly authFailures = zeros(AUTH_FAILURES);
  readonly publishesRefused = zeros(PUBLISH_REFUSALS);

  snapshot(connectedClients: number): BrokerMetrics {
    return {
      connectedClients,
      connectionsTotal: this.connectionsTotal,
      disconnectionsTotal: this.disconnectionsTotal,
      authFailures: { ...this.authFailures },
      publishesAccepted: this.publishesAccepted,
      willsAccepted: this.willsAccepted,
      publishesRefused: { ...this.publishesRefused },
      subscriptionsRefused: this.subscriptionsRefused,
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
    counter(
      'loa_broker_subscriptions_refused_total',
      'Subscriptions answered with a failure code.',
      m.subscriptionsRefused,
    ),
  ];
}
