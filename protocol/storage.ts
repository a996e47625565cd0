import { lineFormatter, type FieldKind, type LineFormatter } from './line-protocol.js';

/**
 * The storage schema: every measurement Loa writes to InfluxDB, with its retention policy, tag keys and
 * typed fields (docs/protocol.md#10-how-messages-are-stored). Every point of the product is written
 * through one of these definitions (`HEARTBEAT.line(tags, fields, time)`), and queries take their
 * measurement, tag and field names from them (`HEARTBEAT.name`, `HEARTBEAT.field.seq`), so a name
 * misspelt anywhere is a compile error, and a test pins every name and type to the documentation.
 *
 * The names are a contract (dashboards and scripts outside the repository read them): change them
 * only for a strong reason, documented. A field's type never changes either: InfluxDB fixes it at the
 * first write of a shard, and a point of another type is refused. Counters are integers, measurements
 * floats, states strings.
 */

/** Retention policy of raw data: the default one, so plain writes and queries land there. */
export const RAW_RETENTION_POLICY = 'raw';
/** Retention policy of roll-ups and coverage history, kept for years (a criterion is judged per year). */
export const LONG_RETENTION_POLICY = 'long';
export type RetentionPolicyName = typeof RAW_RETENTION_POLICY | typeof LONG_RETENTION_POLICY;

/** One measurement of the storage schema; see {@link measurement}. */
export interface Measurement<
  N extends string = string,
  T extends string = string,
  F extends Readonly<Record<string, FieldKind>> = Readonly<Record<string, FieldKind>>,
> {
  readonly name: N;
  /** The retention policy it is written to. */
  readonly retention: RetentionPolicyName;
  readonly tags: readonly T[];
  readonly fields: F;
  /** Tag keys by name, for queries: `HEARTBEAT.tag.device` is `'device'`. */
  readonly tag: { readonly [K in T]: K };
  /** Field keys by name, for queries: `HEARTBEAT.field.seq` is `'seq'`. */
  readonly field: { readonly [K in keyof F & string]: K };
  /** The compiled line-protocol writer of its points (protocol/line-protocol.ts). */
  readonly line: LineFormatter<{ tags: readonly T[]; fields: F }>;
}

function measurement<
  const N extends string,
  const T extends string,
  const F extends Readonly<Record<string, FieldKind>>,
>(name: N, retention: RetentionPolicyName, tags: readonly T[], fields: F): Measurement<N, T, F> {
  const keys = <K extends string>(list: readonly K[]) =>
    Object.freeze(Object.fromEntries(list.map((k) => [k, k]))) as { readonly [P in K]: P };
  return Object.freeze({
    name,
    retention,
    tags,
    fields,
    tag: keys(tags),
    field: keys(Object.keys(fields) as (keyof F & string)[]),
    line: lineFormatter(name, { tags, fields }),
  });
}

// Device telemetry, written by the ingest from accepted messages (retention policy `raw`). Fields are
// listed in the order they are written.

/** From `heartbeat`; `hamlet` is the first hamlet the device serves (from the inventory). */
export const HEARTBEAT = measurement(
  'heartbeat',
  RAW_RETENTION_POLICY,
  ['province', 'commune', 'hamlet', 'device', 'kind', 'link'],
  {
    amp: 'string',
    power: 'string',
    seq: 'int',
    uptime_s: 'float',
    playing: 'bool',
    volume_pct: 'float',
    mains_v: 'float',
    battery_v: 'float',
    relay: 'string',
    rssi_dbm: 'float',
    temp_c: 'float',
  },
);

/** From `state`: births, shutdowns and Wills. */
export const PRESENCE = measurement('presence', RAW_RETENTION_POLICY, ['province', 'commune', 'device'], {
  online: 'bool',
  reason: 'string',
  session: 'int',
});

/** From `meta`: what a device says about itself; `hamlets` comma-separated. */
export const DEVICE_META = measurement(
  'device_meta',
  RAW_RETENTION_POLICY,
  ['province', 'commune', 'device', 'kind'],
  {
    firmware: 'string',
    hamlets: 'string',
    heartbeat_s: 'int',
    lat: 'float',
    link: 'string',
    lon: 'float',
    model: 'string',
    speakers: 'int',
  },
);

/** From `broadcast`, at its start; `duration_s` is `end − start` in seconds, `end` in ms. */
export const BROADCAST = measurement(
  'broadcast',
  RAW_RETENTION_POLICY,
  ['province', 'commune', 'device', 'priority', 'source', 'status'],
  { duration_s: 'float', end: 'int', id: 'string', bulletin: 'string', program: 'string' },
);

/** From `event`; `count` is always 1, so that every event has a field to count. */
export const EVENT = measurement('event', RAW_RETENTION_POLICY, ['province', 'commune', 'device', 'type'], {
  detail: 'string',
  count: 'int',
});

/** A message the ingest refused (docs/protocol.md#9-reject-reasons). */
export const REJECT = measurement('reject', RAW_RETENTION_POLICY, ['reason'], {
  detail: 'string',
  device: 'string',
  topic: 'string',
});

/** Presence as Loa's broker sees it: a session opening or ending, and why. */
export const BROKER_PRESENCE = measurement(
  'broker_presence',
  RAW_RETENTION_POLICY,
  ['province', 'commune', 'device', 'reason'],
  { online: 'bool' },
);

// Self-metrics, every 10 s per process (retention policy `raw`).

/** The ingest's counters (cumulative), gauges and latencies. */
export const INGEST_METRICS = measurement('ingest', RAW_RETENTION_POLICY, ['instance'], {
  received: 'int',
  written: 'int',
  rejected: 'int',
  buffered: 'int',
  wal_pending_bytes: 'int',
  write_errors: 'int',
  write_p50_ms: 'float',
  write_p99_ms: 'float',
  stored_delay_p99_ms: 'float',
});

/** The embedded broker's counters (cumulative) and its open sessions. */
export const BROKER_METRICS = measurement('broker', RAW_RETENTION_POLICY, ['instance'], {
  connected: 'int',
  connections_total: 'int',
  disconnections_total: 'int',
  auth_failures: 'int',
  publishes_accepted: 'int',
  publishes_refused: 'int',
  wills_accepted: 'int',
});

// The coverage engine's verdicts, alerts and history (retention policy `long`, docs/coverage.md).

/** Per device: `status` up/down/stopped/unmonitored/maintenance; the inventory's position. */
export const COVERAGE_DEVICE = measurement(
  'coverage_device',
  LONG_RETENTION_POLICY,
  ['province', 'commune', 'device', 'kind'],
  { status: 'string', up: 'bool', hamlets: 'string', lat: 'float', lon: 'float' },
);

export const COVERAGE_HAMLET = measurement(
  'coverage_hamlet',
  LONG_RETENTION_POLICY,
  ['province', 'commune', 'hamlet'],
  {
    status: 'string',
    covered: 'bool',
    regular: 'bool',
    regularity_judged: 'bool',
    broadcast_days: 'int',
    clusters: 'int',
    clusters_up: 'int',
    clusters_unmonitored: 'int',
    since: 'int',
    name: 'string',
    cause: 'string',
  },
);

/** `unmonitored` is the former name of `unverified`, still written for what reads it. */
export const COVERAGE_COMMUNE = measurement(
  'coverage_commune',
  LONG_RETENTION_POLICY,
  ['province', 'commune'],
  {
    status: 'string',
    meets: 'bool',
    hamlets: 'int',
    covered: 'int',
    at_risk: 'int',
    uncovered: 'int',
    unverified: 'int',
    unmonitored: 'int',
    unserved: 'int',
    maintenance_hamlets: 'int',
    maintenance: 'bool',
    unit: 'string',
    assessed: 'bool',
    regular: 'int',
    regularity_judged: 'bool',
    station: 'string',
    since: 'int',
    name: 'string',
  },
);

/** `hamlets_unmonitored` is the former name of `hamlets_unverified`. */
export const COVERAGE_PROVINCE = measurement('coverage_province', LONG_RETENTION_POLICY, ['province'], {
  communes: 'int',
  communes_meeting: 'int',
  communes_unverified: 'int',
  communes_at_risk: 'int',
  units: 'int',
  hamlets: 'int',
  hamlets_covered: 'int',
  hamlets_unverified: 'int',
  hamlets_unmonitored: 'int',
  name: 'string',
});

/** A firing or resolved alert; `device` comma-separated when several. */
export const ALERT = measurement('alert', LONG_RETENTION_POLICY, ['province', 'commune', 'kind', 'state'], {
  id: 'string',
  message: 'string',
  severity: 'string',
  since: 'int',
  hamlet: 'string',
  device: 'string',
  title: 'string',
});

/** A maintenance window (`loa maintenance`); ending it early rewrites the same point. */
export const MAINTENANCE = measurement(
  'maintenance',
  LONG_RETENTION_POLICY,
  ['province', 'commune', 'scope'],
  { id: 'string', target: 'string', until: 'int', ended: 'int', reason: 'string' },
);

/** Seconds of a day per bucket (coverage/history/buckets.ts), integers. */
const DAY_SECONDS = {
  covered_s: 'int',
  at_risk_s: 'int',
  uncovered_s: 'int',
  unverified_s: 'int',
  maintenance_s: 'int',
  no_data_s: 'int',
} as const;

/** A hamlet's local day, time-weighted from its state changes. */
export const COVERAGE_HAMLET_DAY = measurement(
  'coverage_hamlet_day',
  LONG_RETENTION_POLICY,
  ['province', 'commune', 'hamlet'],
  { ...DAY_SECONDS, broadcast: 'bool', verdict: 'string', day: 'string', name: 'string' },
);

/** A commune's local day: its own seconds, its hamlets' sums, and the verdict as 0/1 counts. */
export const COVERAGE_COMMUNE_DAY = measurement(
  'coverage_commune_day',
  LONG_RETENTION_POLICY,
  ['province', 'commune'],
  {
    ...DAY_SECONDS,
    hamlet_covered_s: 'int',
    hamlet_at_risk_s: 'int',
    hamlet_uncovered_s: 'int',
    hamlet_unverified_s: 'int',
    hamlet_maintenance_s: 'int',
    hamlet_no_data_s: 'int',
    hamlets: 'int',
    hamlets_met: 'int',
    hamlets_broadcast: 'int',
    broadcast: 'bool',
    verdict: 'string',
    days_met: 'int',
    days_not_met: 'int',
    days_unverified: 'int',
    days_maintenance: 'int',
    days_no_data: 'int',
    broadcast_days: 'int',
    unit: 'string',
    applies: 'bool',
    criterion: 'string',
    day: 'string',
    name: 'string',
  },
);

/** Every measurement of the schema, by name. */
export const STORAGE_SCHEMA = {
  heartbeat: HEARTBEAT,
  presence: PRESENCE,
  device_meta: DEVICE_META,
  broadcast: BROADCAST,
  event: EVENT,
  reject: REJECT,
  broker_presence: BROKER_PRESENCE,
  ingest: INGEST_METRICS,
  broker: BROKER_METRICS,
  coverage_device: COVERAGE_DEVICE,
  coverage_hamlet: COVERAGE_HAMLET,
  coverage_commune: COVERAGE_COMMUNE,
  coverage_province: COVERAGE_PROVINCE,
  alert: ALERT,
  maintenance: MAINTENANCE,
  coverage_hamlet_day: COVERAGE_HAMLET_DAY,
  coverage_commune_day: COVERAGE_COMMUNE_DAY,
} as const satisfies Readonly<Record<string, Measurement>>;
