import type { BrokerLimits } from './limits.js';

/**
 * The broker's defaults, each in this one place: the broker reads them, and so does the command line's
 * help (`--publish-rate`, `--publish-burst`). Plain values that import nothing at run time, so that the
 * command line can show them without loading the broker (docs/architecture.md#folders).
 */
export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxPacketBytes: 8192,
  maxConnections: 20_000,
  publishPerSecond: 2,
  publishBurst: 5000,
  authFailuresPerClientId: 5,
  authFailuresPerAddress: 100,
  authWindowMs: 60_000,
  maxSubscriptionsPerClient: 100,
  maxTopicChars: 512,
  connectsPerSecond: 0.2,
  connectBurst: 10,
  connectsPerSecondPerAddress: 500,
  connectBurstPerAddress: 20_000,
  slowChecksPerAddress: 1,
  slowChecksForSuspects: 1,
  slowChecksInFlight: 4,
  slowCheckQueue: 256,
  throttledReplyDelayMs: 1000,
};
