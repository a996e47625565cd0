import { localDay, type CoverageModel } from './model.js';
import { HISTORY_DAYS, type FleetState } from './state.js';

/** Hamlet status (DESIGN §5), as stored in `coverage_hamlet.status`. */
export const HAMLET_STATUS = ['covered', 'uncovered', 'unmonitored', 'unserved'] as const;
export type HamletStatus = (typeof HAMLET_STATUS)[number];
export const COVERED = 0;
export const UNCOVERED = 1;
export const UNMONITORED = 2;
export const UNSERVED = 3;

/** Commune status: `meets` 8.3, `unverified` (the only gaps are unmonitored hamlets), `not_met`. */
export const COMMUNE_STATUS = ['meets', 'unverified', 'not_met'] as const;
export type CommuneStatus = (typeof COMMUNE_STATUS)[number];
export const MEETS = 0;
export const UNVERIFIED = 1;
export const NOT_MET = 2;

/** A hamlet operates regularly with completed broadcasts on at least this many of its days. */
export const REGULAR_DAYS = 5;
/** Days of history needed before regularity is judged at all. */
export const REGULARITY_HISTORY_DAYS = 7;

/** The result of one evaluation, in arrays reused from one evaluation to the next. */
export class Evaluation {
  readonly deviceUp: Uint8Array;
  /** When a down device went down (the earliest active cause); 0 when it never reported. */
  readonly deviceDownSince: Float64Array;
  readonly hamletStatus: Uint8Array;
  /** For an uncovered hamlet: when its last working cluster went down (0: none ever reported). */
  readonly hamletDownSince: Float64Array;
  readonly hamletRegular: Uint8Array;
  readonly hamletBroadcastDays: Uint8Array;
  readonly communeStatus: Uint8Array;
  /** Per commune: 1 up, 0 down, 2 no monitored station. */
  readonly communeStation: Uint8Array;
  /** Per commune and hamlet status: counts, `communeCounts[c * 4 + status]`. */
  readonly communeCounts: Int32Array;
  readonly communeRegular: Int32Array;
  /** Whether regularity was judged (at least 7 days of history). */
  regularityJudged = false;
  at = 0;

  constructor(model: CoverageModel) {
    const nd = model.devices.length;
    const nh = model.hamletIds.length;
    const nc = model.communes.length;
    this.deviceUp = new Uint8Array(nd);
    this.deviceDownSince = new Float64Array(nd);
    this.hamletStatus = new Uint8Array(nh);
    this.hamletDownSince = new Float64Array(nh);
    this.hamletRegular = new Uint8Array(nh);
    this.hamletBroadcastDays = new Uint8Array(nh);
    this.communeStatus = new Uint8Array(nc);
    this.communeStation = new Uint8Array(nc);
    this.communeCounts = new Int32Array(nc * 4);
    this.communeRegular = new Int32Array(nc);
  }
}

/**
 * The rules of DESIGN §5 as one pure pass over the fleet: devices, then hamlets, then communes. No
 * allocation, no maps: a few linear passes over typed arrays.
 */
export function evaluate(model: CoverageModel, state: FleetState, now: number, out: Evaluation): Evaluation {
  out.at = now;
  const nd = model.devices.length;
  const { lastHeartbeat, deathAt, ampFaultSince, relayTrippedSince } = state;
  const { deviceTimeoutMs, deviceMonitored } = model;
  for (let d = 0; d < nd; d++) {
    if (deviceMonitored[d] === 0) {
      out.deviceUp[d] = 0;
      continue;
    }
    const hb = lastHeartbeat[d] ?? 0;
    if (hb === 0) {
      out.deviceUp[d] = 0;
      out.deviceDownSince[d] = 0;
      continue;
    }
    let since = Infinity;
    const expiry = hb + (deviceTimeoutMs[d] ?? 0);
    if (now > expiry) since = expiry;
    const death = deathAt[d] ?? 0;
    if (death > hb && death < since) since = death;
    const amp = ampFaultSince[d] ?? 0;
    if (amp !== 0 && amp < since) since = amp;
    const relay = relayTrippedSince[d] ?? 0;
    if (relay !== 0 && relay < since) since = relay;
    if (since === Infinity) {
      out.deviceUp[d] = 1;
    } else {
      out.deviceUp[d] = 0;
      out.deviceDownSince[d] = since;
    }
  }

  const nh = model.hamletIds.length;
  const { hamletDeviceStart, hamletDevices, hamletCommune } = model;
  const days = state.hamletDays;
  const firstDay = state.historyStart > 0 ? state.historyStart : now;
  out.regularityJudged = now - firstDay >= REGULARITY_HISTORY_DAYS * 86_400_000;
  out.communeCounts.fill(0);
  out.communeRegular.fill(0);
  let today = -1;
  let offsetOf = -1;
  for (let h = 0; h < nh; h++) {
    const c = hamletCommune[h] ?? 0;
    const province = model.communes[c]?.provinceIndex ?? 0;
    if (province !== offsetOf) {
      offsetOf = province;
      today = localDay(now, model.provinces[province]?.utcOffsetMs ?? 0);
    }
    let monitored = 0;
    let up = 0;
    let downSince = 0;
    const end = hamletDeviceStart[h + 1] ?? 0;
    for (let e = hamletDeviceStart[h] ?? 0; e < end; e++) {
      const d = hamletDevices[e] ?? 0;
      if (deviceMonitored[d] === 0) continue;
      monitored++;
      if (out.deviceUp[d] === 1) up++;
      else if ((out.deviceDownSince[d] ?? 0) > downSince) downSince = out.deviceDownSince[d] ?? 0;
    }
    const total = end - (hamletDeviceStart[h] ?? 0);
    const status = up > 0 ? COVERED : total === 0 ? UNSERVED : monitored === 0 ? UNMONITORED : UNCOVERED;
    out.hamletStatus[h] = status;
    out.hamletDownSince[h] = status === UNCOVERED ? downSince : 0;
    let count = 0;
    const base = h * HISTORY_DAYS;
    for (let k = 0; k < HISTORY_DAYS; k++) {
      const day = today - k;
      if (days[base + (day % HISTORY_DAYS)] === day) count++;
    }
    out.hamletBroadcastDays[h] = count;
    const regular = !out.regularityJudged || count >= REGULAR_DAYS ? 1 : 0;
    out.hamletRegular[h] = regular;
    out.communeCounts[c * 4 + status] = (out.communeCounts[c * 4 + status] ?? 0) + 1;
    out.communeRegular[c] = (out.communeRegular[c] ?? 0) + regular;
  }

  const nc = model.communes.length;
  for (let c = 0; c < nc; c++) {
    const stations = model.communes[c]?.stations ?? [];
    let station = stations.length === 0 ? 2 : 0;
    for (const d of stations) if (out.deviceUp[d] === 1) station = 1;
    out.communeStation[c] = station;
    const hamlets = (model.communeHamletStart[c + 1] ?? 0) - (model.communeHamletStart[c] ?? 0);
    const covered = out.communeCounts[c * 4 + COVERED] ?? 0;
    const unmonitored = out.communeCounts[c * 4 + UNMONITORED] ?? 0;
    // Unmonitored hamlets cannot log broadcasts: only monitored, covered ones are judged for regularity.
    let irregularCovered = 0;
    if (out.regularityJudged) {
      for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
        if (out.hamletStatus[h] === COVERED && out.hamletRegular[h] === 0) irregularCovered++;
      }
    }
    const stationOk = station !== 0;
    out.communeStatus[c] =
      !stationOk || irregularCovered > 0 || covered + unmonitored < hamlets
        ? NOT_MET
        : unmonitored > 0
          ? UNVERIFIED
          : MEETS;
  }
  return out;
}
