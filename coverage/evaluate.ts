import { localDay, type CoverageModel } from './model.js';
import type { FleetState } from './state.js';

/**
 * Device status, as stored in `coverage_device.status`: `stopped` published the `shutdown` state (an
 * intended stop), `unmonitored` is an FM receiver or wired horn (it cannot report), `maintenance` is in
 * a maintenance window.
 */
export const DEVICE_STATUS = ['up', 'down', 'stopped', 'unmonitored', 'maintenance'] as const;
export type DeviceStatus = (typeof DEVICE_STATUS)[number];
export const DEVICE_UP = 0;
export const DEVICE_DOWN = 1;
export const DEVICE_STOPPED = 2;
export const DEVICE_UNMONITORED = 3;
export const DEVICE_MAINTENANCE = 4;

/**
 * Hamlet status (`coverage_hamlet.status`): `at_risk` has no up cluster for less than the criterion's
 * grace, `uncovered` beyond it; `unverified` could only be served by FM/wired clusters now (they cannot
 * report); `unserved` has no cluster in the inventory; `maintenance` is not covered during a window.
 */
export const HAMLET_STATUS = [
  'covered',
  'at_risk',
  'uncovered',
  'unverified',
  'unserved',
  'maintenance',
] as const;
export type HamletStatus = (typeof HAMLET_STATUS)[number];
export const COVERED = 0;
export const AT_RISK = 1;
export const UNCOVERED = 2;
export const UNVERIFIED_HAMLET = 3;
export const UNSERVED = 4;
export const MAINTENANCE = 5;
const HAMLET_STATUSES = HAMLET_STATUS.length;

/**
 * Live commune status (`coverage_commune.status`): the criterion is `at_risk` while something it needs
 * is down for less than the grace, `not_met` beyond; `unverified` when only FM/wired parts (or places
 * under maintenance) stand between it and `meets`. A verdict for a period comes from the history.
 */
export const COMMUNE_STATUS = ['meets', 'at_risk', 'not_met', 'unverified'] as const;
export type CommuneStatus = (typeof COMMUNE_STATUS)[number];
export const MEETS = 0;
export const COMMUNE_AT_RISK = 1;
export const NOT_MET = 2;
export const UNVERIFIED = 3;

/** The commune's station, as `coverage_commune.station`: `unverified` is an FM or wired station. */
export const STATION_STATUS = ['up', 'down', 'unverified', 'none'] as const;
export const STATION_UP = 0;
export const STATION_DOWN = 1;
export const STATION_UNVERIFIED = 2;
export const STATION_NONE = 3;

/** A hamlet's regularity: judged regular or not, or not judged yet (too little history). */
export const IRREGULAR = 0;
export const REGULAR = 1;
export const NOT_JUDGED = 2;

/** What holds alerts back, beside the data: the platform's own start and intended stops. */
export interface LiveHolds {
  /** When the platform (re)started: a down device waits its 3 heartbeats plus the spread from then. */
  startedAt: number;
  /** The agents' reconnect spread after a restart (their longest backoff). */
  reconnectSpreadMs: number;
  /** A device that published `shutdown` is paged only after this long. */
  stoppedPageAfterMs: number;
}

/** The result of one evaluation, in arrays reused from one evaluation to the next. */
export class Evaluation {
  readonly deviceUp: Uint8Array;
  /** `DEVICE_STATUS` index per device. */
  readonly deviceStatus: Uint8Array;
  /** When a down device went down (the earliest active cause); 0 when it never reported. */
  readonly deviceDownSince: Float64Array;
  /** Until when alerts about a down device wait (restart, intended stop, maintenance); 0: they do not. */
  readonly deviceHeldUntil: Float64Array;
  readonly hamletStatus: Uint8Array;
  /** For a hamlet without an up cluster: when its last working cluster went down (0: none ever reported). */
  readonly hamletDownSince: Float64Array;
  /** 1 when the hamlet's gap is only held devices (alerts wait), or it is under maintenance. */
  readonly hamletHeld: Uint8Array;
  /** REGULAR, IRREGULAR or NOT_JUDGED. */
  readonly hamletRegular: Uint8Array;
  readonly hamletBroadcastDays: Uint16Array;
  readonly communeStatus: Uint8Array;
  /** `STATION_STATUS` index per commune. */
  readonly communeStation: Uint8Array;
  /** When the commune's monitored station went down (0: up or none). */
  readonly communeStationDownSince: Float64Array;
  /** Per commune and hamlet status: counts, `communeCounts[c * HAMLET_STATUS.length + status]`. */
  readonly communeCounts: Int32Array;
  /** Hamlets judged regular or not judged yet. */
  readonly communeRegular: Int32Array;
  /** 1 when every gap of the commune is held (or the commune is under maintenance): no page. */
  readonly communeHeld: Uint8Array;
  /** 1 while the commune is in a maintenance window. */
  readonly communeMaintenance: Uint8Array;
  /** Per province: whether regularity is judged (enough history for its criterion's window). */
  readonly provinceJudged: Uint8Array;
  /** Whether regularity was judged in every province (kept for readers of one flag). */
  regularityJudged = false;
  at = 0;

  constructor(model: CoverageModel) {
    const nd = model.devices.length;
    const nh = model.hamletIds.length;
    const nc = model.communes.length;
    this.deviceUp = new Uint8Array(nd);
    this.deviceStatus = new Uint8Array(nd);
    this.deviceDownSince = new Float64Array(nd);
    this.deviceHeldUntil = new Float64Array(nd);
    this.hamletStatus = new Uint8Array(nh);
    this.hamletDownSince = new Float64Array(nh);
    this.hamletHeld = new Uint8Array(nh);
    this.hamletRegular = new Uint8Array(nh);
    this.hamletBroadcastDays = new Uint16Array(nh);
    this.communeStatus = new Uint8Array(nc);
    this.communeStation = new Uint8Array(nc);
    this.communeStationDownSince = new Float64Array(nc);
    this.communeCounts = new Int32Array(nc * HAMLET_STATUSES);
    this.communeRegular = new Int32Array(nc);
    this.communeHeld = new Uint8Array(nc);
    this.communeMaintenance = new Uint8Array(nc);
    this.provinceJudged = new Uint8Array(model.provinces.length);
  }

  /** How many hamlets of commune c have status s. */
  count(c: number, s: number): number {
    return this.communeCounts[c * HAMLET_STATUSES + s] ?? 0;
  }
}

const NO_HOLDS: LiveHolds = { startedAt: 0, reconnectSpreadMs: 0, stoppedPageAfterMs: 0 };

/**
 * The live rules (docs/coverage.md) as one pure pass over the fleet: devices, then hamlets, then
 * communes, each with its province's criterion. No allocation, no maps: linear passes over typed arrays.
 */
export function evaluate(
  model: CoverageModel,
  state: FleetState,
  now: number,
  out: Evaluation,
  holds: LiveHolds = NO_HOLDS,
): Evaluation {
  out.at = now;
  evaluateDevices(model, state, now, out, holds);
  evaluateHamlets(model, state, now, out);
  evaluateCommunes(model, state, now, out);
  return out;
}

function evaluateDevices(
  m: CoverageModel,
  state: FleetState,
  now: number,
  out: Evaluation,
  holds: LiveHolds,
) {
  const nd = m.devices.length;
  const { lastHeard, troubled, deathAt, deathShutdown, ampFaultSince, relayTrippedSince } = state;
  const { deviceMaintenanceUntil } = state;
  const { deviceTimeoutMs, deviceMonitored } = m;
  const { deviceUp, deviceStatus, deviceDownSince, deviceHeldUntil } = out;
  const { startedAt, reconnectSpreadMs, stoppedPageAfterMs } = holds;
  // Most of the time no window is in force: the loop then reads no maintenance slot.
  const anyMaintenance = state.maintenanceWindows > 0;
  for (let d = 0; d < nd; d++) {
    const until = anyMaintenance ? (deviceMaintenanceUntil[d] ?? 0) : 0;
    const maintenance = until > now ? until : 0;
    // deviceHeldUntil is read only for down devices (below): up ones leave it as it was.
    if (deviceMonitored[d] === 0) {
      deviceHeldUntil[d] = 0;
      deviceUp[d] = 0;
      deviceStatus[d] = maintenance > 0 ? DEVICE_MAINTENANCE : DEVICE_UNMONITORED;
      continue;
    }
    // Liveness is when the platform last heard the device (receipt time), never the device's clock.
    const heard = lastHeard[d] ?? 0;
    const timeout = deviceTimeoutMs[d] ?? 0;
    let since = Infinity;
    let stopped = false;
    if (heard === 0) {
      since = 0;
    } else {
      const expiry = heard + timeout;
      if (now > expiry) since = expiry;
      if (troubled[d] === 1) {
        const death = deathAt[d] ?? 0;
        if (death >= heard && death <= since) {
          since = death;
          stopped = deathShutdown[d] === 1;
        }
        const amp = ampFaultSince[d] ?? 0;
        if (amp !== 0 && amp < since) since = amp;
        const relay = relayTrippedSince[d] ?? 0;
        if (relay !== 0 && relay < since) since = relay;
      }
    }
    if (since === Infinity) {
      deviceUp[d] = 1;
      deviceStatus[d] = maintenance > 0 ? DEVICE_MAINTENANCE : DEVICE_UP;
      continue;
    }
    deviceUp[d] = 0;
    deviceDownSince[d] = since;
    deviceStatus[d] = maintenance > 0 ? DEVICE_MAINTENANCE : stopped ? DEVICE_STOPPED : DEVICE_DOWN;
    let held = maintenance;
    if (stopped && since + stoppedPageAfterMs > held) held = since + stoppedPageAfterMs;
    // After a restart every box not heard since needs its heartbeats and a reconnect before its
    // silence means anything.
    if (startedAt > 0 && heard < startedAt && startedAt + timeout + reconnectSpreadMs > held)
      held = startedAt + timeout + reconnectSpreadMs;
    deviceHeldUntil[d] = held > now ? held : 0;
  }
}

function evaluateHamlets(m: CoverageModel, state: FleetState, now: number, out: Evaluation) {
  const nh = m.hamletIds.length;
  const { hamletDeviceStart, hamletDevices, hamletCommune, deviceMonitored } = m;
  const { deviceUp, deviceDownSince, deviceHeldUntil, deviceStatus } = out;
  const { hamletStatus, hamletDownSince, hamletHeld, communeCounts } = out;
  const { hamletBroadcastDays, hamletRegular, communeRegular } = out;
  const days = state.hamletDays;
  const ring = state.historyDays;
  communeRegular.fill(0);
  const { hamletMaintenanceUntil, communeMaintenanceUntil } = state;
  const firstDay = state.historyStart > 0 ? state.historyStart : now;
  communeCounts.fill(0);
  let judgedAll = true;
  for (let p = 0; p < m.provinces.length; p++) {
    const window = m.provinces[p]?.criterion.regularWindowDays ?? 7;
    const judged = now - firstDay >= window * 86_400_000;
    out.provinceJudged[p] = judged ? 1 : 0;
    if (!judged) judgedAll = false;
  }
  out.regularityJudged = judgedAll;
  let province = -1;
  let graceMs = 0;
  let today = -1;
  let oldestDay = 0;
  let judged = false;
  let span = 8;
  let regularDays = 5;
  let commune = -1;
  let communeInMaintenance = false;
  for (let h = 0; h < nh; h++) {
    const c = hamletCommune[h] ?? 0;
    // Hamlets come commune by commune, communes province by province: look up each once.
    if (c !== commune) {
      commune = c;
      communeInMaintenance = (communeMaintenanceUntil[c] ?? 0) > now;
      const p = m.communes[c]?.provinceIndex ?? 0;
      if (p !== province) {
        province = p;
        const info = m.provinces[p];
        graceMs = (info?.criterion.riskGraceS ?? 0) * 1000;
        today = localDay(now, info?.utcOffsetMs ?? 0);
        judged = out.provinceJudged[p] === 1;
        // Today and the window before it, as far as the ring reaches.
        span = Math.min((info?.criterion.regularWindowDays ?? 7) + 1, ring);
        oldestDay = today - span + 1;
        regularDays = info?.criterion.regularDays ?? 5;
      }
    }
    let monitored = 0;
    let unmonitored = 0;
    let up = 0;
    let downSince = 0;
    let held = 1;
    let inMaintenance = 1;
    const end = hamletDeviceStart[h + 1] ?? 0;
    for (let e = hamletDeviceStart[h] ?? 0; e < end; e++) {
      const d = hamletDevices[e] ?? 0;
      // One up cluster covers the hamlet: nothing else about its clusters matters then.
      if (deviceUp[d] === 1) {
        up = 1;
        break;
      }
      if (deviceMonitored[d] === 0) {
        unmonitored++;
        continue;
      }
      monitored++;
      const since = deviceDownSince[d] ?? 0;
      if (since > downSince) downSince = since;
      if ((deviceHeldUntil[d] ?? 0) === 0) held = 0;
      if (deviceStatus[d] !== DEVICE_MAINTENANCE) inMaintenance = 0;
    }
    let status: number;
    if (up > 0) status = COVERED;
    else if (monitored + unmonitored === 0) status = UNSERVED;
    else if (
      communeInMaintenance ||
      (hamletMaintenanceUntil[h] ?? 0) > now ||
      (monitored > 0 && inMaintenance === 1)
    )
      status = MAINTENANCE;
    else if (unmonitored > 0) status = UNVERIFIED_HAMLET;
    else status = downSince > 0 && now - downSince < graceMs ? AT_RISK : UNCOVERED;
    hamletStatus[h] = status;
    hamletDownSince[h] = status === COVERED || monitored === 0 ? 0 : downSince;
    hamletHeld[h] = status === MAINTENANCE || (status !== COVERED && monitored > 0 && held === 1) ? 1 : 0;

    const k = c * HAMLET_STATUSES + status;
    communeCounts[k] = (communeCounts[k] ?? 0) + 1;

    // Days with a completed broadcast among today and the window before it. A day is kept in slot
    // day % ring, so each of these days has its own slot: counting the slots whose day falls in the
    // window counts the days (one unsigned compare per slot, no walk round the ring).
    let count = 0;
    for (let k = h * ring, last = k + ring; k < last; k++) {
      if (((days[k] ?? 0) - oldestDay) >>> 0 < span) count++;
    }
    hamletBroadcastDays[h] = count;
    const regular = !judged ? NOT_JUDGED : count >= regularDays ? REGULAR : IRREGULAR;
    hamletRegular[h] = regular;
    if (regular !== IRREGULAR) communeRegular[c] = (communeRegular[c] ?? 0) + 1;
  }
}

function evaluateCommunes(m: CoverageModel, state: FleetState, now: number, out: Evaluation) {
  const nc = m.communes.length;
  for (let c = 0; c < nc; c++) {
    const commune = m.communes[c];
    if (commune === undefined) continue;
    const criterion = m.provinces[commune.provinceIndex]?.criterion;
    const graceMs = (criterion?.riskGraceS ?? 0) * 1000;

    let station = STATION_NONE;
    let stationSince = 0;
    let stationHeld = 1;
    for (const d of commune.stations) {
      if (m.deviceMonitored[d] === 0) {
        if (station === STATION_NONE) station = STATION_UNVERIFIED;
      } else if (out.deviceUp[d] === 1) {
        station = STATION_UP;
      } else if (station !== STATION_UP) {
        station = STATION_DOWN;
        stationSince = Math.max(stationSince, out.deviceDownSince[d] ?? 0);
        if ((out.deviceHeldUntil[d] ?? 0) === 0) stationHeld = 0;
      }
    }
    // A monitored station down beside an FM/wired one: the studio may still be on air.
    if (station === STATION_DOWN) {
      for (const d of commune.stations) if (m.deviceMonitored[d] === 0) station = STATION_UNVERIFIED;
    }
    out.communeStation[c] = station;
    out.communeStationDownSince[c] = station === STATION_DOWN ? stationSince : 0;

    const first = m.communeHamletStart[c] ?? 0;
    const hamlets = (m.communeHamletStart[c + 1] ?? 0) - first;
    // Only covered, monitored hamlets can show their broadcasts: they alone are judged for regularity.
    let irregular = 0;
    let gapsHeld = 1;
    const gaps = out.count(c, AT_RISK) + out.count(c, UNCOVERED) + out.count(c, UNSERVED);
    const judged = out.provinceJudged[commune.provinceIndex] === 1;
    for (let h = gaps > 0 || judged ? first : first + hamlets; h < first + hamlets; h++) {
      const s = out.hamletStatus[h];
      if (s === COVERED && out.hamletRegular[h] === IRREGULAR) irregular++;
      if ((s === AT_RISK || s === UNCOVERED || s === UNSERVED) && out.hamletHeld[h] === 0) gapsHeld = 0;
    }
    const required = Math.ceil((criterion?.hamletShare ?? 1) * hamlets - 1e-9);
    const failing = out.count(c, UNCOVERED) + out.count(c, UNSERVED) + irregular;
    const risky = out.count(c, AT_RISK);
    const unverified = out.count(c, UNVERIFIED_HAMLET) + out.count(c, MAINTENANCE);
    const needStation = criterion?.stationRequired ?? true;
    const stationDown = needStation && station === STATION_DOWN;
    const stationFailing = stationDown && now - stationSince >= graceMs;
    out.communeStatus[c] =
      hamlets - failing < required || stationFailing
        ? NOT_MET
        : hamlets - failing - risky < required || stationDown
          ? COMMUNE_AT_RISK
          : // No station listed: judged on its hamlets, as before stations could be FM or wired.
            hamlets - failing - risky - unverified < required ||
              (needStation && station === STATION_UNVERIFIED)
            ? UNVERIFIED
            : MEETS;
    const maintenance = (state.communeMaintenanceUntil[c] ?? 0) > now ? 1 : 0;
    out.communeMaintenance[c] = maintenance;
    out.communeHeld[c] =
      maintenance === 1 || (irregular === 0 && gapsHeld === 1 && (!stationDown || stationHeld === 1)) ? 1 : 0;
  }
}
