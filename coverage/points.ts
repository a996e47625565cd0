import { escapeFieldString, msToNs } from '../influx/index.js';
import type { Alert } from './alert.js';
import {
  COMMUNE_STATUS,
  COVERED,
  HAMLET_STATUS,
  UNCOVERED,
  UNMONITORED,
  UNSERVED,
  type Evaluation,
} from './evaluate.js';
import type { CoverageModel } from './model.js';

/**
 * Line protocol of the coverage measurements (docs/protocol.md §10), written to the retention policy
 * `long`. Places are tags (bounded by the inventory); statuses, counts and names are fields.
 */
export function hamletLine(m: CoverageModel, ev: Evaluation, h: number, since: number, at: number): string {
  const c = m.hamletCommune[h] ?? 0;
  const commune = m.communes[c];
  let clusters = 0;
  let up = 0;
  for (let e = m.hamletDeviceStart[h] ?? 0; e < (m.hamletDeviceStart[h + 1] ?? 0); e++) {
    clusters++;
    up += ev.deviceUp[m.hamletDevices[e] ?? 0] ?? 0;
  }
  const status = HAMLET_STATUS[ev.hamletStatus[h] ?? 0] ?? 'uncovered';
  return (
    `coverage_hamlet,commune=${commune?.id ?? ''},hamlet=${m.hamletIds[h] ?? ''},province=${commune?.province ?? ''} ` +
    `status="${status}",covered=${ev.hamletStatus[h] === COVERED},regular=${ev.hamletRegular[h] === 1},` +
    `broadcast_days=${ev.hamletBroadcastDays[h] ?? 0}i,clusters=${clusters}i,clusters_up=${up}i,` +
    `since=${Math.round(since)}i,name="${escapeFieldString(m.hamletNames[h] ?? '')}" ${msToNs(at)}`
  );
}

/** Per device: `down`, `up` or `unmonitored` (FM and wired clusters, which never report). */
export const DEVICE_STATUS = ['down', 'up', 'unmonitored'] as const;

/** The status number of device d in `DEVICE_STATUS`, for change detection without strings. */
export function deviceStatus(m: CoverageModel, ev: Evaluation, d: number): number {
  return m.deviceMonitored[d] === 0 ? 2 : (ev.deviceUp[d] ?? 0);
}

/**
 * One `coverage_device` point: the map of every device, including those that never report, so it
 * carries the inventory's position (a reporting device's own announcement is in `device_meta`).
 */
export function deviceLine(m: CoverageModel, ev: Evaluation, d: number, at: number): string {
  const device = m.devices[d];
  if (device === undefined) return '';
  const status = deviceStatus(m, ev, d);
  const hamlets = device.kind === 'cluster' ? device.hamlets.join(',') : '';
  const position =
    device.lat !== undefined && device.lon !== undefined ? `,lat=${device.lat},lon=${device.lon}` : '';
  return (
    `coverage_device,commune=${device.commune},device=${device.device},kind=${device.kind},province=${device.province} ` +
    `status="${DEVICE_STATUS[status] ?? 'down'}",up=${status === 1},hamlets="${escapeFieldString(hamlets)}"` +
    `${position} ${msToNs(at)}`
  );
}

export function communeLine(m: CoverageModel, ev: Evaluation, c: number, since: number, at: number): string {
  const commune = m.communes[c];
  const counts = (s: number) => ev.communeCounts[c * 4 + s] ?? 0;
  const hamlets = (m.communeHamletStart[c + 1] ?? 0) - (m.communeHamletStart[c] ?? 0);
  const status = COMMUNE_STATUS[ev.communeStatus[c] ?? 0] ?? 'not_met';
  const station = ['down', 'up', 'none'][ev.communeStation[c] ?? 2] ?? 'none';
  return (
    `coverage_commune,commune=${commune?.id ?? ''},province=${commune?.province ?? ''} ` +
    `status="${status}",meets=${status === 'meets'},hamlets=${hamlets}i,covered=${counts(COVERED)}i,` +
    `uncovered=${counts(UNCOVERED)}i,unmonitored=${counts(UNMONITORED)}i,unserved=${counts(UNSERVED)}i,` +
    `regular=${ev.communeRegular[c] ?? 0}i,regularity_judged=${ev.regularityJudged},station="${station}",` +
    `since=${Math.round(since)}i,name="${escapeFieldString(commune?.name ?? '')}" ${msToNs(at)}`
  );
}

export function provinceLine(m: CoverageModel, ev: Evaluation, p: number, at: number): string {
  const province = m.provinces[p];
  if (province === undefined) return '';
  let meets = 0;
  let unverified = 0;
  let hamlets = 0;
  let covered = 0;
  let unmonitored = 0;
  for (let c = province.firstCommune; c < province.endCommune; c++) {
    if (ev.communeStatus[c] === 0) meets++;
    else if (ev.communeStatus[c] === 1) unverified++;
    hamlets += (m.communeHamletStart[c + 1] ?? 0) - (m.communeHamletStart[c] ?? 0);
    covered += ev.communeCounts[c * 4 + COVERED] ?? 0;
    unmonitored += ev.communeCounts[c * 4 + UNMONITORED] ?? 0;
  }
  const communes = province.endCommune - province.firstCommune;
  return (
    `coverage_province,province=${province.id} communes=${communes}i,communes_meeting=${meets}i,` +
    `communes_unverified=${unverified}i,hamlets=${hamlets}i,hamlets_covered=${covered}i,` +
    `hamlets_unmonitored=${unmonitored}i,name="${escapeFieldString(province.name)}" ${msToNs(at)}`
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
    `title="${escapeFieldString(alertTitle(alert))}"`,
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
