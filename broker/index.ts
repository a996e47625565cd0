/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1): authenticates devices against the inventory, confines
 * each to its own topics and hands accepted telemetry to the durability hook before acknowledging it.
 */
export {
  createBroker,
  type Broker,
  type BrokerOptions,
  type BrokerUrls,
  type TlsListenerOptions,
} from './broker.js';
export type { OnAccepted } from './hooks.js';
export { DEFAULT_BROKER_LIMITS, type BrokerLimits } from './limits.js';
export {
  DISCONNECT_REASONS,
  type DisconnectReason,
  type OnPresence,
  type PresenceEvent,
} from './presence.js';
export {
  CONNECTION_REFUSALS,
  SUBSCRIPTION_REFUSALS,
  brokerMetricFamilies,
  brokerSelfMetricsLine,
  type BrokerMetrics,
  type ConnectionRefusal,
  type SubscriptionRefusal,
} from './metrics.js';
export {
  AUTH_FAILURES,
  CONNACK,
  CredentialChecker,
  type AuthFailure,
  type AuthOutcome,
  type CredentialCheckerOptions,
  type RefusalCode,
  type ServiceAccount,
} from './auth.js';
export {
  PUBLISH_REFUSALS,
  authorizePublishRule,
  authorizeSubscribeRule,
  devicePrincipal,
  isPlatformTopic,
  servicePrincipal,
  type DevicePrincipal,
  type Principal,
  type PublishDecision,
  type PublishRefusal,
  type ServicePrincipal,
  type ServiceRole,
} from './acl.js';
export { MOSQUITTO_ITERATIONS, exportMosquitto, mosquittoHash, type MosquittoExport } from './mosquitto.js';
/** For the benchmark, which writes the cache a previous start would have left. */
export { CredentialStore } from './credential-store.js';
export { createInventoryReloader, type InventoryReloader, type InventoryReloaderOptions } from './reload.js';
