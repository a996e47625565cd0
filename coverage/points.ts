import {
  ALERT,
  COVERAGE_COMMUNE,
  COVERAGE_DEVICE,
  COVERAGE_HAMLET,
  COVERAGE_PROVINCE,
  msToNs,
} from '../protocol/index.js';
import type { Alert } from './alert.js';
import {
  AT_RISK,
  COMMUNE_AT_RISK,
  COMMUNE_STATUS,
  COVERED,
  DEVICE_STATUS,
  DEVICE_UP,
  HAMLET_STATUS,
  MAINTENANCE,
  MEETS,
  NOT_JUDGED,
  STATION_STATUS,
  UNCOVERED,
  UNSERVED,
  UNVERIFIED,
  UNVERIFIED_HAMLET,
  type Evaluation,
} from './evaluate.js';
import type { CoverageModel } from './model.js';

/**
 * Points of the coverage measurements (protocol/storage.ts), written to the retention policy `long`.
 * Places are tags (bounded by the inventory); statuses, counts and names are fields.
 */
/** `cause`: the likely cause of a gap, as codes (cause.ts `hamletCauseField`); empty when covered. */
export function hamletLine(
  m: CoverageModel,
  ev: Evaluation,
  h: number,
  since: number,
  at: number,
  cause = '',
): string {
  const c = m.hamletCommune[h] ?? 0;
  const commune = m.communes[c];
  let clusters = 0;
  let up = 0;
  let unmonitored = 0;
  for (let e = m.hamletDeviceStart[h] ?? 0; e < (m.hamletDeviceStart[h + 1] ?? 0); e++) {
    clusters++;
    up += ev.deviceUp[m.hamletDevices[e] ?? 0] ?? 0;
    unmonitored += 1 - (m.deviceMonitored[m.hamletDevices[e] ?? 0] ?? 0);
  }
  const status = HAMLET_STATUS[ev.hamletStatus[h] ?? 0] ?? 'uncovered';
  // `regular` stays true while not judged (its meaning before regularity_judged existed).
  const regular = ev.hamletRegular[h] !== 0;
  return COVERAGE_HAMLET.line(
    { province: commune?.province, commune: commune?.id, hamlet: m.hamletIds[h] },
    {
      status,
      covered: ev.hamletStatus[h] === COVERED,
      regular,
      regularity_judged: ev.hamletRegular[h] !== NOT_JUDGED,
      broadcast_days: ev.hamletBroadcastDays[h] ?? 0,
      clusters,
      clusters_up: up,
      clusters_unmonitored: unmonitored,
      since: Math.round(since),
      name: m.hamletNames[h] ?? '',
      cause,
    },
    msToNs(at),
  );
}

/** Per device (see evaluate.ts): `up`, `down`, `stopped`, `unmonitored` (FM, wired), `maintenance`. */
export { DEVICE_STATUS };

/**
 * One `coverage_device` point: the map of every device, including those that never report, so it
 * carries the inventory's position (a reporting device's own announcement is in `device_meta`).
 */
export function deviceLine(m: CoverageModel, ev: Evaluation, d: number, at: number): string {
  const device = m.devices[d];
  if (device === undefined) return '';
  const status = ev.deviceStatus[d] ?? 0;
  const hamlets = device.kind === 'cluster' ? device.hamlets.join(',') : '';
  const position = device.lat !== undefined && device.lon !== undefined;
  return COVERAGE_DEVICE.line(
    { province: device.province, commune: device.commune, device: device.device, kind: device.kind },
    {
      status: DEVICE_STATUS[status] ?? 'down',
      up: ev.deviceUp[d] === 1 && status === DEVICE_UP,
      hamlets,
      lat: position ? device.lat : undefined,
      lon: position ? device.lon : undefined,
    },
    msToNs(at),
  );
}

export function communeLine(m: CoverageModel, ev: Evaluation, c: number, since: number, at: number): string {
  const commune = m.communes[c];
  const counts = (s: number) => ev.count(c, s);
  const hamlets = (m.communeHamletStart[c + 1] ?? 0) - (m.communeHamletStart[c] ?? 0);
  const status = COMMUNE_STATUS[ev.communeStatus[c] ?? 0] ?? 'not_met';
  const station = STATION_STATUS[ev.communeStation[c] ?? 3] ?? 'none';
  const judged = ev.provinceJudged[commune?.provinceIndex ?? 0] === 1;
  // `unmonitored` is the former name of `unverified` (kept for dashboards written against it).
  return COVERAGE_COMMUNE.line(
    { province: commune?.province, commune: commune?.id },
    {
      status,
      meets: status === 'meets',
      hamlets,
      covered: counts(COVERED),
      at_risk: counts(AT_RISK),
      uncovered: counts(UNCOVERED),
      unverified: counts(UNVERIFIED_HAMLET),
      unmonitored: counts(UNVERIFIED_HAMLET),
      unserved: counts(UNSERVED),
      maintenance_hamlets: counts(MAINTENANCE),
      maintenance: ev.communeMaintenance[c] === 1,
      unit: commune?.unit ?? 'xa',
      assessed: commune?.assessed ?? true,
      regular: ev.communeRegular[c] ?? 0,
      regularity_judged: judged,
      station,
      since: Math.round(since),
      name: commune?.name ?? '',
    },
    msToNs(at),
  );
}

export function provinceLine(m: CoverageModel, ev: Evaluation, p: number, at: number): string {
  const province = m.provinces[p];
  if (province === undefined) return '';
  // Communes count where the criterion applies (new-rural criteria: xã, not phường or đặc khu).
  let communes = 0;
  let meets = 0;
  let unverified = 0;
  let atRisk = 0;
  let hamlets = 0;
  let covered = 0;
  let unmonitored = 0;
  for (let c = province.firstCommune; c < province.endCommune; c++) {
    hamlets += (m.communeHamletStart[c + 1] ?? 0) - (m.communeHamletStart[c] ?? 0);
    covered += ev.count(c, COVERED);
    unmonitored += ev.count(c, UNVERIFIED_HAMLET);
    if (m.communes[c]?.assessed !== true) continue;
    communes++;
    if (ev.communeStatus[c] === MEETS) meets++;
    else if (ev.communeStatus[c] === UNVERIFIED) unverified++;
    else if (ev.communeStatus[c] === COMMUNE_AT_RISK) atRisk++;
  }
  const units = province.endCommune - province.firstCommune;
  return COVERAGE_PROVINCE.line(
    { province: province.id },
    {
      communes,
      communes_meeting: meets,
      communes_unverified: unverified,
      communes_at_risk: atRisk,
      units,
      hamlets,
      hamlets_covered: covered,
      hamlets_unverified: unmonitored,
      hamlets_unmonitored: unmonitored,
      name: province.name,
    },
    msToNs(at),
  );
}

/**
 * One `alert` point. Its sub-millisecond digits carry a per-process counter so that two alerts of one
 * kind and commune in the same millisecond stay two points.
 */
export function alertLine(alert: Alert, seq: number): string {
  const w = alert.where;
  return ALERT.line(
    { province: w.province, commune: w.commune, kind: alert.kind, state: alert.state },
    {
      id: alert.id,
      message: alert.message,
      severity: alert.severity,
      since: Math.round(alert.since),
      hamlet: w.hamlet ?? '',
      device: w.device ?? alert.devices?.join(',') ?? '',
      title: alert.title ?? alertTitle(alert),
    },
    msToNs(alert.ts, seq % 1_000_000),
  );
}

export function alertTitle(alert: Alert): string {
  const place = alert.where.hamlet ?? alert.where.device ?? alert.where.commune;
  return `${alert.state === 'firing' ? 'FIRING' : 'RESOLVED'} ${alert.kind} ${place}`;
}
