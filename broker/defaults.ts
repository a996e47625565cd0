/**
 * The broker's defaults, each in this one place: the broker reads them, and so does the command line's
 * help (`--publish-rate`, `--publish-burst`). Plain values that import nothing at run time, so that the
 * command line can show them without loading the broker (docs/architecture.md#folders).
 */
/** The limits the broker applies, each configurable (docs/architecture.md#broker). */
export interface BrokerLimits {
  /**
   * Largest MQTT packet, in bytes, before it is buffered: the socket is closed on the fixed header of a
   * larger one. Twice the 4096-byte payload limit (docs/protocol.md), so that a payload a little over the limit
   * still reaches the ingest, which acknowledges and rejects it as `payload_too_large` instead of leaving
   * it in the device's outbox to be resent for ever.
   */
  maxPacketBytes: number;
  /** Open sockets at most; more are closed at accept. */
  maxConnections: number;
  /**
   * Per-device publish token bucket: `burst` tokens, refilled at `perSecond`; 0 turns it off. On by
   * default at 2 per second, burst 5,000: an agent heartbeats once a minute, and back from a day
   * offline it replays its outbox (1,440 heartbeats plus its events and broadcasts) as fast as the
   * link allows, which the burst absorbs; a flood empties it and is refused. Load tests and benchmarks
   * that drive a few devices at thousands of messages a second set 0 explicitly.
   */
  publishPerSecond: number;
  publishBurst: number;
  /**
   * Failed CONNECTs tolerated per (client id, address) in `authWindowMs` before further attempts of that
   * pair are refused (issue #14: never per client id alone, which would let anyone lock a device out).
   */
  authFailuresPerClientId: number;
  /**
   * The same per remote address. Higher: many 4G devices share one carrier-grade NAT address, and one
   * broken device behind it must not lock the others out.
   */
  authFailuresPerAddress: number;
  authWindowMs: number;
  /**
   * CONNECT attempts per (client id, address): a token bucket of `connectBurst`, refilled at
   * `connectsPerSecond` (issue #14, point 5: a connect/drop loop released thousands of Wills a second).
   * Keyed with the address so that nobody can spend a device's tokens from elsewhere. 0 turns it off.
   */
  connectsPerSecond: number;
  connectBurst: number;
  /** The same per address: generous, since a whole fleet behind one NAT reconnects after a restart. */
  connectsPerSecondPerAddress: number;
  connectBurstPerAddress: number;
  /**
   * Subscriptions one client may hold (issue #14, point 6: 100,000 filters from one device took the
   * broker from 177 to 443 MB), and the longest filter. More are answered with the SUBACK failure code.
   */
  maxSubscriptionsPerClient: number;
  maxTopicChars: number;
  /**
   * Slow secret checks (scrypt) running at once: for one address that has failed, for all such
   * addresses together, and in total (broker/login-guard.ts).
   */
  slowChecksPerAddress: number;
  slowChecksForSuspects: number;
  slowChecksInFlight: number;
  /** Logins from addresses that have failed waiting for a slow check; more are refused (CONNACK 3). */
  slowCheckQueue: number;
  /** A login refused as throttled or rate-limited gets its CONNACK 3 this late (0: at once). */
  throttledReplyDelayMs: number;
}

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
