/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1): authenticates devices against the inventory, confines
 * each to its own topics and hands accepted telemetry to the durability hook before acknowledging it.
 */
export { createBroker, type Broker, type BrokerOptions } from './broker.js';
export type { OnAccepted } from './hooks.js';
export type { BrokerLogger } from './logger.js';
export { brokerMetricFamilies, type BrokerMetrics } from './metrics.js';
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
