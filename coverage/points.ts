import { escapeFieldString, msToNs } from '../influx/index.js';
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
 * Line protocol of the coverage measurements (docs/protocol.md §10), written to the retention policy
 * `long`. Places are tags (bounded by the inventory); statuses, counts and names are fields.
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
  return (
    `coverage_hamlet,commune=${commune?.id ?? ''},hamlet=${m.hamletIds[h] ?? ''},province=${commune?.province ?? ''} ` +
    `status="${status}",covered=${ev.hamletStatus[h] === COVERED},regular=${regular},` +
    `regularity_judged=${ev.hamletRegular[h] !== NOT_JUDGED},` +
    `broadcast_days=${ev.hamletBroadcastDays[h] ?? 0}i,clusters=${clusters}i,clusters_up=${up}i,` +
    `clusters_unmonitored=${unmonitored}i,` +
    `since=${Math.round(since)}i,name="${escapeFieldString(m.hamletNames[h] ?? '')}",cause="${cause}" ${msToNs(at)}`
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
  const position =
    device.lat !== undefined && device.lon !== undefined ? `,lat=${device.lat},lon=${device.lon}` : '';
  return (
    `coverage_device,commune=${device.commune},device=${device.device},kind=${device.kind},province=${device.province} ` +
    `status="${DEVICE_STATUS[status] ?? 'down'}",up=${ev.deviceUp[d] === 1 && status === DEVICE_UP},hamlets="${escapeFieldString(hamlets)}"` +
    `${position} ${msToNs(at)}`
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
  return (
    `coverage_commune,commune=${commune?.id ?? ''},province=${commune?.province ?? ''} ` +
    `status="${status}",meets=${status === 'meets'},hamlets=${hamlets}i,covered=${counts(COVERED)}i,` +
    `at_risk=${counts(AT_RISK)}i,uncovered=${counts(UNCOVERED)}i,unverified=${counts(UNVERIFIED_HAMLET)}i,` +
    `unmonitored=${counts(UNVERIFIED_HAMLET)}i,unserved=${counts(UNSERVED)}i,maintenance_hamlets=${counts(MAINTENANCE)}i,` +
    `maintenance=${ev.communeMaintenance[c] === 1},unit="${commune?.unit ?? 'xa'}",assessed=${commune?.assessed ?? true},` +
    `regular=${ev.communeRegular[c] ?? 0}i,regularity_judged=${judged},station="${station}",` +
    `since=${Math.round(since)}i,name="${escapeFieldString(commune?.name ?? '')}" ${msToNs(at)}`
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
  return (
    `coverage_province,province=${province.id} communes=${communes}i,communes_meeting=${meets}i,` +
    `communes_unverified=${unverified}i,communes_at_risk=${atRisk}i,units=${units}i,hamlets=${hamlets}i,` +
    `hamlets_covered=${covered}i,hamlets_unverified=${unmonitored}i,hamlets_unmonitored=${unmonitored}i,` +
    `name="${escapeFieldString(province.name)}" ${msToNs(at)}`
  );
}

/**
 * One `alert` point. Its sub-millisecond digits carry a per-process counter so that two alerts of one
 * kind and commune in the same millisecond stay two points.
 */
export function alertLine(alert: Alert, seq: number): string {
  const w = alert.where;
  const fields = [
    `id="${escapeFieldString(alert.id)}"`,
    `message="${escapeFieldString(alert.message)}"`,
    `severity="${alert.severity}"`,
    `since=${Math.round(alert.since)}i`,
    `hamlet="${escapeFieldString(w.hamlet ?? '')}"`,
    `device="${escapeFieldString(w.device ?? alert.devices?.join(',') ?? '')}"`,
    `title="${escapeFieldString(alert.title ?? alertTitle(alert))}"`,
  ];
  return (
    `alert,commune=${w.commune},kind=${alert.kind},province=${w.province},state=${alert.state} ` +
    `${fields.join(',')} ${msToNs(alert.ts, seq % 1_000_000)}`
  );
}

export function alertTitle(alert: Alert): string {
  const place = alert.where.hamlet ?? alert.where.device ?? alert.where.commune;
  return `${alert.state === 'firing' ? 'FIRING' : 'RESOLVED'} ${alert.kind} ${place}`;
}
