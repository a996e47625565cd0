/**
 * The coverage engine's and its webhook's defaults (docs/coverage.md), each in this one place: the engine
 * reads them, and so does the command line's configuration (cli/schema.ts, in seconds). Plain values that
 * import nothing, so that the command line can validate its configuration without loading the engine
 * (docs/architecture.md#folders).
 */
export const COVERAGE_DEFAULTS = {
  /** Between evaluations of the whole fleet. */
  evaluateEveryMs: 5000,
  /**
   * After the platform starts, a device is paged only once it had 3 heartbeats plus this long to
   * reconnect: the agents' longest reconnect backoff.
   */
  reconnectSpreadMs: 60_000,
  /** A device that published `shutdown` (an intended stop) is paged if still stopped after this long. */
  stoppedPageAfterMs: 2 * 3_600_000,
  /** A hamlet without a working cluster, or a commune at risk, is paged after this long. */
  placeAlertAfterMs: 10 * 60_000,
  /** More alerts than this at once go to the webhook as one digest. */
  webhookDigestAbove: 10,
} as const;
