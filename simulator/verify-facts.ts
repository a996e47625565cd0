import { DEFAULT_ALERT_RULES } from '../coverage/index.js';
import type { InfluxValue } from '../influx/index.js';
import { MAX_FUTURE_SKEW_MS } from '../protocol/index.js';
import type { LedgerEntry } from './ledger.js';

// What `--verify` read from InfluxDB, and the slack it judges with: shared by the checks of messages
// and places (verify.ts) and the judges of each fault (fault-judges.ts).

/** Slack for the platform's own delays (ingest flush, engine evaluation every ≤ 5 s). */
export const MARGIN_MS = 5000;
/** A fault must hold this long for `device_offline` to be due (fire delay plus an evaluation). */
export const OFFLINE_DUE_MS = DEFAULT_ALERT_RULES.device_offline.fireAfterMs + MARGIN_MS;
export const ON_BATTERY_DUE_MS = DEFAULT_ALERT_RULES.on_battery.fireAfterMs + MARGIN_MS;

export interface Row {
  [column: string]: InfluxValue;
}

/** What one poll read from InfluxDB (and the broker). */
export interface Stored {
  /** `device/measurement` → point times → labels stored there (broadcast ids, event types, seq). */
  points: Map<string, Map<number, string>>;
  alerts: Row[];
  rejects: Row[];
  /** Per device, the times of offline presence points with reason `lost` (Wills). */
  wills: Map<string, number[]>;
  /** Per device, heartbeats reporting an amplifier fault, and a tripped relay with high mains. */
  ampFaultBeats: Map<string, number>;
  relayTripBeats: Map<string, number>;
  impersonationRefusals: number | undefined;
}

/** A span of simulation time, [from, to). */
export type Interval = readonly [number, number];

/** An acknowledged message the ingest must refuse rather than store: a device clock too far ahead. */
export function refusedByIngest(e: LedgerEntry): boolean {
  return e.skewMs > MAX_FUTURE_SKEW_MS + MARGIN_MS;
}

/** Near the ingest's future limit either outcome is right: such messages are not judged. */
export function undecided(e: LedgerEntry): boolean {
  return Math.abs(e.skewMs - MAX_FUTURE_SKEW_MS) <= MARGIN_MS;
}

/** The first few items, and how many there are when more. */
export function sample(items: readonly (string | number)[]): string {
  const shown = items.slice(0, 5).map(String).join(', ');
  return items.length > 5 ? `${shown}, … (${items.length})` : shown;
}
